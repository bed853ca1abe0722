"""One strategy of a live run: its plan, the engine, the signal feed and the bars it has seen.

The same kernel a backtest runs, fed the way `backtest/stream.py` feeds it: for each closed bar,
the bar goes into the columns (`GrowingBars`), through the signal feed (step indicators, one
bar), and the engine sees its close; what the broker reports until the next close happened
during the next bar (`Engine.begin_bar`). A recorded feed played through the paper venue thus
gives the backtest's signals, orders and trades (tests/live/test_run_equals_backtest.py), up
to the end of the data: a backtest closes what is open there, a live run leaves it open.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from tradeplan.backtest.run import BacktestOptions, paper_terms, timeframe_bucketing
from tradeplan.core.epoch import ns_from_datetime
from tradeplan.live.bars import GrowingBars
from tradeplan.plan.model import Plan
from tradeplan.ports.broker import BrokerPort
from tradeplan.ports.live import LiveBar
from tradeplan.runtime.currency import needs_rate
from tradeplan.runtime.engine import Engine, EngineConfig, Excursion
from tradeplan.runtime.ledger import QuoteRate
from tradeplan.runtime.signal_feed import SignalFeed


class StrategyRun:
    """See the module docstring. `bar_seconds` is the feed's bar interval (0: ticks), which
    says how the plan's timeframe bars are built from it."""

    def __init__(
        self,
        name: str,
        plan: Plan,
        broker: BrokerPort,
        *,
        bar_seconds: int,
        balance: Decimal | None = None,
        order_ids: Callable[[], str] | None = None,
        excursion: Excursion | None = None,
        history: GrowingBars | None = None,
        quote_rate: QuoteRate | None = None,
        broker_margin: bool = False,
    ) -> None:
        """`history`: bars already seen (a reload): the new signals are warmed up on them,
        and the engine goes on from the bar after the last. `quote_rate`: the broker's own
        conversion of the quote currency into the account's (`ConvertsToAccount`), instead
        of the plan's."""
        self.name = name
        self.quote_rate = quote_rate  # as given: a reload's plan may need it where this one did not
        self.plan = plan
        self.bars = GrowingBars(plan.instrument) if history is None else history.copy()
        # The signals warm up on the plan's warm-up bars before now, not on every bar seen:
        # a reload after a month of minutes costs what one after an hour does.
        start = max(0, self.bars.count - warmup_rows(plan, bar_seconds))
        bucketing = timeframe_bucketing(plan, bar_seconds)
        self.feed = SignalFeed(plan, len(self.bars), bucketing, start)
        for row in range(start, self.bars.count):
            self._push(row)
        # The backtest's account terms. Where the account's currency is neither of the pair's
        # (a JPY account trading EUR/USD) the rate is the broker's own conversion when it has
        # one; otherwise it is exact from the price (1, or 1 / price) and stays the plan's.
        if not needs_rate(plan.instrument, plan.account.currency):
            quote_rate = None
        rate_now = None if quote_rate is None else quote_rate(Decimal(0))
        terms = paper_terms(plan, BacktestOptions(balance=balance, quote_rate=rate_now))
        config = EngineConfig(
            terms.balance,
            plan.account.currency,
            plan.account.leverage,
            quote_rate or terms.rate,
            broker_margin=broker_margin,
        )
        self.engine = Engine(
            plan,
            broker,
            self.bars,
            self.feed.inputs,
            config,
            excursion=excursion or self.bars.excursion,
            order_ids=order_ids,
        )
        self.engine.begin_bar(self.bars.count)
        self.last_bar: LiveBar | None = None
        self.last_close_ns = (
            int(self.bars.close_time_ns[self.bars.count - 1]) if self.bars.count else None
        )

    def on_bar(self, bar: LiveBar) -> int | None:
        """`bar` has closed: evaluate it and let every owner act at its close; returns its
        row. A bar that opens before the last one closed (a repeat after a reconnect) is
        dropped: None."""
        if self.last_close_ns is not None and ns_from_datetime(bar.open_time) < self.last_close_ns:
            return None
        bars = self.bars
        if bars.append(bar):
            self.feed.grow(len(bars))
            self.engine.grow(bars, self.feed.inputs)
        row = bars.count - 1
        self._push(row)
        self.engine.on_bar_close(row)
        self.engine.begin_bar(row + 1)
        self.last_bar = bar
        self.last_close_ns = int(bars.close_time_ns[row])
        return row

    def _push(self, row: int) -> None:
        bars = self.bars
        open_, high, low, close, volume, spread = bars.floats(row)
        second = int(bars.time_ns[row]) // 1_000_000_000
        closes_at = int(bars.close_time_ns[row]) // 1_000_000_000
        self.feed.push_row(row, second, closes_at, open_, high, low, close, volume, spread)


def warmup_rows(plan: Plan, bar_seconds: int) -> int:
    """The feed's bars the plan's signals need before a bar to give the backtest's values
    there (`Plan.signals.warmup` counts the plan's own bars), with one plan bar to spare."""
    per_bar = 1
    if plan.timeframe and bar_seconds:
        per_bar = max(plan.timeframe // bar_seconds, 1)
    return (plan.signals.warmup + 1) * per_bar


__all__ = ["StrategyRun", "warmup_rows"]
