"""Issue 8: one calendar. Sessions, trading days, the risk day and day-order ends come from
`tradeplan.core.calendar`, and the evaluator, the paper broker and the engine's risk day all
agree with it (the last test guards against a second copy of a rule creeping back in).

Each rule is checked where a user meets it: `session == rth` in the evaluator (on the bars a
backtest builds), the rows an order may work in and the end of a day order on the paper
broker, and the rows at which the engine's trading days end (the daily loss limit's day).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeplan.api_backtest import bar_arrays
from tradeplan.backtest.data import MarketData, parse_market_data
from tradeplan.brokers.paper.broker import PaperAccount, PaperBroker
from tradeplan.brokers.paper.sessions import SessionCalendar, tradable, tradable_rows
from tradeplan.compiler.lowering import lower
from tradeplan.compiler.pipeline import compile_source
from tradeplan.core import calendar
from tradeplan.core.calendar import UsSession
from tradeplan.core.enums import AssetClass, Session
from tradeplan.lang.expr import Compare, Name
from tradeplan.lang.source import Form
from tradeplan.plan.model import Plan
from tradeplan.risk import EquityTracker
from tradeplan.runtime.engine import Engine, RuleInputs
from tradeplan.runtime.evaluate import compile_series

NY = ZoneInfo("America/New_York")
NS = 1_000_000_000
WINTER = date(2025, 1, 6)  # a Monday, EST (UTC-5)
SUMMER = date(2025, 7, 7)  # a Monday, EDT (UTC-4)
SATURDAY = date(2025, 1, 11)
HOLIDAYS = (date(2025, 7, 4), date(2025, 1, 9))  # Independence Day; a mourning-day closure
WORDS = {"pre": UsSession.PRE, "rth": UsSession.REGULAR, "post": UsSession.POST}

HEADS = {
    AssetClass.US_STOCK: "instrument: US.AAPL\naccount: {currency: USD, balance: 100000}\n",
    AssetClass.FX: "instrument: USD/JPY\naccount: {currency: JPY, balance: 10000000}\n",
    AssetClass.CRYPTO_PERP: (
        "instrument: {symbol: BTCUSDT, kind: crypto_perp}\n"
        "account: {currency: USDT, balance: 10000}\n"
    ),
}


def plan_for(asset_class: AssetClass) -> Plan:
    text = (
        "tradeplan: 1\nname: calendar\n"
        + HEADS[asset_class]
        + "broker: paper\n"
        + ("session: all\n" if asset_class is AssetClass.US_STOCK else "")
        + "entries:\n  - {name: r, side: long, when: close > 0, units: 1}\n"
        + "exits:\n  stop_loss: 10%\n"
    )
    result = compile_source(text, "calendar.yaml", Form.YAML)
    assert result.plan is not None, [str(d) for d in result.diagnostics]
    return result.plan


PLANS = {kind: plan_for(kind) for kind in AssetClass}


def new_york(day: date, hour: int, minute: int = 0, second: int = 0) -> int:
    """Epoch seconds of a New York wall-clock time."""
    return int(datetime.combine(day, time(hour, minute, second), tzinfo=NY).timestamp())


def data_at(seconds: Sequence[int]) -> MarketData:
    rows = [f"{datetime.fromtimestamp(s, UTC).isoformat()},1,1,1,1,0" for s in seconds]
    return parse_market_data("time,open,high,low,close,spread\n" + "\n".join(rows))


def evaluator_sessions(seconds: Sequence[int]) -> list[int]:
    """The session each row has for the evaluator: which of `session == pre|rth|post` holds
    on the bars a US-stock backtest builds (CLOSED when none does)."""
    plan = PLANS[AssetClass.US_STOCK]
    bars = bar_arrays(plan, data_at(seconds))
    codes = np.zeros(len(seconds), dtype=np.int64)
    for word, code in WORDS.items():
        program, (ref,) = lower([Compare("==", Name("session"), Name(word))], plan.instrument)
        holds = compile_series(program, ref, bars, tz="America/New_York")
        assert not (codes[holds] != 0).any(), "two session words hold at once"
        codes[holds] = code
    assert bars.session.tolist() == codes.tolist()
    return codes.tolist()


def broker_sessions(seconds: Sequence[int]) -> list[int]:
    codes = SessionCalendar(AssetClass.US_STOCK).session_codes(
        np.array(seconds, dtype=np.int64) * NS
    )
    assert codes is not None
    return codes.tolist()


def broker_may_work(seconds: Sequence[int], session: Session) -> list[bool]:
    """Whether an order of `session` may work in each row, as the paper broker asks it one row
    at a time and over a stretch of rows (a trailing order's quiet rows)."""
    codes = broker_sessions(seconds)
    one_by_one = [tradable(code, session) for code in codes]
    assert tradable_rows(np.array(codes, dtype=np.int8), session).tolist() == one_by_one
    return one_by_one


def engine_for(asset_class: AssetClass, seconds: Sequence[int]) -> Engine:
    plan = PLANS[asset_class]
    data = data_at(seconds)
    account = PaperAccount(plan.account.currency, plan.account.balance or Decimal(1), None)
    broker = PaperBroker(data, plan.instrument, account=account)
    inputs = {"r": RuleInputs(np.zeros(len(seconds), dtype=np.bool_))}
    return Engine(plan, broker, data, inputs)


# --- US sessions -----------------------------------------------------------------------------

EDGES = [
    ((3, 59), UsSession.CLOSED),
    ((4, 0), UsSession.PRE),
    ((9, 29), UsSession.PRE),
    ((9, 30), UsSession.REGULAR),
    ((15, 59), UsSession.REGULAR),
    ((16, 0), UsSession.POST),
    ((19, 59), UsSession.POST),
    ((20, 0), UsSession.CLOSED),
]


@pytest.mark.parametrize("day", [WINTER, SUMMER], ids=["winter", "summer"])
def test_us_sessions_change_at_4_930_16_and_20_new_york_in_winter_and_summer(day: date) -> None:
    times = [new_york(day, h, m) for (h, m), _ in EDGES]
    expected = [code for _, code in EDGES]
    assert calendar.us_sessions(times).tolist() == expected
    assert evaluator_sessions(times) == expected
    assert broker_sessions(times) == expected
    # The edge is the first second of a session: one second before it is the session before.
    assert calendar.us_session(new_york(day, 9, 29, 59)) is UsSession.PRE
    assert calendar.us_session(new_york(day, 15, 59, 59)) is UsSession.REGULAR


@pytest.mark.parametrize("day", [SATURDAY, SATURDAY + timedelta(days=1), *HOLIDAYS], ids=str)
def test_weekends_and_nyse_holidays_are_closed_for_the_evaluator_and_the_paper_broker(
    day: date,
) -> None:
    # Before issue 8 the paper broker called Saturday 10:00 New York regular hours (the
    # evaluator said closed), and neither knew holidays.
    times = [new_york(day, h) for h in (5, 10, 17)]
    closed = [UsSession.CLOSED] * 3
    assert calendar.us_sessions(times).tolist() == closed
    assert evaluator_sessions(times) == closed
    for session in Session:
        assert broker_may_work(times, session) == [False] * 3
    engine = engine_for(AssetClass.US_STOCK, [times[0], new_york(day, 9, 59), times[1]])
    assert not engine.regular_hours_after(0)  # market orders are refused there


def test_the_trading_day_after_a_holiday_opens_as_usual() -> None:
    day = HOLIDAYS[0] + timedelta(days=3)  # Monday 2025-07-07
    assert calendar.is_nyse_trading_day(day)
    assert not calendar.is_nyse_trading_day(HOLIDAYS[0])
    assert evaluator_sessions([new_york(day, 10)]) == [UsSession.REGULAR]


# --- trading days and the risk day ---------------------------------------------------------------


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("before", "roll"),
    [
        (utc(2025, 1, 7, 21, 59, 59), utc(2025, 1, 7, 22)),  # EST: 17:00 is 22:00 UTC
        (utc(2025, 7, 8, 20, 59, 59), utc(2025, 7, 8, 21)),  # EDT: 17:00 is 21:00 UTC
        (utc(2025, 3, 10, 20, 59, 59), utc(2025, 3, 10, 21)),  # the Monday after the switch
        (utc(2025, 11, 3, 21, 59, 59), utc(2025, 11, 3, 22)),  # the Monday after the switch back
    ],
)
def test_the_fx_day_rolls_at_17_new_york_across_daylight_saving(
    before: datetime, roll: datetime
) -> None:
    boundary = calendar.risk_day_boundary(AssetClass.FX)
    assert boundary.trading_day(roll) == boundary.trading_day(before) + timedelta(days=1)
    assert boundary.start_ns(boundary.trading_day(roll)) == int(roll.timestamp()) * NS
    # The engine's day ends (where the daily loss limit reads the next day's start) agree.
    times = [int(before.timestamp()) - 60, int(before.timestamp()), int(roll.timestamp())]
    engine = engine_for(AssetClass.FX, times)
    again = engine.first_close_at(engine.next_trading_day_ns(0), 1)
    assert again == 1  # row 1 is the last row of its FX day
    tracker = EquityTracker(boundary=boundary).update(before, Decimal(1)).update(roll, Decimal(1))
    assert tracker.day == boundary.trading_day(roll)


