"""Input checks shared by the sizing functions, worded for the trader who typed the numbers."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from tradeplan.core.money import ONE, to_decimal
from tradeplan.sizing.errors import SizingError
from tradeplan.sizing.exact import Rate

__all__ = ["SizingError", "non_negative", "positive", "positive_rate", "risk_fraction"]


def positive(value: object, name: str) -> Decimal:
    number = _number(value, name)
    if number <= 0:
        raise SizingError(f"{name} must be greater than 0, got {number}")
    return number


def positive_rate(value: object, name: str) -> Rate:
    """A positive rate; an exact Fraction (1/price) is kept as it is."""
    if isinstance(value, Fraction):
        if value <= 0:
            raise SizingError(f"{name} must be greater than 0, got {value}")
        return value
    return positive(value, name)


def non_negative(value: object, name: str) -> Decimal:
    number = _number(value, name)
    if number < 0:
        raise SizingError(f"{name} must not be negative, got {number}")
    return number


def risk_fraction(value: object) -> Decimal:
    """A risk is a fraction of the balance: 0.02 for 2%; above 1 would risk more than it holds."""
    number = positive(value, "risk")
    if number > ONE:
        raise SizingError(f"risk {number} is more than the whole balance; write 0.02 for 2%")
    return number


def _number(value: object, name: str) -> Decimal:
    try:
        number = to_decimal(value)
    except (TypeError, ValueError) as exc:
        raise SizingError(f"{name} must be a number, got {value!r}") from exc
    if not number.is_finite():
        raise SizingError(f"{name} must be a finite number, got {number}")
    return number
