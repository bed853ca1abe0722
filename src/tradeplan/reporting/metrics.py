"""Backtest summary figures from closed trades and the equity curve.

Definitions (the numbers in summary.json mean exactly this):

* net P&L = sum of trade P&L, which is net of fees (see runtime.records); gross profit = sum
  over winning trades (pnl > 0), gross loss = sum over losing trades (pnl < 0, a number <= 0);
  a trade with pnl == 0 counts in neither and is not a win;
* win rate = winners / trades, in percent; profit factor = gross profit / |gross loss|, None when
  there is no loss (undefined rather than infinite, so JSON stays valid);
* max drawdown = the largest fall of equity from its running peak, as an amount and as a percent
  of that peak (the two maxima may come from different falls). The amount is taken from the
  exact Decimal equity (`EquityCurve.exact`): the float curve only finds the candidate peaks
  and troughs;
* Sharpe = mean / standard deviation (ddof 1) of daily returns x sqrt(periods_per_year), risk-free
  rate 0. Daily returns come from the last equity of each UTC calendar day that has data, the
  first equity point being the base; days without data (weekends for FX and stocks) are skipped,
  so 252 suits markets that close and 365 suits crypto. None with fewer than two days or no
  variation;
* exposure = the share of equity-curve points (one per bar when the engine records every bar)
  at which a position was open, i.e. entry_time <= t < exit_time for some trade, in percent.

Money rule (docs/backtesting.md, "Money in the outputs"): every trade's P&L and fees are on the
account currency's minor unit, rounded once, half-even, when the trade is booked
(`runtime.ledger`; `booked` repeats it here for trades made elsewhere, a no-op for the
engine's), and every money total is the exact sum of those figures: net P&L = gross profit +
gross loss, final equity = initial equity (the starting balance) + net P&L. A figure that is
not a sum (average trade, average MFE/MAE, max drawdown) is rounded once by the same rule.
Ratios and curve statistics are floats (analytics), rounded for display by `to_json_dict` to 2
decimals (Sharpe and profit factor to 4); the console and report.html show those same figures.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from decimal import Decimal

import numpy as np
from numpy.typing import NDArray

from tradeplan.core.epoch import datetime_from_ns, ns_from_datetime
from tradeplan.core.money import minor_unit_decimals, round_display, round_money, to_decimal
from tradeplan.runtime.records import EquityCurve, SignalRecord, TradeRecord

F64 = NDArray[np.float64]
NS_PER_DAY = 86_400 * 1_000_000_000
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Summary:
    """The figures a trader reads first; percent fields are percents (12.5 means 12.5%)."""

    start: datetime | None
    end: datetime | None
    initial_equity: Decimal | None
    final_equity: Decimal | None
    return_pct: float | None
    net_pnl: Decimal
    gross_profit: Decimal
    gross_loss: Decimal
    fees: Decimal
    trade_count: int
    wins: int
    losses: int
    win_rate_pct: float | None
    profit_factor: float | None
    average_trade: Decimal | None
    best_trade: Decimal | None
    worst_trade: Decimal | None
    average_mfe: Decimal | None
    average_mae: Decimal | None
    max_drawdown: Decimal
    max_drawdown_pct: float
    sharpe: float | None
    exposure_pct: float | None
    currency: str = ""
    flat: int = 0  # trades with pnl == 0: neither won nor lost
    refused_signals: dict[str, int] = field(default_factory=dict, hash=False)  # by reason code
    signals: int = 0  # every signal: accepted or refused (0 with 0 trades: `when` never held)
    stopped_slots: dict[str, str] = field(default_factory=dict, hash=False)  # slot -> why
    paused_slots: dict[str, int] = field(default_factory=dict, hash=False)  # slot -> day pauses
    halted_at: datetime | None = None  # when the drawdown halt was first seen
    halt_reason: str = ""
    daily_limit_days: int = 0  # trading days on which the daily loss limit was reached

    def to_json_dict(self) -> dict[str, object]:
        """JSON-ready: money as exact Decimals on the currency's minor unit, ratios as Decimals
        rounded for display, times as ISO 8601, undefined figures as null (see the module
        docstring). `csv_out.write_summary_json` writes the Decimals as plain number literals."""
        out: dict[str, object] = {}
        for item in fields(self):
            name, value = item.name, getattr(self, item.name)
            if value is None:
                out[name] = None
            elif name in MONEY_FIELDS:
                out[name] = round_money(to_decimal(value), self.currency)
            elif isinstance(value, datetime):
                out[name] = value.isoformat()
            elif isinstance(value, dict):
                out[name] = dict(value)
            elif isinstance(value, float):
                digits = 4 if name in ("sharpe", "profit_factor") else 2
                finite = math.isfinite(value)
                out[name] = round_display(to_decimal(value), digits) if finite else None
            else:
                out[name] = value
        initial, net = out["initial_equity"], out["net_pnl"]
        if isinstance(initial, Decimal) and isinstance(net, Decimal):
            out["final_equity"] = initial + net
        return out

    def shown(self, name: str) -> str:
        """Field `name` as summary.json writes it (`-2020.15`, `58.39`), `n/a` when undefined:
        the console and report.html print this text, so all three agree to the last digit."""
        value = self.to_json_dict()[name]
        if value is None:
            return "n/a"
        return format(value, "f") if isinstance(value, Decimal) else str(value)


MONEY_FIELDS = frozenset(
    {
        "initial_equity",
        "final_equity",
        "net_pnl",
        "gross_profit",
        "gross_loss",
        "fees",
        "average_trade",
        "best_trade",
        "worst_trade",
        "average_mfe",
        "average_mae",
        "max_drawdown",
    }
)


@dataclass(frozen=True, slots=True)
class MoneyTotals:
    """The sums over a list of trade P&Ls, each P&L first put on the minor unit."""

    net_pnl: Decimal
    gross_profit: Decimal
    gross_loss: Decimal
    wins: int
    losses: int
    flat: int


def money_totals(pnls: Iterable[Decimal], currency: str) -> MoneyTotals:
    """Round each P&L once to `currency`'s minor unit, then add the rounded figures: net P&L is
    exactly gross profit + gross loss, and exactly what a spreadsheet adds from trades.csv. A
    trade is a win or a loss by its rounded P&L (a 0.004 USD gain is booked as 0.00: flat)."""
    rounded = [round_money(p, currency) for p in pnls]
    profit = sum((p for p in rounded if p > 0), _zero(currency))
    loss = sum((p for p in rounded if p < 0), _zero(currency))
    return MoneyTotals(
        net_pnl=profit + loss,
        gross_profit=profit,
        gross_loss=loss,
        wins=sum(1 for p in rounded if p > 0),
        losses=sum(1 for p in rounded if p < 0),
        flat=sum(1 for p in rounded if p == 0),
    )


def _zero(currency: str) -> Decimal:
    """0 with the currency's decimals, so an empty sum still reads `0.00` (`0` for JPY)."""
    return round_money(ZERO, currency)


