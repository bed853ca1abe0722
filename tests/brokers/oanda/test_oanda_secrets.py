"""The token never reaches a log line, an exception or a repr, whatever goes wrong.

Everything is logged at DEBUG (the SDK's, requests', urllib3's and the adapter's loggers) over
a session that meets a bad token, refusals, a lost reply, a 503 and a dropped stream.
"""

from __future__ import annotations

import logging
from decimal import Decimal as D

import pytest
from fake_oanda import TOKEN
from oanda_support import USD_JPY, Connect, step, wait_for

from tradeplan.brokers.oanda import open_live
from tradeplan.core.enums import OrderType, Side
from tradeplan.orders.model import Order
from tradeplan.ports.adapters import AdapterConfigError, AdapterRequest
from tradeplan.ports.live import OrderRejected, OutcomeUnknown


class Quiet:
    def on_order_update(self, update: object) -> None: ...
    def on_price_touch(self, touch: object) -> None: ...
    def on_bar(self, bar: object) -> None: ...
    def on_feed_state(self, state: object, detail: str) -> None: ...


def test_no_log_line_or_error_quotes_the_token(
    oanda: Connect, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[str] = []
    fake, broker = oanda(timeout=0.3)
    broker.connect(Quiet())
    broker.subscribe(Quiet())
    wrong = fake.environ(OANDA_TOKEN=TOKEN[::-1])
    try:
        open_live(AdapterRequest(USD_JPY, 60, wrong, connect_timeout=1.0))
    except AdapterConfigError as exc:
        errors.append(str(exc))
    fake.faults.reject_reason = "MARKET_HALTED"
    fake.faults.timeout_delay = 0.5
    for fault in ("reject", "timeout", "503", "precision"):
        if fault == "timeout":
            fake.faults.timeout_submit = True
        if fault == "503":
            fake.faults.fail_after_create = 503
        price = D("149.5001") if fault == "precision" else D("149.500")
        try:
            broker.submit(Order(f"s-{fault}", Side.BUY, OrderType.LIMIT, D(1000), price=price))
        except (OrderRejected, OutcomeUnknown) as exc:
            errors.append(str(exc))
    fake.disconnect()
    wait_for(lambda: not broker.connected)
    fake.reconnect()
    wait_for(lambda: broker.connected)
    step(fake, broker, 1)
    broker.lookup("s-timeout")
    assert len(errors) == 5
    assert caplog.records  # the SDK and the adapter did log
    for text in [*errors, caplog.text, repr(broker), *(str(r.args) for r in caplog.records)]:
        assert TOKEN not in text and TOKEN[::-1] not in text
