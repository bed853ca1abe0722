"""A broker talking nonsense does not crash a run, and is not believed.

A real engine runs on the paper broker while a listener in between injects bad updates
(`engine.on_order_update`): a second FILLED for a filled entry, a FILLED for an order that was
cancelled, a FILLED for an order nobody sent, and a FILLED for twice an entry's quantity. The
run goes on exactly as without them (trades and orders.csv unchanged, nothing booked twice);
each one is a row `order_update_rejected` of alerts.csv and a reconcile request.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal as D
from pathlib import Path

from backtest_harness import EXCHANGE, bars, flags, fx_plan

from tradeplan.backtest.replay import replay
from tradeplan.brokers.paper.broker import PaperAccount, PaperBroker
from tradeplan.core.enums import OrderType, Side
from tradeplan.orders.model import Order, OrderEvent, OrderStatus
from tradeplan.ports.broker import OrderUpdate, PriceTouch
from tradeplan.reporting.csv_out import write_alerts_csv
from tradeplan.runtime.engine import Engine, EngineConfig, EngineResult, RuleInputs

MARKET_10K = "    order: market\n    units: 10000\n"
TP_SL_100 = "  take_profit: 100 pips\n  stop_loss: 100 pips\n"
ROWS = [
    ("108.90", "109.00", "108.80", "108.95", "0.01"),  # 0: signal
    ("108.99", "109.10", "108.90", "109.05", "0.01"),  # 1: the long (order 1) fills at 109.00
    ("109.50", "110.20", "109.40", "110.10", "0.01"),  # 2: take profit 2 fills, stop 3 cancelled
    ("110.00", "110.10", "109.90", "110.00", "0.01"),  # 3: signal again
    ("110.00", "110.10", "109.90", "110.00", "0.01"),  # 4: the long (order 4) fills at 110.01
    ("110.00", "110.10", "109.90", "110.00", "0.01"),  # 5: closed at the end of data
]
UNKNOWN = Order("999", Side.SELL, OrderType.MARKET, D(10000))


def _bad(real: OrderUpdate) -> list[OrderUpdate]:
    """The nonsense to send right after a real update."""
    key = (real.order.id, real.kind)
    if key == ("1", OrderEvent.FILLED):
        return [real]  # the same fill reported twice, with its sequence number: a repeat
    # The others come without a sequence number (seq 0), as from a broker that gives none, so
    # the state table itself must refuse them.
    if key == ("3", OrderEvent.CANCELLED):  # the stop filled after it was cancelled
        filled = replace(real, kind=OrderEvent.FILLED, fill_price=D("107.99"), fill_qty=D(10000))
        return [replace(filled, seq=0)]
    if key == ("2", OrderEvent.FILLED):
        return [replace(real, order=UNKNOWN, seq=0)]  # a fill for an order never sent
    if key == ("4", OrderEvent.ACCEPTED):  # a fill for twice the quantity, before the real one
        doubled = replace(real, kind=OrderEvent.FILLED, fill_price=D("110.01"), fill_qty=D(20000))
        return [replace(doubled, seq=0)]
    return []


class Injector:
    """Sits between the paper broker and the engine; passes everything on, adds `_bad`."""

    def __init__(self, engine: Engine, inject: bool) -> None:
        self.engine = engine
        self.inject = inject

    def on_order_update(self, update: OrderUpdate) -> None:
        self.engine.on_order_update(update)
        if self.inject:
            for bad in _bad(update):
                self.engine.on_order_update(bad)

    def on_price_touch(self, touch: PriceTouch) -> None:
        self.engine.on_price_touch(touch)


def run(*, inject: bool, step_mode: bool = False) -> tuple[Engine, EngineResult]:
    plan = fx_plan(MARKET_10K, TP_SL_100)
    data = bars(ROWS)
    inputs = {"r": RuleInputs(flags(len(ROWS), [0, 3]))}
    balance = D(10_000_000)
    broker = PaperBroker(data, plan.instrument, EXCHANGE, account=PaperAccount("JPY", balance))
    engine = Engine(
        plan, broker, data, inputs, EngineConfig(balance, "JPY"), excursion=broker.excursion
    )
    broker.connect(Injector(engine, inject))
    replay(engine, broker, step_mode=step_mode)
    return engine, engine.result()


def alerts_csv(result: EngineResult, tmp_path: Path) -> list[dict[str, str]]:
    path = write_alerts_csv(tmp_path / "alerts.csv", result.alerts)
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _trades(result: EngineResult) -> Sequence[tuple[object, ...]]:
    return [(t.entry_price, t.exit_price, t.qty, t.exit_reason.value, t.pnl) for t in result.trades]


def test_bad_updates_are_refused_and_the_run_goes_on(tmp_path: Path) -> None:
    _, clean = run(inject=False)
    engine, result = run(inject=True)
    assert _trades(clean) == [
        (D("109.00"), D("110.000"), D(10000), "take_profit", D("10000")),
        (D("110.01"), D("110.00"), D(10000), "end_of_data", D("-100")),
    ]
    # Nothing booked twice, nothing lost: the same trades, orders.csv and equity as without.
    assert _trades(result) == _trades(clean)
    assert result.orders == clean.orders
    assert result.equity.exact(len(ROWS) - 1) == clean.equity.exact(len(ROWS) - 1)
    assert not engine.ledger.open

    rows = alerts_csv(result, tmp_path)
    assert [(r["kind"], r["order_id"], r["slot"]) for r in rows] == [
        ("order_update_rejected", "1", "r"),
        ("order_update_rejected", "3", "r"),  # the cancel comes while the take profit fills
        ("order_update_rejected", "999", ""),
        ("order_update_rejected", "4", "r"),
    ]
    said = [r["message"] for r in rows]
    assert said[0].startswith("the broker reported order 1 as filled, but its sequence number")
    assert "a stale or repeated report" in said[0]
    assert "order 3 as filled, but it is cancelled" in said[1]
    assert said[2].startswith(
        "the broker reported order 999 as filled, but this run never sent an order 999"
    )
    assert "order 4 as filled, but a fill of 20000 is more than the 10000 left" in said[3]
    assert all("reconcile" in message for message in said)

    requests = engine.reconcile_requests
    assert [(r.order_id, r.reported, r.status) for r in requests] == [
        ("1", OrderEvent.FILLED, OrderStatus.FILLED),
        ("3", OrderEvent.FILLED, OrderStatus.CANCELLED),
        ("999", OrderEvent.FILLED, None),
        ("4", OrderEvent.FILLED, OrderStatus.ACCEPTED),
    ]
    assert [r.time for r in requests] == [a.time for a in result.alerts]


def test_jumping_equals_stepping_with_bad_updates() -> None:
    jumping = run(inject=True)[1]
    stepping = run(inject=True, step_mode=True)[1]
    assert jumping.trades == stepping.trades
    assert jumping.orders == stepping.orders
    assert jumping.alerts == stepping.alerts


def test_the_book_knows_every_order_and_its_final_state() -> None:
    engine, _ = run(inject=True)
    book = engine.book
    assert [(i, book.status(i).value if book.status(i) else None) for i in "123456"] == [
        ("1", "filled"),
        ("2", "filled"),
        ("3", "cancelled"),
        ("4", "filled"),
        ("5", "cancelled"),
        ("6", "cancelled"),
    ]
