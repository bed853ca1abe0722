"""The expression language: what each form means, where each node is, and what a typo says."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradeplan.diagnostics.model import Span
from tradeplan.lang.expr import (
    Binary,
    Call,
    Compare,
    Cross,
    Expr,
    Index,
    Logic,
    Name,
    Not,
    Number,
    Quantity,
    TimeBetween,
    Unary,
)
from tradeplan.lang.expressions import parse_expression
from tradeplan.lang.unparse import unparse

BASE = Span("s.tp", 7, 12)
D = Decimal


def parse(text: str, base: Span = BASE) -> Expr:
    expr, problems = parse_expression(text, base)
    assert problems == [], [p.message for p in problems]
    assert expr is not None
    return expr


def problem(text: str, base: Span = BASE) -> tuple[int, int, str, str | None]:
    expr, problems = parse_expression(text, base)
    assert expr is None
    assert len(problems) == 1
    (p,) = problems
    assert p.code == "TP003"
    assert p.name == "expression-syntax"
    return p.span.line, p.span.col, p.message, p.hint


close, high, sma = Name("close"), Name("high"), "sma"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("close", close),
        ("105.00", Number(D("105.00"))),
        (".5", Number(D(".5"))),
        ("50 pips", Quantity(D("50"), "pips")),
        ("1 pip", Quantity(D("1"), "pips")),
        ("3 ticks", Quantity(D("3"), "ticks")),
        ("1 tick", Quantity(D("1"), "ticks")),
        ("0.6%", Quantity(D("0.6"), "percent")),
        ("$2.00", Quantity(D("2.00"), "price")),
        ("-50 pips", Unary("-", Quantity(D("50"), "pips"))),
        ("+50 pips", Quantity(D("50"), "pips")),
        ("close[1]", Index(close, 1)),
        (
            "highest(high, 20)[1]",
            Index(Call("highest", (high, Number(D("20")))), 1),
        ),
        ("sma(close, 20)", Call(sma, (close, Number(D("20"))))),
        ("vwap()", Call("vwap", ())),
        ("close - 0.05", Binary("-", close, Number(D("0.05")))),
        (
            "close crosses_above highest(high, 20)[1]",
            Cross("above", close, Index(Call("highest", (high, Number(D("20")))), 1)),
        ),
        (
            "close crosses_below sma(close, 20)",
            Cross("below", close, Call(sma, (close, Number(D("20"))))),
        ),
        (
            "close < sma(close, 50) * 0.97 and session == rth",
            Logic(
                "and",
                (
                    Compare(
                        "<",
                        close,
                        Binary("*", Call(sma, (close, Number(D("50")))), Number(D("0.97"))),
                    ),
                    Compare("==", Name("session"), Name("rth")),
                ),
            ),
        ),
        ("time between 09:35 and 15:50", TimeBetween("09:35", "15:50")),
        ("a != b", Compare("!=", Name("a"), Name("b"))),
        ("a >= b", Compare(">=", Name("a"), Name("b"))),
        ("a <= b", Compare("<=", Name("a"), Name("b"))),
        ("a > b", Compare(">", Name("a"), Name("b"))),
        # names that merely start like keywords are names
        ("android > order", Compare(">", Name("android"), Name("order"))),
        ("notional", Name("notional")),
        ("pips", Name("pips")),
    ],
)
def test_meaning(text: str, expected: Expr) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # or < and < not < comparison < + - < * / < unary < index
        ("a or b and c", Logic("or", (Name("a"), Logic("and", (Name("b"), Name("c")))))),
        ("a and b or c", Logic("or", (Logic("and", (Name("a"), Name("b"))), Name("c")))),
        ("a or b or c", Logic("or", (Name("a"), Name("b"), Name("c")))),
        ("not a and b", Logic("and", (Not(Name("a")), Name("b")))),
        ("not a < b", Not(Compare("<", Name("a"), Name("b")))),
        (
            "a + b < c * d",
            Compare("<", Binary("+", Name("a"), Name("b")), Binary("*", Name("c"), Name("d"))),
        ),
        ("a - b - c", Binary("-", Binary("-", Name("a"), Name("b")), Name("c"))),
        ("a / b * c", Binary("*", Binary("/", Name("a"), Name("b")), Name("c"))),
        ("a + b * c", Binary("+", Name("a"), Binary("*", Name("b"), Name("c")))),
        ("(a + b) * c", Binary("*", Binary("+", Name("a"), Name("b")), Name("c"))),
        ("-a * b", Binary("*", Unary("-", Name("a")), Name("b"))),
        ("-close[1]", Unary("-", Index(close, 1))),
        ("a - -b", Binary("-", Name("a"), Unary("-", Name("b")))),
        ("close[1][2]", Index(Index(close, 1), 2)),
        (
            "a + 1 crosses_above b",
            Cross("above", Binary("+", Name("a"), Number(D("1"))), Name("b")),
        ),
        ("not not a", Not(Not(Name("a")))),
        (
            "time between 09:35 and 15:50 and close > 1",
            Logic(
                "and",
                (TimeBetween("09:35", "15:50"), Compare(">", close, Number(D("1")))),
            ),
        ),
    ],
)
def test_precedence(text: str, expected: Expr) -> None:
    assert parse(text) == expected


def test_numbers_are_exact_decimals_from_the_source_text() -> None:
    expr = parse("close - 0.10")
    assert isinstance(expr, Binary) and isinstance(expr.right, Number)
    assert str(expr.right.value) == "0.10"
    q = parse("$2.50")
    assert isinstance(q, Quantity) and str(q.value) == "2.50" and q.unit == "price"


def test_spans_are_file_positions_from_the_base_span() -> None:
    expr = parse("close crosses_above highest(high, 20)[1]", Span("s.tp", 10, 31))
    assert isinstance(expr, Cross)
    assert (expr.span.line, expr.span.col, expr.span.end_col) == (10, 31, 71)
    assert (expr.left.span.col, expr.left.span.end_col) == (31, 36)
    right = expr.right
    assert isinstance(right, Index)
    assert (right.span.col, right.span.end_col) == (51, 71)
    assert isinstance(right.target, Call)
    assert (right.target.span.col, right.target.span.end_col) == (51, 68)
    assert right.span.file == "s.tp"


def test_spans_follow_line_breaks_inside_the_text() -> None:
    expr = parse("close > 1 and\n  volume > 0", Span("s.yaml", 4, 9))
    assert isinstance(expr, Logic)
    second = expr.operands[1]
    assert (second.span.line, second.span.col) == (5, 3)
    assert (expr.operands[0].span.line, expr.operands[0].span.col) == (4, 9)


def test_binary_span_covers_both_sides() -> None:
    expr = parse("a + b - c", Span("f", 1, 1))
    assert isinstance(expr, Binary)
    assert (expr.span.col, expr.span.end_col) == (1, 10)
    assert isinstance(expr.left, Binary)
    assert (expr.left.span.col, expr.left.span.end_col) == (1, 6)


@pytest.mark.parametrize(
    ("text", "col", "message", "hint"),
    [
        # columns are relative to BASE (line 7, col 12): offset o -> col 12 + o
        ("close +", 18, "expected a value after `+`", None),
        ("close crosses_above", 18, "expected a value after `crosses_above`", None),
        ("(close + 1", 12, "unbalanced parenthesis: this `(` is never closed", "add a `)`"),
        ("sma(close, 20", 15, "unbalanced parenthesis: this `(` is never closed", "add a `)`"),
        ("close )", 18, "unexpected `)`: there is no `(` to close", None),
        ("close = 5", 18, "unexpected `=`", "to compare two values write `==`"),
        ("close open", 18, "missing operator between `close` and `open`", None),
        ("a crosses_abov b", 14, "missing operator between `a` and `crosses_abov`", None),
        ("a < b < c", 18, "comparisons cannot be chained: `<` follows another comparison", None),
        ("close[x]", 18, "expected a whole number of bars inside `[ ]`, found `x`", None),
        ("close[1.5]", 18, "a history offset is a whole number of bars, not `1.5`", None),
        ("close[1", 17, "unbalanced bracket: this `[` is never closed", "add a `]`"),
        ("* 2", 12, "expected a value, found `*`", None),
        ("and x", 12, "expected a value before `and`", None),
        ("sma(close,)", 22, "expected a value after `,`, found `)`", None),
        ("close @ 5", 18, "unexpected character `@` after `close`", None),
        ("1.2.3", 12, "`1.2.3` is not a number", None),
        ("time between 09:35", 25, "expected `and` and an end time after `09:35`", None),
        (
            "foo between 09:35 and 15:50",
            12,
            "only `time` can be used with `between`, not `foo`",
            None,
        ),
        ("close > 15:55", 22, "unexpected `:`", None),
        ("close && open", 18, "unexpected `&`", "write `and`"),
        ("", 12, "expected an expression, found nothing", None),
        ("close > 1 # note", 22, "unexpected `#`: an expression has no comments", None),
    ],
)
def test_syntax_errors_point_at_the_offending_token(
    text: str, col: int, message: str, hint: str | None
) -> None:
    line, got_col, got_message, got_hint = problem(text)
    assert (line, got_col, got_message) == (7, col, message)
    if hint is not None:
        assert got_hint is not None and hint in got_hint


def test_typo_of_an_operator_word_gets_a_suggestion() -> None:
    *_, hint = problem("a crosses_abov b")
    assert hint == "did you mean `crosses_above`?"


def test_error_on_a_later_line_of_a_multi_line_text() -> None:
    line, col, message, _ = problem("close > 1 and\n   volume >", Span("s.yaml", 3, 7))
    assert (line, col, message) == (4, 11, "expected a value after `>`")


@pytest.mark.parametrize(
    "text",
    [
        "(" * 150 + "x" + ")" * 150,
        "-" * 300 + "x",
        "not " * 300 + "x",
        "x" + "[1]" * 300,
        "+".join(["a"] * 3000),
    ],
)
def test_deep_nesting_is_a_diagnostic_not_a_crash(text: str) -> None:
    *_, message, _ = problem(text)
    assert "nested too deeply" in message


_ALPHABET = st.sampled_from(
    [
        *"()[],+-*/<>=!%$:. 0123456789abcxyz_\n\t\"'#{}@",
        *[
            "close",
            "sma",
            " and ",
            " or ",
            "not ",
            " crosses_above ",
            " between ",
            "09:35",
            " pips",
        ],
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.lists(_ALPHABET, max_size=25).map("".join), st.text(max_size=40)))
def test_any_text_gives_an_expression_or_diagnostics(text: str) -> None:
    expr, problems = parse_expression(text, BASE)
    assert (expr is None) == bool(problems)
    lines = text.count("\n")
    for p in problems:
        assert p.code == "TP003"
        assert BASE.line <= p.span.line <= BASE.line + lines
        assert p.span.col >= 1


# -- round trip with the expression writer ---------------------------------------------------

_names = st.sampled_from(["close", "open", "high", "low", "volume", "session", "rth"])
_numbers = st.decimals(min_value=0, max_value=10_000, places=2).map(lambda d: Number(d))
_quantities = st.builds(
    Quantity,
    st.decimals(min_value=0, max_value=500, places=2),
    st.sampled_from(["pips", "percent", "price", "ticks"]),
)
_atoms = st.one_of(_names.map(lambda n: Name(n)), _numbers, _quantities)


def _extend(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    return st.one_of(
        st.builds(Binary, st.sampled_from(["+", "-", "*", "/"]), children, children),
        st.builds(Unary, st.just("-"), children),
        st.builds(Index, children, st.integers(0, 50)),
        st.builds(Call, st.sampled_from(["sma", "ema", "highest"]), st.tuples(children, children)),
        st.builds(Compare, st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), children, children),
        st.builds(Cross, st.sampled_from(["above", "below"]), children, children),
        st.builds(Logic, st.sampled_from(["and", "or"]), st.tuples(children, children)),
        st.builds(Not, children),
    )


@settings(max_examples=200, deadline=None)
@given(st.recursive(_atoms, _extend, max_leaves=8))
def test_written_expressions_read_back(expr: Expr) -> None:
    text = unparse(expr)
    assert parse(text) == expr, text
