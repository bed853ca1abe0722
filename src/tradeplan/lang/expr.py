"""The expression AST shared by `when:` conditions, order prices and the text form.

Spans are excluded from equality (`compare=False`) so that the same expression written in the
YAML form and in the text form compares equal, which is what lets both forms yield one plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tradeplan.diagnostics.model import Span

NO_SPAN = Span("<plan>", 1, 1)


def _span() -> Any:
    return field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Number:
    value: Decimal
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Quantity:
    """A number with a unit inside an expression: `5 pips`, `0.5%`, `$2.00`, `3 ticks`."""

    value: Decimal
    unit: str  # "pips" | "percent" | "price" | "ticks"
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Name:
    """A series or a word: close, open, high, low, volume, bid, ask, spread, session, rth ..."""

    name: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Index:
    """History access: `close[1]` is the previous closed bar's close."""

    target: Expr
    offset: int
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Call:
    func: str
    args: tuple[Expr, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Unary:
    op: str  # "-"
    operand: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Binary:
    op: str  # "+" | "-" | "*" | "/"
    left: Expr
    right: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Compare:
    op: str  # "<" | "<=" | ">" | ">=" | "==" | "!="
    left: Expr
    right: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Cross:
    direction: str  # "above" | "below"
    left: Expr
    right: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Logic:
    op: str  # "and" | "or"
    operands: tuple[Expr, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Not:
    operand: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class TimeBetween:
    """`time between 09:35 and 15:50`, in the instrument's exchange time zone."""

    start: str  # "HH:MM"
    end: str
    span: Span = _span()


Expr = (
    Number
    | Quantity
    | Name
    | Index
    | Call
    | Unary
    | Binary
    | Compare
    | Cross
    | Logic
    | Not
    | TimeBetween
)
