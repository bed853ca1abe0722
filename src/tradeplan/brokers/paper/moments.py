"""Where on the replayed data a report of the paper broker happened: its own business.

`Moment` places an event on the data: the row, then where on that row's intrabar path
(segment 0 is the row's open, 1-3 the legs of the path, 4 its close) and the Bid distance
travelled in that segment. Moments compare in the order things happened, which same-row
ordering and per-trade excursions need. No update carries one (a live fill has no row); the
broker keeps the moment of each fill it reports by the report's sequence number.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradeplan.core.money import ZERO

OPEN_SEGMENT = 0
CLOSE_SEGMENT = 4


@dataclass(frozen=True, slots=True, order=True)
class Moment:
    """Where in the replayed data: `row`, then `segment` and the Bid distance `travelled` in it."""

    row: int
    segment: int = OPEN_SEGMENT
    travelled: Decimal = ZERO

    @classmethod
    def close_of(cls, row: int) -> Moment:
        return cls(row, CLOSE_SEGMENT)

    @property
    def at_close(self) -> bool:
        return self.segment == CLOSE_SEGMENT
