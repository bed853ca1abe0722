"""The step evaluator (a live run: one closed bar at a time) gives the batch evaluator's values.

Bit for bit, NaN for NaN, unknown for unknown: for every generated expression over generated
bars, lowered into a signal graph as the compiler lowers a plan's, the value a step cell holds
after bar t is the batch array's value at t. Conditions are
compared both ways (where they hold, and where their negation holds), so an unknown that one
side called false would show. The bar facts the calendar gives (session, local day, minute of
the day) come from `bar_facts` one bar at a time and agree with the whole-array calendar.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray
from test_evaluate import DST_EDGES, NEW_YORK, USDJPY, bar_sets, conditions, num, numbers

from tradeplan.compiler.lowering import Lowering
from tradeplan.core.calendar import minute_of_day
from tradeplan.core.instrument import default_instrument
from tradeplan.lang.expr import Call, Compare, Cross, Expr, Index, Name, Not
from tradeplan.plan.signals import SignalProgram
from tradeplan.runtime.bars import BarArrays
from tradeplan.runtime.evaluate import SeriesEvaluator
from tradeplan.runtime.step_eval import ClosedBar, StepEvaluator, bar_facts

NAN = math.nan


def closed_bars(bars: BarArrays, tz: str) -> list[ClosedBar]:
    minutes = minute_of_day(bars.time, tz)
    return [
        ClosedBar(
            int(bars.time[i]),
            float(bars.open[i]),
            float(bars.high[i]),
            float(bars.low[i]),
            float(bars.close[i]),
            float(bars.volume[i]),
            float(bars.spread[i]),
            int(bars.session[i]),
            int(bars.day[i]),
            int(minutes[i]),
        )
        for i in range(len(bars))
    ]


def bits(values: Any) -> NDArray[np.int64]:
    array = np.array(values, dtype=np.float64)
    array[np.isnan(array)] = np.nan
    return array.view(np.int64)


def lowered(exprs: list[Expr], kinds: list[str]) -> tuple[SignalProgram, list[int]]:
    """One graph for `exprs` (shared nodes and all), as the compiler lowers a plan's rules."""
    lowering = Lowering(USDJPY)
    refs = [
        lowering.number(e) if kind == "number" else lowering.condition(e)
        for e, kind in zip(exprs, kinds, strict=True)
    ]
    return lowering.program(), refs


def stepped(program: SignalProgram, refs: list[int], bars: BarArrays) -> list[list[Any]]:
    evaluator = StepEvaluator(program)
    cells = [evaluator.cell(ref) for ref in refs]
    out: list[list[Any]] = [[] for _ in cells]
    for bar in closed_bars(bars, NEW_YORK):
        evaluator.push(bar)
        for values, cell in zip(out, cells, strict=True):
            values.append(cell.value)
    return out


@st.composite
def long_bar_sets(draw: st.DrawFn) -> BarArrays:
    """Bars long enough for windows to fill and recursive indicators to run."""
    size = draw(st.integers(min_value=1, max_value=160))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    start = draw(st.sampled_from(DST_EDGES)) + draw(st.integers(-86_400, 86_400))
    steps = rng.choice(np.array([60, 60, 60, 900, 3600, 5 * 3600]), size)
    close = np.maximum(100.0 + np.cumsum(rng.integers(-8, 9, size)) * 0.25, 1.0)
    volume = rng.choice(np.array([0.0, 3.0, 50.0, NAN]), size, p=[0.2, 0.4, 0.35, 0.05])
    return BarArrays.from_arrays(
        close,
        time=start + np.cumsum(steps),
        open=np.roll(close, 1),
        high=close + rng.integers(0, 5, size) * 0.25,
        low=close - rng.integers(0, 5, size) * 0.25,
        volume=volume,
        spread=0.02,
        tz=NEW_YORK,
        us_sessions=True,
    )


def check_number(expr: Expr, bars: BarArrays) -> None:
    program, (ref,) = lowered([expr], ["number"])
    batch = SeriesEvaluator(bars, program, tz=NEW_YORK).number(ref)
    (steps,) = stepped(program, [ref], bars)
    differ = np.flatnonzero(bits(batch) != bits(steps))
    assert not differ.size, (expr, int(differ[0]), batch[differ[0]], steps[differ[0]])


