"""TP211: a distance written as a bare number on an FX pair is a price amount, not pips.

`stop_loss: 20` on USD/JPY reads as 20 yen, 2,000 pips, and used to lint clean. It is a warning
(the trader may mean it) and only when the amount is at least 200 pips, so ordinary price
distances such as `stop_loss: 0.20` (20 pips) stay quiet. Both file forms report it alike.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tradeplan import api
from tradeplan.cli.main import main
from tradeplan.diagnostics.model import Diagnostic, Severity
from tradeplan.diagnostics.results import FileResult

YAML_HEAD = (
    "tradeplan: 1\nname: t\ninstrument: {symbol: SYMBOL}\n"
    "account: {currency: JPY, balance: 1000000}\nbroker: paper\nsizing: {units: 1000}\n"
    "entries:\n  - {name: a, side: long, when: close > 1}\n"
)
TEXT_HEAD = (
    'tradeplan 1\nstrategy "t" on SYMBOL account JPY balance 1000000 via paper\n'
    "sizing units 1000\nentry a long when close > 1\n"
)


def lint_yaml(body: str, symbol: str = "USD/JPY") -> FileResult:
    return api.lint_source(YAML_HEAD.replace("SYMBOL", symbol) + body, file="t.yaml")


def lint_text(body: str, symbol: str = "USD/JPY") -> FileResult:
    return api.lint_source(TEXT_HEAD.replace("SYMBOL", symbol) + body, file="t.tp")


def tp211(result: FileResult) -> list[Diagnostic]:
    return [d for d in result.diagnostics if d.code == "TP211"]


def only(result: FileResult) -> Diagnostic:
    found = tp211(result)
    assert len(found) == 1, [(d.code, d.message) for d in result.diagnostics]
    return found[0]


def test_stop_loss_of_20_on_usdjpy_warns_with_the_pips_it_amounts_to() -> None:
    result = lint_yaml("exits:\n  stop_loss: 20\n  take_profit: 40 pips\n")
    found = only(result)
    assert found.severity is Severity.WARNING
    assert (found.span.line, found.span.col) == (10, 14)
    assert found.message == (
        "`stop_loss: 20` on USD/JPY is a price distance of 20.000, which is 2,000 pips"
    )
    assert found.hint is not None
    assert "`20 pips`" in found.hint and "`$20`" in found.hint
    assert not any(d.severity is Severity.ERROR for d in result.diagnostics)


def test_the_text_form_gives_the_same_diagnostic() -> None:
    yaml_found = only(lint_yaml("exits:\n  stop_loss: 20\n  take_profit: 40 pips\n"))
    text_found = only(lint_text("exits {\n    stop_loss 20\n    take_profit 40 pips\n}\n"))
    assert (text_found.span.line, text_found.span.col) == (6, 15)
    assert text_found.message == yaml_found.message
    assert text_found.hint == yaml_found.hint
    assert text_found.severity is yaml_found.severity


@pytest.mark.parametrize(
    "value", ["0.20", "1.99", "$20", "$ 20", "20 pips", "0.5%", "30 ticks", "none"]
)
def test_small_price_distances_and_explicit_units_are_quiet(value: str) -> None:
    result = lint_yaml(f"exits:\n  stop_loss: {value}  # tradeplan: ignore[TP402]\n")
    assert tp211(result) == []


def test_the_threshold_is_200_pips_on_eurusd_too() -> None:
    at = only(lint_yaml("exits:\n  stop_loss: 20 pips\n  take_profit: 0.0200\n", "EUR/USD"))
    assert at.message.endswith("is a price distance of 0.02000, which is 200 pips")
    below = lint_yaml("exits:\n  stop_loss: 20 pips\n  take_profit: 0.0199\n", "EUR/USD")
    assert tp211(below) == []


@pytest.mark.parametrize("symbol", ["US.NVDA", "BTCUSDT"])
def test_bare_numbers_are_price_amounts_off_fx_and_stay_quiet(symbol: str) -> None:
    result = lint_yaml("exits:\n  stop_loss: 20\n  take_profit: 40\n", symbol)
    assert tp211(result) == []


ORDERS_AND_EXITS = (
    "tradeplan: 1\nname: t\ninstrument: USD/JPY\naccount: JPY\nbroker: paper\n"
    "sizing: {units: 1000}\n"
    "entries:\n"
    "  - name: a\n"
    "    side: long\n"
    "    when: close > 1\n"
    "    order: {type: trailing_stop, trail: 30}\n"
    "exits:\n"
    "  stop_loss: 20 pips\n"
    "  take_profit: 60\n"
    "  trailing: {trail: 3, spread: 0.50, activate: 4}\n"
    "  break_even: {at: 5, offset: 2}\n"
)


def test_every_distance_field_of_exits_and_orders_is_checked() -> None:
    result = api.lint_source(ORDERS_AND_EXITS, file="t.yaml")
    found = {d.message.split(" on USD/JPY")[0]: d.span.line for d in tp211(result)}
    assert found == {
        "`trail: 30` (in `order`)": 11,
        "`take_profit: 60`": 14,
        "`trail: 3` (in `trailing`)": 15,
        "`activate: 4` (in `trailing`)": 15,
        "`at: 5` (in `break_even`)": 16,
        "`offset: 2` (in `break_even`)": 16,
    }


def test_trailing_shorthand_names_the_key_once() -> None:
    found = only(lint_yaml("exits:\n  trailing: 5\n"))
    assert found.message == (
        "`trailing: 5` on USD/JPY is a price distance of 5.000, which is 500 pips"
    )


GRID_YAML = (
    "tradeplan: 1\nname: g\ninstrument: USD/JPY\naccount: JPY\nbroker: paper\n"
    "grid:\n  side: buy\n  from: 105.00\n  to: 115.00\n  step: 5\n  units: 1000\n"
    "  take_profit: 10\n  stop_loss: 20\n  counter: -5\n  follow: +5\n"
)
GRID_TEXT = (
    'tradeplan 1\nstrategy "g" on USD/JPY account JPY via paper\n'
    "grid buy from 105.00 to 115.00 step 5 units 1000 {\n"
    "    take_profit 10\n    stop_loss 20\n    counter -5\n    follow +5\n}\n"
)


def test_every_grid_distance_is_checked_in_both_forms() -> None:
    yaml_found = tp211(api.lint_source(GRID_YAML, file="g.yaml"))
    text_found = tp211(api.lint_source(GRID_TEXT, file="g.tp"))
    messages = sorted(d.message for d in yaml_found)
    assert messages == sorted(d.message for d in text_found)
    assert messages == sorted(
        [
            "`step: 5` on USD/JPY is a price distance of 5.000, which is 500 pips",
            "`take_profit: 10` on USD/JPY is a price distance of 10.000, which is 1,000 pips",
            "`stop_loss: 20` on USD/JPY is a price distance of 20.000, which is 2,000 pips",
            "`counter: -5` on USD/JPY is a price distance of -5.000, which is -500 pips",
            "`follow: +5` on USD/JPY is a price distance of 5.000, which is 500 pips",
        ]
    )
    counter = next(d for d in yaml_found if d.message.startswith("`counter"))
    assert counter.hint is not None
    assert "`-5 pips`" in counter.hint and "`-$5`" in counter.hint
    assert [d.span.line for d in sorted(yaml_found, key=lambda d: d.span.line)] == [
        10,
        12,
        13,
        14,
        15,
    ]


def test_an_ignore_comment_accepts_the_finding_on_its_line_or_the_line_above() -> None:
    on_line = lint_yaml(
        "exits:\n  stop_loss: 20  # tradeplan: ignore[TP211]\n  take_profit: 40 pips\n"
    )
    assert tp211(on_line) == []
    above = lint_text(
        "exits {\n    # tradeplan: ignore[bare-fx-distance]\n    stop_loss 20\n"
        "    take_profit 40 pips\n}\n"
    )
    assert tp211(above) == []


def test_a_warning_keeps_the_plan() -> None:
    result = api.lint_source(GRID_YAML.replace("  stop_loss: 20\n", ""), file="g.yaml")
    assert tp211(result)
    assert not any(d.severity is Severity.ERROR for d in result.diagnostics)


def test_tradeplan_lint_prints_it_with_the_source_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(YAML_HEAD.replace("SYMBOL", "USD/JPY") + "exits:\n  stop_loss: 20\n")
    main(["lint", str(path)])
    out = capsys.readouterr().out
    assert f"{path}:10:14: warning TP211 `stop_loss: 20` on USD/JPY" in out
    assert "  stop_loss: 20" in out


ORDERS_AND_EXITS_TEXT = (
    'tradeplan 1\nstrategy "t" on USD/JPY account JPY via paper\nsizing units 1000\n'
    "entry a long when close > 1 {\n"
    "    order trailing_stop trail 30\n"
    "}\n"
    "exits {\n"
    "    stop_loss 20 pips\n"
    "    take_profit 60\n"
    "    trailing 3 spread 0.50 activate 4\n"
    "    break_even at 5 offset 2\n"
    "}\n"
)


def test_orders_and_exits_in_the_text_form_report_the_same_findings() -> None:
    yaml_found = tp211(api.lint_source(ORDERS_AND_EXITS, file="t.yaml"))
    text_found = tp211(api.lint_source(ORDERS_AND_EXITS_TEXT, file="t.tp"))
    assert [(d.message, d.hint) for d in text_found] == [(d.message, d.hint) for d in yaml_found]
    assert [d.span.line for d in text_found] == [5, 9, 10, 10, 11, 11]


def test_the_dollar_spelling_survives_fmt_so_the_finding_stays_silenced(tmp_path: Path) -> None:
    source = tmp_path / "s.yaml"
    source.write_text(YAML_HEAD.replace("SYMBOL", "USD/JPY") + "exits:\n  stop_loss: $20\n")
    text = tmp_path / "s.tp"
    text.write_text(api.fmt(source, "text"))
    assert "$20" in text.read_text()
    assert tp211(api.lint([text]).files[0]) == []


def test_the_code_page_quotes_the_report_its_wrong_example_gives() -> None:
    page = (Path(__file__).resolve().parents[2] / "docs" / "codes" / "TP211.md").read_text()
    wrong = page.split("## Wrong", 1)[1].split("## Right", 1)[0]
    example = wrong.split("```yaml\n", 1)[1].split("```", 1)[0]
    quoted = wrong.split("```text\n", 1)[1].split("\n", 1)[0]
    found = only(api.lint_source(example, file="usdjpy-trend.yaml"))
    line = f"usdjpy-trend.yaml:{found.span.line}:{found.span.col}: warning TP211 {found.message}"
    assert quoted == line
