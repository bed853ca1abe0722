"""Checking expressions: known names and functions, argument kinds, and true/false vs numbers."""

from __future__ import annotations

from tradeplan.core.enums import AssetClass
from tradeplan.core.instrument import Instrument
from tradeplan.diagnostics.collector import Collector
from tradeplan.diagnostics.suggest import did_you_mean
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
from tradeplan.plan.vocabulary import FUNCTIONS, SERIES, SESSION_WORDS

NUMBER, BOOL, SESSION, WORD, UNKNOWN = "number", "true/false", "session", "word", "unknown"
_KNOWN = [*SERIES, *FUNCTIONS, "session", *SESSION_WORDS]
_SAID = {
    NUMBER: "a number",
    BOOL: "a true/false condition",
    SESSION: "`session`",
    WORD: "a session word",
}
_EXAMPLE_ARG = {"series": "close", "length": "14", "number": "close"}


def _said(kind: str) -> str:
    return _SAID.get(kind, kind)


class ExpressionChecker:
    """Reports, at its position, every expression compiler/lowering.py could not lower."""

    def __init__(self, out: Collector, instrument: Instrument) -> None:
        self.out = out
        self.instrument = instrument
        self.asset_class = instrument.asset_class

    def expect(self, expr: Expr, kind: str, what: str) -> None:
        got = self.kind(expr)
        if got not in (kind, UNKNOWN):
            wanted = "a condition (true or false)" if kind == BOOL else "a number or price"
            hint = (
                "compare it with something, e.g. `close > sma(close, 20)`"
                if kind == BOOL
                else "a price cannot be a condition"
            )
            self.out.report(
                "TP209", expr.span, f"{what} must be {wanted}, but this is {_said(got)}", hint
            )

    def kind(self, expr: Expr) -> str:
        if isinstance(expr, Quantity) and expr.unit == "pips" and self.instrument.pip is None:
            self.out.report(
                "TP202",
                expr.span,
                f"`pips` need a pip size, but {self.instrument.symbol} has none: pips are for "
                "FX pairs",
                "write a percentage (0.5%), a price amount ($2.00) or ticks (3 ticks) instead",
            )
            return NUMBER
        if isinstance(expr, Number | Quantity):
            return NUMBER
        if isinstance(expr, Name):
            return self.name(expr)
        if isinstance(expr, Index):
            inner = self.kind(expr.target)
            if inner not in (NUMBER, UNKNOWN):
                self.out.report(
                    "TP209", expr.span, "only prices and indicators have a history `[n]`"
                )
            if expr.offset < 0:
                self.out.report(
                    "TP210",
                    expr.span,
                    "`[n]` looks back n bars; it cannot be negative",
                    "the future is not known: use [0] (this bar) or [1] (the bar before)",
                )
            return NUMBER
        if isinstance(expr, Call):
            return self.call(expr)
        if isinstance(expr, Unary):
            self.number(expr.operand, f"`{expr.op}`")
            return NUMBER
        if isinstance(expr, Binary):
            self.number(expr.left, f"`{expr.op}`")
            self.number(expr.right, f"`{expr.op}`")
            return NUMBER
        if isinstance(expr, Compare):
            return self.compare(expr)
        if isinstance(expr, Cross):
            self.number(expr.left, f"crosses_{expr.direction}")
            self.number(expr.right, f"crosses_{expr.direction}")
            return BOOL
        if isinstance(expr, Logic):
            for operand in expr.operands:
                self.condition(operand, f"`{expr.op}`")
            return BOOL
        if isinstance(expr, Not):
            self.condition(expr.operand, "`not`")
            return BOOL
        if isinstance(expr, TimeBetween):
            for clock in (expr.start, expr.end):
                problem = _clock_problem(clock)
                if problem:
                    self.out.report(
                        "TP210", expr.span, problem, "write a time of day from 00:00 to 23:59"
                    )
            return BOOL
        return UNKNOWN  # pragma: no cover - every node type is handled above

    def number(self, expr: Expr, where: str) -> None:
        got = self.kind(expr)
        if got not in (NUMBER, UNKNOWN):
            self.out.report(
                "TP209", expr.span, f"{where} needs numbers on both sides, not {_said(got)}"
            )

    def condition(self, expr: Expr, where: str) -> None:
        got = self.kind(expr)
        if got not in (BOOL, UNKNOWN):
            self.out.report(
                "TP209",
                expr.span,
                f"{where} combines conditions, but this is {_said(got)}",
                "write a comparison such as `rsi(close, 14) < 30`",
            )

    def name(self, expr: Name) -> str:
        if expr.name in SERIES:
            return NUMBER
        if expr.name == "session":
            if self.asset_class is not AssetClass.US_STOCK:
                self.out.report(
                    "TP202", expr.span, "`session` (rth/pre/post) applies to US stocks only"
                )
            return SESSION
        if expr.name in SESSION_WORDS:
            return WORD
        if expr.name in FUNCTIONS:
            self.out.report(
                "TP206",
                expr.span,
                f"`{expr.name}` is a function; call it with arguments",
                f"for example `{expr.name}(close, 20)`",
            )
            return UNKNOWN
        self.out.report(
            "TP205",
            expr.span,
            f"unknown name `{expr.name}`",
            did_you_mean(expr.name, _KNOWN) or f"prices are: {', '.join(SERIES)}",
        )
        return UNKNOWN

    def call(self, expr: Call) -> str:
        sig = FUNCTIONS.get(expr.func)
        if sig is None:
            hint = did_you_mean(expr.func, FUNCTIONS) or f"available: {', '.join(FUNCTIONS)}"
            self.out.report("TP204", expr.span, f"unknown function `{expr.func}`", hint)
            for arg in expr.args:
                self.kind(arg)
            return UNKNOWN
        if len(expr.args) != len(sig.params):
            params = ", ".join(sig.params) or "no arguments"
            self.out.report(
                "TP206",
                expr.span,
                f"`{expr.func}` takes {len(sig.params)} argument(s) ({params}), "
                f"not {len(expr.args)}",
                f"for example `{expr.func}({', '.join(_EXAMPLE_ARG[p] for p in sig.params)})`",
            )
            return NUMBER
        for arg, param in zip(expr.args, sig.params, strict=True):
            if param == "length":
                if not isinstance(arg, Number) or arg.value != int(arg.value) or arg.value < 1:
                    self.out.report(
                        "TP206",
                        arg.span,
                        f"the length of `{expr.func}` must be a whole number of bars (1 or more)",
                    )
            else:
                self.number(arg, f"`{expr.func}`")
        return NUMBER

    def compare(self, expr: Compare) -> str:
        left, right = self.kind(expr.left), self.kind(expr.right)
        if SESSION in (left, right):
            other = right if left == SESSION else left
            if other not in (WORD, UNKNOWN) or expr.op not in ("==", "!="):
                self.out.report(
                    "TP209", expr.span, "compare `session` with == or != to rth, pre or post"
                )
            return BOOL
        for side, got in ((expr.left, left), (expr.right, right)):
            if got not in (NUMBER, UNKNOWN):
                self.out.report(
                    "TP209", side.span, f"`{expr.op}` compares numbers, not {_said(got)}"
                )
        return BOOL


