"""Plain-words account of a sizing, for a trader checking the number before trusting it."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING

from tradeplan.core.money import HUNDRED, fmt_decimal
from tradeplan.sizing.exact import Rate, frac, to_decimal_approx

if TYPE_CHECKING:
    from tradeplan.sizing.result import RiskInputs, SizeResult


def num(value: Decimal, places: int = 2) -> str:
    """Thousands separators, at most `places` decimals, no trailing zeros (1,977,833.2)."""
    if value != value.to_integral_value():
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > places:
            value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
    text = format(value, ",f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def rate_text(rate: Rate) -> str:
    """A rate for display: a Decimal as it is, an exact fraction to 12 places."""
    return num(rate if isinstance(rate, Decimal) else to_decimal_approx(frac(rate)), 12)


def pct(fraction: Decimal) -> str:
    return fmt_decimal(fraction * HUNDRED) + "%"


def explain_size(result: SizeResult) -> str:
    if result.inputs is None:
        return _explain_fixed(result)
    return "\n".join(_risk_lines(result, result.inputs))


def _explain_fixed(result: SizeResult) -> str:
    lines = [f"Size: {num(result.units)} units (a fixed size)."]
    if result.uncapped_units != result.units and not result.capped:
        lines.append(f"Rounded down to the step of {num(result.step)}.")
    if result.capped and result.cap is not None:
        lines.append(
            f"The fixed {num(result.uncapped_units)} units are above the margin cap of "
            f"{num(result.cap)}, so the size is cut to {num(result.units)}."
        )
    return "\n".join(lines)


def _risk_lines(result: SizeResult, src: RiskInputs) -> list[str]:
    ccy = f" {src.currency}" if src.currency else ""
    budget = src.risk_amount
    in_quote = frac(budget) / frac(src.quote_home_rate)
    per_unit = src.stop_pips * src.pip_size
    raw = in_quote / frac(per_unit)
    headline = f"Size: {num(result.units)} units"
    headline += " (capped by margin)." if result.capped else "."
    lines = [
        headline,
        f"1. Money at risk: {num(src.balance)}{ccy} x {pct(src.risk)} = {num(budget, 8)}{ccy}.",
    ]
    if src.quote_home_rate == 1:
        lines.append(
            "2. The quote currency is worth 1 in the account currency (rate 1): no conversion."
        )
    else:
        lines.append(
            f"2. In the quote currency: {num(budget, 8)} / {rate_text(src.quote_home_rate)} "
            "(account currency per unit of quote currency) = "
            f"{num(to_decimal_approx(in_quote), 6)}."
        )
    lines.append(
        f"3. Loss per unit at the stop: {num(src.stop_pips, 8)} pips x "
        f"{num(src.pip_size, 12)} = {num(per_unit, 12)} (quote currency)."
    )
    lines.append(
        f"4. Units: {num(to_decimal_approx(in_quote), 6)} / {num(per_unit, 12)} = "
        f"{num(to_decimal_approx(raw), 2)}, rounded down to a step of {num(src.step)}: "
        f"{num(result.uncapped_units)}."
    )
    lines.extend(_cap_lines(result, src, ccy))
    return lines


def _cap_lines(result: SizeResult, src: RiskInputs, ccy: str) -> list[str]:
    lines: list[str] = []
    if result.cap is None:
        lines.append(
            f"   Hitting the {num(src.stop_pips, 8)}-pip stop loses "
            f"{num(src.loss_at_stop(result.units))}{ccy}, within the {num(src.risk_amount, 8)}"
            f"{ccy} budget. No margin cap was given."
        )
        return lines
    lines.append(f"5. Margin cap: {_cap_source(src)}: {num(result.cap)} units.")
    if not result.capped:
        lines.append(
            f"   {num(result.uncapped_units)} units fit under it. Hitting the stop loses "
            f"{num(src.loss_at_stop(result.units))}{ccy}, within the "
            f"{num(src.risk_amount, 8)}{ccy} budget."
        )
        return lines
    lost = src.loss_at_stop(result.units)
    share = lost / src.balance
    lines.append(
        f"   {num(result.uncapped_units)} is above the cap, so the size is cut to "
        f"{num(result.units)}; the stop then loses {num(lost)}{ccy} "
        f"({num(share * HUNDRED, 2)}% of the balance), less than the {pct(src.risk)} asked for."
    )
    if result.min_stop_pips is not None and result.units_at_min_stop is not None:
        lines.append(
            f"6. To risk the full {pct(src.risk)} within the cap, use a stop of at least "
            f"{num(result.min_stop_pips)} pips (the budget in quote currency / cap / pip size, "
            f"rounded up): that gives {num(result.units_at_min_stop)} units."
        )
    else:
        lines.append("6. The margin allows no units at all: no stop makes this trade fit.")
    return lines


def _cap_source(src: RiskInputs) -> str:
    parts: list[str] = []
    if src.leverage is not None:
        units = frac(src.balance * src.leverage) / frac(src.base_home_rate)
        parts.append(
            f"{num(src.balance)} x {num(src.leverage, 8)} (leverage) / "
            f"{rate_text(src.base_home_rate)} (account currency per unit of base currency) = "
            f"{num(to_decimal_approx(units, 2), 2)}, rounded down"
        )
    if src.units_available is not None:
        parts.append(f"the broker reports {num(src.units_available)} units available")
    joined = "; ".join(parts)
    return joined + (" (the smaller binds)" if len(parts) > 1 else "")
