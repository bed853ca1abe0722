"""A live run restarted from its stored state goes on exactly as if it had never stopped.

What a restart keeps is what the store holds: each owner's snapshot (`state_codec` JSON) and the
engine's own state (`engine_state` JSON: ledger, working orders, entries, watches). Here the bot
"crashes" after bar k of a bundled strategy's streamed run (the broker lives on, as a real one
does), a fresh engine is built from the plan, restored from the JSON alone, and fed the rest.
Its records, appended to the first engine's, must be the uninterrupted run's: every trade,
order event, signal and alert, for every bundled strategy, cut at several points, including
inside open positions and with working orders.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from tradeplan import api
from tradeplan.backtest.data import DataKind, MarketData, load_market_data
from tradeplan.backtest.run import BacktestOptions, paper_terms, timeframe_bucketing
from tradeplan.brokers.paper.broker import PaperBroker
from tradeplan.core.epoch import usual_interval_ns
from tradeplan.plan.model import Plan
from tradeplan.ports.profiles import profile_or_paper
from tradeplan.runtime import engine_state, state_codec
from tradeplan.runtime.engine import Engine, EngineConfig
from tradeplan.runtime.signal_feed import SignalFeed

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "golden"))
import golden_runs  # noqa: E402


def _wiring(plan: Plan, data: MarketData) -> tuple[PaperBroker, SignalFeed]:
    terms = paper_terms(plan, BacktestOptions())
    broker = PaperBroker(
        data,
        plan.instrument,
        terms.config,
        account=terms.account,
        profile=profile_or_paper(plan.broker.name),
        report_accepted=False,
    )
    interval = 0 if data.kind is DataKind.TICKS else usual_interval_ns(data.time_ns) // 10**9
    return broker, SignalFeed(plan, len(data), timeframe_bucketing(plan, interval))


def _engine(plan: Plan, broker: PaperBroker, data: MarketData, feed: SignalFeed) -> Engine:
    terms = paper_terms(plan, BacktestOptions())
    config = EngineConfig(terms.balance, plan.account.currency, plan.account.leverage, terms.rate)
    return Engine(plan, broker, data, feed.inputs, config, excursion=broker.excursion)


def _run(plan: Plan, data: MarketData, cut: int | None) -> tuple[list[object], ...]:
    broker, feed = _wiring(plan, data)
    engine = _engine(plan, broker, data, feed)
    seconds = (data.time_ns // 1_000_000_000).tolist()
    columns = [np.asarray(c).tolist() for c in (data.open, data.high, data.low, data.close)]
    volumes, spreads = np.asarray(data.volume).tolist(), np.asarray(data.spread).tolist()
    kept: list[list[object]] = [[], [], [], []]
    last = len(data) - 1
    for row in range(len(data)):
        if row == cut:  # crash: keep what the first run recorded, restore from JSON only
            for into, items in zip(kept, engine.records, strict=True):
                into.extend(items)
            owners = {o.name: state_codec.to_json(o.snapshot()) for o in engine.owners}
            held = engine_state.to_json(engine.export_state())
            engine = _engine(plan, broker, data, feed)
            for owner in engine.owners:
                owner.restore(state_codec.from_json(owners[owner.name]))
            engine.import_state(engine_state.from_json(held), keep_marks=True)
        engine.begin_bar(row)
        broker.process_row(row)
        o, h, lo, c = (col[row] for col in columns)
        closes = seconds[row + 1] if row < last else None
        feed.push_row(row, seconds[row], closes, o, h, lo, c, volumes[row], spreads[row])
        engine.on_bar_close(row)
    for into, items in zip(kept, engine.records, strict=True):
        into.extend(items)
    return tuple(kept)


CASES = sorted(golden_runs.CASES)


@pytest.mark.parametrize("case", CASES)
def test_a_run_restored_from_its_stored_state_goes_on_as_if_never_stopped(case: str) -> None:
    strategy, data_file = golden_runs.CASES[case]
    plan = api.load(ROOT / strategy).plan
    assert plan is not None
    # A quarter of minutes (trades in plenty); the tick sample whole.
    data = load_market_data(ROOT / data_file, end="2025-03-31" if "_1m_" in data_file else None)
    whole = _run(plan, data, None)
    assert whole[1], "the case places orders"
    rows = len(data)
    for cut in sorted({1, rows // 5, rows // 2, rows - 1}):
        assert _run(plan, data, cut) == whole, f"{case}: cut after row {cut}"
