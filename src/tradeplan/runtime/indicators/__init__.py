"""The language's indicator functions: a batch form over float64 arrays (vectorised, O(n) in the
bar count) and a step form that takes one closed bar at a time, for every function, registered
once in `registry.REGISTRY` with its warm-up.

Every batch function returns an array as long as its input, NaN where there is not yet enough
history (the warm-up) or where the window holds a missing value. The definitions follow TA-Lib
and TradingView so that a strategy backtested here signals on the same bars as on a chart (each
module's docstring gives its own):

* `sma`, `wma`, `stdev` (population, TA-Lib STDDEV with nbdev 1), `highest`, `lowest` look at the
  window of `n` bars ending at the current bar (the current bar included); any NaN in the window
  makes the result NaN.
* `ema` uses alpha 2/(n+1) and is seeded with the SMA of its first `n` values; `rsi` and `atr`
  use Wilder smoothing (alpha 1/n) seeded with the plain mean of the first `n` gains/losses or
  true ranges, and start at index n. These recursive ones start after the leading NaNs of their
  input (so `ema(rsi(close, 14), 9)` works) and start again, with a fresh seed, after any later
  NaN, instead of letting one missing value blank out the rest of the series.
* `change`, `roc` compare with the value n bars ago; `vwap` is anchored to the session day.

One definition, two ways to run it: the step form of an indicator, fed `x[0]`, ..., `x[t]`,
returns exactly (the same float, bit for bit, NaN where the batch has NaN) `batch(x)[t]`. That
holds because each batch form is written as operations a step can repeat in the same order:
short windows are added oldest first; long windows keep rows of running sums counted from the
first bar, which the step keeps too; the recursions run sequentially (`recurrence`). Where two
orders of comparison could only differ in the sign of a zero, the result is normalised.
`registry.warmup(name, params)` says how much history a live run loads (docs/indicators.md).
"""

from __future__ import annotations

from tradeplan.runtime.indicators.arrays import DIRECT_MAX, as_series, check_length, shift
from tradeplan.runtime.indicators.atr import atr, true_range
from tradeplan.runtime.indicators.change import change, roc
from tradeplan.runtime.indicators.elementwise import absolute, maximum, minimum
from tradeplan.runtime.indicators.ema import ema
from tradeplan.runtime.indicators.entry import Indicator, Step
from tradeplan.runtime.indicators.extremes import highest, lowest
from tradeplan.runtime.indicators.registry import REGISTRY, WINDOW_FUNCTIONS, warmup
from tradeplan.runtime.indicators.rsi import rsi
from tradeplan.runtime.indicators.sma import sma
from tradeplan.runtime.indicators.stdev import stdev
from tradeplan.runtime.indicators.vwap import typical_price, vwap
from tradeplan.runtime.indicators.wma import wma

__all__ = [
    "DIRECT_MAX",
    "REGISTRY",
    "WINDOW_FUNCTIONS",
    "Indicator",
    "Step",
    "absolute",
    "as_series",
    "atr",
    "change",
    "check_length",
    "ema",
    "highest",
    "lowest",
    "maximum",
    "minimum",
    "roc",
    "rsi",
    "shift",
    "sma",
    "stdev",
    "true_range",
    "typical_price",
    "vwap",
    "warmup",
    "wma",
]
