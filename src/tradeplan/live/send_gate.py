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
from datetime import datetime
from decimal import Decimal

from tradeplan.core.enums import Side
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
    ) -> None:
        self.strategy = strategy
        self._broker = broker
        self._store = store
        self._clock = clock
        self._alert = alert
        self._owner_of = owner_of
        self._plan_version = plan_version
        self._halted = halted
        self.listener: BrokerListener | None = None
        self.sent = 0

    # --- BrokerPort ----------------------------------------------------------------------------

    @property
    def profile(self) -> BrokerProfile:
        return self._broker.profile

    def connect(self, listener: BrokerListener) -> None:
        """The engine connects here; the runner routes this strategy's updates to it."""
        self.listener = listener

    def submit(self, order: Order) -> None:
        now = self._clock()
        opens = order.tag is None or order.tag.opens
        halted = self._halted() if opens else None
        if halted is not None:
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
        try:
            self._broker.submit(order)
        except OrderRejected as refused:
            self._settle(order.id, IntentState.REJECTED, refused.reason)
            self._refuse(order, refused.reason)
            return
        except OutcomeUnknown as unknown:
            self._settle(order.id, IntentState.UNKNOWN, unknown.reason)
            self._alert(
                "order_outcome_unknown",
                f"order {order.id}: {unknown.reason}; it is looked up by its client id before "
                "anything is sent again",
                order.id,
            )
            return
        self.sent += 1
        self._settle(order.id, IntentState.SENT)

    def cancel(self, order_id: str) -> None:
        try:
            self._broker.cancel(order_id)
        except OrderRejected as refused:  # already filled or gone: its update says which
            self._alert("cancel_refused", f"cancel of {order_id}: {refused.reason}", order_id)
        except OutcomeUnknown as unknown:
            self._alert(
                "cancel_outcome_unknown", f"cancel of {order_id}: {unknown.reason}", order_id
            )

    def amend(
        self,
        order_id: str,
        *,
        price: Decimal | None = None,
        trigger: Decimal | None = None,
        qty: Decimal | None = None,
    ) -> None:
        try:
            self._broker.amend(order_id, price=price, trigger=trigger, qty=qty)
        except OrderRejected as refused:
            self._alert("amend_refused", f"amendment of {order_id}: {refused.reason}", order_id)
        except OutcomeUnknown as unknown:
            self._alert(
                "amend_outcome_unknown", f"amendment of {order_id}: {unknown.reason}", order_id
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
        return self._store.intents(self.strategy, (IntentState.UNKNOWN, IntentState.PENDING_SEND))

    def resolve_unknown(self) -> int:
        """Look up every UNKNOWN (and, after a crash, PENDING_SEND) intent by client id and
        settle it with what the broker says; returns how many were settled. An order the broker
        does not have was never placed: REJECTED, not re-sent. A broker that cannot be asked
        now leaves them for the next pass."""
        settled = 0
        for intent in self.unknown():
            try:
                report = self._broker.lookup(intent.client_id)
            except BrokerUnavailable:
                return settled
            settled += 1
            if report is None:
                reason = "the broker has no such order: it was never placed (not re-sent)"
                self._settle(intent.client_id, IntentState.REJECTED, reason)
                self._refuse(intent.order, reason)
                continue
            self._settle(intent.client_id, IntentState.ACKED, "found by its client id")
            self._alert(
                "order_found",
                f"order {intent.client_id} whose outcome was unknown is at the broker "
                f"({report.status.value}); its fills are taken from the broker's reports",
                intent.client_id,
            )
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
