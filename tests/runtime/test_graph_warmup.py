"""A live run that loads the plan's warm-up gives the backtest's values to the last digit.

The compiler's warm-up of a signal graph (plan/signals.py) adds up nested calls and history
offsets. Here a step evaluator starts late on real prices (a live run loading history) and,
from `warmup` bars after its start, every value and every signal equals the batch evaluator's
over the whole series, bit for bit, for recursive indicators nested in one another.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from test_indicator_steps import bits, bundled_closes
from test_step_eval import closed_bars

from tradeplan.compiler.lowering import lower
from tradeplan.core.instrument import default_instrument
from tradeplan.lang.expr import Call, Cross, Expr, Index, Name, Number
from tradeplan.runtime.bars import BarArrays
from tradeplan.runtime.evaluate import SeriesEvaluator
from tradeplan.runtime.step_eval import StepEvaluator

CLOSE = Name("close")


def num(value: int) -> Number:
    return Number(Decimal(value))


def call(func: str, *args: Expr) -> Call:
    return Call(func, args)


NESTED = call("ema", call("rsi", CLOSE, num(14)), num(9))
CASES: list[Expr] = [
    Index(NESTED, 2),
    Cross("above", NESTED, num(50)),
    call("rsi", call("ema", CLOSE, num(20)), num(5)),
    call("atr", num(7)),
]


def late(refs: list[int], program: Any, bars: BarArrays, start: int) -> list[list[Any]]:
    evaluator = StepEvaluator(program)
    cells = [evaluator.cell(ref) for ref in refs]
    out: list[list[Any]] = [[] for _ in refs]
    for bar in closed_bars(bars, "UTC")[start:]:
        evaluator.push(bar)
        for values, cell in zip(out, cells, strict=True):
            values.append(cell.value)
    return out


@pytest.mark.parametrize("expr", CASES, ids=["ema-of-rsi[2]", "cross", "rsi-of-ema", "atr"])
def test_a_late_start_agrees_after_the_compilers_warmup(expr: Expr) -> None:
    program, (ref,) = lower([expr], default_instrument("EUR/USD"))
    warmup = program.warmup
    assert warmup > 0
    close = bundled_closes("eurusd_1m_2025.csv.gz", 3 * warmup + 1500)
    rng = np.random.default_rng(warmup)
    bars = BarArrays.from_arrays(
        close,
        time=1_735_700_000 + np.arange(close.size) * 60,
        high=close + rng.random(close.size) * 1e-4,
        low=close - rng.random(close.size) * 1e-4,
    )
    batch = SeriesEvaluator(bars, program).series(ref)
    for start in (1, 97, warmup):
        (values,) = late([ref], program, bars, start)
        if batch.dtype == np.bool_:
            assert [v is True for v in values[warmup:]] == batch[start + warmup :].tolist()
        else:
            assert np.array_equal(bits(values[warmup:]), bits(batch[start + warmup :])), start
