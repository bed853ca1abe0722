"""Evaluating a strategy's expressions one closed bar at a time: the live form of `evaluate`.

A live run cannot evaluate over the whole data set: bars arrive one by one, and recomputing
over a rolling window gives different signals from the backtest (a recursive indicator depends
on all of its history; a `vwap` window must reach back to the day's start). So the plan's
signal graph (plan/signals.py, lowered by the compiler) is turned once into a list of small
steps, inputs before the nodes that read them, each holding its own running state (an
indicator's step form from `indicators.REGISTRY`, the last `n` values of an `x[n]`);
`push(bar)` runs the list once. A live run first pushes the history it loaded (the plan's
`signals.warmup` bars, and the current day's for `vwap`): a recursive indicator warms up from
all of it, and gives the backtest's digits once it has had that many (docs/indicators.md).

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
from typing import Any, Final

from tradeplan.core import calendar
from tradeplan.core.enums import AssetClass
from tradeplan.core.instrument import Instrument, exchange_timezone
from tradeplan.plan.signals import (
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
    SignalProgram,
    SubPennyTicks,
)
from tradeplan.runtime import indicators

NAN: Final = math.nan


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
    """Turns a program into steps once, then evaluates every node at each `push(bar)`.

    `cell(ref)` is node `ref`'s value at the last bar pushed. The program fixes what is
    computed, so nothing is registered or checked after construction; a constant node (and any
    node of constants only, which the batch evaluator folds into one float) holds its value from
    the start and has no step."""

    def __init__(self, program: SignalProgram) -> None:
        self.program = program
        self._steps: list[Callable[[], None]] = []
        self._bar: ClosedBar | None = None
        nodes = program.nodes
        self.reads_day = any(isinstance(node, Column) and node.name == "day" for node in nodes)
        self.reads_minute = any(isinstance(node, ClockWindow) for node in nodes)
        self.reads_session = any(isinstance(node, InSession) for node in nodes)
        self._cells: list[Cell] = []
        for node in nodes:
            self._cells.append(_BUILD[type(node)](self, node))

    # --- reading ------------------------------------------------------------------------------

    def cell(self, ref: int) -> Cell:
        """Node `ref`: a float for a number; True, False or None (unknown) for a condition."""
        return self._cells[ref]

    def number(self, ref: int) -> Cell:
        cell = self._cells[ref]
        if isinstance(cell, _Condition):
            raise ValueError(f"node {ref} is a condition, not a number")
        return cell

    def condition(self, ref: int) -> Cell:
        cell = self._cells[ref]
        if not isinstance(cell, _Condition):
            raise ValueError(f"node {ref} is a number, not a condition")
        return cell

    # --- running ----------------------------------------------------------------------------

    def push(self, bar: ClosedBar) -> None:
        """Evaluate every node at `bar`, the next closed bar."""
        self._bar = bar
        for step in self._steps:
            step()

    @property
    def bar(self) -> ClosedBar:
        assert self._bar is not None, "push a bar first"
        return self._bar

    # --- building: one method per node kind --------------------------------------------------

    def _num(self, ref: int) -> _Number:
        cell = self._cells[ref]
        assert isinstance(cell, _Number), "the compiler gives numbers here"
        return cell

    def _cond(self, ref: int) -> _Condition:
        cell = self._cells[ref]
        assert isinstance(cell, _Condition), "the compiler gives conditions here"
        return cell

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

    def _column(self, node: Column) -> Cell:
        read: Callable[[ClosedBar], float] = operator.attrgetter(node.name)
        out = _Number()

        def step() -> None:
            out.value = read(self.bar)

        self._steps.append(step)
        return out

    def _constant(self, node: Constant) -> Cell:
        return _Number(float(node.value), constant=True)

    def _apply(self, node: Apply) -> Cell:
        entry = indicators.REGISTRY[node.function]
        inputs = [self._num(ref) for ref in node.inputs]
        if entry.scalar is not None and all(cell.constant for cell in inputs):
            return _Number(float(entry.scalar(*(cell.value for cell in inputs))), constant=True)
        update = entry.step(*node.lengths).update
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

    def _arithmetic(self, node: Arithmetic) -> Cell:
        return self._zip(_ARITHMETIC[node.op], self._num(node.left), self._num(node.right))

    def _negate(self, node: Negate) -> Cell:
        return self._map(operator.neg, self._num(node.operand))

    def _sub_penny(self, node: SubPennyTicks) -> Cell:
        ticks = node.ticks
        return self._map(
            lambda ref: ticks * (0.01 if ref >= 1.0 else 0.0001), self._num(node.reference)
        )

    def _lag(self, node: Lag) -> Cell:
        source = self._cells[node.source]
        size = node.bars + 1
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

    def _comparison(self, node: Comparison) -> Cell:
        a, b = self._num(node.left), self._num(node.right)
        holds = COMPARE[node.op]
        out = _Condition(None)

        def step() -> None:
            x, y = a.value, b.value
            out.value = None if x != x or y != y else holds(x, y)

        self._steps.append(step)
        return out

    def _junction(self, node: Junction) -> Cell:
        parts = tuple(self._cond(ref) for ref in node.operands)
        out = _Condition(None)
        decisive = node.op == "or"  # the value that decides: True for `or`, False for `and`

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

    def _invert(self, node: Invert) -> Cell:
        inner = self._cond(node.operand)
        out = _Condition(None)

        def step() -> None:
            value = inner.value
            out.value = None if value is None else not value

        self._steps.append(step)
        return out

    def _in_session(self, node: InSession) -> Cell:
        code = node.code
        out = _Condition(None)

        def step() -> None:
            out.value = self.bar.session == code

        self._steps.append(step)
        return out

    def _clock_window(self, node: ClockWindow) -> Cell:
        start, end = node.start, node.end
        wraps = start > end
        out = _Condition(None)

        def step() -> None:
            minute = self.bar.minute
            if wraps:
                out.value = minute >= start or minute <= end
            else:
                out.value = start <= minute <= end

        self._steps.append(step)
        return out


_BUILD: Final[dict[type[Any], Callable[[StepEvaluator, Any], Cell]]] = {
    Column: StepEvaluator._column,
    Constant: StepEvaluator._constant,
    Apply: StepEvaluator._apply,
    Arithmetic: StepEvaluator._arithmetic,
    Negate: StepEvaluator._negate,
    SubPennyTicks: StepEvaluator._sub_penny,
    Lag: StepEvaluator._lag,
    Comparison: StepEvaluator._comparison,
    Junction: StepEvaluator._junction,
    Invert: StepEvaluator._invert,
    InSession: StepEvaluator._in_session,
    ClockWindow: StepEvaluator._clock_window,
}
"""Each node kind's step (see `evaluate._COMPUTE`, the batch counterpart of each)."""


def _divide(left: float, right: float) -> float:
    """The batch evaluator's division: NaN for a zero divisor, IEEE otherwise."""
    return NAN if right == 0.0 else left / right


_ARITHMETIC: Final[dict[str, Callable[[float, float], float]]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": _divide,
}
