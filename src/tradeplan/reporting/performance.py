"""The report's performance summary, as TradingView's Strategy Tester lays it out, and more.

Every money figure is computed in Decimal from the trades as booked (`metrics.booked`: each P&L
on the account currency's minor unit), so a column of the table is exactly what a spreadsheet
adds up from trades.csv:

* net profit = gross profit + gross loss (a loss is negative); profit factor = gross profit /
  |gross loss| (None without a loss); percent profitable = winners / trades;
* average trade / win / loss and average bars are rounded once, half-even (money on the minor
  unit, bars and ratios to 2 decimals, profit factor and the win/loss ratio to 4);
* max consecutive wins / losses count runs in closing order; a flat trade (P&L 0) breaks both;
* max drawdown and max run-up are taken on the closed-trade equity (start balance + the P&L of
  the trades closed so far, in closing order): the largest fall from a running peak and the
  largest rise from a running trough, the start balance being the first peak and trough. The
  header cards' max drawdown is summary.json's, on the marked-to-market equity of every bar;
* bars in a trade = the data rows from the entry's row to the exit's row (a trade opened and
  closed within one bar counts 0), the rows of the data file rather than the plan's timeframe;
* Sharpe and Sortino (floats, analytics) come from daily returns of the closed-trade equity over
  the days the data has, risk-free 0, annualised by `periods_per_year`; Sortino divides by the
  downside deviation (root mean square of the negative returns over all days);
* buy and hold = the change of the close from the first bar to the last, in percent of the first,
  and that percent of the start balance in money (the price change, not a currency conversion).

Every figure has an "all", a "long" and a "short" value: long = the trades that bought first.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from numpy.typing import NDArray

from tradeplan.core.enums import Side
from tradeplan.core.epoch import ns_from_datetime
from tradeplan.core.money import round_display, round_money
from tradeplan.runtime.records import TradeRecord

I64 = NDArray[np.int64]
ZERO = Decimal(0)
HUNDRED = Decimal(100)
NS_PER_DAY = 86_400 * 10**9


@dataclass(frozen=True, slots=True)
class Figures:
    """One column of the summary (all, long or short trades)."""

    trades: int
    wins: int
    losses: int
    flat: int
    net_profit: Decimal
    gross_profit: Decimal
    gross_loss: Decimal
    fees: Decimal
    return_pct: Decimal | None
    profit_factor: Decimal | None
    percent_profitable: Decimal | None
    average_trade: Decimal | None
    average_win: Decimal | None
    average_loss: Decimal | None
    win_loss_ratio: Decimal | None
    largest_win: Decimal | None
    largest_loss: Decimal | None
    max_consecutive_wins: int
    max_consecutive_losses: int
    average_bars: Decimal | None
    average_bars_win: Decimal | None
    average_bars_loss: Decimal | None
    max_drawdown: Decimal
    max_drawdown_pct: Decimal | None
    max_run_up: Decimal
    max_run_up_pct: Decimal | None
    sharpe: float | None
    sortino: float | None


@dataclass(frozen=True, slots=True)
class Performance:
    all: Figures
    long: Figures
    short: Figures
    buy_hold_pct: Decimal | None
    buy_hold: Decimal | None


def closing_order(trades: Sequence[TradeRecord]) -> list[TradeRecord]:
    return sorted(trades, key=lambda t: (t.exit_time, t.trade_id))


def performance(
    trades: Sequence[TradeRecord],
    currency: str,
    initial: Decimal | None,
    *,
    bar_times: I64 | None = None,
    day_times: I64 | None = None,
    first_close: Decimal | None = None,
    last_close: Decimal | None = None,
    periods_per_year: float = 252.0,
) -> Performance:
    """The three columns and buy and hold (definitions: module docstring). `trades` are booked
    trades; `bar_times` the data's row times (for bars in trade), `day_times` the times whose UTC
    days are the days of the Sharpe and Sortino returns (the equity curve's)."""
    ordered = closing_order(trades)
    days = _days(day_times)
    bars = bars_held(ordered, bar_times) if bar_times is not None else []
    exit_days = [ns_from_datetime(t.exit_time) // NS_PER_DAY for t in ordered]

    def column(keep: Callable[[TradeRecord], bool]) -> Figures:
        rows = [i for i, t in enumerate(ordered) if keep(t)]
        return figures(
            [ordered[i] for i in rows],
            currency,
            initial,
            [bars[i] for i in rows] if bars else [],
            days,
            periods_per_year,
            [exit_days[i] for i in rows],
        )

    buy_hold_pct: Decimal | None = None
    buy_hold: Decimal | None = None
    if first_close and last_close is not None:
        change = (last_close - first_close) / first_close * HUNDRED
        buy_hold_pct = round_display(change, 2)
        if initial is not None:
            buy_hold = round_money(initial * change / HUNDRED, currency)
    return Performance(
        column(lambda t: True),
        column(lambda t: t.side is Side.BUY),
        column(lambda t: t.side is Side.SELL),
        buy_hold_pct,
        buy_hold,
    )


def figures(
    ordered: Sequence[TradeRecord],
    currency: str,
    initial: Decimal | None,
    bars: Sequence[int] = (),
    days: I64 | None = None,
    periods_per_year: float = 252.0,
    exit_days: Sequence[int] | None = None,
) -> Figures:
    """The figures of trades already in closing order, each P&L already on the minor unit;
    `bars` the bars each was held (empty: unknown), `exit_days` the UTC day of each exit."""
    zero = round_money(ZERO, currency)
    pnls = [t.pnl for t in ordered]
    won = [p for p in pnls if p > 0]
    lost = [p for p in pnls if p < 0]
    profit = sum(won, zero)
    loss = sum(lost, zero)
    net = profit + loss
    count = len(pnls)
    drawdown, drawdown_pct, run_up, run_up_pct = _excursions(pnls, initial or ZERO)
    if exit_days is None:
        exit_days = [ns_from_datetime(t.exit_time) // NS_PER_DAY for t in ordered]
    sharpe, sortino = _ratios(pnls, exit_days, initial, days, periods_per_year)
    return Figures(
        trades=count,
        wins=len(won),
        losses=len(lost),
        flat=count - len(won) - len(lost),
        net_profit=net,
        gross_profit=profit,
        gross_loss=loss,
        fees=sum((t.fees for t in ordered), zero),
        return_pct=round_display(net / initial * HUNDRED, 2) if initial else None,
        profit_factor=round_display(profit / -loss, 4) if loss else None,
        percent_profitable=round_display(Decimal(len(won)) / count * HUNDRED, 2) if count else None,
        average_trade=_mean_money(pnls, currency),
        average_win=_mean_money(won, currency),
        average_loss=_mean_money(lost, currency),
        win_loss_ratio=_win_loss_ratio(won, lost),
        largest_win=max(won) if won else None,
        largest_loss=min(lost) if lost else None,
        max_consecutive_wins=_longest_run(pnls, lambda p: p > 0),
        max_consecutive_losses=_longest_run(pnls, lambda p: p < 0),
        average_bars=_mean_bars(bars),
        average_bars_win=_mean_bars([b for b, p in zip(bars, pnls, strict=False) if p > 0]),
        average_bars_loss=_mean_bars([b for b, p in zip(bars, pnls, strict=False) if p < 0]),
        max_drawdown=round_money(drawdown, currency),
        max_drawdown_pct=drawdown_pct,
        max_run_up=round_money(run_up, currency),
        max_run_up_pct=run_up_pct,
        sharpe=sharpe,
        sortino=sortino,
    )


def _mean_money(values: Sequence[Decimal], currency: str) -> Decimal | None:
    return round_money(sum(values, ZERO) / len(values), currency) if values else None


def _win_loss_ratio(won: Sequence[Decimal], lost: Sequence[Decimal]) -> Decimal | None:
    if not won or not lost:
        return None
    average_win = sum(won, ZERO) / len(won)
    average_loss = sum(lost, ZERO) / len(lost)
    return round_display(average_win / -average_loss, 4)


def _longest_run(pnls: Sequence[Decimal], hit: Callable[[Decimal], bool]) -> int:
    best = run = 0
    for pnl in pnls:
        run = run + 1 if hit(pnl) else 0
        best = max(best, run)
    return best


def bars_held(trades: Sequence[TradeRecord], bar_times: I64) -> list[int]:
    """Rows from each trade's entry row to its exit row (the row a time falls in)."""
    if not trades or bar_times.size == 0:
        return []
    entries = np.array([ns_from_datetime(t.entry_time) for t in trades], dtype=np.int64)
    exits = np.array([ns_from_datetime(t.exit_time) for t in trades], dtype=np.int64)
    first = np.searchsorted(bar_times, entries, "right")
    last = np.searchsorted(bar_times, exits, "right")
    return [int(v) for v in (last - first).tolist()]


def _mean_bars(bars: Sequence[int]) -> Decimal | None:
    return round_display(Decimal(sum(bars)) / len(bars), 2) if bars else None


def _excursions(
    pnls: Sequence[Decimal], initial: Decimal
) -> tuple[Decimal, Decimal | None, Decimal, Decimal | None]:
    """Largest fall from a peak and rise from a trough of initial + cumulative P&L, each with
    its percent of that peak (trough); percents None where the base is not positive."""
    equity = initial
    peak = trough = initial
    fall = rise = ZERO
    fall_peak = rise_trough = initial
    for pnl in pnls:
        equity += pnl
        if peak - equity > fall:
            fall, fall_peak = peak - equity, peak
        if equity - trough > rise:
            rise, rise_trough = equity - trough, trough
        if equity > peak:
            peak = equity
        elif equity < trough:
            trough = equity
    fall_pct = round_display(fall / fall_peak * HUNDRED, 2) if fall_peak > 0 else None
    rise_pct = round_display(rise / rise_trough * HUNDRED, 2) if rise_trough > 0 else None
    return fall, fall_pct, rise, rise_pct


def _days(times: I64 | None) -> I64 | None:
    if times is None or times.size == 0:
        return None
    days = times // NS_PER_DAY
    if days.size > 1 and bool(np.all(days[1:] >= days[:-1])):  # an equity curve: in order
        kept: I64 = days[np.concatenate([[True], days[1:] != days[:-1]])]
        return kept
    result: I64 = np.unique(days)
    return result


def _ratios(
    pnls: Sequence[Decimal],
    exit_day: Sequence[int],
    initial: Decimal | None,
    days: I64 | None,
    periods_per_year: float,
) -> tuple[float | None, float | None]:
    if not initial or days is None or days.size < 2:
        return None, None
    exit_days = np.array(exit_day, dtype=np.int64)
    pnl = np.array([float(p) for p in pnls], dtype=np.float64)
    # Closed-trade equity at the end of each day: the start balance plus every P&L booked on or
    # before that day (a trade closing on a day without data counts on the next day with data).
    per_day = np.zeros(days.size)
    if exit_days.size:
        slot = np.minimum(np.searchsorted(days, exit_days, "left"), days.size - 1)
        np.add.at(per_day, slot, pnl)
    closes = float(initial) + np.cumsum(per_day)
    base = np.concatenate([[float(initial)], closes[:-1]])
    returns = np.where(base != 0, (closes - base) / np.where(base != 0, base, 1.0), 0.0)
    mean = float(np.mean(returns))
    spread = float(np.std(returns, ddof=1))
    downside = math.sqrt(float(np.mean(np.minimum(returns, 0.0) ** 2)))
    scale = math.sqrt(periods_per_year)
    sharpe = mean / spread * scale if spread > 0 and math.isfinite(spread) else None
    sortino = mean / downside * scale if downside > 0 and math.isfinite(downside) else None
    return sharpe, sortino


@dataclass(frozen=True, slots=True)
class PeriodReturn:
    """Return of one month or year: equity at its last point over the equity before it."""

    year: int
    month: int  # 0 for a whole year
    pct: Decimal | None


def period_returns(
    wall_ms: I64, exact: Callable[[int], Decimal], initial: Decimal
) -> tuple[list[PeriodReturn], list[PeriodReturn]]:
    """Monthly and yearly returns in percent (2 decimals) from exact equity points, months and
    years read on the display zone's wall clock (`price_series.wall_ms`)."""
    if wall_ms.size == 0:
        return [], []
    months = wall_ms.astype("datetime64[ms]").astype("datetime64[M]").astype(np.int64)
    monthly = _returns(months, exact, initial, lambda key: (1970 + key // 12, key % 12 + 1))
    years = months // 12
    yearly = _returns(years, exact, initial, lambda key: (1970 + key, 0))
    return monthly, yearly


def _returns(
    keys: I64,
    exact: Callable[[int], Decimal],
    initial: Decimal,
    label: Callable[[int], tuple[int, int]],
) -> list[PeriodReturn]:
    ends = np.append(np.flatnonzero(np.diff(keys)), keys.size - 1)
    out: list[PeriodReturn] = []
    before = initial
    for row in ends.tolist():
        value = exact(int(row))
        pct = round_display((value - before) / before * HUNDRED, 2) if before > 0 else None
        year, month = label(int(keys[row]))
        out.append(PeriodReturn(year, month, pct))
        before = value
    return out