def test_the_crypto_day_is_the_utc_day_and_the_us_stock_day_new_yorks() -> None:
    crypto = calendar.risk_day_boundary(AssetClass.CRYPTO_PERP)
    assert crypto.trading_day(utc(2025, 7, 8, 23, 59, 59)) == date(2025, 7, 8)
    assert crypto.trading_day(utc(2025, 7, 9)) == date(2025, 7, 9)
    stocks = calendar.risk_day_boundary(AssetClass.US_STOCK)
    assert stocks.trading_day(utc(2025, 7, 9, 3, 59, 59)) == date(2025, 7, 8)  # 23:59:59 EDT
    assert stocks.trading_day(utc(2025, 7, 9, 4)) == date(2025, 7, 9)
    times = [int(utc(2025, 7, 8, 23, 58).timestamp()), int(utc(2025, 7, 8, 23, 59).timestamp())]
    times.append(int(utc(2025, 7, 9).timestamp()))
    engine = engine_for(AssetClass.CRYPTO_PERP, times)
    assert engine.first_close_at(engine.next_trading_day_ns(0), 1) == 1


# --- day orders ----------------------------------------------------------------------------------


def day_end(asset_class: AssetClass, placed: int, session: Session) -> int:
    """The broker's day-order end (checked against the calendar's) in epoch seconds."""
    ends = SessionCalendar(asset_class).day_end_ns(placed * NS, session)
    assert ends == calendar.day_order_end_ns(asset_class, placed * NS, session)
    return ends // NS


