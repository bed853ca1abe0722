"""The state store keeps what a live bot wrote, exactly, across a close and a reopen.

Everything a restarted bot reads back (strategies, plan versions, intents, broker orders,
fills, cursors, journal, snapshots, engine state, alerts, status, halts) is written by one
store, closed, and read by a fresh one: the values must be the very values written
(Decimals with their exponent, datetimes as the same instant), and the invariants a user
relies on (a fill booked once, a newer order report never overwritten by an older one,
journal numbers never reused) must hold on disk, not only in memory.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from store_builders import STRATEGY, T0, fill, intent, limit, report

from tradeplan.live import store_schema
from tradeplan.live.store import (
    Alert,
    IntentState,
    SchemaError,
    Snapshot,
    StateStore,
    StoreError,
    UnknownStrategy,
)
from tradeplan.orders.model import OrderStatus


def opened(directory: Path) -> StateStore:
    store = StateStore.open(directory, clock=lambda: T0)
    store.register_strategy(STRATEGY, "strategies/usdjpy-grid.yaml")
    return store


def test_open_creates_the_directory_and_one_state_file(tmp_path: Path) -> None:
    directory = tmp_path / "state" / "deeper"
    with StateStore.open(directory) as store:
        assert store.path == directory / "state.sqlite"
    assert (directory / "state.sqlite").is_file()


def test_open_without_create_refuses_a_missing_store(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no state store"):
        StateStore.open(tmp_path / "nothing", create=False)
    assert not (tmp_path / "nothing").exists()


def test_the_file_is_wal_with_full_sync_and_foreign_keys(tmp_path: Path) -> None:
    opened(tmp_path).close()
    raw = sqlite3.connect(tmp_path / "state.sqlite")
    assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    raw.close()
    store = opened(tmp_path)
    pragmas = {
        name: store._connection.execute(f"PRAGMA {name}").fetchone()[0]
        for name in ("synchronous", "foreign_keys", "busy_timeout")
    }
    assert pragmas == {"synchronous": 2, "foreign_keys": 1, "busy_timeout": 10_000}
    store.close()


def test_reopen_after_close_gives_everything_back(tmp_path: Path) -> None:
    store = opened(tmp_path)
    store.register_strategy("btc-breakout", "strategies/btc.yaml")
    assert store.add_plan_version(STRATEGY, "fp1", '{"v":1}', "text 1") == 1
    assert store.add_plan_version(STRATEGY, "fp2", '{"v":2}', "text 2") == 2
    assert store.add_plan_version("btc-breakout", "fpb", "{}", "b") == 1
    order = limit("tpaaaaaa1", price="109.50")
    store.add_intent(intent("tpaaaaaa1", order=order))
    store.set_intent_state("tpaaaaaa1", IntentState.SENT, "submitted")
    store.add_intent(intent("tpaaaaaa2", state=IntentState.UNKNOWN))
    stored_report = report(order, OrderStatus.PARTIALLY_FILLED, filled="400", average="109.50")
    store.upsert_order(STRATEGY, stored_report)
    stored_fill = fill("T-1", "tpaaaaaa1", qty="400")
    assert store.add_fill(STRATEGY, stored_fill)
    store.set_cursor("oanda.transactions", "6358")
    j1 = store.append_journal(STRATEGY, "fill", '{"trade":"T-1"}')
    store.save_snapshot(STRATEGY, "slot-1", '{"phase":"open"}', j1)
    j2 = store.append_journal(STRATEGY, "bar", "{}")
    store.save_engine_state(STRATEGY, '{"ledger":[]}', j2)
    store.add_alert(STRATEGY, T0, "feed", "no bar for 3 intervals")
    store.set_status(STRATEGY, "feed", "stale")
    store.halt(STRATEGY, "by hand")
    store.close()

    again = StateStore.open(tmp_path)
    assert again.strategies() == (STRATEGY, "btc-breakout")
    assert again.source(STRATEGY) == "strategies/usdjpy-grid.yaml"
    plan = again.current_plan(STRATEGY)
    assert plan is not None
    assert (plan.version, plan.fingerprint, plan.plan_json, plan.source_text, plan.created) == (
        2,
        "fp2",
        '{"v":2}',
        "text 2",
        T0,
    )
    first = again.plan_version(STRATEGY, 1)
    assert first is not None and first.fingerprint == "fp1"
    sent = again.intent("tpaaaaaa1")
    assert sent is not None
    assert sent.order == order and repr(sent.order.price) == "Decimal('109.50')"
    assert (sent.state, sent.reason, sent.created, sent.updated) == (
        IntentState.SENT,
        "submitted",
        T0,
        T0,
    )
    assert [i.client_id for i in again.intents(STRATEGY)] == ["tpaaaaaa1", "tpaaaaaa2"]
    assert again.orders(STRATEGY) == (stored_report,)
    assert again.fills(STRATEGY) == (stored_fill,)
    assert again.cursor("oanda.transactions") == "6358"
    assert [e.seq for e in again.journal(STRATEGY)] == [j1, j2]
    assert again.snapshots(STRATEGY) == {"slot-1": Snapshot("slot-1", '{"phase":"open"}', j1)}
    assert again.engine_state(STRATEGY) == ('{"ledger":[]}', j2)
    assert again.alerts(STRATEGY) == (Alert(T0, "feed", "no bar for 3 intervals"),)
    assert again.status(STRATEGY) == {"feed": "stale"}
    assert again.halted(STRATEGY) == "by hand"
    again.close()


def test_an_empty_store_answers_none_and_empty(tmp_path: Path) -> None:
    with opened(tmp_path) as store:
        assert store.current_plan(STRATEGY) is None
        assert store.intent("tpaaaaaa1") is None
        assert store.intents(STRATEGY) == ()
        assert store.orders(STRATEGY) == ()
        assert store.fills(STRATEGY) == ()
        assert store.cursor("x") is None
        assert store.journal(STRATEGY) == ()
        assert store.snapshots(STRATEGY) == {}
        assert store.engine_state(STRATEGY) is None
        assert store.alerts(STRATEGY) == ()
        assert store.status(STRATEGY) == {}
        assert store.halted(STRATEGY) is None


def test_registering_twice_keeps_one_strategy_and_the_new_source(tmp_path: Path) -> None:
    with opened(tmp_path) as store:
        store.register_strategy(STRATEGY, "moved/usdjpy-grid.yaml")
        assert store.strategies() == (STRATEGY,)
        assert store.source(STRATEGY) == "moved/usdjpy-grid.yaml"


def test_two_strategies_whose_client_ids_would_collide_are_refused(tmp_path: Path) -> None:
    # Both names hash to the client-id tag "oduqkj" (found by search).
    with StateStore.open(tmp_path) as store:
        store.register_strategy("strategy-24704", "a.yaml")
        with pytest.raises(ValueError, match="share the client-id tag oduqkj"):
            store.register_strategy("strategy-30205", "b.yaml")
        assert store.strategies() == ("strategy-24704",)


def test_plan_versions_count_per_strategy(tmp_path: Path) -> None:
    with opened(tmp_path) as store:
        store.register_strategy("other", "o.yaml")
        numbers = [store.add_plan_version(s, "fp", "{}", "") for s in [STRATEGY, "other"] * 3]
        assert numbers == [1, 1, 2, 2, 3, 3]


def test_a_duplicate_fill_is_stored_once(tmp_path: Path) -> None:
    with opened(tmp_path) as store:
        store.register_strategy("other", "o.yaml")
        assert store.add_fill(STRATEGY, fill("T-1", "tpaaaaaa1"))
        assert not store.add_fill(STRATEGY, fill("T-1", "tpaaaaaa1"))
        # The same execution offered to another strategy is still one fill.
        assert not store.add_fill("other", fill("T-1", "tpaaaaaa1"))
        assert store.add_fill(STRATEGY, fill("T-2", "tpaaaaaa1"))
    with StateStore.open(tmp_path) as store:
        assert not store.add_fill(STRATEGY, fill("T-1", "tpaaaaaa1"))  # also after a restart
        assert [f.trade_id for f in store.fills(STRATEGY)] == ["T-1", "T-2"]
        assert store.fills("other") == ()
        assert store.has_fill("T-2") and not store.has_fill("T-3")


def test_a_fill_without_trade_id_is_refused(tmp_path: Path) -> None:
    with opened(tmp_path) as store, pytest.raises(ValueError, match="trade id"):
        store.add_fill(STRATEGY, fill("", "tpaaaaaa1"))


def test_an_older_order_report_does_not_overwrite_a_newer_one(tmp_path: Path) -> None:
    order = limit("tpaaaaaa1")
    filled = report(order, OrderStatus.FILLED, seq=5, filled="1000", average="109.50")
    with opened(tmp_path) as store:
        assert store.upsert_order(STRATEGY, report(order, OrderStatus.ACCEPTED, seq=2))
        assert store.upsert_order(STRATEGY, filled)
        assert not store.upsert_order(STRATEGY, report(order, OrderStatus.ACCEPTED, seq=3))
        assert store.orders(STRATEGY) == (filled,)
        assert store.order(STRATEGY, "tpaaaaaa1") == filled
        assert store.order(STRATEGY, "tpzzzzzz1") is None
        # Same seq (a broker without sequence numbers says 0 every time): the latest wins.
        other = limit("tpaaaaaa2")
        store.upsert_order(STRATEGY, report(other, OrderStatus.ACCEPTED, seq=0))
        latest = report(other, OrderStatus.CANCELLED, seq=0)
        assert store.upsert_order(STRATEGY, latest)
        assert [r.status for r in store.orders(STRATEGY)] == [
            OrderStatus.FILLED,
            OrderStatus.CANCELLED,
        ]


def test_journal_numbers_increase_across_strategies_and_are_never_reused(
    tmp_path: Path,
) -> None:
    with opened(tmp_path) as store:
        store.register_strategy("other", "o.yaml")
        seqs = [store.append_journal(s, "e", str(i)) for i, s in enumerate([STRATEGY, "other"] * 3)]
        assert seqs == sorted(seqs) and len(set(seqs)) == 6
        assert [e.payload for e in store.journal(STRATEGY)] == ["0", "2", "4"]
        assert [e.payload for e in store.journal(STRATEGY, after=seqs[2])] == ["4"]
        assert store.prune_journal(STRATEGY, seqs[4]) == 3
        assert store.journal(STRATEGY) == ()
        assert len(store.journal("other")) == 3
        last = seqs[-1]
    with StateStore.open(tmp_path) as store:
        store.prune_journal("other", last)
        assert store.append_journal(STRATEGY, "e", "new") > last


def test_snapshots_keep_the_latest_per_owner(tmp_path: Path) -> None:
    with opened(tmp_path) as store:
        store.save_snapshot(STRATEGY, "slot-1", "a", 1)
        store.save_snapshot(STRATEGY, "slot-2", "b", 2)
        store.save_snapshot(STRATEGY, "slot-1", "c", 3)
        assert store.snapshots(STRATEGY) == {
            "slot-1": Snapshot("slot-1", "c", 3),
            "slot-2": Snapshot("slot-2", "b", 2),
        }
        store.drop_snapshot(STRATEGY, "slot-2")
        assert list(store.snapshots(STRATEGY)) == ["slot-1"]
        store.save_engine_state(STRATEGY, "e1", 1)
        store.save_engine_state(STRATEGY, "e2", 3)
        assert store.engine_state(STRATEGY) == ("e2", 3)


def test_alerts_give_the_latest_oldest_first(tmp_path: Path) -> None:
    with opened(tmp_path) as store:
        for minute in range(60):
            store.add_alert(STRATEGY, T0 + timedelta(minutes=minute), "k", f"m{minute}")
        latest = store.alerts(STRATEGY)
        assert [a.message for a in latest] == [f"m{m}" for m in range(10, 60)]
        assert [a.message for a in store.alerts(STRATEGY, limit=2)] == ["m58", "m59"]


def test_status_is_a_map_per_strategy(tmp_path: Path) -> None:
    with opened(tmp_path) as store:
        store.register_strategy("other", "o.yaml")
        store.set_status(STRATEGY, "feed", "live")
        store.set_status(STRATEGY, "feed", "stale")
        store.set_status(STRATEGY, "reconcile", "in sync")
        store.set_status("other", "feed", "live")
        assert store.status(STRATEGY) == {"feed": "stale", "reconcile": "in sync"}
        assert store.status("other") == {"feed": "live"}


def test_halt_and_resume(tmp_path: Path) -> None:
    with opened(tmp_path) as store:
        assert store.halted(STRATEGY) is None
        store.halt(STRATEGY, "drawdown")
        assert store.halted(STRATEGY) == "drawdown"
        store.halt(STRATEGY, "  ")
        assert store.halted(STRATEGY) == "halted"  # a halt without a reason is still a halt
        store.resume(STRATEGY)
        assert store.halted(STRATEGY) is None


@pytest.mark.parametrize(
    "write",
    [
        lambda s: s.halt("nobody", "x"),
        lambda s: s.add_plan_version("nobody", "fp", "{}", ""),
        lambda s: s.add_intent(intent("tpaaaaaa1", strategy="nobody")),
        lambda s: s.add_fill("nobody", fill("T-1", "")),
        lambda s: s.upsert_order("nobody", report(limit("x"))),
        lambda s: s.append_journal("nobody", "k", ""),
        lambda s: s.save_snapshot("nobody", "o", "", 0),
        lambda s: s.save_engine_state("nobody", "", 0),
        lambda s: s.add_alert("nobody", T0, "k", "m"),
        lambda s: s.set_status("nobody", "k", "v"),
        lambda s: s.next_client_seq("nobody"),
    ],
)
def test_writes_for_an_unregistered_strategy_say_so(tmp_path: Path, write: object) -> None:
    with opened(tmp_path) as store:
        with pytest.raises(UnknownStrategy, match="nobody"):
            write(store)  # type: ignore[operator]
        assert store.fills("nobody") == () and store.journal("nobody") == ()


def test_money_is_never_stored_from_a_float_or_a_nan(tmp_path: Path) -> None:
    with opened(tmp_path) as store:
        with pytest.raises(TypeError, match="Decimal"):
            store.add_fill(STRATEGY, dataclasses.replace(fill("T-1", "c"), qty=1.5))  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="finite"):
            store.add_fill(STRATEGY, fill("T-2", "c", price="NaN"))
        assert store.fills(STRATEGY) == ()


def test_naive_datetimes_are_refused(tmp_path: Path) -> None:
    with opened(tmp_path) as store, pytest.raises(ValueError, match="UTC offset"):
        store.add_alert(STRATEGY, T0.replace(tzinfo=None), "k", "m")


def test_stored_money_is_text_not_real(tmp_path: Path) -> None:
    with opened(tmp_path) as store:
        store.add_fill(STRATEGY, fill("T-1", "c", qty="0.10", price="109.50"))
    raw = sqlite3.connect(tmp_path / "state.sqlite")
    row = raw.execute("SELECT typeof(qty), qty, typeof(price), price FROM fills").fetchone()
    raw.close()
    assert row == ("text", "0.10", "text", "109.50")


# --- schema versions --------------------------------------------------------------------------


def test_reopening_does_not_run_the_steps_again(tmp_path: Path) -> None:
    opened(tmp_path).close()
    opened(tmp_path).close()
    raw = sqlite3.connect(tmp_path / "state.sqlite")
    assert raw.execute("SELECT version FROM schema_version").fetchall() == [(1,)]
    raw.close()


def test_a_file_from_a_newer_release_is_refused(tmp_path: Path) -> None:
    opened(tmp_path).close()
    raw = sqlite3.connect(tmp_path / "state.sqlite")
    raw.execute("INSERT INTO schema_version VALUES (99, 'later')")
    raw.commit()
    raw.close()
    with pytest.raises(StoreError, match="schema version 99"):
        StateStore.open(tmp_path)


def test_a_file_that_is_not_a_state_store_is_refused(tmp_path: Path) -> None:
    raw = sqlite3.connect(tmp_path / "state.sqlite")
    raw.execute("CREATE TABLE trades (id INTEGER)")
    raw.commit()
    raw.close()
    with pytest.raises(SchemaError, match="not a state store"):
        StateStore.open(tmp_path)


def test_a_next_release_step_upgrades_an_old_file_once_keeping_its_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with opened(tmp_path) as store:
        store.add_fill(STRATEGY, fill("T-1", "c"))

    def to_v2(connection: sqlite3.Connection) -> None:
        connection.execute("ALTER TABLE fills ADD COLUMN liquidity TEXT NOT NULL DEFAULT ''")

    monkeypatch.setattr(store_schema, "STEPS", (*store_schema.STEPS, to_v2))
    monkeypatch.setattr(store_schema, "LATEST", 2)
    for _ in range(2):
        StateStore.open(tmp_path).close()
    raw = sqlite3.connect(tmp_path / "state.sqlite")
    assert raw.execute("SELECT version FROM schema_version").fetchall() == [(1,), (2,)]
    assert raw.execute("SELECT trade_id, liquidity FROM fills").fetchall() == [("T-1", "")]
    raw.close()


def test_money_is_kept_to_the_last_digit(tmp_path: Path) -> None:
    price = Decimal("0.000000012345678901234567890")
    with opened(tmp_path) as store:
        store.add_fill(STRATEGY, fill("T-1", "c", price=str(price)))
    with StateStore.open(tmp_path) as store:
        (back,) = store.fills(STRATEGY)
        assert back.price == price and str(back.price) == str(price)
