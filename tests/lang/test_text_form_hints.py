"""Issue 7 item 20: diagnostics on a text-form file speak the text form.

A `.tp` file never shows `entries`, `side:` or `tradeplan: 1`: each message and hint names keys
as the text form spells them (`entry`, `tradeplan 1`, `stop_loss 20 pips`), a "did you mean" is
drawn from the keys valid at that place in the text form, and a hint that lists keys lists those.
The YAML form keeps its own wording; those checks guard it against regressions.
"""

from __future__ import annotations

import re

import pytest

from tradeplan import api
from tradeplan.diagnostics.model import Diagnostic

HEAD = "tradeplan 1\nstrategy s on EUR/USD via paper\nsizing units 1000\n"
YAML_HEAD = "tradeplan: 1\nname: s\ninstrument: EUR/USD\nbroker: paper\nsizing: {units: 1000}\n"
ENTRY = "entry e long when close > 1 {\n    stop_loss 20 pips\n}\n"

# What only YAML writes: its list keys, its list items, and `key: value` pairs.
_YAML_ONLY = (
    re.compile(r"\bentries\b"),
    re.compile(r"\bgrids\b"),
    re.compile(r"key: value"),
    re.compile(r"`- name"),
)
_CODE = re.compile(r"`([^`]*)`")
_COLON_PAIR = re.compile(r"\b[a-z_]+:(?:\s|$)")  # `side: long`, `stop_loss:`; not `09:35`


def lint(text: str, file: str) -> list[Diagnostic]:
    return list(api.lint_source(text, file).diagnostics)


def said(d: Diagnostic) -> str:
    return f"{d.message} | {d.hint or ''}"


def one(diagnostics: list[Diagnostic], code: str, contains: str = "") -> Diagnostic:
    found = [d for d in diagnostics if d.code == code and contains in said(d)]
    assert len(found) == 1, [f"{d.code} {said(d)}" for d in diagnostics]
    return found[0]


def assert_text_form(d: Diagnostic, *words: str) -> None:
    text = said(d)
    for word in words:
        assert word in text, text
    for pattern in _YAML_ONLY:
        assert not pattern.search(text), f"YAML spelling {pattern.pattern!r} in: {text}"
    for code in _CODE.findall(text):
        assert not _COLON_PAIR.search(code), f"YAML `key: value` in: {text}"


# -- a misspelt or unknown key ------------------------------------------------------------------


def test_a_misspelt_entry_statement_suggests_entry() -> None:
    d = one(lint(HEAD + "entyr e long when close > 1\n", "s.tp"), "TP101")
    assert d.hint == "did you mean `entry`?"
    assert_text_form(d, "`entyr`")


def test_yaml_a_misspelt_entries_key_still_suggests_entries() -> None:
    d = one(lint(YAML_HEAD + "entrys: []\n", "s.yaml"), "TP101")
    assert d.hint == "did you mean `entries`?"


def test_an_unknown_top_level_key_lists_the_text_statements() -> None:
    d = one(lint(HEAD + ENTRY + "xyzzy 1\n", "s.tp"), "TP101")
    assert_text_form(d, "known keys here:", "strategy", "entry", "grid", "exits", "risk")


def test_yaml_an_unknown_top_level_key_lists_the_yaml_keys() -> None:
    d = one(lint(YAML_HEAD + "entries: []\nxyzzy: 1\n", "s.yaml"), "TP101")
    assert d.hint is not None and "entries" in d.hint and "grids" in d.hint
    assert "strategy" not in d.hint


def test_a_misspelt_exit_key_in_an_entry_block_suggests_the_exit_key() -> None:
    # In the text form exit keys are written straight in the entry's block.
    text = (
        HEAD + "entry e long when close > 1 {\n    stop_loss 20 pips\n    take_proft 40 pips\n}\n"
    )
    d = one(lint(text, "s.tp"), "TP101")
    assert d.hint == "did you mean `take_profit`?"


def test_an_unknown_key_in_an_entry_block_lists_the_exit_keys_too() -> None:
    text = HEAD + "entry e long when close > 1 {\n    stop_loss 20 pips\n    xyzzy 1\n}\n"
    d = one(lint(text, "s.tp"), "TP101")
    assert_text_form(d, "known keys here:", "order", "stop_loss", "take_profit", "trailing")


