"""The text form read into the document tree: same tree as YAML, exact spans, clear errors."""

from __future__ import annotations

import random

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from text_samples import DRAFT_TEXT, DRAFT_TREE, YAML_AND_TEXT

from tradeplan.lang.expressions import parse_expression
from tradeplan.lang.grammar import get_parser
from tradeplan.lang.nodes import Mapping, Node, Scalar, Sequence
from tradeplan.lang.text_reader import read_text
from tradeplan.lang.text_syntax import PAIR_STATEMENTS
from tradeplan.lang.text_writer import tree_to_plain


def read(source: str) -> Mapping:
    tree, problems = read_text(source, "s.tp")
    assert problems == [], [(p.span.line, p.span.col, p.message) for p in problems]
    assert tree is not None
    return tree


def plain(source: str) -> object:
    return tree_to_plain(read(source))


def errors(source: str) -> list[tuple[str, int, int, str, str | None]]:
    _, problems = read_text(source, "s.tp")
    return [(p.code, p.span.line, p.span.col, p.message, p.hint) for p in problems]


def test_the_draft_text_example_reads_to_the_expected_tree() -> None:
    assert plain(DRAFT_TEXT) == DRAFT_TREE


@pytest.mark.parametrize(("yaml_text", "text"), YAML_AND_TEXT)
def test_each_yaml_example_and_its_text_form_give_the_same_tree(yaml_text: str, text: str) -> None:
    expected = yaml.load(yaml_text, Loader=yaml.BaseLoader)  # keeps every scalar as raw text
    if "grid" in expected:  # the text form always lists grids; the builder treats both alike
        expected["grids"] = [expected.pop("grid")]
    assert plain(text) == expected


def test_expression_values_are_exact_source_slices_with_their_spans() -> None:
    tree = read(DRAFT_TEXT)
    entries = tree.get("entries")
    assert isinstance(entries, Sequence)
    item = entries.items[0]
    assert isinstance(item, Mapping)
    when = item.get("when")
    assert isinstance(when, Scalar)
    line = DRAFT_TEXT.split("\n")[9]
    assert when.value == line[30:70]
    assert (when.span.line, when.span.col, when.span.end_line, when.span.end_col) == (
        10,
        31,
        10,
        71,
    )
    assert not when.quoted


def test_keys_and_values_carry_their_own_spans() -> None:
    tree = read(DRAFT_TEXT)
    keys = {k.value: k.span for k, _ in tree.entries}
    assert (keys["tradeplan"].line, keys["tradeplan"].col) == (1, 1)
    assert (keys["instrument"].line, keys["instrument"].col) == (2, 30)  # the `on`
    assert (keys["account"].line, keys["account"].col) == (2, 50)
    assert (keys["broker"].line, keys["broker"].col) == (2, 62)  # the `via`
    assert (keys["grids"].line, keys["entries"].line, keys["risk"].line) == (4, 10, 18)
    grids = tree.get("grids")
    assert isinstance(grids, Sequence)
    grid = grids.items[0]
    assert isinstance(grid, Mapping)
    assert (grid.span.line, grid.span.end_line) == (4, 8)
    step = grid.get("step")
    assert isinstance(step, Scalar)
    assert (step.value, step.span.line, step.span.col, step.span.end_col) == ("50 pips", 4, 37, 44)
    risk = tree.get("risk")
    assert isinstance(risk, Mapping)
    limit = risk.get("daily_loss_limit")
    assert isinstance(limit, Scalar) and (limit.span.line, limit.span.col) == (20, 22)


