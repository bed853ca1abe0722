"""The names an expression may use, shared by the compiler's checks and the engine's evaluator.

Each function's record also says what it reads besides its arguments and how much history it
needs (`lookback`, `settling`): the one definition of those numbers. The compiler derives a
plan's warm-up from them (plan/signals.py) and the indicator registry reads them from here
(runtime/indicators/entry.py), so the warm-up a live run loads and the one the indicator tests
prove are the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from tradeplan.core.calendar import UsSession

SERIES = {
    "open": "the bar's opening price",
    "high": "the bar's highest price",
    "low": "the bar's lowest price",
    "close": "the bar's closing price",
    "volume": "the bar's volume",
    "bid": "the bid price at bar close",
    "ask": "the ask price at bar close",
    "spread": "ask minus bid at bar close",
    "hl2": "(high + low) / 2",
    "hlc3": "(high + low + close) / 3",
}

SESSION_WORDS = {"rth": "regular hours", "pre": "pre-market", "post": "post-market"}

SESSION_CODES: Final = {"pre": UsSession.PRE, "rth": UsSession.REGULAR, "post": UsSession.POST}
"""The session words of the language and their codes in `BarArrays.session`."""

SETTLE: Final = 50
"""Bars, in units of 1/alpha, after which a later-started recursion gives the backtest's digits
(docs/indicators.md has the measurements: the worst seen was 41.2)."""


def settling(numerator: int, denominator: int = 1) -> int:
    """SETTLE / alpha bars for alpha = denominator / numerator, in whole numbers (no rounding)."""
    return -(-SETTLE * numerator // denominator)


def _none(*lengths: int) -> int:
    return 0


@dataclass(frozen=True, slots=True)
class FunctionSig:
    """One function of the language.

    `params` are what a call writes. `columns` are the bar columns it reads besides them, which
    follow the arguments when it is computed (atr's high/low/close, vwap's hlc3/volume/day).
    `lookback(*lengths)` is the number of bars before its first value; `settling(*lengths)` the
    further bars a recursive one (ema, rsi, atr) needs before a run started that late gives the
    backtest's value to the last digit. `daily`: it restarts every day and needs that day's bars.
    """

    name: str
    params: tuple[str, ...]  # "series" | "length" | "number"
    doc: str
    lookback: Callable[..., int] = _none
    settling: Callable[..., int] = _none
    columns: tuple[str, ...] = ()
    daily: bool = False

    @property
    def recursive(self) -> bool:
        """Carries a value from bar to bar, so its digits depend on where it started."""
        return self.settling is not _none


def _window(name: str, doc: str) -> FunctionSig:
    """A function of the last n values, the current one included: first value after n - 1."""
    return FunctionSig(name, ("series", "length"), doc, lookback=lambda n: n - 1)


FUNCTIONS: dict[str, FunctionSig] = {
    sig.name: sig
    for sig in (
        _window("sma", "simple moving average"),
        FunctionSig(
            "ema",
            ("series", "length"),
            "exponential moving average",
            lookback=lambda n: n - 1,
            settling=lambda n: settling(n + 1, 2),  # alpha = 2 / (n + 1)
        ),
        _window("wma", "weighted moving average"),
        FunctionSig(
            "rsi",
            ("series", "length"),
            "relative strength index, 0 to 100",
            lookback=lambda n: n,
            settling=lambda n: settling(n),  # alpha = 1 / n
        ),
        FunctionSig(
            "atr",
            ("length",),
            "average true range",
            lookback=lambda n: n,
            settling=lambda n: settling(n),  # alpha = 1 / n
            columns=("high", "low", "close"),
        ),
        _window("highest", "highest value over the last bars"),
        _window("lowest", "lowest value over the last bars"),
        _window("stdev", "standard deviation"),
        FunctionSig("roc", ("series", "length"), "rate of change in percent", lookback=lambda n: n),
        FunctionSig(
            "change",
            ("series", "length"),
            "difference to the value `length` bars ago",
            lookback=lambda n: n,
        ),
        FunctionSig(
            "vwap",
            (),
            "volume-weighted average price of the session",
            columns=("hlc3", "volume", "day"),
            daily=True,
        ),
        FunctionSig("abs", ("number",), "absolute value"),
        FunctionSig("min", ("number", "number"), "smaller of two values"),
        FunctionSig("max", ("number", "number"), "larger of two values"),
    )
}


def warmup(name: str, lengths: tuple[int, ...] = ()) -> int:
    """Bars of history a live run loads before the bar it wants `name(..., *lengths)` on.

    The bars before the first value (`lookback`), plus, for a recursive indicator (ema, rsi,
    atr), the bars after which a step started that late gives the backtest's value to the last
    digit (`settling`). `vwap` needs the bars of the current day instead, whatever their
    number: it returns 0. Nested calls add up (plan/signals.py, docs/indicators.md).
    """
    sig = FUNCTIONS.get(name)
    if sig is None:
        raise KeyError(f"no indicator `{name}`; the indicators are {', '.join(FUNCTIONS)}")
    wanted = sig.params.count("length")
    if len(lengths) != wanted:
        raise ValueError(f"`{name}` takes {wanted} parameter(s), not {len(lengths)}")
    for length in lengths:
        if isinstance(length, bool) or int(length) != length or length < 1:
            raise ValueError(
                f"an indicator length must be a whole number of bars >= 1, not {length}"
            )
    whole = tuple(int(length) for length in lengths)
    return int(sig.lookback(*whole)) + int(sig.settling(*whole))
