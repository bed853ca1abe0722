"""An owner's snapshot is all its state: a run whose owners are replaced, between any two
events, by fresh ones restored from their snapshots gives exactly the run without it.

This is what a live run relies on when it restarts from its stored snapshots (issue 9): the
owners are built again from the plan and take back their last state, and must go on as if
nothing had happened. `owner_swap.swapping` throws every entry rule and grid slot away after
every event (or a random share of events), restores a fresh one from the old one's snapshot
sent through the JSON codec, and hands it the old one's orders (`Engine.replace_owner`). The
output files must be unchanged: the golden files byte for byte, and for generated plans over
generated bars and the scenarios of owner_scenarios.py every order event, trade, signal,
alert and equity point, and every order sent with all its terms.

The last tests test these: a restore that loses any one field (it gets its initial value) must
be caught by some run, and every field must be reached; the few no run can show say why.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from decimal import Decimal as D
from pathlib import Path
from typing import TypeVar

import numpy as np
import pytest
from backtest_harness import FX_HEAD, bars, fx_plan, plan_from, run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from owner_scenarios import SCENARIOS, reached_states
from owner_swap import Tamper, swapping
from test_partial_fills_property import markets
from test_replay_parity import ENTRIES, EXITS, GRIDS, random_bars

from tradeplan.api_backtest import BacktestOptions, run_backtest
from tradeplan.brokers.paper.fills import FillConfig, IntrabarPath
from tradeplan.core.enums import FillProfile
from tradeplan.runtime.engine import EngineResult
from tradeplan.runtime.rule_state import RuleState
from tradeplan.runtime.slot_state import SlotState

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "golden"))
import golden_runs  # noqa: E402


def assert_same(a: EngineResult, b: EngineResult) -> None:
    assert a.orders == b.orders
    assert a.trades == b.trades
    assert a.signals == b.signals
    assert a.alerts == b.alerts
    assert np.array_equal(a.equity.equity, b.equity.equity)


T = TypeVar("T")


def plain_and_restored(
    go: Callable[[], T], *, chance: float = 1.0, seed: int = 0, tamper: Tamper | None = None
) -> tuple[T, T]:
    """`go()` run as it is, then with its owners restored from their snapshots; the orders
    both runs sent must be the same, every term of them."""
    with swapping(chance=0.0) as plain:
        first = go()
    with swapping(chance=chance, seed=seed, tamper=tamper) as swaps:
        second = go()
    assert swaps.count > 0 or chance < 1
    assert plain.sent == swaps.sent
    return first, second


@pytest.mark.parametrize("case", sorted(golden_runs.CASES))
def test_a_golden_run_with_its_owners_restored_at_every_event_gives_its_files(
    case: str, tmp_path: Path
) -> None:
    with swapping() as swaps:
        files = golden_runs.run_case(case, tmp_path / "out")
    assert swaps.count > 0
    for name, want in golden_runs.stored(case).items():
        assert files[name] == want, f"{case}: {name} differs once owners are restored"


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_a_scenario_runs_the_same_with_its_owners_restored(name: str) -> None:
    (plain_result, plain_extra), (result, extra) = plain_and_restored(SCENARIOS[name])
    assert_same(plain_result, result)
    assert plain_extra == extra


def test_the_runs_hand_over_every_field_of_the_states() -> None:
    """The proof is only as good as the states it hands over: the golden runs and the
    scenarios above set every field of both kinds of state away from its initial value."""
    states = reached_states()
    for kind in (RuleState, SlotState):
        initial = kind()
        reached = {
            f.name
            for state in states
            if isinstance(state, kind)
            for f in dataclasses.fields(kind)
            if getattr(state, f.name) != getattr(initial, f.name)
        }
        # A backtest's broker confirms a cancel at once, so a close waiting for its exits'
        # cancels is never seen between two events there; tests/live/
        # test_close_waits_for_cancels.py runs it against cancels that travel.
        live_only = (
            {"cancelling", "pending_close", "pending_reason"} if kind is RuleState else set()
        )
        assert reached | live_only == {f.name for f in dataclasses.fields(kind)}, kind.__name__


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    size=st.integers(20, 200),
    entry=st.sampled_from(ENTRIES),
    exits=st.sampled_from(EXITS),
    side=st.sampled_from(["long", "short"]),
    profile=st.sampled_from([FillProfile.DEALER, FillProfile.EXCHANGE]),
    path=st.sampled_from(list(IntrabarPath)),
    as_ticks=st.booleans(),
    chance=st.sampled_from([1.0, 0.3]),
    step_mode=st.booleans(),
)
def test_generated_rules_run_the_same_with_their_owners_restored(
    seed: int,
    size: int,
    entry: str,
    exits: str,
    side: str,
    profile: FillProfile,
    path: IntrabarPath,
    as_ticks: bool,
    chance: float,
    step_mode: bool,
) -> None:
    plan = fx_plan(entry, exits, side=side)
    data = random_bars(seed, size, as_ticks=as_ticks)
    rng = np.random.default_rng(seed)
    entries = sorted(set(rng.integers(0, size, max(size // 12, 1)).tolist()))
    exit_rows = sorted(set(rng.integers(0, size, max(size // 15, 1)).tolist()))
    price = D("110.000") if entry != ENTRIES[0] else None
    kw: dict[str, object] = {
        "exits": exit_rows,
        "price": price,
        "trigger": price,
        "config": FillConfig(profile=profile, path=path),
        "step_mode": step_mode,
    }
    plain, restored = plain_and_restored(
        lambda: run(plan, data, entries, **kw),  # type: ignore[arg-type]
        chance=chance,
        seed=seed,
    )
    assert_same(plain.result, restored.result)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    size=st.integers(20, 300),
    grid=st.sampled_from(GRIDS),
    profile=st.sampled_from([FillProfile.DEALER, FillProfile.EXCHANGE]),
    as_ticks=st.booleans(),
    chance=st.sampled_from([1.0, 0.3]),
)
def test_generated_grids_run_the_same_with_their_slots_restored(
    seed: int, size: int, grid: str, profile: FillProfile, as_ticks: bool, chance: float
) -> None:
    plan = plan_from(FX_HEAD + grid)
    data = random_bars(seed, size, as_ticks=as_ticks)
    options = BacktestOptions(fill=profile)
    plain, restored = plain_and_restored(
        lambda: run_backtest(plan, data, options), chance=chance, seed=seed
    )
    assert_same(plain.result, restored.result)
    assert plain.summary == restored.summary  # stopped and paused slots included


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    market=markets(),
    share=st.sampled_from(["0.05", "0.1", "0.25"]),
    exits=st.sampled_from(EXITS),
    side=st.sampled_from(["long", "short"]),
    signals=st.sets(st.integers(0, 19), min_size=1, max_size=6),
)
def test_partly_filled_positions_run_the_same_with_their_owners_restored(
    market: tuple[list[tuple[str, ...]], list[int]],
    share: str,
    exits: str,
    side: str,
    signals: set[int],
) -> None:
    rows, volumes = market
    plan = fx_plan(ENTRIES[0], exits, side=side)
    data = bars(rows, volume=volumes)
    entries = sorted(r for r in signals if r < len(rows))
    config = FillConfig(max_volume_share=D(share))
    plain, restored = plain_and_restored(
        lambda: run(plan, data, entries, exits=entries, config=config)
    )
    assert_same(plain.result, restored.result)


# --- the test of the test: a snapshot that leaves a field out is caught ----------------------

# The run that shows it when a restore loses the field (gets its initial value instead).
NOTICED_BY: dict[tuple[type, str], str] = {
    (RuleState, "phase"): "deferred_close",
    (RuleState, "entry"): "expired_rule_stop",
    (RuleState, "exits"): "expired_rule_stop",
    (RuleState, "stop_id"): "break_even",
    (RuleState, "closing"): "deferred_close",
    (RuleState, "watch_id"): "break_even",
    (RuleState, "break_even_stop"): "break_even",
    (RuleState, "break_even_at"): "break_even_deadline",
    (RuleState, "time_exit_at"): "deferred_close",
    (RuleState, "oco"): "break_even",  # the break-even stop's OCO group: in the orders sent
    (RuleState, "deferred"): "deferred_close",
    (SlotState, "phase"): "paused_slot",
    (SlotState, "stop_reason"): "slot_halt",
    (SlotState, "arm_at"): "paused_slot",
    (SlotState, "pauses"): "paused_slot",
    (SlotState, "exit_price"): "grid_reentries",
    (SlotState, "entries"): "paused_slot",
    (SlotState, "exits"): "slot_halt",
    (SlotState, "closing"): "slot_manual_close",
}
# Fields no run between two events can show, and why they are state all the same.
UNSEEN: dict[tuple[type, str], str] = {
    (RuleState, "entry_rejection"): "set and read inside one bar close (a submit rejected at once)",
    (SlotState, "rejection"): "set and read inside one bar close (a submit rejected at once)",
    (RuleState, "closing_leg"): "resizes a close only for a fill reported after its cancel, "
    "which the paper broker never makes",
    **{
        (RuleState, name): "a close waiting for its exits' cancels: the paper broker confirms a "
        "cancel at once, so no backtest has one between events (tests/live/"
        "test_close_waits_for_cancels.py runs it with cancels that travel)"
        for name in ("cancelling", "pending_close", "pending_reason")
    },
}


def test_every_field_is_either_noticed_or_said_to_be_unseen() -> None:
    every = {(kind, f.name) for kind in (RuleState, SlotState) for f in dataclasses.fields(kind)}
    assert set(NOTICED_BY) | set(UNSEEN) == every
    assert not set(NOTICED_BY) & set(UNSEEN)


FIELDS = {f"{kind.__name__}.{name}": (kind, name) for kind, name in NOTICED_BY}


@pytest.mark.parametrize("field", sorted(FIELDS))
def test_a_snapshot_that_loses_a_field_is_caught(field: str) -> None:
    kind, name = FIELDS[field]
    initial = getattr(kind(), name)

    def lose(state: object) -> object:
        return dataclasses.replace(state, **{name: initial}) if isinstance(state, kind) else state  # type: ignore[type-var]

    try:
        (a, a_extra), (b, b_extra) = plain_and_restored(
            SCENARIOS[NOTICED_BY[kind, name]], tamper=lose
        )
        assert_same(a, b)
        assert a_extra == b_extra
    except (AssertionError, RuntimeError, KeyError):
        return  # the outputs differ, or the owner cannot go on: caught
    pytest.fail(f"a restore that loses {kind.__name__}.{name} went unnoticed")
