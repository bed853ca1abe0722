"""`tradeplan report --state DIR`: a live run's history on the backtest's page.

A short paper run (`tradeplan run --feed --speed max`, the scalp grid of the live CLI tests)
leaves a state store and its files; the report shows its trades exactly as trades.csv has them,
the plan's fingerprint and source from the store, and the start balance the trades explain.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from contextlib import redirect_stderr, redirect_stdout
from decimal import Decimal
from pathlib import Path

import pytest

from tradeplan.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
# Buy slots every 5 pips from 109.50 to 110.20, one shared test grid (tests/fixtures/live/).
GRID = (ROOT / "tests" / "fixtures" / "live" / "scalp-grid-109.yaml").read_text("utf-8")


def quiet(*argv: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def live_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("live")
    with gzip.open(ROOT / "data" / "usdjpy_1m_2025.csv.gz", "rt", encoding="utf-8") as data:
        lines = [next(data) for _ in range(801)]
    (folder / "feed.csv").write_text("".join(lines), encoding="utf-8")
    (folder / "scalp.yaml").write_text(GRID, encoding="utf-8")
    code, _, err = quiet(
        "run", folder / "scalp.yaml", "--feed", folder / "feed.csv", "--speed", "max",
        "--state", folder / "state", "--out", folder / "out", "--no-reload",
    )  # fmt: skip
    assert code == 0, err
    return folder


def test_the_live_history_gets_the_backtest_page(live_run: Path) -> None:
    target = live_run / "live-report.html"
    code, out, err = quiet(
        "report", "--state", live_run / "state", "--files", live_run / "out",
        "--data", live_run / "feed.csv", "-o", target,
    )  # fmt: skip
    assert code == 0, err
    assert f"report: {target.resolve()}" in out
    page = target.read_text(encoding="utf-8")
    assert "<h1>scalp-grid-109 (live)</h1>" in page
    found = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page)
    assert found
    data = json.loads(found.group(1))
    with (live_run / "out" / "trades.csv").open(encoding="utf-8", newline="") as handle:
        trades = list(csv.DictReader(handle))
    assert trades, "the scalp grid closes trades within 800 minutes"
    assert data["trades"]["id"] == [int(t["trade_id"]) for t in trades]
    assert [Decimal(p) for p in data["trades"]["ep"]] == [Decimal(t["entry_price"]) for t in trades]
    assert "line" in data and data["levels"]  # the price chart, from --data
    assert "<th>Fingerprint</th>" in page and "stop_loss: none" in page  # source as written
    # The start balance is the balance now less the trades' P&L: the plan's 3,000,000 JPY.
    assert "<th>Start balance</th><td>3000000 JPY" in page
    net = sum(Decimal(t["pnl"]) for t in trades)
    assert f"+{net:,}" in page  # the Net profit of the performance table


def test_report_says_what_is_missing(live_run: Path, tmp_path: Path) -> None:
    code, _, err = quiet("report", "--state", tmp_path)
    assert code == 2 and "holds no state store" in err
    code, _, err = quiet("report", "--state", live_run / "state")
    assert code == 2 and "holds no trades.csv" in err
    code, _, err = quiet(
        "report", "--state", live_run / "state", "--files", live_run / "out", "--strategy", "x"
    )
    assert code == 2 and "no strategy 'x'" in err and "(it holds: scalp)" in err
