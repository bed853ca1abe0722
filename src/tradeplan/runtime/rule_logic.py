"""One entry rule's logic as pure functions: `(config, state, event, context) -> (state, commands)`.

`rule_run.py` says what the rule does on each event; this module is how, without effects:
each handler takes the rule's configuration (`RuleConfig`), its run state (`RuleState`), the
event and the engine as `OwnerContext` (what it may read, and fresh ids), and returns the new
state and the commands to carry out, in order (`commands.py`). It never sends, records or
books anything itself; `RuleRun` puts the state in place and has the commands executed.

Where the broker's answer to a command decides what comes next (it may answer from inside the
command: a rejection at submit, a confirmed cancel), the handler ends with `Then`, which goes
on from the state as it is after that answer. Those places are: the signal row of an entry
(accepted, or rejected at once), the exits of a fill (placed one by one while none has been
rejected), reading the position after the ledger changed (resizing the exits, closing what a
close at market left), a close cancelled for being larger than the position, the entry
cancelled at the end of the data, and an expired exit sent again (which becomes an exit only
once sent, as it always has).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from tradeplan.core.enums import OrderType, Session, TimeInForce
from tradeplan.core.epoch import ns_from_datetime
from tradeplan.core.units import format_duration
from tradeplan.orders.model import Order, OrderEvent, OrderTag
from tradeplan.orders.triggers import rounding_for
from tradeplan.plan.model import EntryRule, Plan
from tradeplan.ports.broker import OrderUpdate, PriceTouch
from tradeplan.risk.reasons import Reason
from tradeplan.runtime.commands import (
    NONE,
    AddToPosition,
    BookClose,
    Cancel,
    Command,
    OpenPosition,
    RefuseExit,
    SettleAtClose,
    Signal,
    Submit,
    Then,
    Unwatch,
    Watch,
)
from tradeplan.runtime.exits import RefusedExit, exit_orders, time_exit_deadline, trail_of, width
from tradeplan.runtime.expiry import re_placed
from tradeplan.runtime.idmap import IdMap
from tradeplan.runtime.ledger import Position
from tradeplan.runtime.legs import Leg, amends, resized
from tradeplan.runtime.owner import Bools, EntryRefused, RuleInputs
from tradeplan.runtime.records import ExitReason
from tradeplan.runtime.rule_state import (
    ENTRY_WORKING,
    EXIT_WORKING,
    FLAT,
    OPEN,
    STOPPED,
    Deferred,
    RuleState,
)
from tradeplan.runtime.services import OwnerContext
from tradeplan.sizing import SizingError

if TYPE_CHECKING:  # mypy checks field names and types against dataclasses.replace
    from dataclasses import replace
else:  # the same copy, three times faster (values.py)
    from tradeplan.runtime.values import replace

Step = tuple[RuleState, tuple[Command, ...]]
_FILLS = frozenset({OrderEvent.PARTIALLY_FILLED, OrderEvent.FILLED})
_NEEDS_PRICE = frozenset({OrderType.LIMIT, OrderType.STOP_LIMIT, OrderType.LIMIT_IF_TOUCHED})
_NEEDS_TRIGGER = frozenset(
    {
        OrderType.STOP,
        OrderType.STOP_LIMIT,
        OrderType.MARKET_IF_TOUCHED,
        OrderType.LIMIT_IF_TOUCHED,
    }
)
_NO_EXITS: IdMap[Leg] = IdMap()


@dataclass(frozen=True, slots=True)
class RuleConfig:
    """What never changes during a rule's run: the rule, its inputs, the plan's transitions
    for it (`(source, event, target)`) and the session its orders work in."""

    rule: EntryRule
    inputs: RuleInputs
    moves: frozenset[tuple[str, str, str]]
    session: Session

    @classmethod
    def of(cls, plan: Plan, rule: EntryRule, inputs: RuleInputs, session: Session) -> RuleConfig:
        moves = frozenset(
            (t.source, t.event, t.target)
            for machine in plan.machines
            if machine.kind == "entry" and machine.name == rule.name
            for t in machine.transitions
        )
        return cls(rule, inputs, moves, session)

    @property
    def name(self) -> str:
        return self.rule.name

    @property
    def exit_signal(self) -> Bools | None:
        """`exit_when` at each row's close; exit signals count only where the plan has one."""
        return self.inputs.exit if self.rule.exits.exit_when is not None else None


