"""The commands a Binance user types, against the fake: `instruments`, `lint --profile`,
`run --broker binance --dry-run`."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_binance import FakeBinance
from test_binance_live_run import BTCUSDT, ROOT, STRATEGY, _bars

from tradeplan import api
from tradeplan.cli.main import main
from tradeplan.live.paper_session import load_feed, paper_venue


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeBinance]:
    loaded = api.load(STRATEGY)
    assert loaded.plan is not None
    venue = paper_venue(loaded.plan, load_feed(loaded.plan, _bars(tmp_path)))
    made = FakeBinance(venue, BTCUSDT)
    for name, value in made.environ().items():
        monkeypatch.setenv(name, value)
    yield made
    made.close()
    venue.close()


def test_instruments_prints_and_saves_what_lint_checks_against(
    fake: FakeBinance, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = tmp_path / "binance.profile"
    assert main(["instruments", "--broker", "binance", "BTCUSDT", "--save", str(saved)]) == 0
    out = capsys.readouterr().out
    assert "BTCUSDT" in out and "0.1" in out and "0.001" in out
    assert saved.is_file()
    assert main(["lint", str(STRATEGY), "--profile", str(saved)]) == 0


def test_a_dry_run_connects_warms_up_and_sends_nothing(
    fake: FakeBinance, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.step(40)  # warm-up history on the venue
    stop = threading.Event()

    def clock() -> None:  # a bar every 50 ms until the dry run has seen one close
        while not stop.wait(0.05) and fake.venue.cursor < fake.venue.rows:
            fake.venue.step()

    ticker = threading.Thread(target=clock, daemon=True)
    ticker.start()
    try:
        code = main(
            [
                "run",
                str(STRATEGY),
                "--broker",
                "binance",
                "--dry-run",
                "--state",
                str(tmp_path / "state"),
                "--no-reload",
            ]
        )
    finally:
        stop.set()
        ticker.join()
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.startswith("dry run: nothing was sent")
    sent = [
        (m, p) for m, p in fake.requests if m in ("POST", "PUT", "DELETE") and "order" in p.lower()
    ]
    assert sent == []
    assert not (tmp_path / "state").exists() or not any((tmp_path / "state").iterdir())
    assert ROOT.is_dir()
