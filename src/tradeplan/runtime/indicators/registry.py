"""The one list of indicators: name -> batch form, step form, warm-up (see `entry.Indicator`).

The evaluator looks functions up here, tests/runtime/test_indicator_steps.py proves every
entry's two forms equal, and plan.vocabulary.FUNCTIONS (what the compiler accepts) must name
the same functions with the same arguments and bar columns (tests/runtime/test_indicators.py and
test_indicator_steps.py check it). Each function's warm-up, and `warmup` itself, are the vocabulary's, so
the compiler, which may not import this registry, derives a plan's from the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from tradeplan.plan.vocabulary import warmup
from tradeplan.runtime.indicators.arrays import F64
from tradeplan.runtime.indicators.atr import ENTRY as ATR
from tradeplan.runtime.indicators.change import CHANGE, ROC
from tradeplan.runtime.indicators.elementwise import ABS, MAX, MIN
from tradeplan.runtime.indicators.ema import ENTRY as EMA
from tradeplan.runtime.indicators.entry import Indicator
from tradeplan.runtime.indicators.extremes import HIGHEST, LOWEST
from tradeplan.runtime.indicators.rsi import ENTRY as RSI
from tradeplan.runtime.indicators.sma import ENTRY as SMA
from tradeplan.runtime.indicators.stdev import ENTRY as STDEV
from tradeplan.runtime.indicators.vwap import ENTRY as VWAP
from tradeplan.runtime.indicators.wma import ENTRY as WMA

__all__ = ["REGISTRY", "WINDOW_FUNCTIONS", "warmup"]

REGISTRY: Final[dict[str, Indicator]] = {
    entry.name: entry
    for entry in (SMA, EMA, WMA, RSI, ATR, HIGHEST, LOWEST, STDEV, ROC, CHANGE, VWAP, ABS, MIN, MAX)
}


def _window_functions() -> dict[str, Callable[[F64, int], F64]]:
    return {
        name: entry.batch
        for name, entry in REGISTRY.items()
        if entry.inputs == ("series",) and entry.params == ("length",)
    }


WINDOW_FUNCTIONS: Final = _window_functions()
"""The `(series, length)` functions of the registry, by name (their batch forms)."""