# --- the events -------------------------------------------------------------------------------


def on_bar_close(cfg: RuleConfig, state: RuleState, row: int, ctx: OwnerContext) -> Step:
    phase = state.phase
    if phase == FLAT:
        if cfg.inputs.entry[row]:
            return _enter(cfg, state, row, ctx)
    elif phase == OPEN:
        deferred = state.deferred
        exit_signal = cfg.exit_signal
        if deferred is not None:
            if ctx.regular_hours_after(row):
                return _close_at_market(
                    cfg, state, row, deferred.tag, deferred.event, deferred.reason, ctx
                )
        elif exit_signal is not None and exit_signal[row]:
            reason = "exit_when true at the close"
            return _close_at_market(cfg, state, row, OrderTag.SIGNAL, "bar_close", reason, ctx)
        elif state.time_exit_at is not None and ctx.close_ns(row) >= state.time_exit_at:
            reason = _time_exit_text(cfg)
            return _close_at_market(cfg, state, row, OrderTag.TIME_EXIT, "clock", reason, ctx)
        elif state.break_even_at is not None and ctx.close_ns(row) >= state.break_even_at:
            return _break_even_expired(cfg, state, row, ctx)
    return state, NONE


def on_update(cfg: RuleConfig, state: RuleState, update: OrderUpdate, ctx: OwnerContext) -> Step:
    order_id = update.order.id
    kind = update.kind
    if state.entry is not None and order_id == state.entry.id:
        return _on_entry_update(cfg, state, update, ctx)
    leg = state.exits.get(order_id)
    if leg is not None:
        tag = leg.tag
        if kind in _FILLS:
            return _exit_filled(cfg, state, update, tag, ctx)
        if kind is OrderEvent.REJECTED:
            return _halt(cfg, replace(state, exits=state.exits.drop(order_id)))
        if kind in (OrderEvent.CANCELLED, OrderEvent.EXPIRED):
            state = _forget_exit(state, order_id)
            if kind is OrderEvent.EXPIRED and update.order.time_in_force is TimeInForce.GTC:
                return _replace_expired(cfg, state, update.order, tag, ctx)
        return state, NONE
    cancelled_leg = state.cancelling.get(order_id)
    if cancelled_leg is not None:
        return _cancelling_update(cfg, state, update, cancelled_leg, ctx)
    closing = state.closing
    if closing is not None and order_id == closing.id:
        if kind in _FILLS:
            return _closing_filled(cfg, state, update, closing, ctx)
        if kind in (OrderEvent.REJECTED, OrderEvent.CANCELLED, OrderEvent.EXPIRED):
            state = replace(state, closing=None, closing_leg=None)
            if state.phase == EXIT_WORKING:
                # The position is still there; the clocks are spent.
                state = replace(state, phase=OPEN)
                if kind is OrderEvent.REJECTED:
                    return _halt(cfg, state)
    return state, NONE


