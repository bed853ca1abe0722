"""The engine's own books: open positions, closed trades and the equity curve.

The engine keeps its ledger from the fills the broker reports, never from the broker's account
figures, so a live run can reconcile the two (ARCHITECTURE.md). Money is converted from the
instrument's quote currency into the account currency by `quote_rate(price)` at the exit price
(1 when they are the same currency).

Booking. A closed trade is booked like a broker's statement line: its gross result and its fees
are each rounded once, half-even, to the account currency's minor unit (`core.money.round_money`:
JPY 0 decimals, USD and USDT 2), its P&L is the difference of the two, and the balance moves by
exactly that P&L. So the balance, the trades' P&L and every total over them are exact sums of
figures on the minor unit. MFE and MAE are rounded the same way. Open positions are marked
exactly (they are not booked yet).

Partial fills. A position may be built by several entry fills (`add`) and closed by several
exit fills (`close_position(qty=...)`), each exit fill booked as its own trade. What is open is
held as its exact cost (the sum of price x quantity of its fills) and entry fees; a part closed
takes its share of both, and the last part takes all that is left, so the parts of a position
add up to its fills exactly. `price` (the average entry, to 10 decimal places at most) is what
trades.csv shows and what MFE and MAE are measured from; no money is computed from it.

Equity curve. One point per row, at the row's close, computed once at the end from the list of
positions (which rows each was open at the close of, one piece per size a position had) and of
realised results: no per-row work during the run, which is what lets a backtest jump over quiet
rows. Longs are marked at the Bid
close, shorts at the Ask close. Floats: the curve is for analytics only; `EquityCurve.exact` gives the exact Decimal
equity of any point, for figures that must be exact (the maximum drawdown).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Final

import numpy as np
from numpy.typing import NDArray

from tradeplan.core.enums import Side
from tradeplan.core.money import ONE, ZERO, round_money
from tradeplan.ports.broker import BarSeries, FillMark
from tradeplan.runtime.records import EquityCurve, ExitReason, TradeRecord

QuoteRate = Callable[[Decimal], Decimal]


def same_currency(_: Decimal) -> Decimal:
    return ONE


@dataclass(slots=True)
class Position:
    """One owner's open position (a rule's or a slot's), maybe built and closed in parts.

    `price` is the average entry price, `cost` the exact price x quantity of what is open (the
    average may not be a finite decimal), `fee` the entry fees of what is open. `time` and
    `mark` are the first fill's; `since` is the bar from which the position has had its
    present size (the equity curve marks each size over its own rows)."""

    owner: str
    side: Side  # BUY for a long
    qty: Decimal
    price: Decimal
    time: datetime
    mark: FillMark
    fee: Decimal  # entry fee, quote currency
    order_id: str
    cost: Decimal = ZERO  # set from price x qty when not given
    since: int = -1  # set to the first fill's row when not given

    def __post_init__(self) -> None:
        if not self.cost:
            self.cost = self.price * self.qty
        if self.since < 0:
            self.since = self.mark.bar


@dataclass(frozen=True, slots=True)
class _Closed:
    entry_row: int
    exit_row: int  # the position was open at the close of rows entry_row..exit_row-1
    side: Side
    qty: Decimal
    price: Decimal
    entry_fee: Decimal  # account currency, exact (marks an open position)
    pnl: Decimal  # net, account currency, as booked
    rate: Decimal  # account currency per quote unit, for marking the open position
    cost: Decimal  # quote currency: price x qty, exactly (the price may be an average)


class Ledger:
    """Positions and trades of one run."""

    def __init__(
        self, balance: Decimal, quote_rate: QuoteRate = same_currency, currency: str = "USD"
    ) -> None:
        self.initial_balance = balance
        self.balance = balance
        self.quote_rate = quote_rate
        self.currency = currency
        self.trades: list[TradeRecord] = []
        self.open: dict[str, Position] = {}
        self._closed: list[_Closed] = []
        # Trades booked before this ledger was built (a restarted live run numbers on).
        self.trade_base = 0

    def open_position(self, position: Position) -> None:
        if position.owner in self.open:
            raise RuntimeError(f"{position.owner} already holds a position")
        self.open[position.owner] = position

    def add(
        self, owner: str, *, qty: Decimal, price: Decimal, fee: Decimal, mark: FillMark
    ) -> None:
        """A further entry fill of `owner`'s position: it grows at the fill's price, its
        average entry moves, and the fill's fee joins the entry fees."""
        position = self.open[owner]
        rate = self.quote_rate(position.price)
        self._closed.append(_piece(position, mark.bar, ZERO, rate))
        position.qty += qty
        position.cost += price * qty
        position.fee += fee
        position.price = _average(position.cost, position.qty)
        position.since = mark.bar

    def close_position(
        self,
        owner: str,
        *,
        price: Decimal,
        time: datetime,
        mark: FillMark,
        fee: Decimal,
        reason: ExitReason,
        excursion: tuple[Decimal, Decimal] | None,
        qty: Decimal | None = None,
    ) -> TradeRecord:
        """Book an exit fill of `qty` (None: all that is open) as one trade. A part takes its
        share of the position's cost and entry fees; the rest stays open at the same average."""
        position = self.open[owner]
        closed = position.qty if qty is None else min(qty, position.qty)
        if closed <= 0:
            raise ValueError(f"an exit of {closed} closes nothing of {owner}'s position")
        whole = closed == position.qty
        if whole:
            cost, entry_fee = position.cost, position.fee
        else:
            cost = position.cost * closed / position.qty
            entry_fee = position.fee * closed / position.qty
        rate = self.quote_rate(price)
        sign = position.side.sign
        gross = (price * closed - cost) * sign
        fees = self._book((entry_fee + fee) * rate)
        pnl = self._book(gross * rate) - fees
        if excursion is None:
            low = min(position.price, price)
            high = max(position.price, price)
        else:
            low, high = excursion
        favourable = high - position.price if sign > 0 else position.price - low
        adverse = position.price - low if sign > 0 else high - position.price
        mfe = self._book(max(favourable, ZERO) * closed * rate)
        mae = self._book(max(adverse, ZERO) * closed * rate)
        trade = TradeRecord(
            trade_id=self.trade_base + len(self.trades) + 1,
            slot=owner,
            side=position.side,
            qty=closed,
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
        self._closed.append(_piece(position, mark.bar, pnl, rate))
        if whole:
            del self.open[owner]
        else:
            position.qty -= closed
            position.cost -= cost
            position.fee -= entry_fee
            position.since = mark.bar
        return trade

    def _book(self, amount: Decimal) -> Decimal:
        """`amount` as booked: on the account currency's minor unit (see the module docstring)."""
        return round_money(amount, self.currency)

    def equity(self, marks: Callable[[Side], Decimal]) -> Decimal:
        """Balance plus the open positions at `marks(closing side)`, exact."""
        total = self.balance
        for position in self.open.values():
            mark = marks(position.side.opposite)
            rate = self.quote_rate(mark)
            total += (
                (mark * position.qty - position.cost) * position.side.sign - position.fee
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
        items = self._items(rows)
        for item in items:
            realised[min(item.exit_row, rows)] += float(item.pnl)
            _add_marks(marks, bid, ask, item.entry_row, min(item.exit_row, rows), item)
        balance = float(self.initial_balance) + np.cumsum(realised)[:rows]
        equity = balance + marks[:rows]
        exact = _ExactEquity(self.initial_balance, items, series)
        return EquityCurve(
            series.time_ns[:rows].copy(), equity, balance, self.initial_balance, exact
        )

    def _items(self, rows: int) -> list[_Closed]:
        """The closed trades, then every open position as if closed after the last row."""
        items = list(self._closed)
        for position in self.open.values():
            items.append(_piece(position, rows, ZERO, self.quote_rate(position.price)))
        return items


AVERAGE_PLACES: Final = 10
_AVERAGE_STEP: Final = Decimal(1).scaleb(-AVERAGE_PLACES)


def _average(cost: Decimal, qty: Decimal) -> Decimal:
    """The average entry price: exact when it ends within 10 decimal places, else rounded to 10
    (1/3 of a pip is no price anyone reads further). Only trades.csv and MFE/MAE read it; P&L
    is computed from the exact cost."""
    average = cost / qty
    exponent = average.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -AVERAGE_PLACES:
        return average
    return average.quantize(_AVERAGE_STEP, rounding=ROUND_HALF_EVEN)


def _piece(position: Position, end_row: int, pnl: Decimal, rate: Decimal) -> _Closed:
    """The position at its present size, open at the close of rows since..end_row-1, then
    realising `pnl` at `end_row`."""
    return _Closed(
        position.since,
        end_row,
        position.side,
        position.qty,
        position.price,
        position.fee * rate,
        pnl,
        rate,
        position.cost,
    )


class _ExactEquity:
    """The equity curve's point `row` as an exact Decimal: the same sum as the float curve
    (balance with the booked P&L of every trade closed by that row, open positions marked at
    the row's Bid / Ask close), without binary rounding. Called for a few rows only."""

    def __init__(self, initial: Decimal, items: list[_Closed], series: BarSeries) -> None:
        self._items = items
        self._series = series
        booked = sorted((item.exit_row, item.pnl) for item in items)
        self._exit_rows = [row for row, _ in booked]
        self._balances = [initial]
        for _, pnl in booked:
            self._balances.append(self._balances[-1] + pnl)

    def __call__(self, row: int) -> Decimal:
        decimals = -int(self._series.decimals)
        bid = Decimal(int(self._series.close_scaled[row])).scaleb(decimals)
        ask = bid + Decimal(int(self._series.spread_scaled[row])).scaleb(decimals)
        total = self._balances[bisect_right(self._exit_rows, row)]
        for item in self._items:
            if item.entry_row <= row < item.exit_row:
                if item.side is Side.BUY:
                    move = bid * item.qty - item.cost
                else:
                    move = item.cost - ask * item.qty
                total += move * item.rate - item.entry_fee
        return total


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
    price, qty = float(item.price), float(item.qty)
    if item.side is Side.BUY:
        values = (bid[begin:end] - price) * qty
    else:
        values = (price - ask[begin:end]) * qty
    marks[begin:end] += values * float(item.rate) - float(item.entry_fee)
