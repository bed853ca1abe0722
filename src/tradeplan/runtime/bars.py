"""Bars as columns of numpy arrays, the form the evaluator and the backtest loop read.

Prices here are float64 copies for analytics (indicators, signals); exact prices for orders
live in the loaded market data as scaled integers and never pass through these arrays.

Sessions and local days come from the one market calendar (`tradeplan.core.calendar`), which
the paper broker and the risk guards ask too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from tradeplan.core import calendar

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
I8 = NDArray[np.int8]


@dataclass(frozen=True, slots=True, eq=False)
class BarArrays:
    """One array per field, all of one length, bar i at index i, sorted by time.

    Prices are bids; the ask is bid + spread. `time` is the bar's timestamp in epoch seconds
    (the data file's time column, usually the bar's opening time); signals are evaluated when
    the bar has closed. `session` holds `UsSession` codes (US stocks; all closed elsewhere) and
    `day` the local calendar day that anchors `vwap`. Build one with `BarArrays.from_arrays`.
    """

    time: I64
    open: F64
    high: F64
    low: F64
    close: F64
    volume: F64
    spread: F64
    session: I8
    day: I64

    def __post_init__(self) -> None:
        size = self.close.size
        for name in ("time", "open", "high", "low", "volume", "spread", "session", "day"):
            array = getattr(self, name)
            if array.ndim != 1 or array.size != size:
                raise ValueError(f"`{name}` has shape {array.shape}; every field needs ({size},)")

    def __len__(self) -> int:
        return int(self.close.size)

    @property
    def bid(self) -> F64:
        return self.close

    @property
    def ask(self) -> F64:
        ask: F64 = self.close + self.spread
        return ask

    @classmethod
    def from_arrays(
        cls,
        close: ArrayLike,
        *,
        time: ArrayLike | None = None,
        open: ArrayLike | None = None,
        high: ArrayLike | None = None,
        low: ArrayLike | None = None,
        volume: ArrayLike | None = None,
        spread: ArrayLike | float = 0.0,
        session: ArrayLike | None = None,
        day: ArrayLike | None = None,
        tz: str = "UTC",
        us_sessions: bool = False,
    ) -> BarArrays:
        """Bars from plain arrays or lists; everything but `close` is optional.

        Missing prices default to the close (a line of closes), `volume` to NaN (unknown: `vwap`
        is then NaN), `time` to one bar a minute from the epoch. `day` defaults to the local
        calendar day in `tz`; `session` to the US session codes (New York time, whatever `tz`)
        when `us_sessions` is set, else all closed.
        """
        closes = _floats(close)
        size = closes.size
        times = (
            np.arange(size, dtype=np.int64) * 60
            if time is None
            else np.ascontiguousarray(time, dtype=np.int64)
        )
        if session is not None:
            sessions = np.ascontiguousarray(session, dtype=np.int8)
        elif us_sessions:
            sessions = calendar.us_sessions(times)
        else:
            sessions = np.zeros(size, dtype=np.int8)
        return cls(
            time=times,
            open=closes if open is None else _floats(open),
            high=closes if high is None else _floats(high),
            low=closes if low is None else _floats(low),
            close=closes,
            volume=np.full(size, np.nan) if volume is None else _floats(volume),
            spread=_floats(np.broadcast_to(np.asarray(spread, dtype=np.float64), (size,))),
            session=sessions,
            day=calendar.day_ids(times, tz)
            if day is None
            else np.ascontiguousarray(day, dtype=np.int64),
        )


def _floats(values: ArrayLike) -> F64:
    return np.ascontiguousarray(values, dtype=np.float64)