def on_touch(cfg: RuleConfig, state: RuleState, touch: PriceTouch, ctx: OwnerContext) -> Step:
    """Break-even reached: replace the stop loss by a stop at the entry (+ offset)."""
    if touch.watch_id != state.watch_id or state.phase != OPEN:
        return state, NONE
    phase = _to(cfg, state.phase, ("profit_reached",), OPEN)
    state = replace(state, phase=phase, watch_id=None, break_even_at=None)
    commands: list[Command] = []
    old = state.stop_id
    if old is not None:
        state = replace(state, exits=state.exits.drop(old), stop_id=None)
        commands.append(Cancel(old))
    position = ctx.ledger.open[cfg.name]
    assert state.break_even_stop is not None
    stop = Order(
        ctx.new_order_id(),
        position.side.opposite,
        OrderType.STOP,
        position.qty,
        trigger=state.break_even_stop,
        time_in_force=cfg.rule.exits.time_in_force,
        reduce_only=True,
        session=cfg.session,
        oco=state.oco,
        tag=OrderTag.BREAK_EVEN,
        slot=cfg.name,
    )
    state = replace(
        state,
        exits=state.exits.put(stop.id, Leg(OrderTag.BREAK_EVEN, stop.qty)),
        stop_id=stop.id,
    )
    commands.append(Submit(stop))
    return state, tuple(commands)


def finish(
    cfg: RuleConfig,
    state: RuleState,
    row: int,
    ctx: OwnerContext,
    tag: OrderTag = OrderTag.END_OF_DATA,
) -> Step:
    """End of data at `row`: cancel what works, close what is open at the close."""
    entry = state.entry
    if entry is not None:  # its cancel comes back before the rest: the rule may go flat
        return state, (Cancel(entry.id), _then(lambda s, c: _finish_rest(cfg, s, row, c, tag)))
    return _finish_rest(cfg, state, row, ctx, tag)


def _finish_rest(
    cfg: RuleConfig,
    state: RuleState,
    row: int,
    ctx: OwnerContext,
    tag: OrderTag = OrderTag.END_OF_DATA,
) -> Step:
    state, cancels = _cancel_exits(state)
    commands: list[Command] = list(cancels)
    # A close that waited for its exits' cancels is replaced by the settlement below.
    state = replace(state, pending_close=None, pending_reason="")
    closing = state.closing
    if closing is not None:
        state = replace(state, closing=None)
        commands.append(Cancel(closing.id))
    position = ctx.ledger.open.get(cfg.name)
    if position is None:
        return state, tuple(commands)
    order = _market_close(cfg, position, tag, ctx)
    state = replace(state, closing=order, closing_leg=Leg(tag, order.qty))
    commands.append(SettleAtClose(order, row))
    return state, tuple(commands)


# --- entering ---------------------------------------------------------------------------------


def _enter(cfg: RuleConfig, state: RuleState, row: int, ctx: OwnerContext) -> Step:
    rule = cfg.rule
    side = rule.side
    try:
        order_fields = _entry_fields(cfg, row, ctx)
    except (EntryRefused, SizingError) as exc:
        return state, (Signal(row, side, False, f"price: {exc}"),)
    price = order_fields.get("price") or order_fields.get("trigger")
    reference = price if isinstance(price, Decimal) else ctx.reference(side, row)
    decision = ctx.decide_entry(rule, reference, row, market=rule.order.type is OrderType.MARKET)
    if decision.refusal:
        refused = Signal(row, side, False, decision.refusal)
        if decision.refusal.startswith(Reason.DRAWDOWN_HALT.value):
            # The halt lasts until someone resumes on purpose (risk/tracker.py): the rule
            # stops, instead of refusing every later signal of the run one by one.
            state, halting = _halt(cfg, state)
            return state, (refused, *halting)
        return state, (refused,)
    order = Order(
        ctx.new_order_id(),
        side,
        rule.order.type,
        decision.qty,
        time_in_force=rule.time_in_force,
        session=cfg.session,
        tag=OrderTag.ENTRY,
        slot=cfg.name,
        **order_fields,  # type: ignore[arg-type]
    )
    phase = _to(cfg, state.phase, ("bar_close",), ENTRY_WORKING)
    state = replace(state, phase=phase, entry=order, entry_rejection="")
    note = decision.note

    def report(state: RuleState, _: OwnerContext) -> Step:
        """The signal row: accepted, unless the broker rejected the entry as it arrived."""
        rejection = state.entry_rejection
        if rejection:
            return state, (Signal(row, side, False, f"rejected by the broker: {rejection}"),)
        return state, (Signal(row, side, True, note),)

    return state, (Submit(order, entry_price=reference), _then(report))


