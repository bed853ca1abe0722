"""Whatever a broker reports comes back from the store as it went in: any order, any number.

Prices, quantities and fees are exact Decimals of any exponent (`109.50` stays `109.50`,
`0E-8` stays `0E-8`), orders of every type with every optional field, times in any zone as
the same instant in UTC. One store writes, a second connection (as a restarted bot would)
reads back.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from store_builders import STRATEGY, decimals, fill, intent, limit, orders, positive, report, times

from tradeplan.core.enums import Side
from tradeplan.live.store import IntentState, StateStore
from tradeplan.orders.model import Order, OrderStatus

_ids = itertools.count(1)


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[StateStore, StateStore]]:
    directory = tmp_path_factory.mktemp("roundtrip")
    writer = StateStore.open(directory)
    writer.register_strategy(STRATEGY, "s.yaml")
    reader = StateStore.open(directory)
    yield writer, reader
    writer.close()
    reader.close()


def fresh_id() -> str:
    return f"tpround{next(_ids)}"


@settings(max_examples=150)
@given(qty=decimals, price=decimals, fee=decimals, when=times, side=st.sampled_from(list(Side)))
def test_a_fill_comes_back_exactly(
    stores: tuple[StateStore, StateStore],
    qty: Decimal,
    price: Decimal,
    fee: Decimal,
    when: datetime,
    side: Side,
) -> None:
    writer, reader = stores
    trade_id = fresh_id()
    written = replace(fill(trade_id, "c"), qty=qty, price=price, fee=fee, time=when, side=side)
    assert writer.add_fill(STRATEGY, written)
    (back,) = (f for f in reader.fills(STRATEGY) if f.trade_id == trade_id)
    assert back == replace(written, time=when.astimezone(UTC))
    assert (str(back.qty), str(back.price), str(back.fee)) == (str(qty), str(price), str(fee))
    assert back.time.utcoffset() is not None and back.time.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


@settings(max_examples=150)
@given(order=orders(), filled=decimals, average=st.none() | positive, seq=st.integers(0, 2**62))
def test_an_order_report_comes_back_exactly(
    stores: tuple[StateStore, StateStore],
    order: Order,
    filled: Decimal,
    average: Decimal | None,
    seq: int,
) -> None:
    writer, reader = stores
    order = replace(order, id=fresh_id())
    written = replace(
        report(order, OrderStatus.PARTIALLY_FILLED), filled_qty=filled, average_price=average
    )
    written = replace(written, seq=seq)
    assert writer.upsert_order(STRATEGY, written)
    back = reader.order(STRATEGY, order.id)
    assert back == written
    assert repr(back) == repr(written)  # every Decimal with its exponent


@settings(max_examples=150)
@given(order=orders(), owner=st.text(max_size=20), reason=st.text(max_size=40), when=times)
def test_an_intent_comes_back_exactly(
    stores: tuple[StateStore, StateStore], order: Order, owner: str, reason: str, when: datetime
) -> None:
    writer, reader = stores
    cid = fresh_id()
    written = replace(
        intent(cid, order=replace(order, id=cid), owner=owner, state=IntentState.UNKNOWN),
        reason=reason,
        created=when,
        updated=when,
    )
    writer.add_intent(written)
    back = reader.intent(cid)
    assert back is not None
    assert back == replace(written, created=when.astimezone(UTC), updated=when.astimezone(UTC))
    assert repr(back.order) == repr(written.order)


@settings(max_examples=50)
@given(
    text=st.text(),
    name=st.text(min_size=1, max_size=20),
    value=st.text(),
)
def test_text_comes_back_exactly(
    stores: tuple[StateStore, StateStore], text: str, name: str, value: str
) -> None:
    writer, reader = stores
    seq = writer.append_journal(STRATEGY, name, text)
    writer.save_snapshot(STRATEGY, name, text, seq)
    writer.set_cursor(name, value)
    writer.set_status(STRATEGY, name, value)
    assert reader.journal(STRATEGY, after=seq - 1)[0].payload == text
    assert reader.snapshots(STRATEGY)[name].state == text
    assert reader.cursor(name) == value
    assert reader.status(STRATEGY)[name] == value


def test_the_trailing_zeros_of_a_price_survive(stores: tuple[StateStore, StateStore]) -> None:
    writer, reader = stores
    order = limit(fresh_id(), price="109.500", qty="1000.0")
    writer.upsert_order(STRATEGY, report(order))
    back = reader.order(STRATEGY, order.id)
    assert back is not None
    assert (str(back.order.price), str(back.order.qty)) == ("109.500", "1000.0")