def test_quoted_values_keep_the_span_of_the_whole_string() -> None:
    tree = read('description "a \\"quoted\\" # word"\n')
    value = tree.get("description")
    assert isinstance(value, Scalar)
    assert value.value == 'a "quoted" # word'
    assert value.quoted
    assert (value.span.col, value.span.end_col) == (13, 34)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("trailing 3%", {"trailing": "3%"}),
        ("trailing trail 3%", {"trailing": {"trail": "3%"}}),
        ("trailing $2.00 activate 1%", {"trailing": {"trail": "$2.00", "activate": "1%"}}),
        ("trailing 3% {\n spread 0.20\n}", {"trailing": {"trail": "3%", "spread": "0.20"}}),
        ("break_even 0.4%", {"break_even": "0.4%"}),
        ("order market", {"order": "market"}),
        ("order limit price close - 0.05", {"order": {"type": "limit", "price": "close - 0.05"}}),
        (
            "order stop_limit trigger high[1] + 0.10 price high[1] + 0.20",
            {
                "order": {
                    "type": "stop_limit",
                    "trigger": "high[1] + 0.10",
                    "price": "high[1] + 0.20",
                }
            },
        ),
        ("sizing risk 2% leverage 5", {"sizing": {"risk": "2%", "leverage": "5"}}),
        ("sizing notional 5000 USDT", {"sizing": {"notional": "5000 USDT"}}),
        (
            "fees per_notional 0.04% per_order 1.00",
            {"fees": {"per_notional": "0.04%", "per_order": "1.00"}},
        ),
        ("account JPY balance 500000", {"account": {"currency": "JPY", "balance": "500000"}}),
        ("broker paper fill dealer", {"broker": {"name": "paper", "fill": "dealer"}}),
        ("instrument EUR_USD pip 0.0001", {"instrument": {"symbol": "EUR_USD", "pip": "0.0001"}}),
        ("time_exit 15:55 America/New_York", {"time_exit": "15:55 America/New_York"}),
        ('time_exit "15:55 America/New_York"', {"time_exit": "15:55 America/New_York"}),
        ("description", {"description": None}),
        ("risk {}", {"risk": {}}),
        ("risk { max_open_positions 20 }", {"risk": {"max_open_positions": "20"}}),
        # keywords are keywords only where their statement expects them
        ("exit_when spread > 0.05 and price < 3", {"exit_when": "spread > 0.05 and price < 3"}),
        (
            "order { type limit\n price close - spread }",
            {"order": {"type": "limit", "price": "close - spread"}},
        ),
        (
            'order limit price "close - spread"',
            {"order": {"type": "limit", "price": "close - spread"}},
        ),
        ("grid { from 1 }", {"grids": [{"from": "1"}]}),
        ("entry x long whenever", None),
        ("strategy s on US.NVDA", {"name": "s", "instrument": "US.NVDA"}),
        ('strategy "s" pip 0.01', {"name": "s", "instrument": {"pip": "0.01"}}),
        (
            "grid sell at 110.00 units 1000",
            {"grids": [{"side": "sell", "at": "110.00", "units": "1000"}]},
        ),
        ("grid", {"grids": [{}]}),
        ("entry", {"entries": [{}]}),
        ("entry a", {"entries": [{"name": "a"}]}),
        ('entry "my rule" short', {"entries": [{"name": "my rule", "side": "short"}]}),
        ("entry a when x > 1", {"entries": [{"name": "a", "when": "x > 1"}]}),
    ],
)
def test_statement_forms(source: str, expected: object) -> None:
    if expected is None:
        assert errors(source)[0][0] == "TP002"
        return
    assert plain(source) == expected


@pytest.mark.parametrize(("statement", "table"), PAIR_STATEMENTS.items())
def test_every_inline_keyword_of_the_table_is_in_the_grammar(
    statement: str, table: tuple[str | None, tuple[str, ...]]
) -> None:
    primary, words = table
    for word in words:
        assert plain(f"{statement} {word} v") == {statement: {word: "v"}}
    if primary is not None:
        assert plain(f"{statement} lead {words[-1]} v") == {
            statement: {primary: "lead", words[-1]: "v"}
        }


def test_exits_inside_an_entry_block_go_to_the_entrys_exits() -> None:
    source = """\
entry a buy when close > 1 {
    time_in_force gtc
    exit_when close < 1
    exits {
        time_exit 6h
    }
    sizing units 1000
    time_exit_typo 1
}
"""
    assert plain(source) == {
        "entries": [
            {
                "name": "a",
                "side": "buy",
                "when": "close > 1",
                "time_in_force": "gtc",
                "exits": {"exit_when": "close < 1", "time_exit": "6h"},
                "sizing": {"units": "1000"},
                "time_exit_typo": "1",
            }
        ]
    }


def test_several_entries_and_grids_keep_their_order() -> None:
    source = "entry a long\ngrid buy at 1\nentry b short\ngrid sell at 2\n"
    assert plain(source) == {
        "entries": [{"name": "a", "side": "long"}, {"name": "b", "side": "short"}],
        "grids": [{"side": "buy", "at": "1"}, {"side": "sell", "at": "2"}],
    }
    tree = read(source)
    entries = tree.get("entries")
    assert isinstance(entries, Sequence)
    assert (entries.span.line, entries.span.end_line) == (1, 3)


