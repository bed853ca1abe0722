"""The paper venue's journal (`--state DIR`): a venue restored from it is where the old one was,
to the sequence number, and goes on exactly as the old one would have."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest

from tradeplan.backtest.data import parse_market_data
from tradeplan.brokers.paper.fills import FillConfig
from tradeplan.brokers.paper.live_journal import FILE_NAME, JournalError, VenueJournal
from tradeplan.brokers.paper.live_venue import LivePaperVenue
from tradeplan.core.enums import OrderType, Side
from tradeplan.core.instrument import default_instrument
from tradeplan.orders.model import Order, Trail

USDJPY = default_instrument("USD/JPY")
T0 = datetime(2025, 1, 6, tzinfo=UTC)
ROWS = [
    ("150.000", "150.050", "149.950", "150.000"),
    ("150.000", "150.800", "149.900", "150.700"),
    ("150.700", "151.200", "150.400", "150.500"),
    ("150.500", "150.600", "149.200", "149.300"),
    ("149.300", "149.500", "148.800", "149.400"),
    ("149.400", "150.900", "149.300", "150.800"),
]
IDENTITY = {"feed": "test", "rows": len(ROWS)}


def venue() -> LivePaperVenue:
    lines = ["time,open,high,low,close"] + [
        f"{(T0 + timedelta(minutes=i)).isoformat()},{','.join(r)}" for i, r in enumerate(ROWS)
    ]
    data = parse_market_data("\n".join(lines), default_spread="0.010")
    return LivePaperVenue(data, USDJPY, FillConfig())


def picture(live: LivePaperVenue) -> dict[str, Any]:
    ids = ["m", "s", "t", "l", "r", "late"]
    return {
        "reports": [live.lookup(i) for i in ids],
        "open": live.open_orders(),
        "fills": live.fills_since(None),
        "positions": live.positions(),
        "seq": live.last_seq,
        "cursor": live.cursor,
        "account": live.account(),
    }


def first_half(live: LivePaperVenue) -> None:
    live.submit(Order("m", Side.BUY, OrderType.MARKET, D(1000)))
    live.submit(Order("s", Side.SELL, OrderType.STOP, D(1000), trigger=D("149.000")))
    live.step()
    live.submit(
        Order("t", Side.SELL, OrderType.TRAILING_STOP, D(500), trail=Trail.amount(D("0.6")))
    )
    live.amend("s", trigger=D("149.100"))
    live.faults.reject_next_submit("injected")
    live.submit(Order("r", Side.BUY, OrderType.MARKET, D(1)))
    live.step()
    live.submit(Order("l", Side.BUY, OrderType.LIMIT, D(300), price=D("140.000")))
    live.watch("w", Side.SELL, D("150.800"))
    live.step()


def second_half(live: LivePaperVenue) -> None:
    live.cancel("l")
    live.submit(Order("late", Side.BUY, OrderType.MARKET, D(200)))
    while live.step():
        pass


def test_a_restored_venue_is_where_the_old_one_was_and_goes_on_alike(tmp_path: Path) -> None:
    never_stopped = venue()
    first_half(never_stopped)

    old = venue()
    journal = VenueJournal(tmp_path, IDENTITY)
    journal.restore(old)  # nothing to replay: it journals from here
    first_half(old)
    journal.close()
    assert picture(old) == picture(never_stopped)

    new = venue()
    reopened = VenueJournal(tmp_path, IDENTITY)
    reopened.restore(new)
    assert reopened.entries > 0
    assert picture(new) == picture(never_stopped)

    second_half(never_stopped)
    second_half(new)
    assert picture(new) == picture(never_stopped)
    assert any(f.client_id == "t" for f in never_stopped.fills_since(None).fills)  # it trailed
    reopened.close()


def test_a_journal_of_another_feed_is_refused(tmp_path: Path) -> None:
    VenueJournal(tmp_path, IDENTITY).close()
    with pytest.raises(JournalError, match="another feed"):
        VenueJournal(tmp_path, {**IDENTITY, "rows": 7})


def test_a_line_cut_short_by_a_crash_is_dropped(tmp_path: Path) -> None:
    old = venue()
    journal = VenueJournal(tmp_path, IDENTITY)
    journal.restore(old)
    old.submit(Order("m", Side.BUY, OrderType.MARKET, D(1000)))
    old.step()
    journal.close()
    with (tmp_path / FILE_NAME).open("a", encoding="utf-8") as handle:
        handle.write('{"kind":"submit","order":{"id":"half')  # the crash
    new = venue()
    reopened = VenueJournal(tmp_path, IDENTITY)
    reopened.restore(new)
    new.submit(Order("n", Side.BUY, OrderType.MARKET, D(1)))
    reopened.close()
    again = venue()
    VenueJournal(tmp_path, IDENTITY).restore(again)
    assert again.lookup("n") is not None and again.lookup("m") is not None
    assert again.cursor == 1


def test_a_journaled_venue_refuses_commands_from_inside_a_row(tmp_path: Path) -> None:
    live = venue()
    VenueJournal(tmp_path, IDENTITY).restore(live)

    class Reactive:
        def on_order_update(self, update: object) -> None:
            live.submit(Order("exit", Side.SELL, OrderType.LIMIT, D(1000), price=D("151")))

        def on_price_touch(self, touch: object) -> None:
            pass

    live.submit(Order("m", Side.BUY, OrderType.MARKET, D(1000)))
    live.connect(Reactive())
    with pytest.raises(RuntimeError, match="between rows"):
        live.step()
