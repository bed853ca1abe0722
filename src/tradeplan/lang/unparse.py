"""Expression AST -> source text, with only the parentheses precedence needs."""

from __future__ import annotations

from tradeplan.core.money import fmt_decimal
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

_PREC = {"or": 1, "and": 2, "not": 3, "cmp": 4, "+": 5, "-": 5, "*": 6, "/": 6, "unary": 7}
_UNIT = {"pips": " pips", "percent": "%", "ticks": " ticks"}


def _prec(expr: Expr) -> int:
    if isinstance(expr, Logic):
        return _PREC[expr.op]
    if isinstance(expr, Not):
        return _PREC["not"]
    if isinstance(expr, Compare | Cross | TimeBetween):
        return _PREC["cmp"]
    if isinstance(expr, Binary):
        return _PREC[expr.op]
    if isinstance(expr, Unary):
        return _PREC["unary"]
    return 9


def _wrap(expr: Expr, minimum: int) -> str:
    text = unparse(expr)
    return f"({text})" if _prec(expr) < minimum else text


def unparse(expr: Expr) -> str:
    if isinstance(expr, Number):
        return fmt_decimal(expr.value) if expr.value == expr.value.normalize() else str(expr.value)
    if isinstance(expr, Quantity):
        if expr.unit == "price":
            return f"${expr.value}"
        return f"{expr.value}{_UNIT.get(expr.unit, ' ' + expr.unit)}"
    if isinstance(expr, Name):
        return expr.name
    if isinstance(expr, Index):
        return f"{_wrap(expr.target, 9)}[{expr.offset}]"
    if isinstance(expr, Call):
        return f"{expr.func}({', '.join(unparse(a) for a in expr.args)})"
    if isinstance(expr, Unary):
        return f"-{_wrap(expr.operand, _PREC['unary'])}"
    if isinstance(expr, Binary):
        p = _PREC[expr.op]
        return f"{_wrap(expr.left, p)} {expr.op} {_wrap(expr.right, p + 1)}"
    if isinstance(expr, Compare):
        p = _PREC["cmp"] + 1
        return f"{_wrap(expr.left, p)} {expr.op} {_wrap(expr.right, p)}"
    if isinstance(expr, Cross):
        p = _PREC["cmp"] + 1
        return f"{_wrap(expr.left, p)} crosses_{expr.direction} {_wrap(expr.right, p)}"
    if isinstance(expr, Logic):
        p = _PREC[expr.op] + 1
        return f" {expr.op} ".join(_wrap(o, p) for o in expr.operands)
    if isinstance(expr, Not):
        return f"not {_wrap(expr.operand, _PREC['not'])}"
    if isinstance(expr, TimeBetween):
        return f"time between {expr.start} and {expr.end}"
    raise TypeError(f"unknown expression node {type(expr).__name__}")  # pragma: no cover
