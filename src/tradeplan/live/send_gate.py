"""Between one strategy's engine and the live broker: intents stored before they are sent.

The engine sends commands and waits for updates, as it does on the paper broker in a backtest.
A live broker can fail in ways a replay never does, so every command goes through this gate:

* **Write order** (../shared/LIVE.md section 3). An order's intent, with its client id (the
  order's id: deterministic per intent, see `client_ids.py`), is committed to the state store as
  PENDING_SEND *before* the broker hears of it. A crash between the commit and the send leaves an
  intent the restart looks up by client id: found, it is ours and working; not found, it was
  never sent, and it is marked REJECTED, never sent again behind the trader's back.
* **Rejected is not unknown.** `OrderRejected` (the broker proved it refused) becomes a REJECTED
  update to the engine, which records it once and goes on (a rejected entry is not retried).
  `OutcomeUnknown` (a timeout, a dropped connection) marks the intent UNKNOWN and raises an
  alert; `resolve_unknown` looks each such order up by client id and feeds what the broker says
  through the normal update path. Nothing is re-sent from UNKNOWN.
* **Halt.** While the strategy is halted (the kill switch, a stale feed, positions that disagree
  with the broker) new entries are refused here, as a REJECTED update naming the reason; exits
  and cancels still go out, so a halted strategy keeps its protection.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from functools import partial

from tradeplan.core.enums import OrderType, Side
from tradeplan.live.store import Intent, IntentState, StateStore
from tradeplan.orders.model import Order, OrderEvent
from tradeplan.ports.broker import (
    AccountSnapshot,
    BrokerListener,
    OrderUpdate,
    Quote,
)
from tradeplan.ports.live import BrokerUnavailable, LiveBrokerPort, OrderRejected, OutcomeUnknown
from tradeplan.ports.profiles import BrokerProfile

Clock = Callable[[], datetime]
Alert = Callable[[str, str, str], None]  # kind, message, order id


class SendGate:
    """The `BrokerPort` one strategy's engine talks to; see the module docstring."""

    def __init__(
        self,
        strategy: str,
        broker: LiveBrokerPort,
        store: StateStore,
        *,
        clock: Clock,
        alert: Alert,
        owner_of: Callable[[str], str],
        plan_version: Callable[[], int],
        halted: Callable[[], str | None],
        sent: Callable[[Order], None] | None = None,
        wanted: Callable[[str], bool] | None = None,
        park: Callable[[], bool] | None = None,
        scrub: Callable[[str], str] | None = None,
    ) -> None:
        """`scrub` stars out secrets a broker's message may quote (a signature, a key) before
        the message is stored, written or shown (`EventLog.scrub`)."""
        self.strategy = strategy
        self._scrub = scrub or (lambda text: text)
        self._broker = broker
        self._store = store
        self._clock = clock
        self._alert = alert
        self._owner_of = owner_of
        self._plan_version = plan_version
        self._halted = halted
        self._sent = sent  # told of each order the broker took (the log's latency)
        # Whether the engine still wants an order sent (working, no cancel asked for).
        self._wanted = wanted or (lambda _: True)
        # Whether a resting entry refused by a halt waits for it to end (not when stopping).
        self._park = park or (lambda: True)
        self.listener: BrokerListener | None = None
        self.sent = 0
        self._outbox: list[Callable[[], None]] = []
        self._queued: dict[str, Order] = {}  # orders in the outbox, by client id, as they stand
        # Resting entries decided while halted: stored, not sent, until the halt ends. A market
        # entry is refused instead (sent late, it would trade at another price).
        self._parked: list[str] = []

    # --- BrokerPort ----------------------------------------------------------------------------

    @property
    def profile(self) -> BrokerProfile:
        return self._broker.profile

    def connect(self, listener: BrokerListener) -> None:
        """The engine connects here; the runner routes this strategy's updates to it."""
        self.listener = listener

    def submit(self, order: Order) -> None:
        """Write the intent (in the event's transaction) and queue the send (`flush`)."""
        now = self._clock()
        opens = order.tag is None or order.tag.opens
        halted = self._halted() if opens else None
        if halted is not None and (order.type is OrderType.MARKET or not self._park()):
            self._refuse(order, f"not sent: {halted}")
            return
        self._store.add_intent(
            Intent(
                order.id,
                self.strategy,
                self._owner_of(order.id),
                self._plan_version(),
                order,
                IntentState.PENDING_SEND,
                "",
                now,
                now,
            )
        )
        self._queued[order.id] = order
        if halted is not None:
            self._parked.append(order.id)  # a resting entry waits for the halt to end
            self._alert(
                "entry_held",
                f"order {order.id} not sent: {halted}; it is sent when that ends",
                order.id,
            )
            return
        self._outbox.append(partial(self._send_queued, order.id))

    def cancel(self, order_id: str) -> None:
        """Sent at once: a cancel creates nothing, and one the store does not know of yet is
        found again by the restart's reconcile (the order is no longer open). An order still
        in the outbox is not sent at all: it is cancelled here, as a broker would at once."""
        order = self._queued.pop(order_id, None)
        if order is not None:
            if order_id in self._parked:
                self._parked.remove(order_id)
            self._settle(order_id, IntentState.DONE, "cancelled before it was sent")
            if self.listener is not None:
                self.listener.on_order_update(
                    OrderUpdate(
                        OrderEvent.CANCELLED, order, self._clock(), reason="not sent: cancelled"
                    )
                )
            return
        self._cancel(order_id)

    def amend(
        self,
        order_id: str,
        *,
        price: Decimal | None = None,
        trigger: Decimal | None = None,
        qty: Decimal | None = None,
    ) -> None:
        """Sent at once, as a cancel is: the broker's next report carries the terms. An order
        still in the outbox goes out with the new terms instead."""
        order = self._queued.get(order_id)
        if order is not None:
            terms = {
                name: value
                for name, value in (("price", price), ("trigger", trigger), ("qty", qty))
                if value is not None
            }
            amended = replace(order, **terms)  # type: ignore[arg-type]
            self._queued[order_id] = amended
            if self.listener is not None:
                self.listener.on_order_update(
                    OrderUpdate(OrderEvent.AMENDED, amended, self._clock(), reason="before sent")
                )
            return
        self._amend(order_id, price, trigger, qty)

    # --- the outbox --------------------------------------------------------------------------

    def release(self) -> int:
        """Queue the resting entries held back while the strategy was halted, once it is not
        (`tradeplan resume`, the feed back, positions agreeing again); how many."""
        if not self._parked or self._halted() is not None:
            return 0
        parked, self._parked = self._parked, []
        for client_id in parked:
            self._outbox.append(partial(self._send_queued, client_id))
        return len(parked)

    @property
    def pending(self) -> int:
        """Commands decided and stored, not sent yet."""
        return len(self._outbox)

    def flush(self) -> int:
        """Send what the last event decided, in the order it was decided; returns how many.
        Called once the event's state and intents are committed. The broker may answer inside
        a send (the runner handles that answer at once, and what it decides is sent too)."""
        sent = 0
        while self._outbox:
            command = self._outbox.pop(0)
            command()
            sent += 1
        return sent

    def _send_queued(self, client_id: str) -> None:
        order = self._queued.pop(client_id, None)
        if order is not None:  # None: cancelled before it went out
            self._send(order)

    def _send(self, order: Order) -> None:
        try:
            self._broker.submit(order)
        except OrderRejected as refused:
            if self._already_there(order):
                return
            self._settle(order.id, IntentState.REJECTED, self._scrub(refused.reason))
            self._refuse(order, self._scrub(refused.reason))
            return
        except OutcomeUnknown as unknown:
            self._settle(order.id, IntentState.UNKNOWN, self._scrub(unknown.reason))
            self._alert(
                "order_outcome_unknown",
                f"order {order.id}: {self._scrub(unknown.reason)}; it is looked up by its client id before "
                "anything is sent again",
                order.id,
            )
            return
        self.sent += 1
        self._settle(order.id, IntentState.SENT)
        if self._sent is not None:
            self._sent(order)

    def _already_there(self, order: Order) -> bool:
        """A refused send of an order the broker in fact holds under this client id (a
        duplicate id: Binance -4116, OANDA CLIENT_ORDER_ID_ALREADY_EXISTS): the order is ours
        and working, not rejected."""
        try:
            report = self._broker.lookup(order.id)
        except BrokerUnavailable:
            return False
        if report is None:
            return False
        self._settle(order.id, IntentState.ACKED, "already at the broker under its client id")
        self._alert(
            "duplicate_send_refused",
            f"order {order.id} was sent again and the broker refused the duplicate; the "
            "order it holds under that client id is the one that counts",
            order.id,
        )
        return True

    def _cancel(self, order_id: str) -> None:
        try:
            self._broker.cancel(order_id)
        except OrderRejected as refused:  # already filled or gone: its update says which
            self._alert(
                "cancel_refused", f"cancel of {order_id}: {self._scrub(refused.reason)}", order_id
            )
        except OutcomeUnknown as unknown:
            self._alert(
                "cancel_outcome_unknown",
                f"cancel of {order_id}: {self._scrub(unknown.reason)}",
                order_id,
            )

    def _amend(
        self,
        order_id: str,
        price: Decimal | None,
        trigger: Decimal | None,
        qty: Decimal | None,
    ) -> None:
        try:
            self._broker.amend(order_id, price=price, trigger=trigger, qty=qty)
        except OrderRejected as refused:
            self._alert(
                "amend_refused", f"amendment of {order_id}: {self._scrub(refused.reason)}", order_id
            )
        except OutcomeUnknown as unknown:
            self._alert(
                "amend_outcome_unknown",
                f"amendment of {order_id}: {self._scrub(unknown.reason)}",
                order_id,
            )

    def watch(self, watch_id: str, side: Side, level: Decimal) -> None:
        self._broker.watch(watch_id, side, level)

    def unwatch(self, watch_id: str) -> None:
        self._broker.unwatch(watch_id)

    def account(self) -> AccountSnapshot:
        return self._broker.account()

    def quote(self) -> Quote | None:
        return self._broker.quote()

    # --- unknown outcomes ----------------------------------------------------------------------

    def unknown(self) -> tuple[Intent, ...]:
        """Intents whose order may or may not be at the broker: UNKNOWN, and PENDING_SEND ones
        that are not waiting here to be sent (left by a run that stopped)."""
        found = self._store.intents(self.strategy, (IntentState.UNKNOWN, IntentState.PENDING_SEND))
        return tuple(i for i in found if i.client_id not in self._queued)

    def resolve_unknown(self) -> int:
        """Look up every UNKNOWN and PENDING_SEND intent by client id and settle it with what
        the broker says; returns how many were settled. A broker that cannot be asked now
        leaves them for the next pass (a network error proves nothing).

        Found: it is working there (ACKED); its fills come from the broker's reports.
        Not found, after an ambiguous send (UNKNOWN): it was never placed; REJECTED, and not
        re-sent behind the trader's back. Not found and never sent (PENDING_SEND: the bot
        stopped between storing the decision and sending it): an exit or a resting order is
        sent now, since the position it protects or the level it waits at still stands; a
        market entry is not (it would trade late, at another price), it is REJECTED."""
        settled = 0
        for intent in self.unknown():
            try:
                report = self._broker.lookup(intent.client_id)
            except BrokerUnavailable:
                return settled
            settled += 1
            order = intent.order
            if report is not None:
                self._settle(intent.client_id, IntentState.ACKED, "found by its client id")
                self._alert(
                    "order_found",
                    f"order {intent.client_id} whose outcome was unknown is at the broker "
                    f"({report.status.value}); its fills are taken from the broker's reports",
                    intent.client_id,
                )
            elif intent.state is IntentState.UNKNOWN:
                reason = "the broker has no such order: it was never placed (not re-sent)"
                self._settle(intent.client_id, IntentState.REJECTED, reason)
                self._refuse(order, reason)
            elif not self._owner_of(intent.client_id):
                self._settle(intent.client_id, IntentState.DONE, "never sent; no owner holds it")
            elif not self._wanted(intent.client_id):  # its owner let it go meanwhile
                self._settle(intent.client_id, IntentState.DONE, "never sent; cancelled")
                if self.listener is not None:
                    self.listener.on_order_update(
                        OrderUpdate(OrderEvent.CANCELLED, order, self._clock(), reason="not sent")
                    )
            elif order.type is OrderType.MARKET and (order.tag is None or order.tag.opens):
                reason = "not sent: the bot stopped before sending it, and a market entry is not sent late"
                self._settle(intent.client_id, IntentState.REJECTED, reason)
                self._refuse(order, reason)
            elif (order.tag is None or order.tag.opens) and self._halted() is not None:
                self._queued[order.id] = order  # held back until the halt ends
                self._parked.append(order.id)
            else:
                self._alert(
                    "sent_after_restart",
                    f"order {intent.client_id} was decided but not sent before the bot stopped; "
                    "the broker has no such order, so it is sent now",
                    intent.client_id,
                )
                self._outbox.append(partial(self._send, order))
        return settled

    # --- helpers -------------------------------------------------------------------------------

    def _settle(self, client_id: str, state: IntentState, reason: str = "") -> None:
        intent = self._store.intent(client_id)
        if intent is None or intent.state in (IntentState.DONE, IntentState.REJECTED):
            return  # an update that came back inside the call settled it already
        if state is IntentState.SENT and intent.state is not IntentState.PENDING_SEND:
            return
        self._store.set_intent_state(client_id, state, reason)

    def _refuse(self, order: Order, reason: str) -> None:
        if self.listener is not None:
            update = OrderUpdate(OrderEvent.REJECTED, order, self._clock(), reason=reason)
            self.listener.on_order_update(update)


__all__ = ["SendGate"]
