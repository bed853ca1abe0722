"""The engine's own books: open positions, closed trades and the equity curve.

The engine keeps its ledger from the fills the broker reports, never from the broker's account
figures, so a live run can reconcile the two (ARCHITECTURE.md). Money is converted from the
instrument's quote currency into the account currency by `quote_rate(price)` at the exit price
(1 when they are the same currency).

Equity curve. One point per row, at the row's close, computed once at the end from the list of
positions (which rows each was open at the close of) and of realised results: no per-row work
during the run, which is what lets a backtest jump over quiet rows. Longs are marked at the Bid
close, shorts at the Ask close. Floats: the curve is for analytics only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import numpy as np
from numpy.typing import NDArray

from tradeplan.core.enums import Side
from tradeplan.core.money import ONE, ZERO
from tradeplan.ports.broker import BarSeries, Moment
from tradeplan.runtime.records import EquityCurve, ExitReason, TradeRecord

QuoteRate = Callable[[Decimal], Decimal]


def same_currency(_: Decimal) -> Decimal:
    return ONE


@dataclass(slots=True)
class Position:
    """One owner's open position (a rule's or a slot's): never partly closed."""

    owner: str
    side: Side  # BUY for a long
    qty: Decimal
    price: Decimal
    time: datetime
    moment: Moment
    fee: Decimal  # entry fee, quote currency
    order_id: str


@dataclass(frozen=True, slots=True)
class _Closed:
    entry_row: int
    exit_row: int  # the position was open at the close of rows entry_row..exit_row-1
    side: Side
    qty: float
    price: float
    entry_fee: float  # account currency
    pnl: float  # net, account currency
    rate: float  # account currency per quote unit, for marking the open position


class Ledger:
    """Positions and trades of one run."""

    def __init__(self, balance: Decimal, quote_rate: QuoteRate = same_currency) -> None:
        self.initial_balance = balance
        self.balance = balance
        self.quote_rate = quote_rate
        self.trades: list[TradeRecord] = []
        self.open: dict[str, Position] = {}
        self._closed: list[_Closed] = []

    def open_position(self, position: Position) -> None:
        if position.owner in self.open:
            raise RuntimeError(f"{position.owner} already holds a position")
        self.open[position.owner] = position

    def close_position(
        self,
        owner: str,
        *,
        price: Decimal,
        time: datetime,
        moment: Moment,
        fee: Decimal,
        reason: ExitReason,
        excursion: tuple[Decimal, Decimal] | None,
    ) -> TradeRecord:
        position = self.open.pop(owner)
        rate = self.quote_rate(price)
        sign = position.side.sign
        gross = (price - position.price) * position.qty * sign
        fees = _money((position.fee + fee) * rate, rate)
        pnl = _money(gross * rate, rate) - fees
        if excursion is None:
            low = min(position.price, price)
            high = max(position.price, price)
        else:
            low, high = excursion
        favourable = high - position.price if sign > 0 else position.price - low
        adverse = position.price - low if sign > 0 else high - position.price
        mfe = _money(max(favourable, ZERO) * position.qty * rate, rate)
        mae = _money(max(adverse, ZERO) * position.qty * rate, rate)
        trade = TradeRecord(
            trade_id=len(self.trades) + 1,
            slot=owner,
            side=position.side,
            qty=position.qty,
            entry_time=position.time,
            entry_price=position.price,
            exit_time=time,
            exit_price=price,
            exit_reason=reason,
            pnl=pnl,
            fees=fees,
            mfe=mfe,
            mae=mae,
        )
        self.trades.append(trade)
        self.balance += pnl
        self._closed.append(
            _Closed(
                position.moment.row,
                moment.row,
                position.side,
                float(position.qty),
                float(position.price),
                float(position.fee * rate),
                float(pnl),
                float(rate),
            )
        )
        return trade

    def equity(self, marks: Callable[[Side], Decimal]) -> Decimal:
        """Balance plus the open positions at `marks(closing side)`, exact."""
        total = self.balance
        for position in self.open.values():
            mark = marks(position.side.opposite)
            rate = self.quote_rate(mark)
            total += (
                (mark - position.price) * position.qty * position.side.sign - position.fee
            ) * rate
        return total

    def equity_curve(self, series: BarSeries, last_row: int) -> EquityCurve:
        """Equity at the close of every row 0..last_row (see the module docstring)."""
        rows = last_row + 1
        scale = float(10**series.decimals)
        bid = series.close_scaled[:rows].astype(np.float64) / scale
        ask = bid + series.spread_scaled[:rows].astype(np.float64) / scale
        realised = np.zeros(rows + 1, dtype=np.float64)
        marks = np.zeros(rows + 1, dtype=np.float64)
        for item in self._closed:
            realised[min(item.exit_row, rows)] += item.pnl
            _add_marks(marks, bid, ask, item.entry_row, min(item.exit_row, rows), item)
        for position in self.open.values():
            rate = float(self.quote_rate(position.price))
            item = _Closed(
                position.moment.row,
                rows,
                position.side,
                float(position.qty),
                float(position.price),
                float(position.fee) * rate,
                0.0,
                rate,
            )
            _add_marks(marks, bid, ask, item.entry_row, rows, item)
        balance = float(self.initial_balance) + np.cumsum(realised)[:rows]
        equity = balance + marks[:rows]
        return EquityCurve(series.time_ns[:rows].copy(), equity, balance)


def _add_marks(
    marks: NDArray[np.float64],
    bid: NDArray[np.float64],
    ask: NDArray[np.float64],
    begin: int,
    end: int,
    item: _Closed,
) -> None:
    """Open P&L of a position at the close of rows begin..end-1, added into `marks`."""
    if end <= begin:
        return
    if item.side is Side.BUY:
        values = (bid[begin:end] - item.price) * item.qty
    else:
        values = (item.price - ask[begin:end]) * item.qty
    marks[begin:end] += values * item.rate - item.entry_fee


def _money(value: Decimal, rate: Decimal) -> Decimal:
    """Amounts converted at a rate other than 1 are quantised (a JPY->USD rate has no end)."""
    if rate == ONE:
        return value
    return value.quantize(Decimal("0.00000001"))
