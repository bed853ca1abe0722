"""A close at market (a time exit, a break-even timeout, `exit_when`) goes out only once the
broker has confirmed the cancels of the position's exits.

Live, a cancel travels: the take profit it cancels may fill meanwhile. A close sent beside the
cancels then sells the position a second time, leaving the account short what it was long
(found by the crash test under load: the store held +15,000, the venue -9,752). Here every
submit and cancel reaches the paper venue five bars late (`command_delay_rows`): the clock
closes the position while the market runs through its take profit, which fills first.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from live_harness import live_session, source

from tradeplan.live.paper_session import load_feed

STRATEGY = """\
tradeplan: 1
name: clock-and-target
instrument: {symbol: USD/JPY, pip: 0.01}
account: {currency: JPY, balance: 10000000, leverage: 25}
broker: paper
entries:
  - {name: once, side: long, when: close crosses_above 110.05, units: 10000}
exits:
  stop_loss: 50 pips
  take_profit: 20 pips
  time_exit: 10m
"""


def _feed(folder: Path) -> Path:
    """Flat at 110.00, up to 110.10 (the entry), flat until the clock has run out, then up
    through the take profit (110.30) while the cancels and the close travel."""
    # With every command five bars late: the entry fills at bar 11, its exits reach the venue
    # at bar 16, the clock runs out at the close of bar 21, the market rises from bar 23.
    closes = ["110.00"] * 5 + ["110.10"] * 18 + ["110.40"] * 20
    lines = ["time,open,high,low,close,volume,spread"]
    previous = closes[0]
    for minute, close in enumerate(closes):
        low, high = sorted((Decimal(previous), Decimal(close)))
        stamp = f"2025-01-06T{minute // 60:02d}:{minute % 60:02d}:00+00:00"
        lines.append(f"{stamp},{previous},{high},{low},{close},100,0.002")
        previous = close
    path = folder / "feed.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_close_at_market_waits_for_the_exits_cancels_and_never_sells_twice(
    tmp_path: Path,
) -> None:
    path = tmp_path / "clock-and-target.yaml"
    path.write_text(STRATEGY, encoding="utf-8")
    plan = source(path)
    session = live_session(
        [plan], tmp_path / "state", None, data=load_feed(plan.plan, _feed(tmp_path))
    )
    session.venue.faults.command_delay_rows = 5
    assert session.runner.run() == 0
    engine = session.runner.strategies[0].engine
    trades = engine.records[0]
    positions = session.venue.positions()
    fills = session.venue.fills_since(None).fills
    session.close()

    assert [t.exit_reason.value for t in trades] == ["take_profit"], trades
    assert sum((p.qty for p in positions), Decimal(0)) == 0, "the venue is flat, not short"
    assert not engine.ledger.open
    sold = sum((f.qty for f in fills if f.side.value == "sell"), Decimal(0))
    assert sold == Decimal(10000), "sold once what was bought"
