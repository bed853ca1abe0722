"""From "the take profit is amended" to "sell limit 110.00 (o17) is amended to 110.20".

Given what a running owner holds (its working orders, its open position), each change of its
node becomes an action on each of its orders: keep, amend, replace, place or cancel, with the
level before and after. The levels come from the runtime's own arithmetic (`runtime.exits`,
the slot's fee rule), so what the diff prints is what the reload would send:

* with the position's entry price, a new level is worked out as the owner would have placed it
  at the fill;
* without it, from the working order itself, moved by the change of width: exact for widths in
  pips, ticks or price (the fill cancels out, and the spread a stop was placed with stays in
  it), unknown for a width in percent or a take profit with fees (which depend on the fill).

A stop already moved to break-even (tag `break_even`) is not the stop loss: a changed stop loss
leaves it where it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from tradeplan.core.enums import Side
from tradeplan.core.instrument import Instrument
from tradeplan.core.money import Rounding, fmt_decimal, round_to_increment
from tradeplan.core.units import Distance, DistanceUnit
from tradeplan.live.plan_diff_model import (
    Apply,
    FieldChange,
    HeldPosition,
    OrderAction,
    Status,
)
from tradeplan.live.plan_diff_terms import price_text
from tradeplan.orders.model import Order, OrderTag
from tradeplan.plan.model import BreakEven, EntryRule, Fees, GridProgram, charges_fees
from tradeplan.runtime.exits import break_even_levels, level, width
from tradeplan.runtime.slot_run import fee_per_unit


@dataclass(frozen=True, slots=True)
class Terms:
    """What prices an owner's exits: an entry rule's exits, or a grid's (fees added to a slot's
    take profit). `side` is the side the owner enters."""

    side: Side
    take_profit: Distance | None
    stop_loss: Distance | None
    units: Decimal | None = None
    break_even: BreakEven | None = None
    fees: Fees | None = None  # a slot's, when its plan charges fees

    @classmethod
    def of_rule(cls, rule: EntryRule) -> Terms:
        exits = rule.exits
        return cls(rule.side, exits.take_profit, exits.stop_loss, break_even=exits.break_even)

    @classmethod
    def of_grid(cls, grid: GridProgram, fees: Fees) -> Terms:
        return cls(
            grid.side,
            grid.take_profit,
            grid.stop_loss,
            units=grid.units,
            fees=fees if charges_fees(fees) else None,
        )


def order_words(instrument: Instrument, order: Order) -> str:
    """`sell limit 110.00 (o17)`: side, type, the level that matters, client id."""
    level_text = ""
    if order.trigger is not None and order.price is not None:
        level_text = (
            f" {price_text(instrument, order.trigger)} -> {price_text(instrument, order.price)}"
        )
    elif order.trigger is not None:
        level_text = f" {price_text(instrument, order.trigger)}"
    elif order.price is not None:
        level_text = f" {price_text(instrument, order.price)}"
    elif order.trail is not None:
        unit = "%" if order.trail.kind.value == "ratio" else ""
        level_text = f" trailing {fmt_decimal(order.trail.value)}{unit}"
    tag = f"{order.tag.value}: " if order.tag is not None else ""
    kind = order.type.value.replace("_", " ")
    return f"{tag}{order.side.value} {kind}{level_text} for {fmt_decimal(order.qty)} ({order.id})"


def order_actions(
    owner: str,
    status: Status,
    changes: Sequence[FieldChange],
    orders: Sequence[Order],
    position: HeldPosition | None,
    was: Terms,
    now: Terms,
    instrument: Instrument,
) -> tuple[OrderAction, ...]:
    """One action for every working order of `owner`, then the orders a reload would place."""
    if status in (Status.REMOVED, Status.REPLACED):
        return tuple(_drain(owner, order, instrument) for order in orders)
    by_field = {change.field.removeprefix("exits."): change for change in changes}
    maker = _Actions(owner, instrument, position, was, now)
    actions: list[OrderAction] = []
    for order in orders:
        actions.append(maker.for_order(order, by_field))
    if position is not None:
        actions.extend(maker.placed(by_field, orders))
    return tuple(actions)


def _keep(owner: str, order: Order, instrument: Instrument) -> OrderAction:
    return OrderAction(
        owner,
        "keep",
        _tag(order),
        f"{order_words(instrument, order)} keeps working",
        order.id,
    )


def _drain(owner: str, order: Order, instrument: Instrument) -> OrderAction:
    if order.tag is None or order.tag.opens:
        return OrderAction(
            owner, "cancel", _tag(order), f"{order_words(instrument, order)} is cancelled", order.id
        )
    return OrderAction(
        owner,
        "keep",
        _tag(order),
        f"{order_words(instrument, order)} keeps working until the position closes",
        order.id,
    )


def _tag(order: Order) -> str:
    return order.tag.value if order.tag is not None else "order"


@dataclass(frozen=True, slots=True)
class _Actions:
    owner: str
    instrument: Instrument
    position: HeldPosition | None
    was: Terms
    now: Terms

    def for_order(self, order: Order, by_field: dict[str, FieldChange]) -> OrderAction:
        tag = order.tag
        if tag is not None and tag.opens:
            change = by_field.get("units")
            if change is not None and self.now.units is not None:
                return self._amend_qty(order, self.now.units)
        elif tag is OrderTag.TAKE_PROFIT and "take_profit" in by_field:
            return self._take_profit(order, by_field["take_profit"])
        elif tag is OrderTag.STOP_LOSS and "stop_loss" in by_field:
            return self._stop_loss(order, by_field["stop_loss"])
        elif tag is OrderTag.TRAILING_STOP and "trailing" in by_field:
            change = by_field["trailing"]
            action = "cancel" if change.apply is Apply.CANCEL else "replace"
            verb = "is cancelled" if action == "cancel" else f"is replaced ({change.new})"
            return self._act(order, action, f"{order_words(self.instrument, order)} {verb}")
        elif tag is OrderTag.BREAK_EVEN and ("break_even" in by_field or "stop_loss" in by_field):
            return self._act(
                order,
                "keep",
                f"{order_words(self.instrument, order)} (moved to break-even) stays where it is",
            )
        return _keep(self.owner, order, self.instrument)

    def placed(
        self, by_field: dict[str, FieldChange], orders: Sequence[Order]
    ) -> list[OrderAction]:
        """Orders a reload places for the open position: a take profit or stop it lacked,
        and where the break-even watch goes."""
        position = self.position
        assert position is not None
        fill = position.price
        close = position.side.opposite
        tags = {order.tag for order in orders}
        out: list[OrderAction] = []
        tp = by_field.get("take_profit")
        if tp is not None and tp.apply is Apply.PLACE and OrderTag.TAKE_PROFIT not in tags:
            new = self._tp_at(fill, position.qty)
            out.append(
                OrderAction(
                    self.owner,
                    "place",
                    OrderTag.TAKE_PROFIT.value,
                    f"take_profit: {close.value} limit {self._p(new)} for "
                    f"{fmt_decimal(position.qty)} is placed",
                    what="price",
                    new=new,
                )
            )
        sl = by_field.get("stop_loss")
        if sl is not None and sl.apply is Apply.PLACE and OrderTag.STOP_LOSS not in tags:
            stop = self.now.stop_loss
            assert stop is not None
            base = level(
                self.instrument,
                fill,
                -position.side.sign * width(stop, fill, self.instrument),
                close,
            )
            out.append(
                OrderAction(
                    self.owner,
                    "place",
                    OrderTag.STOP_LOSS.value,
                    f"stop_loss: {close.value} stop at {self._p(base)} less the spread at the time "
                    f"it is placed, for {fmt_decimal(position.qty)}, is placed",
                    what="trigger",
                    new=base,
                )
            )
        be = by_field.get("break_even")
        moved = OrderTag.BREAK_EVEN in tags
        if be is not None and self.now.break_even is not None and not moved:
            watch, stop_at = break_even_levels(
                self.now.break_even, position.side, fill, self.instrument
            )
            out.append(
                OrderAction(
                    self.owner,
                    "watch",
                    OrderTag.BREAK_EVEN.value,
                    f"break_even: watches {self._p(watch)}; once touched the stop moves to "
                    f"{self._p(stop_at)}",
                    what="trigger",
                    new=watch,
                )
            )
        return out

    # --- one order ------------------------------------------------------------------------------

    def _take_profit(self, order: Order, change: FieldChange) -> OrderAction:
        if change.apply is Apply.CANCEL:
            return self._act(order, "cancel", f"{order_words(self.instrument, order)} is cancelled")
        old = order.price
        new = self._new_take_profit(order)
        return self._moved(order, "amend", "price", old, new, "amended to")

    def _stop_loss(self, order: Order, change: FieldChange) -> OrderAction:
        if change.apply is Apply.CANCEL:
            return self._act(
                order,
                "cancel",
                f"{order_words(self.instrument, order)} is cancelled: the position has no stop",
            )
        old = order.trigger
        new = self._new_stop(order)
        action = self._moved(order, "replace", "trigger", old, new, "replaced by a stop at")
        return replace(
            action, text=action.text + "; the new stop is placed before this one is cancelled"
        )

    def _amend_qty(self, order: Order, units: Decimal) -> OrderAction:
        if order.qty == units:
            return _keep(self.owner, order, self.instrument)
        return self._moved(order, "amend", "qty", order.qty, units, "amended to", qty=True)

    def _moved(
        self,
        order: Order,
        action: str,
        what: str,
        old: Decimal | None,
        new: Decimal | None,
        verb: str,
        qty: bool = False,
    ) -> OrderAction:
        words = order_words(self.instrument, order)
        if new is None:
            text = f"{words} is {verb.split()[0]}: the new level is worked out from the entry fill"
        elif qty:
            text = f"{words} is {verb} {fmt_decimal(new)} units"
        else:
            text = f"{words} is {verb} {self._p(new)}"
        return OrderAction(self.owner, action, _tag(order), text, order.id, what, old, new)

    def _act(self, order: Order, action: str, text: str) -> OrderAction:
        return OrderAction(self.owner, action, _tag(order), text, order.id)

    def _p(self, price: Decimal) -> str:
        return price_text(self.instrument, price)

    # --- levels ---------------------------------------------------------------------------------

    def _new_take_profit(self, order: Order) -> Decimal | None:
        if self.position is not None:
            return self._tp_at(self.position.price, self.position.qty)
        was, now = self.was.take_profit, self.now.take_profit
        if order.price is None or was is None or now is None or self.now.fees is not None:
            return None
        return self._shifted(order.price, was, now, order.side, away=False)

    def _new_stop(self, order: Order) -> Decimal | None:
        was, now = self.was.stop_loss, self.now.stop_loss
        if order.trigger is None or was is None or now is None:
            return None
        reference = self.position.price if self.position is not None else None
        return self._shifted(order.trigger, was, now, order.side, away=True, at=reference)

    def _shifted(
        self,
        current: Decimal,
        was: Distance,
        now: Distance,
        order_side: Side,
        *,
        away: bool,
        at: Decimal | None = None,
    ) -> Decimal | None:
        """`current` moved by the change of width: further from the entry for a wider take
        profit (`away=False`: in the order's closing direction's favour) or stop (`away`)."""
        if at is None:
            if DistanceUnit.PERCENT in (was.unit, now.unit):
                return None
            at = current
        inst = self.instrument
        delta = width(now, at, inst) - width(was, at, inst)
        # A closing sell (a long's exit) sits above the fill for a take profit, below for a stop.
        sign = 1 if order_side is Side.SELL else -1
        if away:
            sign = -sign
        return level(inst, current, sign * delta, order_side)

    def _tp_at(self, fill: Decimal, qty: Decimal) -> Decimal:
        """Where the owner would have placed its take profit for a fill at `fill`."""
        take_profit = self.now.take_profit
        assert take_profit is not None
        inst = self.instrument
        sign = self.now.side.sign
        amount = width(take_profit, fill, inst)
        fees = self.now.fees
        if fees is not None:
            target = fill + sign * amount
            cost = fee_per_unit(fees, fill, qty) + fee_per_unit(fees, target, qty)
            amount += round_to_increment(cost, inst.tick_at(fill), Rounding.UP)
        return level(inst, fill, sign * amount, self.now.side.opposite)


__all__ = ["Terms", "order_actions", "order_words"]
