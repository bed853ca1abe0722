"""The exit orders a position gets when its entry fills, priced against the fill.

Pure functions, shared by signal rules and grid slots (`slot_run.py`), so both place exits by the same
arithmetic:

* take profit: a limit at `fill ± take_profit` (+ for a long, - for a short);
* stop loss: a stop at `fill ∓ (stop_loss + spread at placement)`. The spread is added on the
  adverse side for signal entries too, as SEMANTICS.md section 1 says for slots: a long fills at
  the Ask but its stop watches the Bid, which starts one spread lower, so without it a 20-pip
  stop would sit 20 pips minus the spread under the Bid. With it the stop is `stop_loss` away
  from the price the position could close at, and risk sizing counts the spread too;
* trailing: a trailing_stop (or trailing_stop_limit when `spread` is set) on the closing side,
  trailing by a ratio for a percent distance and by a price amount otherwise, activating at
  `fill ± activate` when set;
* break-even: a watch at `fill ± at`; once touched the stop moves to `fill ± offset`;
* time exit: after a duration, or at the next HH:MM in a time zone.

Distances keep the unit the trader wrote until here (`Distance.to_price` at the fill price).
Prices are rounded onto the instrument's tick the way `orders.triggers.rounding_for` says: sells
down, buys up, which puts stops away from the market (never tighter than written) and take
profits at most one tick nearer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from tradeplan.core.enums import OrderType, Session, Side
from tradeplan.core.instrument import Instrument
from tradeplan.core.money import Rounding, fmt_decimal
from tradeplan.core.units import Distance, DistanceUnit
from tradeplan.orders.model import Order, OrderTag, Trail
from tradeplan.orders.triggers import rounding_for
from tradeplan.plan.model import BreakEven, ExitPlan, TimeExit


def distance(value: Distance, reference: Decimal, instrument: Instrument) -> Decimal:
    """The price amount of a distance at `reference` (sign kept)."""
    return value.to_price(reference, instrument.pip, instrument.tick_at(reference))


def width(value: Distance, reference: Decimal, instrument: Instrument) -> Decimal:
    """The size of a distance at `reference`, whatever its sign."""
    return abs(value.to_price(reference, instrument.pip, instrument.tick_at(reference)))


def level(instrument: Instrument, reference: Decimal, offset: Decimal, order_side: Side) -> Decimal:
    """`reference + offset` on the tick grid, rounded the way `order_side`'s orders round."""
    return instrument.round_price(reference + offset, rounding_for(order_side))


@lru_cache(maxsize=256)
def trail_of(value: Distance, pip: Decimal | None, tick: Decimal) -> Trail:
    """A trailing distance as the order model's `Trail`: a percent trails by a ratio of the
    running extreme, anything else by a fixed price amount (which no reference changes)."""
    if value.unit is DistanceUnit.PERCENT:
        return Trail.ratio(abs(value.value))
    return Trail.amount(abs(value.to_price(Decimal(0), pip, tick)))


@dataclass(frozen=True, slots=True)
class ExitOrders:
    """What to place when an entry fills; `orders` share one OCO group. `refused` are exits
    whose level came out at or below zero (a fill at an absurd price or spread): no broker
    takes such an order, so it is recorded as rejected and never sent."""

    orders: tuple[Order, ...]
    break_even_watch: Decimal | None = None
    break_even_stop: Decimal | None = None
    refused: tuple[RefusedExit, ...] = ()


@dataclass(frozen=True, slots=True)
class RefusedExit:
    tag: OrderTag
    type: OrderType
    side: Side
    qty: Decimal
    level: Decimal
    reason: str


