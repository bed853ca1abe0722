"""Whole-array expression evaluation: exact hand-made cases, and agreement with a naive evaluator
that walks the expression once per bar (written below) on generated expressions and bars.

Expressions are built here as the parser builds them and lowered by the compiler's lowering
(compiler/lowering.py) into the signal graph the evaluator runs, as a compiled plan's are."""

from __future__ import annotations

import dataclasses
import math
import operator
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from indicator_reference import REFERENCES, ref_atr, ref_vwap

from tradeplan.compiler.lowering import Lowering, LoweringError, lower
from tradeplan.core.instrument import Instrument, default_instrument, exchange_timezone
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
from tradeplan.plan.signals import Apply
from tradeplan.plan.vocabulary import SERIES
from tradeplan.runtime import indicators
from tradeplan.runtime.bars import BarArrays
from tradeplan.runtime.evaluate import SeriesEvaluator

NAN = math.nan
NEW_YORK = "America/New_York"
USDJPY = default_instrument("USD/JPY")
AAPL = default_instrument("US.AAPL")
CLOSE = Name("close")


def num(value: float | str) -> Number:
    return Number(Decimal(str(value)))


def call(func: str, *args: Expr) -> Call:
    return Call(func, tuple(args))


def sma(series: Expr, n: int) -> Call:
    return call("sma", series, num(n))


def compile_series(
    expr: Expr, bars: BarArrays, instrument: Instrument | None = None, *, tz: str | None = None
) -> np.ndarray[Any, Any]:
    """`expr` at every bar, as a plan runs it: lowered against `instrument`, then evaluated
    with the time zone of its exchange unless `tz` names one (UTC without an instrument)."""
    program, (ref,) = lower([expr], instrument)
    if tz is None:
        tz = exchange_timezone(instrument.asset_class) if instrument else "UTC"
    return SeriesEvaluator(bars, program, tz=tz).series(ref)


def epoch(*parts: int) -> int:
    return int(datetime(*parts, tzinfo=UTC).timestamp())  # type: ignore[misc]


def closes(*values: float) -> BarArrays:
    return BarArrays.from_arrays(list(values))


def signals(result: np.ndarray[Any, Any]) -> list[int]:
    assert result.dtype == np.bool_
    return np.flatnonzero(result).tolist()


# --------------------------------------------------------------------------------------------
# Exact cases


def test_cross_detection_on_a_hand_made_series() -> None:
    bars = closes(1, 2, 3, 2, 1, 2, 2.5, 3)
    assert signals(compile_series(Cross("above", CLOSE, num(2.5)), bars)) == [2, 7]
    assert signals(compile_series(Cross("below", CLOSE, num(1.5)), bars)) == [4]
    # touching the level and leaving it counts once the previous bar was at or below it
    assert signals(compile_series(Cross("above", CLOSE, num(2)), bars)) == [2, 6]


def test_crossing_a_moving_average() -> None:
    bars = closes(5, 4, 3, 2, 3, 4, 5)
    # sma(close, 3): nan nan 4 3 2.666.. 3 4; close > sma from bar 4 on, first at bar 4
    assert signals(compile_series(Cross("above", CLOSE, sma(CLOSE, 3)), bars)) == [4]


def test_history_shift_pads_with_missing_values() -> None:
    result = compile_series(Index(CLOSE, 2), closes(1, 2, 3, 4))
    np.testing.assert_array_equal(result, [NAN, NAN, 1.0, 2.0])
    assert signals(compile_series(Compare(">", CLOSE, Index(CLOSE, 1)), closes(1, 2, 2, 3))) == [
        1,
        3,
    ]


def test_nan_warm_up_produces_no_signal_even_under_not() -> None:
    bars = closes(1, 2, 3, 4, 5, 6)
    above = Compare(">", CLOSE, sma(CLOSE, 4))
    assert signals(compile_series(above, bars)) == [3, 4, 5]
    assert signals(compile_series(Not(above), bars)) == []  # unknown stays unknown
    assert signals(compile_series(Logic("or", (above, Not(above))), bars)) == [3, 4, 5]
    # a cross needs the average on the bar before too: bar 3 has no sma[1]
    rising = closes(4, 3, 2, 1, 9, 9)
    assert signals(compile_series(Cross("above", CLOSE, sma(CLOSE, 4)), rising)) == [4]
    assert signals(compile_series(Cross("above", CLOSE, sma(CLOSE, 5)), rising)) == []


