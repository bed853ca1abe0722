"""Exit codes and messages of `tradeplan run`, `status`, `halt` and `resume` when something is
wrong: 1 for a strategy with errors (its diagnostics, every file's), 2 for bad usage or a start
that is refused, each with a message that says what to do instead. Nothing here trades."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_live_cli import ROOT, cli, scalp_grid, short_feed

GRID = ROOT / "strategies" / "usdjpy-grid.yaml"
FEED = ROOT / "data" / "usdjpy_1m_2025.csv.gz"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--feed", FEED, "--venue", "127.0.0.1:7010"], "give --feed or --venue, not both"),
        ([], "say where to trade: --feed FILE.csv"),
        (["--feed", FEED, "--speed", "0"], "--speed 0: give a number above 0"),
        (["--feed", FEED, "--speed", "-5"], "--speed -5: give a number above 0"),
        (["--feed", FEED, "--speed", "inf"], "--speed inf: give a number above 0"),
        (["--feed", FEED, "--speed", "fast"], "--speed fast: give a number of data seconds"),
        (["--venue", "localhost"], "--venue localhost: give HOST:PORT"),
        (["--venue", "127.0.0.1:99999"], "give HOST:PORT"),
        (["--venue", "127.0.0.1:1"], "no paper venue answers at 127.0.0.1:1"),
        (["--feed", "no-such-feed.csv"], "bad data in --feed no-such-feed.csv"),
    ],
)
def test_bad_flags_exit_2_with_a_message(
    args: list[object], says: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = cli(capsys, "run", GRID, *args, "--state", tmp_path / "s", "--no-reload")
    assert code == 2
    assert err.startswith("tradeplan: error: ") and says in err
    assert "internal error" not in err and out == ""
    assert not (tmp_path / "s" / "events.jsonl").exists()


def test_a_strategy_with_errors_prints_its_diagnostics_and_exits_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    broken = scalp_grid(tmp_path, "broken.yaml", "tradeplan: 1\nname: x\n")
    typo = scalp_grid(
        tmp_path, "typo.yaml", (ROOT / "strategies" / "usdjpy-grid.yaml").read_text("utf-8")
    )
    typo.write_text(typo.read_text("utf-8").replace("100 pips", "100 pipz"), encoding="utf-8")
    code, out, err = cli(capsys, "run", broken, typo, "--feed", FEED, "--state", tmp_path / "s")
    assert code == 1 and out == ""
    # Every file's errors, as lint prints them: path:line:col, the code, the source line.
    assert f"{broken}:" in err and "error TP1" in err
    assert f"{typo}:" in err and "pipz" in err
    assert "4 errors in 2 files" in err
    assert not (tmp_path / "s").exists()


def test_a_missing_strategy_file_is_bad_usage(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = cli(capsys, "run", tmp_path / "nope.yaml", "--feed", FEED)
    assert code == 2 and "nope.yaml: no such file" in err


def test_two_strategies_of_one_name_are_refused_before_anything_runs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = ROOT / "strategies" / "usdjpy-grid.tp"
    code, _, err = cli(capsys, "run", GRID, text, "--feed", FEED, "--state", tmp_path / "s")
    assert code == 2
    assert "two strategies named usdjpy-grid" in err and "rename a file" in err
    assert "internal error" not in err


def test_strategies_of_two_instruments_need_a_feed_each(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    eurusd = ROOT / "strategies" / "eurusd-risk.yaml"
    code, _, err = cli(capsys, "run", GRID, eurusd, "--feed", FEED, "--state", tmp_path / "s")
    assert code == 2 and "the strategies trade EUR/USD, USD/JPY" in err


def test_a_feed_of_another_instrument_is_refused_as_a_backtest_refuses_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    eurusd = ROOT / "data" / "eurusd_1m_2025.csv.gz"
    code, _, err = cli(
        capsys, "run", GRID, "--feed", eurusd, "--speed", "max", "--state", tmp_path / "s"
    )
    assert code == 2
    assert "prices start at" in err and "the data cannot be USD/JPY" in err
    assert not (tmp_path / "s" / "events.jsonl").exists()


def test_a_feed_without_spread_gets_the_backtests_warning(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    feed = short_feed(tmp_path, 60)
    feed.write_text(
        "\n".join(",".join(line.split(",")[:6]) for line in feed.read_text().splitlines()) + "\n"
    )
    strategy = scalp_grid(tmp_path)
    code, _, err = cli(
        capsys, "run", strategy, "--feed", feed, "--speed", "max", "--state", tmp_path / "s"
    )
    assert code == 0
    assert "tradeplan: warning: " in err and "spread" in err


def test_status_halt_and_resume_without_a_store(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    none = tmp_path / "none"
    code, _, err = cli(capsys, "status", "--state", none)
    assert code == 2 and f"{none}/ holds no state store" in err
    for command in ("halt", "resume"):
        code, _, err = cli(capsys, command, "usdjpy-grid", "--state", none)
        assert code == 2 and f"{none}/ holds no state store" in err
    assert not none.exists()  # looking does not create one


def test_halt_of_an_unknown_strategy_names_the_known_ones(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    strategy, feed = scalp_grid(tmp_path), short_feed(tmp_path, 30)
    state = tmp_path / "s"
    code, _, err = cli(
        capsys, "run", strategy, "--feed", feed, "--speed", "max", "--state", state, "--quiet"
    )
    assert code == 0, err
    for command in ("halt", "resume"):
        code, out, err = cli(capsys, command, "usdjpy-grid", "--state", state)
        assert code == 2 and out == ""
        assert "no strategy usdjpy-grid in" in err and "(there: scalp;" in err
