"""Why an order was refused: a stable code for logs and signals.csv, and words for a person."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Reason(StrEnum):
    """Reason codes as they appear in signals.csv; never rename one, users filter on them."""

    KILL_SWITCH = "kill_switch"
    DRAWDOWN_HALT = "drawdown_halt"
    DAILY_LOSS_LIMIT_REACHED = "daily_loss_limit_reached"
    DUPLICATE_POSITION = "duplicate_position"
    MAX_OPEN_POSITIONS = "max_open_positions"
    MAX_POSITION_PER_SYMBOL = "max_position_per_symbol"
    MAX_RISK_PER_TRADE = "max_risk_per_trade"
    NOTIONAL_ABOVE_MAX = "notional_above_max"
    NOTIONAL_BELOW_MIN = "notional_below_min"
    INSUFFICIENT_MARGIN = "insufficient_margin"
    PRICE_NOT_ON_TICK = "price_not_on_tick"
    QTY_NOT_ON_STEP = "qty_not_on_step"


@dataclass(frozen=True, slots=True)
class Rejection:
    reason: Reason
    message: str

    def __str__(self) -> str:
        return f"{self.reason}: {self.message}"


@dataclass(frozen=True, slots=True)
class GuardResult:
    """Every reason an order was refused, in a fixed order; empty means the order may go."""

    rejections: tuple[Rejection, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.rejections

    @property
    def reasons(self) -> tuple[Reason, ...]:
        return tuple(rejection.reason for rejection in self.rejections)

    @property
    def message(self) -> str:
        """One line for a log or a CSV cell: `code: message` joined by "; " (no message holds
        "; ", so the line splits back into its reasons)."""
        return "; ".join(str(rejection) for rejection in self.rejections)


OK = GuardResult()
