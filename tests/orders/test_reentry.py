"""Re-entries placed when the market has already passed them (SEMANTICS.md section 1)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from tradeplan.core.enums import OrderType, Side
from tradeplan.orders.model import Order, OrderTag
from tradeplan.orders.reentry import ReentryRule, arm_reentry


def _counter(side: Side, price: str) -> Order:
    return Order("c", side, OrderType.LIMIT, D(1000), price=D(price), tag=OrderTag.COUNTER)


def _follow(side: Side, trigger: str) -> Order:
    return Order("f", side, OrderType.STOP, D(1000), trigger=D(trigger), tag=OrderTag.FOLLOW)


def test_buy_slot_with_market_between_them_places_both() -> None:
    # Entry 109.00, TP 110.00 filled: counter 109.50 and follow 110.51, market still at 110.
    counter, follow = _counter(Side.BUY, "109.50"), _follow(Side.BUY, "110.51")
    decision = arm_reentry(counter, follow, bid=D("109.99"), ask=D("110.00"))
    assert decision.rule is ReentryRule.AS_IS
    assert decision.place == (counter, follow)
    assert decision.converted is None and decision.dropped is None


def test_buy_counter_above_the_market_becomes_a_buy_stop_and_the_follow_is_dropped() -> None:
    # Market back at 109: counter 109.50 becomes a buy stop at 109.50, follow 110.51 dropped.
    counter, follow = _counter(Side.BUY, "109.50"), _follow(Side.BUY, "110.51")
    decision = arm_reentry(counter, follow, bid=D("108.99"), ask=D("109.00"))
    assert decision.rule is ReentryRule.COUNTER_AS_STOP
    (stop,) = decision.place
    assert stop.type is OrderType.STOP and stop.side is Side.BUY
    assert stop.trigger == D("109.50") and stop.price is None
    assert stop.id == "c" and stop.tag is OrderTag.COUNTER and stop.qty == D(1000)
    assert decision.converted == stop and decision.dropped == follow


def test_buy_follow_below_the_market_becomes_a_buy_limit_and_the_counter_is_dropped() -> None:
    # Market jumped to 111: follow 110.51 becomes a buy limit at 110.51, counter dropped.
    counter, follow = _counter(Side.BUY, "109.50"), _follow(Side.BUY, "110.51")
    decision = arm_reentry(counter, follow, bid=D("110.99"), ask=D("111.00"))
    assert decision.rule is ReentryRule.FOLLOW_AS_LIMIT
    (limit,) = decision.place
    assert limit.type is OrderType.LIMIT and limit.price == D("110.51") and limit.trigger is None
    assert decision.dropped == counter


def test_sell_counter_below_the_market_becomes_a_sell_stop() -> None:
    # Sell slot: entry 110.00, TP 109.00 filled; counter 109.50, follow 108.49; market at 110.
    counter, follow = _counter(Side.SELL, "109.50"), _follow(Side.SELL, "108.49")
    decision = arm_reentry(counter, follow, bid=D("110.00"), ask=D("110.01"))
    assert decision.rule is ReentryRule.COUNTER_AS_STOP
    (stop,) = decision.place
    assert stop.type is OrderType.STOP and stop.trigger == D("109.50")
    assert decision.dropped == follow


def test_sell_follow_above_the_market_becomes_a_sell_limit() -> None:
    counter, follow = _counter(Side.SELL, "109.50"), _follow(Side.SELL, "108.49")
    decision = arm_reentry(counter, follow, bid=D("108.00"), ask=D("108.01"))
    assert decision.rule is ReentryRule.FOLLOW_AS_LIMIT
    (limit,) = decision.place
    assert limit.type is OrderType.LIMIT and limit.price == D("108.49")
    assert decision.dropped == counter


def test_a_counter_exactly_at_the_market_is_placed_as_is() -> None:
    counter = _counter(Side.BUY, "109.50")
    decision = arm_reentry(counter, None, bid=D("109.49"), ask=D("109.50"))
    assert decision.rule is ReentryRule.AS_IS and decision.place == (counter,)


def test_only_one_of_them_configured() -> None:
    follow = _follow(Side.BUY, "110.51")
    decision = arm_reentry(None, follow, bid=D("110.99"), ask=D("111.00"))
    assert decision.rule is ReentryRule.FOLLOW_AS_LIMIT and decision.dropped is None
    assert arm_reentry(None, None, bid=D(1), ask=D(1)).place == ()


def test_wrong_order_types_are_refused() -> None:
    with pytest.raises(ValueError, match="counter re-entry is a limit"):
        arm_reentry(_follow(Side.BUY, "1"), None, bid=D(1), ask=D(1))
    with pytest.raises(ValueError, match="follow re-entry is a stop"):
        arm_reentry(None, _counter(Side.BUY, "1"), bid=D(1), ask=D(1))
