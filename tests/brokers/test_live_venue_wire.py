"""The paper venue's wire: exact values both ways, a strict server, a client that never mistakes
a silence for an answer, and listeners that may command from inside a push."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from typing import Any

import pytest

from tradeplan.backtest.data import parse_market_data
from tradeplan.brokers.paper import wire
from tradeplan.brokers.paper.fills import FillConfig
from tradeplan.brokers.paper.live_venue import LivePaperVenue
from tradeplan.brokers.paper.remote import RemotePaperBroker
from tradeplan.core.enums import OrderType, Side
from tradeplan.core.instrument import default_instrument
from tradeplan.live.paper_server import PaperServer
from tradeplan.orders.model import Order, OrderEvent, OrderStatus, OrderTag, Trail
from tradeplan.ports import codec
from tradeplan.ports.broker import OrderUpdate, PriceTouch
from tradeplan.ports.live import (
    BrokerUnavailable,
    FeedState,
    LiveBar,
    OrderRejected,
    OutcomeUnknown,
)

USDJPY = default_instrument("USD/JPY")
T0 = datetime(2025, 1, 6, tzinfo=UTC)
FLAT = ("150.000", "150.050", "149.950", "150.000")
WIDE = ("150.000", "152.000", "148.000", "150.000")


def venue(rows: list[tuple[str, str, str, str]]) -> LivePaperVenue:
    lines = ["time,open,high,low,close,volume"] + [
        f"{(T0 + timedelta(minutes=i)).isoformat()},{','.join(r)},1250.5"
        for i, r in enumerate(rows)
    ]
    data = parse_market_data("\n".join(lines), default_spread="0.010")
    return LivePaperVenue(data, USDJPY, FillConfig(), volume=data.volume)


class Listener:
    def __init__(self) -> None:
        self.updates: list[OrderUpdate] = []
        self.bars: list[LiveBar] = []
        self.states: list[FeedState] = []

    def on_order_update(self, update: OrderUpdate) -> None:
        self.updates.append(update)

    def on_price_touch(self, touch: PriceTouch) -> None:
        pass

    def on_bar(self, bar: LiveBar) -> None:
        self.bars.append(bar)

    def on_feed_state(self, state: FeedState, detail: str) -> None:
        self.states.append(state)


@pytest.fixture
def served() -> Iterator[tuple[LivePaperVenue, PaperServer]]:
    live = venue([FLAT, WIDE, FLAT])
    server = PaperServer(live)
    server.start()
    yield live, server
    server.close()
    live.close()


def client(server: PaperServer, timeout: float = 2.0) -> RemotePaperBroker:
    host, port = server.address
    return RemotePaperBroker(host, port, timeout=timeout, backoff=(0.01, 0.05))


def through_json(data: Any) -> Any:
    return json.loads(json.dumps(data))


def test_every_value_crosses_the_wire_exactly() -> None:
    live = venue([FLAT, WIDE, FLAT])
    listener = Listener()
    live.connect(listener)
    live.subscribe(listener)
    live.submit(
        Order(
            "a",
            Side.BUY,
            OrderType.LIMIT,
            D("1000"),
            price=D("149.500"),
            tag=OrderTag.ENTRY,
            oco="g1",
            slot="s1",
        )
    )
    live.submit(
        Order("t", Side.SELL, OrderType.TRAILING_STOP_LIMIT, D("1.50"), trail=Trail.ratio(D("0.4")),
              limit_offset=D("0.010"), activation=D("151.000"))
    )  # fmt: skip
    live.step()
    live.step()
    assert len(listener.updates) >= 3
    for update in listener.updates:
        assert codec.update_from_data(through_json(codec.update_to_data(update))) == update
    for bar in listener.bars:
        assert codec.bar_from_data(through_json(codec.bar_to_data(bar))) == bar
    assert listener.bars[0].volume == D("1250.5")
    for report in (live.lookup("a"), live.lookup("t")):
        assert codec.report_from_data(through_json(codec.report_to_data(report))) == report
    batch = live.fills_since(None)
    assert codec.batch_from_data(through_json(codec.batch_to_data(batch))) == batch
    for position in live.positions():
        assert codec.position_from_data(through_json(codec.position_to_data(position))) == position
    account, quote = live.account(), live.quote()
    assert codec.account_from_data(through_json(codec.account_to_data(account))) == account
    assert codec.quote_from_data(through_json(codec.quote_to_data(quote))) == quote
    filled = next(u for u in listener.updates if u.order.id == "a" and u.fill_qty)
    text = json.dumps(codec.update_to_data(filled), separators=(",", ":"))
    assert '"fill_price":"149.500"' in text and '"fill_qty":"1000"' in text  # text, not floats


def raw(server: PaperServer) -> tuple[socket.socket, Any]:
    sock = socket.create_connection(server.address, timeout=2)
    return sock, sock.makefile("rb")


def ask(sock: socket.socket, stream: Any, message: dict[str, Any] | bytes) -> dict[str, Any]:
    sock.sendall(message if isinstance(message, bytes) else wire.encode(message))
    while True:
        answer = json.loads(stream.readline())
        if "push" not in answer:
            return dict(answer)


def test_the_server_refuses_what_is_not_its_protocol(
    served: tuple[LivePaperVenue, PaperServer],
) -> None:
    live, server = served
    sock, stream = raw(server)
    with sock:
        assert ask(sock, stream, b"not json\n")["error"]["kind"] == wire.BAD_REQUEST
        early = ask(sock, stream, {"id": 1, "op": "open_orders"})
        assert (early["re"], early["error"]["kind"]) == (1, wire.BAD_REQUEST)
        old = ask(sock, stream, {"id": 2, "op": "hello", "version": 99})
        assert "version" in old["error"]["message"]
        hello = ask(sock, stream, {"id": 3, "op": "hello", "version": wire.PROTOCOL_VERSION})
        assert hello["ok"] and hello["result"]["profile"] == "paper"
        assert hello["result"]["feed"] == "live"
        unknown = ask(sock, stream, {"id": 4, "op": "teleport"})
        assert unknown["error"]["kind"] == wire.BAD_REQUEST
        bad = ask(sock, stream, {"id": 5, "op": "submit", "order": {"id": "x", "qty": 1.5}})
        assert bad["error"]["kind"] == wire.BAD_REQUEST
        cursor = ask(sock, stream, {"id": 6, "op": "fills_since", "cursor": "yesterday"})
        assert cursor["error"]["kind"] == wire.BAD_REQUEST
    assert live.open_orders() == ()


def test_a_refusal_names_the_order(served: tuple[LivePaperVenue, PaperServer]) -> None:
    _, server = served
    broker = client(server)
    try:
        with pytest.raises(OrderRejected) as raised:
            broker.cancel("never-sent")
        assert raised.value.client_id == "never-sent"
    finally:
        broker.close()


def test_cut_off_commands_are_unknown_and_queries_unavailable(
    served: tuple[LivePaperVenue, PaperServer],
) -> None:
    _, server = served
    broker = client(server)
    try:
        server.suspend()
        assert _until_disconnected(broker)
        with pytest.raises(OutcomeUnknown):
            broker.submit(Order("x", Side.BUY, OrderType.MARKET, D(1)))
        with pytest.raises(BrokerUnavailable):
            broker.lookup("x")
        with pytest.raises(BrokerUnavailable):
            broker.open_orders()
        server.resume()
        assert broker.wait_connected(5)
        assert broker.lookup("x") is None  # the command never got there
    finally:
        broker.close()


def _until_disconnected(broker: RemotePaperBroker) -> bool:
    for _ in range(500):
        if not broker.connected:
            return True
        threading.Event().wait(0.01)
    return False


def test_a_listener_may_command_from_inside_a_push(
    served: tuple[LivePaperVenue, PaperServer],
) -> None:
    live, server = served
    broker = client(server)
    placed = threading.Event()

    class PlacesExits(Listener):
        def on_order_update(self, update: OrderUpdate) -> None:
            super().on_order_update(update)
            if update.kind is OrderEvent.FILLED and update.order.id == "entry":
                broker.submit(Order("exit", Side.SELL, OrderType.LIMIT, D(1000), price=D("151")))
                placed.set()

    listener = PlacesExits()
    try:
        broker.connect(listener)
        broker.submit(Order("entry", Side.BUY, OrderType.MARKET, D(1000)))
        live.step()
        assert placed.wait(5)
        report = broker.lookup("exit")
        assert report is not None and report.status is OrderStatus.ACCEPTED
        live.step()
        broker.ping()
        exit_report = broker.lookup("exit")
        assert exit_report is not None and exit_report.status is OrderStatus.FILLED
    finally:
        broker.close()


def test_the_end_of_the_feed_reaches_the_client_and_queries_go_on(
    served: tuple[LivePaperVenue, PaperServer],
) -> None:
    live, server = served
    broker = client(server)
    listener = Listener()
    try:
        broker.connect(listener)
        broker.subscribe(listener)
        broker.submit(Order("w", Side.BUY, OrderType.LIMIT, D(1000), price=D("140")))
        while live.step():
            pass
        broker.ping()
        assert listener.states == [FeedState.LIVE, FeedState.ENDED]
        assert len(listener.bars) == 3
        assert [r.client_id for r in broker.open_orders()] == ["w"]
        assert broker.quote() is None
        late = client(server)
        late_listener = Listener()
        late.subscribe(late_listener)
        late.ping()
        assert late_listener.states == [FeedState.ENDED]
        late.close()
    finally:
        broker.close()
