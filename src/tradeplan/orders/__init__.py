"""L4: orders as immutable values, their life cycle as a table, and trigger emulation.

* `model`: `Order`, `Trail`, `OrderTag`, `OrderStatus`, `OrderEvent`.
* `state_machine`: `TRANSITIONS` and `transition(status, event)`.
* `book`: `OrderBook`, every order sent with its status, changed only through the table;
  what the table does not allow comes back as an `Anomaly`.
* `triggers`: reference prices, trigger checks, trailing stops (`TriggerState`, `track`).
* `reentry`: Triauto's rules for re-entries placed beyond the market (`arm_reentry`).

Pure logic, Decimal prices, no I/O; the paper broker's fill model builds on it.
"""

from tradeplan.orders.model import (
    Order,
    OrderError,
    OrderEvent,
    OrderStatus,
    OrderTag,
    Trail,
    TrailKind,
)
from tradeplan.orders.state_machine import InvalidTransition, transition

__all__ = [
    "InvalidTransition",
    "Order",
    "OrderError",
    "OrderEvent",
    "OrderStatus",
    "OrderTag",
    "Trail",
    "TrailKind",
    "transition",
]
