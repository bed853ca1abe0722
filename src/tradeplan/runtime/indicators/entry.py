"""What one indicator is: its batch form, its step form and its warm-up, as one registry entry.

The batch form computes a whole series with numpy (the backtest); the step form takes one closed
bar at a time (a live run). They are two implementations of one definition, so each step repeats
the batch form's float operations in the same order: `batch(x)[t]` and the step's output after
`x[0..t]` are the same float, bit for bit, NaNs included (tests/runtime/test_indicator_steps.py).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final, Protocol

from tradeplan.plan.vocabulary import FUNCTIONS
from tradeplan.runtime.indicators.arrays import F64

NAN: Final = math.nan

LANGUAGE_INPUTS: Final = ("series", "number")
"""Inputs that are a language argument; every other input is a bar column the evaluator reads."""


class Step(Protocol):
    """An indicator's running state: `update(*inputs)` takes one closed bar, returns its value."""

    @property
    def update(self) -> Callable[..., float]: ...


@dataclass(frozen=True, slots=True)
class Indicator:
    """One language function.

    `inputs` are what the batch form takes as arrays and `update` as floats, in order: "series"
    and "number" are the function's arguments, the others ("high", "low", "close", "hlc3",
    "volume", "day") are bar columns. `params` follow them (a length). `lookback(*params)` and
    `settling(*params)` are the language's (plan.vocabulary.FUNCTIONS, their one definition):
    the bars before the first value, and the further bars a recursive indicator needs before a
    step started on a later bar gives the backtest's value to the last digit. `rows(*params)` is the length of the rows of running sums a long
    window keeps, counted from the first bar (0 when there are none): a step started a whole
    number of rows after the backtest's first bar agrees with it to the last digit from the end
    of its first row, one started elsewhere only to rounding. `scalar`, when set, computes the
    function of constants.
    """

    name: str
    inputs: tuple[str, ...]
    params: tuple[str, ...]
    batch: Callable[..., F64]
    step: Callable[..., Step]
    rows: Callable[..., int] = lambda *params: 0
    scalar: Callable[..., float] | None = None

    @property
    def lookback(self) -> Callable[..., int]:
        return FUNCTIONS[self.name].lookback

    @property
    def settling(self) -> Callable[..., int]:
        return FUNCTIONS[self.name].settling

    @property
    def recursive(self) -> bool:
        return FUNCTIONS[self.name].recursive

    @property
    def language_params(self) -> tuple[str, ...]:
        """The arguments a call writes, as plan.vocabulary.FUNCTIONS names them."""
        return tuple(i for i in self.inputs if i in LANGUAGE_INPUTS) + self.params


def oldest_first(values: Iterable[float]) -> float:
    """A window's sum added oldest value first, as `arrays.direct_sum` adds its columns."""
    items = iter(values)
    acc = next(items)
    for value in items:
        acc += value
    return acc


def at_least_zero(value: float) -> float:
    """np.maximum(value, 0.0): NaN stays NaN, a tie (0 or -0) gives the +0.0 operand."""
    if value > 0.0 or value != value:
        return value
    return 0.0


def nan_max(left: float, right: float) -> float:
    """np.maximum(left, right) where `right` is never -0.0: NaN if either is, else the larger."""
    if left != left or right != right:
        return NAN
    return left if left > right else right


class Prefix:
    """Running sums of one row, as `arrays.row_sums` forms them: the window of the newest `n`.

    numpy's cumsum starts a row with its first element (not 0 + it) and adds left to right; a
    window is the difference of two running sums n apart, the first of them 0.0.
    """

    __slots__ = ("started", "sums")

    def __init__(self, n: int) -> None:
        self.sums: deque[float] = deque([0.0], maxlen=n + 1)
        self.started = False

    def push(self, value: float) -> None:
        if self.started:
            self.sums.append(self.sums[-1] + value)
        else:
            self.sums.append(value)
            self.started = True

    def window(self) -> float:
        return self.sums[-1] - self.sums[0]
