"""Replay a file through the live path: one bar at a time, signals from the step forms.

The batch backtest evaluates every expression over the whole file before it starts and jumps
over quiet rows. A live run cannot do either: it gets one closed bar at a time. This driver
runs a replay the live way, so that the two can be compared on the same data: for each row,
the paper broker walks it (fills, triggers, expiries, reported through the broker port as a
live broker reports them), then the bar's values go through `SignalFeed` (step indicators,
nothing computed ahead; timeframe bars built as their buckets close), then the engine sees the
bar's close. The engine reads no signal of a row not yet pushed; the buffers hold no signal
there.

It must give the batch backtest's trades, orders, signals and alerts exactly
(tests/runtime/test_stream_equals_batch.py, for every bundled strategy and over generated
plans): the test that keeps the backtest and the live runtime from drifting apart.
"""

from __future__ import annotations

from time import perf_counter

import numpy as np

from tradeplan.backtest.data import MarketData
from tradeplan.backtest.replay import Progress, ReplayStats, end_of_data, fewer_collections
from tradeplan.ports.broker import ReplayVenue
from tradeplan.runtime.engine import Engine
from tradeplan.runtime.signal_feed import SignalFeed


def stream_replay(
    engine: Engine,
    venue: ReplayVenue,
    feed: SignalFeed,
    data: MarketData,
    *,
    progress: Progress | None = None,
) -> ReplayStats:
    """Feed every row of `data` in order, then close what is still open at the last close."""
    with fewer_collections():
        return _stream(engine, venue, feed, data, progress)


def _stream(
    engine: Engine,
    venue: ReplayVenue,
    feed: SignalFeed,
    data: MarketData,
    progress: Progress | None,
) -> ReplayStats:
    began = perf_counter()
    rows = len(data)
    seconds = (data.time_ns // 1_000_000_000).tolist()
    columns = (data.open, data.high, data.low, data.close, data.volume, data.spread)
    opens, highs, lows, closes, volumes, spreads = (np.asarray(c).tolist() for c in columns)
    report_every = max(rows // 200, 1)
    last = rows - 1
    for row in range(rows):
        engine.begin_bar(row)
        venue.process_row(row)
        feed.push_row(
            row,
            seconds[row],
            seconds[row + 1] if row < last else None,  # a row closes when the next one opens
            opens[row],
            highs[row],
            lows[row],
            closes[row],
            volumes[row],
            spreads[row],
        )
        engine.on_bar_close(row)
        if progress is not None and (row + 1) % report_every == 0:
            progress(row + 1, rows)
    end_of_data(engine, venue, progress)
    return ReplayStats(rows, rows, perf_counter() - began)