def test_and_is_false_when_any_side_is_false_even_if_another_is_unknown() -> None:
    bars = closes(3, 2, 1)
    unknown = Compare(">", CLOSE, sma(CLOSE, 3))  # unknown on bars 0 and 1, false on bar 2
    false = Compare("<", CLOSE, num(0))
    assert signals(compile_series(Not(Logic("and", (unknown, false))), bars)) == [0, 1, 2]
    assert signals(compile_series(Not(Logic("or", (unknown, false))), bars)) == [2]


def test_not_equal_with_a_missing_value_is_not_true() -> None:
    bars = closes(1, 2, 3)
    assert signals(compile_series(Compare("!=", CLOSE, sma(CLOSE, 2)), bars)) == [1, 2]


def test_division_by_zero_is_missing() -> None:
    bars = BarArrays.from_arrays([1.0, 2.0], open=[1.0, 1.0])
    ratio = Binary("/", num(1), Binary("-", CLOSE, Name("open")))
    np.testing.assert_array_equal(compile_series(ratio, bars), [NAN, 1.0])
    assert signals(compile_series(Compare(">", ratio, num(0)), bars)) == [1]


def us_bars(times: Sequence[int], close: Sequence[float] | None = None) -> BarArrays:
    prices = list(close) if close is not None else [1.0] * len(times)
    return BarArrays.from_arrays(prices, time=list(times), tz=NEW_YORK, us_sessions=True)


def test_session_filtering() -> None:
    # Monday 2024-07-01 (EDT): 12:00 UTC pre, 14:00 rth, 21:00 post, 02:00 next day closed
    times = [
        epoch(2024, 7, 1, 12),
        epoch(2024, 7, 1, 14),
        epoch(2024, 7, 1, 21),
        epoch(2024, 7, 2, 2),
    ]
    bars = us_bars(times, [10, 11, 12, 13])
    session = Name("session")
    rth = Compare("==", session, Name("rth"))
    assert signals(compile_series(rth, bars, AAPL)) == [1]
    assert signals(compile_series(Compare("==", Name("pre"), session), bars, AAPL)) == [0]
    assert signals(compile_series(Compare("==", session, Name("post")), bars, AAPL)) == [2]
    assert signals(compile_series(Compare("!=", session, Name("rth")), bars, AAPL)) == [0, 2, 3]
    entry = Logic("and", (Compare(">", CLOSE, num(10)), rth))
    assert signals(compile_series(entry, bars, AAPL)) == [1]


def test_time_between_uses_new_york_time_across_dst() -> None:
    # 13:40 UTC: 08:40 EST before the switch, 09:40 EDT after; 20:45 UTC: 15:45 EST, 16:45 EDT
    times = [
        epoch(2024, 3, 8, 13, 40),
        epoch(2024, 3, 11, 13, 40),
        epoch(2024, 3, 8, 20, 45),
        epoch(2024, 3, 11, 20, 45),
        epoch(2024, 11, 1, 13, 40),  # EDT: 09:40
        epoch(2024, 11, 4, 13, 40),  # EST: 08:40
    ]
    window = TimeBetween("09:35", "15:50")
    assert signals(compile_series(window, us_bars(times), AAPL)) == [1, 2, 4]
    # the same bars read in UTC (no instrument, no zone): 13:40 and 20:45 are outside
    assert signals(compile_series(window, us_bars(times))) == [0, 1, 4, 5]
    assert signals(compile_series(window, us_bars(times), tz="UTC")) == [0, 1, 4, 5]


