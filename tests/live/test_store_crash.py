"""Kill -9 at any point: every transaction is all or nothing, every sent order has its intent.

A writer process runs a scripted live session against a "broker" (an append-only file the
writer adds a client id to when it sends): per order one transaction writes the intent with
a fresh client id and its journal entry, then the order is sent, then the intent is marked
SENT, then one transaction books the fill, the broker's order report, the intent's DONE, a
journal entry, the owner's snapshot and a status counter. On start it resumes what a killed
run left (an intent the broker has, or a committed one it lacks, is carried on with the
same client id, never a new one).

The writer kills itself with SIGKILL just before its k-th SQL statement (the store's `trace`
hook), for every k of a fresh session and for random k across many restarts of one
session, and is also killed from outside at random moments. After each kill the test
reopens the store and checks: each transaction is all there or not at all; every client id
the broker got has its intent in the store; no client id reached the broker twice; no
number was handed out twice. Finally the session completes with every order booked once.

(SIGKILL leaves what was written in the OS; `synchronous=FULL` is what carries a commit
through a power loss, which a test cannot cut.)
"""

from __future__ import annotations

import json
import os
import random
import signal
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pytest
from store_builders import STRATEGY, T0, fill, intent, limit, report

from tradeplan.live.client_ids import parse_client_id
from tradeplan.live.store import IntentState, StateStore
from tradeplan.orders.model import OrderStatus

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork and SIGKILL")

# Two orders reach every statement of the script (the second runs the steady-state path);
# `make fuzz` (TRADEPLAN_FUZZ) kills a longer session.
ORDERS: Final = 6 if os.environ.get("TRADEPLAN_FUZZ") else 2
BROKER: Final = "broker.log"
S = IntentState


def sent_ids(directory: Path) -> list[str]:
    path = directory / BROKER
    return path.read_text().split() if path.exists() else []


def session(directory: Path, kill_before: int | None) -> int:
    """The writer (in the child process); how many SQL statements it ran."""
    statements = 0

    def trace(_sql: str) -> None:
        nonlocal statements
        statements += 1
        if statements == kill_before:
            os.kill(os.getpid(), signal.SIGKILL)

    store = StateStore.open(directory, trace=trace, clock=lambda: T0)
    broker = os.open(directory / BROKER, os.O_WRONLY | os.O_APPEND | os.O_CREAT)

    def send(cid: str) -> None:
        os.write(broker, f"{cid}\n".encode())  # one write: the broker has it or not

    def book(cid: str) -> None:
        with store.transaction():
            booked = len(store.fills(STRATEGY))
            assert store.add_fill(STRATEGY, fill(f"T-{cid}", cid))
            order = limit(cid)
            store.upsert_order(STRATEGY, report(order, OrderStatus.FILLED, filled="1000"))
            store.set_intent_state(cid, S.DONE, "filled")
            seq = store.append_journal(STRATEGY, "fill", cid)
            store.save_snapshot(STRATEGY, "slot-1", json.dumps({"booked": booked + 1}), seq)
            store.set_status(STRATEGY, "booked", str(booked + 1))
        assert not store.add_fill(STRATEGY, fill(f"T-{cid}", cid))  # the stream says it again

    store.register_strategy(STRATEGY, "s.yaml")
    # Resume: what the broker has is carried on; what it lacks was never sent (the send
    # follows the commit), so it is sent now under the same client id.
    at_broker = set(sent_ids(directory))
    for pending in store.open_intents(STRATEGY) + store.intents(STRATEGY, [S.ACKED]):
        cid = pending.client_id
        if cid not in at_broker:
            assert pending.state is S.PENDING_SEND, pending
            send(cid)
        book(cid)
    while len(store.intents(STRATEGY)) < ORDERS:
        with store.transaction():
            cid = store.new_client_id(STRATEGY)
            store.add_intent(intent(cid))
            store.append_journal(STRATEGY, "intent", cid)
        send(cid)
        store.set_intent_state(cid, S.SENT)
        book(cid)
    store.close()
    return statements


def run_writer(directory: Path, kill_before: int | None, kill_after_s: float | None = None) -> int:
    """Fork a writer; its wait status as a signal number (negative) or exit code."""
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        code = 0
        try:
            session(directory, kill_before)
        except BaseException:
            (directory / "writer-error.txt").write_text(traceback.format_exc())
            code = 1
        os._exit(code)
    if kill_after_s is not None:
        time.sleep(kill_after_s)
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


