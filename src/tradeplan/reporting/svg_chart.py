"""Inline SVG time-series charts for the HTML report, drawn in Python.

No chart library and nothing fetched: a chart is a string of SVG the report embeds, so the page
works offline and opens years later exactly as it was. Long series are thinned to a few thousand
points keeping each bucket's minimum and maximum, so a one-bar spike still shows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import escape

import numpy as np
from numpy.typing import NDArray

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
NS = 1_000_000_000

FONT = "system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif"


def downsample_minmax(x: I64, y: F64, target: int = 2000) -> tuple[I64, F64]:
    """At most ~`target` points: per bucket the min and the max, in time order, ends kept."""
    n = int(x.size)
    if n <= target or target < 4:
        return x, y
    buckets = target // 2
    size = math.ceil(n / buckets)
    padded = np.pad(y, (0, buckets * size - n), mode="edge").reshape(buckets, size)
    base = np.arange(buckets, dtype=np.int64) * size
    low = padded.argmin(axis=1) + base
    high = padded.argmax(axis=1) + base
    pairs = np.stack([np.minimum(low, high), np.maximum(low, high)], axis=1).ravel()
    keep = np.unique(np.concatenate([[0], np.minimum(pairs, n - 1), [n - 1]]))
    return x[keep], y[keep]


def nice_step(span: float, count: int = 5) -> float:
    """The 1, 2, 2.5 or 5 times a power of ten that cuts `span` nearest to `count` pieces."""
    if span <= 0 or not math.isfinite(span):
        return 1.0
    power = 10.0 ** math.floor(math.log10(span / count))
    candidates = [f * power for f in (0.5, 1.0, 2.0, 2.5, 5.0, 10.0, 20.0)]
    return min(candidates, key=lambda step: (abs(math.log(span / step / count)), step))


def value_ticks(low: float, high: float, count: int = 5) -> list[float]:
    step = nice_step(high - low, count)
    first = math.ceil(low / step - 1e-9) * step
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        ticks.append(0.0 if abs(value) < step * 1e-9 else value)
        value += step
    return ticks


def format_value(value: float, step: float) -> str:
    """A tick label with exactly the decimals the step needs (2.5 -> 1, 0.02 -> 2)."""
    decimals = 0
    while decimals < 10 and abs(step * 10**decimals - round(step * 10**decimals)) > 1e-6:
        decimals += 1
    return f"{value:,.{decimals}f}"


_STEPS = [
    (timedelta(minutes=1), "time"),
    (timedelta(minutes=5), "time"),
    (timedelta(minutes=15), "time"),
    (timedelta(minutes=30), "time"),
    (timedelta(hours=1), "time"),
    (timedelta(hours=3), "time"),
    (timedelta(hours=6), "time"),
    (timedelta(hours=12), "time"),
    (timedelta(days=1), "day"),
    (timedelta(days=2), "day"),
    (timedelta(days=7), "day"),
]


def time_ticks(start_ns: int, end_ns: int, count: int = 8) -> list[tuple[int, str]]:
    """Round moments (UTC) across the span, labelled at the precision the step needs."""
    span = max(1, end_ns - start_ns) / NS
    start = datetime.fromtimestamp(start_ns // NS, tz=UTC)
    end = datetime.fromtimestamp(end_ns // NS, tz=UTC)
    for step, kind in _STEPS:
        if span / step.total_seconds() <= count:
            return _regular_ticks(start, end, step, kind)
    if span / (15.2 * 86400) <= count:
        return _half_month_ticks(start, end)
    months = 1
    for months in (1, 2, 3, 6, 12, 24, 60):
        if span / (months * 30.44 * 86400) <= (13 if months == 1 else count):  # short labels
            break
    return _month_ticks(start, end, months)


def _day_label(moment: datetime, previous: datetime | None) -> str:
    """`Mar 3`, with the year on the first label and when the year turns."""
    label = f"{moment:%b} {moment.day}"
    return f"{label}, {moment.year}" if previous is None or previous.year != moment.year else label


def _regular_ticks(
    start: datetime, end: datetime, step: timedelta, kind: str
) -> list[tuple[int, str]]:
    seconds = int(step.total_seconds())
    first = math.ceil(start.timestamp() / seconds) * seconds
    if step == timedelta(days=7):  # weeks start on Monday
        first_day = datetime.fromtimestamp(first, tz=UTC)
        first += ((7 - first_day.weekday()) % 7) * 86400
    ticks = []
    moment = datetime.fromtimestamp(first, tz=UTC)
    previous: datetime | None = None
    while moment <= end:
        if kind == "day":
            label = _day_label(moment, previous)
        elif previous is None or previous.date() != moment.date():
            label = f"{_day_label(moment, previous)} {moment:%H:%M}"
        else:
            label = f"{moment:%H:%M}"
        previous = moment
        ticks.append((int(moment.timestamp()) * NS, label))
        moment += step
    return ticks


def _half_month_ticks(start: datetime, end: datetime) -> list[tuple[int, str]]:
    """The 1st and the 15th of every month."""
    ticks = []
    previous: datetime | None = None
    year, month = start.year, start.month
    while True:
        for day in (1, 15):
            moment = datetime(year, month, day, tzinfo=UTC)
            if start <= moment <= end:
                ticks.append((int(moment.timestamp()) * NS, _day_label(moment, previous)))
                previous = moment
        if datetime(year, month, 1, tzinfo=UTC) > end:
            return ticks
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _month_ticks(start: datetime, end: datetime, months: int) -> list[tuple[int, str]]:
    year, month = start.year, start.month
    if start.day != 1 or start.hour or start.minute:
        month += 1
    ticks = []
    shown_year = None
    while True:
        year += (month - 1) // 12
        month = (month - 1) % 12 + 1
        moment = datetime(year, month, 1, tzinfo=UTC)
        if moment > end:
            break
        if (month - 1) % months == 0:
            label = moment.strftime("%b")
            if shown_year != year:
                label = f"{label} {year}"
                shown_year = year
            ticks.append((int(moment.timestamp()) * NS, label))
        month += 1
    return ticks


@dataclass
class Chart:
    """A plot area with time on x and a value on y, built up into one <svg> string."""

    width: int
    height: int
    x_range: tuple[int, int]
    y_range: tuple[float, float]
    left: int = 72
    right: int = 16
    top: int = 14
    bottom: int = 30
    parts: list[str] = field(default_factory=list)
    defs: list[str] = field(default_factory=list)

    @property
    def plot_width(self) -> float:
        return float(self.width - self.left - self.right)

    @property
    def plot_height(self) -> float:
        return float(self.height - self.top - self.bottom)

    def xs(self, t: I64 | Sequence[int]) -> F64:
        lo, hi = self.x_range
        span = max(1, hi - lo)
        values = np.asarray(t, dtype=np.float64)
        result: F64 = self.left + (values - lo) / span * self.plot_width
        return result

    def ys(self, v: F64 | Sequence[float]) -> F64:
        lo, hi = self.y_range
        span = (hi - lo) or 1.0
        values = np.asarray(v, dtype=np.float64)
        result: F64 = self.top + (hi - values) / span * self.plot_height
        return result

    def axes(self, y_label: str, y_format: str = "") -> None:
        """Grid lines, tick labels and the y axis title."""
        lo, hi = self.y_range
        ticks = value_ticks(lo, hi)
        step = ticks[1] - ticks[0] if len(ticks) > 1 else nice_step(hi - lo)
        x0, x1 = self.left, self.width - self.right
        for value in ticks:
            y = float(self.ys([value])[0])
            self.parts.append(
                f'<line x1="{x0}" y1="{y:.1f}" x2="{x1}" y2="{y:.1f}" class="grid"/>'
                f'<text x="{x0 - 8}" y="{y + 4:.1f}" class="tick" text-anchor="end">'
                f"{escape(format_value(value, step))}{escape(y_format)}</text>"
            )
        for t, label in time_ticks(*self.x_range):
            x = float(self.xs([t])[0])
            if x < x0 - 0.5 or x > x1 + 0.5:
                continue
            y_bottom = self.height - self.bottom
            self.parts.append(
                f'<line x1="{x:.1f}" y1="{self.top}" x2="{x:.1f}" y2="{y_bottom}" class="grid"/>'
                f'<text x="{x:.1f}" y="{y_bottom + 18}" class="tick" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
        mid = self.top + self.plot_height / 2
        self.parts.append(
            f'<text x="14" y="{mid:.1f}" class="axis-title" text-anchor="middle" '
            f'transform="rotate(-90 14 {mid:.1f})">{escape(y_label)}</text>'
            f'<line x1="{x0}" y1="{self.height - self.bottom}" x2="{x1}" '
            f'y2="{self.height - self.bottom}" class="axis"/>'
        )

    def path(self, t: I64, v: F64) -> str:
        if t.size == 0:
            return ""
        xs, ys = self.xs(t), self.ys(v)
        points = " L".join(
            f"{x:.1f},{y:.1f}" for x, y in zip(xs.tolist(), ys.tolist(), strict=True)
        )
        return "M" + points

    def line(self, t: I64, v: F64, css_class: str) -> None:
        if t.size:
            self.parts.append(f'<path d="{self.path(t, v)}" class="{css_class}"/>')

    def area(self, t: I64, v: F64, base: float, css_class: str) -> None:
        """The region between the series and the horizontal line at `base`."""
        if t.size == 0:
            return
        xs = self.xs(t)
        y_base = float(self.ys([base])[0])
        d = f"{self.path(t, v)} L{xs[-1]:.1f},{y_base:.1f} L{xs[0]:.1f},{y_base:.1f} Z"
        self.parts.append(f'<path d="{d}" class="{css_class}"/>')

    def hline(self, value: float, css_class: str) -> None:
        y = float(self.ys([value])[0])
        self.parts.append(
            f'<line x1="{self.left}" y1="{y:.1f}" x2="{self.width - self.right}" '
            f'y2="{y:.1f}" class="{css_class}"/>'
        )

    def render(self, label: str) -> str:
        return (
            f'<svg viewBox="0 0 {self.width} {self.height}" role="img" '
            f'aria-label="{escape(label)}" font-family="{escape(FONT)}" class="chart">'
            + ("<defs>" + "".join(self.defs) + "</defs>" if self.defs else "")
            + "".join(self.parts)
            + "</svg>"
        )


def padded_range(low: float, high: float, pad: float = 0.06) -> tuple[float, float]:
    if not (math.isfinite(low) and math.isfinite(high)):
        return 0.0, 1.0
    if high <= low:
        margin = abs(low) * 0.01 or 1.0
        return low - margin, high + margin
    margin = (high - low) * pad
    return low - margin, high + margin
