"""Random grids over random tick paths: what must hold whatever the market does.

* a slot never holds two positions (one order, one position: SEMANTICS.md section 1);
* no cap of the plan's `risk:` section is ever exceeded: open positions, units in the symbol,
  total units (FX `max_notional`), and no entry is accepted once the drawdown halt refused one;
* jumping between events gives exactly the step-by-step run (`grid_harness.run` checks it).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
from backtest_harness import plan_from
from grid_harness import HEAD, run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradeplan.backtest.data import MarketData, parse_market_data
from tradeplan.core.enums import FillProfile, Side
from tradeplan.plan.model import Plan
from tradeplan.runtime.engine import EngineResult
from tradeplan.runtime.records import OrderEventKind


def tick_path(seed: int, size: int, *, swing: int = 0) -> MarketData:
    """A random walk around 110 in 0.001 steps, spreads of 0-3 pips, a few 40-pip jumps;
    `swing` adds a sine of that many 0.001s, so the market crosses a grid again and again."""
    rng = np.random.default_rng(seed)
    steps = rng.integers(-120, 121, size)
    steps[rng.random(size) < 0.03] *= 4
    bid = 110_000 + np.cumsum(steps)
    if swing:
        walk = bid - 110_000
        bid = (
            110_000
            + (walk - walk.mean()) // 4
            + (swing * np.sin(np.arange(size) / 40)).astype(np.int64)
        )
    spread = rng.integers(0, 4, size) * 10
    start = datetime(2025, 1, 6, 21, 0, tzinfo=UTC)  # crosses 17:00 New York twice
    lines = ["time,bid,ask"]
    for i in range(size):
        when = (start + timedelta(seconds=97 * i)).isoformat()
        lines.append(f"{when},{bid[i] / 1000:.3f},{(bid[i] + spread[i]) / 1000:.3f}")
    return parse_market_data("\n".join(lines))


@st.composite
def grids(draw: st.DrawFn) -> tuple[str, int]:
    """The YAML of one or two grids and how many slots they have in all."""
    text = ["grids:"]
    total = 0
    for index in range(draw(st.integers(1, 2))):
        side = draw(st.sampled_from(["buy", "sell"]))
        count = draw(st.integers(1, 5))
        step = draw(st.integers(10, 40))
        low = Decimal("109.00") + Decimal(draw(st.integers(-60, 60))) / 100
        high = low + Decimal(step * (count - 1)) / 100
        sign = 1 if side == "buy" else -1
        text += [
            f"  - name: g{index}",
            f"    side: {side}",
            *(
                [f"    at: {low}"]
                if count == 1
                else [f"    from: {low}", f"    to: {high}", f"    step: {step} pips"]
            ),
            f"    units: {draw(st.sampled_from([1000, 2000, 5000]))}",
            f"    take_profit: {draw(st.integers(5, 60))} pips",
        ]
        stop = draw(st.one_of(st.none(), st.integers(20, 80)))
        text.append(f"    stop_loss: {'none' if stop is None else f'{stop} pips'}")
        counter = draw(st.one_of(st.none(), st.integers(5, 60)))
        if counter is not None:
            text.append(f"    counter: {-sign * counter} pips")
        follow = draw(st.one_of(st.none(), st.integers(5, 60)))
        if follow is not None:
            text.append(f"    follow: {sign * follow} pips")
        total += count
    return "\n".join(text) + "\n", total


@st.composite
def risks(draw: st.DrawFn, slots: int) -> str:
    lines = ["risk:"]
    if draw(st.booleans()):
        lines.append(f"  max_open_positions: {draw(st.integers(1, max(slots, 1)))}")
    if draw(st.booleans()):
        lines.append(f"  max_position: {draw(st.sampled_from([2000, 5000, 10000]))}")
    if draw(st.booleans()):
        lines.append("  max_notional: 100000")
    if draw(st.booleans()):
        lines.append(f"  max_drawdown: {draw(st.sampled_from(['0.05%', '0.1%', '1%']))}")
    if draw(st.booleans()):
        lines.append(f"  daily_loss_limit: {draw(st.sampled_from(['0.05%', '0.1%']))}")
    return "\n".join(lines) + "\n" if len(lines) > 1 else ""


def check_invariants(plan: Plan, result: EngineResult) -> None:
    sides = {f"{g.name}@": g.side for g in plan.grids}

    def side_of(slot: str) -> Side:
        return sides[slot.split("@")[0] + "@"]

    held: dict[str, Decimal] = {}
    risk = plan.risk
    for event in result.orders:
        if event.event is not OrderEventKind.FILLED:
            continue
        opening = event.side is side_of(event.slot)
        if opening:
            assert event.slot not in held, f"{event.slot} holds two positions"
            held[event.slot] = event.qty
        else:
            assert held.pop(event.slot) == event.qty, "a slot's position closed in part"
        units = sum(held.values(), Decimal(0))
        if risk.max_open_positions is not None:
            assert len(held) <= risk.max_open_positions
        if risk.max_position is not None:
            assert units <= risk.max_position
        if risk.max_notional is not None:
            assert units <= risk.max_notional  # FX: units of the base currency
    assert held == {}  # everything was closed at the end of the data
    halted = False
    for signal in result.signals:
        if halted:
            assert not signal.accepted, "an entry was accepted after the drawdown halt"
        halted = halted or signal.reason.startswith("drawdown_halt")


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    seed=st.integers(0, 100_000),
    size=st.integers(10, 220),
    fill=st.sampled_from([FillProfile.DEALER, FillProfile.EXCHANGE]),
    fees=st.booleans(),
)
def test_random_grids_keep_every_invariant(
    data: st.DataObject, seed: int, size: int, fill: FillProfile, fees: bool
) -> None:
    grid_text, slots = data.draw(grids())
    risk_text = data.draw(risks(slots))
    extra = "fees: {per_unit: 0.002}\n" if fees else ""
    plan = plan_from(HEAD + extra + grid_text + risk_text)
    result = run(plan, tick_path(seed, size), fill=fill).result  # also: jumping == stepping
    check_invariants(plan, result)


def test_a_busy_path_cycles_every_slot_and_agrees_both_ways() -> None:
    plan = plan_from(
        HEAD + "grid:\n  side: buy\n  from: 108.00\n  to: 112.00\n  step: 20 pips\n  units: 1000\n"
        "  take_profit: 20 pips\n  stop_loss: 60 pips\n  counter: -20 pips\n  follow: +10 pips\n"
        "risk: {max_open_positions: 12}\n"
    )
    result = run(plan, tick_path(7, 3000, swing=1500)).result
    check_invariants(plan, result)
    assert len(result.trades) > 50
    assert any(e.event is OrderEventKind.CONVERTED for e in result.orders)
    assert any(not s.accepted for s in result.signals)  # the cap refused some slot
