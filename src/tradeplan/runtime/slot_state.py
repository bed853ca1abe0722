"""`SlotState`: everything about one grid slot's run that changes while it runs, as one value.

The same idea as `rule_state.py`: the `SlotRun` object keeps its configuration (the grid, the
slot's price, the plan's transitions, the fees) and this value, and every handler replaces the
value whole, so a snapshot after any event is all a fresh `SlotRun` needs to go on exactly as
the old one would have (`SlotRun.restore`). `state_codec.py` writes it as JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradeplan.orders.model import Order
from tradeplan.runtime.idmap import IdMap
from tradeplan.runtime.legs import Leg

FLAT, ENTRY_WORKING, OPEN, REARMING, STOPPED = (
    "flat",
    "entry_working",
    "open",
    "rearming",
    "stopped",
)


@dataclass(frozen=True, slots=True)
class SlotState:
    """One grid slot's run state.

    `phase` is the state of the plan's slot machine (flat, entry_working, open, rearming,
    stopped), `stop_reason` why it stopped. While flat or rearming the slot (re-)arms at the
    first close at or after `arm_at` (epoch ns); `pauses` counts the days a guard's refusal held
    it. `exit_price` is the last exit's fill, which re-entries key off. `entries` are the
    working entry legs by order id (one, or a counter / follow pair), `exits` the working exits
    of the position, `closing` a close at market (by hand, a margin close-out, end of data),
    `rejection` the broker's reason when an entry just sent was rejected at once.
    """

    phase: str = FLAT
    stop_reason: str = ""
    arm_at: int = 0
    pauses: int = 0
    exit_price: Decimal | None = None
    entries: IdMap[Order] = IdMap()
    exits: IdMap[Leg] = IdMap()
    closing: Order | None = None
    rejection: str = ""


__all__ = ["ENTRY_WORKING", "FLAT", "OPEN", "REARMING", "STOPPED", "SlotState"]