def test_time_between_is_inclusive_to_the_minute_and_wraps_over_midnight() -> None:
    day = epoch(2024, 1, 2)
    times = [day + 60 * m for m in (9 * 60 + 34, 9 * 60 + 35, 15 * 60 + 50, 15 * 60 + 51)]
    bars = BarArrays.from_arrays([1.0] * 4, time=[t + 59 for t in times])
    assert signals(compile_series(TimeBetween("09:35", "15:50"), bars)) == [1, 2]
    late = BarArrays.from_arrays([1.0] * 3, time=[day + 23 * 3600, day + 3 * 3600, day + 3600])
    assert signals(compile_series(TimeBetween("22:00", "02:00"), late)) == [0, 2]


def test_quantities_in_pips_percent_price_and_ticks() -> None:
    bars = closes(110.0, 100.0)
    minus_pips = compile_series(Binary("-", CLOSE, Quantity(Decimal(5), "pips")), bars, USDJPY)
    np.testing.assert_allclose(minus_pips, [109.95, 99.95])
    minus_pct = compile_series(Binary("-", CLOSE, Quantity(Decimal("0.5"), "percent")), bars)
    np.testing.assert_allclose(minus_pct, [109.45, 99.5])
    pct_first = Binary("+", Quantity(Decimal(10), "percent"), CLOSE)
    np.testing.assert_allclose(compile_series(pct_first, bars), [121.0, 110.0])
    scaled = Binary("*", CLOSE, Quantity(Decimal(150), "percent"))
    np.testing.assert_allclose(compile_series(scaled, bars), [165.0, 150.0])
    alone = compile_series(Quantity(Decimal(1), "percent"), bars)  # 1% of the close
    np.testing.assert_allclose(alone, [1.1, 1.0])
    dollars = Binary("-", CLOSE, Quantity(Decimal("2.00"), "price"))
    np.testing.assert_allclose(compile_series(dollars, bars), [108.0, 98.0])
    ticks = compile_series(Binary("-", CLOSE, Quantity(Decimal(3), "ticks")), bars, USDJPY)
    np.testing.assert_allclose(ticks, [109.997, 99.997])


def test_us_stock_ticks_are_sub_penny_below_one_dollar() -> None:
    bars = closes(0.5, 2.0)
    ticks = compile_series(Binary("+", CLOSE, Quantity(Decimal(2), "ticks")), bars, AAPL)
    np.testing.assert_allclose(ticks, [0.5002, 2.02])
    constant = Binary("-", num(0.5), Quantity(Decimal(3), "ticks"))
    np.testing.assert_allclose(compile_series(constant, bars, AAPL), [0.4997, 0.4997])


def test_empty_and_single_bar_sets() -> None:
    rule = Logic(
        "and",
        (
            Cross("above", CLOSE, call("ema", CLOSE, num(3))),
            Compare("==", Name("session"), Name("rth")),
            TimeBetween("09:35", "15:50"),
            Compare(">", call("vwap"), call("atr", num(2))),
        ),
    )
    for size in (0, 1):
        bars = BarArrays.from_arrays([1.0] * size, volume=[1.0] * size, us_sessions=True)
        assert compile_series(rule, bars, AAPL).tolist() == [False] * size
        assert compile_series(num(2), bars).tolist() == [2.0] * size


def test_pips_need_an_instrument_with_a_pip() -> None:
    expr = Binary("-", CLOSE, Quantity(Decimal(5), "pips"))
    with pytest.raises(LoweringError, match="pip"):
        compile_series(expr, closes(1.0))
    with pytest.raises(LoweringError, match="pip"):
        compile_series(expr, closes(1.0), AAPL)


def test_price_series_names() -> None:
    bars = BarArrays.from_arrays(
        [10.0], open=[9.0], high=[12.0], low=[8.0], volume=[100.0], spread=[0.5]
    )
    values = {name: float(compile_series(Name(name), bars)[0]) for name in SERIES}
    assert values == {
        "open": 9.0,
        "high": 12.0,
        "low": 8.0,
        "close": 10.0,
        "volume": 100.0,
        "bid": 10.0,
        "ask": 10.5,
        "spread": 0.5,
        "hl2": 10.0,
        "hlc3": 10.0,
    }