def test_yaml_an_unknown_key_in_an_entry_lists_the_entry_keys() -> None:
    text = YAML_HEAD + "entries:\n  - {name: e, side: long, when: close > 1, xyzzy: 1}\n"
    d = one(lint(text, "s.yaml"), "TP101")
    assert d.hint is not None and "exits" in d.hint and "stop_loss" not in d.hint


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ("exits {\n    stop_los 20 pips\n}\n", "did you mean `stop_loss`?"),
        ("risk {\n    max_open_positon 2\n}\n", "did you mean `max_open_positions`?"),
    ],
)
def test_an_unknown_key_in_exits_or_risk_suggests_a_key_of_that_block(
    block: str, expected: str
) -> None:
    # The same key names in both forms: a regression guard (this passed before the change).
    d = one(lint(HEAD + ENTRY + block, "s.tp"), "TP101")
    assert d.hint == expected
    assert_text_form(d)


def test_an_unknown_key_in_a_grid_block_suggests_a_grid_key() -> None:
    text = (
        "tradeplan 1\nstrategy g on USD/JPY pip 0.01 via paper\n"
        "grid buy from 105.00 to 115.00 step 50 pips units 1000 {\n"
        "    take_profit 100 pips\n    stop_loss 200 pips\n    countr -100 pips\n}\n"
    )
    d = one(lint(text, "g.tp"), "TP101")
    assert d.hint == "did you mean `counter`?"
    assert_text_form(d)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("grid buy from 105.00 to 115.00 stpe 50 pips units 1000 take_profit 100 pips", "`step`"),
        ("grid buy from 105.00 to 115.00 step 50 pips unit 1000 take_profit 100 pips", "`units`"),
    ],
)
def test_a_misspelt_keyword_on_a_grid_line_is_suggested(line: str, expected: str) -> None:
    # On a text-form line a misspelt keyword reads as part of the value before it.
    text = f"tradeplan 1\nstrategy g on USD/JPY pip 0.01 via paper\n{line} {{\n"
    text += "    stop_loss 200 pips\n}\n"
    d = one(lint(text, "g.tp"), "TP203")
    assert d.hint is not None and d.hint.startswith(f"did you mean {expected}?"), said(d)
    assert_text_form(d)


def test_a_misspelt_keyword_on_a_trailing_exit_line_is_suggested() -> None:
    text = HEAD + ENTRY.replace("20 pips", "20 pips\n    trailing 2% sprd 0.50")
    d = one(lint(text, "s.tp"), "TP203")
    assert d.hint is not None and d.hint.startswith("did you mean `spread`?"), said(d)
    assert_text_form(d, "`trailing 2% sprd 0.50`")


def test_yaml_a_bad_distance_keeps_its_own_hint() -> None:
    text = YAML_HEAD + "entries:\n  - {name: e, side: long, when: close > 1}\n"
    text += "exits: {stop_loss: 20 pips, trailing: 2% sprd 0.50}\n"
    d = one(lint(text, "s.yaml"), "TP203")
    assert d.hint is not None and d.hint.startswith("write pips")


def test_a_bad_broker_on_the_strategy_line_quotes_via() -> None:
    d = one(lint(HEAD.replace("via paper", "via oanada") + ENTRY, "s.tp"), "TP201")
    assert d.message.startswith("`via oanada` is not a valid broker"), said(d)
    assert d.hint == "did you mean `oanda`?"


def test_an_entries_statement_in_the_text_form_says_to_write_entry_statements() -> None:
    d = one(lint(HEAD + "entries {\n    e 1\n}\n", "s.tp"), "TP103")
    assert "`entry`" in said(d)
    assert "`- name" not in said(d) and "should be a list" not in said(d)


# -- a required field missing -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "contains", "words"),
    [
        (
            HEAD + "entry e when close > 1 {\n    stop_loss 20 pips\n}\n",
            "`side`",
            ["`entry", "long"],
        ),
        (
            HEAD + "entry e long {\n    stop_loss 20 pips\n}\n",
            "`when`",
            ["when close crosses_above sma(close, 20)"],
        ),
        (
            HEAD + "entry when close > 1 {\n    stop_loss 20 pips\n}\n",
            "`name`",
            ["`entry breakout-long"],
        ),
        ("tradeplan 1\ninstrument EUR/USD\n" + ENTRY, "`name`", ["`strategy my-strategy"]),
        ("tradeplan 1\nname s\n" + ENTRY, "`instrument`", ["on USD/JPY"]),
        (
            "tradeplan 1\nstrategy g on USD/JPY pip 0.01\n"
            "grid from 105.00 to 115.00 step 50 pips units 1000 {\n    take_profit 100 pips\n}\n",
            "`side`",
            ["`grid buy"],
        ),
        (
            "tradeplan 1\nstrategy g on USD/JPY pip 0.01\n"
            "grid buy from 105.00 to 115.00 step 50 pips units 1000\n",
            "`take_profit`",
            ["`take_profit 100 pips`"],
        ),
        (
            "tradeplan 1\nstrategy g on USD/JPY pip 0.01\n"
            "grid buy from 105.00 to 115.00 units 1000 take_profit 100 pips\n",
            "`step`",
            ["`step 50 pips`"],
        ),
        (HEAD + ENTRY.replace("20 pips", "20 pips\n    trailing activate 1%"), "`trail`", []),
        (HEAD + ENTRY.replace("20 pips", "20 pips\n    break_even within 1h"), "`at`", []),
    ],
)
def test_a_missing_field_is_shown_in_text_form_syntax(
    text: str, contains: str, words: list[str]
) -> None:
    d = one(lint(text, "s.tp"), "TP102", contains)
    assert_text_form(d, *words)


