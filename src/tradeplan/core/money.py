"""Exact prices and quantities.

Every price or quantity that can reach an order is a `Decimal`. Floats are accepted only at the
outer edge (data files, analytics) and converted through `str()` so that `0.1` stays `0.1`.
Rounding is always explicit: callers say which way a price may move (toward the market, away
from it, nearest) because the right direction depends on what the order is for.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal, InvalidOperation
from enum import Enum

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)


class Rounding(Enum):
    """Which way a value may be moved onto its grid."""

    DOWN = "down"  # toward minus infinity (floor)
    UP = "up"  # toward plus infinity (ceiling)
    NEAREST = "nearest"  # half-even, so repeated rounding does not drift in one direction


_MODES = {Rounding.DOWN: ROUND_FLOOR, Rounding.UP: ROUND_CEILING, Rounding.NEAREST: ROUND_HALF_EVEN}


def to_decimal(value: object) -> Decimal:
    """Convert without ever passing through a binary float's full expansion."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError("a bool is not a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        try:
            return Decimal(value.strip().replace("_", "").replace(",", ""))
        except InvalidOperation as exc:
            raise ValueError(f"not a number: {value!r}") from exc
    raise TypeError(f"cannot make a Decimal of {type(value).__name__}")


def round_to_increment(value: Decimal, increment: Decimal, rounding: Rounding) -> Decimal:
    """Snap `value` onto a multiple of `increment` (a tick or a step)."""
    if increment <= 0:
        raise ValueError("increment must be positive")
    units = (value / increment).to_integral_value(rounding=_MODES[rounding])
    return units * increment


def is_on_increment(value: Decimal, increment: Decimal) -> bool:
    return increment > 0 and (value % increment) == 0


def decimals_of(increment: Decimal) -> int:
    """Number of decimal places an increment has (0.01 -> 2, 0.0001 -> 4, 1 -> 0)."""
    exponent = increment.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def plain(value: Decimal, grouped: bool = False) -> str:
    """A number as a trader writes it, never in exponent notation: `1E+16` -> `10000000000000000`,
    `1E-17` -> `0.00000000000000001`. The digits given are kept (`105.00` stays `105.00`);
    `grouped` adds thousands separators for the large figures of messages (`3,000,000`)."""
    text = format(value, ",f" if grouped else "f")
    return "0" if text in {"-0", ""} else text


def fmt_decimal(value: Decimal) -> str:
    """Plain notation without exponent and without trailing noise: 1E+2 -> '100'."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text


# --- money in an account currency ----------------------------------------------------------------
#
# The one rounding rule for every money figure (docs/backtesting.md, "Money in the outputs"): the
# amount in the account currency, rounded half-even to the currency's minor unit. Minor units are
# ISO 4217's (JPY and KRW 0 decimals, most others 2, BHD/KWD/OMR 3); a US-dollar stablecoin (USDT,
# USDC, ...) is counted in cents like the dollar it tracks; BTC and ETH in 8 decimals (the
# satoshi); any other currency in 2. A trade is rounded once, when it is booked (runtime.ledger),
# and every total is the exact sum of booked figures (reporting.metrics), so net P&L = gross
# profit + gross loss and final equity = initial balance + net P&L to the last digit.

_MINOR_UNITS: dict[str, int] = {
    "JPY": 0,
    "KRW": 0,
    "VND": 0,
    "CLP": 0,
    "ISK": 0,
    "HUF": 2,
    "BHD": 3,
    "KWD": 3,
    "OMR": 3,
    "JOD": 3,
    "TND": 3,
    "BTC": 8,
    "ETH": 8,
}


def minor_unit_decimals(currency: str) -> int:
    """Decimals of `currency`'s minor unit (see the rule above): JPY 0, USD 2, USDT 2, BTC 8."""
    return _MINOR_UNITS.get(currency.upper(), 2)


def round_money(value: Decimal, currency: str) -> Decimal:
    """`value` on `currency`'s minor unit, half-even, with exactly that many decimals; a loss
    smaller than half the unit is 0, never `-0.00`."""
    return round_display(value, minor_unit_decimals(currency))


def round_display(value: Decimal, decimals: int) -> Decimal:
    """`value` half-even to `decimals` places, exactly that many, without a negative zero."""
    result = value.quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_EVEN)
    return abs(result) if result == 0 else result


def money_text(value: Decimal, currency: str) -> str:
    """`-3083.53` for USDT, `-953120` for JPY: rounded by the rule, never in exponent form."""
    return format(round_money(value, currency), "f")
