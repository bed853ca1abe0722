"""On OANDA the 2% rule sizes with OANDA's own conversion of the quote currency into the
account's (`quoteHomeConversionFactors`, their mid), read when the bot starts and kept current
by the pricing stream, and is capped by the margin OANDA says is free (issue 11).

A JPY account trading EUR/USD (the fake streams the bundled minutes as its prices): the plan
names no USD/JPY rate, and a backtest would need `--rate`; live, OANDA says 150.0 / 151.0
(mid 150.5), then 140.0 / 141.0 (mid 140.5).
"""

from __future__ import annotations

import gzip
import io
import time
from collections.abc import Iterator
from decimal import Decimal as D
from pathlib import Path

import pytest
from fake_oanda import FakeOanda

from tradeplan import api
from tradeplan.backtest.data import parse_market_data
from tradeplan.brokers.oanda import open_live
from tradeplan.brokers.paper.broker import PaperAccount
from tradeplan.brokers.paper.fills import FillConfig
from tradeplan.brokers.paper.live_venue import LivePaperVenue
from tradeplan.core.instrument import default_instrument
from tradeplan.live.logs import EventLog
from tradeplan.live.runner import LiveRunner, StrategySource
from tradeplan.live.store import StateStore
from tradeplan.ports.adapters import AdapterRequest
from tradeplan.ports.live import ConvertsToAccount
from tradeplan.runtime.engine import Engine

ROOT = Path(__file__).resolve().parents[3]
EURUSD = default_instrument("EUR/USD")
STRATEGY = """\
tradeplan: 1
name: jpy-account
instrument: {symbol: EUR/USD}
account: {currency: JPY, balance: 1000000, leverage: 20}
broker: oanda
entries:
  - {name: up, side: long, when: close crosses_above 110.00}
sizing: {risk: 1%}
exits:
  stop_loss: 20 pips
"""


@pytest.fixture
def fake() -> Iterator[FakeOanda]:
    with gzip.open(ROOT / "data" / "usdjpy_1m_2025.csv.gz", "rt", encoding="utf-8") as data:
        text = "".join(next(data) for _ in range(601))
    venue = LivePaperVenue(
        parse_market_data(text), EURUSD, FillConfig(), account=PaperAccount("JPY", D(10**6), D(20))
    )
    fake = FakeOanda(venue=venue, currency="JPY", balance=D(10**6))
    fake.home_factors = ("150.0", "151.0")
    fake.start()
    fake.step(100)
    try:
        yield fake
    finally:
        fake.close()


def _run(fake: FakeOanda, tmp_path: Path):  # type: ignore[no-untyped-def]
    broker = open_live(AdapterRequest(EURUSD, 60, fake.environ()))
    path = tmp_path / "jpy-account.yaml"
    path.write_text(STRATEGY, encoding="utf-8")
    loaded = api.load(path)
    assert loaded.plan is not None, loaded.diagnostics
    store = StateStore.open(tmp_path / "state")
    log = EventLog(tmp_path / "state" / "events.jsonl", io.StringIO())
    source = StrategySource("jpy-account", path, loaded.plan, STRATEGY)
    runner = LiveRunner(broker, store, [source], bar_seconds=60, log=log)
    return broker, runner, loaded.plan.rules[0], (log, store)


def _size(engine: Engine, rule: object, bars: int) -> D:
    return engine.size(rule, D("110.000"), bars - 1)  # type: ignore[arg-type]


def test_the_rate_is_oandas_and_follows_the_stream(fake: FakeOanda, tmp_path: Path) -> None:
    broker, runner, _, closing = _run(fake, tmp_path)
    try:
        assert isinstance(broker, ConvertsToAccount)
        engine = runner.strategies[0].engine
        assert engine.config.quote_rate(D("110.000")) == D("150.5")
        assert engine.ledger.initial_balance == D(10**6)  # the account's, at start
        broker.subscribe(runner)
        fake.home_factors = ("140.0", "141.0")
        fake.step(3)
        deadline = time.monotonic() + 5
        while engine.config.quote_rate(D("110.000")) != D("140.5"):
            assert time.monotonic() < deadline, "the stream's new factors were not taken"
            time.sleep(0.01)
    finally:
        broker.close()
        for each in closing:
            each.close()


def test_a_risk_size_uses_oandas_rate_and_is_capped_by_its_free_margin(
    fake: FakeOanda, tmp_path: Path
) -> None:
    """1% of 1,000,000 JPY over the 20-pip stop would be some 13,000 units, more than the
    balance's margin at 20x buys (20,000,000 JPY of EUR at 110.000 x 150.5 JPY a unit: 1,208);
    OANDA says only 100,000 JPY of margin is free, which buys 120."""
    fake.margin_available = D(100_000)
    broker, runner, rule, closing = _run(fake, tmp_path)
    try:
        run = runner.strategies[0]
        assert _size(run.engine, rule, run.bars.count) == D(120)
        fake.margin_available = None  # OANDA says nothing: the balance's margin caps alone
        assert _size(run.engine, rule, run.bars.count) == D(1208)
    finally:
        broker.close()
        for each in closing:
            each.close()
