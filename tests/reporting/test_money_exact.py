"""Money in every output is exact and adds up (issue 7, item 7).

Each bundled strategy runs through `tradeplan backtest` on a short slice of its bundled data,
and the files and the console are read back as a user reads them: every money figure is a plain
decimal with exactly the account currency's minor-unit decimals (JPY 0, USD and USDT 2), the
totals are exact sums of the trades' rounded P&L, the console and report.html show the
summary.json figures, and no file holds a binary float's noise (`...99999999988`).
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeplan.api import compile as compile_file
from tradeplan.api_backtest import BacktestOptions, backtest
from tradeplan.cli.main import main
from tradeplan.core.enums import Side
from tradeplan.core.money import minor_unit_decimals, round_money
from tradeplan.reporting.csv_out import write_summary_json
from tradeplan.reporting.metrics import money_totals, summarize
from tradeplan.runtime.records import EquityCurve, EquityPoint, ExitReason, TradeRecord

ROOT = Path(__file__).resolve().parents[2]
DECIMALS = {"JPY": 0, "USD": 2, "USDT": 2}
NOISE = re.compile(r"\d\.\d*(9{6,}|0{6,}[1-9])")
MONEY_FIELDS = (
    "initial_equity",
    "final_equity",
    "net_pnl",
    "gross_profit",
    "gross_loss",
    "fees",
    "average_trade",
    "best_trade",
    "worst_trade",
    "average_mfe",
    "average_mae",
    "max_drawdown",
)
TRADE_MONEY = ("pnl", "fees", "mfe", "mae")
# strategy, data, first day, last day, currency, price decimals (the tick), qty decimals (step)
CASES = [
    ("btc-breakout", "btcusdt", "2025-03-03", "2025-03-06", "USDT", 1, 3),
    ("usdjpy-grid", "usdjpy", "2025-03-01", "2025-03-21", "JPY", 3, 0),
    ("eurusd-risk", "eurusd", "2025-03-01", "2025-03-21", "USD", 5, 0),
    ("nvda-protect", "nvda", "2025-03-03", "2025-03-07", "USD", 2, 0),
    ("breakeven-timeexit", "usdjpy", "2025-03-01", "2025-03-21", "JPY", 3, 0),
    ("usdjpy-repeat", "usdjpy", "2025-03-01", "2025-03-21", "JPY", 3, 0),
]


@dataclass(frozen=True)
class Run:
    name: str
    currency: str
    price_decimals: int
    qty_decimals: int
    out: Path
    console: str
    summary: dict[str, object]

    def csv(self, name: str) -> list[dict[str, str]]:
        with (self.out / name).open(newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))


@pytest.fixture(scope="module", params=CASES, ids=[c[0] for c in CASES])
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Run:
    name, data, first, last, currency, price_decimals, qty_decimals = request.param
    out = tmp_path_factory.mktemp(name) / "out"
    stdout, stderr = io.StringIO(), io.StringIO()
    argv = [
        "backtest",
        str(ROOT / "strategies" / f"{name}.yaml"),
        "--data",
        str(ROOT / "data" / f"{data}_1m_2025.csv.gz"),
        "--from",
        first,
        "--to",
        last,
        "--out",
        str(out),
        "--quiet",
    ]
    with redirect_stdout(stdout), redirect_stderr(stderr):
        code = main(argv)
    assert code == 0, stderr.getvalue()
    text = (out / "summary.json").read_text(encoding="utf-8")
    summary = json.loads(text, parse_float=Decimal, parse_int=Decimal)
    return Run(name, currency, price_decimals, qty_decimals, out, stdout.getvalue(), summary)


def places(value: object) -> int:
    assert isinstance(value, Decimal), value
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    return -exponent


def money(run: Run, name: str) -> Decimal:
    value = run.summary[name]
    assert isinstance(value, Decimal), (name, value)
    return value


def test_every_summary_money_figure_has_the_currency_decimals(run: Run) -> None:
    assert run.summary["currency"] == run.currency
    for name in MONEY_FIELDS:
        value = run.summary[name]
        if value is None:
            continue
        assert places(value) == DECIMALS[run.currency], (name, value)


def test_totals_are_exact_sums_of_the_trades_csv(run: Run) -> None:
    trades = run.csv("trades.csv")
    for row in trades:
        for column in TRADE_MONEY:
            assert places(Decimal(row[column])) == DECIMALS[run.currency], (column, row)
    pnls = [Decimal(row["pnl"]) for row in trades]
    assert sum(pnls, Decimal(0)) == money(run, "net_pnl")
    assert sum((p for p in pnls if p > 0), Decimal(0)) == money(run, "gross_profit")
    assert sum((p for p in pnls if p < 0), Decimal(0)) == money(run, "gross_loss")
    fees = sum((Decimal(row["fees"]) for row in trades), Decimal(0))
    assert fees == money(run, "fees")
    assert money(run, "gross_profit") + money(run, "gross_loss") == money(run, "net_pnl")
    final = money(run, "initial_equity") + money(run, "net_pnl")
    assert final == money(run, "final_equity")
    assert run.summary["wins"] == sum(1 for p in pnls if p > 0)
    assert run.summary["losses"] == sum(1 for p in pnls if p < 0)


def test_csv_prices_and_quantities_are_on_the_tick_and_step(run: Run) -> None:
    for row in run.csv("trades.csv"):
        for column in ("entry_price", "exit_price"):
            assert places(Decimal(row[column])) == run.price_decimals, (column, row)
        assert places(Decimal(row["qty"])) == run.qty_decimals, row
    for row in run.csv("orders.csv"):
        for column in ("price", "trigger", "fill_price"):
            if row[column]:
                assert places(Decimal(row[column])) == run.price_decimals, (column, row)
        assert places(Decimal(row["qty"])) == run.qty_decimals, row


def console_line(run: Run, label: str) -> str:
    lines = [line for line in run.console.splitlines() if line.startswith(f"  {label} ")]
    assert len(lines) == 1, (label, run.console)
    return lines[0][len(label) + 2 :].strip()


def test_console_shows_the_summary_json_figures(run: Run) -> None:
    cur = run.currency
    s = run.summary
    assert console_line(run, "net P&L") == f"{s['net_pnl']} {cur}"
    assert console_line(run, "max drawdown") == (
        f"{s['max_drawdown']} {cur} ({s['max_drawdown_pct']}%)"
    )
    assert console_line(run, "final equity") == (
        f"{s['final_equity']} {cur} (from {s['initial_equity']}, {s['return_pct']}%)"
    )


def report_text(run: Run) -> str:
    """report.html's visible text, with the display's thousands commas and minus signs undone."""
    page = (run.out / "report.html").read_text(encoding="utf-8")
    text = html.unescape(re.sub(r"<[^>]+>", " ", page.split("<table", 1)[0]))
    return re.sub(r"(?<=\d),(?=\d{3})", "", text).replace("\u2212", "-")


def test_report_shows_the_summary_json_figures(run: Run) -> None:
    text = report_text(run)
    cur = run.currency
    s = run.summary
    net = money(run, "net_pnl")
    shown_net = f"+{net}" if net > 0 else f"{net}"
    assert re.search(rf"Net P&L\s+{re.escape(shown_net)} {cur}\s", text), text[:2000]
    assert f" {s['initial_equity']} {cur} → {s['final_equity']} {cur};" in text
    drawdown = money(run, "max_drawdown")
    shown_dd = f"-{drawdown}" if drawdown else f"{drawdown}"
    assert re.search(rf"Max drawdown\s+\S+%\s+{re.escape(shown_dd)} {cur}\s", text)
    assert f"{s['return_pct']}% return" in text.replace("+", "")


def test_no_output_file_holds_float_noise(run: Run) -> None:
    for path in sorted(run.out.iterdir()):
        if path.suffix in (".csv", ".json"):
            found = NOISE.search(path.read_text(encoding="utf-8"))
            assert found is None, (path.name, found.group(0) if found else "")
    assert NOISE.search(run.console) is None


# --- the rule itself, on figures made by hand ---------------------------------------------------


def test_max_drawdown_is_taken_from_the_exact_equity(tmp_path: Path) -> None:
    # 10000.00 -> 9999.015 falls exactly 0.985, which rounds half-even to 0.98; the same fall in
    # binary floats is 0.9850000000005821 and would round to 0.99.
    start = datetime(2025, 1, 6, tzinfo=UTC)
    values = ["10000.00", "9999.50", "9999.015", "10000.01"]
    points = [
        EquityPoint(start + timedelta(minutes=i), Decimal(v), Decimal(v))
        for i, v in enumerate(values)
    ]
    curve = EquityCurve.from_points(points, initial=Decimal("10000.00"))
    summary = summarize([], curve, currency="USD")
    text = write_summary_json(tmp_path / "summary.json", summary).read_text(encoding="utf-8")
    assert '"max_drawdown": 0.98,' in text


def test_a_loss_under_half_a_cent_is_booked_as_zero_not_minus_zero(tmp_path: Path) -> None:
    start = datetime(2025, 1, 6, tzinfo=UTC)
    points = [EquityPoint(start, Decimal(100), Decimal(100))]
    tiny = TradeRecord(
        1, "r", Side.BUY, Decimal(1), start, Decimal(100), start, Decimal("99.996"),
        ExitReason.SIGNAL, Decimal("-0.004"), Decimal(0), Decimal(0), Decimal("0.004"),
    )  # fmt: skip
    summary = summarize([tiny], EquityCurve.from_points(points, Decimal(100)), currency="USD")
    text = write_summary_json(tmp_path / "summary.json", summary).read_text(encoding="utf-8")
    assert '"net_pnl": 0.00,' in text and '"gross_loss": 0.00,' in text
    assert "-0.0" not in text
    assert (summary.wins, summary.losses, summary.flat) == (0, 0, 1)


def test_max_drawdown_of_a_run_is_the_exact_largest_fall() -> None:
    # Every point of a BTC run's equity, exactly: the largest fall from a running peak, rounded
    # once, is the summary's figure (and the exact points are the float curve's, to 1e-9).
    plan = compile_file(str(ROOT / "strategies" / "btc-breakout.yaml")).plan
    assert plan is not None
    data = ROOT / "data" / "btcusdt_1m_2025.csv.gz"
    run = backtest(plan, data, BacktestOptions(start="2025-03-03", end="2025-03-04"))
    curve = run.result.equity
    assert curve.exact is not None and run.result.trades
    peak, fall = Decimal("-Infinity"), Decimal(0)
    for row in range(len(curve)):
        value = curve.exact(row)
        assert abs(float(value) - curve.equity[row]) < 1e-9
        peak = max(peak, value)
        fall = max(fall, peak - value)
    assert run.summary.max_drawdown == round_money(fall, "USDT")
    assert places(fall) > 2  # the exact fall has more decimals than the shown one


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["JPY", "USD", "USDT", "KWD", "BTC"]),
    st.lists(st.decimals("-100000", "100000", places=6, allow_nan=False), max_size=40),
)
def test_money_totals_are_exact_sums_of_the_rounded_pnls(
    currency: str, pnls: list[Decimal]
) -> None:
    totals = money_totals(pnls, currency)
    rounded = [round_money(p, currency) for p in pnls]
    decimals = minor_unit_decimals(currency)
    for figure in (totals.net_pnl, totals.gross_profit, totals.gross_loss):
        assert places(figure) == decimals, figure
    assert totals.net_pnl == sum(rounded, Decimal(0))
    assert totals.gross_profit + totals.gross_loss == totals.net_pnl
    assert totals.gross_profit >= 0 >= totals.gross_loss
    assert totals.wins + totals.losses + totals.flat == len(pnls)
    assert totals.wins == sum(1 for p in rounded if p > 0)
    assert totals.losses == sum(1 for p in rounded if p < 0)


def _undisplay(text: str) -> str:
    """A shown figure back to summary.json's text: no tags, commas, `+` or true minus."""
    text = re.sub(r"<[^>]+>", "", text).replace(",", "").replace("\u2212", "-")
    return text.lstrip("+").split(" ", 1)[0]


