"""Evaluating a plan's signal graph over a whole set of bars at once.

Why whole arrays rather than one bar at a time: an expression such as
`close crosses_above sma(close, 20) and session == rth` is evaluated for every bar in a handful of
numpy passes (each indicator is O(n), see `indicators`), before the backtest loop starts. The
loop then reads one precomputed bool per bar, with no expression tree walked, no indicator state
updated and nothing allocated per bar, which is what lets the run phase reach millions of bars a
second. Functions are looked up in `indicators.REGISTRY`, the one list of them; each also has a
step form (one closed bar in, its value out) that gives these arrays' values bit for bit, for a
live run that takes bars one at a time (`step_eval`, over the same graph).

What is evaluated is the plan's `SignalProgram` (plan/signals.py), which the compiler lowered
from the file's expressions (compiler/lowering.py): units, lengths, times of day and session
words are already resolved there, so nothing here parses or checks. Its semantics
(SEMANTICS.md section 2: signals use closed bars only):

* Every value is taken at the bar's close. `x[n]` is the value n bars earlier, NaN before the
  first bar. `bid` is the close, `ask` the close plus the spread, `hl2`/`hlc3` the usual means.
* A missing value (indicator warm-up, a window holding NaN, a division by zero) is NaN, and a
  comparison involving it is neither true nor false but unknown, as in SQL: `not` keeps it
  unknown, `and` is false if any side is false, `or` is true if any side is true. An unknown
  condition does not fire, so warm-up bars never signal, even under `not`.
* `a crosses_above b` is `a > b and a[1] <= b[1]`; `crosses_below` is `a < b and a[1] >= b[1]`.
* `session == rth` (pre, post) reads the bars' session codes. `time between 09:35 and 15:50` is
  true when the bar's timestamp, in the exchange's local time, is from 09:35 through 15:50
  inclusive (to the minute); a start after the end wraps over midnight.
* Quantities: `5 pips` and `3 ticks` are price amounts from the instrument; `$2` is 2. A percent
  is relative to the other side of `+`/`-` (`close - 0.5%` is 0.5% below the close,
  `sma(close, 50) + 1%` is 1% above the average), a plain fraction in `*` and `/`
  (`volume > sma(volume, 20) * 150%`), and a share of the bar's close anywhere else.

Results are read-only numpy arrays: float64 for numbers, bool for conditions. A node is
computed once per evaluator, and equal subexpressions are one node, so `sma(close, 20)` read by
several rules is computed once. A function of constants stays one float (its `scalar` form), as
does arithmetic on constants; the step evaluator folds exactly the same nodes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from tradeplan.core.calendar import minute_of_day
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
    SignalNode,
    SignalProgram,
    SubPennyTicks,
    inputs,
)
from tradeplan.runtime import indicators
from tradeplan.runtime.bars import BarArrays

F64 = NDArray[np.float64]
Bools = NDArray[np.bool_]
I64 = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class _Condition:
    """A three-valued condition: where `true`, where `false`, unknown where neither."""

    true: Bools
    false: Bools


_Number = F64 | float  # the `day` column, an int64 array, passes as one (vwap's anchor)
_Value = _Number | _Condition


class SeriesEvaluator:
    """Evaluates a program's nodes over one set of bars, each node once.

    `tz` is the zone `time between` reads the bars' times in: the exchange's
    (`core.instrument.exchange_timezone`), as the bars' session and day columns are."""

    def __init__(self, bars: BarArrays, program: SignalProgram, *, tz: str = "UTC") -> None:
        self.bars = bars
        self.program = program
        self.tz = tz
        self._values: list[_Value | None] = [None] * len(program.nodes)
        self._minutes: I64 | None = None

    def series(self, ref: int) -> NDArray[Any]:
        """Node `ref` at every bar: float64 for a number, bool (where it holds) for a condition."""
        value = self._value(ref)
        if isinstance(value, _Condition):
            return value.true
        full: NDArray[Any] = self._full(value)
        return full

    def condition(self, ref: int) -> Bools:
        """Where condition `ref` holds (unknown counts as not holding)."""
        value = self._value(ref)
        if not isinstance(value, _Condition):
            raise ValueError(f"node {ref} is a number, not a condition")
        return value.true

    def number(self, ref: int) -> F64:
        """Number `ref` at every bar."""
        value = self._value(ref)
        if isinstance(value, _Condition):
            raise ValueError(f"node {ref} is a condition, not a number")
        return self._full(value)

    # ----------------------------------------------------------------------------------------

    def _value(self, ref: int) -> _Value:
        """Node `ref`, computing it and the nodes it reads that are not known yet, inputs first
        (they have smaller indices, so ascending order is an order that works)."""
        known = self._values[ref]
        if known is not None:
            return known
        nodes = self.program.nodes
        wanted, stack = {ref}, [ref]
        while stack:
            for source in inputs(nodes[stack.pop()]):
                if source not in wanted and self._values[source] is None:
                    wanted.add(source)
                    stack.append(source)
        for index in sorted(wanted):
            value = self._compute(nodes[index])
            for array in _arrays(value):
                array.flags.writeable = False
            self._values[index] = value
        done = self._values[ref]
        assert done is not None
        return done

    def _get(self, ref: int) -> _Value:
        value = self._values[ref]
        assert value is not None, "inputs are computed first"
        return value

    def _num(self, ref: int) -> _Number:
        value = self._get(ref)
        assert not isinstance(value, _Condition), "the compiler gives numbers here"
        return value

    def _cond(self, ref: int) -> _Condition:
        value = self._get(ref)
        assert isinstance(value, _Condition), "the compiler gives conditions here"
        return value

    def _full(self, value: _Number) -> F64:
        if isinstance(value, np.ndarray) and value.shape == (len(self.bars),):
            return value
        constant: F64 = np.full(len(self.bars), float(value))
        constant.flags.writeable = False
        return constant

    def _compute(self, node: SignalNode) -> _Value:
        return _COMPUTE[type(node)](self, node)

    # --- one method per node kind ---------------------------------------------------------

    def _column(self, node: Column) -> _Value:
        array: F64 = getattr(self.bars, node.name)
        return array.view()  # a view: marking it read-only leaves the caller's array alone

    def _constant(self, node: Constant) -> _Value:
        return float(node.value)

    def _apply(self, node: Apply) -> _Value:
        """A function through the indicator registry: its inputs (arguments, then the bar
        columns it reads), then its lengths; a function of constants through `scalar`."""
        entry = indicators.REGISTRY[node.function]
        values = [self._num(ref) for ref in node.inputs]
        if entry.scalar is not None and all(isinstance(value, float) for value in values):
            return float(entry.scalar(*values))
        arrays = [self._full(value) for value in values]
        result: F64 = entry.batch(*arrays, *node.lengths)
        return result

    def _arithmetic(self, node: Arithmetic) -> _Value:
        left, right = self._num(node.left), self._num(node.right)
        if node.op == "+":
            return left + right
        if node.op == "-":
            return left - right
        if node.op == "*":
            return left * right
        if isinstance(left, float) and isinstance(right, float):
            return left / right if right != 0.0 else float("nan")
        if isinstance(right, float) and right != 0.0:
            return left / right  # hl2's and hlc3's halving and thirding: no zero to mask
        with np.errstate(divide="ignore", invalid="ignore"):
            quotient: F64 = np.where(np.asarray(right) == 0.0, np.nan, np.divide(left, right))
        return quotient

    def _negate(self, node: Negate) -> _Value:
        return -self._num(node.operand)

    def _sub_penny(self, node: SubPennyTicks) -> _Value:
        reference = self._num(node.reference)
        if isinstance(reference, float):
            return node.ticks * (0.01 if reference >= 1.0 else 0.0001)
        ticks: F64 = np.where(reference >= 1.0, 0.01, 0.0001)
        return node.ticks * ticks

    def _lag(self, node: Lag) -> _Value:
        value = self._get(node.source)
        if isinstance(value, _Condition):
            return _Condition(
                _shift_bools(value.true, node.bars), _shift_bools(value.false, node.bars)
            )
        shifted: F64 = indicators.shift(self._full(value), node.bars)
        return shifted

    def _comparison(self, node: Comparison) -> _Value:
        a, b = self._full(self._num(node.left)), self._full(self._num(node.right))
        known = ~(np.isnan(a) | np.isnan(b))
        holds = COMPARE[node.op](a, b)
        return _Condition(holds & known, ~holds & known)

    def _junction(self, node: Junction) -> _Value:
        parts = [self._cond(ref) for ref in node.operands]
        true, false = parts[0].true.copy(), parts[0].false.copy()
        for part in parts[1:]:
            if node.op == "and":
                true &= part.true
                false |= part.false
            else:
                true |= part.true
                false &= part.false
        return _Condition(true, false)

    def _invert(self, node: Invert) -> _Value:
        inner = self._cond(node.operand)
        return _Condition(inner.false, inner.true)

    def _in_session(self, node: InSession) -> _Value:
        holds = self.bars.session == node.code
        return _Condition(holds, ~holds)

    def _clock_window(self, node: ClockWindow) -> _Value:
        if self._minutes is None:
            self._minutes = minute_of_day(self.bars.time, self.tz)
        minutes, start, end = self._minutes, node.start, node.end
        if start <= end:
            holds = (minutes >= start) & (minutes <= end)
        else:
            holds = (minutes >= start) | (minutes <= end)
        return _Condition(holds, ~holds)


