"""Orders on the wire, and Binance's ambiguous answers: never a second order, never a guess."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal as D

import pytest
from binance_rig import BTC, DOWN, FAST, FLAT, UP, Rig, wait_for

from tradeplan.core.enums import OrderType, Side
from tradeplan.orders.model import Order, OrderStatus, Trail
from tradeplan.ports.live import OrderRejected, OutcomeUnknown


@pytest.fixture
def rig() -> Iterator[Rig]:
    made = Rig((FLAT, FLAT, UP, DOWN, FLAT, FLAT))
    yield made
    made.close()


def posts(rig: Rig, path: str) -> list[dict[str, str]]:
    return [p for m, pth, p in rig.fake.received if m == "POST" and pth == path]


def test_orders_go_out_rounded_as_exact_decimal_text(rig: Rig) -> None:
    order = Order("o1", Side.BUY, OrderType.LIMIT, D("0.0129"), price=D("49000.07"))
    rig.client.submit(order)
    (sent,) = posts(rig, "/fapi/v1/order")
    assert sent["quantity"] == "0.012" and sent["price"] == "49000"  # a buy rounds down
    assert sent["newClientOrderId"] == "o1" and sent["timeInForce"] == "GTC"
    sell = Order("o2", Side.SELL, OrderType.LIMIT, D("0.001"), price=D("51000.01"))
    rig.client.submit(sell)
    assert posts(rig, "/fapi/v1/order")[-1]["price"] == "51000.1"  # a sell rounds up
    report = rig.client.lookup("o1")
    assert report is not None and report.order.qty == D("0.012")


def test_conditional_orders_use_the_algo_service_with_our_client_id(rig: Rig) -> None:
    stop = Order(
        "s1", Side.SELL, OrderType.STOP, D("0.01"), trigger=D("49700.04"), reduce_only=True
    )
    take = Order(
        "s2",
        Side.SELL,
        OrderType.MARKET_IF_TOUCHED,
        D("0.01"),
        trigger=D("50300"),
        reduce_only=True,
    )
    rig.client.submit(Order("e1", Side.BUY, OrderType.MARKET, D("0.01")))
    rig.step()
    rig.client.submit(stop)
    rig.client.submit(take)
    algo = posts(rig, "/fapi/v1/algoOrder")
    assert [(p["type"], p["clientAlgoId"], p["triggerPrice"], p["reduceOnly"]) for p in algo] == [
        ("STOP_MARKET", "s1", "49700", "true"),
        ("TAKE_PROFIT_MARKET", "s2", "50300", "true"),
    ]
    assert all("newClientOrderId" not in p for p in algo)
    assert [r.client_id for r in rig.client.open_orders()] == ["s1", "s2"]
    rig.step(2)  # UP touches the take profit; DOWN would have touched the stop
    assert rig.listener.kinds("s2")[-1] == "filled"
    take_report = rig.client.lookup("s2")
    assert take_report is not None and take_report.status is OrderStatus.FILLED
    rig.client.cancel("s1")
    rig.settle()
    assert rig.listener.kinds("s1") == ["accepted", "cancelled"]
    assert rig.client.positions() == ()
    fills = rig.client.fills_since(None).fills
    assert [(f.client_id, f.side) for f in fills] == [("e1", Side.BUY), ("s2", Side.SELL)]


def test_a_503_after_placement_is_unknown_and_lookup_finds_the_order(rig: Rig) -> None:
    rig.fake.faults.next_order.append("503")
    with pytest.raises(OutcomeUnknown):
        rig.client.submit(Order("u1", Side.BUY, OrderType.LIMIT, D("0.01"), price=D("49000")))
    report = rig.client.lookup("u1")
    assert report is not None and report.status is OrderStatus.ACCEPTED
    assert len(posts(rig, "/fapi/v1/order")) == 1  # nothing was sent again


@pytest.mark.parametrize("fault", ["-1006", "placed"])
def test_unknown_outcomes_with_the_order_placed(rig: Rig, fault: str) -> None:
    rig.fake.faults.next_order.append(fault)
    with pytest.raises(OutcomeUnknown):
        rig.client.submit(Order("u2", Side.BUY, OrderType.MARKET, D("0.01")))
    report = rig.client.lookup("u2")
    assert report is not None
    rig.step()
    assert rig.client.positions()[0].qty == D("0.01")


def test_a_1007_with_nothing_placed_is_proved_absent_then_sent_once(rig: Rig) -> None:
    rig.fake.faults.next_order.append("-1007-lost")
    order = Order("u3", Side.BUY, OrderType.MARKET, D("0.01"))
    with pytest.raises(OutcomeUnknown, match="-1007"):
        rig.client.submit(order)
    assert rig.client.lookup("u3") is None
    rig.client.submit(order)  # proved absent: the same intent may go again
    rig.step()
    assert [f.client_id for f in rig.client.fills_since(None).fills] == ["u3"]


def test_a_client_id_used_in_this_run_is_never_sent_again(rig: Rig) -> None:
    rig.client.submit(Order("d1", Side.BUY, OrderType.MARKET, D("0.01")))
    rig.step()
    with pytest.raises(OrderRejected, match="already used"):
        rig.client.submit(Order("d1", Side.BUY, OrderType.MARKET, D("0.01")))
    assert len(posts(rig, "/fapi/v1/order")) == 1


def test_a_duplicate_on_binance_after_a_restart_is_refused(rig: Rig) -> None:
    rig.client.submit(Order("d2", Side.BUY, OrderType.LIMIT, D("0.01"), price=D("40000")))
    other = rig.new_client()
    try:
        with pytest.raises(OrderRejected, match="already used by a working order"):
            other.submit(Order("d2", Side.BUY, OrderType.LIMIT, D("0.01"), price=D("40000")))
    finally:
        other.close()


def test_min_notional_and_min_qty_refuse_before_sending(rig: Rig) -> None:
    with pytest.raises(OrderRejected, match="minimum notional 5: raise the quantity"):
        rig.client.submit(Order("n1", Side.BUY, OrderType.LIMIT, D("0.001"), price=D("4000")))
    with pytest.raises(OrderRejected, match=r"below BTCUSDT's minimum 0\.001"):
        rig.client.submit(Order("n2", Side.BUY, OrderType.LIMIT, D("0.0004"), price=D("40000")))
    assert posts(rig, "/fapi/v1/order") == []
    # An exit may be smaller than the minimum notional (Binance allows reduce-only).
    rig.client.submit(Order("n3", Side.BUY, OrderType.MARKET, D("0.001")))
    rig.step()
    rig.client.submit(
        Order("n4", Side.SELL, OrderType.LIMIT, D("0.001"), price=D("60000"), reduce_only=True)
    )
    assert posts(rig, "/fapi/v1/order")[-1]["reduceOnly"] == "true"


def test_insufficient_margin_is_refused_by_binance_once() -> None:
    rig = Rig((FLAT, FLAT), balance=D(100), leverage=D(10))
    try:
        with pytest.raises(OrderRejected, match="-2019"):
            rig.client.submit(Order("m1", Side.BUY, OrderType.LIMIT, D("1"), price=D("49000")))
        rig.step()
        assert rig.listener.kinds("m1") == [] and rig.client.lookup("m1") is None
    finally:
        rig.close()


def test_clock_skew_is_resynced_and_rate_limits_waited_out(rig: Rig) -> None:
    rig.fake.faults.clock_skew_ms = 60_000
    rig.client.submit(Order("k1", Side.BUY, OrderType.LIMIT, D("0.01"), price=D("40000")))
    assert rig.client.lookup("k1") is not None
    rig.fake.faults.next_request.extend(["429", "418"])
    rig.client.submit(Order("k2", Side.BUY, OrderType.LIMIT, D("0.01"), price=D("40000")))
    assert [r.client_id for r in rig.client.open_orders()] == ["k1", "k2"]
    assert [p["newClientOrderId"] for p in posts(rig, "/fapi/v1/order")] == [
        "k1",
        "k1",
        "k2",
        "k2",
        "k2",
    ]  # refused unprocessed (-1021, 429, 418), then taken
    assert len(rig.fake.orders) == 2


def test_cancel_and_amend_of_what_binance_does_not_have(rig: Rig) -> None:
    with pytest.raises(OrderRejected, match="no order with this client id"):
        rig.client.cancel("never")
    rig.client.submit(Order("a1", Side.BUY, OrderType.LIMIT, D("0.01"), price=D("40000")))
    rig.client.amend("a1", price=D("41000"), qty=D("0.02"))
    report = rig.client.lookup("a1")
    assert report is not None and (report.order.price, report.order.qty) == (D(41000), D("0.02"))
    puts = [p for m, pth, p in rig.fake.received if m == "PUT" and pth == "/fapi/v1/order"]
    assert [(p["price"], p["quantity"]) for p in puts] == [("41000", "0.02")]
    rig.client.cancel("a1")
    rig.client.cancel("a1")  # finished: nothing to do
    rig.settle()
    assert rig.listener.kinds("a1") == ["accepted", "amended", "cancelled"]


def test_trailing_by_distance_is_left_to_the_runtime(rig: Rig) -> None:
    assert not rig.client.profile.is_native(OrderType.TRAILING_STOP)
    with pytest.raises(OrderRejected, match="percentage"):
        rig.client.submit(
            Order("t1", Side.SELL, OrderType.TRAILING_STOP, D("0.01"), trail=Trail.amount(D(100)))
        )


def test_the_largest_bracket_caps_an_order_and_filters_are_read_again() -> None:
    tuning = replace(FAST, rules_every=0.05)
    rig = Rig((FLAT, FLAT), tuning=tuning)
    try:
        with pytest.raises(OrderRejected, match="largest position"):
            rig.client.submit(Order("b1", Side.BUY, OrderType.LIMIT, D(30_000), price=D(40000)))
        rig.fake.spec.min_notional = D(100)
        rig.fake.specs["BTCUSDT"].min_notional = D(100)
        wait_for(
            lambda: rig.client.profile.defaults_for(BTC.asset_class).min_notional == D(100),
            "the new minimum notional",
        )
        with pytest.raises(OrderRejected, match="minimum notional 100"):
            rig.client.submit(Order("b2", Side.BUY, OrderType.LIMIT, D("0.001"), price=D(40000)))
    finally:
        rig.close()
