"""Closed bars from OANDA's price stream.

The stream sends a PRICE when the market moves and a HEARTBEAT (with the server's time) every
few seconds, so a bar of `seconds` is closed when any message's time reaches its end: the
heartbeat closes a bar in a quiet market without waiting for the next tick. Bars are Bid
prices, aligned to multiples of `seconds` since the epoch as OANDA's candles are (up to H1;
longer bars are aligned the same way, not to OANDA's daily alignment), with the spread at the
close. A bar is only delivered when the stream was up for all of it: after a (re)connect the
period in progress is dropped, never passed off as a whole bar. A period with no price makes
no bar (OANDA's candles skip it too).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tradeplan.ports.live import LiveBar


@dataclass
class _Forming:
    start: datetime
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    spread: Decimal
    ticks: int = 1


class BarBuilder:
    def __init__(self, symbol: str, seconds: int) -> None:
        if seconds <= 0:
            raise ValueError("bars need a positive interval")
        self.symbol = symbol
        self.seconds = seconds
        self._forming: _Forming | None = None
        self._covered_from: datetime | None = None

    def restart(self) -> None:
        """The stream (re)connected: what formed before may have gaps."""
        self._forming = None
        self._covered_from = None

    def _start_of(self, moment: datetime) -> datetime:
        epoch = int(moment.timestamp())
        return datetime.fromtimestamp(epoch - epoch % self.seconds, UTC)

    def clock(self, moment: datetime) -> list[LiveBar]:
        """Time has reached `moment` (any message): the bar before it closes."""
        if self._covered_from is None:
            self._covered_from = moment
        forming = self._forming
        if forming is None:
            return []
        end = forming.start + timedelta(seconds=self.seconds)
        if moment < end:
            return []
        self._forming = None
        if self._covered_from > forming.start:
            return []  # joined in the middle of it
        return [
            LiveBar(
                self.symbol,
                forming.start,
                end,
                forming.open,
                forming.high,
                forming.low,
                forming.close,
                None,
                forming.spread,
            )
        ]

    def price(self, moment: datetime, bid: Decimal, ask: Decimal) -> list[LiveBar]:
        closed = self.clock(moment)
        spread = ask - bid
        forming = self._forming
        if forming is None:
            self._forming = _Forming(self._start_of(moment), bid, bid, bid, bid, spread)
        else:
            forming.high = max(forming.high, bid)
            forming.low = min(forming.low, bid)
            forming.close = bid
            forming.spread = spread
            forming.ticks += 1
        return closed


GRANULARITIES = {
    5: "S5",
    10: "S10",
    15: "S15",
    30: "S30",
    60: "M1",
    120: "M2",
    240: "M4",
    300: "M5",
    600: "M10",
    900: "M15",
    1800: "M30",
    3600: "H1",
    7200: "H2",
    10800: "H3",
    14400: "H4",
    21600: "H6",
    28800: "H8",
    43200: "H12",
    86400: "D",
}

__all__ = ["GRANULARITIES", "BarBuilder"]
