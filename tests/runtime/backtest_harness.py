"""Small builders for engine-level tests: a plan from YAML text, data from rows, one run.

Signals are given as row numbers (the rows at whose close `when` is true), so a test says
exactly when the engine enters, independently of the expression evaluator.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np

from tradeplan.backtest.data import MarketData, parse_market_data
from tradeplan.backtest.replay import ReplayStats, replay
from tradeplan.brokers.paper.broker import PaperAccount, PaperBroker
from tradeplan.brokers.paper.fills import FillConfig
from tradeplan.compiler.pipeline import compile_source
from tradeplan.core.enums import FillProfile
from tradeplan.lang.source import Form
from tradeplan.plan.model import Plan
from tradeplan.runtime.engine import Engine, EngineConfig, EngineResult, RuleInputs
from tradeplan.runtime.records import OrderEventRecord, TradeRecord

T0 = datetime(2025, 1, 6, 0, 0, tzinfo=UTC)  # a Monday
DEALER = FillConfig(profile=FillProfile.DEALER)
EXCHANGE = FillConfig(profile=FillProfile.EXCHANGE)

FX_HEAD = """\
tradeplan: 1
name: test
instrument: {symbol: USD/JPY, pip: 0.01}
account: {currency: JPY, balance: 10000000}
broker: paper
timeframe: 1m
"""


def plan_from(text: str) -> Plan:
    result = compile_source(text, "test.yaml", Form.YAML)
    errors = [d for d in result.diagnostics if d.severity.value == "error"]
    assert result.plan is not None, "\n".join(str(d) for d in errors)
    return result.plan


def fx_plan(entry: str, exits: str, *, side: str = "long", extra: str = "") -> Plan:
    """A USD/JPY plan with one rule `r` (market entry of 10,000 units unless `entry` says)."""
    text = (
        FX_HEAD
        + extra
        + (f"entries:\n  - name: r\n    side: {side}\n    when: close > 0\n{entry}exits:\n{exits}")
    )
    return plan_from(text)


RTH_OPEN = datetime(2025, 1, 6, 14, 30, tzinfo=UTC)  # 09:30 New York


def at(minute: int, start: datetime = T0) -> str:
    return (start + timedelta(minutes=minute)).isoformat()


def bars(
    rows: Sequence[Sequence[str]],
    *,
    spread: str | None = None,
    start: datetime = T0,
    volume: Sequence[object] | None = None,
) -> MarketData:
    """Rows `(open, high, low, close[, spread])`, one a minute from `start`; `volume` adds a
    volume column (one value a row)."""
    has_spread = len(rows[0]) == 5
    head = "time,open,high,low,close" + (",spread" if has_spread else "")
    if volume is not None:
        head += ",volume"
        rows = [(*row, str(v)) for row, v in zip(rows, volume, strict=True)]
    lines = [head] + [",".join([at(i, start), *row]) for i, row in enumerate(rows)]
    return parse_market_data("\n".join(lines), default_spread=spread)


def ticks(rows: Sequence[tuple[str, str]], *, seconds: int = 1, start: datetime = T0) -> MarketData:
    """Quotes `(bid, ask)`, one every `seconds` from `start`."""
    lines = ["time,bid,ask"] + [
        f"{(start + timedelta(seconds=seconds * i)).isoformat()},{bid},{ask}"
        for i, (bid, ask) in enumerate(rows)
    ]
    return parse_market_data("\n".join(lines))


def flags(size: int, rows: Iterable[int]) -> np.ndarray:  # type: ignore[type-arg]
    out = np.zeros(size, dtype=bool)
    for row in rows:
        out[row] = True
    return out


@dataclass
class Run:
    result: EngineResult
    stats: ReplayStats
    broker: PaperBroker

    @property
    def trades(self) -> tuple[TradeRecord, ...]:
        return self.result.trades

    @property
    def orders(self) -> tuple[OrderEventRecord, ...]:
        return self.result.orders

    def events(self) -> list[tuple[str, str, str, str]]:
        """(order id, event, type, fill price or '') for every order event, in order."""
        return [
            (
                e.order_id,
                e.event.value,
                e.type.value,
                "" if e.fill_price is None else str(e.fill_price),
            )
            for e in self.orders
        ]

    def placed(self, order_type: str) -> list[OrderEventRecord]:
        return [e for e in self.orders if e.event.value == "placed" and e.type.value == order_type]


def run(
    plan: Plan,
    data: MarketData,
    entries: Iterable[int] = (),
    *,
    exits: Iterable[int] | None = None,
    config: FillConfig = EXCHANGE,
    step_mode: bool = False,
    price: Decimal | None = None,
    trigger: Decimal | None = None,
    balance: Decimal = Decimal(10_000_000),
    leverage: Decimal | None = None,
) -> Run:
    """Run every rule of `plan` on `data` with `when` true at rows `entries`."""
    size = len(data)
    inputs = {
        rule.name: RuleInputs(
            flags(size, entries),
            None if exits is None else flags(size, exits),
            price=None if price is None else (lambda _row, p=price: p),
            trigger=None if trigger is None else (lambda _row, t=trigger: t),
        )
        for rule in plan.rules
    }
    account = PaperAccount(plan.account.currency, balance, leverage)
    broker = PaperBroker(data, plan.instrument, config, account=account, volume=data.volume)
    engine = Engine(
        plan,
        broker,
        data,
        inputs,
        EngineConfig(balance, plan.account.currency, leverage),
        excursion=broker.excursion,
    )
    stats = replay(engine, broker, step_mode=step_mode)
    return Run(engine.result(), stats, broker)


def both_modes(plan: Plan, data: MarketData, entries: Iterable[int] = (), **kw: object) -> Run:
    """Run jumping and step by step; assert they agree exactly; return the jumping run."""
    rows = list(entries)
    jumping = run(plan, data, rows, **kw)  # type: ignore[arg-type]
    stepping = run(plan, data, rows, step_mode=True, **kw)  # type: ignore[arg-type]
    assert jumping.result.trades == stepping.result.trades
    assert jumping.result.orders == stepping.result.orders
    assert jumping.result.signals == stepping.result.signals
    return jumping
