"""Loss thresholds shared by the guards and the equity tracker, so both agree to the unit."""

from __future__ import annotations

from decimal import Decimal


def loss_fraction(reference: Decimal, equity: Decimal) -> Decimal:
    """How far equity sits below a reference (start of day, peak), as a fraction of it."""
    if reference <= 0:
        return Decimal(0)
    return max(Decimal(0), (reference - equity) / reference)


def loss_reached(reference: Decimal | None, equity: Decimal, limit: Decimal | None) -> bool:
    """True once the loss from `reference` is at or beyond `limit` (reaching it is enough)."""
    if reference is None or limit is None or reference <= 0:
        return False
    return reference - equity >= reference * limit
