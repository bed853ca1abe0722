"""Daily-loss lock and drawdown halt from a stream of equity updates.

Pure: each update returns a new tracker. The daily lock lasts until the next trading day, whose
start is a rule of the market calendar (`core.calendar.DayBoundary`: midnight UTC, or 17:00
New York for FX); the drawdown halt lasts until someone resumes the strategy on purpose,
because an automatic restart after a halt defeats the halt.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from tradeplan.core.calendar import UTC_MIDNIGHT, DayBoundary
from tradeplan.risk.reasons import Reason
from tradeplan.risk.state import AccountState
from tradeplan.risk.thresholds import loss_reached


@dataclass(frozen=True, slots=True)
class EquityTracker:
    """Start-of-day and peak equity, and the two sticky stops they trigger."""

    daily_loss_limit: Decimal | None = None
    max_drawdown: Decimal | None = None
    boundary: DayBoundary = UTC_MIDNIGHT
    last_time: datetime | None = None
    day: date | None = None
    equity: Decimal | None = None
    start_of_day_equity: Decimal | None = None
    peak_equity: Decimal | None = None
    daily_locked: bool = False
    halted: bool = False

    def update(self, when: datetime, equity: Decimal) -> EquityTracker:
        """Take one equity reading; readings must not go back in time."""
        day = self.boundary.trading_day(when)
        if self.last_time is not None and when < self.last_time:
            raise ValueError(f"equity update at {when} is earlier than {self.last_time}")
        start, locked = self.start_of_day_equity, self.daily_locked
        if day != self.day or start is None:
            # The last reading before the boundary is the best estimate of equity at it.
            start = self.equity if self.equity is not None else equity
            locked = False
        peak = equity if self.peak_equity is None else max(self.peak_equity, equity)
        return replace(
            self,
            last_time=when,
            day=day,
            equity=equity,
            start_of_day_equity=start,
            peak_equity=peak,
            daily_locked=locked or loss_reached(start, equity, self.daily_loss_limit),
            halted=self.halted or loss_reached(peak, equity, self.max_drawdown),
        )

    def resume(self) -> EquityTracker:
        """Lift a drawdown halt on purpose; the peak restarts from current equity."""
        return replace(self, halted=False, peak_equity=self.equity)

    @property
    def entries_allowed(self) -> bool:
        return not (self.halted or self.daily_locked)

    @property
    def reason(self) -> Reason | None:
        if self.halted:
            return Reason.DRAWDOWN_HALT
        if self.daily_locked:
            return Reason.DAILY_LOSS_LIMIT_REACHED
        return None

    def apply(self, state: AccountState) -> AccountState:
        """The state with this tracker's reference equities and sticky flags filled in."""
        return replace(
            state,
            start_of_day_equity=self.start_of_day_equity,
            peak_equity=self.peak_equity,
            daily_loss_locked=state.daily_loss_locked or self.daily_locked,
            drawdown_halted=state.drawdown_halted or self.halted,
        )


def track(
    updates: Iterable[tuple[datetime, Decimal]],
    *,
    daily_loss_limit: Decimal | None = None,
    max_drawdown: Decimal | None = None,
    boundary: DayBoundary = UTC_MIDNIGHT,
) -> EquityTracker:
    """Fold a sequence of (time, equity) readings; `.entries_allowed` says what to do next."""
    tracker = EquityTracker(daily_loss_limit, max_drawdown, boundary)
    for when, equity in updates:
        tracker = tracker.update(when, equity)
    return tracker
