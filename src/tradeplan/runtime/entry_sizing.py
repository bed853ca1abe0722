"""How big a signal entry is, and what it stands to lose at its stop.

The engine asks this before every entry (SEMANTICS.md section 4). What makes it more than a call
to `sizing.size_by_risk`:

* **The stop distance is the one `exits.py` will place**: the stop loss's width plus the spread
  at the signal, rounded away from the price on the tick like the stop itself, measured from the
  price the entry is judged at (the Ask for a buy). So the 2% is what the stop would really lose.
* **Currency**: the budget is converted with `quote_home_rate` (account currency per unit of the
  quote currency). An account in the quote currency needs none; an account in the base currency
  (a USD account trading USD/JPY) converts at exactly 1/price, as a Fraction, because no Decimal
  holds 1/109.123 and a rounded rate can floor the size one unit too low (or high).
* **Fees**: the risk covers the loss at the stop *with* the fees of both sides (the entry at
  `price`, the stop at its level; per unit, per notional and per order), so a stop-out loses at
  most the risk share of the balance, not that plus commissions.
* **Steps**: a computed size (risk, notional) is floored to the *venue's* quantity step, which a
  broker may set coarser than the strategy (Triauto's 1,000-unit lots). A fixed size is the
  number written, floored only to the strategy's own step: if the venue refuses it, the guards
  say so (`qty_not_on_step`) rather than trading a different size behind the trader's back.
* **Margin**: the leverage cap (balance x leverage / base rate) and, while other positions or
  entries use margin, the units the free margin still allows (OANDA's unitsAvailable). When a
  cap binds, the entry trades the cap and says so, with the minimum stop that would fit.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, localcontext
from fractions import Fraction
from functools import lru_cache
from typing import Final

from tradeplan.core.enums import Side
from tradeplan.core.instrument import Instrument
from tradeplan.core.money import HUNDRED, ONE, fmt_decimal
from tradeplan.orders.model import TrailKind
from tradeplan.plan.model import EntryRule, ExitPlan, Fees, charges_fees
from tradeplan.runtime.exits import level, trail_of, width
from tradeplan.runtime.ledger import QuoteRate
from tradeplan.sizing import SizingError, fixed_units, size_by_risk
from tradeplan.sizing.exact import Rate, floor_to_step, frac, to_decimal_approx


class MarginRefusal(SizingError):
    """The margin leaves no room for a single step: refused as `insufficient_margin`."""


@dataclass(frozen=True, slots=True)
class SizingAccount:
    """The account as the entry sees it. `leverage` is the account's (None: the broker takes
    any size); `free_margin` is set while other positions or entries hold margin."""

    currency: str
    balance: Decimal
    quote_rate: QuoteRate
    leverage: Decimal | None = None
    free_margin: Decimal | None = None


@dataclass(frozen=True, slots=True)
class EntrySize:
    """`note` goes on the accepted signal's row (a cap that bound); `risk_amount` is the account
    money lost if the stop fills at its trigger, None when no stop bounds the loss."""

    qty: Decimal
    note: str = ""
    risk_amount: Decimal | None = None


def sizing_rate(instrument: Instrument, account: SizingAccount, price: Decimal) -> Rate:
    """Account currency per unit of the quote currency when the instrument trades at `price`."""
    if instrument.quote_currency in (None, account.currency):
        return ONE
    if instrument.base_currency == account.currency:
        return Fraction(1) / Fraction(price)
    return account.quote_rate(price)


def stop_distance(
    exits: ExitPlan, side: Side, price: Decimal, spread: Decimal, instrument: Instrument
) -> Decimal | None:
    """How far from `price` the loss is bounded: the stop loss as `exits.py` would place it for
    a fill at `price` (width + spread, on the tick), else the trailing distance; None: no bound."""
    if exits.stop_loss is not None:
        offset = width(exits.stop_loss, price, instrument) + spread
        return abs(price - level(instrument, price, -side.sign * offset, side.opposite))
    if exits.trailing is not None:
        trail = trail_of(exits.trailing.trail, instrument.pip, instrument.tick_at(price))
        if trail.kind is TrailKind.RATIO:
            return price * trail.value / HUNDRED
        return trail.value
    return None


def size_entry(
    rule: EntryRule,
    *,
    price: Decimal,
    spread: Decimal,
    instrument: Instrument,
    venue_step: Decimal,
    account: SizingAccount,
    fees: Fees | None = None,
) -> EntrySize:
    """The entry's quantity at `price`; raises SizingError (MarginRefusal) to refuse it."""
    sizing = rule.sizing
    distance = stop_distance(rule.exits, rule.side, price, spread, instrument)
    rate = sizing_rate(instrument, account, price)
    fees_split = round_trip_fees(fees, rule.side, price, distance)
    unit_fees, order_fees = fees_split
    fees_free = fees_split is _NO_FEES
    note = ""
    if sizing is None:
        qty = venue_step  # the smallest tradable quantity
    elif sizing.mode in ("units", "qty"):
        qty = _fixed_units(sizing.amount, instrument.step)
    elif sizing.mode == "notional":
        qty = floor_to_step(frac(sizing.amount) / (frac(price) * frac(rate)), venue_step)
        if qty <= 0:
            raise SizingError(
                f"{fmt_decimal(sizing.amount)} at {fmt_decimal(price)} is less than one step "
                f"({fmt_decimal(venue_step)})"
            )
    elif sizing.mode == "risk":
        qty, note = _risk_size(
            rule, price, distance, rate, instrument, venue_step, account, unit_fees, order_fees
        )
    else:
        raise SizingError(f"unknown sizing mode {sizing.mode!r}")
    risk_amount = None
    if distance is not None:
        if fees_free and isinstance(rate, Decimal):  # exact in Decimal: no Fractions needed
            with localcontext() as ctx:
                ctx.prec = 60
                risk_amount = (qty * distance * rate).quantize(_RISK_PLACES)
        else:
            loss = frac(qty) * (frac(distance) + unit_fees) + order_fees
            risk_amount = to_decimal_approx(loss * frac(rate), 8)
    return EntrySize(qty, note, risk_amount)


