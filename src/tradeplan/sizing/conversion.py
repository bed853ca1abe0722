"""Turning money in the instrument's quote currency into the account currency.

The 2% rule budgets in the account currency but a stop loses money in the quote currency, so the
budget must be converted. Whether to multiply or divide by a quoted pair depends on which side of
the pair the account currency sits (seed 003); these helpers take that decision so the sizing
formula only ever sees one rate: account currency per unit of quote currency.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, localcontext

from tradeplan.core.money import ONE, to_decimal
from tradeplan.sizing.errors import SizingError


def mid_conversion_factor(positive_units: object, negative_units: object) -> Decimal:
    """Mid of OANDA's quoteHomeConversionFactors (positiveUnits / negativeUnits).

    OANDA quotes one factor for long and one for short positions; sizing before the side is
    known uses their average, as seed 003 does.
    """
    pos = _positive(to_decimal(positive_units), "positiveUnits")
    neg = _positive(to_decimal(negative_units), "negativeUnits")
    with localcontext() as ctx:
        ctx.prec = 60
        return (pos + neg) / 2


def conversion_rate(from_currency: str, to_currency: str, quotes: Mapping[str, object]) -> Decimal:
    """Units of `to_currency` per unit of `from_currency`, from a direct or an inverse quote.

    `quotes` maps pairs written `BASE/QUOTE` (or `BASE_QUOTE`) to a price: the price of one BASE
    in QUOTE. For a JPY amount in a EUR account, `{"EUR/JPY": 128}` gives 1/128.
    """
    source, target = from_currency.upper(), to_currency.upper()
    if source == target:
        return ONE
    table = {key.upper().replace("_", "/"): value for key, value in quotes.items()}
    direct = table.get(f"{source}/{target}")
    if direct is not None:
        return _positive(to_decimal(direct), f"{source}/{target}")
    inverse = table.get(f"{target}/{source}")
    if inverse is not None:
        price = _positive(to_decimal(inverse), f"{target}/{source}")
        with localcontext() as ctx:
            ctx.prec = 40
            return ONE / price
    raise SizingError(
        f"no quote converts {source} to {target}: give {source}/{target} or {target}/{source}"
    )


def quote_home_rate(
    quote_currency: str, account_currency: str, quotes: Mapping[str, object]
) -> Decimal:
    """Account currency per unit of the instrument's quote currency."""
    return conversion_rate(quote_currency, account_currency, quotes)


def _positive(value: Decimal, name: str) -> Decimal:
    if not value.is_finite() or value <= 0:
        raise SizingError(f"{name} must be a positive price, got {value}")
    return value