def test_yaml_a_missing_side_still_shows_the_yaml_key() -> None:
    text = YAML_HEAD + "entries:\n  - {name: e, when: close > 1}\n"
    d = one(lint(text, "s.yaml"), "TP102", "`side`")
    assert d.hint == "add for example `side: long`"


# -- nothing to trade, the version, an empty file -----------------------------------------------


def test_nothing_to_trade_names_the_entry_statement() -> None:
    d = one(lint(HEAD, "s.tp"), "TP105")
    assert_text_form(d, "`entry`", "`grid`")


def test_yaml_nothing_to_trade_keeps_its_wording() -> None:
    d = one(lint(YAML_HEAD, "s.yaml"), "TP105")
    assert d.message == "the strategy has no `entries` and no `grid`: it never trades"
    assert d.hint == "add an `entries:` list or a `grid:`"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("tradeplan 2\nstrategy s on EUR/USD via paper\nsizing units 1000\n" + ENTRY, "TP104"),
        ("strategy s on EUR/USD via paper\nsizing units 1000\n" + ENTRY, "TP104"),
        ("# nothing here yet\n", "TP005"),
    ],
)
def test_the_version_hint_is_written_tradeplan_1(text: str, code: str) -> None:
    d = one(lint(text, "s.tp"), code)
    assert_text_form(d, "`tradeplan 1`")


def test_yaml_the_version_hint_keeps_the_colon() -> None:
    d = one(lint(YAML_HEAD.replace("tradeplan: 1", "tradeplan: 2"), "s.yaml"), "TP104")
    assert d.hint == "write `tradeplan: 1`"


# -- values and checks that quote a key with its value ------------------------------------------

GRID = (
    "tradeplan 1\nstrategy g on USD/JPY pip 0.01 via paper\n"
    "grid buy from 105.00 to 115.00 step 50 pips units 1000 {\n"
    "    take_profit 100 pips\n    stop_loss 200 pips\n}\n"
)
STOCK = "tradeplan 1\nstrategy s on US.NVDA via futu\nsizing qty 10\n"

TEXT_CASES = [
    # (what, file, code, a piece of the diagnostic, words it must show)
    (
        "risk value",
        HEAD + ENTRY + "risk {\n    max_open_positions 0\n}\n",
        "TP210",
        "",
        ["`max_open_positions 0`"],
    ),
    (
        "grid take profit sign",
        GRID.replace("take_profit 100", "take_profit -100"),
        "TP301",
        "",
        ["`take_profit 100 pips`"],
    ),
    (
        "grid counter side",
        GRID.replace("}", "    counter +100 pips\n}"),
        "TP307",
        "",
        ["`counter -100 pips`"],
    ),
    (
        "exit sign",
        HEAD + ENTRY.replace("20 pips", "-20 pips"),
        "TP301",
        "",
        ["`stop_loss 20 pips`"],
    ),
    ("no stop loss", HEAD + "entry e long when close > 1\n", "TP402", "", ["`stop_loss"]),
    (
        "grid without stop",
        GRID.replace("    stop_loss 200 pips\n", ""),
        "TP402",
        "",
        ["`stop_loss"],
    ),
    (
        "no sizing",
        HEAD.replace("sizing units 1000\n", "") + ENTRY,
        "TP406",
        "",
        ["`sizing risk 1%`"],
    ),
    ("risk above 2%", HEAD.replace("units 1000", "risk 5%") + ENTRY, "TP403", "", ["`risk 2%`"]),
    (
        "risk without stop",
        HEAD.replace("units 1000", "risk 1%") + "entry e long when close > 1\n",
        "TP401",
        "",
        ["`stop_loss"],
    ),
    (
        "limit needs price",
        HEAD + ENTRY.replace("{\n", "{\n    order limit\n"),
        "TP304",
        "",
        ["`order limit price close - 0.05`"],
    ),
    (
        "stop needs trigger",
        HEAD + ENTRY.replace("{\n", "{\n    order {\n        type stop\n    }\n"),
        "TP304",
        "",
        ["`trigger high[1]`"],
    ),
    (
        "price unused",
        HEAD + ENTRY.replace("{\n", "{\n    order market price close\n"),
        "TP308",
        "",
        ["`price`"],
    ),
    (
        "otherwise needs within",
        HEAD + ENTRY.replace("20 pips", "20 pips\n    break_even at 10 pips otherwise close"),
        "TP102",
        "",
        ["`otherwise close`", "`within 30m`"],
    ),
    (
        "market and kind",
        "tradeplan 1\nstrategy s via paper\ninstrument BTCUSDT market usdm_futures kind fx\nsizing units 1\n"
        + ENTRY.replace("20 pips", "1%"),
        "TP107",
        "",
        ["`market usdm_futures`"],
    ),
    (
        "unknown kind",
        "tradeplan 1\nstrategy s on FOO via paper\nsizing units 1\n"
        + ENTRY.replace("20 pips", "1%"),
        "TP201",
        "",
        ["`kind fx"],
    ),
    (
        "session eth market order",
        STOCK + "session eth\n" + ENTRY.replace("20 pips", "2%"),
        "TP303",
        "",
        ["`order limit price close`", "`session all`"],
    ),
    ("session on fx", HEAD + "session rth\n" + ENTRY, "TP202", "session", ["`session`"]),
    (
        "broker cannot trade it",
        HEAD.replace("via paper", "via futu") + ENTRY,
        "TP502",
        "",
        ["`via paper`"],
    ),
    (
        "max notional",
        GRID + "risk {\n    max_notional 1000\n}\n",
        "TP404",
        "",
        ["`max_notional 1,000`"],
    ),
    ("a block for a value", HEAD + ENTRY + "timeframe {\n    a 1\n}\n", "TP103", "", ["block"]),
    ("a value for a block", HEAD + ENTRY + "risk 5\n", "TP103", "", ["block"]),
]