def booked(trade: TradeRecord, currency: str) -> TradeRecord:
    """`trade` with its money (P&L, fees, MFE, MAE) on `currency`'s minor unit, as the ledger
    books it; the engine's trades come back unchanged."""

    def on_unit(value: Decimal) -> Decimal:
        return round_money(value, currency)

    places = -minor_unit_decimals(currency)
    money = (trade.pnl, trade.fees, trade.mfe, trade.mae)
    if all(v.as_tuple().exponent == places and not (v == 0 and v.is_signed()) for v in money):
        return trade  # already booked (the engine's trades): no copy
    return replace(
        trade,
        pnl=on_unit(trade.pnl),
        fees=on_unit(trade.fees),
        mfe=on_unit(trade.mfe),
        mae=on_unit(trade.mae),
    )


def net_pnl(trades: Sequence[TradeRecord]) -> Decimal:
    return sum((t.pnl for t in trades), ZERO)


def gross_profit(trades: Sequence[TradeRecord]) -> Decimal:
    return sum((t.pnl for t in trades if t.pnl > 0), ZERO)


def gross_loss(trades: Sequence[TradeRecord]) -> Decimal:
    """Sum of the losing trades: zero or negative."""
    return sum((t.pnl for t in trades if t.pnl < 0), ZERO)


