"""Owner states as JSON: what a live run stores after each event is what it reads back.

A restarted run (issue 9) reads each owner's last snapshot from its store and restores a fresh
owner from it, so the text must give back the very value written: equal, with every Decimal's
exponent kept (an order's price is printed as it was built: `109.50`, not `109.5`), and the
same text again when written a second time. The states are the ones real runs reach between
events (four golden runs and the scenarios of owner_scenarios.py), and variations of
them with other numbers.
"""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from owner_scenarios import reached_states

from tradeplan.runtime import state_codec
from tradeplan.runtime.idmap import IdMap
from tradeplan.runtime.legs import Leg
from tradeplan.runtime.rule_state import RuleState
from tradeplan.runtime.slot_state import SlotState


def real_states() -> st.SearchStrategy[object]:
    return st.deferred(lambda: st.sampled_from(reached_states()))


# Decimals as orders and fills carry them: any exponent, trailing zeros kept.
decimals = st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**9), max_value=10**9)
exact = st.builds(
    lambda digits, exponent: Decimal(digits).scaleb(exponent),
    st.integers(-(10**12), 10**12),
    st.integers(-12, 6),
)
numbers = st.one_of(decimals, exact, st.sampled_from([Decimal("109.50"), Decimal("1E+3")]))


def assert_round_trip(state: object) -> None:
    text = state_codec.to_json(state)
    back = state_codec.from_json(text)
    assert back == state
    assert repr(back) == repr(state)  # Decimal('109.50') is not Decimal('109.5')
    assert state_codec.to_json(back) == text
    assert hash(back) == hash(state)
    json.loads(text)  # plain JSON: any reader, any store


@settings(max_examples=300)
@given(state=real_states())
def test_every_state_a_run_reaches_comes_back_from_json(state: object) -> None:
    assert_round_trip(state)


@settings(max_examples=200)
@given(state=real_states(), a=numbers, b=numbers, clock=st.integers(0, 2**63 - 1))
def test_other_numbers_come_back_exactly_too(
    state: object, a: Decimal, b: Decimal, clock: int
) -> None:
    if isinstance(state, RuleState):
        legs = IdMap(tuple((k, Leg(leg.tag, a, b)) for k, leg in state.exits.pairs))
        state = dataclasses.replace(
            state, exits=legs, break_even_stop=a, time_exit_at=clock, closing_leg=None
        )
    elif isinstance(state, SlotState):
        legs = IdMap(tuple((k, Leg(leg.tag, b, a)) for k, leg in state.exits.pairs))
        state = dataclasses.replace(state, exits=legs, exit_price=b, arm_at=clock)
    assert_round_trip(state)


def test_the_runs_reach_both_kinds_of_state() -> None:
    kinds = {type(state) for state in reached_states()}
    assert kinds == {RuleState, SlotState}
    assert len(reached_states()) > 100


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: {**d, "v": 3}, "version"),
        (lambda d: {**d, "kind": "robot"}, "kind"),
        (lambda d: {k: v for k, v in d.items() if k != "phase"}, "missing"),
        (lambda d: {**d, "extra": 1}, "unknown"),
        (lambda d: {**d, "arm_at": "soon"}, "integer"),
        (lambda d: {**d, "exit_price": "NaN"}, "finite"),
        (lambda d: {**d, "exit_price": 109.5}, "string"),
    ],
)
def test_text_that_is_not_a_state_is_refused(change: object, message: str) -> None:
    data = state_codec.to_data(SlotState(exit_price=Decimal("109.50")))
    text = json.dumps(change(data))  # type: ignore[operator]
    with pytest.raises(state_codec.StateCodecError, match=message):
        state_codec.from_json(text)


def test_not_json_at_all_is_refused() -> None:
    with pytest.raises(state_codec.StateCodecError):
        state_codec.from_json("{")
    with pytest.raises(state_codec.StateCodecError):
        state_codec.from_json("[]")


def test_a_close_waiting_for_its_cancels_comes_back_and_a_version_1_state_still_reads() -> None:
    """The fields a live close sets while its exits' cancels travel (no backtest shows them
    between events: tests/live/test_close_waits_for_cancels.py does), and a state stored by
    a run before they existed (version 1), which reads as waiting for nothing."""
    from tradeplan.core.enums import OrderType, Side
    from tradeplan.orders.model import Order, OrderTag
    from tradeplan.runtime.idmap import IdMap
    from tradeplan.runtime.legs import Leg
    from tradeplan.runtime.rule_state import EXIT_WORKING, RuleState

    close = Order("tp9", Side.SELL, OrderType.MARKET, Decimal(10000), reduce_only=True,
                  tag=OrderTag.TIME_EXIT, slot="once")  # fmt: skip
    waiting = RuleState(
        phase=EXIT_WORKING,
        cancelling=IdMap().put("tp7", Leg(OrderTag.TAKE_PROFIT, Decimal(10000))),
        pending_close=close,
        pending_reason="time_exit: held 10m",
    )
    assert state_codec.from_json(state_codec.to_json(waiting)) == waiting
    old = state_codec.to_data(RuleState(phase=EXIT_WORKING))
    for key in ("cancelling", "pending_close", "pending_reason"):
        del old[key]
    old["v"] = 1
    assert state_codec.from_json(json.dumps(old)) == RuleState(phase=EXIT_WORKING)