def test_functions_without_series_arguments() -> None:
    bars = BarArrays.from_arrays(
        [10.0, 11.0, 12.0],
        high=[10.5, 11.5, 12.5],
        low=[9.5, 10.5, 11.5],
        volume=[1.0, 1.0, 2.0],
        day=[0, 0, 1],
    )
    np.testing.assert_allclose(compile_series(call("atr", num(1)), bars), [NAN, 1.5, 1.5])
    np.testing.assert_allclose(compile_series(call("vwap"), bars), [10.0, 10.5, 12.0])
    np.testing.assert_allclose(compile_series(call("abs", Unary("-", CLOSE)), bars), [10, 11, 12])
    np.testing.assert_allclose(compile_series(call("min", CLOSE, num(11)), bars), [10, 11, 11])
    np.testing.assert_allclose(compile_series(call("max", num(1), num(2)), bars), [2, 2, 2])


def test_numbers_are_float_arrays_as_long_as_the_bars_and_read_only() -> None:
    bars = closes(1, 2, 3)
    result = compile_series(num(7), bars)
    assert result.dtype == np.float64 and result.tolist() == [7.0, 7.0, 7.0]
    close = compile_series(CLOSE, bars)
    with pytest.raises(ValueError, match="read-only"):
        close[0] = 5.0
    assert bars.close.flags.writeable  # the caller's arrays stay writable


def test_equal_subexpressions_are_computed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = indicators.REGISTRY["sma"]

    def counting(values: Any, length: int) -> Any:
        calls.append(length)
        return real.batch(values, length)

    monkeypatch.setitem(indicators.REGISTRY, "sma", dataclasses.replace(real, batch=counting))
    here, there = Span("a.yaml", 3, 9), Span("a.yaml", 7, 2)
    first = Call("sma", (Name("close", here), Number(Decimal(20), here)), here)
    second = Call("sma", (Name("close", there), Number(Decimal("20"), there)), there)
    rule = Logic("and", (Cross("above", CLOSE, first), Compare(">", Name("open"), second)))
    lowering = Lowering(None)
    refs = [lowering.condition(rule), lowering.condition(Compare("<", Name("low"), first))]
    program = lowering.program()  # the second is another rule, lowered into the same graph
    assert [node for node in program.nodes if isinstance(node, Apply)] == [
        Apply("sma", (0,), (20,))
    ]
    evaluator = SeriesEvaluator(closes(*range(60)), program)
    for ref in refs:
        evaluator.condition(ref)
    assert calls == [20]


def test_type_errors_are_refused_by_the_lowering() -> None:
    """What the compiler reports with a position (compiler/expressions.py) never reaches an
    evaluator: the lowering refuses it."""
    bars = closes(1, 2)
    with pytest.raises(LoweringError, match="session"):
        compile_series(Binary("+", Name("session"), num(1)), bars)
    with pytest.raises(LoweringError, match="condition"):
        compile_series(Binary("+", Compare(">", CLOSE, num(1)), num(1)), bars)
    with pytest.raises(LoweringError, match="combine conditions"):
        compile_series(Logic("and", (CLOSE, CLOSE)), bars)
    with pytest.raises(LoweringError, match="whole number"):
        compile_series(call("sma", CLOSE, num(2.5)), bars)
    with pytest.raises(LoweringError, match="unknown function"):
        compile_series(call("smaa", CLOSE, num(2)), bars)
    with pytest.raises(LoweringError, match="negative"):
        compile_series(Index(CLOSE, -1), bars)
    with pytest.raises(LoweringError, match="expected a condition"):
        Lowering(None).condition(CLOSE)


# --------------------------------------------------------------------------------------------
# A naive evaluator: one bar at a time, plain Python, three-valued logic as sets of outcomes
#
# A condition evaluates to the set of outcomes it may have: {True}, {False}, {None} (unknown),
# or {True, False} where a comparison is a tie within rounding error, so that both engines may
# legitimately disagree there. The vectorised result must be one of the allowed outcomes.

Outcomes = frozenset[bool | None]
TIE = 1e-9


def k_and(a: bool | None, b: bool | None) -> bool | None:
    if a is False or b is False:
        return False
    return True if a is True and b is True else None