_COMPUTE: Final[dict[type[Any], Callable[[SeriesEvaluator, Any], _Value]]] = {
    Column: SeriesEvaluator._column,
    Constant: SeriesEvaluator._constant,
    Apply: SeriesEvaluator._apply,
    Arithmetic: SeriesEvaluator._arithmetic,
    Negate: SeriesEvaluator._negate,
    SubPennyTicks: SeriesEvaluator._sub_penny,
    Lag: SeriesEvaluator._lag,
    Comparison: SeriesEvaluator._comparison,
    Junction: SeriesEvaluator._junction,
    Invert: SeriesEvaluator._invert,
    InSession: SeriesEvaluator._in_session,
    ClockWindow: SeriesEvaluator._clock_window,
}
"""Each node kind's computation (a new kind without one fails at its first use, loudly)."""


def compile_series(
    program: SignalProgram, ref: int, bars: BarArrays, *, tz: str = "UTC"
) -> NDArray[Any]:
    """Node `ref` of `program` at every bar's close: float64 for a number, bool for a
    condition; `tz` is the zone `time between` reads (the exchange's)."""
    return SeriesEvaluator(bars, program, tz=tz).series(ref)


# --------------------------------------------------------------------------------------------


def _arrays(value: _Value) -> list[NDArray[Any]]:
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, _Condition):
        return [value.true, value.false]
    return []


def _shift_bools(values: Bools, bars: int) -> Bools:
    if bars == 0:
        return values
    out = np.zeros(values.size, dtype=np.bool_)
    if bars < values.size:
        out[bars:] = values[: values.size - bars]
    return out
