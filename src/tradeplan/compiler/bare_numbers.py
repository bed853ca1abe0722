"""TP211: a bare number on an FX pair is a price amount, which beginners read as pips.

`stop_loss: 20` on USD/JPY is 20 yen (2,000 pips); the trader almost always meant `20 pips`.
Only amounts of at least `THRESHOLD_PIPS` are reported: a price distance written on purpose
(`stop_loss: 0.20`, 20 pips on USD/JPY) is normal and stays quiet, while the mistake (a pip
count written without the word) lands at 100 times the intended width or far more. The
threshold is documented in docs/codes/TP211.md.
"""

from __future__ import annotations

from decimal import Decimal

from tradeplan.core.enums import AssetClass
from tradeplan.core.instrument import Instrument
from tradeplan.core.money import decimals_of
from tradeplan.diagnostics.collector import Collector
from tradeplan.lang.model import BareNumber

THRESHOLD_PIPS = Decimal(200)


def check_bare_numbers(bare: tuple[BareNumber, ...], inst: Instrument, out: Collector) -> None:
    if inst.asset_class is not AssetClass.FX or inst.pip is None:
        return
    for number in bare:
        pips = number.distance.value / inst.pip
        if abs(pips) < THRESHOLD_PIPS:
            continue
        price = _price_text(number.distance.value, inst.tick)
        label = f"`{number.key}: {number.text}`"
        if number.within is not None:
            label += f" (in `{number.within}`)"
        out.report(
            "TP211",
            number.span,
            f"{label} on {inst.symbol} is a price distance of {price}, which is "
            f"{format(pips.normalize(), ',f')} pips",
            f"a plain number is a price amount; write `{number.text} pips` for pips, or "
            f"`{_with_dollar(number.text)}` to keep the price distance (this also silences "
            "the warning)",
        )


def _price_text(value: Decimal, tick: Decimal) -> str:
    """The amount with the instrument's decimals (20 -> 20.000 on USD/JPY), never rounded."""
    places = decimals_of(tick)
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent <= places:
        value = value.quantize(Decimal(1).scaleb(-places))
    return format(value, "f")


def _with_dollar(text: str) -> str:
    """`20` -> `$20`, `-5` -> `-$5`: the explicit price-amount spelling of the same value."""
    if text[:1] in "+-":
        return f"{text[0]}${text[1:].strip()}"
    return f"${text}"