def _entry_fields(cfg: RuleConfig, row: int, ctx: OwnerContext) -> dict[str, object]:
    """The entry order's prices at `row`, on the tick grid (buys round up, sells down)."""
    template, inputs = cfg.rule.order, cfg.inputs
    instrument = ctx.instrument
    side = cfg.rule.side
    fields: dict[str, object] = {}
    rounding = rounding_for(side)
    if template.type in _NEEDS_PRICE:
        if inputs.price is None:
            raise EntryRefused(f"the {template.type.value} entry has no price to work at")
        fields["price"] = instrument.round_price(inputs.price(row), rounding)
    if template.type in _NEEDS_TRIGGER:
        source = inputs.trigger or inputs.price
        if source is None:
            raise EntryRefused(f"the {template.type.value} entry has no trigger")
        fields["trigger"] = instrument.round_price(source(row), rounding)
    if template.type in (OrderType.TRAILING_STOP, OrderType.TRAILING_STOP_LIMIT):
        reference = ctx.reference(side, row)
        assert template.trail is not None
        fields["trail"] = trail_of(template.trail, instrument.pip, instrument.tick_at(reference))
        if template.spread is not None:
            fields["limit_offset"] = width(template.spread, reference, instrument)
        if template.activate is not None:
            # A buy trailing entry follows the trough: it activates below the market.
            away = width(template.activate, reference, instrument)
            fields["activation"] = instrument.round_price(reference - side.sign * away, rounding)
    return fields


def _on_entry_update(
    cfg: RuleConfig, state: RuleState, update: OrderUpdate, ctx: OwnerContext
) -> Step:
    kind = update.kind
    if kind is OrderEvent.REJECTED:
        phase = _to(cfg, state.phase, ("rejected",), FLAT)
        return replace(
            state, phase=phase, entry=None, entry_rejection=update.reason or "rejected"
        ), NONE
    if kind in (OrderEvent.CANCELLED, OrderEvent.EXPIRED):
        state = replace(state, entry=None)
        if cfg.name in ctx.ledger.open:
            return state, NONE  # the part filled stays the position, with its exits
        return _move(cfg, state, (kind.value,), FLAT), NONE
    if kind in _FILLS:
        entry = state.entry
        assert entry is not None and update.fill_qty is not None
        if kind is OrderEvent.FILLED:
            state = replace(state, entry=None)
        if cfg.name in ctx.ledger.open:
            return _entry_grew(cfg, state, update, ctx)
        return _entry_filled(cfg, state, update, entry, ctx)
    return state, NONE


def _entry_grew(cfg: RuleConfig, state: RuleState, update: OrderUpdate, ctx: OwnerContext) -> Step:
    """A further part of the entry: the position grows, its exits with it."""
    assert update.fill_price is not None and update.fill_qty is not None
    grow = AddToPosition(update.fill_qty, update.fill_price, update.fee, ctx.mark(update))
    return state, (grow, _then(lambda s, c: _resize(cfg, s, c)))


