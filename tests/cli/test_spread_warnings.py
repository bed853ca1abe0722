"""`tradeplan backtest --spread X`: warnings when X is implausible or when the file overrides it.

`--spread` is a price amount. `--spread 0.3` on USD/JPY is 30 pips, a hundred times a usual
spread, and ran without a word; a data file with its own spread column (or bid and ask) silently
ignored `--spread`. Both now print one `tradeplan: warning:` line on stderr, and the run goes on.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tradeplan.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
PREFIX = "tradeplan: warning: "

STRATEGY = """\
tradeplan: 1
name: spread-check
instrument: SYMBOL
account: {currency: CUR, balance: 1000000}
broker: paper
entries:
  - name: up
    side: long
    when: close > open
    order: market
    units: 1000
exits:
  take_profit: 0.1%
  stop_loss: 0.1%
"""


def write_strategy(folder: Path, symbol: str, currency: str) -> Path:
    path = folder / "s.yaml"
    path.write_text(STRATEGY.replace("SYMBOL", symbol).replace("CUR", currency))
    return path


def write_bars(path: Path, price: str, *, spread: str | None = None, rows: int = 30) -> Path:
    """Minute bars zig-zagging a few ticks around `price`; a spread column if given."""
    start = datetime(2025, 3, 4, 14, 30, tzinfo=UTC)  # a Tuesday, inside US regular hours
    places = len(price.split(".")[1])
    step = 10**-places * 5
    base = float(price)
    header = "time,open,high,low,close" + (",spread" if spread is not None else "")
    lines = [header]
    for i in range(rows):
        o = base + (0 if i % 2 else step)
        c = base + (step if i % 2 else 0)
        high, low = max(o, c) + step, min(o, c) - step
        cells = [f"{v:.{places}f}" for v in (o, high, low, c)]
        row = ",".join([(start + timedelta(minutes=i)).isoformat(), *cells])
        lines.append(row + (f",{spread}" if spread is not None else ""))
    path.write_text("\n".join(lines) + "\n")
    return path


def run(
    capsys: pytest.CaptureFixture[str], strategy: Path, data: Path, out: Path, *extra: str
) -> tuple[int, list[str]]:
    """Exit code and the stderr warnings that mention the spread."""
    code = main(
        ["backtest", str(strategy), "--data", str(data), "--out", str(out), "--quiet", *extra]
    )
    err = capsys.readouterr().err
    lines = err.splitlines()
    for line in lines:
        assert line.startswith("tradeplan: "), line  # one line per warning
    return code, [line for line in lines if "--spread" in line]


def test_a_spread_of_30_pips_on_usdjpy_is_flagged_with_its_pips(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    strategy = write_strategy(tmp_path, "USD/JPY", "JPY")
    data = write_bars(tmp_path / "bars.csv", "150.000")
    code, warnings = run(capsys, strategy, data, tmp_path / "out", "--spread", "0.3")
    assert code == 0
    assert len(warnings) == 1
    warning = warnings[0]
    assert warning.startswith(PREFIX + "--spread 0.3 on USD/JPY is 30 pips")
    assert "--spread 0.003" in warning  # what 0.3 pips would have been


@pytest.mark.parametrize("spread", ["0.003", "0.019", "0.199"])
def test_ordinary_spreads_on_usdjpy_are_quiet(
    spread: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    strategy = write_strategy(tmp_path, "USD/JPY", "JPY")
    data = write_bars(tmp_path / "bars.csv", "150.000")
    code, warnings = run(capsys, strategy, data, tmp_path / "out", "--spread", spread)
    assert code == 0
    assert warnings == []


def test_the_major_pair_threshold_is_20_pips(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    strategy = write_strategy(tmp_path, "USD/JPY", "JPY")
    data = write_bars(tmp_path / "bars.csv", "150.000")
    code, warnings = run(capsys, strategy, data, tmp_path / "out", "--spread", "0.200")
    assert code == 0
    assert len(warnings) == 1 and "is 20 pips" in warnings[0]


def test_a_spread_meant_as_pips_on_eurusd_gives_one_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    strategy = write_strategy(tmp_path, "EUR/USD", "USD")
    data = write_bars(tmp_path / "bars.csv", "1.08000")
    code, warnings = run(capsys, strategy, data, tmp_path / "out", "--spread", "1")
    assert code == 0
    assert warnings == [
        PREFIX + "--spread 1 on EUR/USD is 10,000 pips, far wider than a pair of major "
        "currencies trades at (20 pips or more is implausible); --spread is a price amount: "
        "for 1 pip write --spread 0.0001"
    ]


def test_more_than_one_percent_of_the_first_price_is_flagged_on_any_instrument(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    strategy = write_strategy(tmp_path, "US.NVDA", "USD")
    data = write_bars(tmp_path / "bars.csv", "130.00")
    code, warnings = run(capsys, strategy, data, tmp_path / "out", "--spread", "2")
    assert code == 0
    assert warnings == [
        PREFIX + "--spread 2 on US.NVDA is 1.54% of the first price 130.00: every trade "
        "would start that far behind; --spread is a price amount in the quote currency, not "
        "pips, ticks or percent"
    ]
    code, warnings = run(capsys, strategy, data, tmp_path / "out2", "--spread", "0.05")
    assert code == 0 and warnings == []


def test_an_exotic_pair_is_held_only_to_the_one_percent_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    strategy = write_strategy(tmp_path, "USD/TRY", "TRY")
    data = write_bars(tmp_path / "bars.csv", "35.0000")
    code, warnings = run(capsys, strategy, data, tmp_path / "out", "--spread", "0.05")
    assert code == 0 and warnings == []  # 500 pips, 0.14%: ordinary for USD/TRY
    code, warnings = run(capsys, strategy, data, tmp_path / "out2", "--spread", "0.5")
    assert code == 0 and len(warnings) == 1 and "1.43% of the first price" in warnings[0]


def test_an_explicit_zero_spread_is_taken_as_meant(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    strategy = write_strategy(tmp_path, "USD/JPY", "JPY")
    data = write_bars(tmp_path / "bars.csv", "150.000")
    code = main(
        ["backtest", str(strategy), "--data", str(data), "--out", str(tmp_path / "o"),
         "--quiet", "--spread", "0"]
    )  # fmt: skip
    assert code == 0
    assert "spread" not in capsys.readouterr().err


def _trades(folder: Path) -> list[dict[str, str]]:
    with (folder / "trades.csv").open() as handle:
        return list(csv.DictReader(handle))


def test_a_spread_column_wins_and_the_warning_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    strategy = write_strategy(tmp_path, "USD/JPY", "JPY")
    data = write_bars(tmp_path / "bars.csv", "150.000", spread="0.004")
    code, warnings = run(capsys, strategy, data, tmp_path / "with", "--spread", "0.002")
    assert code == 0
    assert warnings == [
        PREFIX + f"{data} has a spread column, which is used on every row: "
        "--spread 0.002 is ignored (leave it out, or remove the column to use it)"
    ]
    code, warnings = run(capsys, strategy, data, tmp_path / "without")
    assert code == 0 and warnings == []
    with_option, without = _trades(tmp_path / "with"), _trades(tmp_path / "without")
    assert with_option and with_option == without  # the statement above is what happens


def test_an_implausible_spread_the_file_overrides_gets_only_the_override_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    strategy = write_strategy(tmp_path, "USD/JPY", "JPY")
    data = write_bars(tmp_path / "bars.csv", "150.000", spread="0.004")
    code, warnings = run(capsys, strategy, data, tmp_path / "out", "--spread", "5")
    assert code == 0
    assert len(warnings) == 1 and "--spread 5 is ignored" in warnings[0]


def test_ticks_with_bid_and_ask_override_it_ticks_with_one_price_use_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    strategy = write_strategy(tmp_path, "USD/JPY", "JPY")
    start = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)
    times = [(start + timedelta(seconds=i)).isoformat() for i in range(20)]
    quotes = tmp_path / "quotes.csv"
    quotes.write_text("time,bid,ask\n" + "".join(f"{t},150.000,150.003\n" for t in times))
    code, warnings = run(capsys, strategy, quotes, tmp_path / "a", "--spread", "0.002")
    assert code == 0
    assert warnings == [
        PREFIX + f"{quotes} gives bid and ask, so the spread is ask - bid on every row: "
        "--spread 0.002 is ignored (leave it out)"
    ]
    prices = tmp_path / "prices.csv"
    prices.write_text("time,price\n" + "".join(f"{t},150.000\n" for t in times))
    code, warnings = run(capsys, strategy, prices, tmp_path / "b", "--spread", "0.002")
    assert code == 0 and warnings == []


def test_the_bundled_usdjpy_data_has_a_spread_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ROOT / "data" / "usdjpy_1m_2025.csv.gz"
    code, warnings = run(
        capsys,
        ROOT / "strategies" / "usdjpy-repeat.yaml",
        data,
        tmp_path / "out",
        "--from", "2025-01-02T00:00:00+00:00", "--to", "2025-01-02T06:00:00+00:00",
        "--spread", "0.003",
    )  # fmt: skip
    assert code == 0
    assert len(warnings) == 1
    assert warnings[0].startswith(PREFIX + f"{data} has a spread column")
