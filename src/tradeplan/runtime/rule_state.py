"""`RuleState`: everything about one entry rule's run that changes while it runs, as one value.

Why a value. A live run journals every event and snapshots each owner's state after it
(issue 9 stores them); a restarted run builds its owners from the plan again and hands each
its last snapshot (`RuleRun.restore`). That works only if the snapshot is all the state there
is: the owner object keeps its configuration (the rule, its inputs, the plan's transitions)
and this value, and every handler replaces the value whole (`dataclasses.replace`) instead of
changing it. Frozen all the way down (orders are frozen, `IdMap` and `Leg` too), so a snapshot
can be kept, compared and hashed while the run goes on. `state_codec.py` writes it as JSON.

Clocks are epoch nanoseconds: each runs out at the first bar close at or after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradeplan.orders.model import Order, OrderTag
from tradeplan.runtime.idmap import IdMap
from tradeplan.runtime.legs import Leg

FLAT, ENTRY_WORKING, OPEN, EXIT_WORKING, STOPPED = (
    "flat",
    "entry_working",
    "open",
    "exit_working",
    "stopped",
)


@dataclass(frozen=True, slots=True)
class Deferred:
    """A close the clock or a signal asked for while nothing may trade (a US stock under
    `session: rth`, after hours): sent at the first close in regular hours."""

    tag: OrderTag
    event: str
    reason: str


@dataclass(frozen=True, slots=True)
class RuleState:
    """One entry rule's run state; see the module docstring.

    `phase` is the state of the plan's entry machine (flat, entry_working, open, exit_working,
    stopped). `entry` is the working entry order; `entry_rejection` the broker's reason when the
    last entry sent was rejected at once. `exits` are the working exits of the open position by
    order id, `stop_id` the one that is its stop (stop loss or break-even stop). `closing` is a
    close at market being worked, `closing_leg` its size and fills. `watch_id` is the break-even
    watch, `break_even_stop` where the stop goes when it is touched, `break_even_at` and
    `time_exit_at` the clocks, `oco` the open position's exit group, `deferred` a close waiting
    for regular hours. `cancelling` holds the exits cancelled for a close at market whose
    cancels the broker has not confirmed yet, and `pending_close` (with `pending_reason`) that
    close, sent once they all are: a live broker may fill the take profit while its cancel
    travels, and a close sent beside it would sell the position twice.
    """

    phase: str = FLAT
    entry: Order | None = None
    entry_rejection: str = ""
    exits: IdMap[Leg] = IdMap()
    stop_id: str | None = None
    closing: Order | None = None
    closing_leg: Leg | None = None
    watch_id: str | None = None
    break_even_stop: Decimal | None = None
    break_even_at: int | None = None
    time_exit_at: int | None = None
    oco: str = ""
    deferred: Deferred | None = None
    cancelling: IdMap[Leg] = IdMap()
    pending_close: Order | None = None
    pending_reason: str = ""


__all__ = ["ENTRY_WORKING", "EXIT_WORKING", "FLAT", "OPEN", "STOPPED", "Deferred", "RuleState"]
