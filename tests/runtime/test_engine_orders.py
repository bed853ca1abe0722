"""Entry order types, sessions, time in force, sizing, guards and rejections at engine level.

The order types behave as SEMANTICS.md section 3 says; each run also checks that jumping
between events equals processing every row (`both_modes`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D

from backtest_harness import (
    DEALER,
    RTH_OPEN,
    bars,
    both_modes,
    fx_plan,
    plan_from,
    run,
    ticks,
)

from tradeplan.plan.model import Plan


def stock_plan(order: str, exits: str = "  stop_loss: 5%\n", *, session: str = "rth") -> Plan:
    return plan_from(
        "tradeplan: 1\nname: t\ninstrument: {symbol: US.ABC}\n"
        "account: {currency: USD, balance: 1000000}\nbroker: paper\n"
        f"session: {session}\n"
        "entries:\n  - name: r\n    side: long\n    when: close > 0\n"
        f"    order: {order}\n    qty: 100\n"
        f"exits:\n{exits}"
    )


FLAT = ("100.00", "100.10", "99.90", "100.00")


def test_limit_entry_rests_and_fills_at_its_price() -> None:
    rows = [FLAT, FLAT, ("100.00", "100.05", "99.40", "99.60"), FLAT]
    plan = stock_plan("{type: limit, price: close - 0.50}")
    result = both_modes(plan, bars(rows, start=RTH_OPEN, spread="0"), [0], price=D("99.50"))
    (trade,) = result.trades
    assert trade.entry_price == D("99.50")
    assert trade.entry_time == datetime(2025, 1, 6, 14, 32, tzinfo=UTC)


def test_a_limit_entry_above_the_market_fills_at_the_market_or_its_price() -> None:
    rows = [FLAT, ("99.00", "99.10", "98.90", "99.00"), FLAT]
    plan = stock_plan("{type: limit, price: close}")
    data = bars(rows, start=RTH_OPEN, spread="0")
    exchange = both_modes(plan, data, [0], price=D("99.50"))
    dealer = both_modes(plan, data, [0], price=D("99.50"), config=DEALER)
    assert exchange.trades[0].entry_price == D("99.00")  # the better market price
    assert dealer.trades[0].entry_price == D("99.50")  # a dealer fills at the limit


def test_stop_entry_buys_when_the_ask_rises_to_the_trigger() -> None:
    rows = [FLAT, FLAT, ("100.10", "101.20", "100.00", "101.00"), FLAT]
    plan = stock_plan("{type: stop, trigger: high}")
    result = both_modes(plan, bars(rows, start=RTH_OPEN, spread="0.02"), [0], trigger=D("101.00"))
    (trade,) = result.trades
    assert trade.entry_price == D("101.00")  # the Ask touched 101.00 on the way up


def test_stop_limit_entry_triggers_then_works_as_a_limit() -> None:
    rows = [
        FLAT,
        ("101.50", "101.60", "101.40", "101.50"),
        ("101.40", "101.45", "100.90", "101.00"),
    ]
    plan = stock_plan("{type: stop_limit, trigger: high, price: high + 0.05}")
    result = both_modes(
        plan, bars(rows, start=RTH_OPEN, spread="0"), [0], trigger=D("101.00"), price=D("101.05")
    )
    # Gapped over the trigger at 101.50: triggered, the limit 101.05 is below the market, so it
    # rests; the next row comes down through 101.05 and it fills there.
    (trade,) = result.trades
    assert trade.entry_price == D("101.05")
    assert [e for _, e, kind, _ in result.events() if kind == "stop_limit"] == [
        "placed",
        "triggered",
        "filled",
    ]


def test_market_if_touched_entry_buys_on_a_dip() -> None:
    rows = [FLAT, ("100.00", "100.05", "99.20", "99.50"), FLAT]
    plan = stock_plan("{type: market_if_touched, trigger: low}")
    result = both_modes(plan, bars(rows, start=RTH_OPEN, spread="0"), [0], trigger=D("99.30"))
    assert result.trades[0].entry_price == D("99.30")


def test_limit_if_touched_entry() -> None:
    rows = [FLAT, ("100.00", "100.05", "99.20", "99.50"), FLAT]
    plan = stock_plan("{type: limit_if_touched, trigger: low, price: low + 0.02}")
    result = both_modes(
        plan, bars(rows, start=RTH_OPEN, spread="0"), [0], trigger=D("99.30"), price=D("99.32")
    )
    # Touched at 99.30 on the way down; the buy limit 99.32 is then at or above the market.
    assert result.trades[0].entry_price == D("99.30")


def test_trailing_stop_entry_follows_the_trough() -> None:
    plan = stock_plan("{type: trailing_stop, trail: 1.00}")
    quotes = [
        ("100.00", "100.00"),
        ("99.00", "99.00"),
        ("98.00", "98.00"),
        ("98.99", "98.99"),
        ("99.00", "99.00"),
    ]
    result = both_modes(plan, ticks(quotes, start=RTH_OPEN), [0])
    assert result.trades[0].entry_price == D("99.00")  # trough 98.00 + 1.00


def test_sub_penny_trailing_stop_below_one_dollar() -> None:
    # SEMANTICS §3: below $1 US stocks take 4 decimals. 1.5 % under 0.8500 is 0.83725 -> 0.8372.
    plan = stock_plan("market", "  trailing: {trail: 1.5%}\n")
    quotes = [
        ("0.8000", "0.8000"),
        ("0.8000", "0.8000"),
        ("0.8500", "0.8500"),
        ("0.8373", "0.8373"),
        ("0.8372", "0.8372"),
        ("0.8000", "0.8000"),
    ]
    (trade,) = both_modes(plan, ticks(quotes, start=RTH_OPEN), [0]).trades
    assert (trade.exit_price, trade.exit_reason.value) == (D("0.8372"), "trailing_stop")


def test_day_orders_expire_at_the_regular_session_end() -> None:
    # A day limit placed at 15:58 New York expires at 16:00; the next day's bar never fills it.
    start = datetime(2025, 1, 6, 20, 57, tzinfo=UTC)  # 15:57 New York
    rows = [FLAT, FLAT, FLAT]
    text = (
        "time,open,high,low,close\n"
        + "".join(
            f"{datetime(2025, 1, 6, 20, 57 + i, tzinfo=UTC).isoformat()},{','.join(r)}\n"
            for i, r in enumerate(rows)
        )
        + f"{datetime(2025, 1, 7, 14, 30, tzinfo=UTC).isoformat()},99.00,99.10,98.00,98.50\n"
    )
    from tradeplan.backtest.data import parse_market_data

    data = parse_market_data(text, default_spread="0")
    plan = stock_plan("{type: limit, price: close - 0.50}")
    result = both_modes(plan, data, [0], price=D("99.50"))
    assert result.trades == ()
    expired = [e for e in result.orders if e.event.value == "expired"]
    assert len(expired) == 1
    assert expired[0].time == datetime(2025, 1, 7, 14, 30, tzinfo=UTC)
    assert expired[0].reason == "session end"
    assert start.hour == 20


def test_fx_day_orders_expire_at_five_pm_new_york() -> None:
    plan = fx_plan(
        "    order: {type: limit, price: close - 1.00}\n    units: 10000\n",
        "  stop_loss: 100 pips\n",
    )
    # 21:58 and 21:59 UTC are 16:58 and 16:59 New York; 22:00 UTC is 17:00, the FX day's end.
    lines = ["time,open,high,low,close"]
    for minute in (58, 59):
        lines.append(f"2025-01-06T21:{minute}:00+00:00,110.00,110.10,109.90,110.00")
    lines.append("2025-01-06T22:00:00+00:00,109.00,109.10,108.50,108.80")
    from tradeplan.backtest.data import parse_market_data

    result = both_modes(plan, parse_market_data("\n".join(lines)), [0], price=D("109.00"))
    assert result.trades == ()
    assert [e.event.value for e in result.orders] == ["placed", "expired"]


def test_gtc_orders_survive_the_session_end() -> None:
    plan = fx_plan(
        "    order: {type: limit, price: close - 1.00}\n    units: 10000\n    time_in_force: gtc\n",
        "  stop_loss: 100 pips\n",
    )
    lines = ["time,open,high,low,close"]
    for minute in (58, 59):
        lines.append(f"2025-01-06T21:{minute}:00+00:00,110.00,110.10,109.90,110.00")
    lines.append("2025-01-06T22:00:00+00:00,109.00,109.10,108.50,108.80")
    from tradeplan.backtest.data import parse_market_data

    result = both_modes(plan, parse_market_data("\n".join(lines)), [0], price=D("109.00"))
    assert result.trades[0].entry_price == D("109.00")


def test_market_orders_outside_regular_hours_are_refused_and_never_resent() -> None:
    pre_market = datetime(2025, 1, 6, 13, 0, tzinfo=UTC)  # 08:00 New York
    plan = stock_plan("market")
    result = both_modes(plan, bars([FLAT, FLAT, FLAT], start=pre_market, spread="0"), [0])
    assert result.trades == ()
    assert [e.event.value for e in result.orders] == ["placed", "rejected"]
    assert "outside regular trading hours" in result.orders[1].reason
    (signal,) = result.result.signals
    assert not signal.accepted
    assert "rejected by the broker" in signal.reason


def test_extended_hours_orders_work_in_pre_market() -> None:
    pre_market = datetime(2025, 1, 6, 13, 0, tzinfo=UTC)
    # A limit: market orders are refused outside regular hours (TP303 under `session: eth`).
    plan = stock_plan("{type: limit, price: close}", session="eth")
    data = bars([FLAT, FLAT, FLAT], start=pre_market, spread="0")
    result = both_modes(plan, data, [0], price=D("100.00"))
    assert result.trades[0].entry_time == datetime(2025, 1, 6, 13, 1, tzinfo=UTC)


def test_regular_hours_orders_do_not_fill_in_post_market_rows() -> None:
    late = datetime(2025, 1, 6, 20, 58, tzinfo=UTC)  # 15:58 New York
    rows = [
        FLAT,
        FLAT,
        ("100.00", "100.00", "90.00", "91.00"),
        ("91.00", "91.00", "90.00", "90.50"),
    ]
    plan = stock_plan("market")
    (trade,) = both_modes(plan, bars(rows, start=late, spread="0"), [0]).trades
    # The stop at 95.00 is not touched by the 16:00 and 16:01 post-market crash.
    assert trade.exit_reason.value == "end_of_data"


def test_an_entry_refused_for_margin_is_a_signal_row_not_an_order() -> None:
    plan = fx_plan("    order: market\n    units: 10000\n", "  stop_loss: 100 pips\n")
    rows = [("110.00", "110.10", "109.90", "110.00")] * 4
    result = both_modes(plan, bars(rows, spread="0.01"), [0, 2], balance=D(1000), leverage=D(25))
    # 10,000 units at 110.01 need 44,004 JPY of margin at 25x; the account has 1,000.
    assert result.orders == ()
    signals = result.result.signals
    assert [s.accepted for s in signals] == [False, False]
    assert all(s.reason.startswith("insufficient_margin") for s in signals)


def test_guards_refuse_a_second_position_on_the_symbol() -> None:
    plan = plan_from(
        "tradeplan: 1\nname: t\ninstrument: {symbol: USD/JPY, pip: 0.01}\n"
        "account: {currency: JPY, balance: 10000000}\nbroker: paper\n"
        "entries:\n"
        "  - {name: a, side: long, when: close > 0, order: market, units: 10000}\n"
        "  - {name: b, side: long, when: close > 0, order: market, units: 10000}\n"
        "exits:\n  stop_loss: 100 pips\n"
        "risk: {one_position_per_symbol: true}\n"
    )
    rows = [("110.00", "110.10", "109.90", "110.00")] * 3
    result = both_modes(plan, bars(rows, spread="0.01"), [0])
    signals = result.result.signals
    assert [(s.rule, s.accepted) for s in signals] == [("a", True), ("b", False)]
    assert signals[1].reason.startswith("duplicate_position")


def test_risk_sizing_uses_the_stop_plus_the_spread() -> None:
    # 2 % of 500,000 JPY = 10,000 JPY at risk over a 20-pip stop plus the 1-pip spread:
    # floor(10,000 / 0.21) = 47,619 units.
    plan = plan_from(
        "tradeplan: 1\nname: t\ninstrument: {symbol: USD/JPY, pip: 0.01}\n"
        "account: {currency: JPY, balance: 500000, leverage: 25}\nbroker: paper\n"
        "sizing: {risk: 2%}\n"
        "entries:\n  - {name: r, side: long, when: close > 0, order: market}\n"
        "exits:\n  stop_loss: 20 pips\n"
    )
    rows = [("110.00", "110.10", "109.90", "110.00")] * 3
    result = run(plan, bars(rows, spread="0.01"), [0], balance=D(500000), leverage=D(25))
    assert result.trades[0].qty == D(47619)


def test_no_sizing_trades_the_smallest_step() -> None:
    plan = plan_from(
        "tradeplan: 1\nname: t\ninstrument: BTCUSDT\n"
        "account: {currency: USDT, balance: 10000}\nbroker: paper\n"
        "entries:\n  - {name: r, side: long, when: close > 0, order: market, qty: 0.001}\n"
        "exits:\n  stop_loss: 1%\n"
    )
    rows = [("50000.0", "50010.0", "49990.0", "50000.0")] * 3
    assert run(plan, bars(rows, spread="0"), [0]).trades[0].qty == D("0.001")


def test_runs_are_deterministic() -> None:
    plan = fx_plan(
        "    order: market\n    units: 10000\n", "  take_profit: 30 pips\n  stop_loss: 20 pips\n"
    )
    rows = [
        ("110.00", "110.30", "109.70", "110.10", "0.01"),
        ("110.10", "110.50", "109.90", "110.40", "0.01"),
        ("110.40", "110.45", "109.80", "110.00", "0.01"),
    ] * 20
    first = run(plan, bars(rows), range(0, 60, 4))
    second = run(plan, bars(rows), range(0, 60, 4))
    assert first.result.trades == second.result.trades
    assert first.result.orders == second.result.orders
    assert list(first.result.equity.equity) == list(second.result.equity.equity)
