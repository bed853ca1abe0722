"""Drive the engine through recorded data: every row (`step_mode`) or from event to event.

Both modes run the same code on the rows they visit: the venue walks the row exactly
(`process_row`), then the engine sees the row's close (`on_bar_close`). Jump mode visits only
rows at which something can happen:

* the engine's next wake-up: the next row whose `when` is true for a flat rule, whose
  `exit_when` is true for an open one, or at whose close a clock (time exit, break-even deadline)
  runs out (`Engine.next_wakeup`, a binary search in precomputed signal rows);
* the venue's next activity: the first row in which a working order or watch could fill,
  trigger or expire (`ReplayVenue.next_activity`, whole-array scans of the data).

Every other row is quiet: no order can fill or trigger in it and the engine has nothing to do at
its close, so visiting it would only carry trailing peaks forward, which `skip_to` does for the
whole stretch at once. Hence the result of a jumping run equals the step-by-step one, order
event for order event; `tests/runtime/test_replay_parity.py` checks it on random data.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from time import perf_counter

from tradeplan.ports.broker import ReplayVenue
from tradeplan.runtime.engine import Engine

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class ReplayStats:
    """How a run went: rows in the data, rows walked exactly, and the run phase's duration."""

    rows: int
    visited: int
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else float("inf")


RUN_GC_THRESHOLD = 20_000


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect garbage less often while a run goes on, and as before afterwards.

    A replay makes short-lived objects at a high rate (updates, orders, records) while the
    records it keeps pile up; at Python's default of one young-generation pass per 700 net
    allocations, collection took about 4% of the run phase. Cycles are still collected, every
    20,000 allocations."""
    before = gc.get_threshold()
    gc.set_threshold(RUN_GC_THRESHOLD, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def replay(
    engine: Engine,
    venue: ReplayVenue,
    *,
    step_mode: bool = False,
    progress: Progress | None = None,
) -> ReplayStats:
    """Run the whole data set through `engine` and `venue`, then close what is still open."""
    with fewer_collections():
        return _replay(engine, venue, step_mode=step_mode, progress=progress)


def _replay(
    engine: Engine, venue: ReplayVenue, *, step_mode: bool, progress: Progress | None
) -> ReplayStats:
    began = perf_counter()
    rows = venue.rows
    visited = 0
    report_every = max(rows // 200, 1)
    next_report = report_every
    row = 0
    while row < rows:
        if step_mode:
            target = row
        else:
            wake = engine.next_wakeup(row)
            target = venue.next_activity(row, min(wake, rows))
        if target >= rows:
            break
        engine.begin_bar(target)
        venue.process_row(target)
        engine.on_bar_close(target)
        visited += 1
        row = target + 1
        if progress is not None and row >= next_report:
            progress(row, rows)
            next_report = row + report_every
    end_of_data(engine, venue, progress)
    return ReplayStats(rows, visited, perf_counter() - began)


def end_of_data(engine: Engine, venue: ReplayVenue, progress: Progress | None) -> None:
    """The data has ended: carry trailing peaks over the rows not walked, close what is still
    open at the last close, and report the run complete. Every replay ends this way."""
    rows = venue.rows
    venue.skip_to(rows)
    if rows:
        engine.finish(rows - 1, venue.settle_at_close)
    if progress is not None:
        progress(rows, rows)
