"""Array helpers the batch forms share: windows, NaN bookkeeping, rows of running sums.

The row layout matters beyond speed: a step form reproduces a long window's sum by keeping the
same rows (see `prefix.py`), so the layout here is part of what a window's value is, to the last
digit, and is changed only together with the step forms that mirror it.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike, NDArray

F64 = NDArray[np.float64]
B = NDArray[np.bool_]
I64 = NDArray[np.int64]

DIRECT_MAX: Final = 32  # windows up to this length are summed term by term
SUM_BLOCK: Final = 512  # outputs per row of running sums (at least 4 windows' worth)


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


def nans(size: int) -> F64:
    return np.full(size, np.nan)


def shift(values: F64, bars: int) -> F64:
    """`values[bars]` in the language: the value `bars` bars ago, NaN before the first bar."""
    if bars < 0:
        raise ValueError("history offsets look back and cannot be negative")
    if bars == 0:
        return values
    out = nans(values.size)
    if bars < values.size:
        out[bars:] = values[: values.size - bars]
    return out


def run_lengths(valid: B) -> I64:
    """How many valid values end at each index (0 where the value is invalid)."""
    index = np.arange(valid.size, dtype=np.int64)
    last_invalid = np.maximum.accumulate(np.where(valid, -1, index))
    runs: I64 = index - last_invalid
    return runs


def windows_with_nan(values: F64, n: int) -> B:
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


def rows(values: F64, n: int, block: int, pad: float | None = None) -> F64:
    """Rows of `block` windows each: row b holds values[b*block - n + 1 : (b + 1) * block].

    Before the first value the row is padded with `pad`, by default the first value (an edge
    value, not zero, keeps a row's range small); after the last one with the last value, which
    no window of real values reaches.
    """
    size = values.size
    count = -(-size // block)
    padded = np.empty(n - 1 + count * block)
    padded[n - 1 : n - 1 + size] = values
    padded[: n - 1] = values[0] if pad is None else pad
    padded[n - 1 + size :] = values[-1]
    view: F64 = sliding_window_view(padded, block + n - 1)[::block]
    return view


def row_sums(table: F64, n: int) -> F64:
    """Sum of each window of `n` inside each row: shape (rows, row length - n + 1).

    A window's sum is the difference of two running sums of its row, each added left to right
    from the row's first element (np.cumsum adds in order), which `prefix.Prefix` repeats.
    """
    cumulative = np.zeros((table.shape[0], table.shape[1] + 1))
    np.cumsum(table, axis=1, out=cumulative[:, 1:])
    sums: F64 = cumulative[:, n:] - cumulative[:, :-n]
    return sums


def flatten(table: F64, size: int) -> F64:
    flat: F64 = table.reshape(-1)[:size]
    return flat


def sum_block(n: int) -> int:
    return max(SUM_BLOCK, 4 * n)


def flat_windows(values: F64, n: int) -> B:
    """True where the n values ending there are all equal (exact, by counting changes)."""
    size = values.size
    flat = np.zeros(size, dtype=np.bool_)
    if size < n:
        return flat
    changes = np.zeros(size, dtype=np.int64)
    np.cumsum(values[1:] != values[:-1], out=changes[1:])
    flat[n - 1 :] = changes[n - 1 :] == changes[: size - n + 1]
    return flat


def finish(result: F64, values: F64, n: int) -> F64:
    result[windows_with_nan(values, n)] = np.nan
    return result


def direct_sum(values: F64, n: int) -> F64:
    """Window sums added oldest bar first: exactly what a loop over the window computes."""
    size = values.size
    out = nans(size)
    count = size - n + 1
    acc = values[:count].copy()
    for k in range(1, n):
        acc += values[k : k + count]
    out[n - 1 :] = acc
    return out


def rolling_sum(values: F64, n: int) -> F64:
    """Window sums, NaN where the window is incomplete or holds a NaN."""
    if values.size < n:
        return nans(values.size)
    if n <= DIRECT_MAX:
        return direct_sum(values, n)
    clean = np.where(np.isnan(values), 0.0, values)
    sums = flatten(row_sums(rows(clean, n, sum_block(n)), n), values.size)
    return finish(sums.copy(), values, n)


def window_means_at(values: F64, n: int, ends: I64) -> F64:
    """Mean of the `n` values ending at each of `ends`, summed oldest first like `sma`."""
    windows = sliding_window_view(values, n)[ends - (n - 1)]
    acc = windows[:, 0].copy()
    for k in range(1, n):
        acc += windows[:, k]
    out: F64 = acc / n
    return out


def transpose(table: F64) -> F64:
    """A contiguous transposed copy."""
    out: F64 = np.ascontiguousarray(table.T)
    return out