_NO_FEES: Final = (Fraction(0), Fraction(0))
_RISK_PLACES: Final = Decimal("1e-8")  # `to_decimal_approx(..., 8)`


@lru_cache(maxsize=256)
def _fixed_units(amount: Decimal, step: Decimal) -> Decimal:
    """`fixed_units` of a rule's written size: the same every entry, so worked out once."""
    return fixed_units(amount, step)


def round_trip_fees(
    fees: Fees | None, side: Side, price: Decimal, distance: Decimal | None
) -> tuple[Fraction, Fraction]:
    """(per unit, per position) fees in the quote currency of an entry at `price` closed by its
    stop `distance` away: the entry's and the stop's, as the paper broker charges them."""
    if fees is None or distance is None or not charges_fees(fees):
        return _NO_FEES
    stop = frac(price) - side.sign * frac(distance)
    per_unit = 2 * frac(fees.per_unit) + frac(fees.per_notional) / 100 * (frac(price) + stop)
    return per_unit, 2 * frac(fees.per_order)


def _risk_size(
    rule: EntryRule,
    price: Decimal,
    distance: Decimal | None,
    rate: Rate,
    instrument: Instrument,
    step: Decimal,
    account: SizingAccount,
    unit_fees: Fraction = Fraction(0),
    order_fees: Fraction = Fraction(0),
) -> tuple[Decimal, str]:
    sizing = rule.sizing
    assert sizing is not None
    if rule.exits.stop_loss is None or distance is None:
        raise SizingError("risk sizing needs a stop loss to measure the risk against")
    pip = instrument.pip or ONE
    base_rate = frac(price) * frac(rate)  # account currency per unit of the base currency
    available = None
    if account.free_margin is not None and account.leverage is not None:
        room = max(frac(account.free_margin), Fraction(0)) * frac(account.leverage)
        available = floor_to_step(room / base_rate, step)
    risk = sizing.amount / HUNDRED
    loss_per_unit = distance
    if unit_fees or order_fees:
        # The fees lengthen the loss per unit and, per order, come off the budget; both exact
        # (Fractions) up to the last digit of a 28-digit Decimal, rounded so the size only shrinks.
        budget = frac(account.balance) * frac(risk) - order_fees * frac(rate)
        if budget <= 0:
            raise SizingError("the fees of one round trip exceed the risk budget")
        risk = to_decimal_floor(budget / frac(account.balance))
        loss_per_unit = to_decimal_ceil(frac(distance) + unit_fees)
    result = size_by_risk(
        account.balance,
        risk,
        loss_per_unit / pip,
        pip,
        quote_home_rate=rate,
        step=step,
        leverage=sizing.leverage or account.leverage,
        base_home_rate=base_rate,
        units_available=available,
    )
    if result.units <= 0:
        if result.capped:
            raise MarginRefusal(
                f"the margin allows no {fmt_decimal(step)}-unit step at {fmt_decimal(price)}"
            )
        raise SizingError(
            f"{fmt_decimal(sizing.amount)}% of {fmt_decimal(account.balance)} over a stop "
            f"{fmt_decimal(distance)} away buys less than one step ({fmt_decimal(step)})"
        )
    if not result.capped:
        return result.units, ""
    note = (
        f"capped_by_margin: {fmt_decimal(result.uncapped_units)} units wanted, "
        f"{fmt_decimal(result.units)} allowed"
    )
    if result.min_stop_pips is not None:
        unit = " pips" if instrument.pip is not None else ""
        note += (
            f", the full {fmt_decimal(sizing.amount)}% fits with a stop at least "
            f"{fmt_decimal(result.min_stop_pips)}{unit} away, spread included"
        )
    return result.units, note


def to_decimal_floor(value: Fraction) -> Decimal:
    return _to_decimal(value, ROUND_FLOOR)


def to_decimal_ceil(value: Fraction) -> Decimal:
    return _to_decimal(value, ROUND_CEILING)


def _to_decimal(value: Fraction, rounding: str) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 28
        ctx.rounding = rounding
        return Decimal(value.numerator) / Decimal(value.denominator)


__all__ = [
    "EntrySize",
    "MarginRefusal",
    "SizingAccount",
    "size_entry",
    "sizing_rate",
    "stop_distance",
]
