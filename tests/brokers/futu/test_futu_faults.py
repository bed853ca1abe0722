"""Futu's own failure modes beyond the conformance suite's: a lock mid-run and after a
reconnect, a TIMEOUT status, rate-limit replies, a quote subscription the gateway dropped, a
push after the reply."""

from __future__ import annotations

from decimal import Decimal as D
from time import monotonic, sleep

import pytest
from futu_rig import FLAT, PASSWORD, PASSWORD_MD5, rig

from tradeplan.brokers.futu.replies import RateWindow
from tradeplan.core.enums import OrderType, Side
from tradeplan.orders.model import Order, OrderStatus
from tradeplan.ports.live import BrokerUnavailable, FeedState, OutcomeUnknown

PLACE = 2202


def limit(cid: str, price: str = "149.00") -> Order:
    return Order(cid, Side.BUY, OrderType.LIMIT, D(10), price=D(price))


def test_a_lock_reported_mid_run_is_answered_by_one_unlock_and_the_order_goes_in() -> None:
    with rig() as r:
        unlocks = len(r.venue.unlock_calls)
        r.venue.locked = True
        r.broker.submit(limit("after-lock"))
        assert len(r.venue.unlock_calls) == unlocks + 1
        assert r.venue.unlock_calls[-1] == PASSWORD_MD5  # the MD5 on the wire, never the text
        assert PASSWORD not in r.venue.unlock_calls
        assert r.venue.requests.count(PLACE) == 2  # refused once as locked, then placed
        assert r.consumer.kinds("after-lock") == ["accepted"]


def test_a_lock_after_a_reconnect_is_undone_by_the_sdks_own_unlock() -> None:
    with rig() as r:
        r.venue.lock_after_reconnect = True
        r.venue.suspend()
        deadline = monotonic() + 5
        while r.broker.connected and monotonic() < deadline:
            sleep(0.005)
        r.venue.resume()
        assert r.broker.wait_connected(10)
        r.broker.submit(limit("after-reconnect"))
        assert r.consumer.kinds("after-reconnect") == ["accepted"]
        assert r.consumer.states[-2:] == [FeedState.RECONNECTING, FeedState.LIVE]


def test_a_timeout_status_is_resolved_by_asking_the_server_before_anything_else() -> None:
    with rig() as r:
        r.venue.timeout_status_next()
        r.broker.submit(limit("in-doubt"))
        assert r.venue.requests.count(PLACE) == 1  # never sent twice
        report = r.broker.lookup("in-doubt")
        assert report is not None and report.status is OrderStatus.ACCEPTED
        assert r.consumer.kinds("in-doubt") == ["accepted"]


def test_one_rate_limit_reply_is_waited_out_and_two_leave_the_outcome_open() -> None:
    with rig() as r:
        r.venue.rate_limit(PLACE)
        r.broker.submit(limit("paced"))
        assert r.consumer.kinds("paced") == ["accepted"]
        r.venue.rate_limit(PLACE, times=2)
        with pytest.raises(OutcomeUnknown, match="rate limit"):
            r.broker.submit(limit("refused-twice"))
        assert r.broker.lookup("refused-twice") is None  # proved absent: safe to send again
        r.broker.submit(limit("refused-twice"))
        assert r.consumer.kinds("refused-twice") == ["accepted"]


def test_a_rate_limited_query_is_unavailable_not_empty() -> None:
    with rig() as r:
        r.broker.submit(limit("q"))
        r.venue.rate_limit(2201)
        with pytest.raises(BrokerUnavailable, match="rate limited"):
            r.broker.open_orders()
        assert [o.client_id for o in r.broker.open_orders()] == ["q"]


def test_a_push_after_the_reply_is_still_one_report() -> None:
    with rig() as r:
        r.venue.push_before_reply = False
        r.broker.submit(limit("late-push"))
        r.settle()
        assert r.consumer.kinds("late-push") == ["accepted"]


def test_a_dropped_quote_subscription_goes_stale_and_is_made_again() -> None:
    with rig((FLAT,) * 6, stale_after=0.3) as r:
        r.step(1)
        assert len(r.consumer.bars) == 1
        r.venue.drop_quote_subscription()
        r.venue.step(1)  # this bar is lost with the subscription
        deadline = monotonic() + 5
        while FeedState.STALE not in r.consumer.states and monotonic() < deadline:
            sleep(0.02)
        assert FeedState.STALE in r.consumer.states
        deadline = monotonic() + 5
        while r.venue.kl_dropped and monotonic() < deadline:
            sleep(0.02)
        r.step(1)
        assert len(r.consumer.bars) == 2
        assert r.consumer.states[-1] is FeedState.LIVE


