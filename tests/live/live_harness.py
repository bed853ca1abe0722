"""Shared by the live tests: a live run of a strategy on the in-process paper venue."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from tradeplan import api
from tradeplan.backtest.data import MarketData
from tradeplan.brokers.paper.live_venue import LivePaperVenue
from tradeplan.live.logs import EventLog
from tradeplan.live.paper_session import bar_seconds, load_feed, paper_venue
from tradeplan.live.runner import LiveRunner, StrategySource
from tradeplan.live.store import StateStore
from tradeplan.plan.model import Plan

ROOT = Path(__file__).resolve().parents[2]


def source(path: Path, name: str | None = None) -> StrategySource:
    result = api.load(path)
    assert result.plan is not None, result.diagnostics
    return StrategySource(name or path.stem, path, result.plan, path.read_text("utf-8"))


@dataclass
class LiveSession:
    venue: LivePaperVenue
    store: StateStore
    runner: LiveRunner
    console: io.StringIO
    log: EventLog
    data: MarketData

    def close(self) -> None:
        self.log.close()
        self.store.close()


def live_session(
    sources: list[StrategySource],
    state: Path,
    out: Path | None,
    *,
    data: MarketData | None = None,
    feed: Path | None = None,
    venue: LivePaperVenue | None = None,
    paced: bool = False,
    watch: bool = False,
) -> LiveSession:
    plan: Plan = sources[0].plan
    if data is None:
        assert feed is not None
        data = load_feed(plan, feed)
    venue = venue or paper_venue(plan, data)
    store = StateStore.open(state)
    console = io.StringIO()
    log = EventLog(state / "events.jsonl", console)
    runner = LiveRunner(
        venue,
        store,
        sources,
        bar_seconds=bar_seconds(data),
        log=log,
        out_dir=out,
        pump=None if paced else venue.step,
        compile_file=api.load,
        watch=watch,
    )
    return LiveSession(venue, store, runner, console, log, data)
