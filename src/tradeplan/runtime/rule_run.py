"""One entry rule's life cycle: flat -> entry working -> open -> (exit working) -> flat, or stopped.

The moves are the plan's own state machine (`plan.machines.entry_machine`): every change of state
here names the event and is checked against the plan's transitions, so what `explain` shows is
what runs, and a move the plan does not have is an engine bug that stops the run loudly.

What happens on each event:

* a closed row with `when` true while flat: size the entry, run every risk guard, place the entry
  (a refused entry is a row in signals.csv with its reasons, never an order);
* the entry fills: place the exits against the fill price (`exits.py`) as one OCO group, start
  the break-even watch and the clocks;
* an exit fills: cancel its OCO siblings, record the trade with the exit's reason;
* break-even reached: the stop loss is cancelled and a stop at the entry (+ offset) replaces it,
  from that moment; not reached within its time and `otherwise: close`: close at market;
* time exit or `exit_when`: cancel the exits, close at market (the next row's open);
* a rejected order is recorded and never re-sent: a rejected entry returns the rule to flat
  (the next signal places a new order), a rejected exit stops the rule (its other exits keep
  working, nothing new is placed).

Partial fills (docs/backtesting.md, "Partial fills"). The first part of an entry opens the
position and places its exits for that part, priced against that part's fill; each further part
grows the position (its average entry price moves) and resizes the exits to it (`legs.py`). An
entry cancelled or expired after a part keeps that part as the position, exits and all. An exit
or a close at market that fills in parts books each part as its own trade and resizes the other
exits to what is left; the position is closed, and the rule flat, with the last part. Whatever
closes the position, or decides to (a close at market, a halt), cancels what is left of a
working entry: a position being closed does not grow.

State. Everything that changes during a run is one frozen `RuleState` (`rule_state.py`) in
`self.state`; the object keeps only its configuration. Every handler replaces the value whole,
and puts it in place before each call to the engine, because the broker may answer a command
at once (a rejection, a cancel) and that answer comes back here re-entrantly; after the call
it reads `self.state` again. `snapshot()` and `restore()` hand the value out and take it back.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import numpy as np
from numpy.typing import NDArray

from tradeplan.core.enums import OrderType, Session, TimeInForce
from tradeplan.core.epoch import ns_from_datetime
from tradeplan.core.units import format_duration
from tradeplan.orders.model import Order, OrderEvent, OrderTag
from tradeplan.orders.triggers import rounding_for
from tradeplan.plan.model import EntryRule
from tradeplan.ports.broker import OrderUpdate, PriceTouch
from tradeplan.risk.reasons import Reason
from tradeplan.runtime.exits import exit_orders, time_exit_deadline, trail_of, width
from tradeplan.runtime.expiry import re_place_expired
from tradeplan.runtime.idmap import IdMap
from tradeplan.runtime.ledger import Position
from tradeplan.runtime.legs import Leg, resized, send_resize
from tradeplan.runtime.owner import EntryRefused, RuleInputs, Settle
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
from tradeplan.runtime.services import OwnerServices
from tradeplan.sizing import SizingError

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


class RuleRun:
    """The `Owner` for one `EntryRule`; see the module docstring."""

    def __init__(self, engine: OwnerServices, rule: EntryRule, inputs: RuleInputs) -> None:
        self.engine = engine
        self.rule = rule
        self._name = rule.name
        self.inputs = inputs
        self.state = RuleState()
        self._moves = {
            (t.source, t.event, t.target)
            for machine in engine.plan.machines
            if machine.kind == "entry" and machine.name == rule.name
            for t in machine.transitions
        }
        # Exit signals count only where the plan has an `exit_when`.
        self._exit_signal = inputs.exit if rule.exits.exit_when is not None else None
        # The rows with a signal, for the replay's wake-ups: found at the first wake-up, from
        # the inputs a batch run has filled by then (a streaming run visits every row and
        # never asks), so that building an owner, as a restore does, costs no scan.
        self._signal_rows: NDArray[np.int64] | None = None
        self._exit_rows: NDArray[np.int64] | None = None
        self._session = engine.order_session

    @property
    def name(self) -> str:
        return self._name

    def snapshot(self) -> RuleState:
        """The run state now: a frozen value, valid between two events."""
        return self.state

    def restore(self, state: RuleState) -> None:
        """Go on from `state`, a `snapshot()` of a run of the same rule and inputs."""
        if not isinstance(state, RuleState):
            raise TypeError(f"rule {self._name} takes a RuleState, not {type(state).__name__}")
        self.state = state

    # --- the engine's calls -------------------------------------------------------------------

    def on_bar_close(self, row: int) -> None:
        state = self.state
        phase = state.phase
        if phase == FLAT:
            if self.inputs.entry[row]:
                self._enter(row)
        elif phase == OPEN:
            deferred = state.deferred
            if deferred is not None:
                if self.engine.regular_hours_after(row):
                    self._close_at_market(row, deferred.tag, deferred.event, deferred.reason)
            elif self._exit_signal is not None and self._exit_signal[row]:
                self._close_at_market(
                    row, OrderTag.SIGNAL, "bar_close", "exit_when true at the close"
                )
            elif state.time_exit_at is not None and self._due(state.time_exit_at, row):
                self._close_at_market(row, OrderTag.TIME_EXIT, "clock", self._time_exit_text())
            elif state.break_even_at is not None and self._due(state.break_even_at, row):
                self._break_even_expired(row)

    def _due(self, at_ns: int, row: int) -> bool:
        return self.engine.close_ns(row) >= at_ns

    def next_wakeup(self, row: int) -> int:
        rows = self.engine.rows
        state = self.state
        if state.phase == FLAT:
            if self._signal_rows is None:
                self._signal_rows = np.flatnonzero(self.inputs.entry)
            return _next(self._signal_rows, row, rows)
        if state.phase != OPEN:
            return rows
        if state.deferred is not None:
            return row  # looking for regular hours, row by row
        wake = rows
        if self._exit_signal is not None:
            if self._exit_rows is None:
                self._exit_rows = np.flatnonzero(self._exit_signal)
            wake = _next(self._exit_rows, row, rows)
        for clock in (state.time_exit_at, state.break_even_at):
            if clock is not None:
                wake = min(wake, self.engine.first_close_at(clock, row))
        return wake

    def on_update(self, update: OrderUpdate) -> None:
        order_id = update.order.id
        kind = update.kind
        state = self.state
        if state.entry is not None and order_id == state.entry.id:
            self._on_entry_update(update)
        elif order_id in state.exits:
            tag = state.exits[order_id].tag
            if kind in _FILLS:
                self._exit_filled(update, tag)
            elif kind is OrderEvent.REJECTED:
                self.state = replace(state, exits=state.exits.drop(order_id))
                self._halt()
            elif kind in (OrderEvent.CANCELLED, OrderEvent.EXPIRED):
                self._forget_exit(order_id)
                if kind is OrderEvent.EXPIRED and update.order.time_in_force is TimeInForce.GTC:
                    self._replace_expired(update.order, tag)
        elif state.closing is not None and order_id == state.closing.id:
            if kind in _FILLS:
                self._closing_filled(update, state.closing)
            elif kind in (OrderEvent.REJECTED, OrderEvent.CANCELLED, OrderEvent.EXPIRED):
                state = replace(state, closing=None, closing_leg=None)
                if state.phase == EXIT_WORKING:
                    # The position is still there; the clocks are spent.
                    self.state = replace(state, phase=OPEN)
                    if kind is OrderEvent.REJECTED:
                        self._halt()
                else:
                    self.state = state

    def on_touch(self, touch: PriceTouch) -> None:
        """Break-even reached: replace the stop loss by a stop at the entry (+ offset)."""
        state = self.state
        if touch.watch_id != state.watch_id or state.phase != OPEN:
            return
        self.state = replace(state, watch_id=None, break_even_at=None)
        self._move(("profit_reached",), OPEN)
        old = self.state.stop_id
        if old is not None:
            self.state = replace(self.state, exits=self.state.exits.drop(old), stop_id=None)
            self.engine.cancel(old)
        position = self.engine.ledger.open[self._name]
        state = self.state
        assert state.break_even_stop is not None
        stop = Order(
            self.engine.new_order_id(),
            position.side.opposite,
            OrderType.STOP,
            position.qty,
            trigger=state.break_even_stop,
            time_in_force=self.rule.exits.time_in_force,
            reduce_only=True,
            session=self._session,
            oco=state.oco,
            tag=OrderTag.BREAK_EVEN,
            slot=self._name,
        )
        self.state = replace(
            state,
            exits=state.exits.put(stop.id, Leg(OrderTag.BREAK_EVEN, stop.qty)),
            stop_id=stop.id,
        )
        self.engine.submit(self, stop)

    def finish(self, row: int, settle: Settle) -> None:
        entry = self.state.entry
        if entry is not None:
            self.engine.cancel(entry.id)
        self._cancel_exits()
        closing = self.state.closing
        if closing is not None:
            self.state = replace(self.state, closing=None)
            self.engine.cancel(closing.id)
        position = self.engine.ledger.open.get(self._name)
        if position is None:
            return
        order = self._market_close(position, OrderTag.END_OF_DATA)
        self.state = replace(
            self.state, closing=order, closing_leg=Leg(OrderTag.END_OF_DATA, order.qty)
        )
        self.engine.settle(self, order, settle, row)

    # --- entering -----------------------------------------------------------------------------

    def _enter(self, row: int) -> None:
        engine, rule = self.engine, self.rule
        side = rule.side
        try:
            order_fields = self._entry_fields(row)
        except (EntryRefused, SizingError) as exc:
            engine.signal(row, self._name, side, False, f"price: {exc}")
            return
        price = order_fields.get("price") or order_fields.get("trigger")
        reference = price if isinstance(price, Decimal) else engine.reference(side, row)
        decision = engine.decide_entry(
            rule, reference, row, market=rule.order.type is OrderType.MARKET
        )
        if decision.refusal:
            engine.signal(row, self._name, side, False, decision.refusal)
            if decision.refusal.startswith(Reason.DRAWDOWN_HALT.value):
                # The halt lasts until someone resumes on purpose (risk/tracker.py): the rule
                # stops, instead of refusing every later signal of the run one by one.
                self._halt()
            return
        order = Order(
            engine.new_order_id(),
            side,
            rule.order.type,
            decision.qty,
            time_in_force=rule.time_in_force,
            session=self._session,
            tag=OrderTag.ENTRY,
            slot=self._name,
            **order_fields,  # type: ignore[arg-type]
        )
        self.state = replace(self.state, entry=order, entry_rejection="")
        self._move(("bar_close",), ENTRY_WORKING)
        engine.submit(self, order, entry_price=reference)
        rejection = self.state.entry_rejection
        if rejection:
            engine.signal(row, self._name, side, False, f"rejected by the broker: {rejection}")
        else:
            engine.signal(row, self._name, side, True, decision.note)

    def _entry_fields(self, row: int) -> dict[str, object]:
        """The entry order's prices at `row`, on the tick grid (buys round up, sells down)."""
        template, inputs = self.rule.order, self.inputs
        instrument = self.engine.instrument
        side = self.rule.side
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
            reference = self.engine.reference(side, row)
            assert template.trail is not None
            fields["trail"] = trail_of(
                template.trail, instrument.pip, instrument.tick_at(reference)
            )
            if template.spread is not None:
                fields["limit_offset"] = width(template.spread, reference, instrument)
            if template.activate is not None:
                # A buy trailing entry follows the trough: it activates below the market.
                away = width(template.activate, reference, instrument)
                fields["activation"] = instrument.round_price(
                    reference - side.sign * away, rounding
                )
        return fields

    def _on_entry_update(self, update: OrderUpdate) -> None:
        kind = update.kind
        if kind is OrderEvent.REJECTED:
            self.state = replace(
                self.state, entry=None, entry_rejection=update.reason or "rejected"
            )
            self._move(("rejected",), FLAT)
        elif kind in (OrderEvent.CANCELLED, OrderEvent.EXPIRED):
            self.state = replace(self.state, entry=None)
            if self._name in self.engine.ledger.open:
                return  # the part filled stays the position, with its exits
            self._move((kind.value,), FLAT)
        elif kind in _FILLS:
            entry = self.state.entry
            assert entry is not None and update.fill_qty is not None
            if kind is OrderEvent.FILLED:
                self.state = replace(self.state, entry=None)
            if self._name in self.engine.ledger.open:
                self._entry_grew(update)
            else:
                self._entry_filled(update, entry)

    def _entry_grew(self, update: OrderUpdate) -> None:
        """A further part of the entry: the position grows, its exits with it."""
        assert update.fill_price is not None and update.fill_qty is not None
        ledger = self.engine.ledger
        ledger.add(
            self._name,
            qty=update.fill_qty,
            price=update.fill_price,
            fee=update.fee,
            mark=self.engine.mark(update),
        )
        self._resize()

    def _entry_filled(self, update: OrderUpdate, entry: Order) -> None:
        """The entry's first fill (all of it, or its first part): the position opens."""
        engine, rule = self.engine, self.rule
        assert update.fill_price is not None and update.fill_qty is not None
        mark = engine.mark(update)
        position = Position(
            self._name,
            rule.side,
            update.fill_qty,
            update.fill_price,
            update.time,
            mark,
            update.fee,
            entry.id,
        )
        engine.ledger.open_position(position)
        self._move(("filled",), OPEN)
        oco = f"oco{entry.id}"
        self.state = replace(self.state, oco=oco)
        planned = exit_orders(
            rule.exits,
            position=rule.side,
            fill_price=update.fill_price,
            qty=update.fill_qty,
            spread=engine.fill_spread(update),
            instrument=engine.instrument,
            order_id=lambda _: engine.new_order_id(),
            oco=oco,
            slot=self._name,
            session=self._session,
        )
        exits = rule.exits
        if exits.time_exit is not None:
            deadline = time_exit_deadline(exits.time_exit, update.time)
            if deadline is not None:
                self.state = replace(self.state, time_exit_at=ns_from_datetime(deadline))
        if planned.break_even_watch is not None and exits.break_even is not None:
            within = exits.break_even.within
            break_even_at = self.state.break_even_at
            if within is not None:
                break_even_at = ns_from_datetime(update.time + timedelta(seconds=within))
            self.state = replace(
                self.state, break_even_stop=planned.break_even_stop, break_even_at=break_even_at
            )
            watch_id = engine.watch(self, rule.side.opposite, planned.break_even_watch)
            self.state = replace(self.state, watch_id=watch_id)
        for order in planned.orders:
            state = self.state
            if state.phase != OPEN:
                break  # an earlier exit was rejected and stopped the rule
            assert order.tag is not None
            stop_id = order.id if order.tag is OrderTag.STOP_LOSS else state.stop_id
            self.state = replace(
                state, exits=state.exits.put(order.id, Leg(order.tag, order.qty)), stop_id=stop_id
            )
            engine.submit(self, order)
        for refused in planned.refused:
            engine.refuse_exit(self, refused)
        if planned.refused:
            self._halt()  # as for a rejected exit: the others keep working, nothing new

    # --- exiting ------------------------------------------------------------------------------

    def _exit_filled(self, update: OrderUpdate, tag: OrderTag) -> None:
        order_id = update.order.id
        if not self._closes(update):
            state = self.state
            leg = state.exits[order_id].fill(update.fill_qty)
            self.state = replace(state, exits=state.exits.put(order_id, leg))
            if update.kind is OrderEvent.FILLED:
                self._forget_exit(order_id)
            self.engine.book_close(self._name, update, ExitReason(tag.value))
            self._resize()  # the other exits close what is left
            return
        self._forget_exit(order_id)
        if update.kind is not OrderEvent.FILLED:
            self.engine.cancel(order_id)  # an exit larger than the position: not the rest
        self._cancel_exits()
        self._cancel_entry()
        event = f"{tag.value}_filled"
        events = (event, "stop_loss_filled", "filled") if tag is OrderTag.BREAK_EVEN else (event,)
        self._close_trade(update, tag, events)

    def _closing_filled(self, update: OrderUpdate, closing: Order) -> None:
        """A part of a close at market, or its last part (which closes the position)."""
        tag = closing.tag or OrderTag.MANUAL
        if not self._closes(update):
            state = self.state
            assert state.closing_leg is not None
            if update.kind is OrderEvent.FILLED:
                self.state = replace(state, closing=None, closing_leg=None)
            else:
                self.state = replace(state, closing_leg=state.closing_leg.fill(update.fill_qty))
            self.engine.book_close(self._name, update, ExitReason(tag.value))
            if self.state.closing is None and tag is not OrderTag.END_OF_DATA:
                self._close_rest(tag)  # the position outgrew its close (a late entry fill)
            return
        if update.kind is not OrderEvent.FILLED:
            self.engine.cancel(closing.id)  # a close larger than the position: not the rest
        self.state = replace(self.state, closing=None, closing_leg=None)
        self._close_trade(update, tag, ("filled",))

    def _closes(self, update: OrderUpdate) -> bool:
        """Whether the fill takes all that is open."""
        position = self.engine.ledger.open.get(self._name)
        return position is None or update.fill_qty is None or update.fill_qty >= position.qty

    def _close_rest(self, tag: OrderTag) -> None:
        """Send a close at market for what is still open, as the same kind of close."""
        order = self._market_close(self.engine.ledger.open[self._name], tag)
        self.state = replace(self.state, closing=order, closing_leg=Leg(tag, order.qty))
        self.engine.submit(self, order)

    def _resize(self) -> None:
        """Keep every exit (and a close at market) at the size of the position."""
        position = self.engine.ledger.open.get(self._name)
        if position is None:
            return
        state = self.state
        legs = state.exits.pairs
        closing, closing_leg = state.closing, state.closing_leg
        if closing is not None and closing_leg is not None:
            legs = (*legs, (closing.id, closing_leg))
        changed = resized(legs, position.qty)
        if not changed:
            return
        exits = state.exits
        for order_id, leg in changed:
            if closing is not None and order_id == closing.id:
                closing_leg = leg
            else:
                exits = exits.put(order_id, leg)
        self.state = replace(state, exits=exits, closing_leg=closing_leg)
        send_resize(self.engine, changed, position.qty)

    def _forget_exit(self, order_id: str) -> None:
        state = self.state
        stop_id = None if order_id == state.stop_id else state.stop_id
        self.state = replace(state, exits=state.exits.drop(order_id), stop_id=stop_id)

    def _close_trade(self, update: OrderUpdate, tag: OrderTag, events: tuple[str, ...]) -> None:
        self.state = replace(self.state, deferred=None)
        self.engine.book_close(self._name, update, ExitReason(tag.value))
        self._clear_clocks()
        if self.state.phase == STOPPED:
            return
        if tag is OrderTag.END_OF_DATA:
            self.state = replace(self.state, phase=FLAT)  # the data ended; no transition
            return
        self._move(events, FLAT)

    def _close_at_market(self, row: int, tag: OrderTag, event: str, reason: str) -> None:
        """Close at market; `reason` goes on the order's `placed` row in orders.csv.

        US brokers refuse market orders outside regular hours (SEMANTICS.md §3). Where the
        strategy trades extended hours the close goes out as a marketable limit; under
        `session: rth` nothing could trade before the next open anyway, so the close waits for
        it (the exits keep working meanwhile) instead of being refused."""
        engine = self.engine
        position = engine.ledger.open[self._name]
        self._cancel_entry()
        after_hours = not engine.regular_hours_after(row)
        if after_hours and self._session is Session.RTH:
            self._clear_clocks()
            self.state = replace(self.state, deferred=Deferred(tag, event, reason))
            return
        self.state = replace(self.state, deferred=None)
        self._cancel_exits()
        self._clear_clocks()
        self._move((event,), EXIT_WORKING)
        order = self._market_close(position, tag)
        if not after_hours:
            order = replace(order, session=Session.RTH)  # a market order: fills at the next row
        else:
            price = engine.marketable_limit(order.side, row)
            order = replace(order, type=OrderType.LIMIT, price=price)
            reason = f"{reason}; a limit 1% through the market: market orders are refused now"
        self.state = replace(self.state, closing=order, closing_leg=Leg(tag, order.qty))
        self.engine.submit(self, order, reason=reason)

    def _time_exit_text(self) -> str:
        rule = self.rule.exits.time_exit
        parts = []
        if rule is not None and rule.after is not None:
            parts.append(f"held {format_duration(rule.after)}")
        if rule is not None and rule.at is not None:
            parts.append(f"{rule.at} {rule.tz or 'UTC'}")
        return "time_exit: " + " or ".join(parts)

    def _break_even_expired(self, row: int) -> None:
        """The break-even trigger was not reached in time: close, or simply stop watching."""
        break_even = self.rule.exits.break_even
        watch_id = self.state.watch_id
        self.state = replace(self.state, break_even_at=None, watch_id=None)
        if watch_id is not None:
            self.engine.unwatch(watch_id)
        if break_even is not None and break_even.otherwise == "close":
            within = format_duration(break_even.within or 0)
            self._close_at_market(
                row,
                OrderTag.BREAK_EVEN_TIMEOUT,
                "clock",
                f"break_even_timeout: {break_even.at} of profit not reached within {within}",
            )

    def _replace_expired(self, expired: Order, tag: OrderTag) -> None:
        """A protective exit the broker dropped after 90 days goes out again at once."""
        if self.state.phase != OPEN:
            return
        position = self.engine.ledger.open.get(self._name)
        qty = expired.qty if position is None else position.qty  # what is left to close
        order = re_place_expired(self.engine, self, expired, tag, qty)
        state = self.state
        is_stop = expired.tag in (OrderTag.STOP_LOSS, OrderTag.BREAK_EVEN)
        self.state = replace(
            state,
            exits=state.exits.put(order.id, Leg(tag, order.qty)),
            stop_id=order.id if is_stop else state.stop_id,
        )

    def _market_close(self, position: Position, tag: OrderTag) -> Order:
        return Order(
            self.engine.new_order_id(),
            position.side.opposite,
            OrderType.MARKET,
            position.qty,
            reduce_only=True,
            session=self._session,
            tag=tag,
            slot=self._name,
        )

    def _cancel_entry(self) -> None:
        """Cancel what is left of a working entry (part filled: the position is closing)."""
        entry = self.state.entry
        if entry is not None:
            self.state = replace(self.state, entry=None)
            self.engine.cancel(entry.id)

    def _cancel_exits(self) -> None:
        exits = self.state.exits
        self.state = replace(self.state, exits=_NO_EXITS, stop_id=None)
        for order_id in exits:
            self.engine.cancel(order_id)
        watch_id = self.state.watch_id
        if watch_id is not None:
            self.state = replace(self.state, watch_id=None)
            self.engine.unwatch(watch_id)

    def _clear_clocks(self) -> None:
        self.state = replace(
            self.state, time_exit_at=None, break_even_at=None, break_even_stop=None
        )

    def _halt(self) -> None:
        """Stop the rule: no new orders; what still works keeps working (SEMANTICS.md §1),
        except what is left of a part-filled entry, which would grow the position."""
        if self.state.phase == OPEN:
            self._cancel_entry()
        if self.state.phase in (OPEN, FLAT):
            self._move(("halt",), STOPPED)
        else:
            self.state = replace(self.state, phase=STOPPED)

    def _move(self, events: tuple[str, ...], target: str) -> None:
        phase = self.state.phase
        for event in events:
            if (phase, event, target) in self._moves:
                self.state = replace(self.state, phase=target)
                return
        raise RuntimeError(
            f"rule {self._name}: the plan has no transition {phase} --{events[0]}--> {target}"
        )


def _next(rows: NDArray[np.int64], row: int, limit: int) -> int:
    """The first of the sorted `rows` at or after `row`, else `limit`."""
    at = int(np.searchsorted(rows, row, side="left"))
    return int(rows[at]) if at < rows.size else limit


__all__ = ["ENTRY_WORKING", "EXIT_WORKING", "FLAT", "OPEN", "STOPPED", "RuleRun"]
