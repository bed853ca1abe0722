"""Over random price paths and random plans, no risk cap is ever exceeded at any moment.

Each example draws a plan of one to four signal rules on USD/JPY (long or short, market or
limit entries, fixed or risk sizing, random exits) with random caps (max open positions, max
position, max notional in units, one position per symbol, daily loss limit, leverage), random
signal rows per rule and a random price path, and runs the engine on the paper broker.
Positions are then rebuilt from orders.csv alone: an order a flat rule places is its entry; it
opens the rule's position when it fills and leaves nothing when cancelled, expired or rejected;
the next fill of that rule closes the position. After every event, open positions plus working
entries respect every cap (the guards count working entries as filled, docs/risk.md), and the
trades agree with the rebuilt positions.
"""

from __future__ import annotations

from decimal import Decimal as D

import numpy as np
from backtest_harness import flags, plan_from
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_replay_parity import random_bars

from tradeplan.backtest.data import MarketData
from tradeplan.backtest.replay import replay
from tradeplan.brokers.paper.broker import PaperAccount, PaperBroker
from tradeplan.brokers.paper.fills import FillConfig
from tradeplan.plan.model import Plan
from tradeplan.risk import Reason
from tradeplan.runtime.engine import Engine, EngineConfig, EngineResult, RuleInputs

EXITS = [
    "    exits: {take_profit: 30 pips, stop_loss: 20 pips}\n",
    "    exits: {stop_loss: 15 pips, time_exit: 20m}\n",
    "    exits: {stop_loss: 25 pips, break_even: {at: 10 pips, within: 15m, otherwise: close}}\n",
    "    exits: {trailing: {trail: 0.2%}, take_profit: 60 pips}\n",
]


@st.composite
def rules(draw: st.DrawFn, index: int) -> str:
    side = draw(st.sampled_from(["long", "short"]))
    text = f"  - name: r{index}\n    side: {side}\n    when: close > 0\n"
    if draw(st.booleans()):
        text += "    order: {type: limit, price: close - 0.05}\n    time_in_force: gtc\n"
    exits = draw(st.sampled_from(EXITS))
    if "stop_loss" in exits and draw(st.booleans()):
        text += f"    sizing: {{risk: {draw(st.sampled_from(['0.5', '1', '2']))}%}}\n"
    else:
        text += f"    units: {draw(st.integers(1, 60)) * 1000}\n"
    return text + exits


@st.composite
def plans(draw: st.DrawFn) -> tuple[Plan, dict[str, object]]:
    count = draw(st.integers(1, 4))
    entries = "".join(draw(rules(i)) for i in range(count))
    caps: dict[str, object] = {
        "one_position_per_symbol": draw(st.booleans()),
        "max_open_positions": draw(st.none() | st.integers(1, 3)),
        "max_position": draw(st.none() | st.integers(10, 120).map(lambda k: k * 1000)),
        "max_notional": draw(st.none() | st.integers(10, 150).map(lambda k: k * 1000)),
        "daily_loss_limit": draw(st.none() | st.sampled_from(["0.1%", "0.2%", "1%"])),
    }
    risk = ", ".join(f"{k}: {str(v).lower()}" for k, v in caps.items() if v is not None)
    leverage = draw(st.sampled_from(["", ", leverage: 25", ", leverage: 2"]))
    text = (
        "tradeplan: 1\nname: p\ninstrument: {symbol: USD/JPY, pip: 0.01}\n"
        f"account: {{currency: JPY, balance: 10000000{leverage}}}\nbroker: paper\n"
        f"entries:\n{entries}risk: {{{risk}}}\n"
    )
    caps["leverage"] = D(leverage.split(": ")[1]) if leverage else None
    return plan_from(text), caps


def run(plan: Plan, data: MarketData, seed: int, leverage: D | None) -> EngineResult:
    rng = np.random.default_rng(seed)
    size = len(data)

    def limit_price(row: int) -> D:
        return D(int(data.close_scaled[row])).scaleb(-data.decimals) - D("0.05")

    inputs = {
        rule.name: RuleInputs(
            flags(size, rng.integers(0, size, max(size // 8, 1)).tolist()),
            price=limit_price,
        )
        for rule in plan.rules
    }
    balance = D(10_000_000)
    broker = PaperBroker(
        data, plan.instrument, FillConfig(), account=PaperAccount("JPY", balance, leverage)
    )
    engine = Engine(
        plan, broker, data, inputs, EngineConfig(balance, "JPY", leverage), excursion=None
    )
    replay(engine, broker)
    return engine.result()


def rebuilt_exposure(result: EngineResult) -> list[tuple[int, D, int]]:
    """(open positions, units open and working, working entries) after every order event."""
    open_qty: dict[str, D] = {}
    working: dict[str, tuple[str, D]] = {}  # rule -> (entry order id, qty)
    entry_ids: set[str] = set()
    seen: list[tuple[int, D, int]] = []
    opened: list[tuple[str, D]] = []
    for event in result.orders:
        slot, kind = event.slot, event.event.value
        if kind == "placed" and slot not in open_qty and slot not in working:
            working[slot] = (event.order_id, event.qty)
            entry_ids.add(event.order_id)
        elif event.order_id in entry_ids and slot in working:
            if kind == "filled":
                open_qty[slot] = event.qty
                opened.append((slot, event.qty))
                del working[slot]
            elif kind in ("cancelled", "expired", "rejected"):
                del working[slot]
            elif kind == "partially_filled":
                raise AssertionError("the paper broker fills an entry in full")
        elif kind == "filled" and slot in open_qty:
            assert event.qty == open_qty.pop(slot), "a position is closed whole"
        units = sum(open_qty.values(), D(0)) + sum((q for _, q in working.values()), D(0))
        seen.append((len(open_qty), units, len(working)))
    closed = sorted((t.slot, t.qty) for t in result.trades)
    assert closed == sorted(opened)  # every position opened becomes one trade (end of data too)
    return seen


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan_caps=plans(), seed=st.integers(0, 10_000), size=st.integers(30, 250))
def test_no_cap_is_ever_exceeded(
    plan_caps: tuple[Plan, dict[str, object]], seed: int, size: int
) -> None:
    plan, caps = plan_caps
    data = random_bars(seed, size)
    result = run(plan, data, seed, caps["leverage"])  # type: ignore[arg-type]
    for positions, units, pending in rebuilt_exposure(result):
        slots = positions + pending
        if caps["one_position_per_symbol"]:
            assert slots <= 1
        if caps["max_open_positions"] is not None:
            assert slots <= caps["max_open_positions"]  # type: ignore[operator]
        if caps["max_position"] is not None:
            assert units <= caps["max_position"]  # type: ignore[operator]
        if caps["max_notional"] is not None:  # FX: units of the base currency
            assert units <= caps["max_notional"]  # type: ignore[operator]
    codes = {reason.value for reason in Reason} | {"sizing"}
    for signal in result.signals:
        if not signal.accepted:  # every refusal says why, each reason as `code: message`
            assert {part.split(":")[0] for part in signal.reason.split("; ")} <= codes