@pytest.mark.parametrize(
    ("text", "code", "contains", "words"),
    [pytest.param(t, c, s, w, id=name) for name, t, c, s, w in TEXT_CASES],
)
def test_text_form_diagnostics_write_keys_the_text_way(
    text: str, code: str, contains: str, words: list[str]
) -> None:
    d = one(lint(text, "s.tp"), code, contains)
    assert_text_form(d, *words)


def test_no_diagnostic_of_a_broken_text_file_uses_yaml_syntax() -> None:
    """Every finding of one file full of mistakes, not just the ones asserted above."""
    text = "\n".join(t for _, t, *_ in TEXT_CASES if t.startswith(HEAD)).replace(
        "tradeplan 1\n", ""
    )
    for d in lint("tradeplan 1\n" + text, "s.tp"):
        assert_text_form(d)


YAML_CASES = [
    (
        "risk value",
        YAML_HEAD
        + "entries:\n  - {name: e, side: long, when: close > 1}\nexits: {stop_loss: 20 pips}\nrisk: {max_open_positions: 0}\n",
        "TP210",
        "`max_open_positions: 0` is too small for a position limit",
    ),
    (
        "exit sign",
        YAML_HEAD
        + "entries:\n  - {name: e, side: long, when: close > 1}\nexits: {stop_loss: -20 pips}\n",
        "TP301",
        "e.g. `stop_loss: 20 pips`",
    ),
    (
        "no stop loss",
        YAML_HEAD + "entries:\n  - {name: e, side: long, when: close > 1}\n",
        "TP402",
        "add `stop_loss:` (or `trailing:`) to the exits",
    ),
    (
        "no sizing",
        YAML_HEAD.replace("sizing: {units: 1000}\n", "")
        + "entries:\n  - {name: e, side: long, when: close > 1}\nexits: {stop_loss: 20 pips}\n",
        "TP406",
        "add `sizing: {risk: 1%}` to the strategy, or `units:` / `qty:` to the entry",
    ),
    (
        "limit needs price",
        YAML_HEAD
        + "entries:\n  - {name: e, side: long, when: close > 1, order: limit}\nexits: {stop_loss: 20 pips}\n",
        "TP304",
        "write the order as a mapping: `order: {type: limit, price: close - 0.05}`",
    ),
    (
        "broker cannot trade it",
        YAML_HEAD.replace("broker: paper", "broker: futu")
        + "entries:\n  - {name: e, side: long, when: close > 1}\nexits: {stop_loss: 20 pips}\n",
        "TP502",
        "or `broker: paper` to backtest",
    ),
]


@pytest.mark.parametrize(
    ("text", "code", "wording"), [pytest.param(t, c, w, id=n) for n, t, c, w in YAML_CASES]
)
def test_yaml_diagnostics_keep_the_yaml_wording(text: str, code: str, wording: str) -> None:
    assert wording in said(one(lint(text, "s.yaml"), code))