def _entry_filled(
    cfg: RuleConfig, state: RuleState, update: OrderUpdate, entry: Order, ctx: OwnerContext
) -> Step:
    """The entry's first fill (all of it, or its first part): the position opens."""
    rule = cfg.rule
    assert update.fill_price is not None and update.fill_qty is not None
    position = Position(
        cfg.name,
        rule.side,
        update.fill_qty,
        update.fill_price,
        update.time,
        ctx.mark(update),
        update.fee,
        entry.id,
    )
    commands: list[Command] = [OpenPosition(position)]
    phase = _to(cfg, state.phase, ("filled",), OPEN)
    oco = f"oco{entry.id}"
    planned = exit_orders(
        rule.exits,
        position=rule.side,
        fill_price=update.fill_price,
        qty=update.fill_qty,
        spread=ctx.fill_spread(update),
        instrument=ctx.instrument,
        order_id=lambda _: ctx.new_order_id(),
        oco=oco,
        slot=cfg.name,
        session=cfg.session,
    )
    exits = rule.exits
    time_exit_at = state.time_exit_at
    if exits.time_exit is not None:
        deadline = time_exit_deadline(exits.time_exit, update.time)
        if deadline is not None:
            time_exit_at = ns_from_datetime(deadline)
    break_even_stop, break_even_at = state.break_even_stop, state.break_even_at
    watch_id = state.watch_id
    if planned.break_even_watch is not None and exits.break_even is not None:
        break_even_stop = planned.break_even_stop
        within = exits.break_even.within
        if within is not None:
            break_even_at = ns_from_datetime(update.time + timedelta(seconds=within))
        watch_id = ctx.new_watch_id()
        commands.append(Watch(watch_id, rule.side.opposite, planned.break_even_watch))
    state = replace(
        state,
        phase=phase,
        oco=oco,
        time_exit_at=time_exit_at,
        break_even_stop=break_even_stop,
        break_even_at=break_even_at,
        watch_id=watch_id,
    )
    commands.append(_then(_place_exits(cfg, planned.orders, planned.refused)))
    return state, tuple(commands)


def _place_exits(
    cfg: RuleConfig, orders: tuple[Order, ...], refused: tuple[RefusedExit, ...]
) -> Callable[[RuleState, OwnerContext], Step]:
    """Send the exits one by one while the rule is open (a rejected exit stops it, and then
    the rest are not sent), then record those that could not be sent and stop the rule."""

    def step(state: RuleState, ctx: OwnerContext) -> Step:
        if orders and state.phase == OPEN:
            order = orders[0]
            assert order.tag is not None
            stop_id = order.id if order.tag is OrderTag.STOP_LOSS else state.stop_id
            exits = state.exits.put(order.id, Leg(order.tag, order.qty))
            state = replace(state, exits=exits, stop_id=stop_id)
            return state, (Submit(order), _then(_place_exits(cfg, orders[1:], refused)))
        commands: list[Command] = [RefuseExit(r) for r in refused]
        if refused:  # as for a rejected exit: the others keep working, nothing new
            state, halting = _halt(cfg, state)
            commands.extend(halting)
        return state, tuple(commands)

    return step


# --- exiting ----------------------------------------------------------------------------------


def _exit_filled(
    cfg: RuleConfig, state: RuleState, update: OrderUpdate, tag: OrderTag, ctx: OwnerContext
) -> Step:
    order_id = update.order.id
    reason = ExitReason(tag.value)
    if not _closes(cfg, update, ctx):
        leg = state.exits[order_id].fill(update.fill_qty)
        state = replace(state, exits=state.exits.put(order_id, leg))
        if update.kind is OrderEvent.FILLED:
            state = _forget_exit(state, order_id)
        # The other exits close what is left.
        return state, (BookClose(update, reason), _then(lambda s, c: _resize(cfg, s, c)))
    state = _forget_exit(state, order_id)
    commands: list[Command] = []
    if update.kind is not OrderEvent.FILLED:
        commands.append(Cancel(order_id))  # an exit larger than the position: not the rest
    state, cancels = _cancel_exits(state)
    commands.extend(cancels)
    state, cancels = _cancel_entry(state)
    commands.extend(cancels)
    event = f"{tag.value}_filled"
    events = (event, "stop_loss_filled", "filled") if tag is OrderTag.BREAK_EVEN else (event,)
    state, closing = _close_trade(cfg, state, update, tag, events)
    return state, (*commands, *closing)


