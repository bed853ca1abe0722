"""The orders that close a position, each with its size, kept at the size of the position.

Why it exists. With partial fills a position changes size while its exits work: an entry that
fills in parts grows it, an exit that fills in parts shrinks it. Every exit must close exactly
what is open: more would open a position the other way when it fills, less would leave part of
the position unprotected. So an owner holds each of its exits as a `Leg` (what it is, its
quantity as last sent, what it has filled) and, after every change of the position, `resize`
amends each to what it has filled plus what is open. Shared by entry rules and grid slots, so
both keep their exits in step by the same rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from tradeplan.core.money import ZERO, fmt_decimal
from tradeplan.orders.model import OrderTag
from tradeplan.runtime.services import OwnerServices


@dataclass(slots=True)
class Leg:
    """One working exit of a position: `qty` is the order's quantity as last sent, `filled`
    what it has filled so far (its remainder, `qty - filled`, is what it still closes)."""

    tag: OrderTag
    qty: Decimal
    filled: Decimal = ZERO


def resize(engine: OwnerServices, legs: Iterable[tuple[str, Leg]], open_qty: Decimal) -> None:
    """Amend every leg whose remainder is not `open_qty` so that it is; the `amended` row in
    orders.csv says why."""
    reason = f"resized to the open position of {fmt_decimal(open_qty)}"
    for order_id, leg in legs:
        wanted = leg.filled + open_qty
        if wanted != leg.qty:
            leg.qty = wanted
            engine.amend(order_id, qty=wanted, reason=reason)


__all__ = ["Leg", "resize"]
