"""Values the state-store tests write: orders, intents, broker reports and fills, and
hypothesis strategies for the open-ended ones (any Decimal exponent, every order type)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import strategies as st

from tradeplan.core.enums import OrderType, Session, Side, TimeInForce
from tradeplan.live.store import Intent, IntentState
from tradeplan.orders.model import Order, OrderStatus, OrderTag, Trail, TrailKind
from tradeplan.ports.live import FillReport, OrderReport

T0 = datetime(2025, 3, 3, 14, 30, tzinfo=UTC)
STRATEGY = "usdjpy-grid"


def limit(cid: str, price: str = "109.50", qty: str = "1000", side: Side = Side.BUY) -> Order:
    return Order(cid, side, OrderType.LIMIT, Decimal(qty), price=Decimal(price))


def intent(
    cid: str,
    *,
    strategy: str = STRATEGY,
    owner: str = "slot-1",
    state: IntentState = IntentState.PENDING_SEND,
    order: Order | None = None,
    at: datetime = T0,
) -> Intent:
    return Intent(cid, strategy, owner, 1, order or limit(cid), state, "", at, at)


def report(
    order: Order,
    status: OrderStatus = OrderStatus.ACCEPTED,
    *,
    seq: int = 1,
    filled: str = "0",
    average: str | None = None,
) -> OrderReport:
    return OrderReport(
        order=order,
        venue_id="v-" + order.id,
        status=status,
        filled_qty=Decimal(filled),
        average_price=None if average is None else Decimal(average),
        time=T0 + timedelta(seconds=seq),
        seq=seq,
    )


def fill(trade_id: str, cid: str, qty: str = "1000", price: str = "109.50") -> FillReport:
    return FillReport(
        trade_id=trade_id,
        client_id=cid,
        venue_order_id="v-" + cid,
        symbol="USDJPY",
        side=Side.BUY,
        qty=Decimal(qty),
        price=Decimal(price),
        time=T0,
        fee=Decimal("0.15"),
        seq=7,
    )


# --- hypothesis -------------------------------------------------------------------------------

# Any digits at any exponent, trailing zeros kept: 109.50 must come back as 109.50.
exact = st.builds(
    lambda digits, exponent: Decimal(digits).scaleb(exponent),
    st.integers(-(10**20), 10**20),
    st.integers(-18, 8),
)
decimals = st.one_of(
    exact,
    st.decimals(allow_nan=False, allow_infinity=False),
    st.sampled_from([Decimal("109.50"), Decimal("-0"), Decimal("0E-8"), Decimal("1E+3")]),
)
positive = st.builds(
    lambda digits, exponent: Decimal(digits).scaleb(exponent),
    st.integers(1, 10**20),
    st.integers(-18, 8),
)
small_positive = st.builds(
    lambda digits, exponent: Decimal(digits).scaleb(exponent),
    st.integers(1, 9999),
    st.integers(-6, -2),
)
times = st.datetimes(
    min_value=datetime(1971, 1, 1),
    max_value=datetime(2200, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=9)), timezone(-timedelta(hours=5.5))])
    | st.timezones(),
    allow_imaginary=False,
)
texts = st.text(max_size=30)


@st.composite
def orders(draw: st.DrawFn, cid: str = "tpabcdef1") -> Order:
    kind = draw(st.sampled_from(list(OrderType)))
    fields: dict[str, object] = {}
    if kind in (OrderType.LIMIT, OrderType.STOP_LIMIT, OrderType.LIMIT_IF_TOUCHED):
        fields["price"] = draw(positive)
    if kind in (
        OrderType.STOP,
        OrderType.STOP_LIMIT,
        OrderType.MARKET_IF_TOUCHED,
        OrderType.LIMIT_IF_TOUCHED,
    ):
        fields["trigger"] = draw(positive)
    if kind in (OrderType.TRAILING_STOP, OrderType.TRAILING_STOP_LIMIT):
        trail_kind = draw(st.sampled_from(list(TrailKind)))
        value = draw(small_positive if trail_kind is TrailKind.RATIO else positive)
        fields["trail"] = Trail(trail_kind, value)
        fields["activation"] = draw(st.none() | positive)
    if kind is OrderType.TRAILING_STOP_LIMIT:
        fields["limit_offset"] = draw(positive | st.just(Decimal("0.00")))
    return Order(
        cid,
        draw(st.sampled_from(list(Side))),
        kind,
        draw(positive),
        time_in_force=draw(st.sampled_from(list(TimeInForce))),
        reduce_only=draw(st.booleans()),
        session=draw(st.sampled_from(list(Session))),
        oco=draw(st.none() | texts),
        tag=draw(st.none() | st.sampled_from(list(OrderTag))),
        slot=draw(st.none() | texts),
        **fields,  # type: ignore[arg-type]
    )
