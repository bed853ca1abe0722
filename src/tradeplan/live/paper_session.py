"""The in-process paper venue of `tradeplan run --feed FILE`: recorded data, live semantics.

The venue is built from the strategy's plan and the feed exactly as a backtest builds its paper
broker (`backtest.run.paper_terms`: the same balance, fees, fill model and account), so a run at
full speed gives the backtest's signals, orders and trades.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from tradeplan.backtest.data import DataKind, MarketData, load_market_data
from tradeplan.backtest.run import BacktestOptions, paper_terms
from tradeplan.brokers.paper.live_venue import LivePaperVenue
from tradeplan.core.calendar import open_ns_between
from tradeplan.core.epoch import usual_interval_ns
from tradeplan.plan.model import Plan
from tradeplan.ports.profiles import profile_or_paper


def load_feed(plan: Plan, feed: Path, options: BacktestOptions | None = None) -> MarketData:
    options = options or BacktestOptions()
    return load_market_data(
        feed,
        default_spread=options.spread,
        start=options.start,
        end=options.end,
        open_between=partial(open_ns_between, plan.instrument.asset_class),
    )


def bar_seconds(data: MarketData) -> int:
    """The feed's bar interval in seconds; 0 for ticks."""
    if data.kind is DataKind.TICKS:
        return 0
    return usual_interval_ns(data.time_ns) // 1_000_000_000


def paper_venue(
    plan: Plan, data: MarketData, options: BacktestOptions | None = None
) -> LivePaperVenue:
    options = options or BacktestOptions()
    terms = paper_terms(plan, options)
    return LivePaperVenue(
        data,
        plan.instrument,
        terms.config,
        account=terms.account,
        profile=profile_or_paper(plan.broker.name),
        volume=data.volume if options.max_volume_share is not None else None,
    )


__all__ = ["bar_seconds", "load_feed", "paper_venue"]