def check_condition(expr: Expr, bars: BarArrays) -> None:
    program, refs = lowered([expr, Not(expr)], ["condition", "condition"])
    evaluator = SeriesEvaluator(bars, program, tz=NEW_YORK)
    holds, fails = evaluator.condition(refs[0]), evaluator.condition(refs[1])
    values, negated = stepped(program, refs, bars)
    assert [v is True for v in values] == holds.tolist(), expr
    assert [v is False for v in values] == fails.tolist(), expr
    assert [v is True for v in negated] == fails.tolist(), expr


@settings(max_examples=300, deadline=None)
@given(numbers, st.one_of(bar_sets(), long_bar_sets()))
def test_numbers_step_to_the_batch_values_bit_for_bit(expr: Expr, bars: BarArrays) -> None:
    check_number(expr, bars)


@settings(max_examples=300, deadline=None)
@given(conditions, st.one_of(bar_sets(), long_bar_sets()))
def test_conditions_step_to_the_batch_values_including_unknown(expr: Expr, bars: BarArrays) -> None:
    check_condition(expr, bars)


CLOSE = Name("close")


def call(func: str, *args: Expr) -> Call:
    return Call(func, args)


@pytest.mark.parametrize(
    "expr",
    [
        Cross("above", call("ema", CLOSE, num(5)), call("ema", CLOSE, num(20))),
        Compare(">", CLOSE, Index(call("highest", Name("high"), num(12)), 1)),
        Compare("<", call("rsi", CLOSE, num(14)), num(30)),
        Compare(">", call("vwap"), call("sma", CLOSE, num(30))),
        Compare(">", call("atr", num(14)), call("stdev", CLOSE, num(40))),
    ],
    ids=["ema-cross", "breakout", "rsi", "vwap", "atr-stdev"],
)
def test_strategy_shaped_conditions_agree_over_long_data(expr: Expr) -> None:
    """Windows past the batch forms' direct sums (running-sum rows) and long recursions."""
    rng = np.random.default_rng(7)
    size = 3_000
    close = 150.0 + np.cumsum(rng.normal(0.0, 0.05, size))
    bars = BarArrays.from_arrays(
        np.round(close, 3),
        time=1_735_700_000 + np.arange(size) * 60,
        high=np.round(close + rng.random(size) * 0.05, 3),
        low=np.round(close - rng.random(size) * 0.05, 3),
        volume=rng.integers(1, 500, size).astype(float),
        tz=NEW_YORK,
        us_sessions=True,
    )
    check_condition(expr, bars)


def test_the_step_evaluator_reads_bar_facts_only_where_the_graph_needs_them() -> None:
    """A live feed works out a bar's session, day and minute only for a plan that reads them."""
    plain, _ = lowered([Compare(">", CLOSE, call("sma", CLOSE, num(3)))], ["condition"])
    evaluator = StepEvaluator(plain)
    assert not (evaluator.reads_day or evaluator.reads_minute or evaluator.reads_session)
    program, _ = lowered(
        [Compare(">", CLOSE, call("vwap")), Compare("==", Name("session"), Name("rth"))],
        ["condition", "condition"],
    )
    evaluator = StepEvaluator(program)
    assert evaluator.reads_day and evaluator.reads_session and not evaluator.reads_minute


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1_500_000_000, max_value=1_900_000_000))
def test_bar_facts_agree_with_the_whole_array_calendar(second: int) -> None:
    """Session code, local day and minute of one bar, as a live run computes them."""
    for instrument, tz, us in (
        (default_instrument("US.AAPL"), NEW_YORK, True),
        (USDJPY, "UTC", False),
    ):
        times = np.array([second - 60, second, second + 3_600], dtype=np.int64)
        arrays = BarArrays.from_arrays([1.0, 1.0, 1.0], time=times, tz=tz, us_sessions=us)
        minutes = minute_of_day(times, tz)
        for i, moment in enumerate(times.tolist()):
            facts = bar_facts(moment, instrument)
            assert facts == (int(arrays.session[i]), int(arrays.day[i]), int(minutes[i]))
