"""Sequential float recursions computed with numpy, to the same bits as a plain loop.

A step form updates `y = w * y + u` once per bar; for the backtest to give the very same floats,
the batch form must round the same operations in the same order, which no closed form or
parallel scan does. Two ways keep that exact and still vectorised:

* `recurrence` cuts the series into chunks and runs all chunks side by side, one numpy call per
  position in a chunk. Each chunk starts from a guess of the value before it (a weighted sum,
  within a few ulps); a wrong start only shifts the chunk's first values, because the recursion
  forgets its start (w < 1): two runs of it that differ by an ulp meet, bit for bit, within a few
  times 1/(1 - w) bars and then stay equal. So the chunks are run again from the true ends of
  their neighbours only until they meet their first run; chunks are long enough (`_SPAN` times
  1/(1 - w)) that this takes one more pass, checked rather than assumed. Series too short for
  chunks to pay off are run in a plain loop.
* `segment_sums` is np.cumsum restarted at each segment start (w = 1 never forgets, so there is
  nothing to guess): one cumsum per long segment, and the short ones padded into tables.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np

from tradeplan.runtime.indicators.arrays import F64, I64, B

_SPAN: Final = 8.0  # chunk length in units of 1/(1 - w), the recursion's memory
_MIN_CHUNK: Final = 64
_TILE: Final = 64  # the most positions read, run and written at once
_TILE_BYTES: Final = 1 << 20  # a tile of positions stays in the cache
_FEW: Final = 12  # chunks few enough to finish one by one in plain Python
_LOOP_COST: Final = 100  # chunks pay off past ~100 chunk lengths of values (measured)


def chunk_length(w: float) -> int:
    memory = 1.0 / (1.0 - w)
    length = max(_MIN_CHUNK, math.ceil(_SPAN * memory))
    return -(-length // 16) * 16


def recurrence(
    u: F64,
    w: float,
    resets: I64,
    values: F64,
    *,
    scale: float = 1.0,
    zero: B | None = None,
    chunk: int | None = None,
) -> F64:
    """y[t] = values[..., r] where t == resets[r], else w * y[t-1] + scale * u[..., t]; y[-1] = 0.

    `u` is one series (n,) or several of one length (k, n) sharing `resets` (sorted), with
    `values` shaped (r,) or (k, r). Each product and sum is rounded as `w * y + scale * u[t]`
    rounds them in Python. Where `zero` is true, u counts as 0 (a NaN there is ignored); u must
    hold no other NaN. `chunk` forces the chunked form with that chunk length (for tests).
    """
    table = np.atleast_2d(u)
    seeds = np.atleast_2d(values)
    series, size = table.shape
    if chunk is None and 0.0 <= w < 1.0:
        length = chunk_length(w)
        if size >= 8 * length and series * size >= _LOOP_COST * length:
            chunk = length
    out = np.empty((series, size))
    full = 0 if chunk is None else size // chunk
    ends = np.zeros(series)
    if full:
        assert chunk is not None
        ends = _chunked(table, w, resets, seeds, scale, zero, chunk, full, out)
    _loop(table, w, resets, seeds, scale, zero, (full * (chunk or 0), ends), out)
    return out if u.ndim == 2 else out[0]


def _loop(
    table: F64,
    w: float,
    resets: I64,
    values: F64,
    scale: float,
    zero: B | None,
    begin: tuple[int, F64],
    out: F64,
) -> None:
    """The plain recursion from position `begin[0]` on, from the values `begin[1]` before it."""
    first, before = begin
    size = table.shape[1]
    if first >= size:
        return
    picked = resets >= first
    bounds = [*resets[picked].tolist(), size]
    for row in range(table.shape[0]):
        items = (scale * table[row, first:]).tolist()
        if zero is not None:
            for t in np.flatnonzero(zero[first:]).tolist():
                items[t] = 0.0
        seeds = values[row, picked].tolist()
        y, position = float(before[row]), first
        for index, end in enumerate(bounds):
            for t in range(position - first, end - first):
                y = w * y + items[t]
                items[t] = y
            if index < len(seeds):
                y = seeds[index]
                items[end - first] = y
            position = end + 1
        out[row, first:] = items


def _chunked(
    table: F64,
    w: float,
    resets: I64,
    values: F64,
    scale: float,
    zero: B | None,
    length: int,
    full: int,
    out: F64,
) -> F64:
    """The recursion over the first `full` chunks of every row, written to `out`; returns the
    value each row ends its last full chunk with."""
    inside = resets < full * length
    run = _Lockstep(table, w, scale, zero, length, full, out)
    run.reset_at(resets[inside], values[:, inside])
    start = run.guesses(resets[inside], values[:, inside])
    run.first_pass(start)
    while True:
        entering = np.zeros(run.columns)
        entering[1:] = run.ends()[:-1]
        entering[::full] = 0.0  # every row starts from 0
        changed = np.flatnonzero(entering.view(np.int64) != start.view(np.int64))
        if changed.size == 0:
            break
        start = entering
        run.again(start, changed)
    last: F64 = run.ends()[full - 1 :: full].copy()
    return last


class _Lockstep:
    """The first `full` chunks of each row, run side by side: column s * full + c is chunk c of
    row s; one numpy call per position computes that position of every chunk. Inputs are read
    and outputs written in tiles of a few positions, straight from and to the rows."""

    def __init__(
        self,
        table: F64,
        w: float,
        scale: float,
        zero: B | None,
        length: int,
        full: int,
        out: F64,
    ) -> None:
        series = table.shape[0]
        self.w, self.scale, self.length, self.full, self.series = w, scale, length, full, series
        self.columns = series * full
        self.inputs = table[:, : full * length].reshape(series, full, length)
        self.outputs = out[:, : full * length].reshape(series, full, length)
        self.zero = None if zero is None else zero[: full * length].reshape(full, length)
        # Chunks holding a position to zero: usually only the first (a warm-up's NaNs).
        self.zeroed = np.zeros(0, dtype=np.int64)
        if self.zero is not None:
            self.zeroed = np.flatnonzero(self.zero.any(axis=1))
        self.patches: dict[int, tuple[I64, F64]] = {}
        self.read_kept = False
        # The inputs of the first half of the positions, read once: a second pass needs them.
        tile = _TILE
        while tile > 8 and tile * self.columns * 8 > _TILE_BYTES:
            tile //= 2
        self.tile = tile
        self.kept = np.empty((-(-length // (2 * tile)) * tile, series, full))
        self.tile_in = np.empty((tile, series, full))
        self.tile_out = np.empty((tile, series, full))

    def reset_at(self, resets: I64, values: F64) -> None:
        """Resets by position in a chunk: the columns they restart (sorted) and their values."""
        at_position, at_chunk = resets % self.length, resets // self.length
        order = np.argsort(at_position, kind="stable")
        where, begins = np.unique(at_position[order], return_index=True)
        offsets = self.full * np.arange(self.series)[:, None]
        stops = [*begins[1:].tolist(), order.size] if order.size else []
        for position, begin, end in zip(where.tolist(), begins.tolist(), stops, strict=True):
            picked = order[begin:end]
            cols: I64 = (at_chunk[picked][None, :] + offsets).reshape(-1)
            by_column = np.argsort(cols)
            self.patches[position] = (cols[by_column], values[:, picked].reshape(-1)[by_column])

    def ends(self) -> F64:
        last: F64 = self.outputs[:, :, -1].reshape(-1)
        return last

    def _read(self, first: int, count: int) -> F64:
        """scale * u at positions first..first+count of every chunk: (count, columns)."""
        kept = first + count <= len(self.kept)
        if kept and self.read_kept:
            return self.kept[first : first + count].reshape(count, self.columns)
        tile = self.kept[first : first + count] if kept else self.tile_in[:count]
        for row in range(self.series):  # one row at a time: numpy's fast order for a 2-D copy
            np.multiply(self.inputs[row, :, first : first + count].T, self.scale, tile[:, row])
        if self.zero is not None and self.zeroed.size:
            zeroed = self.zeroed
            part = tile[:, :, zeroed]
            np.copyto(part, 0.0, where=self.zero[zeroed, first : first + count].T[:, None, :])
            tile[:, :, zeroed] = part
        return tile.reshape(count, self.columns)

    def _read_some(self, cols: I64, first: int, count: int) -> F64:
        rows, chunk = np.divmod(cols, self.full)
        tile: F64 = (self.inputs[rows, chunk, first : first + count] * self.scale).T
        if self.zero is not None:
            tile[self.zero[chunk, first : first + count].T] = 0.0
        return tile

    def _steps(self, first: int, inputs: F64, previous: F64, cols: I64 | None) -> F64:
        """`len(inputs)` positions from `previous`: (count, len(previous)). This loop is where
        the time goes when chunks are few (a long memory), hence its spare style."""
        multiply, add, w, patches = np.multiply, np.add, np.float64(self.w), self.patches
        tile = np.empty_like(inputs) if cols is not None else self.tile_out[: len(inputs)]
        lines = tile.reshape(len(inputs), -1)
        for position, (line, row) in enumerate(zip(lines, inputs, strict=True), first):
            multiply(previous, w, line)
            add(line, row, line)
            if position in patches:
                at, values = patches[position]
                if cols is None:
                    line[at] = values
                else:
                    hit = np.isin(cols, at)
                    line[hit] = values[np.searchsorted(at, cols[hit])]
            previous = line
        return lines

    def _write(self, first: int, lines: F64) -> None:
        tile = lines.reshape(len(lines), self.series, self.full)
        for row in range(self.series):
            self.outputs[row, :, first : first + len(lines)] = tile[:, row].T

    def _differs(self, first: int, lines: F64) -> I64:
        """The columns whose last position in the tile differs from `lines[-1]`, bit for bit
        (where a chunk's run meets its last one, it stays equal to the end)."""
        old = self.outputs[:, :, first + len(lines) - 1].reshape(-1)
        return np.flatnonzero(old.view(np.int64) != lines[-1].view(np.int64))

    def first_pass(self, start: F64) -> None:
        previous = start
        for first in range(0, self.length, self.tile):
            count = min(self.tile, self.length - first)
            lines = self._steps(first, self._read(first, count), previous, None)
            self._write(first, lines)
            previous = lines[-1].copy()
        self.read_kept = True

    def again(self, start: F64, changed: I64) -> None:
        """Run the chunks `changed` again from `start`, each until it meets its last run bit for
        bit (from there on it cannot differ). While many chunks still differ, all of them are
        run (the others repeat their last run); then only those that have not met."""
        cols: I64 | None = None if 3 * changed.size > self.columns else changed
        previous = start if cols is None else start[changed]
        for first in range(0, self.length, self.tile):
            count = min(self.tile, self.length - first)
            if cols is None:
                lines = self._steps(first, self._read(first, count), previous, None)
                differs = self._differs(first, lines)
                self._write(first, lines)
            else:
                lines = self._steps(first, self._read_some(cols, first, count), previous, cols)
                rows, chunk = np.divmod(cols, self.full)
                old = self.outputs[rows, chunk, first + count - 1]
                differs = np.flatnonzero(old.view(np.int64) != lines[-1].view(np.int64))
                self.outputs[rows, chunk, first : first + count] = lines.T
            if differs.size == 0:
                return
            if cols is None and 3 * differs.size > self.columns:
                previous = lines[-1].copy()
                continue
            cols, previous = (
                (differs, lines[-1, differs])
                if cols is None
                else (
                    cols[differs],
                    lines[-1, differs],
                )
            )
            if cols.size <= _FEW:  # the last stragglers: one numpy call per position is waste
                for col, value in zip(cols.tolist(), previous.tolist(), strict=True):
                    self._finish(col, first + count, value)
                return

    def _finish(self, col: int, first: int, previous: float) -> None:
        """Chunk `col` from position `first` on, from `previous`, in plain Python, until it meets
        its last run."""
        row, chunk = divmod(col, self.full)
        inputs = self._whole(np.array([col]))[0, first:].tolist()
        target = self.outputs[row, chunk, first:]
        old = target.tolist()
        seeds = {
            position - first: float(values[np.searchsorted(cols, col)])
            for position, (cols, values) in self.patches.items()
            if position >= first and np.isin(col, cols)
        }
        w, y, done = self.w, previous, []
        for t, value in enumerate(inputs):
            y = seeds[t] if t in seeds else w * y + value
            before = old[t]
            if y == before and (y != 0.0 or math.copysign(1.0, y) == math.copysign(1.0, before)):
                break  # the same float, bit for bit (a NaN never is: it runs on, still right)
            done.append(y)
        target[: len(done)] = done

    def guesses(self, resets: I64, values: F64) -> F64:
        """The value entering each chunk, from weighted sums of the chunks before it (only
        approximate: the true values are checked afterwards, these make the check short)."""
        length, full, columns = self.length, self.full, self.columns
        weights = self.w ** np.arange(length - 1, -1, -1, dtype=np.float64)
        ends = np.dot(self.inputs, weights).reshape(columns) * self.scale  # from a start of 0
        if self.zero is not None:
            touched = self.zeroed
            cols = (touched[None, :] + full * np.arange(self.series)[:, None]).reshape(-1)
            ends[cols] = np.dot(self._whole(cols), weights)
        carry = np.full(columns, self.w**length)
        if resets.size:
            at_position, at_chunk = resets % length, resets // length
            hit = np.unique(at_chunk)
            last = np.searchsorted(at_chunk, hit, side="right") - 1  # a chunk's last reset
            after = np.arange(length)[None, :] > at_position[last][:, None]
            for row in range(self.series):
                cols = hit + row * full
                seeded = values[row, last] * weights[at_position[last]]
                ends[cols] = np.dot(self._whole(cols) * after, weights) + seeded
                carry[cols] = 0.0
        first = np.zeros(columns, dtype=np.bool_)
        first[::full] = True
        shifted_ends = np.where(first, 0.0, np.roll(ends, 1))
        shifted_carry = np.where(first, 0.0, np.roll(carry, 1))
        start = np.zeros(columns)
        for _ in range(math.ceil(40.0 / _SPAN) + 1):  # carry**k falls below an ulp
            start = shifted_ends + shifted_carry * np.roll(start, 1)
        return start

    def _whole(self, cols: I64) -> F64:
        rows, chunk = np.divmod(cols, self.full)
        whole: F64 = self.inputs[rows, chunk] * self.scale
        if self.zero is not None:
            whole[self.zero[chunk]] = 0.0
        return whole


def segment_sums(values: F64, firsts: I64) -> F64:
    """np.cumsum of each segment: `firsts` (sorted, starting with 0) are where segments begin."""
    size = values.size
    out = np.empty(size)
    if size == 0:
        return out
    lengths = np.diff(firsts, append=size)
    long_from = max(_MIN_CHUNK, math.isqrt(size))
    for first, count in zip(
        firsts[lengths >= long_from].tolist(), lengths[lengths >= long_from].tolist(), strict=True
    ):
        np.cumsum(values[first : first + count], out=out[first : first + count])
    short = lengths < long_from
    if not short.any():
        return out
    # Short segments, grouped by the power of two their length rounds up to, as padded tables.
    width = np.left_shift(1, np.ceil(np.log2(np.maximum(lengths[short], 1))).astype(np.int64))
    for bucket in np.unique(width).tolist():
        picked = width == bucket
        begin, count = firsts[short][picked], lengths[short][picked]
        index = np.minimum(begin[:, None] + np.arange(bucket)[None, :], size - 1)
        table = values[index]
        np.cumsum(table, axis=1, out=table)
        inside = np.arange(bucket)[None, :] < count[:, None]
        out[index[inside]] = table[inside]
    return out
