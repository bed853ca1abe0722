"""The key and the secret never reach a log line or an exception, whatever goes wrong."""

from __future__ import annotations

import logging
from decimal import Decimal as D

import pytest
from binance_rig import BTC, DOWN, FLAT, KEY, SECRET, UP, Rig, wait_for

from tradeplan.brokers.binance import open_live
from tradeplan.core.enums import OrderType, Side
from tradeplan.orders.model import Order
from tradeplan.ports.adapters import AdapterConfigError, AdapterRequest
from tradeplan.ports.live import FeedState, OrderRejected, OutcomeUnknown


def test_no_log_or_exception_quotes_the_key_or_the_secret(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    raised: list[str] = []
    rig = Rig((FLAT, UP, DOWN, FLAT, FLAT))
    try:
        client = rig.client
        for fault in ("503", "-1006", "lost", "reject:no permission"):
            rig.fake.faults.next_order.append(fault)
            try:
                client.submit(Order(f"s{fault[:4]}", Side.BUY, OrderType.MARKET, D("0.01")))
            except (OutcomeUnknown, OrderRejected) as exc:
                raised.append(repr(exc))
        rig.fake.faults.clock_skew_ms = 90_000
        rig.fake.faults.next_request.append("429")
        client.submit(Order("ok", Side.BUY, OrderType.MARKET, D("0.01")))
        rig.step(2)
        rig.fake.expire_listen_key()
        wait_for(lambda: FeedState.RECONNECTING in rig.listener.states, "a dead listenKey")
        for env in (
            rig.environ(BINANCE_API_SECRET=SECRET + "x"),
            rig.environ(BINANCE_API_KEY=KEY + "x"),
        ):
            with pytest.raises(AdapterConfigError) as bad:
                open_live(AdapterRequest(BTC, 60, env, connect_timeout=1.0))
            raised.append(repr(bad.value))
    finally:
        rig.close()
    text = caplog.text + "\n".join(raised)
    assert caplog.records and raised  # something was logged and raised
    assert KEY not in text and SECRET not in text
    assert KEY[:12] not in text and SECRET[:12] not in text