def test_history_is_the_closed_bars_oldest_first() -> None:
    history = (("149.00", "149.50", "148.50", "149.20"), ("149.20", "149.80", "149.00", "149.70"))
    with rig((FLAT,) * 3, venue_args={"history": history}) as r:
        r.step(1)
        bars = r.broker.history(2)
        assert [b.close for b in bars] == [D("149.70"), D("150.00")]
        assert bars[0].close_time < bars[1].close_time
        assert all(b.symbol == "US.NVDA" and b.spread == 0 for b in bars)


def test_a_watch_is_met_once_from_the_bars() -> None:
    with rig((FLAT, FLAT)) as r:
        r.broker.watch("w", Side.SELL, D("150.04"))
        r.step(2)
        assert [t.watch_id for t in r.consumer.touches] == ["w"]


def test_the_unlock_window_waits_just_long_enough_and_says_when_it_cannot() -> None:
    window = RateWindow(2, 0.2)
    started = monotonic()
    assert window.wait(1) and window.wait(1) and window.wait(1)
    assert 0.15 <= monotonic() - started < 1.0
    full = RateWindow(1, 30)
    assert full.wait(0)
    assert not full.wait(0.1)


def test_a_long_warm_up_reads_every_page_and_keeps_the_latest_bars() -> None:
    history = tuple(
        (
            f"{100 + i / 100:.2f}",
            f"{100 + i / 100:.2f}",
            f"{100 + i / 100:.2f}",
            f"{100 + i / 100:.2f}",
        )
        for i in range(1500)
    )
    with rig((FLAT,), venue_args={"history": history}) as r:
        bars = r.broker.history(1200)
        assert len(bars) == 1200  # Futu pages by 1000: both pages were read
        assert bars[-1].close == D("114.99") and bars[0].close == D("103.00")
        assert r.venue.requests.count(3103) == 2


def test_bars_closed_between_the_warm_up_and_the_subscription_are_not_lost() -> None:
    from futu_rig import Consumer

    with rig((FLAT, FLAT, FLAT)) as r:
        r.step(1)
        assert len(r.broker.history(5)) == 1  # the warm-up ends at the first bar
        r.step(1)  # closes before the run subscribes
        late = Consumer()
        r.broker.subscribe(late)
        assert [b.close_time for b in late.bars] == [r.consumer.bars[-1].close_time]


def test_a_lock_the_password_no_longer_opens_is_a_refusal_naming_the_setting() -> None:
    from tradeplan.ports.live import OrderRejected

    with rig() as r:
        r.venue.locked, r.venue.password_md5 = True, "0" * 32  # changed on the gateway's side
        with pytest.raises(OrderRejected, match="FUTU_TRADE_PASSWORD") as raised:
            r.broker.submit(limit("stale-password"))
        assert PASSWORD not in str(raised.value) and PASSWORD_MD5 not in str(raised.value)
        assert r.venue.orders == []


def test_the_quote_is_the_books_best_bid_and_ask() -> None:
    with rig((FLAT, FLAT), venue_args={"spread": D("0.02")}) as r:
        assert r.broker.quote() is None  # nothing seen yet
        r.step(1)
        quote = r.broker.quote()
        assert quote is not None and (quote.bid, quote.ask) == (D("150.00"), D("150.02"))


def test_without_the_order_book_right_the_quote_is_the_last_close() -> None:
    from futu_fake_opend import FakeOpenD
    from futu_rig import CODE, Consumer, make_broker

    venue = FakeOpenD((FLAT, FLAT), code=CODE, password_md5=PASSWORD_MD5)
    venue.no_book_rights = True
    host, port = venue.start()
    broker = make_broker(venue, host, port)
    try:
        broker.subscribe(Consumer())
        venue.step(1)
        deadline = monotonic() + 5
        while broker.quote() is None and monotonic() < deadline:
            sleep(0.01)
        quote = broker.quote()
        assert quote is not None and quote.bid == quote.ask == D("150.00")
    finally:
        broker.close()
        venue.close()