def mentions_session(expr: Expr | None, word: str) -> bool:
    """True when a condition requires `session == word` at its top level (an `and` chain)."""
    if expr is None:
        return False
    if isinstance(expr, Logic) and expr.op == "and":
        return any(mentions_session(e, word) for e in expr.operands)
    if isinstance(expr, Compare) and expr.op == "==":
        names = {e.name for e in (expr.left, expr.right) if isinstance(e, Name)}
        return names == {"session", word}
    if isinstance(expr, TimeBetween):
        return _outside_regular_hours(expr)
    return False


def _outside_regular_hours(window: TimeBetween) -> bool:
    """`time between 16:30 and 19:00` never holds in 09:30-16:00 New York (a window that does
    not wrap past midnight and lies wholly in pre- or post-market hours)."""
    try:
        start, end = (
            int(h) * 60 + int(m) for h, m in (t.split(":") for t in (window.start, window.end))
        )
    except ValueError:
        return False
    if start > end:
        return False
    return end <= 9 * 60 + 30 or start >= 16 * 60


def _clock_problem(text: str) -> str | None:
    """What the lowering would refuse in a `time between` bound (compiler/lowering.py
    `minute_of`): HH:MM only, hours 0-23, minutes 0-59."""
    hours, colon, minutes = text.partition(":")
    if not (colon and hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        return f"`{text}` is not a time HH:MM (seconds are not used: bars close on minutes)"
    if int(hours) > 23 or int(minutes) > 59:
        return f"`{text}` is not a time of day between 00:00 and 23:59"
    return None
