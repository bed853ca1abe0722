"""The language's indicator functions over float64 arrays, vectorised and O(n) in the bar count.

Every function returns an array as long as its input, NaN where there is not yet enough history
(the warm-up) or where the window holds a missing value. The definitions follow TA-Lib and
TradingView so that a strategy backtested here signals on the same bars as on a chart:

* `sma`, `wma`, `stdev` (population, TA-Lib STDDEV with nbdev 1), `highest`, `lowest` look at the
  window of `n` bars ending at the current bar (the current bar included); any NaN in the window
  makes the result NaN.
* `ema` uses alpha 2/(n+1) and is seeded with the SMA of its first `n` values (TA-Lib, and
  TradingView's `ta.ema`), so its first value is at index n-1.
* `rsi` and `atr` use Wilder smoothing (alpha 1/n) seeded with the plain mean of the first `n`
  gains/losses or true ranges, as TA-Lib: the true range of the first bar is undefined (it needs
  the close before it), so both start at index n. RSI is 0 when price did not move at all
  (TA-Lib's convention).
* The recursive ones (`ema`, `rsi`, `atr`) start after the leading NaNs of their input (so
  `ema(rsi(close, 14), 9)` works) and start again, with a fresh seed, after any later NaN, instead
  of letting one missing value blank out the rest of the series.
* `roc` is TA-Lib's `((x / x[n]) - 1) * 100`, NaN (not TA-Lib's 0) where `x[n]` is zero: a
  division by zero is a missing value everywhere in the language.
* `vwap` is anchored to the session: it restarts at each change of the day id. A NaN price or
  volume makes it NaN for the rest of that day; a day that has traded no volume yet is NaN.

Precision: windows of up to 32 bars (16 for `stdev`) are summed directly, oldest bar first,
which gives exactly the value of a plain loop (ties between a price and its average behave as a
hand calculation says). Longer windows use running sums inside blocks of max(512, 4n) bars, so
the rounding error is that of a block's additions rather than of the whole history. Rolling
max/min over long windows use the van Herk/Gil-Werman algorithm (three passes whatever the
length). The recursions use a closed form per block with a carried value between blocks,
accurate to a few ulps of the values involved. A long-window `stdev` comes from running sums
of squares about each block's mean: exactly 0 for a window of equal values, otherwise within
about 1e-8 of the local price range (worst for a window far calmer than its neighbourhood).
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike, NDArray

F64 = NDArray[np.float64]
B = NDArray[np.bool_]
I64 = NDArray[np.int64]

DIRECT_MAX: Final = 32  # windows up to this length are summed term by term
_DIRECT_STDEV_MAX: Final = 16  # two passes per term: longer windows are faster as running sums
_STDEV_ROWS: Final = 2  # windows per row of running sums of squares
_SUM_BLOCK: Final = 512  # outputs per row of running sums (at least 4 windows' worth)
_RECURSION_BLOCK: Final = 4096  # longest row of the closed-form recursion
_LOG_RANGE: Final = 230.0  # w**-j stays below e**230 (about 1e100) inside a row


# --------------------------------------------------------------------------------------------
# Helpers


def as_series(values: ArrayLike) -> F64:
    """A contiguous float64 copy-free view where possible (inputs come from data or arrays)."""
    array = np.ascontiguousarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"a series must be one-dimensional, got shape {array.shape}")
    return array


def check_length(length: int) -> int:
    if isinstance(length, bool) or int(length) != length or length < 1:
        raise ValueError(f"an indicator length must be a whole number of bars >= 1, not {length}")
    return int(length)


def _nans(size: int) -> F64:
    return np.full(size, np.nan)


def shift(values: F64, bars: int) -> F64:
    """`values[bars]` in the language: the value `bars` bars ago, NaN before the first bar."""
    if bars < 0:
        raise ValueError("history offsets look back and cannot be negative")
    if bars == 0:
        return values
    out = _nans(values.size)
    if bars < values.size:
        out[bars:] = values[: values.size - bars]
    return out


def _run_lengths(valid: B) -> I64:
    """How many valid values end at each index (0 where the value is invalid)."""
    index = np.arange(valid.size, dtype=np.int64)
    last_invalid = np.maximum.accumulate(np.where(valid, -1, index))
    runs: I64 = index - last_invalid
    return runs


def _windows_with_nan(values: F64, n: int) -> B:
    """True where the window of `n` bars ending there is incomplete or holds a NaN."""
    size = values.size
    out = np.ones(size, dtype=np.bool_)
    missing = np.isnan(values)
    if not missing.any():
        out[n - 1 :] = False
        return out
    counts = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(missing, out=counts[1:])
    out[n - 1 :] = (counts[n:] - counts[:-n]) > 0
    return out


def _rows(values: F64, n: int, block: int) -> F64:
    """Rows of `block` windows each: row b holds values[b*block - n + 1 : (b + 1) * block]."""
    size = values.size
    rows = -(-size // block)
    padded = np.empty(n - 1 + rows * block)
    padded[n - 1 : n - 1 + size] = values
    padded[: n - 1] = values[0]  # edge values, not zeros: the pad keeps a row's range small
    padded[n - 1 + size :] = values[-1]
    view: F64 = sliding_window_view(padded, block + n - 1)[::block]
    return view


def _row_sums(rows: F64, n: int) -> F64:
    """Sum of each window of `n` inside each row: shape (rows, row length - n + 1)."""
    cumulative = np.zeros((rows.shape[0], rows.shape[1] + 1))
    np.cumsum(rows, axis=1, out=cumulative[:, 1:])
    sums: F64 = cumulative[:, n:] - cumulative[:, :-n]
    return sums


def _flatten(rows: F64, size: int) -> F64:
    flat: F64 = rows.reshape(-1)[:size]
    return flat


def _sum_block(n: int) -> int:
    return max(_SUM_BLOCK, 4 * n)


def _filled(values: F64) -> F64:
    """NaNs replaced by the value before them (the first valid value for leading ones), so a
    missing bar does not stretch a block's range; windows holding NaN are blanked later."""
    missing = np.isnan(values)
    if not missing.any():
        return values
    if missing.all():
        return np.zeros(values.size)
    index = np.where(missing, 0, np.arange(values.size))
    index[: int(np.argmin(missing))] = int(np.argmin(missing))
    filled: F64 = values[np.maximum.accumulate(index)]
    return filled


