"""Re-placing a protective exit the broker let expire, shared by entry rules and grid slots.

US-stock brokers drop a good-till-cancelled order after 90 days (seed 000). A position whose
stop or take profit expired would run unprotected with no word to anyone, so its owner sends
the same order again at once and records an alert. A trailing order cannot be given back its
old peak: the new one trails from the market when it is placed, and the alert says so.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from tradeplan.orders.model import Order, OrderTag
from tradeplan.runtime.commands import Alert, Submit, execute
from tradeplan.runtime.owner import Owner
from tradeplan.runtime.services import OwnerContext, OwnerServices


def re_placed(
    engine: OwnerContext, expired: Order, tag: OrderTag, qty: Decimal | None = None
) -> tuple[Order, tuple[Alert, Submit]]:
    """A copy of `expired` under a new id, and the commands that send it: an alert, then the
    order with the reason on its row. `qty` (what is left to close, when the exit had filled
    in part) replaces its quantity."""
    order = replace(expired, id=engine.new_order_id(), qty=expired.qty if qty is None else qty)
    levels = "trailing again from the market" if expired.is_trailing else "with the same levels"
    message = (
        f"{tag.value} order {expired.id} expired (GTC kept 90 days); "
        f"re-placed as order {order.id} {levels}"
    )
    alert = Alert("gtc_expired", message, order.id)
    return order, (alert, Submit(order, reason=f"re-placed: GTC order {expired.id} expired"))


def re_place_expired(
    engine: OwnerServices, owner: Owner, expired: Order, tag: OrderTag, qty: Decimal | None = None
) -> Order:
    """`re_placed`, sent at once."""
    order, commands = re_placed(engine, expired, tag, qty)
    for command in commands:
        execute(engine, owner, command)
    return order