@dataclass
class Counts:
    intents: int
    fills: int


def check(directory: Path) -> Counts:
    """What must hold after any kill."""
    error = directory / "writer-error.txt"
    assert not error.exists(), error.read_text()
    if not (directory / "state.sqlite").exists():
        assert sent_ids(directory) == []
        return Counts(0, 0)
    with StateStore.open(directory) as store, store.read():
        if STRATEGY not in store.strategies():
            assert sent_ids(directory) == []
            return Counts(0, 0)
        intents = {i.client_id: i for i in store.intents(STRATEGY)}
        journal = store.journal(STRATEGY)
        fills = store.fills(STRATEGY)
        orders = store.orders(STRATEGY)
        snapshot = store.snapshots(STRATEGY).get("slot-1")
        status = store.status(STRATEGY)
    sent = sent_ids(directory)
    # The intent is always committed before its send; a send is never repeated.
    assert set(sent) <= set(intents)
    assert len(sent) == len(set(sent))
    # Numbers are handed out once: one intent per (tag, seq).
    seqs = [parse_client_id(cid) for cid in intents]
    assert None not in seqs and len(set(seqs)) == len(seqs)
    # Transaction 1: intent <=> its journal entry.
    assert {e.payload for e in journal if e.kind == "intent"} == set(intents)
    # Transaction 2: fill <=> order report <=> DONE <=> journal entry <=> snapshot and status.
    done = {cid for cid, i in intents.items() if i.state is S.DONE}
    fill_journal = [e for e in journal if e.kind == "fill"]
    assert {f.client_id for f in fills} == done
    assert len(fills) == len({f.trade_id for f in fills})
    assert {r.client_id for r in orders} == done
    assert {e.payload for e in fill_journal} == done
    assert done <= set(sent)  # booked only what was sent
    if fill_journal:
        assert snapshot is not None
        assert snapshot.journal_seq == fill_journal[-1].seq
        assert json.loads(snapshot.state) == {"booked": len(fills)}
        assert status == {"booked": str(len(fills))}
    else:
        assert snapshot is None and status == {}
    return Counts(len(intents), len(fills))


def test_a_kill_before_any_statement_of_a_fresh_session_loses_nothing(tmp_path: Path) -> None:
    whole = tmp_path / "whole"
    started = time.perf_counter()
    total = session(whole, None)  # in this process, to count the statements
    print(f"a whole session: {total} statements, {time.perf_counter() - started:.3f} s")
    assert check(whole) == Counts(ORDERS, ORDERS)
    kills = 0
    for k in range(1, total + 1):
        directory = tmp_path / f"k{k}"
        directory.mkdir()
        assert run_writer(directory, k) == -signal.SIGKILL, f"statement {k} of {total}"
        kills += 1
        check(directory)
        assert run_writer(directory, None) == 0  # the restart completes the session
        assert check(directory) == Counts(ORDERS, ORDERS)
        assert len(sent_ids(directory)) == ORDERS
    print(f"killed at each of {kills} statements; every restart completed, 0 duplicates")


def test_many_restarts_of_one_session_killed_at_random_points(tmp_path: Path) -> None:
    rng = random.Random(9)
    kills = restarts = 0
    while True:
        outcome = run_writer(tmp_path, rng.randint(1, 40))
        restarts += 1
        counts = check(tmp_path)
        if outcome == 0:
            break
        assert outcome == -signal.SIGKILL
        kills += 1
        assert restarts < 200, "the session never completes"
    assert counts == Counts(ORDERS, ORDERS)
    assert kills >= 5
    print(f"{kills} kills, {restarts} starts, 0 duplicate sends, {counts.fills} fills booked once")


def test_kills_from_outside_at_random_moments(tmp_path: Path) -> None:
    # Between statements and inside them (an fsync, a page write): wherever the clock says.
    started = time.perf_counter()
    session(tmp_path / "timing", None)
    duration = time.perf_counter() - started
    rng = random.Random(3)
    killed = 0
    for attempt in range(16):
        directory = tmp_path / f"a{attempt}"
        directory.mkdir()
        outcome = run_writer(directory, None, kill_after_s=rng.uniform(0.0, duration * 1.2))
        killed += outcome == -signal.SIGKILL
        check(directory)
        assert run_writer(directory, None) == 0
        assert check(directory) == Counts(ORDERS, ORDERS)
    print(f"{killed} of 16 writers killed mid-session from outside")
