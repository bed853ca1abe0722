"""A live run on the paper venue trades exactly as the backtest does, file for file.

`tradeplan run --feed FILE --speed max` plays a recorded feed through the whole live path: the
paper venue in live mode (reports per client id, fills with trade ids), the send gate (every
intent stored before it is sent), the state store, step indicators fed one closed bar at a
time, growing bar columns, and the files appended as things happen. Its trades.csv,
orders.csv, signals.csv and alerts.csv must be the backtest's, line for line, up to the end of
the data, where the two part on purpose: a backtest closes what is still open at the last close,
a live run leaves it open (its exits keep working at the broker).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest
from live_harness import ROOT, live_session, source

from tradeplan import api
from tradeplan.api_backtest import write_outputs
from tradeplan.backtest.run import BacktestOptions, BacktestRun
from tradeplan.core.epoch import datetime_from_ns
from tradeplan.live.paper_session import load_feed
from tradeplan.live.store import IntentState
from tradeplan.reporting.csv_out import cell

sys.path.insert(0, str(ROOT / "tests" / "golden"))
import golden_runs

WINDOW = "2025-02-12"


def _rows(path: Path) -> list[list[str]]:
    """The file's rows, order ids numbered in order of first appearance (a live run's are
    client ids, a backtest's 1, 2, 3...: the same orders under other names)."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header = rows[0] if rows else []
    if "order_id" in header:
        at = header.index("order_id")
        names: dict[str, str] = {"": ""}
        for row in rows[1:]:
            row[at] = names.setdefault(row[at], str(len(names)))
    return rows


@pytest.mark.parametrize("case", sorted(golden_runs.CASES))
def test_a_live_run_on_the_paper_venue_writes_the_backtests_files(
    case: str, tmp_path: Path
) -> None:
    strategy, data_file = golden_runs.CASES[case]
    # Six weeks of minutes (every case trades in them); the tick sample whole.
    window = BacktestOptions(end=WINDOW if "_1m_" in data_file else None)
    backtest = api.backtest(ROOT / strategy, ROOT / data_file, window)
    write_outputs(backtest, tmp_path / "backtest")  # type: ignore[arg-type]
    assert backtest.result.orders, f"{case}: the window holds orders"

    plan = source(ROOT / strategy)
    session = live_session(
        [plan],
        tmp_path / "state",
        tmp_path / "live",
        data=load_feed(plan.plan, ROOT / data_file, window),
    )
    assert session.runner.run() == 0
    session.close()

    assert_files_match(case, tmp_path / "live", tmp_path / "backtest", backtest)


def assert_files_match(case: str, live: Path, batch: Path, backtest: BacktestRun) -> None:
    """The live run's files are the backtest's up to its end-of-data close."""
    last_close = cell(datetime_from_ns(int(backtest.data.close_time_ns[-1])))
    trades = _rows(live / "trades.csv")
    want = [r for r in _rows(batch / "trades.csv") if r[8] != "end_of_data"]
    assert trades == want, f"{case}: trades.csv"
    assert _rows(live / "signals.csv") == _rows(batch / "signals.csv"), f"{case}: signals.csv"
    for name in ("orders.csv", "alerts.csv"):
        got, full = _rows(live / name), _rows(batch / name)
        assert got == full[: len(got)], f"{case}: {name} differs before the end of the data"
        rest = full[len(got) :]
        assert all(
            row[0] == last_close.replace("+00:00", "Z") or row[0] == last_close for row in rest
        ), f"{case}: {name}: the backtest has more than its end-of-data close: {rest[:3]}"


def test_every_order_sent_was_stored_first_and_is_settled(tmp_path: Path) -> None:
    strategy, data_file = golden_runs.CASES["usdjpy-grid"]
    plan = source(ROOT / strategy)
    data = load_feed(plan.plan, ROOT / data_file, BacktestOptions(end=WINDOW))
    session = live_session([plan], tmp_path / "state", None, data=data)
    session.runner.run()
    intents = session.store.intents("usdjpy-grid")
    placed = session.runner.strategies[0].engine.records[1]
    sent = {r.order_id for r in placed if r.event.value == "placed"}
    assert sent, "the grid places orders"
    assert sent <= {i.client_id for i in intents}
    open_states = {IntentState.PENDING_SEND, IntentState.SENT, IntentState.UNKNOWN}
    assert not [i for i in intents if i.state in open_states]
    session.close()
