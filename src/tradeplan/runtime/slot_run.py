"""One grid slot's life cycle: Triauto's repeating order (SEMANTICS.md section 1).

A slot owns one entry price of a `GridProgram` and at most one position at a time. Its moves are
the plan's slot machine (`plan.machines.slot_machine`), checked at every change of state, so what
`explain` shows is what runs:

* flat: at the close of the first row the slot places its entry at its price: a limit if the
  market (the Ask for a buy, the Bid for a sell) is on the far side of it, a stop otherwise;
* entry filled: the take profit (a limit at `fill ± take_profit`, fees added) and the stop loss
  (a stop at `fill ∓ (stop_loss + spread)`) go out against the fill, one OCO group; a counter /
  follow pair still working loses its other leg (one order, one position);
* exit filled (take profit or stop loss: the seed places "the next new order when the exit order
  fills", whichever exit it was): the slot re-arms from the exit's fill price with a counter LIMIT
  at `exit + counter` (fees added) and/or a follow STOP at `exit ± spread + follow`; without
  either, the entry again at the slot price;
* a re-entry the market has already passed is converted by `orders.reentry.arm_reentry` and the
  other leg dropped: both show in orders.csv (`converted`, `dropped`).

When a slot re-arms. Triauto places the next order once the exit fill is known, and judges it
against the market at that moment, which may have moved on ("決済直後相場が乱高下する"). In a
replay that moment is the first quote after the exit: the slot re-arms at the close of the row in
which the exit filled, against the next row's opening Bid/Ask (its spread for the follow), and
its orders work from that row on. With ticks the next quote is the next tick; with bars, the
next bar's open. Entries placed at a row's close meet the market first at the next open, so this
check is exactly "is the order already past the market when it starts working".

What pauses a slot: a risk guard refusing its entry for the day (the daily loss limit, a cap
such as max_open_positions): a row in signals.csv with the reasons, and the slot arms again at
the first close of the next trading day (the day boundary of docs/risk.md).

What stops a slot (no further re-entry, never a silent re-send): the drawdown halt or the kill
switch refusing its entry (a row in signals.csv with the reasons), the broker rejecting one of its orders, its
position closed by hand (`manual_close`) or by a margin close-out (`margin_closeout`), or
`halt()`. Stopping a slot that holds a position leaves its exits working; when one fills, the
trade is recorded and nothing is re-armed.

Partial fills (the paper broker's volume model; live venues). A slot still holds one position,
built by one entry order's fills and closed by its exits' fills. The first part opens it and
places the take profit and stop loss for that part, priced against that part's fill (the other
re-entry leg is cancelled then: one order, one position); each further part grows the position
and resizes the exits to it (`legs.py`). An entry cancelled or expired after a part keeps that
part as the slot's position. An exit that fills in parts books each part as its own trade and
resizes the other exit to what is left; the last part closes the position and re-arms the slot
from its fill price, for the grid's full units again.

Fees (the strategy's `fees:`) are moved into prices the way the dealer does: a take profit is
widened by the fees of its entry and of itself, so it nets its width; a counter by the fee of
its own order. Fee amounts are rounded up to the tick before they are added.

State. Everything that changes during a run is one frozen `SlotState` (`slot_state.py`) in
`self.state`; the object keeps only its configuration. As in `rule_run.py`, every handler
replaces the value whole and puts it in place before each call to the engine (the broker may
answer re-entrantly), and reads it again after. `snapshot()` and `restore()` hand it out and
take it back.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Final

from tradeplan.core.enums import OrderType, Side, TimeInForce
from tradeplan.core.epoch import ns_from_datetime
from tradeplan.core.instrument import Instrument
from tradeplan.core.money import HUNDRED, ZERO, Rounding, fmt_decimal, round_to_increment
from tradeplan.core.units import Distance, DistanceUnit
from tradeplan.orders.model import Order, OrderEvent, OrderTag
from tradeplan.orders.reentry import ReentryRule, arm_reentry
from tradeplan.plan.model import ExitPlan, Fees, GridProgram, charges_fees
from tradeplan.ports.broker import OrderUpdate, PriceTouch
from tradeplan.runtime.exits import exit_orders, level, width
from tradeplan.runtime.expiry import re_place_expired
from tradeplan.runtime.idmap import IdMap
from tradeplan.runtime.ledger import Position
from tradeplan.runtime.legs import Leg, resized, send_resize
from tradeplan.runtime.owner import Settle
from tradeplan.runtime.records import ExitReason, OrderEventKind
from tradeplan.runtime.services import OwnerServices
from tradeplan.runtime.slot_state import (
    ENTRY_WORKING,
    FLAT,
    OPEN,
    REARMING,
    STOPPED,
    SlotState,
)

if TYPE_CHECKING:  # mypy checks field names and types against dataclasses.replace
    from dataclasses import replace
else:  # the same copy, three times faster (values.py)
    from tradeplan.runtime.values import replace

ALERT_PIPS: Final = Decimal(15)  # the dealer mails when a stop sits this far beyond its setting
STOP_WIDENED: Final = "stop_widened_by_spread"
_FILLS: Final = frozenset({OrderEvent.PARTIALLY_FILLED, OrderEvent.FILLED})
_NO_ENTRIES: IdMap[Order] = IdMap()
_NO_EXITS: IdMap[Leg] = IdMap()
_CLOSING_EVENTS: Final = {
    OrderTag.MANUAL: "manual_close",
    OrderTag.MARGIN_CLOSEOUT: "margin_closeout",
}


def slot_name(grid: GridProgram, price: Decimal, instrument: Instrument) -> str:
    """`grid@109.50`: the grid's name and the slot's price (to the pip when it is on one)."""
    pip = instrument.pip
    text = format(price.quantize(pip), "f") if pip and price % pip == 0 else fmt_decimal(price)
    return f"{grid.name}@{text}"


def slot_runs(engine: OwnerServices) -> list[SlotRun]:
    """A `SlotRun` for every price of every grid of the engine's plan, in plan order."""
    return [SlotRun(engine, grid, price) for grid in engine.plan.grids for price in grid.slots]