def _closing_filled(
    cfg: RuleConfig, state: RuleState, update: OrderUpdate, closing: Order, ctx: OwnerContext
) -> Step:
    """A part of a close at market, or its last part (which closes the position)."""
    tag = closing.tag or OrderTag.MANUAL
    if not _closes(cfg, update, ctx):
        leg = state.closing_leg
        assert leg is not None
        if update.kind is OrderEvent.FILLED:
            state = replace(state, closing=None, closing_leg=None)
        else:
            state = replace(state, closing_leg=leg.fill(update.fill_qty))
        booked = BookClose(update, ExitReason(tag.value))
        if state.closing is None and tag is not OrderTag.END_OF_DATA:
            # The position outgrew its close (a late entry fill): close the rest too.
            return state, (booked, _then(lambda s, c: _close_rest(cfg, s, tag, c)))
        return state, (booked,)

    def closed(state: RuleState, _: OwnerContext) -> Step:
        state = replace(state, closing=None, closing_leg=None)
        return _close_trade(cfg, state, update, tag, ("filled",))

    if update.kind is not OrderEvent.FILLED:
        # A close larger than the position: not the rest. Its cancel comes back first.
        return state, (Cancel(closing.id), _then(closed))
    return closed(state, ctx)


def _closes(cfg: RuleConfig, update: OrderUpdate, ctx: OwnerContext) -> bool:
    """Whether the fill takes all that is open."""
    position = ctx.ledger.open.get(cfg.name)
    return position is None or update.fill_qty is None or update.fill_qty >= position.qty


def _close_rest(cfg: RuleConfig, state: RuleState, tag: OrderTag, ctx: OwnerContext) -> Step:
    """Send a close at market for what is still open, as the same kind of close."""
    order = _market_close(cfg, ctx.ledger.open[cfg.name], tag, ctx)
    return replace(state, closing=order, closing_leg=Leg(tag, order.qty)), (Submit(order),)


def _resize(cfg: RuleConfig, state: RuleState, ctx: OwnerContext) -> Step:
    """Keep every exit (and a close at market) at the size of the position."""
    position = ctx.ledger.open.get(cfg.name)
    if position is None:
        return state, NONE
    legs = state.exits.pairs
    closing, closing_leg = state.closing, state.closing_leg
    if closing is not None and closing_leg is not None:
        legs = (*legs, (closing.id, closing_leg))
    changed = resized(legs, position.qty)
    if not changed:
        return state, NONE
    exits = state.exits
    for order_id, leg in changed:
        if closing is not None and order_id == closing.id:
            closing_leg = leg
        else:
            exits = exits.put(order_id, leg)
    return replace(state, exits=exits, closing_leg=closing_leg), amends(changed, position.qty)


def _forget_exit(state: RuleState, order_id: str) -> RuleState:
    stop_id = None if order_id == state.stop_id else state.stop_id
    return replace(state, exits=state.exits.drop(order_id), stop_id=stop_id)


def _close_trade(
    cfg: RuleConfig, state: RuleState, update: OrderUpdate, tag: OrderTag, events: tuple[str, ...]
) -> Step:
    booked = (BookClose(update, ExitReason(tag.value)),)
    phase = state.phase
    if phase != STOPPED:
        # The data ended: no transition to check.
        phase = FLAT if tag is OrderTag.END_OF_DATA else _to(cfg, phase, events, FLAT)
    return replace(_clear_clocks(state), phase=phase, deferred=None), booked


def _close_at_market(
    cfg: RuleConfig,
    state: RuleState,
    row: int,
    tag: OrderTag,
    event: str,
    reason: str,
    ctx: OwnerContext,
) -> Step:
    """Close at market; `reason` goes on the order's `placed` row in orders.csv.

    US brokers refuse market orders outside regular hours (SEMANTICS.md §3). Where the
    strategy trades extended hours the close goes out as a marketable limit; under
    `session: rth` nothing could trade before the next open anyway, so the close waits for
    it (the exits keep working meanwhile) instead of being refused."""
    position = ctx.ledger.open[cfg.name]
    state, cancels = _cancel_entry(state)
    commands: list[Command] = list(cancels)
    after_hours = not ctx.regular_hours_after(row)
    if after_hours and cfg.session is Session.RTH:
        state = replace(_clear_clocks(state), deferred=Deferred(tag, event, reason))
        return state, tuple(commands)
    exits = state.exits
    state, cancels = _cancel_exits(state)
    commands.extend(cancels)
    phase = _to(cfg, state.phase, (event,), EXIT_WORKING)
    order = _market_close(cfg, position, tag, ctx)
    if not after_hours:
        order = replace(order, session=Session.RTH)  # a market order: fills at the next row
    else:
        price = ctx.marketable_limit(order.side, row)
        order = replace(order, type=OrderType.LIMIT, price=price)
        reason = f"{reason}; a limit 1% through the market: market orders are refused now"
    # The close goes out once the broker has confirmed every exit's cancel (at once on the
    # paper broker, a round trip live): until then one of them may still fill.
    state = replace(
        _clear_clocks(state),
        phase=phase,
        deferred=None,
        cancelling=_merged(state.cancelling, exits),
        pending_close=order,
        pending_reason=reason,
    )
    if not state.cancelling:
        return _send_pending(cfg, state, ctx, tuple(commands))
    return state, tuple(commands)


