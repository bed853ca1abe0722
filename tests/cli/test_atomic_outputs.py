"""Issue 7 item 17: an interrupted run leaves the previous results whole; --out never eats inputs."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_backtest_cmd import STRATEGY, write_bars

from tradeplan.cli.main import main


def _backtest(strategy: Path, data: Path, out: Path) -> int:
    return main(["backtest", str(strategy), "--data", str(data), "--out", str(out), "--quiet"])


def test_an_interrupted_write_leaves_the_old_results_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    strategy = tmp_path / "sma.yaml"
    strategy.write_text(STRATEGY)
    data = write_bars(tmp_path / "bars.csv", size=400)
    out = tmp_path / "out"
    assert _backtest(strategy, data, out) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert "report.html" in before

    def interrupted(*args: object, **kwargs: object) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr("tradeplan.backtest.run.render_report", interrupted)
    data.write_text(data.read_text().replace(",1,0.00002", ",1,0.00003"))
    assert _backtest(strategy, data, out) == 130
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_out_that_holds_the_input_data_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    strategy = tmp_path / "sma.yaml"
    strategy.write_text(STRATEGY)
    data = write_bars(tmp_path / "bars.csv", size=200)
    assert _backtest(strategy, data, tmp_path) == 2
    assert "holds the input" in capsys.readouterr().err
    assert data.exists() and strategy.exists()


def test_out_with_other_files_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    strategy = tmp_path / "sma.yaml"
    strategy.write_text(STRATEGY)
    data = write_bars(tmp_path / "bars.csv", size=200)
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    assert _backtest(strategy, data, out) == 2
    assert "holds other files (notes.txt)" in capsys.readouterr().err
    assert (out / "notes.txt").read_text() == "keep me"