def fee_per_unit(fees: Fees, price: Decimal, qty: Decimal) -> Decimal:
    """What one order of `qty` at `price` pays, per unit, in the quote currency."""
    return fees.per_unit + fees.per_notional / HUNDRED * price + fees.per_order / qty


class SlotRun:
    """The `Owner` for one slot of a grid; see the module docstring."""

    def __init__(self, engine: OwnerServices, grid: GridProgram, price: Decimal) -> None:
        self.engine = engine
        self.grid = grid
        self.price = price
        self.side = grid.side
        self._name = slot_name(grid, price, engine.instrument)
        self.state = SlotState()
        self._moves = {
            (t.source, t.event, t.target)
            for machine in engine.plan.machines
            if machine.kind == "slot" and machine.name == grid.name
            for t in machine.transitions
        }
        self._fees = engine.plan.fees if charges_fees(engine.plan.fees) else None
        self.retired = False

    @property
    def name(self) -> str:
        return self._name

    @property
    def stop_reason(self) -> str:
        """Why the slot stopped (empty while it runs)."""
        return self.state.stop_reason

    @property
    def pauses(self) -> int:
        """Times a day's refusal paused the slot until the next trading day."""
        return self.state.pauses

    def snapshot(self) -> SlotState:
        """The run state now: a frozen value, valid between two events."""
        return self.state

    def restore(self, state: SlotState) -> None:
        """Go on from `state`, a `snapshot()` of a run of the same grid slot."""
        if not isinstance(state, SlotState):
            raise TypeError(f"slot {self._name} takes a SlotState, not {type(state).__name__}")
        self.state = state

    # --- the engine's calls -------------------------------------------------------------------

    def retire(self, engine: OwnerServices) -> None:
        """Arm no more and answer to `engine` from now on: a live reload removed or replaced
        this slot while it held a position, which runs to its exits under its old terms."""
        self.engine = engine
        self.retired = True

    def on_bar_close(self, row: int) -> None:
        state = self.state
        if (
            (state.phase == FLAT or state.phase == REARMING)
            and not self.retired
            and self.engine.close_ns(row) >= state.arm_at
        ):
            self._arm(row)

    def next_wakeup(self, row: int) -> int:
        state = self.state
        if state.phase == FLAT or state.phase == REARMING:
            return self.engine.first_close_at(state.arm_at, row)
        return self.engine.rows

    def on_update(self, update: OrderUpdate) -> None:
        order_id = update.order.id
        kind = update.kind
        state = self.state
        if order_id in state.entries:
            self._on_entry_update(update)
        elif order_id in state.exits:
            tag = state.exits[order_id].tag
            if kind in _FILLS:
                self._exit_filled(update, tag)
            elif kind is OrderEvent.REJECTED:
                self.state = replace(state, exits=state.exits.drop(order_id))
                self._halt(f"its {tag.value} order was rejected: {update.reason}", "rejected")
            elif kind in (OrderEvent.CANCELLED, OrderEvent.EXPIRED):
                # The position stays; the other exit keeps working.
                state = replace(state, exits=state.exits.drop(order_id))
                self.state = state
                gtc = update.order.time_in_force is TimeInForce.GTC
                if kind is OrderEvent.EXPIRED and gtc and state.phase == OPEN:
                    # US brokers drop GTC orders after 90 days: never leave the slot unprotected.
                    position = self.engine.ledger.open.get(self._name)
                    qty = update.order.qty if position is None else position.qty
                    order = re_place_expired(self.engine, self, update.order, tag, qty)
                    state = self.state
                    self.state = replace(
                        state, exits=state.exits.put(order.id, Leg(tag, order.qty))
                    )
        elif state.closing is not None and order_id == state.closing.id:
            if kind in _FILLS:
                tag = state.closing.tag or OrderTag.MANUAL
                if kind is OrderEvent.FILLED or not self._open_after(update):
                    if kind is not OrderEvent.FILLED:
                        self.engine.cancel(order_id)  # larger than the position: not the rest
                    self.state = replace(self.state, closing=None)
                self._close_trade(update, tag)
            elif kind in (OrderEvent.REJECTED, OrderEvent.CANCELLED, OrderEvent.EXPIRED):
                # The position is still there (the slot stopped already).
                self.state = replace(state, closing=None)

    def on_touch(self, touch: PriceTouch) -> None:
        """Slots watch no prices."""

    def finish(self, row: int, settle: Settle, tag: OrderTag = OrderTag.END_OF_DATA) -> None:
        self._cancel_entries()
        self._cancel_exits()
        closing = self.state.closing
        if closing is not None:
            self.state = replace(self.state, closing=None)
            self.engine.cancel(closing.id)
        position = self.engine.ledger.open.get(self._name)
        if position is None:
            return
        order = self._market_close(position.side.opposite, position.qty, tag)
        self.state = replace(self.state, closing=order)
        self.engine.settle(self, order, settle, row)

    def stand_down(self) -> None:
        """Cancel the working entry (or re-entries) and arm again at the next bar close, where
        trading resumes: a cancel the slot did not ask for stops it for good (the broker
        dropped its order), but a bot that stops or halts must find its grid whole when it
        carries on. A part-filled entry's rest is cancelled; the position keeps its exits."""
        state = self.state
        if not state.entries or self.retired:
            return
        if state.phase != ENTRY_WORKING:
            self._cancel_entries()  # the rest of a part-filled entry: the position stays
            return
        target = REARMING if state.exit_price is not None else FLAT
        self._cancel_entries()
        self._move(("stand_down",), target)
        self.state = replace(self.state, arm_at=0)

    # --- what a trader (or a live broker's close-out) may do ------------------------------------

    def halt(self, reason: str = "halted") -> None:
        """Stop the slot: a working entry is cancelled, exits of an open position stay working."""
        self._halt(reason, "halt")

    def manual_close(self) -> None:
        """Close the slot's position at market by hand; the slot stops (seed 002: a manual close
        breaks the auto order's continuity)."""
        self._close_and_stop(OrderTag.MANUAL)

    def margin_closeout(self) -> None:
        """The broker's margin close-out of this slot's position; the slot stops."""
        self._close_and_stop(OrderTag.MARGIN_CLOSEOUT)

    # --- arming -------------------------------------------------------------------------------

    def _arm(self, row: int) -> None:
        engine = self.engine
        quote = engine.quote()
        if quote is None:
            return  # no quote after this close: the data ends here
        bid, ask = quote
        orders, rule, dropped = self._entry_orders(bid, ask)
        side = self.side
        if not orders:
            self._stop_refused(row, "no re-entry can be priced (all legs at or below zero)")
            return
        qty = self.grid.units
        priced = max((o.price or o.trigger or ZERO) for o in orders)
        refusal = engine.guard(side, qty, priced, row, market=False)
        if refusal:
            if _stops_for_good(refusal):
                self._stop_refused(row, refusal)
            else:
                self._pause_refused(row, refusal)
            return
        if rule is not ReentryRule.AS_IS:
            self._record_conversion(rule, orders[0], dropped, bid, ask)
        self._move(("bar_close",), ENTRY_WORKING)
        self.state = replace(self.state, rejection="")
        for index, order in enumerate(orders):
            state = self.state
            if state.phase != ENTRY_WORKING:
                break  # an earlier leg was rejected and stopped the slot
            self.state = replace(state, entries=state.entries.put(order.id, order))
            engine.submit(self, order, entry_price=priced if index == 0 else None)
        rejection = self.state.rejection
        if rejection:
            engine.signal(row, self._name, side, False, f"rejected by the broker: {rejection}")
        else:
            engine.signal(row, self._name, side, True)

    def _entry_orders(
        self, bid: Decimal, ask: Decimal
    ) -> tuple[tuple[Order, ...], ReentryRule, Order | None]:
        """What to place now: the entry at the slot price, or the counter/follow re-entries
        after an exit (converted per the irregular rules), and the leg dropped, if any."""
        grid, exit_price = self.grid, self.state.exit_price
        if exit_price is None or (grid.counter is None and grid.follow is None):
            return (self._slot_entry(bid, ask),), ReentryRule.AS_IS, None
        spread = ask - bid
        counter = follow = None
        if grid.counter is not None:
            counter = self._counter(exit_price)
        if grid.follow is not None:
            follow = self._follow(exit_price, spread)
        decision = arm_reentry(counter, follow, bid, ask)
        return decision.place, decision.rule, decision.dropped

    def _slot_entry(self, bid: Decimal, ask: Decimal) -> Order:
        """A limit when the market is on the far side of the slot price (or at it), else a stop."""
        side, price = self.side, self.price
        market = ask if side is Side.BUY else bid
        as_limit = price <= market if side is Side.BUY else price >= market
        if as_limit:
            return self._order(OrderType.LIMIT, OrderTag.ENTRY, price=price)
        return self._order(OrderType.STOP, OrderTag.ENTRY, trigger=price)

    def _counter(self, exit_price: Decimal) -> Order | None:
        """A limit at `exit + counter`, the width widened by the order's own fee."""
        counter = self.grid.counter
        assert counter is not None
        instrument = self.engine.instrument
        amount = width(counter, exit_price, instrument)
        direction = (1 if counter.value > 0 else -1) if counter.value else -self.side.sign
        if self._fees is not None:
            fee = fee_per_unit(self._fees, exit_price, self.grid.units)
            amount += round_to_increment(fee, instrument.tick_at(exit_price), Rounding.UP)
        price = level(instrument, exit_price, direction * amount, self.side)
        if price <= 0:
            return None
        return self._order(OrderType.LIMIT, OrderTag.COUNTER, price=price)

    def _follow(self, exit_price: Decimal, spread: Decimal) -> Order | None:
        """A stop at `exit ± spread + follow`, the spread on the side the slot trades against."""
        follow = self.grid.follow
        assert follow is not None
        instrument = self.engine.instrument
        offset = self.side.sign * spread + follow.to_price(
            exit_price, instrument.pip, instrument.tick_at(exit_price)
        )
        trigger = level(instrument, exit_price, offset, self.side)
        if trigger <= 0:
            return None
        return self._order(OrderType.STOP, OrderTag.FOLLOW, trigger=trigger)

    def _order(
        self,
        kind: OrderType,
        tag: OrderTag,
        *,
        price: Decimal | None = None,
        trigger: Decimal | None = None,
    ) -> Order:
        order_id = self.engine.new_order_id()
        return Order(
            order_id,
            self.side,
            kind,
            self.grid.units,
            price=price,
            trigger=trigger,
            oco=f"re{order_id}" if tag is not OrderTag.ENTRY else None,
            session=self.engine.order_session,
            tag=tag,
            slot=self._name,
        )

    def _record_conversion(
        self, rule: ReentryRule, placed: Order, dropped: Order | None, bid: Decimal, ask: Decimal
    ) -> None:
        buy = self.side is Side.BUY
        market = f"{'Ask' if buy else 'Bid'} {fmt_decimal(ask if buy else bid)}"
        side = self.side.value
        if rule is ReentryRule.COUNTER_AS_STOP:
            assert placed.trigger is not None
            where = "above" if buy else "below"
            converted = (
                f"counter limit {fmt_decimal(placed.trigger)} is {where} the market ({market}): "
                f"placed as a {side} stop at the same price"
            )
            why_dropped = "follow not placed: the counter was converted"
        else:
            assert placed.price is not None
            where = "below" if buy else "above"
            converted = (
                f"follow stop {fmt_decimal(placed.price)} is {where} the market ({market}): "
                f"placed as a {side} limit at the same price"
            )
            why_dropped = "counter not placed: the follow was converted"
        self.engine.record(self, placed, OrderEventKind.CONVERTED, converted)
        if dropped is not None:
            self.engine.record(self, dropped, OrderEventKind.DROPPED, why_dropped)

    # --- the entry ----------------------------------------------------------------------------

    def _on_entry_update(self, update: OrderUpdate) -> None:
        kind = update.kind
        order_id = update.order.id
        if kind in _FILLS:
            if self._name in self.engine.ledger.open:
                self._entry_grew(update)
            else:
                self._entry_filled(update)
        elif kind is OrderEvent.REJECTED:
            rejection = update.reason or "rejected"
            state = self.state
            self.state = replace(state, entries=state.entries.drop(order_id), rejection=rejection)
            self._cancel_entries()
            self._stop("rejected", f"its entry was rejected: {rejection}")
        elif kind in (OrderEvent.CANCELLED, OrderEvent.EXPIRED):
            # Not by the slot: it forgets its own cancels first.
            self.state = replace(self.state, entries=self.state.entries.drop(order_id))
            if self._name in self.engine.ledger.open:
                return  # the part filled stays the slot's position, with its exits
            self._cancel_entries()
            self._stop(kind.value, f"its entry was {kind.value} by the broker")

    def _entry_grew(self, update: OrderUpdate) -> None:
        """A further part of the entry: the position grows, its exits with it."""
        assert update.fill_price is not None and update.fill_qty is not None
        if update.kind is OrderEvent.FILLED:
            self.state = replace(self.state, entries=self.state.entries.drop(update.order.id))
        self.engine.ledger.add(
            self._name,
            qty=update.fill_qty,
            price=update.fill_price,
            fee=update.fee,
            mark=self.engine.mark(update),
        )
        self._resize()

    def _entry_filled(self, update: OrderUpdate) -> None:
        """The entry's first fill (all of it, or its first part): the position opens."""
        engine, grid = self.engine, self.grid
        entry = self.state.entries[update.order.id]
        self.state = replace(self.state, entries=self.state.entries.drop(entry.id))
        self._cancel_entries()  # the other re-entry leg: one order, one position
        if update.kind is OrderEvent.PARTIALLY_FILLED:
            # The rest of this one keeps working.
            self.state = replace(self.state, entries=self.state.entries.put(entry.id, entry))
        assert update.fill_price is not None and update.fill_qty is not None
        fill, qty = update.fill_price, update.fill_qty
        mark = engine.mark(update)
        engine.ledger.open_position(
            Position(self._name, self.side, qty, fill, update.time, mark, update.fee, entry.id)
        )
        self._move(("filled",), OPEN)
        spread = engine.fill_spread(update)
        planned = exit_orders(
            ExitPlan(stop_loss=grid.stop_loss, take_profit=self._take_profit(fill, entry.qty)),
            position=self.side,
            fill_price=fill,
            qty=qty,
            spread=spread,
            instrument=engine.instrument,
            order_id=lambda _: engine.new_order_id(),
            oco=f"oco{entry.id}",
            slot=self._name,
            session=engine.order_session,
        )
        for order in planned.orders:
            state = self.state
            if state.phase != OPEN:
                break  # an earlier exit was rejected and stopped the slot
            assert order.tag is not None
            self.state = replace(state, exits=state.exits.put(order.id, Leg(order.tag, order.qty)))
            reason = ""
            if order.tag is OrderTag.STOP_LOSS:
                reason = self._stop_alert(order, fill, spread)
            engine.submit(self, order, reason=reason)
        for refused in planned.refused:
            engine.refuse_exit(self, refused)
        if planned.refused:
            first = planned.refused[0]
            self._halt(f"its {first.tag.value} order was rejected: {first.reason}", "rejected")

    def _take_profit(self, fill: Decimal, qty: Decimal) -> Distance:
        """The take profit's width, plus the fees of the entry and of the take profit itself
        when fees are configured (the dealer's "値幅に手数料を加味")."""
        take_profit = self.grid.take_profit
        if self._fees is None:
            return take_profit
        instrument = self.engine.instrument
        amount = width(take_profit, fill, instrument)
        target = fill + self.side.sign * amount
        fees = fee_per_unit(self._fees, fill, qty) + fee_per_unit(self._fees, target, qty)
        fees = round_to_increment(fees, instrument.tick_at(fill), Rounding.UP)
        return Distance(amount + fees, DistanceUnit.PRICE)

    def _stop_alert(self, stop: Order, fill: Decimal, spread: Decimal) -> str:
        """The alert reason when the spread pushed the stop 15 pips or more beyond its setting."""
        stop_loss, pip = self.grid.stop_loss, self.engine.instrument.pip
        if stop_loss is None or pip is None or stop.trigger is None:
            return ""
        beyond = abs(stop.trigger - fill) - width(stop_loss, fill, self.engine.instrument)
        if beyond < ALERT_PIPS * pip:
            return ""
        message = (
            f"the stop loss {fmt_decimal(stop.trigger)} sits {fmt_decimal(beyond / pip)} pips "
            f"beyond its {stop_loss.magnitude} setting: the spread was "
            f"{fmt_decimal(spread / pip)} pips when it was placed"
        )
        self.engine.alert(self, STOP_WIDENED, message, stop.id)
        return f"{STOP_WIDENED}: {message}"

    # --- the exits ----------------------------------------------------------------------------

    def _exit_filled(self, update: OrderUpdate, tag: OrderTag) -> None:
        order_id = update.order.id
        if self._open_after(update):
            state = self.state
            if update.kind is OrderEvent.FILLED:
                exits = state.exits.drop(order_id)
            else:
                exits = state.exits.put(order_id, state.exits[order_id].fill(update.fill_qty))
            self.state = replace(state, exits=exits)
            self._close_trade(update, tag)
            self._resize()  # the other exit closes what is left
            return
        self.state = replace(self.state, exits=self.state.exits.drop(order_id))
        if update.kind is not OrderEvent.FILLED:
            self.engine.cancel(order_id)  # an exit larger than the position: not the rest
        self._cancel_exits()
        self._cancel_entries()  # what is left of a part-filled entry
        assert update.fill_price is not None
        self._close_trade(update, tag)
        if self.state.phase == STOPPED:
            self._move(("exit_filled",), STOPPED)
            return
        # Re-arm from the exit's fill, at the close of the bar it filled in.
        self.state = replace(
            self.state, exit_price=update.fill_price, arm_at=ns_from_datetime(update.time)
        )
        self._move((f"{tag.value}_filled",), REARMING)

    def _close_trade(self, update: OrderUpdate, tag: OrderTag) -> None:
        self.engine.book_close(self._name, update, ExitReason(tag.value))

    def _open_after(self, update: OrderUpdate) -> bool:
        """Whether some of the position is still open after this exit fill."""
        position = self.engine.ledger.open.get(self._name)
        return not (position is None or update.fill_qty is None or update.fill_qty >= position.qty)

    def _resize(self) -> None:
        """Keep the exits at the size of the position."""
        position = self.engine.ledger.open.get(self._name)
        if position is None:
            return
        state = self.state
        changed = resized(state.exits.pairs, position.qty)
        if not changed:
            return
        exits = state.exits
        for order_id, leg in changed:
            exits = exits.put(order_id, leg)
        self.state = replace(state, exits=exits)
        send_resize(self.engine, changed, position.qty)

    def _close_and_stop(self, tag: OrderTag) -> None:
        position = self.engine.ledger.open.get(self._name)
        if self.state.phase != OPEN or position is None:
            raise RuntimeError(f"slot {self._name} holds no position to close")
        self._cancel_exits()
        self._cancel_entries()  # what is left of a part-filled entry: the position closes
        event = _CLOSING_EVENTS[tag]
        self._stop(event, f"its position was closed ({event})")
        order = self._market_close(position.side.opposite, position.qty, tag)
        self.state = replace(self.state, closing=order)
        self.engine.submit(self, order)

    def _market_close(self, side: Side, qty: Decimal, tag: OrderTag) -> Order:
        return Order(
            self.engine.new_order_id(),
            side,
            OrderType.MARKET,
            qty,
            reduce_only=True,
            session=self.engine.order_session,
            tag=tag,
            slot=self._name,
        )

    # --- stopping -----------------------------------------------------------------------------

    def _pause_refused(self, row: int, reason: str) -> None:
        """A refusal for the day (daily loss limit, a cap): the slot keeps its state and arms
        again at the first close of the next trading day, when the guards judge afresh."""
        self.engine.signal(row, self._name, self.side, False, reason)
        self._move(("bar_close",), self.state.phase)
        self.state = replace(
            self.state,
            arm_at=self.engine.next_trading_day_ns(row),
            pauses=self.state.pauses + 1,
        )

    def _stop_refused(self, row: int, reason: str) -> None:
        self.engine.signal(row, self._name, self.side, False, reason)
        self._stop("bar_close", f"its entry was refused: {reason}")

    def _halt(self, reason: str, event: str) -> None:
        if self.state.phase == STOPPED:
            return
        self._cancel_entries()  # a working entry, or what is left of a part-filled one
        self._stop(event, reason)

    def _stop(self, event: str, reason: str) -> None:
        self.state = replace(self.state, stop_reason=reason)
        self._move((event,), STOPPED)

    def _cancel_entries(self) -> None:
        entries = self.state.entries
        self.state = replace(self.state, entries=_NO_ENTRIES)
        for order_id in entries:
            self.engine.cancel(order_id)

    def _cancel_exits(self) -> None:
        exits = self.state.exits
        self.state = replace(self.state, exits=_NO_EXITS)
        for order_id in exits:
            self.engine.cancel(order_id)

    def _move(self, events: tuple[str, ...], target: str) -> None:
        phase = self.state.phase
        for event in events:
            if (phase, event, target) in self._moves:
                self.state = replace(self.state, phase=target)
                return
        raise RuntimeError(
            f"slot {self._name}: the plan has no transition {phase} --{events[0]}--> {target}"
        )


_STOPPING_REASONS: Final = frozenset({"drawdown_halt", "kill_switch"})


def _stops_for_good(refusal: str) -> bool:
    """Only the drawdown halt and the kill switch end a slot (they last until someone resumes on
    purpose); any other guard's refusal holds for the day. `refusal` is `code: message; ...`."""
    return any(part.split(":", 1)[0] in _STOPPING_REASONS for part in refusal.split("; "))


__all__ = [
    "ALERT_PIPS",
    "ENTRY_WORKING",
    "FLAT",
    "OPEN",
    "REARMING",
    "STOPPED",
    "STOP_WIDENED",
    "SlotRun",
    "charges_fees",
    "fee_per_unit",
    "slot_name",
    "slot_runs",
]
