"""The names an expression may use, shared by the compiler's checks and the engine's evaluator."""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True, slots=True)
class FunctionSig:
    name: str
    params: tuple[str, ...]  # "series" | "length" | "number"
    doc: str


FUNCTIONS: dict[str, FunctionSig] = {
    sig.name: sig
    for sig in (
        FunctionSig("sma", ("series", "length"), "simple moving average"),
        FunctionSig("ema", ("series", "length"), "exponential moving average"),
        FunctionSig("wma", ("series", "length"), "weighted moving average"),
        FunctionSig("rsi", ("series", "length"), "relative strength index, 0 to 100"),
        FunctionSig("atr", ("length",), "average true range"),
        FunctionSig("highest", ("series", "length"), "highest value over the last bars"),
        FunctionSig("lowest", ("series", "length"), "lowest value over the last bars"),
        FunctionSig("stdev", ("series", "length"), "standard deviation"),
        FunctionSig("roc", ("series", "length"), "rate of change in percent"),
        FunctionSig("change", ("series", "length"), "difference to the value `length` bars ago"),
        FunctionSig("vwap", (), "volume-weighted average price of the session"),
        FunctionSig("abs", ("number",), "absolute value"),
        FunctionSig("min", ("number", "number"), "smaller of two values"),
        FunctionSig("max", ("number", "number"), "larger of two values"),
    )
}
