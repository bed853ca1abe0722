"""Plain-Python reference indicators: one loop per bar, written for reading, not for speed.

They state the semantics the vectorised versions in tradeplan.runtime.indicators must keep:
a window holding NaN gives NaN; recursive averages seed with the mean of their first n valid
values and start again after a NaN; Wilder smoothing is TA-Lib's (avg * (n-1) + value) / n.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

NAN = math.nan


def window(xs: Sequence[float], i: int, n: int) -> list[float] | None:
    if i < n - 1:
        return None
    values = list(xs[i - n + 1 : i + 1])
    return None if any(math.isnan(v) for v in values) else values


def ref_sma(xs: Sequence[float], n: int) -> list[float]:
    out = []
    for i in range(len(xs)):
        w = window(xs, i, n)
        out.append(NAN if w is None else sum(w) / n)
    return out


def ref_wma(xs: Sequence[float], n: int) -> list[float]:
    out = []
    for i in range(len(xs)):
        w = window(xs, i, n)
        if w is None:
            out.append(NAN)
            continue
        total = 0.0
        for k, v in enumerate(w):
            total += (k + 1) * v
        out.append(total / (n * (n + 1) / 2))
    return out


def ref_stdev(xs: Sequence[float], n: int) -> list[float]:
    out = []
    for i in range(len(xs)):
        w = window(xs, i, n)
        if w is None:
            out.append(NAN)
            continue
        mean = sum(w) / n
        total = 0.0
        for v in w:
            total += (v - mean) * (v - mean)
        out.append(math.sqrt(total / n))
    return out


def ref_highest(xs: Sequence[float], n: int) -> list[float]:
    return [NAN if (w := window(xs, i, n)) is None else max(w) for i in range(len(xs))]


def ref_lowest(xs: Sequence[float], n: int) -> list[float]:
    return [NAN if (w := window(xs, i, n)) is None else min(w) for i in range(len(xs))]


def _smoothed(xs: Sequence[float], n: int, step: str) -> list[float]:
    out: list[float] = []
    run, y = 0, NAN
    for i, x in enumerate(xs):
        if math.isnan(x):
            run = 0
            out.append(NAN)
            continue
        run += 1
        if run < n:
            out.append(NAN)
            continue
        if run == n:
            y = sum(xs[i - n + 1 : i + 1]) / n
        elif step == "ema":
            alpha = 2.0 / (n + 1)
            y = alpha * x + (1.0 - alpha) * y
        else:
            y = (y * (n - 1) + x) / n
        out.append(y)
    return out


def ref_ema(xs: Sequence[float], n: int) -> list[float]:
    return _smoothed(xs, n, "ema")


def ref_wilder(xs: Sequence[float], n: int) -> list[float]:
    return _smoothed(xs, n, "wilder")


def _diffs(xs: Sequence[float]) -> list[float]:
    return ([NAN] + [xs[i] - xs[i - 1] for i in range(1, len(xs))])[: len(xs)]


def ref_rsi(xs: Sequence[float], n: int) -> list[float]:
    deltas = _diffs(xs)
    gains = ref_wilder([d if math.isnan(d) else max(d, 0.0) for d in deltas], n)
    losses = ref_wilder([d if math.isnan(d) else max(-d, 0.0) for d in deltas], n)
    out = []
    for g, loss in zip(gains, losses, strict=True):
        if math.isnan(g) or math.isnan(loss):
            out.append(NAN)
        elif g + loss == 0.0:
            out.append(0.0)
        else:
            out.append(100.0 * g / (g + loss))
    return out


def ref_true_range(
    highs: Sequence[float], lows: Sequence[float], closes: Sequence[float]
) -> list[float]:
    out = [NAN]
    for i in range(1, len(closes)):
        h, lo, pc = highs[i], lows[i], closes[i - 1]
        if math.isnan(h) or math.isnan(lo) or math.isnan(pc):
            out.append(NAN)
        else:
            out.append(max(h - lo, abs(h - pc), abs(lo - pc)))
    return out[: len(closes)]


def ref_atr(
    highs: Sequence[float], lows: Sequence[float], closes: Sequence[float], n: int
) -> list[float]:
    return ref_wilder(ref_true_range(highs, lows, closes), n)


def ref_change(xs: Sequence[float], n: int) -> list[float]:
    return [xs[i] - xs[i - n] if i >= n else NAN for i in range(len(xs))]


def ref_roc(xs: Sequence[float], n: int) -> list[float]:
    out = []
    for i in range(len(xs)):
        if i < n or xs[i - n] == 0.0:
            out.append(NAN)
        else:
            out.append(((xs[i] / xs[i - n]) - 1.0) * 100.0)
    return out


def ref_vwap(prices: Sequence[float], volumes: Sequence[float], days: Sequence[int]) -> list[float]:
    out = []
    pv = vol = 0.0
    broken = False
    for i, (p, v) in enumerate(zip(prices, volumes, strict=True)):
        if i == 0 or days[i] != days[i - 1]:
            pv = vol = 0.0
            broken = False
        if math.isnan(p) or math.isnan(v):
            broken = True
        else:
            pv += p * v
            vol += v
        out.append(NAN if broken or vol == 0.0 else pv / vol)
    return out


REFERENCES = {
    "sma": ref_sma,
    "ema": ref_ema,
    "wma": ref_wma,
    "rsi": ref_rsi,
    "highest": ref_highest,
    "lowest": ref_lowest,
    "stdev": ref_stdev,
    "roc": ref_roc,
    "change": ref_change,
}