def test_performance_table_all_column_is_summary_json(run: Run) -> None:
    page = (run.out / "report.html").read_text(encoding="utf-8")
    table = page.split('id="performance"', 1)[1].split("</table>", 1)[0]
    cur = run.currency

    def shown(label: str) -> str:
        found = re.search(rf"<th>{re.escape(label)}</th><td>(.*?)</td>", table)
        assert found, label
        return _undisplay(found.group(1))

    assert shown(f"Net profit {cur}") == str(money(run, "net_pnl"))
    assert shown(f"Gross profit {cur}") == str(money(run, "gross_profit"))
    assert shown(f"Gross loss {cur}") == str(money(run, "gross_loss"))
    assert shown(f"Fees paid {cur}") == str(money(run, "fees"))
    assert shown("Total closed trades") == str(run.summary["trade_count"])
    if run.summary["trade_count"]:
        assert shown(f"Average trade {cur}") == str(money(run, "average_trade"))
        assert shown(f"Largest winning trade {cur}") in (str(money(run, "best_trade")), "—")
    if run.summary["profit_factor"] is not None:
        assert shown("Profit factor") == str(run.summary["profit_factor"])


def test_report_trade_rows_are_trades_csv(run: Run) -> None:
    page = (run.out / "report.html").read_text(encoding="utf-8")
    found = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page)
    assert found
    rows = json.loads(found.group(1))["trades"]
    trades = run.csv("trades.csv")
    assert rows["id"] == [int(t["trade_id"]) for t in trades]
    assert [_undisplay(p) for p in rows["pnl"]] == [t["pnl"] for t in trades]
    assert [Decimal(p) for p in rows["ep"]] == [Decimal(t["entry_price"]) for t in trades]
