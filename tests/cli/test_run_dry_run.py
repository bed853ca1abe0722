"""`tradeplan run --dry-run` and `--broker` as a user meets them: a dry run does the whole start
(connect, reconcile, warm up, the next closed bar) and lists what it would send, and the broker
receives nothing and the state folder is as it was; a strategy written for one broker is not
started on another."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_live_cli import ROOT, captured, cli, scalp_grid, short_feed

from tradeplan import api
from tradeplan.brokers.paper.live_venue import LivePaperVenue
from tradeplan.live.paper_server import PaperServer
from tradeplan.live.paper_session import load_feed, paper_venue


@pytest.fixture
def venue(tmp_path: Path) -> Iterator[tuple[LivePaperVenue, str, Path]]:
    """A paper venue in a thread on 127.0.0.1, its clock running fast, and the strategy."""
    strategy, feed = scalp_grid(tmp_path), short_feed(tmp_path)
    result = api.load(strategy)
    assert result.plan is not None
    paper = paper_venue(result.plan, load_feed(result.plan, feed))
    server = PaperServer(paper)
    host, port = server.start()
    paper.start(6000.0)  # a one-minute bar every 10 ms
    try:
        yield paper, f"{host}:{port}", strategy
    finally:
        paper.stop()
        server.close()
        paper.close()


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "run.lock"
    }


def test_a_dry_run_lists_the_grid_entries_and_the_venue_gets_none(
    venue: tuple[LivePaperVenue, str, Path], tmp_path: Path
) -> None:
    paper, address, strategy = venue
    state = tmp_path / "state"
    code, out, err = captured(
        "run", strategy, "--venue", address, "--state", state, "--dry-run", "--no-reload"
    )
    assert code == 0, err
    assert out.startswith("dry run: nothing was sent\n")
    assert "scalp: in sync with the broker" in out
    would = [line.strip() for line in out.splitlines() if line.startswith("  ")]
    # One entry per slot, 109.50 to 110.20 every 5 pips: limits below the market, stops above.
    assert len(would) == 15, out
    assert would[0].startswith("buy 1000 limit at 109.50 (GTC, entry) [tp")
    assert all(line.startswith("buy 1000 ") and "(GTC, entry)" in line for line in would)
    assert paper.open_orders() == ()  # nothing reached the venue
    assert not state.exists()  # and no state was made for a run that did not happen


def test_a_dry_run_leaves_an_earlier_runs_state_untouched_and_says_it_disagrees(
    venue: tuple[LivePaperVenue, str, Path], tmp_path: Path
) -> None:
    """A state left by a run on another venue: the dry run reconciles it against this one,
    says the two disagree, and changes nothing in the folder."""
    paper, address, strategy = venue
    state = tmp_path / "state"
    code, _, err = captured(
        *("run", strategy, "--feed", short_feed(tmp_path, 300, "first.csv"), "--speed", "max"),
        *("--state", state, "--no-reload", "--quiet"),
    )
    assert code == 0, err
    before = _digest(state)
    code, out, err = captured(
        "run", strategy, "--venue", address, "--state", state, "--dry-run", "--no-reload"
    )
    assert code == 0, err
    assert "scalp: NOT in sync with the broker" in out
    assert _digest(state) == before
    assert paper.open_orders() == ()


def test_a_strategy_written_for_another_broker_is_not_started(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = cli(capsys, "run", scalp_grid(tmp_path), "--broker", "oanda", "--dry-run")
    assert code == 2
    assert "written for broker paper" in err
    assert "broker: oanda" in err  # what to write instead


def test_a_real_broker_with_a_feed_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    strategy, feed = scalp_grid(tmp_path), short_feed(tmp_path)
    code, _, err = cli(capsys, "run", strategy, "--broker", "binance", "--feed", feed)
    assert code == 2
    assert "--feed and --venue are the paper venue's" in err


@pytest.mark.parametrize(
    ("broker", "strategy"),
    [("binance", "btc-breakout"), ("oanda", "eurusd-risk"), ("futu", "nvda-protect")],
)
def test_a_real_broker_without_its_settings_says_where_to_read_how(
    broker: str,
    strategy: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """No keys in the environment: exit 2 before anything connects, pointing at the docs."""
    for name in list(os.environ):
        if name.startswith(("BINANCE_", "OANDA_", "FUTU_")):
            monkeypatch.delenv(name)
    path = ROOT / "strategies" / f"{strategy}.yaml"
    code, _, err = cli(capsys, "run", path, "--broker", broker, "--state", tmp_path / "s")
    assert code == 2, err
    assert err.startswith("tradeplan: error: ")
    assert f"docs/brokers/{broker}.md" in err
    assert "internal error" not in err and "Traceback" not in err