def k_or(a: bool | None, b: bool | None) -> bool | None:
    if a is True or b is True:
        return True
    return False if a is False and b is False else None


class Naive:
    def __init__(self, bars: BarArrays, instrument: Instrument, tz: str) -> None:
        self.size = len(bars)
        self.instrument = instrument
        self.col = {
            "open": bars.open.tolist(),
            "high": bars.high.tolist(),
            "low": bars.low.tolist(),
            "close": bars.close.tolist(),
            "volume": bars.volume.tolist(),
            "spread": bars.spread.tolist(),
        }
        zone = ZoneInfo(tz)
        self.local = [datetime.fromtimestamp(int(t), UTC).astimezone(zone) for t in bars.time]
        self.memo: dict[Expr, list[Any]] = {}

    def series(self, expr: Expr) -> list[Any]:
        if expr not in self.memo:
            self.memo[expr] = self._series(expr)
        return self.memo[expr]

    def _series(self, expr: Expr) -> list[Any]:
        if isinstance(expr, Call):
            return self.call(expr)
        return [self.at(expr, i) for i in range(self.size)]

    def call(self, expr: Call) -> list[float]:
        c = self.col
        if expr.func in REFERENCES:
            length = int(expr.args[1].value)  # type: ignore[union-attr]
            return REFERENCES[expr.func](self.series(expr.args[0]), length)
        if expr.func == "atr":
            length = int(expr.args[0].value)  # type: ignore[union-attr]
            return ref_atr(c["high"], c["low"], c["close"], length)
        if expr.func == "vwap":
            days = [d.date().toordinal() for d in self.local]
            return ref_vwap(self.series(Name("hlc3")), c["volume"], days)
        columns = [self.series(arg) for arg in expr.args]
        out = []
        for values in zip(*columns, strict=True):
            if any(math.isnan(v) for v in values):
                out.append(NAN)
            elif expr.func == "abs":
                out.append(abs(values[0]))
            else:
                out.append(min(values) if expr.func == "min" else max(values))
        return out

    def quantity(self, q: Quantity, reference: float) -> float:
        value = float(q.value)
        if q.unit == "percent":
            return reference * (value / 100.0)
        if q.unit == "pips":
            return value * float(self.instrument.pip)  # type: ignore[arg-type]
        if q.unit == "ticks":
            return value * float(self.instrument.tick)
        return value

    def number(self, expr: Expr, i: int) -> float:
        value = self.series(expr)[i]
        assert isinstance(value, float)
        return value

    def at(self, expr: Expr, i: int) -> Any:
        c = self.col
        if isinstance(expr, Number):
            return float(expr.value)
        if isinstance(expr, Quantity):
            return self.quantity(expr, c["close"][i])
        if isinstance(expr, Name):
            return self.name(expr.name, i)
        if isinstance(expr, Index):
            if i - expr.offset < 0:
                return frozenset({None}) if self.is_condition(expr.target) else NAN
            return self.series(expr.target)[i - expr.offset]
        if isinstance(expr, Unary):
            return -self.number(expr.operand, i)
        if isinstance(expr, Binary):
            return self.binary(expr, i)
        if isinstance(expr, Compare):
            return self.compare(expr, i)
        if isinstance(expr, Cross):
            now, before = (">", "<=") if expr.direction == "above" else ("<", ">=")
            return self.at(
                Logic(
                    "and",
                    (
                        Compare(now, expr.left, expr.right),
                        Compare(before, Index(expr.left, 1), Index(expr.right, 1)),
                    ),
                ),
                i,
            )
        if isinstance(expr, Logic):
            combine = k_and if expr.op == "and" else k_or
            outcomes: set[bool | None] = set(self.series(expr.operands[0])[i])
            for operand in expr.operands[1:]:
                other = self.series(operand)[i]
                outcomes = {combine(a, b) for a in outcomes for b in other}
            return frozenset(outcomes)
        if isinstance(expr, Not):
            return frozenset(None if v is None else not v for v in self.series(expr.operand)[i])
        if isinstance(expr, TimeBetween):
            minute = self.local[i].hour * 60 + self.local[i].minute
            start, end = (int(t[:2]) * 60 + int(t[3:]) for t in (expr.start, expr.end))
            inside = start <= minute <= end if start <= end else minute >= start or minute <= end
            return frozenset({inside})
        raise AssertionError(expr)

    def is_condition(self, expr: Expr) -> bool:
        return isinstance(expr, Compare | Cross | Logic | Not | TimeBetween) or (
            isinstance(expr, Index) and self.is_condition(expr.target)
        )

    def name(self, name: str, i: int) -> Any:
        c = self.col
        if name in c:
            return c[name][i]
        derived: dict[str, Callable[[], float]] = {
            "bid": lambda: c["close"][i],
            "ask": lambda: c["close"][i] + c["spread"][i],
            "hl2": lambda: (c["high"][i] + c["low"][i]) / 2.0,
            "hlc3": lambda: (c["high"][i] + c["low"][i] + c["close"][i]) / 3.0,
        }
        if name in derived:
            return derived[name]()
        if name == "session":
            d = self.local[i]
            minute = d.hour * 60 + d.minute
            if d.weekday() >= 5 or d.date() in holidays.financial_holidays("NYSE", years=d.year):
                return "closed"  # weekends and NYSE holidays (2023-07-04 is among the bars)
            for word, (start, end) in {
                "pre": (240, 570),
                "rth": (570, 960),
                "post": (960, 1200),
            }.items():
                if start <= minute < end:
                    return word
            return "closed"
        return name  # a session word

    def binary(self, expr: Binary, i: int) -> float:
        left, right = expr.left, expr.right
        if expr.op in ("*", "/"):

            def factor(e: Expr) -> float:
                if isinstance(e, Quantity) and e.unit == "percent":
                    return float(e.value) / 100.0
                return self.number(e, i)

            a, b = factor(left), factor(right)
        elif isinstance(right, Quantity) and not isinstance(left, Quantity):
            a = self.number(left, i)
            b = self.quantity(right, a)
        elif isinstance(left, Quantity) and not isinstance(right, Quantity):
            b = self.number(right, i)
            a = self.quantity(left, b)
        else:
            a, b = self.number(left, i), self.number(right, i)
        if expr.op == "+":
            return a + b
        if expr.op == "-":
            return a - b
        if expr.op == "*":
            return a * b
        return NAN if b == 0.0 else a / b

    def compare(self, expr: Compare, i: int) -> Outcomes:
        a, b = self.series(expr.left)[i], self.series(expr.right)[i]
        if isinstance(a, str) or isinstance(b, str):
            same = a == b
            return frozenset({same if expr.op == "==" else not same})
        if math.isnan(a) or math.isnan(b):
            return frozenset({None})
        if abs(a - b) <= TIE * (1.0 + abs(a) + abs(b)):
            return frozenset({True, False})
        ops = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
        ops.update({"==": operator.eq, "!=": operator.ne})
        return frozenset({ops[expr.op](a, b)})


