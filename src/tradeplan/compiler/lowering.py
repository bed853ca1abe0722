"""Lowering expressions into the plan's signal graph (plan/signals.py), once, at compile time.

Everything the runtime used to work out while evaluating is settled here, against the
instrument: `5 pips` and `3 ticks` become price constants (a US stock's ticks depend on the price,
so they stay a node), a percent becomes `reference * fraction` (of the other side of `+`/`-`,
a plain fraction in `*` and `/`, a share of the close anywhere else), `time between 09:35 and
15:50` becomes minutes, `session == rth` a session code, `a crosses_above b` the
`a > b and a[1] <= b[1]` it means, and a function call gets its whole-bar lengths and the bar
columns it reads (`plan.vocabulary.FUNCTIONS`). The rules are runtime/evaluate.py's module
docstring, which both evaluators follow on the graph.

The compiler's checks (expressions.py) report every expression this refuses, with a file
position, before anything is lowered; a `LoweringError` from a file that checked clean is a bug
of those checks (TP901). Tests that build expressions by hand lower them with `lower` too, so
they run the graph the compiler gives.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tradeplan.core.enums import AssetClass
from tradeplan.core.instrument import PENNY, Instrument
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
from tradeplan.plan.signals import (
    COLUMNS,
    COMPARE,
    Apply,
    Arithmetic,
    ClockWindow,
    Column,
    Comparison,
    Constant,
    InSession,
    Invert,
    Junction,
    Lag,
    Negate,
    SignalNode,
    SignalProgram,
    SubPennyTicks,
    build_program,
)
from tradeplan.plan.vocabulary import FUNCTIONS, SESSION_CODES

_PRICES = tuple(column for column in COLUMNS if column != "day")  # `day` is no language name


class LoweringError(ValueError):
    """An expression that cannot be lowered (the compiler reports these before lowering)."""


@dataclass(frozen=True, slots=True)
class _Number:
    ref: int


@dataclass(frozen=True, slots=True)
class _Condition:
    ref: int


@dataclass(frozen=True, slots=True)
class _SessionName:
    """`session`: only meaningful compared with a session word."""


@dataclass(frozen=True, slots=True)
class _SessionWord:
    code: int


_Value = _Number | _Condition | _SessionName | _SessionWord


class Lowering:
    """Lowers expressions into one growing graph; equal subexpressions become one node, across
    every expression lowered by one `Lowering` (a plan's rules share theirs)."""

    def __init__(self, instrument: Instrument | None) -> None:
        self.instrument = instrument
        self._nodes: list[SignalNode] = []
        self._index: dict[object, int] = {}

    def number(self, expr: Expr) -> int:
        """The node of a number or price expression."""
        return self._number(expr)

    def node(self, expr: Expr) -> int:
        """The node of a condition or a number, whichever `expr` is."""
        value = self._lower(expr)
        if isinstance(value, _SessionName | _SessionWord):
            raise LoweringError("`session` and rth/pre/post can only be compared: session == rth")
        return value.ref

    def condition(self, expr: Expr) -> int:
        """The node of a condition (true, false or unknown)."""
        value = self._lower(expr)
        if not isinstance(value, _Condition):
            raise LoweringError("expected a condition (true or false), got a number")
        return value.ref

    def program(self) -> SignalProgram:
        return build_program(tuple(self._nodes))

    # ----------------------------------------------------------------------------------------

    def _add(self, node: SignalNode) -> int:
        # -0.0 == 0.0, but they are two constants (a sign can reach a result); hex tells them apart
        key: object = ("constant", node.value.hex()) if isinstance(node, Constant) else node
        found = self._index.get(key)
        if found is None:
            found = len(self._nodes)
            self._nodes.append(node)
            self._index[key] = found
        return found

    def _num(self, node: SignalNode) -> _Number:
        return _Number(self._add(node))

    def _cond(self, node: SignalNode) -> _Condition:
        return _Condition(self._add(node))

    def _number(self, expr: Expr) -> int:
        return _as_number(self._lower(expr))

    def _condition(self, expr: Expr) -> int:
        value = self._lower(expr)
        if not isinstance(value, _Condition):
            raise LoweringError("`and`, `or` and `not` combine conditions, not numbers")
        return value.ref

    def _lower(self, expr: Expr) -> _Value:
        if isinstance(expr, Number):
            return self._num(Constant(float(expr.value)))
        if isinstance(expr, Quantity):
            return _Number(self._quantity(expr, self._number(Name("close"))))
        if isinstance(expr, Name):
            return self._name(expr.name)
        if isinstance(expr, Index):
            return self._index_of(expr)
        if isinstance(expr, Call):
            return self._call(expr)
        if isinstance(expr, Unary):
            if expr.op != "-":
                raise LoweringError(f"unknown operator `{expr.op}`")
            return self._num(Negate(self._number(expr.operand)))
        if isinstance(expr, Binary):
            return self._binary(expr)
        if isinstance(expr, Compare):
            return self._compare(expr)
        if isinstance(expr, Cross):
            return self._cross(expr)
        if isinstance(expr, Logic):
            if expr.op not in ("and", "or") or not expr.operands:
                raise LoweringError(f"unknown logic `{expr.op}`")
            operands = tuple(self._condition(operand) for operand in expr.operands)
            return self._cond(Junction(expr.op, operands))
        if isinstance(expr, Not):
            return self._cond(Invert(self._condition(expr.operand)))
        if isinstance(expr, TimeBetween):
            return self._cond(ClockWindow(minute_of(expr.start), minute_of(expr.end)))
        raise LoweringError(f"unknown expression {type(expr).__name__}")  # pragma: no cover

    def _name(self, name: str) -> _Value:
        if name in _PRICES:
            return self._num(Column(name))
        if name == "bid":
            return self._name("close")
        if name == "ask":
            return self._num(Arithmetic("+", self._column("close"), self._column("spread")))
        if name == "hl2":
            total = self._add(Arithmetic("+", self._column("high"), self._column("low")))
            return self._num(Arithmetic("/", total, self._add(Constant(2.0))))
        if name == "hlc3":
            pair = self._add(Arithmetic("+", self._column("high"), self._column("low")))
            total = self._add(Arithmetic("+", pair, self._column("close")))
            return self._num(Arithmetic("/", total, self._add(Constant(3.0))))
        if name == "session":
            return _SessionName()
        if name in SESSION_CODES:
            return _SessionWord(int(SESSION_CODES[name]))
        raise LoweringError(f"unknown name `{name}`")

    def _column(self, name: str) -> int:
        return self._add(Column(name))

    def _quantity(self, expr: Quantity, reference: int) -> int:
        """A unit amount as a price amount; `reference` is the price a percent or tick is of."""
        value = float(expr.value)
        if expr.unit == "price":
            return self._add(Constant(value))
        if expr.unit == "percent":
            return self._add(Arithmetic("*", reference, self._add(Constant(value / 100.0))))
        if expr.unit == "pips":
            if self.instrument is None or self.instrument.pip is None:
                raise LoweringError("a distance in pips needs an instrument with a pip size")
            return self._add(Constant(value * float(self.instrument.pip)))
        if expr.unit == "ticks":
            if self.instrument is None:
                raise LoweringError("a distance in ticks needs the instrument's tick size")
            tick = self.instrument.tick
            if self.instrument.asset_class is AssetClass.US_STOCK and tick == PENNY:
                return self._add(SubPennyTicks(value, reference))  # sub-penny below $1
            return self._add(Constant(value * float(tick)))
        raise LoweringError(f"unknown unit `{expr.unit}`")

    def _index_of(self, expr: Index) -> _Value:
        if expr.offset < 0:
            raise LoweringError("`[n]` looks back n bars; it cannot be negative")
        value = self._lower(expr.target)
        if isinstance(value, _SessionName | _SessionWord):
            raise LoweringError("`session` has no history `[n]`")
        if expr.offset == 0:
            return value
        lag = self._add(Lag(value.ref, expr.offset))
        return _Condition(lag) if isinstance(value, _Condition) else _Number(lag)

    def _call(self, expr: Call) -> _Number:
        sig = FUNCTIONS.get(expr.func)
        if sig is None:
            raise LoweringError(f"unknown function `{expr.func}`")
        if len(expr.args) != len(sig.params):
            raise LoweringError(f"`{expr.func}` takes {len(sig.params)} argument(s)")
        inputs: list[int] = []
        lengths: list[int] = []
        for param, arg in zip(sig.params, expr.args, strict=True):
            if param == "length":
                lengths.append(_length(expr.func, arg))
            else:
                inputs.append(self._number(arg))
        for column in sig.columns:  # what it reads besides its arguments (atr's high/low/close)
            inputs.append(self._column("day") if column == "day" else self._number(Name(column)))
        return self._num(Apply(expr.func, tuple(inputs), tuple(lengths)))

    def _binary(self, expr: Binary) -> _Number:
        if expr.op not in ("+", "-", "*", "/"):
            raise LoweringError(f"unknown operator `{expr.op}`")
        left, right = self._operands(expr)
        return self._num(Arithmetic(expr.op, left, right))

    def _operands(self, expr: Binary) -> tuple[int, int]:
        """Both sides as numbers, a quantity read against the other side."""
        left, right = expr.left, expr.right
        if expr.op in ("*", "/"):
            return self._factor(left), self._factor(right)
        if isinstance(right, Quantity) and not isinstance(left, Quantity):
            base = self._number(left)
            return base, self._quantity(right, base)
        if isinstance(left, Quantity) and not isinstance(right, Quantity):
            base = self._number(right)
            return self._quantity(left, base), base
        return self._number(left), self._number(right)

    def _factor(self, expr: Expr) -> int:
        if isinstance(expr, Quantity) and expr.unit == "percent":
            return self._add(Constant(float(expr.value) / 100.0))
        return self._number(expr)

    def _compare(self, expr: Compare) -> _Condition:
        left, right = self._lower(expr.left), self._lower(expr.right)
        words = (_SessionName, _SessionWord)
        if isinstance(left, words) or isinstance(right, words):
            return self._session_compare(expr.op, left, right)
        if expr.op not in COMPARE:
            raise LoweringError(f"unknown comparison `{expr.op}`")
        return self._cond(Comparison(expr.op, _as_number(left), _as_number(right)))

    def _session_compare(self, op: str, left: _Value, right: _Value) -> _Condition:
        name, word = (left, right) if isinstance(left, _SessionName) else (right, left)
        if not (isinstance(name, _SessionName) and isinstance(word, _SessionWord)):
            raise LoweringError("compare `session` with a session word: session == rth")
        if op not in ("==", "!="):
            raise LoweringError("compare `session` with == or !=")
        inside = self._cond(InSession(word.code))
        return inside if op == "==" else self._cond(Invert(inside.ref))

    def _cross(self, expr: Cross) -> _Value:
        if expr.direction not in ("above", "below"):
            raise LoweringError(f"unknown cross direction `{expr.direction}`")
        now, before = (">", "<=") if expr.direction == "above" else ("<", ">=")
        left, right = expr.left, expr.right
        return self._lower(
            Logic(
                "and",
                (
                    Compare(now, left, right),
                    Compare(before, Index(left, 1), Index(right, 1)),
                ),
            )
        )


def lower(exprs: Iterable[Expr], instrument: Instrument | None) -> tuple[SignalProgram, list[int]]:
    """One program for `exprs` and each one's node: a condition's, else a number's."""
    lowering = Lowering(instrument)
    refs = [lowering.node(expr) for expr in exprs]
    return lowering.program(), refs


def _as_number(value: _Value) -> int:
    if isinstance(value, _Condition):
        raise LoweringError("a condition (true or false) cannot be used as a number")
    if isinstance(value, _SessionName | _SessionWord):
        raise LoweringError("`session` and rth/pre/post are not numbers")
    return value.ref


def _length(func: str, arg: Expr) -> int:
    if not isinstance(arg, Number) or arg.value != arg.value.to_integral_value() or arg.value < 1:
        raise LoweringError(f"the length of `{func}` must be a whole number of bars (1 or more)")
    return int(arg.value)


def minute_of(text: str) -> int:
    """`HH:MM` as minutes since midnight (compiler/expressions.py reports a malformed one)."""
    hours, _, minutes = text.partition(":")
    try:
        value = int(hours) * 60 + int(minutes)
    except ValueError:
        raise LoweringError(f"`{text}` is not a time HH:MM") from None
    if not 0 <= value < 24 * 60 or not 0 <= int(minutes) < 60:
        raise LoweringError(f"`{text}` is not a time of day between 00:00 and 23:59")
    return value
