"""Evaluating a strategy's expressions one closed bar at a time: the live form of `evaluate`.

A live run cannot evaluate over the whole data set: bars arrive one by one, and recomputing
over a rolling window gives different signals from the backtest (a recursive indicator depends
on all of its history; a `vwap` window must reach back to the day's start). So the expression
tree is compiled once into a list of small steps, children before parents, each holding its
own running state (an indicator's step form from `indicators.REGISTRY`, the last `n` values
of an `x[n]`); `push(bar)` runs the list once.

The contract is `evaluate.SeriesEvaluator`'s, bar for bar and bit for bit: every value a step
produces after bars `0..t` is the float (or the three-valued condition) the batch evaluator
gives at bar `t`. Each step therefore repeats the batch form's float operations in the same
order, folds constants where the batch does (a function of constants through its `scalar`
form), and treats a missing value the same way (NaN in a comparison is unknown; unknown never
fires). `tests/runtime/test_step_eval.py` holds that over generated expressions and bars, and
the streaming backtest (`backtest.stream`) over whole strategies.
"""

from __future__ import annotations

import math
import operator
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from tradeplan.core import calendar
from tradeplan.core.enums import AssetClass
from tradeplan.core.instrument import PENNY, Instrument, exchange_timezone
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
from tradeplan.plan.vocabulary import FUNCTIONS
from tradeplan.runtime import indicators
from tradeplan.runtime.bars import SESSION_CODES
from tradeplan.runtime.evaluate import ExpressionError, _length, _minute
from tradeplan.runtime.indicators.entry import LANGUAGE_INPUTS

NAN: Final = math.nan