def win_rate_pct(trades: Sequence[TradeRecord]) -> float | None:
    if not trades:
        return None
    return 100.0 * sum(1 for t in trades if t.pnl > 0) / len(trades)


def profit_factor(trades: Sequence[TradeRecord]) -> float | None:
    loss = gross_loss(trades)
    if loss == 0:
        return None
    return float(gross_profit(trades) / -loss)


def _mean(values: Sequence[Decimal]) -> Decimal | None:
    return sum(values, ZERO) / len(values) if values else None


def drawdown(equity: F64) -> F64:
    """Distance below the running peak at every point (>= 0)."""
    if equity.size == 0:
        return np.zeros(0)
    result: F64 = np.maximum.accumulate(equity) - equity
    return result


def drawdown_pct(equity: F64) -> F64:
    """Drawdown as a percent of the running peak (0 where the peak is not positive)."""
    if equity.size == 0:
        return np.zeros(0)
    peak = np.maximum.accumulate(equity)
    safe = np.where(peak > 0, peak, 1.0)
    result: F64 = np.where(peak > 0, 100.0 * (peak - equity) / safe, 0.0)
    return result


def max_drawdown(equity: F64) -> tuple[float, float]:
    """(largest amount, largest percent) of any fall from a running peak."""
    if equity.size == 0:
        return 0.0, 0.0
    return float(drawdown(equity).max()), float(drawdown_pct(equity).max())


CANDIDATES = 64  # distinct float values tried as peaks or troughs; ties beyond are one value


def exact_max_drawdown(curve: EquityCurve) -> Decimal:
    """The largest fall from a running peak, from the exact equity when the curve has it.

    The float curve finds the troughs whose fall is within float error of the largest one and,
    for each, the points before it within float error of its running peak; the exact equity of
    those few points decides. Points with the same float value are tried once (a flat stretch
    at the bottom is one trough)."""
    equity = curve.equity
    if equity.size == 0:
        return ZERO
    peaks = np.maximum.accumulate(equity)
    falls = peaks - equity
    largest = float(falls.max())
    if curve.exact is None:
        return to_decimal(largest)
    exact = curve.exact
    tolerance = 1e-9 * max(1.0, float(np.abs(equity).max()))  # far above the float error
    result = ZERO
    for row in _distinct_last(equity, np.flatnonzero(falls >= largest - tolerance)):
        near_peak = np.flatnonzero(equity[: row + 1] >= float(peaks[row]) - tolerance)
        peak = max(exact(i) for i in _distinct_last(equity, near_peak))
        result = max(result, peak - exact(row))
    return result


def _distinct_last(equity: F64, rows: NDArray[np.int64]) -> list[int]:
    """One row per distinct float value among `rows` (the last), at most CANDIDATES of them."""
    chosen: dict[float, int] = {}
    for row in rows[::-1]:
        value = float(equity[row])
        if value not in chosen:
            chosen[value] = int(row)
            if len(chosen) >= CANDIDATES:
                break
    return list(chosen.values())


def daily_returns(curve: EquityCurve) -> F64:
    """Returns between the closing equity of consecutive UTC days that have data."""
    if len(curve) == 0:
        return np.zeros(0)
    day = curve.time_ns // NS_PER_DAY
    last_of_day = np.append(np.flatnonzero(np.diff(day)), day.size - 1)
    closes = np.concatenate([curve.equity[:1], curve.equity[last_of_day]])
    base = closes[:-1]
    result: F64 = np.where(base != 0, np.diff(closes) / np.where(base != 0, base, 1.0), 0.0)
    return result


def sharpe_ratio(curve: EquityCurve, periods_per_year: float = 252.0) -> float | None:
    returns = daily_returns(curve)
    if returns.size < 2:
        return None
    spread = float(np.std(returns, ddof=1))
    if spread == 0 or not math.isfinite(spread):
        return None
    return float(np.mean(returns)) / spread * math.sqrt(periods_per_year)


