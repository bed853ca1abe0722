"""The paper broker's volume-limited fills (`FillConfig.max_volume_share`): an order takes at
most a share of each bar's volume, so a large order fills in parts over several bars.

What a user sees is the stream of updates: PARTIALLY_FILLED parts, each with its own quantity
and fee, then one FILLED; off by default, and bars without a volume limit nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeplan.backtest.data import MarketData, parse_market_data
from tradeplan.brokers.paper.broker import PaperBroker
from tradeplan.brokers.paper.fills import FeeSchedule, FillConfig
from tradeplan.core.enums import AssetClass, OrderType, Side
from tradeplan.core.instrument import Instrument, default_instrument
from tradeplan.orders.model import Order, OrderEvent, Trail
from tradeplan.ports.broker import OrderUpdate, PriceTouch

USDJPY = default_instrument("USD/JPY")  # quantity step 1
BTC = Instrument(
    "BTCUSDT", AssetClass.CRYPTO_PERP, tick=D("0.1"), step=D("0.001"), quote_currency="USDT"
)
T0 = datetime(2025, 1, 6, 0, 0, tzinfo=UTC)
FLAT = ("110.00", "110.10", "109.90", "110.00")


@dataclass
class Listener:
    updates: list[OrderUpdate] = field(default_factory=list)
    venue: PaperBroker | None = None  # where each fill happened: the venue knows, not the update

    def on_order_update(self, update: OrderUpdate) -> None:
        self.updates.append(update)

    def on_price_touch(self, touch: PriceTouch) -> None:
        raise AssertionError("no watches here")

    def fills(self) -> list[tuple[str, int, D, D]]:
        """(event, row, qty, fee) of every fill."""
        assert self.venue is not None
        return [
            (u.kind.value, self.venue.moment_of(u.seq).row, u.fill_qty, u.fee)
            for u in self.updates
            if u.fill_qty is not None
        ]


def bars(rows: list[tuple[str, ...]], volumes: list[str]) -> MarketData:
    """Bars with a volume column; an empty volume is unknown (NaN, as for a file without the
    column, which is the only way the reader gives one)."""
    lines = ["time,open,high,low,close"] + [
        f"{(T0 + timedelta(minutes=i)).isoformat()},{','.join(r)}" for i, r in enumerate(rows)
    ]
    market = parse_market_data("\n".join(lines), default_spread="0.01")
    column = np.array([float(v) if v else np.nan for v in volumes], dtype=np.float64)
    return replace(market, volume=column, has_volume=True)


def venue(
    market: MarketData,
    share: str | None,
    *,
    instrument: Instrument = USDJPY,
    fees: FeeSchedule | None = None,
) -> tuple[PaperBroker, Listener]:
    config = FillConfig(
        max_volume_share=None if share is None else D(share), fees=fees or FeeSchedule()
    )
    broker = PaperBroker(market, instrument, config, volume=market.volume)
    listener = Listener(venue=broker)
    broker.connect(listener)
    return broker, listener


def walk(broker: PaperBroker) -> None:
    for row in range(broker.rows):
        broker.process_row(row)


def test_a_market_order_fills_over_three_bars_at_a_tenth_of_each_volume() -> None:
    # 10% of 40,000 = 4,000 a bar: 10,000 units take 4,000 + 4,000 + the 2,000 left.
    market = bars([FLAT] * 5, ["40000"] * 5)
    broker, listener = venue(market, "0.1", fees=FeeSchedule(per_unit=D("0.01"), per_order=D(5)))
    broker.submit(Order("m", Side.BUY, OrderType.MARKET, D(10_000)))
    walk(broker)
    assert listener.fills() == [
        ("partially_filled", 0, D(4000), D(45)),  # 40 per unit + the order fee, once
        ("partially_filled", 1, D(4000), D(40)),
        ("filled", 2, D(2000), D(20)),
    ]
    assert sum(u.fill_qty or 0 for u in listener.updates) == D(10_000)
    prices = [u.fill_price for u in listener.updates if u.fill_price is not None]
    assert prices == [D("110.01")] * 3  # each bar's open Ask


def test_the_share_rounds_down_to_the_quantity_step_exactly() -> None:
    # 7% of 12.3456 BTC = 0.864192 -> 0.864 on the 0.001 step, in exact decimals.
    rows = [("50000.0", "50010.0", "49990.0", "50000.0")] * 4
    market = bars(rows, ["12.3456"] * 4)
    broker, listener = venue(market, "0.07", instrument=BTC)
    broker.submit(Order("m", Side.SELL, OrderType.MARKET, D("2.000")))
    walk(broker)
    assert [(kind, qty) for kind, _, qty, _ in listener.fills()] == [
        ("partially_filled", D("0.864")),
        ("partially_filled", D("0.864")),
        ("filled", D("0.272")),
    ]


def test_a_limit_fills_in_bars_that_reach_it_and_no_volume_limits_nothing() -> None:
    rows = [
        ("110.00", "110.10", "109.40", "109.60"),  # reaches 109.50: 1,000 of it
        ("110.00", "110.10", "109.90", "110.00"),  # never reaches it: nothing
        ("109.80", "109.90", "109.30", "109.40"),  # reaches it, no volume known: the rest
    ]
    market = bars(rows, ["10000", "10000", ""])
    broker, listener = venue(market, "0.1")
    broker.submit(Order("l", Side.BUY, OrderType.LIMIT, D(5000), price=D("109.50")))
    walk(broker)
    assert listener.fills() == [
        ("partially_filled", 0, D(1000), D(0)),
        ("filled", 2, D(4000), D(0)),
    ]
    assert {u.fill_price for u in listener.updates if u.fill_price} == {D("109.50")}


def test_an_order_fills_once_per_bar_however_often_the_bar_is_walked() -> None:
    # The take profit's fill makes the venue walk the rest of the bar again for the stop;
    # the stop, already part filled in that bar, must not take a second share of it.
    rows = [("110.00", "110.10", "108.90", "109.00"), ("109.00", "109.10", "108.80", "108.90")]
    market = bars(rows, ["20000", "20000"])
    broker, listener = venue(market, "0.1")
    broker.submit(Order("s", Side.SELL, OrderType.STOP, D(5000), trigger=D("109.50")))
    broker.submit(Order("t", Side.SELL, OrderType.LIMIT, D(100), price=D("109.95")))
    walk(broker)
    stop = [(k, row, qty) for k, row, qty, _ in listener.fills() if k and qty != D(100)]
    assert stop == [
        ("partially_filled", 0, D(2000)),
        ("partially_filled", 1, D(2000)),
    ]  # and 1,000 still working: the data ended


def test_off_by_default_an_order_fills_in_one_piece() -> None:
    market = bars([FLAT] * 2, ["10"] * 2)
    broker, listener = venue(market, None)
    broker.submit(Order("m", Side.BUY, OrderType.MARKET, D(10_000)))
    walk(broker)
    assert listener.fills() == [("filled", 0, D(10_000), D(0))]


def test_a_partly_filled_order_can_be_resized() -> None:
    market = bars([FLAT] * 4, ["10000"] * 4)
    broker, listener = venue(market, "0.1")
    broker.submit(Order("m", Side.BUY, OrderType.MARKET, D(5000)))
    broker.process_row(0)
    broker.amend("m", qty=D(2500))  # 1,000 filled; now 1,500 more to go
    broker.process_row(1)
    broker.process_row(2)
    assert [(u.kind.value, u.fill_qty) for u in listener.updates] == [
        ("accepted", None),
        ("partially_filled", D(1000)),
        ("amended", None),
        ("partially_filled", D(1000)),
        ("filled", D(500)),
    ]


def test_a_resized_trailing_stop_keeps_its_peak() -> None:
    # A quantity-only amendment must not restart the trail from the market.
    rows = [
        FLAT,
        ("110.00", "111.00", "110.00", "111.00"),  # peak 111.00: stop 110.50
        ("110.90", "110.95", "110.85", "110.90"),
        ("110.60", "110.60", "110.40", "110.45"),  # falls through 110.50
    ]
    market = bars(rows, [""] * 4)
    broker, listener = venue(market, "0.1")
    broker.process_row(0)
    trail = Trail.amount(D("0.5"))
    broker.submit(Order("ts", Side.SELL, OrderType.TRAILING_STOP, D(100), trail=trail))
    broker.process_row(1)
    broker.amend("ts", qty=D(60))
    broker.process_row(2)
    broker.process_row(3)
    fill = listener.updates[-1]
    assert (fill.kind, fill.fill_qty, fill.fill_price) == (OrderEvent.FILLED, D(60), D("110.50"))


@pytest.mark.parametrize("share", ["0", "-0.1", "1.5"])
def test_a_share_outside_zero_to_one_is_refused(share: str) -> None:
    with pytest.raises(ValueError, match="max_volume_share"):
        FillConfig(max_volume_share=D(share))


@settings(max_examples=60, deadline=None)
@given(
    qty=st.integers(1, 50_000),
    share=st.sampled_from(["0.01", "0.05", "0.1", "0.25", "1"]),
    volumes=st.lists(st.integers(0, 30_000), min_size=1, max_size=12),
)
def test_parts_sum_to_the_order_and_none_exceeds_its_share(
    qty: int, share: str, volumes: list[int]
) -> None:
    market = bars([FLAT] * len(volumes), [str(v) for v in volumes])
    broker, listener = venue(market, share)
    broker.submit(Order("m", Side.BUY, OrderType.MARKET, D(qty)))
    walk(broker)
    fills = listener.fills()
    rows = [row for _, row, _, _ in fills]
    assert rows == sorted(set(rows))  # at most one part per bar
    for _, row, part, _ in fills:
        assert 0 < part <= (D(share) * volumes[row]).to_integral_value(rounding="ROUND_FLOOR")
    total = sum((part for _, _, part, _ in fills), D(0))
    assert total <= qty
    kinds = [kind for kind, _, _, _ in fills]
    if total == qty:
        assert kinds == ["partially_filled"] * (len(kinds) - 1) + ["filled"]
    else:
        assert "filled" not in kinds
