"""What the two parsers hand to validation, and the epoch-time rules they share.

The fast parser and the row-by-row parser must produce the same `_Parsed` for the same file (a
property test compares them), so the result type, the signal to fall back (`_Fallback`) and the
reading of epoch numbers (their unit told by size, the same on every row) live here, once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

from tradeplan.backtest.data.issues import _IssueLog
from tradeplan.backtest.data.model import F64, I8, I64

MAX_DIGITS: Final = 18  # digits an int64 holds without overflow
_POW10 = np.array([10**k for k in range(MAX_DIGITS + 1)], dtype=np.int64)
_INT64_MAX: Final = np.int64(2**63 - 1)
_UNIT_NAMES: Final = {9: "seconds", 6: "milliseconds", 3: "microseconds", 0: "nanoseconds"}
_RANGE_TEXT: Final = (
    "is outside the times a backtest can hold (1677-09-22 to 2262-04-11 UTC); "
    "check the year, or the unit of epoch numbers"
)


@dataclass(slots=True)
class _Parsed:
    """Parsed columns before validation: mantissa and decimals per price column."""

    time_ns: I64
    prices: dict[str, tuple[I64, I8]]  # column -> (mantissa, decimals per row)
    volume: F64 | None
    line_no: I64
    field_col: Callable[[str, int], int]  # (column, row) -> 1-based column in its line
    # Errors already found row by row, and the rows they spoil: validation adds to the same log
    # (skipping those rows) so that one report lists every kind of problem in the file.
    log: _IssueLog | None = None
    spoiled: NDArray[np.bool_] | None = None

    def column(self, name: str) -> Callable[[int], int]:
        return lambda row: self.field_col(name, row)


class _Fallback(Exception):
    """The fast path met something it does not handle; parse row by row instead."""


def _epoch_to_ns(mantissa: I64, decimals: I64) -> I64:
    """Epoch numbers: < 1e11 seconds, < 1e14 milliseconds, < 1e17 microseconds, else ns.

    The unit is read from each row's size and must be the same on every row: a file that turns
    from seconds to milliseconds part way would otherwise be read in one unit, and the rows in
    the other would land in 1970 (or far in the future) without a word.
    """
    magnitude = np.abs(mantissa) // _POW10[np.clip(decimals, 0, 18)]
    unit_exp = np.select(
        [magnitude < 10**11, magnitude < 10**14, magnitude < 10**17], [9, 6, 3], 0
    ).astype(np.int64)
    if unit_exp.size and np.any(unit_exp != unit_exp[0]):
        raise _MixedUnits(unit_exp)
    shift = unit_exp - decimals
    if np.any(shift < 0):
        raise _Fallback  # finer than a nanosecond
    factor = _POW10[np.clip(shift, 0, 18)]
    outside = np.abs(mantissa) > _INT64_MAX // factor
    if np.any(outside):
        raise _OutOfRange(np.flatnonzero(outside))
    result: I64 = mantissa * factor
    return result


class _MixedUnits(Exception):
    """Epoch numbers whose sizes say different units (seconds on some rows, ms on others)."""

    def __init__(self, unit_exp: I64) -> None:
        super().__init__()
        self.unit_exp = unit_exp
        self.first_other = int(np.flatnonzero(unit_exp != unit_exp[0])[0])

    def message(self, text: Callable[[int], str], row: Callable[[int], int]) -> str:
        """`text(i)` and `row(i)`: the written time and 1-based data row of epoch value i."""
        at = self.first_other
        unit, first_unit = (_UNIT_NAMES[int(self.unit_exp[i])] for i in (at, 0))
        units, counts = np.unique(self.unit_exp, return_counts=True)
        tally = ", ".join(
            f"{int(c):,} in {_UNIT_NAMES[int(u)]}"
            for u, c in sorted(zip(units, counts, strict=True), key=lambda uc: -int(uc[0]))
        )
        return (
            f"`time` {text(at)} is epoch {unit}, but row {row(0):,}'s {text(0)} is epoch "
            f"{first_unit}: write every time in the same unit (rows: {tally})"
        )


class _OutOfRange(Exception):
    """Epoch numbers whose nanoseconds do not fit an int64 (they would wrap round)."""

    def __init__(self, positions: NDArray[np.intp]) -> None:
        super().__init__()
        self.positions = positions
