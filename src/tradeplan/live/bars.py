"""Closed bars as a live run receives them, kept as the columns the engine reads.

The engine reads bars the way a replay gives them: int64 columns scaled by 10**decimals, indexed
by bar number. A live run's bar number counts the bars it has seen since it started (not rows of
a file), and its columns grow as bars arrive: they are allocated with room to spare and replaced
by ones twice the size when full (`append` says when, so the caller hands the new columns to
the engine and the signal feed between two events).

Exactness. A bar's Decimal prices become scaled integers with no float in between. The scale is
the finer of the instrument's tick and the first bar's digits; a later price with more digits
than that is rounded half to even to it and counted (`rounded`), so the run can say so instead
of trading on a silent approximation. The floats the signal feed reads are `scaled / 10**decimals`,
exactly what the backtest's data reader gives for the same text, so a live run's signals on a
recorded feed are the backtest's, bit for bit.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np
from numpy.typing import NDArray

from tradeplan.core.enums import Side
from tradeplan.core.epoch import ns_from_datetime
from tradeplan.core.instrument import Instrument
from tradeplan.ports.broker import FillMark
from tradeplan.ports.live import LiveBar

_FIRST_ROOM = 4096


def _digits(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


class GrowingBars:
    """A `BarSeries` (ports/broker.py) that grows; see the module docstring. `len()` is the
    room, `count` the bars received; rows at or past `count` hold zeros."""

    def __init__(self, instrument: Instrument, room: int = _FIRST_ROOM) -> None:
        self._instrument = instrument
        self._room = room
        self._decimals = _digits(instrument.tick)
        self._settled = False  # the first bar may ask for a finer scale than the tick's
        self._scale = 10.0**self._decimals
        self.count = 0
        self.rounded = 0  # prices that had more digits than the scale
        self._columns: dict[str, NDArray[np.int64]] = {}
        self._volume = np.full(room, np.nan)
        for name in ("time", "close_time", "open", "high", "low", "close", "spread"):
            self._columns[name] = np.zeros(room, dtype=np.int64)

    @property
    def decimals(self) -> int:
        return self._decimals

    @property
    def time_ns(self) -> NDArray[np.int64]:
        return self._columns["time"]

    @property
    def close_time_ns(self) -> NDArray[np.int64]:
        return self._columns["close_time"]

    @property
    def open_scaled(self) -> NDArray[np.int64]:
        return self._columns["open"]

    @property
    def high_scaled(self) -> NDArray[np.int64]:
        return self._columns["high"]

    @property
    def low_scaled(self) -> NDArray[np.int64]:
        return self._columns["low"]

    @property
    def close_scaled(self) -> NDArray[np.int64]:
        return self._columns["close"]

    @property
    def spread_scaled(self) -> NDArray[np.int64]:
        return self._columns["spread"]

    @property
    def volume(self) -> NDArray[np.float64]:
        return self._volume

    def __len__(self) -> int:
        return self._room

    def price(self, row: int, column: str) -> Decimal:
        return Decimal(int(self._columns[column][row])).scaleb(-self.decimals)

    def floats(self, row: int) -> tuple[float, float, float, float, float, float]:
        """Row `row`'s open, high, low, close, volume and spread as the signal feed reads them."""
        scale = self._scale
        c = self._columns
        return (
            int(c["open"][row]) / scale,
            int(c["high"][row]) / scale,
            int(c["low"][row]) / scale,
            int(c["close"][row]) / scale,
            float(self._volume[row]),
            int(c["spread"][row]) / scale,
        )

    def excursion(self, side: Side, start: FillMark, end: FillMark) -> tuple[Decimal, Decimal]:
        """Lowest and highest price of `side` (Bid for sells, Ask for buys) over the bars
        from `start`'s to `end`'s, both whole: what a live run on a real broker measures MFE
        and MAE with (a bar's extremes may lie before the entry or after the exit, so it can
        only overstate them; the paper venue measures exactly)."""
        first, last = start.bar, min(end.bar, self.count - 1)
        if last < first:
            first = last = max(min(first, self.count - 1), 0)
        c = self._columns
        lows = c["low"][first : last + 1]
        highs = c["high"][first : last + 1]
        if side is Side.BUY:
            spreads = c["spread"][first : last + 1]
            lows, highs = lows + spreads, highs + spreads
        return self._price(int(lows.min())), self._price(int(highs.max()))

    def _price(self, scaled: int) -> Decimal:
        return Decimal(scaled).scaleb(-self._decimals)

    def copy(self) -> GrowingBars:
        """The same bars in columns of their own (a reloaded strategy's run starts with the
        bars the old one saw)."""
        twin = GrowingBars(self._instrument, self._room)
        twin._decimals, twin._scale, twin._settled = self._decimals, self._scale, self._settled
        twin.count, twin.rounded = self.count, self.rounded
        twin._columns = {name: column.copy() for name, column in self._columns.items()}
        twin._volume = self._volume.copy()
        return twin

    def append(self, bar: LiveBar) -> bool:
        """Keep `bar` as row `count` (then count + 1); True when the columns were replaced by
        larger ones to make room, or the first bar settled a finer scale (hand them on:
        `Engine.grow`, `SignalFeed.grow`)."""
        grew = False
        if not self._settled:
            self._settled = True
            prices = (bar.open, bar.high, bar.low, bar.close, bar.spread)
            finer = max(self._decimals, *(_digits(p) for p in prices))
            grew = finer != self._decimals
            self._decimals, self._scale = finer, 10.0**finer
        if self.count == self._room:
            self._enlarge()
            grew = True
        row = self.count
        c = self._columns
        c["time"][row] = ns_from_datetime(bar.open_time)
        c["close_time"][row] = ns_from_datetime(bar.close_time)
        c["open"][row] = self._scaled(bar.open)
        c["high"][row] = self._scaled(bar.high)
        c["low"][row] = self._scaled(bar.low)
        c["close"][row] = self._scaled(bar.close)
        c["spread"][row] = self._scaled(bar.spread)
        self._volume[row] = np.nan if bar.volume is None else float(bar.volume)
        self.count = row + 1
        return grew

    def _scaled(self, value: Decimal) -> int:
        exact = value.scaleb(self.decimals)
        whole = exact.to_integral_value(ROUND_HALF_EVEN)
        if whole != exact:
            self.rounded += 1
        return int(whole)

    def _enlarge(self) -> None:
        room = self._room * 2
        for name, column in self._columns.items():
            grown = np.zeros(room, dtype=np.int64)
            grown[: self._room] = column
            self._columns[name] = grown
        volume = np.full(room, np.nan)
        volume[: self._room] = self._volume
        self._volume = volume
        self._room = room


__all__ = ["GrowingBars"]