FRIDAY = date(2025, 1, 10)
MONDAY = date(2025, 1, 13)


@pytest.mark.parametrize("day", [WINTER, SUMMER], ids=["winter", "summer"])
def test_a_us_day_order_ends_with_its_session(day: date) -> None:
    stock = AssetClass.US_STOCK
    assert day_end(stock, new_york(day, 10), Session.RTH) == new_york(day, 16)
    assert day_end(stock, new_york(day, 10), Session.ETH) == new_york(day, 20)
    assert day_end(stock, new_york(day, 5), Session.ALL) == new_york(day, 20)
    # Placed at or after its session's end: the next trading day's session.
    after = day + timedelta(days=1)
    assert day_end(stock, new_york(day, 16), Session.RTH) == new_york(after, 16)
    assert day_end(stock, new_york(day, 20), Session.ALL) == new_york(after, 20)


def test_a_us_day_order_placed_after_the_close_skips_weekends_and_holidays() -> None:
    stock = AssetClass.US_STOCK
    # Before issue 8 it ended on Saturday 16:00 and so never worked.
    assert day_end(stock, new_york(FRIDAY, 16, 30), Session.RTH) == new_york(MONDAY, 16)
    assert day_end(stock, new_york(SATURDAY, 10), Session.ALL) == new_york(MONDAY, 20)
    thursday = date(2025, 7, 3)  # Independence Day is Friday 2025-07-04
    assert day_end(stock, new_york(thursday, 17), Session.RTH) == new_york(date(2025, 7, 7), 16)


def test_fx_and_crypto_day_orders_end_at_their_day_roll() -> None:
    fx = AssetClass.FX
    assert day_end(fx, new_york(WINTER, 10), Session.RTH) == new_york(WINTER, 17)
    assert day_end(fx, new_york(SUMMER, 10), Session.RTH) == new_york(SUMMER, 17)
    assert day_end(fx, new_york(WINTER, 17), Session.RTH) == new_york(WINTER, 17) + 86_400
    assert day_end(fx, new_york(FRIDAY, 17), Session.RTH) == new_york(MONDAY, 17)  # week closed
    crypto = AssetClass.CRYPTO_PERP
    placed = int(utc(2025, 7, 8, 23, 59).timestamp())
    assert day_end(crypto, placed, Session.RTH) == int(utc(2025, 7, 9).timestamp())
    assert day_end(crypto, placed + 60, Session.RTH) == int(utc(2025, 7, 10).timestamp())


