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
from tradeplan.runtime.ledger import Position
from tradeplan.runtime.legs import Leg, resize
from tradeplan.runtime.owner import EntryRefused, RuleInputs, Settle
from tradeplan.runtime.records import ExitReason
from tradeplan.runtime.services import OwnerServices
from tradeplan.sizing import SizingError

FLAT, ENTRY_WORKING, OPEN, EXIT_WORKING, STOPPED = (
    "flat",
    "entry_working",
    "open",
    "exit_working",
    "stopped",
)
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


class RuleRun:
    """The `Owner` for one `EntryRule`; see the module docstring."""

    def __init__(self, engine: OwnerServices, rule: EntryRule, inputs: RuleInputs) -> None:
        self.engine = engine
        self.rule = rule
        self._name = rule.name
        self.inputs = inputs
        self.state = FLAT
        self._moves = {
            (t.source, t.event, t.target)
            for machine in engine.plan.machines
            if machine.kind == "entry" and machine.name == rule.name
            for t in machine.transitions
        }
        self._signal_rows: NDArray[np.int64] = np.flatnonzero(inputs.entry)
        # Exit signals count only where the plan has an `exit_when`.
        self._exit_signal = inputs.exit if rule.exits.exit_when is not None else None
        self._exit_rows: NDArray[np.int64] | None = (
            None if self._exit_signal is None else np.flatnonzero(self._exit_signal)
        )
        self._entry: Order | None = None
        self._entry_rejection = ""
        self._exits: dict[str, Leg] = {}
        self._stop_id: str | None = None
        self._closing: Order | None = None
        self._closing_leg: Leg | None = None
        self._watch_id: str | None = None
        self._break_even_stop: Decimal | None = None
        # Clocks, in epoch ns: each runs out at the first bar close at or after it.
        self._break_even_at: int | None = None
        self._time_exit_at: int | None = None
        self._oco = ""
        self._session = engine.order_session
        # A close the clock asked for while nothing may trade (US stock, `session: rth`,
        # after hours): sent at the first close in regular hours. Tag, event, reason.
        self._deferred: tuple[OrderTag, str, str] | None = None

    @property
    def name(self) -> str:
        return self._name

    # --- the engine's calls -------------------------------------------------------------------

    def on_bar_close(self, row: int) -> None:
        state = self.state
        if state == FLAT:
            if self.inputs.entry[row]:
                self._enter(row)
        elif state == OPEN:
            if self._deferred is not None:
                if self.engine.regular_hours_after(row):
                    self._close_at_market(row, *self._deferred)
            elif self._exit_signal is not None and self._exit_signal[row]:
                self._close_at_market(
                    row, OrderTag.SIGNAL, "bar_close", "exit_when true at the close"
                )
            elif self._time_exit_at is not None and self._due(self._time_exit_at, row):
                self._close_at_market(row, OrderTag.TIME_EXIT, "clock", self._time_exit_text())
            elif self._break_even_at is not None and self._due(self._break_even_at, row):
                self._break_even_expired(row)

    def _due(self, at_ns: int, row: int) -> bool:
        return self.engine.close_ns(row) >= at_ns

    def next_wakeup(self, row: int) -> int:
        rows = self.engine.rows
        if self.state == FLAT:
            return _next(self._signal_rows, row, rows)
        if self.state != OPEN:
            return rows
        if self._deferred is not None:
            return row  # looking for regular hours, row by row
        wake = rows if self._exit_rows is None else _next(self._exit_rows, row, rows)
        for clock in (self._time_exit_at, self._break_even_at):
            if clock is not None:
                wake = min(wake, self.engine.first_close_at(clock, row))
        return wake

    def on_update(self, update: OrderUpdate) -> None:
        order_id = update.order.id
        kind = update.kind
        if self._entry is not None and order_id == self._entry.id:
            self._on_entry_update(update)
        elif order_id in self._exits:
            tag = self._exits[order_id].tag
            if kind in _FILLS:
                self._exit_filled(update, tag)
            elif kind is OrderEvent.REJECTED:
                del self._exits[order_id]
                self._halt()
            elif kind in (OrderEvent.CANCELLED, OrderEvent.EXPIRED):
                del self._exits[order_id]
                if order_id == self._stop_id:
                    self._stop_id = None
                if kind is OrderEvent.EXPIRED and update.order.time_in_force is TimeInForce.GTC:
                    self._replace_expired(update.order, tag)
        elif self._closing is not None and order_id == self._closing.id:
            if kind in _FILLS:
                self._closing_filled(update, self._closing)
            elif kind in (OrderEvent.REJECTED, OrderEvent.CANCELLED, OrderEvent.EXPIRED):
                self._closing = self._closing_leg = None
                if self.state == EXIT_WORKING:
                    self.state = OPEN  # the position is still there; the clocks are spent
                    if kind is OrderEvent.REJECTED:
                        self._halt()

    def on_touch(self, touch: PriceTouch) -> None:
        """Break-even reached: replace the stop loss by a stop at the entry (+ offset)."""
        if touch.watch_id != self._watch_id or self.state != OPEN:
            return
        self._watch_id = None
        self._break_even_at = None
        self._move(("profit_reached",), OPEN)
        if self._stop_id is not None:
            old = self._stop_id
            self._exits.pop(old, None)
            self._stop_id = None
            self.engine.cancel(old)
        position = self.engine.ledger.open[self._name]
        assert self._break_even_stop is not None
        stop = Order(
            self.engine.new_order_id(),
            position.side.opposite,
            OrderType.STOP,
            position.qty,
            trigger=self._break_even_stop,
            time_in_force=self.rule.exits.time_in_force,
            reduce_only=True,
            session=self._session,
            oco=self._oco,
            tag=OrderTag.BREAK_EVEN,
            slot=self._name,
        )
        self._exits[stop.id] = Leg(OrderTag.BREAK_EVEN, stop.qty)
        self._stop_id = stop.id
        self.engine.submit(self, stop)

    def finish(self, row: int, settle: Settle) -> None:
        if self._entry is not None:
            self.engine.cancel(self._entry.id)
        self._cancel_exits()
        if self._closing is not None:
            closing, self._closing = self._closing, None
            self.engine.cancel(closing.id)
        position = self.engine.ledger.open.get(self._name)
        if position is None:
            return
        order = self._market_close(position, OrderTag.END_OF_DATA)
        self._closing, self._closing_leg = order, Leg(OrderTag.END_OF_DATA, order.qty)
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
        self._entry = order
        self._entry_rejection = ""
        self._move(("bar_close",), ENTRY_WORKING)
        engine.submit(self, order, entry_price=reference)
        if self._entry_rejection:
            engine.signal(
                row, self._name, side, False, f"rejected by the broker: {self._entry_rejection}"
            )
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
            self._entry_rejection = update.reason or "rejected"
            self._entry = None
            self._move(("rejected",), FLAT)
        elif kind in (OrderEvent.CANCELLED, OrderEvent.EXPIRED):
            self._entry = None
            if self._name in self.engine.ledger.open:
                return  # the part filled stays the position, with its exits
            self._move((kind.value,), FLAT)
        elif kind in _FILLS:
            entry = self._entry
            assert entry is not None and update.fill_qty is not None
            if kind is OrderEvent.FILLED:
                self._entry = None
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
        self._oco = f"oco{entry.id}"
        planned = exit_orders(
            rule.exits,
            position=rule.side,
            fill_price=update.fill_price,
            qty=update.fill_qty,
            spread=engine.fill_spread(update),
            instrument=engine.instrument,
            order_id=lambda _: engine.new_order_id(),
            oco=self._oco,
            slot=self._name,
            session=self._session,
        )
        exits = rule.exits
        if exits.time_exit is not None:
            deadline = time_exit_deadline(exits.time_exit, update.time)
            if deadline is not None:
                self._time_exit_at = ns_from_datetime(deadline)
        if planned.break_even_watch is not None and exits.break_even is not None:
            self._break_even_stop = planned.break_even_stop
            within = exits.break_even.within
            if within is not None:
                self._break_even_at = ns_from_datetime(update.time + timedelta(seconds=within))
            self._watch_id = engine.watch(self, rule.side.opposite, planned.break_even_watch)
        for order in planned.orders:
            if self.state != OPEN:
                break  # an earlier exit was rejected and stopped the rule
            assert order.tag is not None
            self._exits[order.id] = Leg(order.tag, order.qty)
            if order.tag is OrderTag.STOP_LOSS:
                self._stop_id = order.id
            engine.submit(self, order)
        for refused in planned.refused:
            engine.refuse_exit(self, refused)
        if planned.refused:
            self._halt()  # as for a rejected exit: the others keep working, nothing new

    # --- exiting ------------------------------------------------------------------------------

    def _exit_filled(self, update: OrderUpdate, tag: OrderTag) -> None:
        order_id = update.order.id
        if not self._closes(update):
            self._exits[order_id].filled += update.fill_qty or 0
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
            assert self._closing_leg is not None
            self._closing_leg.filled += update.fill_qty or 0
            if update.kind is OrderEvent.FILLED:
                self._closing = self._closing_leg = None
            self.engine.book_close(self._name, update, ExitReason(tag.value))
            if self._closing is None and tag is not OrderTag.END_OF_DATA:
                self._close_rest(tag)  # the position outgrew its close (a late entry fill)
            return
        if update.kind is not OrderEvent.FILLED:
            self.engine.cancel(closing.id)  # a close larger than the position: not the rest
        self._closing = self._closing_leg = None
        self._close_trade(update, tag, ("filled",))

    def _closes(self, update: OrderUpdate) -> bool:
        """Whether the fill takes all that is open."""
        position = self.engine.ledger.open.get(self._name)
        return position is None or update.fill_qty is None or update.fill_qty >= position.qty

    def _close_rest(self, tag: OrderTag) -> None:
        """Send a close at market for what is still open, as the same kind of close."""
        order = self._market_close(self.engine.ledger.open[self._name], tag)
        self._closing, self._closing_leg = order, Leg(tag, order.qty)
        self.engine.submit(self, order)

    def _resize(self) -> None:
        """Keep every exit (and a close at market) at the size of the position."""
        position = self.engine.ledger.open.get(self._name)
        if position is None:
            return
        legs = list(self._exits.items())
        if self._closing is not None and self._closing_leg is not None:
            legs.append((self._closing.id, self._closing_leg))
        resize(self.engine, legs, position.qty)

    def _forget_exit(self, order_id: str) -> None:
        del self._exits[order_id]
        if order_id == self._stop_id:
            self._stop_id = None

    def _close_trade(self, update: OrderUpdate, tag: OrderTag, events: tuple[str, ...]) -> None:
        self._deferred = None
        self.engine.book_close(self._name, update, ExitReason(tag.value))
        self._clear_clocks()
        if self.state == STOPPED:
            return
        if tag is OrderTag.END_OF_DATA:
            self.state = FLAT  # the data ended; there is no transition to check
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
            self._deferred = (tag, event, reason)
            return
        self._deferred = None
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
        self._closing, self._closing_leg = order, Leg(tag, order.qty)
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
        self._break_even_at = None
        if self._watch_id is not None:
            self.engine.unwatch(self._watch_id)
            self._watch_id = None
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
        if self.state != OPEN:
            return
        position = self.engine.ledger.open.get(self._name)
        qty = expired.qty if position is None else position.qty  # what is left to close
        order = re_place_expired(self.engine, self, expired, tag, qty)
        self._exits[order.id] = Leg(tag, order.qty)
        if expired.tag in (OrderTag.STOP_LOSS, OrderTag.BREAK_EVEN):
            self._stop_id = order.id

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
        if self._entry is not None:
            entry, self._entry = self._entry, None
            self.engine.cancel(entry.id)

    def _cancel_exits(self) -> None:
        exits, self._exits = self._exits, {}
        self._stop_id = None
        for order_id in exits:
            self.engine.cancel(order_id)
        if self._watch_id is not None:
            self.engine.unwatch(self._watch_id)
            self._watch_id = None

    def _clear_clocks(self) -> None:
        self._time_exit_at = None
        self._break_even_at = None
        self._break_even_stop = None

    def _halt(self) -> None:
        """Stop the rule: no new orders; what still works keeps working (SEMANTICS.md §1),
        except what is left of a part-filled entry, which would grow the position."""
        if self.state == OPEN:
            self._cancel_entry()
        if self.state in (OPEN, FLAT):
            self._move(("halt",), STOPPED)
        else:
            self.state = STOPPED

    def _move(self, events: tuple[str, ...], target: str) -> None:
        for event in events:
            if (self.state, event, target) in self._moves:
                self.state = target
                return
        raise RuntimeError(
            f"rule {self._name}: the plan has no transition {self.state} --{events[0]}--> {target}"
        )


def _next(rows: NDArray[np.int64], row: int, limit: int) -> int:
    """The first of the sorted `rows` at or after `row`, else `limit`."""
    at = int(np.searchsorted(rows, row, side="left"))
    return int(rows[at]) if at < rows.size else limit


__all__ = ["RuleRun"]
