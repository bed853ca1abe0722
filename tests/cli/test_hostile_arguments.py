"""Issue 7 item 16: arguments that gave wrong numbers, hung or ended as TP901 are usage errors."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_backtest_cmd import STRATEGY, write_bars

from tradeplan.brokers.paper.fills import _slip
from tradeplan.cli.main import main
from tradeplan.core.enums import Side
from tradeplan.core.instrument import default_instrument


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    strategy = tmp_path / "sma.yaml"
    strategy.write_text(STRATEGY)
    return strategy, write_bars(tmp_path / "bars.csv", size=300)


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--slippage", "120000"], "--slippage"),
        (["--slippage", "1e23"], "--slippage"),
        (["--balance", "1e999999"], "--balance"),
        (["--spread", "1e999999"], "--spread"),
        (["--to", "9999-12-31"], "outside the dates data can have"),
    ],
)
def test_hostile_options_are_one_line_usage_errors(
    tmp_path: Path,
    files: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    says: str,
) -> None:
    strategy, data = files
    code = main(
        ["backtest", str(strategy), "--data", str(data), "--out", str(tmp_path / "o"), *extra]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert says in err
    assert "TP901" not in err
    assert err.count("\n") == 1


def test_out_under_a_file_is_a_usage_error(
    tmp_path: Path, files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    strategy, data = files
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    code = main(
        ["backtest", str(strategy), "--data", str(data), "--out", str(blocker / "o"), "--quiet"]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "cannot write" in err and "TP901" not in err


def test_fmt_into_a_folder_is_a_usage_error(
    tmp_path: Path, files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    strategy, _ = files
    code = main(["fmt", str(strategy), "--to", "text", "-o", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert "cannot write" in err and "TP901" not in err


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_standard_output_is_a_usage_error(files: tuple[Path, Path]) -> None:
    strategy, _ = files
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "tradeplan", "explain", str(strategy)],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
        )
    assert done.returncode == 2
    assert "cannot write standard output" in done.stderr
    assert "TP901" not in done.stderr and "Traceback" not in done.stderr


def test_huge_slippage_on_a_sell_never_fills_at_zero_or_below() -> None:
    eurusd = default_instrument("EUR/USD")
    assert _slip(Decimal("0.00010"), Side.SELL, 10_000, eurusd) > 0


@settings(max_examples=40, deadline=None)
@given(
    price=st.decimals(min_value=Decimal("0.00001"), max_value=Decimal("3"), places=5),
    ticks=st.integers(min_value=0, max_value=2_000),
)
def test_slipped_sells_stay_positive(price: Decimal, ticks: int) -> None:
    eurusd = default_instrument("EUR/USD")
    assert _slip(price, Side.SELL, ticks, eurusd) > 0
