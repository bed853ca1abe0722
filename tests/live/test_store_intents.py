"""Intents move only forward, client-id numbers are never handed out twice, and a
transaction is all or nothing.

These are the promises the live runtime's write order rests on (LIVE.md sections 2 and 3):
an intent is on disk before its order is sent; an order whose send ended in doubt (UNKNOWN)
is resolved by a lookup (ACKED, REJECTED or DONE), never sent again; nothing leaves REJECTED
or DONE; and a restarted bot numbers its next order after every number it used before.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from pathlib import Path

import pytest
from store_builders import STRATEGY, T0, fill, intent, limit

from tradeplan.live.client_ids import parse_client_id, strategy_tag
from tradeplan.live.store import IntentState, StateStore, StoreError

S = IntentState
# The moves a live bot makes, written out here independently of the store's table.
LEGAL = {
    (S.PENDING_SEND, S.SENT),  # the submit call returned
    (S.PENDING_SEND, S.ACKED),  # the update came before the submit returned
    (S.PENDING_SEND, S.UNKNOWN),  # the submit timed out
    (S.PENDING_SEND, S.REJECTED),
    (S.PENDING_SEND, S.DONE),  # given up unsent after a lookup proved it absent
    (S.SENT, S.ACKED),
    (S.SENT, S.UNKNOWN),
    (S.SENT, S.REJECTED),
    (S.SENT, S.DONE),
    (S.ACKED, S.REJECTED),  # a triggered stop's release refused
    (S.ACKED, S.DONE),
    (S.UNKNOWN, S.ACKED),
    (S.UNKNOWN, S.REJECTED),
    (S.UNKNOWN, S.DONE),
}


def opened(directory: Path, clock: object = None) -> StateStore:
    store = StateStore.open(directory, clock=clock or (lambda: T0))  # type: ignore[arg-type]
    store.register_strategy(STRATEGY, "s.yaml")
    return store


@pytest.mark.parametrize(("old", "new"), list(itertools.product(S, S)))
def test_an_intent_moves_only_forward(tmp_path: Path, old: S, new: S) -> None:
    later = T0 + timedelta(minutes=1)
    with opened(tmp_path, clock=lambda: later) as store:
        store.add_intent(intent("tpaaaaaa1", state=old))
        if old is new:
            assert store.set_intent_state("tpaaaaaa1", new, "again") is False  # seen twice
            stored = store.intent("tpaaaaaa1")
            assert stored is not None and stored.reason == "" and stored.updated == T0
        elif (old, new) in LEGAL:
            assert store.set_intent_state("tpaaaaaa1", new, "why") is True
            stored = store.intent("tpaaaaaa1")
            assert stored is not None
            assert (stored.state, stored.reason, stored.updated) == (new, "why", later)
        else:
            with pytest.raises(ValueError, match=f"from {old.value} to {new.value}"):
                store.set_intent_state("tpaaaaaa1", new)
            stored = store.intent("tpaaaaaa1")
            assert stored is not None and stored.state is old


def test_an_unknown_send_is_never_marked_sent_again(tmp_path: Path) -> None:
    with opened(tmp_path) as store:
        store.add_intent(intent("tpaaaaaa1"))
        store.set_intent_state("tpaaaaaa1", S.UNKNOWN, "timeout")
        for move in (S.PENDING_SEND, S.SENT):
            with pytest.raises(ValueError):
                store.set_intent_state("tpaaaaaa1", move)
        assert store.set_intent_state("tpaaaaaa1", S.ACKED, "found by client id")
    with StateStore.open(tmp_path) as store:
        stored = store.intent("tpaaaaaa1")
        assert stored is not None and stored.state is S.ACKED


def test_moving_an_intent_that_does_not_exist_fails(tmp_path: Path) -> None:
    with opened(tmp_path) as store, pytest.raises(KeyError, match="tpaaaaaa9"):
        store.set_intent_state("tpaaaaaa9", S.SENT)


def test_an_intent_is_stored_once(tmp_path: Path) -> None:
    with opened(tmp_path) as store:
        store.add_intent(intent("tpaaaaaa1"))
        with pytest.raises(ValueError, match="stored already"):
            store.add_intent(intent("tpaaaaaa1", owner="slot-2"))
        (only,) = store.intents(STRATEGY)
        assert only.owner == "slot-1"


def test_intents_come_in_creation_order_and_filter_by_state(tmp_path: Path) -> None:
    states = [S.DONE, S.PENDING_SEND, S.UNKNOWN, S.ACKED, S.SENT, S.REJECTED]
    with opened(tmp_path) as store:
        store.register_strategy("other", "o.yaml")
        # client ids in an order that sorts differently from creation
        for cid, state in zip(
            ["tpz1", "tpa1", "tpm1", "tpb1", "tpy1", "tpc1"], states, strict=True
        ):
            store.add_intent(intent(cid, state=state))
        store.add_intent(intent("tpq1", strategy="other"))
        assert [i.client_id for i in store.intents(STRATEGY)] == [
            "tpz1",
            "tpa1",
            "tpm1",
            "tpb1",
            "tpy1",
            "tpc1",
        ]
        assert [i.client_id for i in store.intents(STRATEGY, [S.UNKNOWN, S.DONE])] == [
            "tpz1",
            "tpm1",
        ]
        assert store.intents(STRATEGY, []) == ()
        assert [i.client_id for i in store.open_intents(STRATEGY)] == ["tpa1", "tpm1", "tpy1"]
        assert [i.client_id for i in store.intents("other")] == ["tpq1"]


def test_the_client_id_counter_survives_a_reopen(tmp_path: Path) -> None:
    with opened(tmp_path) as store:
        first = [store.next_client_seq(STRATEGY) for _ in range(3)]
        cid = store.new_client_id(STRATEGY)
    assert first == [1, 2, 3]
    assert parse_client_id(cid) == (strategy_tag(STRATEGY), 4)
    with opened(tmp_path) as store:  # registering again does not reset it
        assert store.next_client_seq(STRATEGY) == 5


def test_each_strategy_counts_on_its_own_and_ids_never_collide(tmp_path: Path) -> None:
    with opened(tmp_path) as store:
        store.register_strategy("other", "o.yaml")
        ids = [store.new_client_id(s) for s in [STRATEGY, "other"] * 50]
    assert len(set(ids)) == 100
    assert {parse_client_id(c)[1] for c in ids[::2]} == set(range(1, 51))  # type: ignore[index]


def test_a_number_taken_in_a_rolled_back_transaction_was_never_used(tmp_path: Path) -> None:
    # Rolled back together with the intent that used it: no order can carry it.
    with opened(tmp_path) as store:
        with pytest.raises(RuntimeError), store.transaction():
            cid = store.new_client_id(STRATEGY)
            store.add_intent(intent(cid))
            raise RuntimeError("crash before commit")
        assert store.intents(STRATEGY) == ()
        assert store.new_client_id(STRATEGY) == cid


# --- transactions -----------------------------------------------------------------------------


def test_a_transaction_is_all_or_nothing(tmp_path: Path) -> None:
    with opened(tmp_path) as store:
        store.add_intent(intent("tpaaaaaa1", state=S.ACKED))
        with pytest.raises(ValueError), store.transaction():
            assert store.add_fill(STRATEGY, fill("T-1", "tpaaaaaa1"))
            j = store.append_journal(STRATEGY, "fill", "T-1")
            store.save_snapshot(STRATEGY, "slot-1", "filled", j)
            store.set_intent_state("tpaaaaaa1", S.DONE)
            store.set_intent_state("tpaaaaaa1", S.SENT)  # illegal: the whole unit goes
    with StateStore.open(tmp_path) as store:
        assert store.fills(STRATEGY) == ()
        assert store.journal(STRATEGY) == ()
        assert store.snapshots(STRATEGY) == {}
        assert store.intent("tpaaaaaa1").state is S.ACKED  # type: ignore[union-attr]


def test_nested_transactions_join_the_outer_one(tmp_path: Path) -> None:
    with opened(tmp_path) as bot, StateStore.open(tmp_path) as status:
        with bot.transaction():
            with bot.transaction():
                bot.add_intent(intent("tpaaaaaa1"))
            bot.add_fill(STRATEGY, fill("T-1", "tpaaaaaa1"))
            # The inner block ended, but nothing is committed until the outer one does.
            assert status.intents(STRATEGY) == () and status.fills(STRATEGY) == ()
        assert len(status.intents(STRATEGY)) == 1 and len(status.fills(STRATEGY)) == 1


def test_an_inner_failure_caught_inside_undoes_only_the_inner_part(tmp_path: Path) -> None:
    with opened(tmp_path) as store:
        with store.transaction():
            store.add_intent(intent("tpaaaaaa1"))
            with pytest.raises(RuntimeError), store.transaction():
                store.add_intent(intent("tpaaaaaa2"))
                raise RuntimeError
            store.add_intent(intent("tpaaaaaa3"))
        assert [i.client_id for i in store.intents(STRATEGY)] == ["tpaaaaaa1", "tpaaaaaa3"]


def test_an_outer_failure_undoes_the_committed_looking_inner_part(tmp_path: Path) -> None:
    with opened(tmp_path) as store:
        with pytest.raises(RuntimeError), store.transaction():
            with store.transaction():
                store.add_intent(intent("tpaaaaaa1"))
            raise RuntimeError
        assert store.intents(STRATEGY) == ()


def test_a_write_inside_a_read_is_refused(tmp_path: Path) -> None:
    with opened(tmp_path) as store:
        with store.read():
            assert store.intents(STRATEGY) == ()
            with pytest.raises(StoreError, match="read"):
                store.halt(STRATEGY, "x")
        store.halt(STRATEGY, "x")  # and the store is usable afterwards
        assert store.halted(STRATEGY) == "x"


def test_the_intent_order_round_trips_with_its_own_id(tmp_path: Path) -> None:
    order = limit("tpaaaaaa1", price="0.00012300", qty="12.500")
    with opened(tmp_path) as store:
        store.add_intent(intent("tpaaaaaa1", order=order))
    with StateStore.open(tmp_path) as store:
        back = store.intent("tpaaaaaa1")
        assert back is not None and back.order == order
        assert (str(back.order.price), str(back.order.qty)) == ("0.00012300", "12.500")