_COMPARE: Final[dict[str, Callable[[float, float], bool]]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


@dataclass(frozen=True, slots=True)
class ClosedBar:
    """One closed bar as the evaluator reads it (floats for analytics, like `BarArrays`).

    `session` is its `UsSession` code (0 off US stocks), `day` the local calendar day that
    anchors `vwap`, `minute` the local minute of the day `time between` reads: the calendar
    (`core.calendar`) gives all three from the bar's time (`StepBars` does it live)."""

    time: int  # epoch seconds, the bar's stamp (usually its opening time)
    open: float
    high: float
    low: float
    close: float
    volume: float
    spread: float
    session: int = 0
    day: int = 0
    minute: int = 0


class Cell:
    """One node's value at the last bar pushed: a float, or a condition as True/False/None."""

    __slots__ = ("value",)

    def __init__(self, value: float | bool | None = NAN) -> None:
        self.value: float | bool | None = value


class _Number(Cell):
    """A number node; `constant` when the batch evaluator would fold it into one float."""

    __slots__ = ("constant",)

    def __init__(self, value: float = NAN, *, constant: bool = False) -> None:
        super().__init__(value)
        self.constant = constant


class _Condition(Cell):
    """A condition: True, False, or None for unknown (a missing value was compared)."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class _SessionName:
    """`session`: only meaningful compared with a session word."""


@dataclass(frozen=True, slots=True)
class _SessionWord:
    code: int


_Node = _Number | _Condition | _SessionName | _SessionWord


def bar_facts(second: int, instrument: Instrument) -> tuple[int, int, int]:
    """(session code, local day, local minute of the day) of a bar stamped `second`, from the
    one calendar, as `BarArrays` has them for the backtest: the session on US stocks only (0
    elsewhere), the day and minute in the exchange's time zone."""
    tz = exchange_timezone(instrument.asset_class)
    local = calendar.local_second(second, tz)
    us_stock = instrument.asset_class is AssetClass.US_STOCK
    if us_stock and tz != calendar.NEW_YORK:  # pragma: no cover - US stocks trade in New York
        raise ValueError(f"a US stock's exchange zone is {calendar.NEW_YORK}, not {tz}")
    session = int(calendar.us_session_at_local(local)) if us_stock else 0
    day, of_day = divmod(local, calendar.SECONDS_PER_DAY)
    return session, day, of_day // 60


class StepEvaluator:
    """Compiles expressions into steps once, then evaluates them at each `push(bar)`.

    Register every expression first (`number`, `condition`), then push bars; a cell's `value`
    is the expression at the last bar pushed. Equal subexpressions share one node, across all
    the expressions registered, as in the batch evaluator."""

    def __init__(self, instrument: Instrument | None = None, *, tz: str | None = None) -> None:
        self.instrument = instrument
        if tz is None:
            tz = exchange_timezone(instrument.asset_class) if instrument else "UTC"
        self.tz = tz
        self._nodes: dict[Expr, _Node] = {}
        self._steps: list[Callable[[], None]] = []
        self._bar: ClosedBar | None = None
        self._pushed = False
        self.reads_day = False
        self.reads_minute = False
        self.reads_session = False

    # --- registering ----------------------------------------------------------------------

    def number(self, expr: Expr) -> Cell:
        """A cell holding `expr`'s value (a float) after each push."""
        return self._as_number(expr)

    def condition(self, expr: Expr) -> Cell:
        """A cell holding whether `expr` holds: True, False, or None (unknown: does not fire)."""
        node = self._node(expr)
        if not isinstance(node, _Condition):
            raise ExpressionError("expected a condition (true or false), got a number")
        return node

    # --- running ----------------------------------------------------------------------------

    def push(self, bar: ClosedBar) -> None:
        """Evaluate every registered expression at `bar`, the next closed bar."""
        self._bar = bar
        self._pushed = True
        for step in self._steps:
            step()

    @property
    def bar(self) -> ClosedBar:
        assert self._bar is not None, "push a bar first"
        return self._bar

    # --- compiling ----------------------------------------------------------------------------

    def _node(self, expr: Expr) -> _Node:
        if self._pushed:
            raise RuntimeError("register every expression before the first bar is pushed")
        found = self._nodes.get(expr)
        if found is None:
            found = self._compile(expr)
            self._nodes[expr] = found
        return found

    def _as_number(self, expr: Expr) -> _Number:
        node = self._node(expr)
        if isinstance(node, _Condition):
            raise ExpressionError("a condition (true or false) cannot be used as a number")
        if isinstance(node, _SessionName | _SessionWord):
            raise ExpressionError("`session` and rth/pre/post are not numbers")
        return node

    def _as_condition(self, expr: Expr) -> _Condition:
        node = self._node(expr)
        if not isinstance(node, _Condition):
            raise ExpressionError("`and`, `or` and `not` combine conditions, not numbers")
        return node

    def _compile(self, expr: Expr) -> _Node:
        if isinstance(expr, Number):
            return _Number(float(expr.value), constant=True)
        if isinstance(expr, Quantity):
            return self._quantity(expr, self._as_number(Name("close")))
        if isinstance(expr, Name):
            return self._name(expr.name)
        if isinstance(expr, Index):
            return self._index(expr)
        if isinstance(expr, Call):
            return self._call(expr)
        if isinstance(expr, Unary):
            if expr.op != "-":
                raise ExpressionError(f"unknown operator `{expr.op}`")
            operand = self._as_number(expr.operand)
            return self._map(lambda a: -a, operand)
        if isinstance(expr, Binary):
            return self._binary(expr)
        if isinstance(expr, Compare):
            return self._compare(expr)
        if isinstance(expr, Cross):
            return self._cross(expr)
        if isinstance(expr, Logic):
            return self._logic(expr)
        if isinstance(expr, Not):
            return self._not(self._as_condition(expr.operand))
        if isinstance(expr, TimeBetween):
            return self._time_between(expr)
        raise ExpressionError(f"unknown expression {type(expr).__name__}")  # pragma: no cover

    def _map(self, function: Callable[[float], float], source: _Number) -> _Number:
        if source.constant:
            assert isinstance(source.value, float)
            return _Number(function(source.value), constant=True)
        out = _Number()

        def step() -> None:
            out.value = function(source.value)  # type: ignore[arg-type]

        self._steps.append(step)
        return out

    def _zip(
        self, function: Callable[[float, float], float], left: _Number, right: _Number
    ) -> _Number:
        if left.constant and right.constant:
            return _Number(function(left.value, right.value), constant=True)  # type: ignore[arg-type]
        out = _Number()

        def step() -> None:
            out.value = function(left.value, right.value)  # type: ignore[arg-type]

        self._steps.append(step)
        return out

    def _column(self, read: Callable[[ClosedBar], float]) -> _Number:
        out = _Number()

        def step() -> None:
            out.value = read(self.bar)

        self._steps.append(step)
        return out

    def _name(self, name: str) -> _Node:
        columns: dict[str, Callable[[ClosedBar], float]] = {
            "open": lambda bar: bar.open,
            "high": lambda bar: bar.high,
            "low": lambda bar: bar.low,
            "close": lambda bar: bar.close,
            "volume": lambda bar: bar.volume,
            "spread": lambda bar: bar.spread,
        }
        if name in columns:
            return self._column(columns[name])
        if name == "bid":
            return self._as_number(Name("close"))
        if name == "ask":
            return self._zip(operator.add, self._as_number(Name("close")), self._spread())
        if name == "hl2":
            high, low = self._as_number(Name("high")), self._as_number(Name("low"))
            return self._zip(lambda h, lo: (h + lo) / 2.0, high, low)
        if name == "hlc3":
            high, low = self._as_number(Name("high")), self._as_number(Name("low"))
            close = self._as_number(Name("close"))
            out = _Number()

            def step() -> None:
                out.value = (high.value + low.value + close.value) / 3.0  # type: ignore[operator]

            self._steps.append(step)
            return out
        if name == "session":
            return _SessionName()
        if name in SESSION_CODES:
            return _SessionWord(int(SESSION_CODES[name]))
        raise ExpressionError(f"unknown name `{name}`")

    def _spread(self) -> _Number:
        return self._as_number(Name("spread"))

    def _quantity(self, expr: Quantity, reference: _Number) -> _Number:
        """A unit amount as a price amount (`SeriesEvaluator._quantity`, one bar at a time)."""
        value = float(expr.value)
        if expr.unit == "price":
            return _Number(value, constant=True)
        if expr.unit == "percent":
            fraction = value / 100.0
            return self._map(lambda ref: ref * fraction, reference)
        if expr.unit == "pips":
            if self.instrument is None or self.instrument.pip is None:
                raise ExpressionError("a distance in pips needs an instrument with a pip size")
            return _Number(value * float(self.instrument.pip), constant=True)
        if expr.unit == "ticks":
            if self.instrument is None:
                raise ExpressionError("a distance in ticks needs the instrument's tick size")
            tick = self.instrument.tick
            if self.instrument.asset_class is AssetClass.US_STOCK and tick == PENNY:
                return self._map(lambda ref: value * (0.01 if ref >= 1.0 else 0.0001), reference)
            return _Number(value * float(tick), constant=True)
        raise ExpressionError(f"unknown unit `{expr.unit}`")

    def _index(self, expr: Index) -> _Node:
        if expr.offset < 0:
            raise ExpressionError("`[n]` looks back n bars; it cannot be negative")
        source = self._node(expr.target)
        if isinstance(source, _SessionName | _SessionWord):
            raise ExpressionError("`session` has no history `[n]`")
        if expr.offset == 0:
            return source
        size = expr.offset + 1
        history: deque[float | bool | None] = deque(maxlen=size)
        out: _Number | _Condition
        if isinstance(source, _Condition):
            out, missing = _Condition(None), None
        else:
            out, missing = _Number(), NAN

        def step() -> None:
            history.append(source.value)
            out.value = history[0] if len(history) == size else missing

        self._steps.append(step)
        return out

    def _call(self, expr: Call) -> _Number:
        sig = FUNCTIONS.get(expr.func)
        entry = indicators.REGISTRY.get(expr.func)
        if sig is None or entry is None:
            raise ExpressionError(f"unknown function `{expr.func}`")
        if len(expr.args) != len(sig.params):
            raise ExpressionError(f"`{expr.func}` takes {len(sig.params)} argument(s)")
        args = iter(expr.args)
        inputs: list[Cell] = []
        for source in entry.inputs:
            if source in LANGUAGE_INPUTS:
                inputs.append(self._as_number(next(args)))
            elif source == "day":
                inputs.append(self._day())
            else:
                inputs.append(self._as_number(Name(source)))
        lengths = [_length(expr.func, next(args)) for _ in entry.params]
        constant = all(isinstance(cell, _Number) and cell.constant for cell in inputs)
        if entry.scalar is not None and constant:
            return _Number(float(entry.scalar(*(cell.value for cell in inputs))), constant=True)
        update = entry.step(*lengths).update
        out = _Number()
        if len(inputs) == 1:
            (only,) = inputs

            def step_one() -> None:
                out.value = update(only.value)

            self._steps.append(step_one)
            return out

        def step() -> None:
            out.value = update(*(cell.value for cell in inputs))

        self._steps.append(step)
        return out

    def _day(self) -> Cell:
        self.reads_day = True
        out = Cell(0)

        def step() -> None:
            out.value = self.bar.day

        self._steps.append(step)
        return out

    def _binary(self, expr: Binary) -> _Number:
        left, right = self._operands(expr)
        if expr.op == "+":
            return self._zip(operator.add, left, right)
        if expr.op == "-":
            return self._zip(operator.sub, left, right)
        if expr.op == "*":
            return self._zip(operator.mul, left, right)
        if expr.op == "/":
            return self._zip(_divide, left, right)
        raise ExpressionError(f"unknown operator `{expr.op}`")

    def _operands(self, expr: Binary) -> tuple[_Number, _Number]:
        left, right = expr.left, expr.right
        if expr.op in ("*", "/"):
            return self._factor(left), self._factor(right)
        if isinstance(right, Quantity) and not isinstance(left, Quantity):
            base = self._as_number(left)
            return base, self._quantity(right, base)
        if isinstance(left, Quantity) and not isinstance(right, Quantity):
            base = self._as_number(right)
            return self._quantity(left, base), base
        return self._as_number(left), self._as_number(right)

    def _factor(self, expr: Expr) -> _Number:
        if isinstance(expr, Quantity) and expr.unit == "percent":
            return _Number(float(expr.value) / 100.0, constant=True)
        return self._as_number(expr)

    def _compare(self, expr: Compare) -> _Condition:
        left, right = self._node(expr.left), self._node(expr.right)
        words = (_SessionName, _SessionWord)
        if isinstance(left, words) or isinstance(right, words):
            return self._session_compare(expr.op, left, right)
        a, b = self._as_number(expr.left), self._as_number(expr.right)
        holds = _COMPARE.get(expr.op)
        if holds is None:
            raise ExpressionError(f"unknown comparison `{expr.op}`")
        out = _Condition(None)

        def step() -> None:
            x, y = a.value, b.value
            out.value = None if x != x or y != y else holds(x, y)  # type: ignore[arg-type]

        self._steps.append(step)
        return out

    def _session_compare(self, op: str, left: _Node, right: _Node) -> _Condition:
        pair = (left, right) if isinstance(left, _SessionName) else (right, left)
        name, word = pair
        if not (isinstance(name, _SessionName) and isinstance(word, _SessionWord)):
            raise ExpressionError("compare `session` with a session word: session == rth")
        if op not in ("==", "!="):
            raise ExpressionError("compare `session` with == or !=")
        self.reads_session = True
        code, equal = word.code, op == "=="
        out = _Condition(None)

        def step() -> None:
            out.value = (self.bar.session == code) is equal

        self._steps.append(step)
        return out

    def _cross(self, expr: Cross) -> _Node:
        if expr.direction not in ("above", "below"):
            raise ExpressionError(f"unknown cross direction `{expr.direction}`")
        now, before = (">", "<=") if expr.direction == "above" else ("<", ">=")
        left, right = expr.left, expr.right
        return self._node(
            Logic(
                "and",
                (
                    Compare(now, left, right),
                    Compare(before, Index(left, 1), Index(right, 1)),
                ),
            )
        )

    def _logic(self, expr: Logic) -> _Condition:
        if expr.op not in ("and", "or") or not expr.operands:
            raise ExpressionError(f"unknown logic `{expr.op}`")
        parts = tuple(self._as_condition(operand) for operand in expr.operands)
        out = _Condition(None)
        decisive = expr.op == "or"  # the value that decides: True for `or`, False for `and`

        def step() -> None:
            result: bool | None = not decisive
            for part in parts:
                value = part.value
                if value is decisive:
                    result = decisive
                    break
                if value is None:
                    result = None
            out.value = result

        self._steps.append(step)
        return out

    def _not(self, inner: _Condition) -> _Condition:
        out = _Condition(None)

        def step() -> None:
            value = inner.value
            out.value = None if value is None else not value

        self._steps.append(step)
        return out

    def _time_between(self, expr: TimeBetween) -> _Condition:
        start, end = _minute(expr.start), _minute(expr.end)
        self.reads_minute = True
        out = _Condition(None)
        wraps = start > end

        def step() -> None:
            minute = self.bar.minute
            if wraps:
                out.value = minute >= start or minute <= end
            else:
                out.value = start <= minute <= end

        self._steps.append(step)
        return out


def _divide(left: float, right: float) -> float:
    """The batch evaluator's division: NaN for a zero divisor, IEEE otherwise."""
    return NAN if right == 0.0 else left / right
