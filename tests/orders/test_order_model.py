"""Orders refuse contradictions at construction, so nothing malformed is ever sent."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from tradeplan.core.enums import OrderType, Side
from tradeplan.orders.model import (
    Order,
    OrderError,
    OrderStatus,
    OrderTag,
    Trail,
    TrailKind,
)


def test_each_type_builds_with_what_semantics_section_3_says_it_needs() -> None:
    Order("m", Side.BUY, OrderType.MARKET, D(1))
    Order("l", Side.BUY, OrderType.LIMIT, D(1), price=D("109.50"))
    Order("s", Side.SELL, OrderType.STOP, D(1), trigger=D("107.99"))
    Order("sl", Side.SELL, OrderType.STOP_LIMIT, D(1), trigger=D(150), price=D("149.50"))
    Order("t", Side.SELL, OrderType.TRAILING_STOP, D(1), trail=Trail.ratio(D("0.4")))
    Order(
        "tl",
        Side.SELL,
        OrderType.TRAILING_STOP_LIMIT,
        D(1),
        trail=Trail.amount(D("1.00")),
        limit_offset=D("0.50"),
        activation=D(155),
    )
    Order("mit", Side.SELL, OrderType.MARKET_IF_TOUCHED, D(1), trigger=D(110))
    Order("lit", Side.SELL, OrderType.LIMIT_IF_TOUCHED, D(1), trigger=D(110), price=D("109.9"))


@pytest.mark.parametrize(
    ("kind", "fields", "message"),
    [
        (OrderType.LIMIT, {}, "needs price"),
        (OrderType.STOP, {"price": D(1)}, "needs trigger"),
        (OrderType.STOP_LIMIT, {"trigger": D(1)}, "needs price"),
        (OrderType.TRAILING_STOP_LIMIT, {"trail": Trail.amount(D(1))}, "needs limit_offset"),
        (OrderType.MARKET, {"price": D(1)}, "takes no price"),
        (OrderType.STOP, {"trigger": D(1), "activation": D(2)}, "takes no activation"),
        (OrderType.TRAILING_STOP, {"trail": Trail.amount(D(1)), "trigger": D(1)}, "no trigger"),
    ],
)
def test_contradictory_fields_are_refused(
    kind: OrderType, fields: dict[str, object], message: str
) -> None:
    with pytest.raises(OrderError, match=message):
        Order("x", Side.BUY, kind, D(1), **fields)  # type: ignore[arg-type]


def test_a_binary_float_never_reaches_a_price() -> None:
    with pytest.raises(TypeError, match="Decimal"):
        Order("x", Side.BUY, OrderType.LIMIT, D(1), price=109.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Decimal"):
        Order("x", Side.BUY, OrderType.MARKET, 1000)  # type: ignore[arg-type]


@pytest.mark.parametrize("qty", [D(0), D(-1)])
def test_quantity_must_be_positive(qty: D) -> None:
    with pytest.raises(OrderError, match="quantity"):
        Order("x", Side.BUY, OrderType.MARKET, qty)


def test_trail_forms() -> None:
    assert Trail.ratio(D("0.4")) == Trail(TrailKind.RATIO, D("0.4"))
    assert Trail.amount(D("0.0125")).kind is TrailKind.AMOUNT
    with pytest.raises(OrderError, match="positive"):
        Trail.amount(D(0))
    with pytest.raises(OrderError, match="below 100"):
        Trail.ratio(D(100))


def test_tags_and_statuses_classify() -> None:
    assert OrderTag.COUNTER.opens and OrderTag.FOLLOW.opens and OrderTag.ENTRY.opens
    assert not OrderTag.TAKE_PROFIT.opens and not OrderTag.STOP_LOSS.opens
    assert OrderStatus.FILLED.is_terminal and not OrderStatus.FILLED.is_open
    assert OrderStatus.PENDING_CANCEL.is_open and not OrderStatus.PENDING_CANCEL.is_terminal
    assert not OrderStatus.INITIALIZED.is_open and not OrderStatus.INITIALIZED.is_terminal


def test_orders_are_immutable() -> None:
    order = Order("x", Side.BUY, OrderType.MARKET, D(1))
    with pytest.raises(AttributeError):
        order.qty = D(2)  # type: ignore[misc]
