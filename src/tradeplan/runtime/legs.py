"""The orders that close a position, each with its size, kept at the size of the position.

Why it exists. With partial fills a position changes size while its exits work: an entry that
fills in parts grows it, an exit that fills in parts shrinks it. Every exit must close exactly
what is open: more would open a position the other way when it fills, less would leave part of
the position unprotected. So an owner holds each of its exits as a `Leg` (what it is, its
quantity as last sent, what it has filled) and, after every change of the position, resizes
each to what it has filled plus what is open. Shared by entry rules and grid slots, so both
keep their exits in step by the same rule.

A `Leg` is a frozen value, part of its owner's run state: `resized` says which legs change
(the owner puts them in its state first), `amends` are the commands that amend those orders
(`send_resize` sends them at once). State before commands, because the broker may answer an
amendment at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from tradeplan.core.money import ZERO, fmt_decimal
from tradeplan.orders.model import OrderTag
from tradeplan.runtime.commands import Amend
from tradeplan.runtime.services import OwnerServices

if TYPE_CHECKING:  # mypy checks field names and types against dataclasses.replace
    from dataclasses import replace
else:  # the same copy, three times faster (values.py)
    from tradeplan.runtime.values import replace


@dataclass(frozen=True, slots=True)
class Leg:
    """One working exit of a position: `qty` is the order's quantity as last sent, `filled`
    what it has filled so far (its remainder, `qty - filled`, is what it still closes)."""

    tag: OrderTag
    qty: Decimal
    filled: Decimal = ZERO

    def fill(self, qty: Decimal | None) -> Leg:
        """This leg after a fill of `qty` (None: a report without a quantity)."""
        return replace(self, filled=self.filled + (qty or 0))


def resized(legs: Iterable[tuple[str, Leg]], open_qty: Decimal) -> tuple[tuple[str, Leg], ...]:
    """The legs whose remainder is not `open_qty`, each at the quantity that makes it so, in
    the order given."""
    return tuple(
        (order_id, replace(leg, qty=leg.filled + open_qty))
        for order_id, leg in legs
        if leg.filled + open_qty != leg.qty
    )


def amends(legs: Iterable[tuple[str, Leg]], open_qty: Decimal) -> tuple[Amend, ...]:
    """Amend each of the `resized` legs' orders to its new quantity; the `amended` row in
    orders.csv says why."""
    reason = f"resized to the open position of {fmt_decimal(open_qty)}"
    return tuple(Amend(order_id, leg.qty, reason) for order_id, leg in legs)


def send_resize(engine: OwnerServices, legs: Iterable[tuple[str, Leg]], open_qty: Decimal) -> None:
    """`amends`, sent at once."""
    for amend in amends(legs, open_qty):
        engine.amend(amend.order_id, qty=amend.qty, reason=amend.reason)


__all__ = ["Leg", "amends", "resized", "send_resize"]
