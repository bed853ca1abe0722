"""Trigger and trailing emulation, in exact Decimal arithmetic.

Reference price: a buy watches the Ask, a sell the Bid (SEMANTICS.md section 1), because that is
the price the order would trade at. Every check below takes that reference price `ref`;
`reference_price(side, bid, ask)` picks it.

Which side of a level fires what, for `ref` the reference price:

| order                         | buy fires when | sell fires when |
|-------------------------------|----------------|-----------------|
| limit (and a triggered limit) | ref <= price   | ref >= price    |
| stop, stop_limit, trailing    | ref >= trigger | ref <= trigger  |
| market_if_touched, limit_if_touched | ref <= trigger | ref >= trigger |

Trailing stops (SEMANTICS section 3): a sell keeps the running peak of its reference price and its
stop at `peak - amount` or `peak × (1 - ratio/100)`; a buy mirrors it with the running trough.
The stop only ever moves in the position's favour. With an activation price, trailing starts
only once the market reaches it (a sell when ref >= activation, a buy when ref <= activation),
and the first peak is the price that activated it.

Rounding. Computed prices go onto the instrument's tick (sub-penny below $1 for US stocks)
with one rule: sells round DOWN, buys round UP (`rounding_for`). For a trailing stop that means
away from the market, so the market has to retrace at least the whole configured trail before
the stop fires and no rounding ever makes a stop tighter than the trader set (the cost is at
most one tick of extra room). For a trailing_stop_limit's limit it means further beyond the
trigger, so the limit keeps at least the configured room to fill.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from tradeplan.core.enums import OrderType, Side
from tradeplan.core.instrument import Instrument
from tradeplan.core.money import HUNDRED, ONE, Rounding
from tradeplan.orders.model import Order, Trail, TrailKind

_STOP_LIKE = frozenset(
    {
        OrderType.STOP,
        OrderType.STOP_LIMIT,
        OrderType.TRAILING_STOP,
        OrderType.TRAILING_STOP_LIMIT,
    }
)
_TOUCH_LIKE = frozenset({OrderType.MARKET_IF_TOUCHED, OrderType.LIMIT_IF_TOUCHED})


def reference_price(side: Side, bid: Decimal, ask: Decimal) -> Decimal:
    """Ask for buys, Bid for sells: the price the order would actually trade at."""
    return ask if side is Side.BUY else bid


def rounding_for(side: Side) -> Rounding:
    """The direction computed trigger and limit prices are rounded; see the module docstring."""
    return Rounding.UP if side is Side.BUY else Rounding.DOWN


def limit_reached(side: Side, price: Decimal, ref: Decimal) -> bool:
    """A limit can trade: the market is at its price or better."""
    return ref <= price if side is Side.BUY else ref >= price


def stop_reached(side: Side, trigger: Decimal, ref: Decimal) -> bool:
    """A stop fires: a buy stop when the market rises to it, a sell stop when it falls to it."""
    return ref >= trigger if side is Side.BUY else ref <= trigger


def touch_reached(side: Side, trigger: Decimal, ref: Decimal) -> bool:
    """An if-touched order fires from the favourable side (take-profit style)."""
    return ref <= trigger if side is Side.BUY else ref >= trigger


def trigger_reached(order: Order, level: Decimal, ref: Decimal) -> bool:
    """Whether `order`'s trigger at `level` fires at reference price `ref`."""
    if order.type in _STOP_LIKE:
        return stop_reached(order.side, level, ref)
    if order.type in _TOUCH_LIKE:
        return touch_reached(order.side, level, ref)
    raise ValueError(f"a {order.type.value} order has no trigger")


def marketable(order: Order, bid: Decimal, ask: Decimal) -> bool:
    """Whether `order` would trade (or trigger) at once if placed now.

    Inclusive: a buy limit at exactly the Ask is marketable. A trailing order is placed relative to
    the market, so it never is.
    """
    ref = reference_price(order.side, bid, ask)
    if order.type is OrderType.MARKET:
        return True
    if order.type is OrderType.LIMIT:
        assert order.price is not None
        return limit_reached(order.side, order.price, ref)
    if order.is_trailing:
        return False
    assert order.trigger is not None
    return trigger_reached(order, order.trigger, ref)


def beyond_market(order: Order, bid: Decimal, ask: Decimal) -> bool:
    """Whether `order` is priced strictly past the market (the "irregular" re-entry case).

    Strict where `marketable` is inclusive: a buy limit at exactly the Ask simply fills at its
    price, which is what a trader placing it there meant.
    """
    ref = reference_price(order.side, bid, ask)
    if order.type is OrderType.LIMIT:
        assert order.price is not None
        return order.price != ref and limit_reached(order.side, order.price, ref)
    if order.type in (OrderType.STOP, OrderType.STOP_LIMIT):
        assert order.trigger is not None
        return order.trigger != ref and stop_reached(order.side, order.trigger, ref)
    if order.type in _TOUCH_LIKE:
        assert order.trigger is not None
        return order.trigger != ref and touch_reached(order.side, order.trigger, ref)
    return False