def _merged(held: IdMap[Leg], more: IdMap[Leg]) -> IdMap[Leg]:
    for order_id, leg in more.pairs:
        held = held.put(order_id, leg)
    return held


def _send_pending(
    cfg: RuleConfig, state: RuleState, ctx: OwnerContext, before: tuple[Command, ...] = NONE
) -> Step:
    """Send the close that waited for the exits' cancels, at the position's size now (an exit
    may have filled in part meanwhile); nothing when the position has closed."""
    order, reason = state.pending_close, state.pending_reason
    state = replace(state, pending_close=None, pending_reason="")
    position = ctx.ledger.open.get(cfg.name)
    if order is None or position is None:
        return state, before
    if order.qty != position.qty:
        order = replace(order, qty=position.qty)
    tag = order.tag or OrderTag.MANUAL
    state = replace(state, closing=order, closing_leg=Leg(tag, order.qty))
    return state, (*before, Submit(order, reason=reason))


def _cancelling_update(
    cfg: RuleConfig, state: RuleState, update: OrderUpdate, leg: Leg, ctx: OwnerContext
) -> Step:
    """An exit cancelled for a close at market: its cancel confirmed (the close may go), or
    a fill that beat the cancel (booked: the position is smaller, or closed by it)."""
    order_id = update.order.id
    kind = update.kind
    if kind in _FILLS:
        if _closes(cfg, update, ctx):
            state = replace(
                state,
                cancelling=state.cancelling.drop(order_id),
                pending_close=None,
                pending_reason="",
            )
            return _close_trade(cfg, state, update, leg.tag, ("filled",))
        filled = leg.fill(update.fill_qty)
        cancelling = (
            state.cancelling.drop(order_id)
            if kind is OrderEvent.FILLED
            else state.cancelling.put(order_id, filled)
        )
        state = replace(state, cancelling=cancelling)
        booked: tuple[Command, ...] = (BookClose(update, ExitReason(leg.tag.value)),)
        if not cancelling and state.pending_close is not None:
            return state, (booked[0], _then(lambda s, c: _send_pending(cfg, s, c)))
        return state, booked
    if kind in (OrderEvent.CANCELLED, OrderEvent.EXPIRED, OrderEvent.REJECTED):
        state = replace(state, cancelling=state.cancelling.drop(order_id))
        if not state.cancelling and state.pending_close is not None:
            return _send_pending(cfg, state, ctx)
    return state, NONE


def _time_exit_text(cfg: RuleConfig) -> str:
    rule = cfg.rule.exits.time_exit
    parts = []
    if rule is not None and rule.after is not None:
        parts.append(f"held {format_duration(rule.after)}")
    if rule is not None and rule.at is not None:
        parts.append(f"{rule.at} {rule.tz or 'UTC'}")
    return "time_exit: " + " or ".join(parts)