def exposure_pct(trades: Sequence[TradeRecord], curve: EquityCurve) -> float | None:
    """Percent of curve points inside some trade's [entry_time, exit_time)."""
    times = curve.time_ns
    if times.size == 0:
        return None
    if not trades:
        return 0.0
    entries = np.array([ns_from_datetime(t.entry_time) for t in trades], dtype=np.int64)
    exits = np.array([ns_from_datetime(t.exit_time) for t in trades], dtype=np.int64)
    steps = np.zeros(times.size + 1, dtype=np.int64)
    np.add.at(steps, np.searchsorted(times, entries, "left"), 1)
    np.add.at(steps, np.searchsorted(times, exits, "left"), -1)
    open_positions = np.cumsum(steps[:-1])
    return 100.0 * float(np.count_nonzero(open_positions > 0)) / times.size


def summarize(
    trades: Sequence[TradeRecord],
    equity: EquityCurve,
    *,
    periods_per_year: float = 252.0,
    currency: str = "",
    signals: Sequence[SignalRecord] = (),
) -> Summary:
    """Every figure of the report header and summary.json (money rule: module docstring)."""
    trades = [booked(t, currency) for t in trades]
    pnls = [t.pnl for t in trades]
    totals = money_totals(pnls, currency)
    initial = _initial_equity(equity, currency)
    final = initial + totals.net_pnl if initial is not None else None
    return_pct = float(100 * totals.net_pnl / initial) if initial else None
    _, dd_pct = max_drawdown(equity.equity)
    count = len(trades)
    return Summary(
        start=datetime_from_ns(int(equity.time_ns[0])) if len(equity) else None,
        end=datetime_from_ns(int(equity.time_ns[-1])) if len(equity) else None,
        initial_equity=initial,
        final_equity=final,
        return_pct=return_pct,
        net_pnl=totals.net_pnl,
        gross_profit=totals.gross_profit,
        gross_loss=totals.gross_loss,
        fees=sum((t.fees for t in trades), _zero(currency)),
        trade_count=count,
        wins=totals.wins,
        losses=totals.losses,
        win_rate_pct=100.0 * totals.wins / count if count else None,
        profit_factor=profit_factor(trades),
        average_trade=_mean_money(pnls, currency),
        best_trade=max(pnls) if pnls else None,
        worst_trade=min(pnls) if pnls else None,
        average_mfe=_mean_money([t.mfe for t in trades], currency),
        average_mae=_mean_money([t.mae for t in trades], currency),
        max_drawdown=round_money(exact_max_drawdown(equity), currency),
        max_drawdown_pct=dd_pct,
        sharpe=sharpe_ratio(equity, periods_per_year),
        exposure_pct=exposure_pct(trades, equity),
        currency=currency,
        flat=totals.flat,
        refused_signals=refused_by_reason(signals),
        signals=len(signals),
    )


def _initial_equity(equity: EquityCurve, currency: str) -> Decimal | None:
    """The exact starting balance when the curve knows it, else its first point, rounded."""
    if equity.initial is not None:
        return round_money(equity.initial, currency)
    if len(equity) == 0:
        return None
    return round_money(to_decimal(float(equity.equity[0])), currency)


def _mean_money(values: Sequence[Decimal], currency: str) -> Decimal | None:
    mean = _mean(values)
    return None if mean is None else round_money(mean, currency)


def refused_by_reason(signals: Sequence[SignalRecord]) -> dict[str, int]:
    """Refused signals counted by reason code (the words before the first `:` of each reason;
    a signal refused for two reasons counts under both), in order of first appearance."""
    counts: dict[str, int] = {}
    for signal in signals:
        if signal.accepted:
            continue
        codes = {part.split(":", 1)[0].strip() for part in signal.reason.split("; ")} or {""}
        for code in sorted(codes):
            counts[code or "unknown"] = counts.get(code or "unknown", 0) + 1
    return counts
