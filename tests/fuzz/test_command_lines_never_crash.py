"""Any command line gets an exit code a script can act on (0, 1, 2), never TP901 or a traceback.

Options of `size` and `backtest` take values drawn from the inputs that broke them once (huge and
tiny exponents, signs, fractions, junk, far dates), in any combination.
"""

from __future__ import annotations

import gzip
import uuid
from pathlib import Path

import pytest
from fuzz_budget import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradeplan.cli.main import main

NUMBERS = [
    "0",
    "-1",
    "1",
    "2%",
    "150%",
    "-2%",
    "0.0000001",
    "1e23",
    "1e-300",
    "1e999999",
    "-1e999999",
    "NaN",
    "inf",
    "1/128",
    "1/0",
    "x",
    "",
    "100000",
    "99999999999999999999999999999",
]
DATES = ["2025-01-01", "2025-01-02T10:00:00+00:00", "9999-12-31", "0001-01-01", "2025-02-30", "x"]
SIZE_OPTIONS = ["--pip", "--rate", "--leverage", "--base-rate", "--units-available", "--step"]
BACKTEST_OPTIONS = ["--spread", "--slippage", "--balance", "--rate"]
SAFE_EXITS = {0, 1, 2}
ROOT = Path(__file__).resolve().parents[2]


def _assert_clean_exit(code: int, err: str) -> None:
    assert code in SAFE_EXITS, (code, err)
    assert "TP901" not in err, err
    assert "Traceback" not in err, err


@settings(
    max_examples=examples(200),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    balance=st.sampled_from(NUMBERS),
    risk=st.sampled_from(NUMBERS),
    stop=st.sampled_from(NUMBERS),
    extra=st.lists(st.tuples(st.sampled_from(SIZE_OPTIONS), st.sampled_from(NUMBERS)), max_size=3),
    symbol=st.sampled_from([None, "USD/JPY", "EUR/USD", "BTCUSDT", "NVDA", "XXX/YYY"]),
    json_out=st.booleans(),
)
def test_size_with_any_numbers_exits_cleanly(
    capsys: pytest.CaptureFixture[str],
    balance: str,
    risk: str,
    stop: str,
    extra: list[tuple[str, str]],
    symbol: str | None,
    json_out: bool,
) -> None:
    argv = ["size", "--balance", balance, "--risk", risk, "--stop", stop]
    for option, value in extra:
        argv += [option, value]
    if symbol:
        argv += ["--symbol", symbol]
    if json_out:
        argv.append("--json")
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's usage errors
        code = int(exc.code or 0)
    _assert_clean_exit(code, capsys.readouterr().err)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("fuzz-cli")
    head = gzip.decompress((ROOT / "data" / "eurusd_1m_2025.csv.gz").read_bytes())
    data = folder / "bars.csv"
    data.write_bytes(b"\n".join(head.split(b"\n")[:400]) + b"\n")
    return ROOT / "strategies" / "eurusd-risk.yaml", data


@settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    extra=st.lists(
        st.tuples(st.sampled_from(BACKTEST_OPTIONS), st.sampled_from(NUMBERS)), max_size=3
    ),
    start=st.sampled_from([None, *DATES]),
    end=st.sampled_from([None, *DATES]),
    path=st.sampled_from([None, "nearest", "ohlc", "olhc"]),
    fill=st.sampled_from([None, "dealer", "exchange"]),
)
def test_backtest_with_any_options_exits_cleanly(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    inputs: tuple[Path, Path],
    extra: list[tuple[str, str]],
    start: str | None,
    end: str | None,
    path: str | None,
    fill: str | None,
) -> None:
    strategy, data = inputs
    argv = [
        "backtest",
        str(strategy),
        "--data",
        str(data),
        "--out",
        str(tmp_path / uuid.uuid4().hex),
        "--quiet",
    ]
    for option, value in extra:
        argv += [option, value]
    for option, value in (("--from", start), ("--to", end), ("--path", path), ("--fill", fill)):
        if value is not None:
            argv += [option, value]
    try:
        code = main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    _assert_clean_exit(code, capsys.readouterr().err)
