"""Issue 7 item 6: data of another instrument stops the backtest before it trades."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradeplan.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("strategy", "data", "says"),
    [
        ("usdjpy-grid.yaml", "eurusd_1m_2025.csv.gz", "the strategy's grid runs 105.00-115.00"),
        ("eurusd-risk.yaml", "usdjpy_1m_2025.csv.gz", "cannot be EUR/USD"),
        ("breakeven-timeexit.yaml", "eurusd_1m_2025.csv.gz", "cannot be USD/JPY"),
    ],
)
def test_data_of_another_instrument_is_refused_before_any_trade(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], strategy: str, data: str, says: str
) -> None:
    out = tmp_path / "out"
    code = main(
        [
            "backtest",
            str(ROOT / "strategies" / strategy),
            "--data",
            str(ROOT / "data" / data),
            "--to",
            "2025-01-10",
            "--out",
            str(out),
            "--quiet",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert says in err
    assert data in err and "prices start at" in err
    assert not out.exists()


@pytest.mark.parametrize(
    ("strategy", "data"),
    [
        ("usdjpy-grid.yaml", "usdjpy_1m_2025.csv.gz"),
        ("eurusd-risk.yaml", "eurusd_1m_2025.csv.gz"),
        ("btc-breakout.yaml", "btcusdt_1m_2025.csv.gz"),
        ("nvda-protect.yaml", "nvda_1m_2025.csv.gz"),
    ],
)
def test_the_right_data_is_accepted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], strategy: str, data: str
) -> None:
    argv = ["backtest", str(ROOT / "strategies" / strategy), "--data", str(ROOT / "data" / data)]
    assert main([*argv, "--to", "2025-01-03", "--out", str(tmp_path / "o"), "--quiet"]) == 0
    capsys.readouterr()
