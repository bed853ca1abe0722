"""`abs(x)`, `min(a, b)`, `max(a, b)`: per bar, no history; a missing value stays missing.

The step forms call the very ufuncs the batch forms use, so ties between 0.0 and -0.0 resolve
alike (numpy keeps the second operand on x86).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from tradeplan.runtime.indicators.arrays import F64, as_series
from tradeplan.runtime.indicators.entry import Indicator


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


class AbsStep:
    __slots__ = ()

    def update(self, x: float) -> float:
        return abs(x)


class MinStep:
    __slots__ = ()

    def update(self, left: float, right: float) -> float:
        return float(np.minimum(left, right))


class MaxStep:
    __slots__ = ()

    def update(self, left: float, right: float) -> float:
        return float(np.maximum(left, right))


ABS = Indicator("abs", ("number",), (), absolute, AbsStep, scalar=abs)
MIN = Indicator("min", ("number", "number"), (), minimum, MinStep, scalar=min)
MAX = Indicator("max", ("number", "number"), (), maximum, MaxStep, scalar=max)