def test_gtc_orders_are_kept_90_days_on_us_stocks_only() -> None:
    now = new_york(WINTER, 10) * NS
    assert calendar.gtc_end_ns(AssetClass.US_STOCK, now) == now + 90 * 86_400 * NS
    assert SessionCalendar(AssetClass.US_STOCK).gtc_end_ns(now) == now + 90 * 86_400 * NS
    assert calendar.gtc_end_ns(AssetClass.FX, now) is None
    assert calendar.gtc_end_ns(AssetClass.CRYPTO_PERP, now) is None


def test_open_time_counts_nyse_regular_hours_and_the_fx_week() -> None:
    def open_hours(kind: AssetClass, start: int, end: int) -> float:
        found = calendar.open_ns_between(kind, np.array([start * NS]), np.array([end * NS]))
        return int(found[0]) / NS / 3600

    stock, fx = AssetClass.US_STOCK, AssetClass.FX
    # Thursday 3 July closes at 13:00, Friday is Independence Day, then the weekend, Monday.
    thursday, tuesday = date(2025, 7, 3), date(2025, 7, 8)
    assert open_hours(stock, new_york(thursday, 0), new_york(tuesday, 0)) == 3.5 + 6.5
    assert open_hours(fx, new_york(FRIDAY, 16), new_york(MONDAY - timedelta(days=1), 18)) == 2


# --- one copy of every rule ----------------------------------------------------------------------

BOUNDARY_TIMES = [time(0), time(4), time(9, 30), time(16), time(17), time(20)]
FIRST_DAY, LAST_DAY = date(2015, 1, 1), date(2035, 12, 31)


@st.composite
def moments(draw: st.DrawFn) -> list[int]:
    """A few epoch seconds within a week from 2015 to 2035, most within seconds of a session
    edge or a day roll (New York wall clock, so daylight-saving days and holidays are reached
    too). Close together, so that rows share trading days and the day boundary decides."""
    first = draw(st.dates(FIRST_DAY, LAST_DAY))
    days = st.integers(0, 6).map(lambda k: first + timedelta(days=k))
    near_edge = st.builds(
        lambda day, at, shift: new_york(day, at.hour, at.minute) + shift,
        days,
        st.sampled_from(BOUNDARY_TIMES),
        st.integers(-3, 3),
    )
    anywhere = st.integers(new_york(first, 0), new_york(first + timedelta(days=7), 0))
    found = draw(st.lists(near_edge | anywhere, min_size=2, max_size=12, unique=True))
    return sorted(found)


@settings(max_examples=150, deadline=None)
@given(moments(), st.sampled_from(AssetClass))
def test_the_evaluator_the_paper_broker_and_the_risk_day_ask_the_one_calendar(
    seconds: list[int], asset_class: AssetClass
) -> None:
    codes = calendar.us_sessions(seconds).tolist()
    assert evaluator_sessions(seconds) == codes
    assert broker_sessions(seconds) == codes
    for session in Session:
        expected = [calendar.order_may_work(code, session) for code in codes]
        assert broker_may_work(seconds, session) == expected
    engine = engine_for(asset_class, seconds)
    # The risk day: the engine reads the next day's starting equity at the last row of each
    # trading day, which is where the calendar's day changes from one row to the next.
    days = calendar.risk_day_boundary(asset_class).trading_day_ids(seconds)
    ends = [row for row in range(len(seconds) - 1) if days[row] < days[row + 1]]
    # A slot refused for the day arms again at the first close in the next trading day: the
    # first close at or after `next_trading_day_ns`, the next of those rows (or, past the
    # last of them, only the last row, which has no quote after it to arm against).
    last = len(seconds) - 1
    for row in range(len(seconds)):
        following = [end for end in ends if end > row]
        again = engine.first_close_at(engine.next_trading_day_ns(row), row + 1)
        assert again == following[0] if following else again >= last
    for row in range(len(seconds)):
        when = datetime.fromtimestamp(seconds[row], UTC)
        day = calendar.risk_day_boundary(asset_class).trading_day(when)
        assert (day - date(1970, 1, 1)).days == days[row]
    if asset_class is AssetClass.US_STOCK:
        for row in range(len(seconds)):
            regular = calendar.us_session(engine.close_ns(row) // NS) is UsSession.REGULAR
            assert engine.regular_hours_after(row) == regular