def _break_even_expired(cfg: RuleConfig, state: RuleState, row: int, ctx: OwnerContext) -> Step:
    """The break-even trigger was not reached in time: close, or simply stop watching."""
    break_even = cfg.rule.exits.break_even
    commands: tuple[Command, ...] = NONE
    if state.watch_id is not None:
        commands = (Unwatch(state.watch_id),)
    state = replace(state, break_even_at=None, watch_id=None)
    if break_even is not None and break_even.otherwise == "close":
        within = format_duration(break_even.within or 0)
        reason = f"break_even_timeout: {break_even.at} of profit not reached within {within}"
        tag = OrderTag.BREAK_EVEN_TIMEOUT
        state, closing = _close_at_market(cfg, state, row, tag, "clock", reason, ctx)
        commands = (*commands, *closing)
    return state, commands


def _replace_expired(
    cfg: RuleConfig, state: RuleState, expired: Order, tag: OrderTag, ctx: OwnerContext
) -> Step:
    """A protective exit the broker dropped after 90 days goes out again at once."""
    if state.phase != OPEN:
        return state, NONE
    position = ctx.ledger.open.get(cfg.name)
    qty = expired.qty if position is None else position.qty  # what is left to close
    order, sending = re_placed(ctx, expired, tag, qty)
    is_stop = expired.tag in (OrderTag.STOP_LOSS, OrderTag.BREAK_EVEN)

    def keep(state: RuleState, _: OwnerContext) -> Step:
        exits = state.exits.put(order.id, Leg(tag, order.qty))
        return replace(state, exits=exits, stop_id=order.id if is_stop else state.stop_id), NONE

    return state, (*sending, _then(keep))


def _market_close(cfg: RuleConfig, position: Position, tag: OrderTag, ctx: OwnerContext) -> Order:
    return Order(
        ctx.new_order_id(),
        position.side.opposite,
        OrderType.MARKET,
        position.qty,
        reduce_only=True,
        session=cfg.session,
        tag=tag,
        slot=cfg.name,
    )


def _cancel_entry(state: RuleState) -> Step:
    """Cancel what is left of a working entry (part filled: the position is closing)."""
    entry = state.entry
    if entry is None:
        return state, NONE
    return replace(state, entry=None), (Cancel(entry.id),)


def _cancel_exits(state: RuleState) -> Step:
    commands: list[Command] = [Cancel(order_id) for order_id in state.exits]
    if state.watch_id is not None:
        commands.append(Unwatch(state.watch_id))
    return replace(state, exits=_NO_EXITS, stop_id=None, watch_id=None), tuple(commands)


def _clear_clocks(state: RuleState) -> RuleState:
    return replace(state, time_exit_at=None, break_even_at=None, break_even_stop=None)


def _halt(cfg: RuleConfig, state: RuleState) -> Step:
    """Stop the rule: no new orders; what still works keeps working (SEMANTICS.md §1),
    except what is left of a part-filled entry, which would grow the position."""
    commands: tuple[Command, ...] = NONE
    if state.phase == OPEN:
        state, commands = _cancel_entry(state)
    if state.phase in (OPEN, FLAT):
        return _move(cfg, state, ("halt",), STOPPED), commands
    return replace(state, phase=STOPPED), commands


def _move(cfg: RuleConfig, state: RuleState, events: tuple[str, ...], target: str) -> RuleState:
    """`state` in `target` (see `_to`)."""
    return replace(state, phase=_to(cfg, state.phase, events, target))


def _to(cfg: RuleConfig, phase: str, events: tuple[str, ...], target: str) -> str:
    """`target`, reached from `phase` by the first of `events` the plan has a transition for;
    none is an engine bug, which stops the run loudly."""
    for event in events:
        if (phase, event, target) in cfg.moves:
            return target
    raise RuntimeError(
        f"rule {cfg.name}: the plan has no transition {phase} --{events[0]}--> {target}"
    )


def _then(step: Callable[[RuleState, OwnerContext], Step]) -> Then[RuleState]:
    """Go on with `step` once the commands before it are carried out (see the docstring)."""
    return Then(step)


__all__ = ["RuleConfig", "Step", "finish", "on_bar_close", "on_touch", "on_update"]
