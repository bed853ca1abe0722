"""Writing the text form: idiomatic output that reads back into the same document."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from text_samples import DRAFT_TEXT, DRAFT_TREE, YAML_AND_TEXT

from tradeplan.lang.text_reader import read_text
from tradeplan.lang.text_syntax import (
    EXIT_KEYS,
    GRID_WORDS,
    HEADER_WORDS,
    PAIR_STATEMENTS,
    STATEMENT_WORDS,
)
from tradeplan.lang.text_writer import tree_to_plain, write_text


def read_back(text: str) -> object:
    tree, problems = read_text(text, "w.tp")
    assert problems == [], (text, [(p.span.line, p.span.col, p.message) for p in problems])
    assert tree is not None
    return tree_to_plain(tree)


def test_the_draft_example_is_written_exactly_as_the_draft_writes_it() -> None:
    assert write_text(DRAFT_TREE) == DRAFT_TEXT


@pytest.mark.parametrize("text", [t for _, t in YAML_AND_TEXT])
def test_each_draft_strategy_round_trips(text: str) -> None:
    tree, _ = read_text(text, "x.tp")
    assert tree is not None
    doc = tree_to_plain(tree)
    assert isinstance(doc, dict)
    assert read_back(write_text(doc)) == doc


def test_idiomatic_forms() -> None:
    doc = {
        "tradeplan": "1",
        "name": "nvda-protect",
        "instrument": "US.NVDA",
        "broker": {"name": "futu"},
        "entries": [
            {
                "name": "pullback",
                "side": "long",
                "when": "close < sma(close, 50) * 0.97 and session == rth",
                "order": {"type": "limit", "price": "close - 0.05"},
                "qty": "50",
                "exits": {"trailing": "3%", "time_exit": "15:55 America/New_York"},
            }
        ],
        "sizing": {"risk": "2%"},
        "exits": {
            "trailing": {"trail": "3%", "spread": "0.20"},
            "break_even": {"at": "0.4%", "within": "30m"},
        },
    }
    assert write_text(doc) == (
        "tradeplan 1\n"
        'strategy "nvda-protect" on US.NVDA\n'
        "broker name futu\n"
        "\n"
        "entry pullback long when close < sma(close, 50) * 0.97 and session == rth {\n"
        "    order limit price close - 0.05\n"
        "    qty 50\n"
        "    trailing 3%\n"
        "    time_exit 15:55 America/New_York\n"
        "}\n"
        "\n"
        "sizing risk 2%\n"
        "\n"
        "exits {\n"
        "    trailing 3% spread 0.20\n"
        "    break_even at 0.4% within 30m\n"
        "}\n"
    )
    assert read_back(write_text(doc)) == doc


@pytest.mark.parametrize(
    ("doc", "line"),
    [
        ({"description": 'say "hi" {now} # really'}, 'description "say \\"hi\\" {now} # really"'),
        ({"description": "two\nlines"}, 'description "two\\nlines"'),
        ({"description": " padded "}, 'description " padded "'),
        ({"description": ""}, 'description ""'),
        ({"description": "back\\slash"}, "description back\\slash"),
        (
            {"order": {"type": "limit", "price": "close - spread"}},
            'order limit price "close - spread"',
        ),
        ({"trailing": {"trail": "3%"}}, "trailing trail 3%"),
        ({"account": {"currency": "JPY"}}, "account currency JPY"),
        ({"session": None}, "session"),
        ({"risk": {}}, "risk {}"),
        ({"entries": [{"name": "when", "side": "long"}]}, 'entry "when" long'),
        ({"entries": [{"name": "two words"}]}, 'entry "two words"'),
        # `from` is no side word, so the side goes in the block, and with it what follows it
        # (keys keep their order: the head holds only the keys that lead the item)
        ({"grids": [{"side": "from", "at": "1"}]}, "grid {"),
        ({"grids": [{"at": "1", "side": "from"}]}, "grid at 1 {"),
        ({"grid": {"side": "buy", "at": "110.00"}}, "grid buy at 110.00"),
    ],
)
def test_values_are_quoted_only_when_plain_words_would_read_differently(
    doc: dict[str, object], line: str
) -> None:
    text = write_text(doc)
    assert text.split("\n")[0] == line
    expected = dict(doc)
    if "grid" in expected:
        expected["grids"] = [expected.pop("grid")]
    assert read_back(text) == expected


@pytest.mark.parametrize(
    "doc",
    [
        {"risk": ["a", "b"]},
        {"entries": ["a"]},
        {"two words": "x"},
        {"strategy": "x"},
        {"entry": {"a": "b"}},
        {"grid": "buy"},
        {"sizing": "2%"},
        {"entries": [{"name": "a", "stop_loss": "1%"}]},
    ],
)
def test_documents_the_text_form_cannot_express_are_refused(doc: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        write_text(doc)


# -- round trip of generated documents -------------------------------------------------------

_RESERVED = set(STATEMENT_WORDS) | {"entries", "grids", "exits"}
_KEYWORDS = sorted(
    {"when", "on", *HEADER_WORDS, *GRID_WORDS, *STATEMENT_WORDS}
    | {w for _, words in PAIR_STATEMENTS.values() for w in words}
)
_WORDS = sorted({*_KEYWORDS, "side", "max_open_positions", "x", "time_in_force"})
_text = st.one_of(
    st.text(max_size=12),
    st.sampled_from(_KEYWORDS),
    st.lists(st.sampled_from([*_KEYWORDS, "1", "x"]), min_size=1, max_size=4).map(" ".join),
    st.sampled_from(
        [
            "50 pips",
            "-50 pips",
            "close - 0.05",
            "close > spread",
            "3%",
            "$2.00",
            "15:55 America/New_York",
            "{",
            "#",
            "a\tb",
            "when x",
            '"',
            "\\",
        ]
    ),
)
_leaf = st.one_of(st.none(), _text)
_key = st.one_of(st.sampled_from(_WORDS), st.from_regex(r'[a-z_][^\s{}#"]{0,8}', fullmatch=True))
_generic_key = _key.filter(lambda k: k not in _RESERVED)


def _mapping(values: st.SearchStrategy[object]) -> st.SearchStrategy[dict[str, object]]:
    return st.dictionaries(_generic_key, values, max_size=4)


_nested = st.recursive(_leaf, _mapping, max_leaves=6)


def _pairs(statement: str) -> st.SearchStrategy[object]:
    primary, words = PAIR_STATEMENTS[statement]
    pairs = st.dictionaries(st.sampled_from(words), _text, max_size=4)
    options = [pairs, _mapping(_nested), st.none()]
    if primary is not None:
        options.append(_text)
    return st.one_of(*options)


_exits = st.one_of(
    st.dictionaries(
        st.sampled_from([*EXIT_KEYS, "time_in_force"]),
        st.one_of(_leaf, _pairs("trailing")),
        max_size=4,
    ),
    _leaf,
)

_entry = st.builds(
    lambda base, extra: {**extra, **base},
    st.fixed_dictionaries(
        {},
        optional={
            "name": _leaf,
            "side": st.one_of(_leaf, st.sampled_from(["long", "short", "buy", "sell"])),
            "when": _leaf,
            "order": _pairs("order"),
            "sizing": _pairs("sizing"),
            "exits": _exits,
        },
    ),
    _mapping(_nested).map(lambda d: {k: v for k, v in d.items() if k not in EXIT_KEYS}),
)

_grid = st.builds(
    lambda base, extra: {**extra, **base},
    st.fixed_dictionaries(
        {},
        optional={"side": _leaf, **{w: _leaf for w in GRID_WORDS}},
    ),
    _mapping(_nested),
)

_document = st.builds(
    lambda base, extra: {**extra, **base},
    st.fixed_dictionaries(
        {},
        optional={
            "tradeplan": _leaf,
            "name": st.one_of(_text, _mapping(_nested)),
            "instrument": st.one_of(
                _pairs("instrument"),
                st.fixed_dictionaries({"symbol": _text, "pip": _text}),
            ),
            "account": _pairs("account"),
            "broker": _pairs("broker"),
            "fees": _pairs("fees"),
            "sizing": _pairs("sizing"),
            "entries": st.lists(_entry, min_size=1, max_size=3),
            "grids": st.lists(_grid, min_size=1, max_size=2),
            "exits": _exits,
            "risk": _mapping(_leaf),
        },
    ),
    _mapping(_nested),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_document)
def test_generated_documents_read_back_unchanged(doc: dict[str, object]) -> None:
    assert read_back(write_text(doc)) == doc


@settings(max_examples=100, deadline=None)
@given(_document)
def test_writing_is_a_fixed_point(doc: dict[str, object]) -> None:
    text = write_text(doc)
    again = read_back(text)
    assert isinstance(again, dict)
    assert write_text(again) == text
