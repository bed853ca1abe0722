"""Evaluating a strategy's expressions over a whole set of bars at once.

Why whole arrays rather than one bar at a time: an expression such as
`close crosses_above sma(close, 20) and session == rth` is evaluated for every bar in a handful of
numpy passes (each indicator is O(n), see `indicators`), before the backtest loop starts. The
loop then reads one precomputed bool per bar, with no expression tree walked, no indicator state
updated and nothing allocated per bar, which is what lets the run phase reach millions of bars a
second. Functions are looked up in `indicators.REGISTRY`, the one list of them; each also has a
step form (one closed bar in, its value out) that gives these arrays' values bit for bit, for a
live run that takes bars one at a time (docs/indicators.md; `indicators.warmup` says how much
history it loads).

Semantics (SEMANTICS.md section 2: signals use closed bars only):

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

Results are read-only numpy arrays: float64 for numbers, bool for conditions. Equal
subexpressions (the AST compares and hashes without source spans) are computed once per
evaluator, also across several rules evaluated by one `SeriesEvaluator`.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from tradeplan.core.calendar import minute_of_day
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
from tradeplan.runtime.bars import SESSION_CODES, BarArrays
from tradeplan.runtime.indicators.entry import LANGUAGE_INPUTS

F64 = NDArray[np.float64]
Bools = NDArray[np.bool_]
I64 = NDArray[np.int64]

_COMPARE: Final[dict[str, Callable[[Any, Any], Any]]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


@dataclass(frozen=True, slots=True)
class _Condition:
    """A three-valued condition: where `true`, where `false`, unknown where neither."""

    true: Bools
    false: Bools


@dataclass(frozen=True, slots=True)
class _SessionSeries:
    """The `session` name: only meaningful compared with a session word."""


@dataclass(frozen=True, slots=True)
class _SessionWord:
    code: int


_Value = F64 | float | _Condition | _SessionSeries | _SessionWord
_Number = F64 | float


class ExpressionError(ValueError):
    """An expression the evaluator cannot compute (the compiler reports these before a run)."""


class SeriesEvaluator:
    """Evaluates expressions over one set of bars, sharing every computed subexpression."""

    def __init__(
        self, bars: BarArrays, instrument: Instrument | None = None, *, tz: str | None = None
    ) -> None:
        self.bars = bars
        self.instrument = instrument
        if tz is None:
            tz = exchange_timezone(instrument.asset_class) if instrument else "UTC"
        self.tz = tz
        self._cache: dict[Expr, _Value] = {}
        self._minutes: I64 | None = None

    def series(self, expr: Expr) -> NDArray[Any]:
        """The value of `expr` at every bar: float64 for a number, bool for a condition."""
        value = self._eval(expr)
        if isinstance(value, _Condition):
            return value.true
        if isinstance(value, _SessionSeries | _SessionWord):
            raise ExpressionError("`session` and rth/pre/post can only be compared: session == rth")
        return self._full(value)

    def condition(self, expr: Expr) -> Bools:
        """Where `expr` holds (unknown counts as not holding); refuses a number."""
        value = self._eval(expr)
        if not isinstance(value, _Condition):
            raise ExpressionError("expected a condition (true or false), got a number")
        return value.true

    def number(self, expr: Expr) -> F64:
        return self._full(self._number(expr))

    # ----------------------------------------------------------------------------------------

    def _eval(self, expr: Expr) -> _Value:
        cached = self._cache.get(expr)
        if cached is not None:
            return cached
        value = self._compute(expr)
        for array in _arrays(value):
            array.flags.writeable = False
        self._cache[expr] = value
        return value

    def _compute(self, expr: Expr) -> _Value:
        if isinstance(expr, Number):
            return float(expr.value)
        if isinstance(expr, Quantity):
            return self._quantity(expr, self.bars.close)
        if isinstance(expr, Name):
            return self._name(expr.name)
        if isinstance(expr, Index):
            return self._index(expr)
        if isinstance(expr, Call):
            return self._call(expr)
        if isinstance(expr, Unary):
            if expr.op != "-":
                raise ExpressionError(f"unknown operator `{expr.op}`")
            return -self._number(expr.operand)
        if isinstance(expr, Binary):
            return self._binary(expr)
        if isinstance(expr, Compare):
            return self._compare(expr)
        if isinstance(expr, Cross):
            return self._cross(expr)
        if isinstance(expr, Logic):
            return self._logic(expr)
        if isinstance(expr, Not):
            inner = self._condition(expr.operand)
            return _Condition(inner.false, inner.true)
        if isinstance(expr, TimeBetween):
            return self._time_between(expr)
        raise ExpressionError(f"unknown expression {type(expr).__name__}")  # pragma: no cover

    def _number(self, expr: Expr) -> _Number:
        value = self._eval(expr)
        if isinstance(value, _Condition):
            raise ExpressionError("a condition (true or false) cannot be used as a number")
        if isinstance(value, _SessionSeries | _SessionWord):
            raise ExpressionError("`session` and rth/pre/post are not numbers")
        return value

    def _condition(self, expr: Expr) -> _Condition:
        value = self._eval(expr)
        if not isinstance(value, _Condition):
            raise ExpressionError("`and`, `or` and `not` combine conditions, not numbers")
        return value

    def _full(self, value: _Number) -> F64:
        if isinstance(value, np.ndarray) and value.shape == (len(self.bars),):
            return value
        constant = np.full(len(self.bars), float(value))
        constant.flags.writeable = False
        return constant

    # ----------------------------------------------------------------------------------------

    def _name(self, name: str) -> _Value:
        bars = self.bars
        columns: dict[str, Callable[[], F64]] = {
            "open": lambda: bars.open.view(),
            "high": lambda: bars.high.view(),
            "low": lambda: bars.low.view(),
            "close": lambda: bars.close.view(),
            "bid": lambda: bars.close.view(),
            "volume": lambda: bars.volume.view(),
            "spread": lambda: bars.spread.view(),
            "ask": lambda: bars.close + bars.spread,
            "hl2": lambda: (bars.high + bars.low) / 2.0,
            "hlc3": lambda: indicators.typical_price(bars.high, bars.low, bars.close),
        }
        if name in columns:
            return columns[name]()
        if name == "session":
            return _SessionSeries()
        if name in SESSION_CODES:
            return _SessionWord(SESSION_CODES[name])
        raise ExpressionError(f"unknown name `{name}`")

    def _quantity(self, expr: Quantity, reference: _Number) -> _Number:
        """A unit amount as a price amount; `reference` is the price a percent or tick is of."""
        value = float(expr.value)
        if expr.unit == "price":
            return value
        if expr.unit == "percent":
            return reference * (value / 100.0)
        if expr.unit == "pips":
            if self.instrument is None or self.instrument.pip is None:
                raise ExpressionError("a distance in pips needs an instrument with a pip size")
            return value * float(self.instrument.pip)
        if expr.unit == "ticks":
            if self.instrument is None:
                raise ExpressionError("a distance in ticks needs the instrument's tick size")
            tick = self.instrument.tick
            if self.instrument.asset_class is AssetClass.US_STOCK and tick == PENNY:
                # US stocks below $1 trade in hundredths of a cent
                if isinstance(reference, float):
                    return value * (0.01 if reference >= 1.0 else 0.0001)
                ticks: F64 = np.where(reference >= 1.0, 0.01, 0.0001)
                return value * ticks
            return value * float(tick)
        raise ExpressionError(f"unknown unit `{expr.unit}`")

    def _index(self, expr: Index) -> _Value:
        if expr.offset < 0:
            raise ExpressionError("`[n]` looks back n bars; it cannot be negative")
        value = self._eval(expr.target)
        if isinstance(value, _Condition):
            return _Condition(
                _shift_bools(value.true, expr.offset), _shift_bools(value.false, expr.offset)
            )
        if isinstance(value, _SessionSeries | _SessionWord):
            raise ExpressionError("`session` has no history `[n]`")
        return indicators.shift(self._full(value), expr.offset)

    def _call(self, expr: Call) -> _Number:
        """A function through the indicator registry: its arguments, then the bar columns it
        reads (atr's high/low/close, vwap's hlc3/volume/day), then its lengths."""
        sig = FUNCTIONS.get(expr.func)
        entry = indicators.REGISTRY.get(expr.func)
        if sig is None or entry is None:
            raise ExpressionError(f"unknown function `{expr.func}`")
        if len(expr.args) != len(sig.params):
            raise ExpressionError(f"`{expr.func}` takes {len(sig.params)} argument(s)")
        args = iter(expr.args)
        inputs = [
            self._number(next(args)) if source in LANGUAGE_INPUTS else self._column(source)
            for source in entry.inputs
        ]
        lengths = [_length(expr.func, next(args)) for _ in entry.params]
        if entry.scalar is not None and all(isinstance(value, float) for value in inputs):
            return float(entry.scalar(*inputs))
        arrays = [self._full(value) if isinstance(value, float) else value for value in inputs]
        return entry.batch(*arrays, *lengths)

    def _column(self, source: str) -> F64 | I64:
        """A bar column an indicator reads besides its arguments."""
        if source == "day":
            return self.bars.day
        return self._full(self._number(Name(source)))

    def _binary(self, expr: Binary) -> _Number:
        left, right = self._operands(expr)
        if expr.op == "+":
            return left + right
        if expr.op == "-":
            return left - right
        if expr.op == "*":
            return left * right
        if expr.op == "/":
            if isinstance(left, float) and isinstance(right, float):
                return left / right if right != 0.0 else float("nan")
            with np.errstate(divide="ignore", invalid="ignore"):
                quotient: F64 = np.where(np.asarray(right) == 0.0, np.nan, np.divide(left, right))
            return quotient
        raise ExpressionError(f"unknown operator `{expr.op}`")

    def _operands(self, expr: Binary) -> tuple[_Number, _Number]:
        """Both sides as numbers, a quantity read against the other side (see the docstring)."""
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

    def _factor(self, expr: Expr) -> _Number:
        if isinstance(expr, Quantity) and expr.unit == "percent":
            return float(expr.value) / 100.0
        return self._number(expr)

    def _compare(self, expr: Compare) -> _Condition:
        left, right = self._eval(expr.left), self._eval(expr.right)
        words = (_SessionSeries, _SessionWord)
        if isinstance(left, words) or isinstance(right, words):
            return self._session_compare(expr.op, left, right)
        a, b = self._full(self._number(expr.left)), self._full(self._number(expr.right))
        if expr.op not in _COMPARE:
            raise ExpressionError(f"unknown comparison `{expr.op}`")
        known = ~(np.isnan(a) | np.isnan(b))
        holds = _COMPARE[expr.op](a, b)
        return _Condition(holds & known, ~holds & known)

    def _session_compare(self, op: str, left: _Value, right: _Value) -> _Condition:
        pair = (left, right) if isinstance(left, _SessionSeries) else (right, left)
        if not (isinstance(pair[0], _SessionSeries) and isinstance(pair[1], _SessionWord)):
            raise ExpressionError("compare `session` with a session word: session == rth")
        if op not in ("==", "!="):
            raise ExpressionError("compare `session` with == or !=")
        holds = self.bars.session == pair[1].code
        if op == "!=":
            holds = ~holds
        return _Condition(holds, ~holds)

    def _cross(self, expr: Cross) -> _Value:
        if expr.direction not in ("above", "below"):
            raise ExpressionError(f"unknown cross direction `{expr.direction}`")
        now, before = (">", "<=") if expr.direction == "above" else ("<", ">=")
        left, right = expr.left, expr.right
        return self._eval(
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
        parts = [self._condition(operand) for operand in expr.operands]
        true, false = parts[0].true.copy(), parts[0].false.copy()
        for part in parts[1:]:
            if expr.op == "and":
                true &= part.true
                false |= part.false
            else:
                true |= part.true
                false &= part.false
        return _Condition(true, false)

    def _time_between(self, expr: TimeBetween) -> _Condition:
        if self._minutes is None:
            self._minutes = minute_of_day(self.bars.time, self.tz)
        start, end = _minute(expr.start), _minute(expr.end)
        minutes = self._minutes
        if start <= end:
            holds = (minutes >= start) & (minutes <= end)
        else:
            holds = (minutes >= start) | (minutes <= end)
        return _Condition(holds, ~holds)


def compile_series(
    expr: Expr, bars: BarArrays, instrument: Instrument | None = None, *, tz: str | None = None
) -> NDArray[Any]:
    """`expr` at every bar's close: a float64 array for a number, a bool array for a condition.

    `instrument` gives pips and ticks to quantities in the expression and, unless `tz` names
    one, the exchange time zone (America/New_York for US stocks, UTC otherwise).
    """
    return SeriesEvaluator(bars, instrument, tz=tz).series(expr)


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


def _length(func: str, arg: Expr) -> int:
    if not isinstance(arg, Number) or arg.value != arg.value.to_integral_value() or arg.value < 1:
        raise ExpressionError(f"the length of `{func}` must be a whole number of bars (1 or more)")
    return int(arg.value)


def _minute(text: str) -> int:
    hours, _, minutes = text.partition(":")
    try:
        value = int(hours) * 60 + int(minutes)
    except ValueError:
        raise ExpressionError(f"`{text}` is not a time HH:MM") from None
    if not 0 <= value < 24 * 60 or not 0 <= int(minutes) < 60:
        raise ExpressionError(f"`{text}` is not a time of day between 00:00 and 23:59")
    return value
