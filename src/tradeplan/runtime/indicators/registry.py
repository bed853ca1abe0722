"""The one list of indicators: name -> batch form, step form, warm-up (see `entry.Indicator`).

The evaluator looks functions up here, tests/runtime/test_indicator_steps.py proves every
entry's two forms equal, and plan.vocabulary.FUNCTIONS (what the compiler accepts) must name
the same functions with the same arguments (tests/runtime/test_indicators.py checks it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from tradeplan.runtime.indicators.arrays import F64, check_length
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

REGISTRY: Final[dict[str, Indicator]] = {
    entry.name: entry
    for entry in (SMA, EMA, WMA, RSI, ATR, HIGHEST, LOWEST, STDEV, ROC, CHANGE, VWAP, ABS, MIN, MAX)
}


def warmup(name: str, params: tuple[int, ...] = ()) -> int:
    """Bars of history a live run loads before the bar it wants `name(..., *params)` on.

    The bars before the first value (`lookback`), plus, for a recursive indicator (ema, rsi,
    atr), the bars after which a step started that late gives the backtest's value to the last
    digit (`settling`). `vwap` needs the bars of the current day instead, whatever their
    number: it returns 0. Nested calls add up (docs/indicators.md).
    """
    entry = REGISTRY.get(name)
    if entry is None:
        raise KeyError(f"no indicator `{name}`; the indicators are {', '.join(REGISTRY)}")
    if len(params) != len(entry.params):
        raise ValueError(f"`{name}` takes {len(entry.params)} parameter(s), not {len(params)}")
    lengths = tuple(check_length(p) for p in params)
    return entry.lookback(*lengths) + entry.settling(*lengths)


def _window_functions() -> dict[str, Callable[[F64, int], F64]]:
    return {
        name: entry.batch
        for name, entry in REGISTRY.items()
        if entry.inputs == ("series",) and entry.params == ("length",)
    }


WINDOW_FUNCTIONS: Final = _window_functions()
"""The `(series, length)` functions of the registry, by name (their batch forms)."""