def _flat_windows(values: F64, n: int) -> B:
    """True where the n values ending there are all equal (exact, by counting changes)."""
    size = values.size
    flat = np.zeros(size, dtype=np.bool_)
    if size < n:
        return flat
    changes = np.zeros(size, dtype=np.int64)
    np.cumsum(values[1:] != values[:-1], out=changes[1:])
    flat[n - 1 :] = changes[n - 1 :] == changes[: size - n + 1]
    return flat


def _finish(result: F64, values: F64, n: int) -> F64:
    result[_windows_with_nan(values, n)] = np.nan
    return result


def _direct_sum(values: F64, n: int) -> F64:
    """Window sums added oldest bar first: exactly what a loop over the window computes."""
    size = values.size
    out = _nans(size)
    count = size - n + 1
    acc = values[:count].copy()
    for k in range(1, n):
        acc += values[k : k + count]
    out[n - 1 :] = acc
    return out


def _rolling_sum(values: F64, n: int) -> F64:
    """Window sums, NaN where the window is incomplete or holds a NaN."""
    if values.size < n:
        return _nans(values.size)
    if n <= DIRECT_MAX:
        return _direct_sum(values, n)
    clean = np.where(np.isnan(values), 0.0, values)
    sums = _flatten(_row_sums(_rows(clean, n, _sum_block(n)), n), values.size)
    return _finish(sums.copy(), values, n)


