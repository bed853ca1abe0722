"""The streams: closed klines only, a listenKey that dies silently, the 24-hour cut, duplicate
frames, orders Binance or a person placed, and feed states."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal as D

import pytest
from binance_rig import DOWN, FAST, FLAT, UP, Rig, wait_for

from tradeplan.core.enums import OrderType, Side
from tradeplan.orders.model import Order, OrderStatus
from tradeplan.ports.live import FeedState

BARS = (FLAT, FLAT, UP, DOWN, FLAT, FLAT, FLAT, FLAT)


@pytest.fixture
def rig() -> Iterator[Rig]:
    made = Rig(BARS)
    yield made
    made.close()


def buy(cid: str, qty: str = "0.01") -> Order:
    return Order(cid, Side.BUY, OrderType.MARKET, D(qty))


def test_only_closed_klines_are_bars_and_history_reads_klines(rig: Rig) -> None:
    rig.step(3)
    assert len(rig.listener.bars) == 3  # the fake sends a forming kline before each closed one
    assert rig.listener.bars[2].high == D("50500.0") and rig.listener.bars[2].close == D("50400.0")
    assert rig.listener.bars[1].close_time == rig.listener.bars[2].open_time
    history = rig.client.history(2)
    assert history == tuple(rig.listener.bars[1:])
    assert rig.client.history(0) == ()


def test_duplicate_frames_are_passed_on_with_the_same_seq(rig: Rig) -> None:
    rig.fake.faults.duplicate_frames = True
    rig.client.submit(buy("x1"))
    rig.step()
    fills = [u for u in rig.listener.updates if u.kind.value == "filled"]
    assert len(fills) == 2 and fills[0].seq == fills[1].seq and fills[0].trade_id
    accepted = [u for u in rig.listener.updates if u.kind.value == "accepted"]
    assert len({u.seq for u in accepted}) == 1


def test_a_listen_key_that_dies_silently_is_replaced_and_the_gap_read_back(rig: Rig) -> None:
    rig.client.submit(Order("l1", Side.BUY, OrderType.LIMIT, D("0.01"), price=D("49800")))
    rig.settle()
    rig.fake.expire_listen_key()
    rig.step(4)  # DOWN fills l1; the dead key hears nothing of it
    wait_for(lambda: FeedState.RECONNECTING in rig.listener.states, "the keepalive to fail")
    wait_for(
        lambda: rig.client.feed_state is FeedState.LIVE and rig.fake.connected("user"),
        "a new listenKey",
    )
    assert rig.listener.kinds("l1") == ["accepted"]
    report = rig.client.lookup("l1")
    assert report is not None and report.status is OrderStatus.FILLED
    rig.client.submit(buy("l2"))  # the new stream carries updates again
    rig.step()
    assert rig.listener.kinds("l2") == ["accepted", "filled"]
    assert len(rig.fake.listen_keys) == 1


def test_the_24_hour_cut_reconnects_both_streams(rig: Rig) -> None:
    rig.step()
    rig.fake.cut_streams()
    wait_for(
        lambda: (
            rig.fake.connected("user")
            and rig.fake.connected("market")
            and rig.client.feed_state is FeedState.LIVE
        ),
        "the streams to come back",
    )
    rig.client.submit(buy("c1"))
    rig.step()
    assert rig.listener.kinds("c1") == ["accepted", "filled"]
    assert rig.listener.states[-2:] == [FeedState.RECONNECTING, FeedState.LIVE]
    assert len(rig.listener.bars) == 2


def test_a_position_closed_by_hand_and_a_liquidation_are_reported_as_not_ours(rig: Rig) -> None:
    rig.client.submit(buy("p1", "0.02"))
    rig.step()
    rig.fake.manual_order(Side.SELL, D("0.01"), "web_1a2b3c")
    rig.step()
    assert rig.client.positions()[0].qty == D("0.01")
    rig.fake.manual_order(Side.SELL, D("0.01"), "autoclose-1736121600000")
    rig.step()
    assert rig.client.positions() == ()
    foreign = [u for u in rig.listener.updates if u.kind.value == "filled" and u.order.id != "p1"]
    assert [u.order.id for u in foreign] == ["web_1a2b3c", "autoclose-1736121600000"]
    assert foreign[1].reason == "liquidation by Binance"
    fills = rig.client.fills_since(None).fills
    assert [f.client_id for f in fills] == ["p1", "web_1a2b3c", "autoclose-1736121600000"]


def test_a_watch_is_emulated_from_the_kline_stream(rig: Rig) -> None:
    rig.client.watch("w1", Side.SELL, D("50300"))
    rig.client.watch("w2", Side.BUY, D("49000"))
    rig.step(4)
    assert [(t.watch_id, t.price) for t in rig.listener.touches] == [("w1", D("50300"))]
    rig.client.unwatch("w2")


def test_a_feed_without_closed_bars_goes_stale_and_comes_back() -> None:
    rig = Rig(BARS, stale_after=0.1, tuning=FAST)
    try:
        wait_for(lambda: rig.client.feed_state is FeedState.STALE, "STALE", timeout=3)
        rig.step()
        assert rig.client.feed_state is FeedState.LIVE
        assert rig.listener.states[-2:] == [FeedState.STALE, FeedState.LIVE]
    finally:
        rig.close()


def test_a_restarted_client_reads_orders_placed_before_it(rig: Rig) -> None:
    rig.client.submit(Order("r1", Side.SELL, OrderType.STOP, D("0.01"), trigger=D("49700")))
    rig.client.submit(Order("r2", Side.BUY, OrderType.LIMIT, D("0.01"), price=D("40000")))
    rig.client.submit(
        Order(
            "r3", Side.SELL, OrderType.STOP_LIMIT, D("0.01"), trigger=D("49700"), price=D("51000")
        )
    )
    rig.step(4)  # DOWN triggers r1 and r3 (which then rests as a limit)
    fresh = rig.new_client()
    try:
        report = fresh.lookup("r1")
        assert report is not None and report.status is OrderStatus.FILLED
        assert report.order.type is OrderType.STOP and report.order.trigger == D("49700")
        working = {r.client_id: r for r in fresh.open_orders()}
        assert sorted(working) == ["r2", "r3"]
        assert working["r3"].order.type is OrderType.STOP_LIMIT
        assert working["r3"].status is OrderStatus.TRIGGERED
        assert [f.client_id for f in fresh.fills_since(None).fills] == ["r1"]
        fresh.cancel("r2")
        fresh.cancel("r3")
        assert fresh.open_orders() == ()
    finally:
        fresh.close()