# --------------------------------------------------------------------------------------------
# Generated expressions and bars

DST_EDGES = [epoch(2024, 3, 9), epoch(2024, 11, 2), epoch(2023, 7, 3), epoch(2025, 1, 6)]
lengths = st.integers(min_value=1, max_value=6).map(num)
price_names = st.sampled_from([Name(n) for n in ("close", "open", "high", "low", "hl2")])
quantities = st.builds(
    Quantity,
    st.decimals(min_value=0, max_value=50, places=1),
    st.sampled_from(["pips", "percent", "price", "ticks"]),
)
leaves = st.one_of(
    st.sampled_from([Name(n) for n in SERIES]),
    st.decimals(min_value=-200, max_value=200, places=2).map(Number),
    quantities,
)


def extend(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    window = st.sampled_from(["sma", "ema", "wma", "rsi", "highest", "lowest", "stdev", "change"])
    return st.one_of(
        st.builds(lambda f, x, n: Call(f, (x, n)), window, children, lengths),
        st.builds(lambda x, n: Call("roc", (x, n)), price_names, lengths),
        st.builds(lambda n: Call("atr", (n,)), lengths),
        st.just(Call("vwap", ())),
        st.builds(lambda x: Call("abs", (x,)), children),
        st.builds(
            lambda f, a, b: Call(f, (a, b)), st.sampled_from(["min", "max"]), children, children
        ),
        st.builds(Binary, st.sampled_from(["+", "-", "*"]), children, children),
        st.builds(lambda a, q: Binary("-", a, q), children, quantities),
        st.builds(lambda a, b: Binary("/", a, b), children, price_names),
        st.builds(lambda a: Unary("-", a), children),
        st.builds(Index, children, st.integers(min_value=0, max_value=3)),
    )


numbers = st.recursive(leaves, extend, max_leaves=5)
clock = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.integers(0, 59))
comparisons = st.one_of(
    st.builds(Compare, st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), numbers, numbers),
    st.builds(Cross, st.sampled_from(["above", "below"]), numbers, numbers),
    st.builds(
        lambda op, word: Compare(op, Name("session"), Name(word)),
        st.sampled_from(["==", "!="]),
        st.sampled_from(["rth", "pre", "post"]),
    ),
    st.builds(TimeBetween, clock, clock),
)
conditions = st.recursive(
    comparisons,
    lambda inner: st.one_of(
        st.builds(
            lambda op, xs: Logic(op, tuple(xs)),
            st.sampled_from(["and", "or"]),
            st.lists(inner, min_size=2, max_size=3),
        ),
        st.builds(Not, inner),
        st.builds(Index, inner, st.integers(min_value=0, max_value=2)),
    ),
    max_leaves=4,
)


