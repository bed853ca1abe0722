"""Every rule's inputs (`when`, `exit_when`, entry prices) computed as each bar closes.

The live path of signals: one `StepEvaluator` runs the plan's signal graph, every rule's
expressions (equal subexpressions shared across rules, as in the batch), and `push(row, bar)` writes their values
at `row` into the `RuleInputs` the engine reads. Nothing at a later row is known when the
engine reads a row: the buffers hold False (no signal) and NaN (no price) there until that bar
closes, so an engine that peeked ahead would run differently from the batch backtest, and the
stream-equals-batch test (tests/runtime/test_stream_equals_batch.py) would say so.

A plan whose `timeframe` is coarser than the data gets a `StepResampler` in front of the
evaluator: fine rows go in (`push_row`), and each timeframe bar is evaluated on the fine row
where it closes, the bucket's last, which is where the batch (`resample.Resampled`) places its
signals. Its entry prices are written there too: the batch gives every fine row its bucket's
value, but the engine reads an entry price only on a row whose entry signal fired, and signals
fire on last rows only, where the two agree.

A live run (issue 9) sizes the buffers for the bars it keeps; a replay sizes them for the file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

from tradeplan.plan.model import Plan
from tradeplan.runtime.entry_prices import price_source
from tradeplan.runtime.owner import RuleInputs
from tradeplan.runtime.resample import Bucketing
from tradeplan.runtime.step_eval import Cell, ClosedBar, StepEvaluator, bar_facts
from tradeplan.runtime.step_resample import StepResampler

_T = TypeVar("_T", bound=np.generic)


@dataclass(frozen=True, slots=True)
class _RuleCells:
    entry: Cell
    exit: Cell | None
    price: Cell | None
    trigger: Cell | None


@dataclass(frozen=True, slots=True)
class _RuleBuffers:
    entry: NDArray[np.bool_]
    exit: NDArray[np.bool_] | None
    price: NDArray[np.float64] | None
    trigger: NDArray[np.float64] | None


class SignalFeed:
    """See the module docstring. Build it for `rows` fine rows (with the plan's `bucketing`
    when its timeframe is coarser than the data), then give it each row as it closes."""

    def __init__(
        self, plan: Plan, rows: int, bucketing: Bucketing | None = None, start: int = 0
    ) -> None:
        """`start`: the first row pushed (a live reload warms up on the plan's warm-up bars
        only, `Plan.signals.warmup`, which hold the backtest's values to the last digit);
        rows before it hold no signal."""
        self.plan = plan
        self.rows = rows
        self._resampler = None if bucketing is None else StepResampler(bucketing)
        evaluator = StepEvaluator(plan.signals)
        self._evaluator = evaluator
        self._cells: list[_RuleCells] = []
        self._buffers: list[_RuleBuffers] = []
        self.inputs: dict[str, RuleInputs] = {}
        for rule in plan.rules:
            refs = rule.signals
            cells = _RuleCells(
                evaluator.condition(refs.when),
                None if refs.exit_when is None else evaluator.condition(refs.exit_when),
                None if refs.price is None else evaluator.number(refs.price),
                None if refs.trigger is None else evaluator.number(refs.trigger),
            )
            buffers = _RuleBuffers(
                np.zeros(rows, dtype=np.bool_),
                None if cells.exit is None else np.zeros(rows, dtype=np.bool_),
                None if cells.price is None else np.full(rows, math.nan),
                None if cells.trigger is None else np.full(rows, math.nan),
            )
            self._cells.append(cells)
            self._buffers.append(buffers)
        self._share_inputs()
        self._facts = evaluator.reads_session or evaluator.reads_day or evaluator.reads_minute
        self._next = start

    def _share_inputs(self) -> None:
        instrument = self.plan.instrument
        self.inputs = {}
        for rule, buffers in zip(self.plan.rules, self._buffers, strict=True):
            self.inputs[rule.name] = RuleInputs(
                entry=buffers.entry,
                exit=buffers.exit,
                price=None
                if buffers.price is None
                else price_source(buffers.price, rule.name, instrument),
                trigger=None
                if buffers.trigger is None
                else price_source(buffers.trigger, rule.name, instrument),
            )

    def grow(self, rows: int) -> None:
        """Make room for `rows` rows (a live run's buffers fill up as bars arrive): the
        values so far are kept, `inputs` is rebuilt over the new buffers; hand it to the
        engine (`Engine.grow`)."""
        if rows <= self.rows:
            return
        self._buffers = [
            _RuleBuffers(
                _grown(b.entry, rows, False),
                None if b.exit is None else _grown(b.exit, rows, False),
                None if b.price is None else _grown(b.price, rows, math.nan),
                None if b.trigger is None else _grown(b.trigger, rows, math.nan),
            )
            for b in self._buffers
        ]
        self.rows = rows
        self._share_inputs()

    def bar(
        self,
        second: int,
        open: float,
        high: float,
        low: float,
        close: float,
        volume: float,
        spread: float,
    ) -> ClosedBar:
        """A closed bar as the evaluator reads it, with the calendar's facts about its time
        (computed only when an expression reads them)."""
        if not self._facts:
            return ClosedBar(second, open, high, low, close, volume, spread)
        session, day, minute = bar_facts(second, self.plan.instrument)
        return ClosedBar(second, open, high, low, close, volume, spread, session, day, minute)

    def push_row(
        self,
        row: int,
        second: int,
        closes_at: int | None,
        open: float,
        high: float,
        low: float,
        close: float,
        volume: float,
        spread: float,
    ) -> None:
        """Fine row `row`, opened at `second`, has closed at `closes_at` (the next row's open
        time; None when the data ends with it): evaluate the bar it closes, if any."""
        resampler = self._resampler
        if resampler is None:
            self.push(row, self.bar(second, open, high, low, close, volume, spread))
            return
        self._advance(row)
        done = resampler.push(second, closes_at, open, high, low, close, volume, spread)
        if done is not None:
            bar = self.bar(
                done.time, done.open, done.high, done.low, done.close, done.volume, done.spread
            )
            self._evaluate(row, bar)

    def push(self, row: int, bar: ClosedBar) -> None:
        """`bar` has closed and is row `row` (the next one: rows arrive in order); for a feed
        without timeframe bars, where each row is a bar."""
        if self._resampler is not None:
            raise ValueError("this feed builds timeframe bars: give it fine rows (push_row)")
        self._advance(row)
        self._evaluate(row, bar)

    def _advance(self, row: int) -> None:
        if row != self._next:
            raise ValueError(f"bar {row} pushed where bar {self._next} was expected")
        self._next = row + 1

    def _evaluate(self, row: int, bar: ClosedBar) -> None:
        """Evaluate at `bar` and write every rule's values at `row`."""
        self._evaluator.push(bar)
        for cells, buffers in zip(self._cells, self._buffers, strict=True):
            buffers.entry[row] = cells.entry.value is True
            if cells.exit is not None and buffers.exit is not None:
                buffers.exit[row] = cells.exit.value is True
            if cells.price is not None and buffers.price is not None:
                buffers.price[row] = cells.price.value
            if cells.trigger is not None and buffers.trigger is not None:
                buffers.trigger[row] = cells.trigger.value


def _grown(values: NDArray[_T], rows: int, fill: float | bool) -> NDArray[_T]:
    grown = np.full(rows, fill, dtype=values.dtype)
    grown[: values.size] = values
    return grown
