"""What reaches FutuOpenD for each order, and how the venue's answers come back."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal as D

import pytest
from futu_rig import DOWN, FLAT, UP, rig
from hypothesis import given
from hypothesis import strategies as st

from tradeplan.brokers.futu.mapping import outgoing, round_limit, round_trigger
from tradeplan.core.enums import OrderType, Session, Side, TimeInForce
from tradeplan.orders.model import Order, OrderStatus, Trail
from tradeplan.ports.live import OrderRejected


def test_a_trailing_stop_limit_goes_native_with_ratio_spread_gtc_and_extended_hours() -> None:
    with rig() as r:
        order = Order(
            "tsl-1",
            Side.SELL,
            OrderType.TRAILING_STOP_LIMIT,
            D(10),
            trail=Trail.ratio(D("1.5")),
            limit_offset=D("0.50"),
            time_in_force=TimeInForce.GTC,
            session=Session.ALL,
        )
        r.broker.submit(order)
        sent = r.venue.orders[-1]
        assert (sent.type, sent.side, sent.qty) == (15, 2, D(10))  # TrailingStopLimit, Sell
        assert (sent.trail_type, sent.trail_value, sent.trail_spread) == (1, D("1.5"), D("0.5"))
        assert (sent.tif, sent.session, sent.outside_rth) == (1, 3, True)  # GTC, ALL
        assert sent.remark == "tsl-1"
        report = r.broker.lookup("tsl-1")
        assert report is not None and report.status is OrderStatus.ACCEPTED
        assert report.order.trail == Trail.ratio(D("1.5")) and report.order.limit_offset == D("0.5")


def test_prices_are_rounded_to_us_precision_before_they_are_sent() -> None:
    with rig() as r:
        r.broker.submit(Order("l1", Side.BUY, OrderType.LIMIT, D(1), price=D("150.129")))
        r.broker.submit(Order("l2", Side.SELL, OrderType.LIMIT, D(1), price=D("0.12341")))
        r.broker.submit(
            Order("s1", Side.BUY, OrderType.STOP_LIMIT, D(1), trigger=D("151.125"), price=D("152"))
        )
        r.broker.submit(
            Order("t1", Side.SELL, OrderType.TRAILING_STOP, D(1), trail=Trail.amount(D("0.123456")))
        )
        l1, l2, s1, t1 = r.venue.orders
        assert l1.price == D("150.12")  # a buy limit rounds down: never pays more
        assert l2.price == D("0.1235")  # a sell limit rounds up; sub-dollar: 4 decimals
        assert s1.aux == D("151.13")  # a trigger to the nearest cent
        assert t1.trail_value == D("0.1235")  # a trail amount: 4 decimals


@given(
    price=st.decimals(min_value=D("0.0001"), max_value=D("5000"), places=6),
    side=st.sampled_from(list(Side)),
)
def test_limit_rounding_stays_on_the_grid_and_on_the_safe_side(price: D, side: Side) -> None:
    rounded = round_limit(price, side)
    tick = D("0.01") if rounded >= 1 else D("0.0001")
    assert rounded % tick == 0 or (rounded < 1 <= price)
    assert (rounded <= price) if side is Side.BUY else (rounded >= price)
    assert abs(rounded - price) < D("0.01")
    assert abs(round_trigger(price) - price) <= D("0.005")


def test_sessions_map_to_futu_words() -> None:
    base = Order("x", Side.BUY, OrderType.LIMIT, D(1), price=D(10))
    assert outgoing(base, None)["session"] == "RTH" and not outgoing(base, None)["fill_outside_rth"]
    eth = outgoing(
        Order("x", Side.BUY, OrderType.LIMIT, D(1), price=D(10), session=Session.ETH), None
    )
    assert (eth["session"], eth["fill_outside_rth"]) == ("ETH", True)
    widened = outgoing(base, Session.ALL)  # FUTU_SESSION widens the default RTH
    assert (widened["session"], widened["fill_outside_rth"]) == ("ALL", True)


def test_a_sell_trailing_stop_fires_at_the_peak_less_the_trail() -> None:
    # Bid peaks at 152.00 on UP, then DOWN falls to 149: the stop at 151.00 is met on the way.
    with rig((FLAT, UP, DOWN, FLAT)) as r:
        r.broker.submit(Order("buy", Side.BUY, OrderType.MARKET, D(5)))
        r.broker.submit(
            Order("trail", Side.SELL, OrderType.TRAILING_STOP, D(5), trail=Trail.amount(D(1)))
        )
        r.step(3)
        fills = {f.client_id: f for f in r.broker.fills_since(None).fills}
        assert fills["trail"].price == D("151.00") and fills["trail"].side is Side.SELL
        assert r.consumer.kinds("trail") == ["accepted", "filled"]
        assert sum(p.qty for p in r.broker.positions()) == 0


def test_a_market_order_outside_regular_hours_is_refused_with_the_venues_reason() -> None:
    with rig(start=datetime(2025, 1, 6, 8, 0)) as r:  # pre-market
        with pytest.raises(OrderRejected, match="outside regular trading hours"):
            r.broker.submit(Order("m", Side.BUY, OrderType.MARKET, D(1)))
        assert r.consumer.kinds("m") == [] and r.broker.lookup("m") is None
        # An extended-hours limit works in the pre-market.
        r.broker.submit(
            Order("e", Side.BUY, OrderType.LIMIT, D(1), price=D("151"), session=Session.ETH)
        )
        r.step(1)
        assert r.consumer.kinds("e") == ["accepted", "filled"]


def test_a_client_id_longer_than_the_remark_is_refused_before_anything_is_sent() -> None:
    with rig() as r:
        before = len(r.venue.requests)
        with pytest.raises(OrderRejected, match="64-byte remark"):
            r.broker.submit(Order("é" * 33, Side.BUY, OrderType.LIMIT, D(1), price=D(1)))
        assert 2202 not in r.venue.requests[before:]


def test_a_trailing_activation_price_is_refused_not_dropped() -> None:
    with rig() as r:
        order = Order(
            "act",
            Side.SELL,
            OrderType.TRAILING_STOP,
            D(1),
            trail=Trail.amount(D(1)),
            activation=D(155),
        )
        with pytest.raises(OrderRejected, match="activation"):
            r.broker.submit(order)
        assert r.venue.orders == []


def test_a_restarted_client_finds_its_orders_by_remark() -> None:
    with rig() as r:
        r.broker.submit(Order("keep", Side.BUY, OrderType.LIMIT, D(3), price=D(140)))
        r.broker.close()
        from futu_rig import make_broker

        host, port = "127.0.0.1", r.venue._listener.getsockname()[1]  # type: ignore[union-attr]
        fresh = make_broker(r.venue, host, port)
        try:
            report = fresh.lookup("keep")
            assert report is not None and report.venue_id == str(r.venue.orders[0].id)
            with pytest.raises(OrderRejected, match="in use"):
                fresh.submit(Order("keep", Side.BUY, OrderType.LIMIT, D(3), price=D(140)))
            fresh.cancel("keep")
            assert fresh.lookup("keep").status is OrderStatus.CANCELLED  # type: ignore[union-attr]
        finally:
            fresh.close()