@st.composite
def bar_sets(draw: st.DrawFn) -> BarArrays:
    size = draw(st.integers(min_value=1, max_value=40))
    start = draw(st.sampled_from(DST_EDGES)) + draw(st.integers(-86_400, 86_400))
    steps = draw(st.lists(st.sampled_from([60, 900, 3600, 5 * 3600]), min_size=size, max_size=size))
    moves = draw(st.lists(st.integers(-8, 8), min_size=size, max_size=size))
    close = np.maximum(100.0 + np.cumsum(moves) * 0.25, 1.0)
    reach = draw(st.lists(st.integers(0, 4), min_size=2 * size, max_size=2 * size))
    volume = draw(st.lists(st.integers(0, 50), min_size=size, max_size=size))
    return BarArrays.from_arrays(
        close,
        time=start + np.cumsum(steps),
        open=np.roll(close, 1),
        high=close + np.array(reach[:size]) * 0.25,
        low=close - np.array(reach[size:]) * 0.25,
        volume=volume,
        spread=0.02,
        tz=NEW_YORK,
        us_sessions=True,
    )


def close_enough(actual: float, expected: float) -> bool:
    if math.isnan(expected) or math.isnan(actual):
        return math.isnan(expected) and math.isnan(actual)
    return abs(actual - expected) <= 1e-7 * (1.0 + abs(expected))


@settings(max_examples=300, deadline=None)
@given(conditions, bar_sets())
def test_conditions_agree_with_the_naive_evaluator(expr: Expr, bars: BarArrays) -> None:
    vectorised = compile_series(expr, bars, USDJPY, tz=NEW_YORK)
    assert vectorised.dtype == np.bool_
    naive = Naive(bars, USDJPY, NEW_YORK).series(expr)
    for i, outcomes in enumerate(naive):
        allowed = {v is True for v in outcomes}
        assert bool(vectorised[i]) in allowed, (i, outcomes)


@settings(max_examples=300, deadline=None)
@given(numbers, bar_sets())
def test_numbers_agree_with_the_naive_evaluator(expr: Expr, bars: BarArrays) -> None:
    vectorised = compile_series(expr, bars, USDJPY, tz=NEW_YORK)
    assert vectorised.dtype == np.float64 and vectorised.shape == (len(bars),)
    naive = Naive(bars, USDJPY, NEW_YORK).series(expr)
    for i, expected in enumerate(naive):
        assert close_enough(float(vectorised[i]), expected), (i, vectorised[i], expected)