def exit_orders(
    exits: ExitPlan,
    *,
    position: Side,
    fill_price: Decimal,
    qty: Decimal,
    spread: Decimal,
    instrument: Instrument,
    order_id: Callable[[OrderTag], str],
    oco: str,
    slot: str | None = None,
    session: Session = Session.RTH,
) -> ExitOrders:
    """The exits of a `position` (BUY for a long) that opened at `fill_price`.

    `session` is the strategy's session: exits work in the same hours as the entry, so a
    post-market move under `session: all` reaches the take profit or the stop when it happens,
    not at the next regular open (seed 000: an order works outside RTH only when flagged)."""
    close = position.opposite
    sign = position.sign
    tif = exits.time_in_force
    orders: list[Order] = []
    refused: list[RefusedExit] = []

    def impossible(tag: OrderTag, kind: OrderType, value: Decimal) -> bool:
        if value > 0:
            return False
        reason = (
            f"its {tag.value} level {fmt_decimal(value)} is at or below zero "
            f"(filled at {fmt_decimal(fill_price)} with a spread of {fmt_decimal(spread)})"
        )
        refused.append(RefusedExit(tag, kind, close, qty, value, reason))
        return True

    take_profit = exits.take_profit
    if take_profit is not None:
        price = level(
            instrument, fill_price, sign * width(take_profit, fill_price, instrument), close
        )
    if take_profit is not None and not impossible(OrderTag.TAKE_PROFIT, OrderType.LIMIT, price):
        orders.append(
            Order(
                order_id(OrderTag.TAKE_PROFIT), close, OrderType.LIMIT, qty, price=price,
                time_in_force=tif, reduce_only=True, oco=oco, tag=OrderTag.TAKE_PROFIT, slot=slot,
            )
        )  # fmt: skip
    stop_loss = exits.stop_loss
    if stop_loss is not None:
        offset = width(stop_loss, fill_price, instrument) + spread
        trigger = level(instrument, fill_price, -sign * offset, close)
    if stop_loss is not None and not impossible(OrderTag.STOP_LOSS, OrderType.STOP, trigger):
        orders.append(
            Order(
                order_id(OrderTag.STOP_LOSS), close, OrderType.STOP, qty, trigger=trigger,
                time_in_force=tif, reduce_only=True, oco=oco, tag=OrderTag.STOP_LOSS, slot=slot,
            )
        )  # fmt: skip
    if exits.trailing is not None:
        orders.append(
            _trailing(exits, order_id, fill_price, qty, sign, close, instrument, oco, slot)
        )
    watch = stop = None
    if exits.break_even is not None:
        watch, stop = break_even_levels(exits.break_even, position, fill_price, instrument)
    if session is not Session.RTH:
        orders = [replace(order, session=session) for order in orders]
    return ExitOrders(tuple(orders), watch, stop, tuple(refused))


def _trailing(
    exits: ExitPlan,
    order_id: Callable[[OrderTag], str],
    fill_price: Decimal,
    qty: Decimal,
    sign: int,
    close: Side,
    instrument: Instrument,
    oco: str,
    slot: str | None,
) -> Order:
    trailing = exits.trailing
    assert trailing is not None
    trail = trail_of(trailing.trail, instrument.pip, instrument.tick_at(fill_price))
    activation = None
    if trailing.activate is not None:
        # The activation is a favourable level: a long's trailing sell activates above the fill.
        activation = instrument.round_price(
            fill_price + sign * width(trailing.activate, fill_price, instrument),
            Rounding.UP if sign > 0 else Rounding.DOWN,
        )
    kind = OrderType.TRAILING_STOP
    offset = None
    if trailing.spread is not None:
        kind = OrderType.TRAILING_STOP_LIMIT
        offset = width(trailing.spread, fill_price, instrument)
    return Order(
        order_id(OrderTag.TRAILING_STOP), close, kind, qty, trail=trail, limit_offset=offset,
        activation=activation, time_in_force=exits.time_in_force, reduce_only=True, oco=oco,
        tag=OrderTag.TRAILING_STOP, slot=slot,
    )  # fmt: skip


def break_even_levels(
    rule: BreakEven, position: Side, fill_price: Decimal, instrument: Instrument
) -> tuple[Decimal, Decimal]:
    """(the level whose touch means the profit reached `at`, where the stop then goes).

    The watch is on the closing side's price (the Bid for a long) and rounds away from the fill,
    so reaching it always means at least `at` of profit; the stop goes to the fill plus the
    offset, rounded like any closing stop.
    """
    sign = position.sign
    close = position.opposite
    at = width(rule.at, fill_price, instrument)
    watch = instrument.round_price(
        fill_price + sign * at, Rounding.UP if sign > 0 else Rounding.DOWN
    )
    offset = Decimal(0)
    if rule.offset is not None:
        offset = distance(rule.offset, fill_price, instrument)
    stop = level(instrument, fill_price, sign * offset, close)
    return watch, stop


def time_exit_deadline(rule: TimeExit, entry_time: datetime) -> datetime | None:
    """When a position opened at `entry_time` must be closed; None if the rule sets no time."""
    deadlines: list[datetime] = []
    if rule.after is not None:
        deadlines.append(entry_time + timedelta(seconds=rule.after))
    if rule.at is not None:
        deadlines.append(next_clock_time(rule.at, rule.tz or "UTC", entry_time))
    return min(deadlines) if deadlines else None


def next_clock_time(hhmm: str, tz: str, after: datetime) -> datetime:
    """The first `hhmm` in zone `tz` strictly after `after`."""
    zone = ZoneInfo(tz)
    hour, minute = (int(part) for part in hhmm.split(":"))
    local = after.astimezone(zone)
    candidate = datetime.combine(local.date(), time(hour, minute), tzinfo=zone)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), time(hour, minute), zone)
    return candidate
