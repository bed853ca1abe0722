"""Re-entry orders placed when the market has already passed them (SEMANTICS.md section 1).

After a slot's take profit fills, it re-arms a counter (a limit) and/or a follow (a stop). If
the market has moved past one of them by the time it is placed, Triauto's "irregular" rules
apply instead of sending an order that would fill at once:

* a counter limit priced beyond the market is placed as a STOP at the same price, and the follow
  is not placed;
* otherwise a follow stop priced beyond the market is placed as a LIMIT at the same price, and
  the counter is not placed.

"Beyond" is strict (`triggers.beyond_market`) and checked against the Ask for buys and the Bid
for sells. The counter is checked first; both can only be beyond the market at once with an
unusual signed counter, and then the counter's rule wins.

This lives in the order layer, not in the paper broker, because the engine applies it for every
broker before anything is sent; it is pure and knows nothing of slots beyond the two orders.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from enum import Enum

from tradeplan.core.enums import OrderType
from tradeplan.orders.model import Order
from tradeplan.orders.triggers import beyond_market


class ReentryRule(Enum):
    AS_IS = "as_is"  # nothing was beyond the market: place what was asked
    COUNTER_AS_STOP = "counter_as_stop"
    FOLLOW_AS_LIMIT = "follow_as_limit"


@dataclass(frozen=True, slots=True)
class ReentryDecision:
    """What to send. `converted` is the re-typed order (also in `place`), `dropped` the one
    withheld; the engine logs a `converted` event for the first and nothing is sent for the second.
    """

    rule: ReentryRule
    place: tuple[Order, ...]
    converted: Order | None = None
    dropped: Order | None = None


def as_stop(order: Order) -> Order:
    """The same order as a stop at its limit price."""
    return replace(order, type=OrderType.STOP, trigger=order.price, price=None)


def as_limit(order: Order) -> Order:
    """The same order as a limit at its stop price."""
    return replace(order, type=OrderType.LIMIT, price=order.trigger, trigger=None)


def arm_reentry(
    counter: Order | None, follow: Order | None, bid: Decimal, ask: Decimal
) -> ReentryDecision:
    """Decide how to place a slot's counter limit and follow stop given the market now."""
    if counter is not None and counter.type is not OrderType.LIMIT:
        raise ValueError(f"a counter re-entry is a limit order, got {counter.type.value}")
    if follow is not None and follow.type is not OrderType.STOP:
        raise ValueError(f"a follow re-entry is a stop order, got {follow.type.value}")
    if counter is not None and beyond_market(counter, bid, ask):
        stop = as_stop(counter)
        return ReentryDecision(ReentryRule.COUNTER_AS_STOP, (stop,), converted=stop, dropped=follow)
    if follow is not None and beyond_market(follow, bid, ask):
        limit = as_limit(follow)
        return ReentryDecision(
            ReentryRule.FOLLOW_AS_LIMIT, (limit,), converted=limit, dropped=counter
        )
    return ReentryDecision(ReentryRule.AS_IS, tuple(o for o in (counter, follow) if o is not None))