def _linear_recursion(inputs: F64, weight: float, reset_at: I64, start: F64) -> F64:
    """y[t] = start at the positions `reset_at` (sorted), else weight * y[t-1] + inputs[t].

    Inside a row of `block` values, y is the closed form w**j * (cumsum(x * w**-j) - base), the
    row short enough that w**-j cannot overflow. `base` is constant between a row start and a
    reset, so it is laid out with np.repeat: the prefix before the latest reset, or minus the
    value carried in from the previous row. Carrying row ends forward is a short loop over rows
    (a few hundred for a million bars). `inputs` must hold no NaN; y before the first reset
    starts from 0.
    """
    size = inputs.size
    if weight == 0.0 or size == 0:
        plain = inputs.copy()
        plain[reset_at] = start
        return plain
    block = _RECURSION_BLOCK if weight == 1.0 else int(_LOG_RANGE / -math.log(weight))
    block = max(1, min(_RECURSION_BLOCK, block))
    rows = -(-size // block)
    prefix = np.zeros(rows * block)
    prefix[:size] = inputs
    prefix[reset_at] = start
    table = prefix.reshape(rows, block)
    scaled = weight != 1.0
    j = np.arange(block, dtype=np.float64)
    decay = weight**j
    if scaled:
        table *= weight**-j
    np.cumsum(table, axis=1, out=table)

    row_starts = np.arange(rows, dtype=np.int64) * block
    points = np.union1d(row_starts, reset_at)  # where `base` may change
    is_reset = np.zeros(points.size, dtype=np.bool_)
    is_reset[np.searchsorted(points, reset_at)] = True
    before = np.where(points % block == 0, 0.0, prefix[np.maximum(points - 1, 0)])

    last_piece = np.searchsorted(points, row_starts + block) - 1
    closed = is_reset[last_piece]
    row_ends = table[:, -1]
    last = decay[-1]
    closed_ends = (last * (row_ends - before[last_piece])).tolist()
    open_ends = (last * row_ends).tolist()
    whole = last * weight
    carry_in = np.zeros(rows)
    carried = 0.0
    for b, is_closed in enumerate(closed.tolist()):
        carry_in[b] = carried
        carried = closed_ends[b] if is_closed else open_ends[b] + whole * carried

    base = before
    opens = ~is_reset
    base[opens] = -weight * carry_in[points[opens] // block]
    lengths = np.diff(points, append=rows * block)
    prefix -= np.repeat(base, lengths)
    if scaled:
        table *= decay
    out: F64 = prefix[:size]
    return out


def _window_means_at(values: F64, n: int, ends: I64) -> F64:
    """Mean of the `n` values ending at each of `ends`, summed oldest first like `sma`."""
    windows = sliding_window_view(values, n)[ends - (n - 1)]
    acc = windows[:, 0].copy()
    for k in range(1, n):
        acc += windows[:, k]
    out: F64 = acc / n
    return out


def _smoothed(values: F64, n: int, alpha: float) -> F64:
    """An exponential average seeded with the mean of the first `n` values of each valid run.

    Only the seeds need the runs of valid values; when NaNs lead the input and none follow
    (the usual case: a warm-up, or the first bar of a difference) there is a single seed and
    the whole series is one recursion.
    """
    size = values.size
    if size < n:
        return _nans(size)
    missing = np.isnan(values)
    lead = int(np.argmin(missing)) if missing[0] else 0
    warming: B | None = None
    if missing[lead]:  # all NaN
        return _nans(size)
    if not missing[lead:].any():
        seeds = np.array([lead + n - 1] if lead + n <= size else [], dtype=np.int64)
        inputs = alpha * values
        inputs[:lead] = 0.0
    else:
        runs = _run_lengths(~missing)
        seeds = np.flatnonzero(runs == n)
        warming = runs < n
        inputs = np.where(missing, 0.0, alpha * values)
    out = _linear_recursion(inputs, 1.0 - alpha, seeds, _window_means_at(values, n, seeds))
    if warming is None:
        out[: lead + n - 1] = np.nan
    else:
        out[warming] = np.nan
    return out


# --------------------------------------------------------------------------------------------
# The language's functions


def sma(values: ArrayLike, length: int) -> F64:
    """Simple moving average of the last `length` bars."""
    x, n = as_series(values), check_length(length)
    out: F64 = _rolling_sum(x, n) / n
    return out


def ema(values: ArrayLike, length: int) -> F64:
    """Exponential moving average, alpha 2/(n+1), seeded with the SMA of the first n values."""
    x, n = as_series(values), check_length(length)
    return _smoothed(x, n, 2.0 / (n + 1))


def wma(values: ArrayLike, length: int) -> F64:
    """Linearly weighted moving average: the newest bar weighs n, the oldest 1."""
    x, n = as_series(values), check_length(length)
    size = x.size
    if size < n:
        return _nans(size)
    divisor = n * (n + 1) / 2
    if n <= DIRECT_MAX:
        out = _nans(size)
        count = size - n + 1
        acc = x[:count].copy()
        for k in range(1, n):
            acc += (k + 1) * x[k : k + count]
        out[n - 1 :] = acc / divisor
        return out
    block = 4 * n
    rows = _rows(np.where(np.isnan(x), 0.0, x), n, block)
    position = np.arange(rows.shape[1], dtype=np.float64)
    plain = _row_sums(rows, n)
    weighted = _row_sums(rows * position, n)
    ends = position[n - 1 :]  # row position of each window's newest bar
    result = (weighted - (ends - n) * plain) / divisor
    return _finish(_flatten(result, size).copy(), x, n)


def stdev(values: ArrayLike, length: int) -> F64:
    """Population standard deviation over the last `length` bars (TA-Lib STDDEV, nbdev 1)."""
    x, n = as_series(values), check_length(length)
    size = x.size
    if size < n:
        return _nans(size)
    if n <= _DIRECT_STDEV_MAX:
        mean = _direct_sum(x, n)[n - 1 :] / n
        count = size - n + 1
        acc = np.zeros(count)
        deviation = np.empty(count)
        for k in range(n):
            np.subtract(x[k : k + count], mean, out=deviation)
            np.multiply(deviation, deviation, out=deviation)
            acc += deviation
        out = _nans(size)
        out[n - 1 :] = np.sqrt(acc / n)
        return out
    # Rows only a few windows long, each centred on its own mean, keep the running sums of
    # squares close to the windows' own spread; a window whose values are all equal is 0.
    rows = _rows(_filled(x), n, _STDEV_ROWS * n)
    centred = rows - rows.mean(axis=1, keepdims=True)
    mean = _row_sums(centred, n) / n
    variance = _row_sums(centred * centred, n) / n - mean * mean
    result = _flatten(np.sqrt(np.maximum(variance, 0.0)), size).copy()
    result[_flat_windows(x, n)] = 0.0
    return _finish(result, x, n)


def rsi(values: ArrayLike, length: int) -> F64:
    """Relative strength index with Wilder smoothing, 0 to 100 (TA-Lib RSI)."""
    x, n = as_series(values), check_length(length)
    delta = np.full(x.size, np.nan)
    delta[1:] = x[1:] - x[:-1]
    gain = _smoothed(np.maximum(delta, 0.0), n, 1.0 / n)
    loss = _smoothed(np.maximum(-delta, 0.0), n, 1.0 / n)
    total = gain + loss
    with np.errstate(invalid="ignore", divide="ignore"):
        out: F64 = np.where(total == 0.0, 0.0, 100.0 * gain / total)
    return out


def true_range(high: ArrayLike, low: ArrayLike, close: ArrayLike) -> F64:
    """TA-Lib TRANGE: the largest of high-low and the gaps to the previous close; NaN at bar 0."""
    h, lo, c = as_series(high), as_series(low), as_series(close)
    previous = shift(c, 1)
    out: F64 = np.maximum(np.maximum(h - lo, np.abs(h - previous)), np.abs(lo - previous))
    return out


def atr(high: ArrayLike, low: ArrayLike, close: ArrayLike, length: int) -> F64:
    """Average true range with Wilder smoothing (TA-Lib ATR): first value at index `length`."""
    n = check_length(length)
    return _smoothed(true_range(high, low, close), n, 1.0 / n)


def _rolling_extreme(x: F64, n: int, pick: np.ufunc) -> F64:
    size = x.size
    out = _nans(size)
    if size < n:
        return out
    if n <= DIRECT_MAX:
        count = size - n + 1
        acc = x[:count].copy()
        for k in range(1, n):
            pick(acc, x[k : k + count], out=acc)
        out[n - 1 :] = acc
        return out
    rows = -(-size // n)
    padded = np.full(rows * n, np.nan)
    padded[:size] = x
    blocks = padded.reshape(rows, n)
    ahead = pick.accumulate(blocks, axis=1).reshape(-1)  # block start .. i
    behind = pick.accumulate(blocks[:, ::-1], axis=1)[:, ::-1].reshape(-1)  # i .. block end
    out[n - 1 :] = pick(behind[: size - n + 1], ahead[n - 1 : size])
    return out


def highest(values: ArrayLike, length: int) -> F64:
    """Highest value of the last `length` bars, the current bar included."""
    return _rolling_extreme(as_series(values), check_length(length), np.maximum)


def lowest(values: ArrayLike, length: int) -> F64:
    """Lowest value of the last `length` bars, the current bar included."""
    return _rolling_extreme(as_series(values), check_length(length), np.minimum)


def change(values: ArrayLike, length: int) -> F64:
    """Difference to the value `length` bars ago."""
    x, n = as_series(values), check_length(length)
    out: F64 = x - shift(x, n)
    return out


def roc(values: ArrayLike, length: int) -> F64:
    """Rate of change in percent, TA-Lib's ((x / x[n]) - 1) * 100; NaN where x[n] is 0."""
    x, n = as_series(values), check_length(length)
    before = shift(x, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        out: F64 = np.where(before == 0.0, np.nan, ((x / before) - 1.0) * 100.0)
    return out


def typical_price(high: ArrayLike, low: ArrayLike, close: ArrayLike) -> F64:
    """(high + low + close) / 3, the price `vwap` weighs (TradingView's default source)."""
    out: F64 = (as_series(high) + as_series(low) + as_series(close)) / 3.0
    return out


def vwap(price: ArrayLike, volume: ArrayLike, day: ArrayLike) -> F64:
    """Volume-weighted average of `price` since the start of the bar's day (session anchor)."""
    p, v = as_series(price), as_series(volume)
    days = np.ascontiguousarray(day, dtype=np.int64)
    if not p.size == v.size == days.size:
        raise ValueError("vwap needs price, volume and day arrays of one length")
    size = p.size
    if size == 0:
        return _nans(0)
    weighted = p * v
    missing = np.isnan(weighted)
    starts = np.ones(size, dtype=np.bool_)
    starts[1:] = days[1:] != days[:-1]
    clean_pv = np.where(missing, 0.0, weighted)
    clean_v = np.where(missing, 0.0, v)
    first = np.flatnonzero(starts)
    sum_pv = _linear_recursion(clean_pv, 1.0, first, clean_pv[first])
    sum_v = _linear_recursion(clean_v, 1.0, first, clean_v[first])
    with np.errstate(invalid="ignore", divide="ignore"):
        out: F64 = np.where(sum_v == 0.0, np.nan, sum_pv / sum_v)
    if missing.any():
        counts = np.cumsum(missing, dtype=np.int64)
        before = counts[first] - missing[first]
        segment = np.cumsum(starts) - 1
        out[(counts - before[segment]) > 0] = np.nan
    return out


def absolute(values: ArrayLike) -> F64:
    out: F64 = np.abs(as_series(values))
    return out


def minimum(left: ArrayLike, right: ArrayLike) -> F64:
    """Smaller of two values per bar; NaN if either is NaN (a missing value stays missing)."""
    out: F64 = np.minimum(as_series(left), as_series(right))
    return out


def maximum(left: ArrayLike, right: ArrayLike) -> F64:
    """Larger of two values per bar; NaN if either is NaN."""
    out: F64 = np.maximum(as_series(left), as_series(right))
    return out


WINDOW_FUNCTIONS: Final = {
    "sma": sma,
    "ema": ema,
    "wma": wma,
    "rsi": rsi,
    "highest": highest,
    "lowest": lowest,
    "stdev": stdev,
    "roc": roc,
    "change": change,
}
"""The `(series, length)` functions of plan.vocabulary.FUNCTIONS, by name."""