def test_comments_blank_lines_tabs_and_crlf_are_fine() -> None:
    source = (
        "# a strategy\r\n\r\n"
        "tradeplan 1   # version\r\n"
        "\t# indented comment\r\n"
        "risk {\t# caps\r\n"
        "\tmax_open_positions\t20\r\n"
        "\r\n"
        "\t# between\r\n"
        "}\r\n"
        "# tradeplan: ignore[TP402]\r\n"
    )
    assert plain(source) == {"tradeplan": "1", "risk": {"max_open_positions": "20"}}


def test_a_byte_order_mark_is_ignored() -> None:
    assert plain("\ufefftradeplan 1\n") == {"tradeplan": "1"}


def test_an_empty_file_is_an_empty_mapping() -> None:
    assert plain("") == {}
    assert plain("# only a comment\n\n") == {}


def test_a_key_given_twice_is_reported_and_the_copy_dropped() -> None:
    source = 'strategy "x" on USD/JPY\ninstrument EUR/USD\nrisk {\n a 1\n a 2\n}\n'
    tree, problems = read_text(source, "s.tp")
    assert sorted((p.code, p.span.line, p.span.col) for p in problems) == [
        ("TP106", 2, 1),
        ("TP106", 5, 2),
    ]
    assert "`instrument` is given twice here (first at line 1)" in [p.message for p in problems]
    assert tree is not None
    assert tree_to_plain(tree) == {"name": "x", "instrument": "USD/JPY", "risk": {"a": "1"}}


def test_loose_exits_and_an_exits_block_in_one_entry_may_not_repeat_a_key() -> None:
    source = "entry a long {\n stop_loss 1%\n exits {\n  stop_loss 2%\n }\n}\n"
    assert [e[:3] for e in errors(source)] == [("TP106", 4, 3)]


@pytest.mark.parametrize(
    ("source", "line", "col", "message", "hint"),
    [
        (
            "risk {\n    max_open_positions 20\n",
            2,
            26,
            "unclosed `{` opened at line 1, column 6",
            "add a `}` on its own line to close the block",
        ),
        (
            "grid buy from\n",
            1,
            14,
            "expected a value after `grid buy from`, found end of line",
            None,
        ),
        (
            "exits {\n  trailing 2% spread   # the limit spread\n}\n",
            2,
            21,
            "expected a value after `trailing 2% spread`, found end of line",
            None,
        ),
        (
            "entry x long whne close > 1 {\n}\n",
            1,
            14,
            "unexpected `whne` after `entry x long`: expected `when`, `{` or end of line",
            "did you mean `when`?",
        ),
        (
            'strategy "x" onn USD/JPY\n',
            1,
            14,
            'unexpected `onn` after `strategy "x"`: expected `account`, `on`, `pip`, `via` or end '
            "of line",
            "did you mean `on`?",
        ),
        (
            "sizing rsk 2%\n",
            1,
            8,
            "unexpected `rsk` after `sizing`: expected `leverage`, `notional`, `qty`, `risk`, "
            "`units`, `{` or end of line",
            "did you mean `risk`?",
        ),
        ("tradeplan 1\n}\n", 2, 1, "unexpected `}`: there is no open `{` to close", None),
        (
            "risk\n{\n}\n",
            2,
            1,
            "a `{` must be on the same line as the statement it belongs to",
            "move the `{` to the end of the line above",
        ),
        (
            'description "never closed\n',
            1,
            13,
            'unterminated string: the closing `"` is missing',
            None,
        ),
        ("risk { } x\n", 1, 10, "expected end of line after `}`, found `x`", None),
        ("strategy\n", 1, 9, "expected a name after `strategy`, found end of line", None),
        (
            "entry x long when {\n}\n",
            1,
            19,
            "expected a condition after `entry x long when`, found `{`",
            None,
        ),
        ("risk 2% {\n}\n", 1, 9, "`risk` has both a value and a `{` block", None),
        (
            'take_profit 1 "%"\n',
            1,
            15,
            "a quoted value cannot follow other words after `take_profit 1`",
            None,
        ),
    ],
)
def test_syntax_errors_have_the_position_of_the_bad_token(
    source: str, line: int, col: int, message: str, hint: str | None
) -> None:
    (problem,) = errors(source)
    assert problem[:4] == ("TP002", line, col, message)
    if hint is not None:
        assert problem[4] == hint