# --- trailing ---------------------------------------------------------------------------------


def trail_stop(side: Side, extreme: Decimal, trail: Trail, instrument: Instrument) -> Decimal:
    """The stop a trailing order keeps at running peak (sell) or trough (buy) `extreme`."""
    if trail.kind is TrailKind.AMOUNT:
        raw = extreme - trail.value if side is Side.SELL else extreme + trail.value
    else:
        factor = ONE - trail.value / HUNDRED if side is Side.SELL else ONE + trail.value / HUNDRED
        raw = extreme * factor
    return instrument.round_price(raw, rounding_for(side))


def trail_limit(side: Side, stop: Decimal, offset: Decimal, instrument: Instrument) -> Decimal:
    """A trailing_stop_limit's limit: trigger - offset for a sell, trigger + offset for a buy."""
    raw = stop - offset if side is Side.SELL else stop + offset
    return instrument.round_price(raw, rounding_for(side))


@dataclass(frozen=True, slots=True)
class TriggerState:
    """What a working order's emulation remembers between prices.

    `triggered`: the trigger has fired; a market-type order is now a market order, a limit-type
    order (stop_limit, limit_if_touched, trailing_stop_limit) now works as a limit at `limit`.
    `active`: a trailing order has reached its activation price (true when it has none).
    `extreme`: the running peak (sell) or trough (buy) of the reference price while active.
    `stop`: the trailing trigger computed from `extreme`, on tick.
    """

    triggered: bool = False
    active: bool = True
    extreme: Decimal | None = None
    stop: Decimal | None = None
    limit: Decimal | None = None


def initial_state(order: Order) -> TriggerState:
    """The state of an order that has just been placed and has seen no price yet."""
    if order.type is OrderType.LIMIT:
        return TriggerState(triggered=True, limit=order.price)
    if order.type is OrderType.MARKET:
        return TriggerState(triggered=True)
    return TriggerState(active=order.activation is None)


def placed_state(order: Order, mark: Decimal, instrument: Instrument) -> TriggerState:
    """The state of an order placed with the market at `mark` (the Bid for a sell, the Ask for a
    buy). A trailing order starts trailing from the market at once, as a broker does when it
    accepts one (unless it waits for an activation price)."""
    return track(order, initial_state(order), mark, instrument)


def shown_levels(
    order: Order, state: TriggerState, instrument: Instrument
) -> tuple[Decimal | None, Decimal | None]:
    """A trailing order's current stop and limit as orders.csv shows them: the limit is the one
    the order would get if it triggered now (stop - offset for a sell), until it has one."""
    limit = state.limit
    if limit is None and state.stop is not None and order.limit_offset is not None:
        limit = trail_limit(order.side, state.stop, order.limit_offset, instrument)
    return state.stop, limit


def track(order: Order, state: TriggerState, ref: Decimal, instrument: Instrument) -> TriggerState:
    """Follow the market with a trailing order's stop; returns `state` itself when nothing moved.

    Only the extreme in the position's favour is kept (the peak for a sell, the trough for a buy),
    and the stop is recomputed from it, so the stop can only move in the position's favour.
    Firing is a separate question (`fired`), asked at the same price after tracking.
    """
    if not order.is_trailing or state.triggered:
        return state
    side = order.side
    if not state.active:
        assert order.activation is not None
        reached = ref >= order.activation if side is Side.SELL else ref <= order.activation
        if not reached:
            return state
        state = replace(state, active=True)
    extreme = state.extreme
    if extreme is not None and (ref <= extreme if side is Side.SELL else ref >= extreme):
        return state
    assert order.trail is not None
    stop = trail_stop(side, ref, order.trail, instrument)
    if state.stop is not None:  # belt and braces: rounding is monotonic, but never step back
        stop = max(stop, state.stop) if side is Side.SELL else min(stop, state.stop)
    return replace(state, extreme=ref, stop=stop)


def trigger_level(order: Order, state: TriggerState) -> Decimal | None:
    """The price at which the order's trigger fires now; None when it cannot fire yet."""
    if order.is_trailing:
        return state.stop if state.active else None
    return order.trigger


def fired(order: Order, state: TriggerState, ref: Decimal) -> bool:
    """Whether the (not yet triggered) order's trigger fires at reference price `ref`."""
    if state.triggered:
        return False
    level = trigger_level(order, state)
    return level is not None and trigger_reached(order, level, ref)


def limit_after_trigger(order: Order, level: Decimal, instrument: Instrument) -> Decimal | None:
    """The limit an order works at once its trigger fired at `level`; None for a market order."""
    if order.type in (OrderType.STOP_LIMIT, OrderType.LIMIT_IF_TOUCHED):
        return order.price
    if order.type is OrderType.TRAILING_STOP_LIMIT:
        assert order.limit_offset is not None
        return trail_limit(order.side, level, order.limit_offset, instrument)
    return None


def fire(order: Order, state: TriggerState, level: Decimal, instrument: Instrument) -> TriggerState:
    """The state after the trigger fired at `level`."""
    return replace(state, triggered=True, limit=limit_after_trigger(order, level, instrument))
