"""Builders for grid-slot tests: a USD/JPY grid plan, tick paths, and one run read as orders.csv.

Runs go through `api_backtest.run_backtest` (the path `tradeplan backtest` takes: fill profile,
fees and account from the plan) both jumping and step by step, and require the two to agree.
`run_with_hooks` builds the engine by hand for what a backtest cannot do by itself: a trader's
manual close, a margin close-out, a broker with less margin than the engine believes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

import numpy as np
from backtest_harness import plan_from, ticks

from tradeplan.api_backtest import BacktestOptions, BacktestRun, run_backtest
from tradeplan.backtest.data import MarketData
from tradeplan.backtest.replay import replay
from tradeplan.brokers.paper.broker import PaperAccount, PaperBroker
from tradeplan.brokers.paper.fills import FeeSchedule, FillConfig
from tradeplan.core.enums import FillProfile
from tradeplan.core.money import HUNDRED
from tradeplan.plan.model import Plan
from tradeplan.ports.broker import OrderUpdate, PriceTouch
from tradeplan.runtime.engine import Engine, EngineConfig, EngineResult, Owner, Settle
from tradeplan.runtime.slot_run import SlotRun

HEAD = """\
tradeplan: 1
name: grid-test
instrument: {symbol: USD/JPY, pip: 0.01}
account: {currency: JPY, balance: 10000000}
broker: paper
timeframe: 1m
"""


def grid_plan(
    side: str = "buy",
    *,
    at: str = "109.00",
    take_profit: str = "100 pips",
    stop_loss: str = "none",
    counter: str | None = None,
    follow: str | None = None,
    units: str = "1000",
    extra: str = "",
    slots: str | None = None,
) -> Plan:
    """One grid `g`: a single repeating order `at` a price, or `slots` (`from/to/step` YAML)."""
    where = slots if slots is not None else f"  at: {at}\n"
    lines = [
        "grid:",
        "  name: g",
        f"  side: {side}",
        where.rstrip("\n"),
        f"  units: {units}",
        f"  take_profit: {take_profit}",
        f"  stop_loss: {stop_loss}",
    ]
    if counter is not None:
        lines.append(f"  counter: {counter}")
    if follow is not None:
        lines.append(f"  follow: {follow}")
    return plan_from(HEAD + extra + "\n".join(lines) + "\n")


Row = tuple[str, str, str, str, str, str, str]


def rows(result: EngineResult, slot: str | None = None) -> list[Row]:
    """orders.csv as a user reads it: (order id, event, type, side, price or trigger, fill
    price, reason) per order event, optionally for one slot only."""
    out: list[Row] = []
    for e in result.orders:
        if slot is not None and e.slot != slot:
            continue
        level = e.price if e.price is not None else e.trigger
        out.append(
            (
                e.order_id,
                e.event.value,
                e.type.value,
                e.side.value,
                "" if level is None else _plain(level),
                "" if e.fill_price is None else _plain(e.fill_price),
                e.reason,
            )
        )
    return out


def _plain(value: Decimal) -> str:
    """109.5, 109.50 and 109.500 all read 109.50: prices to the pip unless finer."""
    text = format(value.normalize(), "f")
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"


def placed(result: EngineResult, slot: str | None = None) -> list[tuple[str, str, str, str]]:
    """(order id, type, side, price or trigger) of every placed order."""
    return [(r[0], r[2], r[3], r[4]) for r in rows(result, slot) if r[1] == "placed"]


def run(
    plan: Plan,
    data: MarketData,
    *,
    fill: FillProfile | None = None,
    balance: Decimal | None = None,
    max_volume_share: Decimal | None = None,
) -> BacktestRun:
    """The backtest jumping and step by step; they must agree exactly; returns the jumping one."""
    options = BacktestOptions(fill=fill, balance=balance, max_volume_share=max_volume_share)
    jumping = run_backtest(plan, data, options)
    stepping = run_backtest(plan, data, replace(options, step_mode=True))
    assert_same(jumping.result, stepping.result)
    return jumping


def assert_same(a: EngineResult, b: EngineResult) -> None:
    assert a.orders == b.orders
    assert a.trades == b.trades
    assert a.signals == b.signals
    assert a.alerts == b.alerts
    assert np.array_equal(a.equity.equity, b.equity.equity)


Hook = Callable[[Engine, int], None]


class _Hooks:
    """An owner that does nothing but call `hooks[row](engine, row)` at that row's close: the
    trader (or a broker's close-out) acting from outside the plan."""

    name = "hooks"

    def __init__(self, engine: Engine, hooks: Mapping[int, Hook]) -> None:
        self.engine = engine
        self.hooks = dict(hooks)

    def on_bar_close(self, row: int) -> None:
        hook = self.hooks.get(row)
        if hook is not None:
            hook(self.engine, row)

    def next_wakeup(self, row: int) -> int:
        later = [r for r in self.hooks if r >= row]
        return min(later) if later else self.engine.rows

    def on_update(self, update: OrderUpdate) -> None: ...

    def on_touch(self, touch: PriceTouch) -> None: ...

    def finish(self, row: int, settle: Settle, tag: object = None) -> None: ...

    def snapshot(self) -> object:
        return None  # its hooks are its configuration: nothing changes while it runs

    def restore(self, state: object) -> None: ...


@dataclass
class HookedRun:
    result: EngineResult
    engine: Engine


def run_with_hooks(
    plan: Plan,
    data: MarketData,
    hooks: Mapping[int, Hook] | None = None,
    *,
    fill: FillProfile = FillProfile.DEALER,
    broker_account: PaperAccount | None = None,
    leverage: Decimal | None = None,
    max_volume_share: Decimal | None = None,
) -> HookedRun:
    """The engine on the paper broker with outside actions at given rows, both modes compared."""

    def once(step_mode: bool) -> HookedRun:
        fees = plan.fees
        config = FillConfig(
            profile=fill,
            fees=FeeSchedule(fees.per_unit, fees.per_notional / HUNDRED, fees.per_order),
            max_volume_share=max_volume_share,
        )
        balance = plan.account.balance or Decimal(100_000)
        account = broker_account or PaperAccount(plan.account.currency, balance, leverage)
        broker = PaperBroker(data, plan.instrument, config, account=account, volume=data.volume)

        def make(engine: Engine) -> Owner:
            return _Hooks(engine, hooks or {})

        engine = Engine(
            plan,
            broker,
            data,
            {},
            EngineConfig(balance, plan.account.currency, leverage),
            excursion=broker.excursion,
            owners=(make,),
        )
        replay(engine, broker, step_mode=step_mode)
        return HookedRun(engine.result(), engine)

    jumping = once(False)
    assert_same(jumping.result, once(True).result)
    return jumping


def slot(engine: Engine, name: str) -> SlotRun:
    found = [o for o in engine.owners if isinstance(o, SlotRun) and o.name == name]
    assert found, f"no slot {name}"
    return found[0]


def quotes(*pairs: str) -> MarketData:
    """Ticks from "bid/ask" strings, one a second."""
    parsed: Sequence[tuple[str, str]] = [(pair.split("/")[0], pair.split("/")[1]) for pair in pairs]
    return ticks(list(parsed))
