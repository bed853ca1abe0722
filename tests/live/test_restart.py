"""A bot stopped at any bar and started again on the same state store carries on as one run.

The venue lives on, as a broker does. The second run restores every owner's state and the
engine's from the store, warms its indicators up on the broker's history, reconciles (fills
that happened while it was away come in through the normal update path) and trades on. Its
files, appended to the first run's, are the backtest's, line for line, as an uninterrupted live
run's are (test_run_equals_backtest.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from live_harness import ROOT, live_session, source
from test_run_equals_backtest import WINDOW, assert_files_match

from tradeplan import api
from tradeplan.api_backtest import write_outputs
from tradeplan.backtest.run import BacktestOptions
from tradeplan.live.paper_session import load_feed

sys.path.insert(0, str(ROOT / "tests" / "golden"))
import golden_runs


@pytest.mark.parametrize(
    "case", ["usdjpy-grid", "breakeven-timeexit", "eurusd-risk", "btc-breakout"]
)
def test_a_bot_restarted_mid_run_writes_the_files_of_one_run(case: str, tmp_path: Path) -> None:
    strategy, data_file = golden_runs.CASES[case]
    window = BacktestOptions(end=WINDOW)
    backtest = api.backtest(ROOT / strategy, ROOT / data_file, window)
    write_outputs(backtest, tmp_path / "backtest")  # type: ignore[arg-type]
    plan = source(ROOT / strategy)
    data = load_feed(plan.plan, ROOT / data_file, window)
    state, out = tmp_path / "state", tmp_path / "live"

    first = live_session([plan], state, out, data=data)
    bars = 0

    def stop_at(limit: int) -> bool:
        return first.venue.cursor >= limit

    cuts = [len(data) // 3, (2 * len(data)) // 3]
    first.runner.run(until=lambda: stop_at(cuts[0]))
    first.close()
    second = live_session([plan], state, out, data=data, venue=first.venue)
    second.runner.run(until=lambda: second.venue.cursor >= cuts[1])
    second.close()
    third = live_session([plan], state, out, data=data, venue=first.venue)
    assert third.runner.run() == 0
    third.close()
    assert bars == 0
    assert_files_match(case, out, tmp_path / "backtest", backtest)