def test_a_syntax_error_gives_no_tree() -> None:
    tree, problems = read_text("grid buy from\n", "s.tp")
    assert tree is None
    assert problems[0].name == "text-syntax"
    assert problems[0].span.file == "s.tp"


def test_the_parser_is_built_once_per_process() -> None:
    assert get_parser() is get_parser()


def test_deeply_nested_blocks_are_a_diagnostic() -> None:
    source = "a {\n" * 200 + "}\n" * 200
    ((code, _, _, message, _),) = errors(source)
    assert code == "TP002" and "nested too deeply" in message


# -- fuzz: any string gives a tree or diagnostics, never an exception -------------------------

VALID = [DRAFT_TEXT, *(text for _, text in YAML_AND_TEXT)]


def _check(source: str) -> None:
    tree, problems = read_text(source, "f.tp")
    assert isinstance(problems, list)
    lines = source.count("\n") + 1
    for p in problems:
        assert p.code in {"TP002", "TP106"}, (p.code, p.message)
        assert 1 <= p.span.line <= lines + 1
        assert p.span.col >= 1
        assert p.message
    if tree is None:
        assert any(p.code == "TP002" for p in problems)
        return
    for value in _expression_values(tree):
        expr, expr_problems = parse_expression(value.value or "", value.span)
        assert (expr is None) == bool(expr_problems)
        assert all(p.code == "TP003" for p in expr_problems)


def _expression_values(node: Node) -> list[Scalar]:
    found: list[Scalar] = []
    if isinstance(node, Mapping):
        for key, value in node.entries:
            if key.value in {"when", "exit_when", "price", "trigger"} and isinstance(value, Scalar):
                found.append(value)
            found.extend(_expression_values(value))
    elif isinstance(node, Sequence):
        for item in node.items:
            found.extend(_expression_values(item))
    return found


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_random_text_never_raises(source: str) -> None:
    _check(source)


_PIECES = st.sampled_from(
    [
        "{",
        "}",
        '"',
        "#",
        "\n",
        " ",
        "\t",
        "entry",
        "grid",
        "when",
        "on",
        "spread",
        "strategy",
        "trailing",
        "\\",
        "\ufeff",
        "\x00",
        "é",
        "💥",
        "\r",
    ]
)


def _mutate(source: str, seed: int, pieces: list[str]) -> str:
    rnd = random.Random(seed)
    text = source
    for _ in range(rnd.randint(1, 4)):
        kind = rnd.randrange(6)
        pos = rnd.randrange(len(text) + 1)
        if kind == 0:  # cut lines
            lines = text.split("\n")
            del lines[rnd.randrange(len(lines))]
            text = "\n".join(lines)
        elif kind == 1:  # cut the file short
            text = text[:pos]
        elif kind == 2:  # insert a piece
            text = text[:pos] + rnd.choice(pieces) + text[pos:]
        elif kind == 3:  # rename a key (a word at the start of a line)
            lines = text.split("\n")
            i = rnd.randrange(len(lines))
            words = lines[i].split(" ")
            words[0] = rnd.choice(pieces) + words[0][1:]
            lines[i] = " ".join(words)
            text = "\n".join(lines)
        elif kind == 4:  # flip a byte
            data = bytearray(text.encode())
            if data:
                data[rnd.randrange(len(data))] ^= 1 << rnd.randrange(8)
            text = data.decode("utf-8", errors="replace")
        else:  # delete a span
            text = text[:pos] + text[pos + rnd.randrange(1, 12) :]
    return text


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(VALID),
    st.integers(0, 2**32),
    st.lists(_PIECES, min_size=1, max_size=5),
)
def test_mutated_valid_files_never_raise(source: str, seed: int, pieces: list[str]) -> None:
    _check(_mutate(source, seed, pieces))


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(VALID), st.text(min_size=1, max_size=10), st.integers(0, 10_000))
def test_random_unicode_spliced_into_valid_files_never_raises(
    source: str, junk: str, where: int
) -> None:
    pos = where % (len(source) + 1)
    _check(source[:pos] + junk + source[pos:])
