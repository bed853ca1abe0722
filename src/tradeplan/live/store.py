"""The live runtime's crash-safe state: one SQLite file per state directory.

Why it is built this way (LIVE.md sections 2 and 3):

* **Write order.** An intent and its client id are committed *before* the order is sent, so
  a bot killed at any moment (kill -9, power loss) finds on restart every order it may have
  sent, and asks the broker about each by client id. freqtrade writes its order row after
  the exchange call returns; a crash in between leaves an order its database never saw.
* **UNKNOWN is never re-sent.** A send that ended in doubt (timeout, disconnect, 5xx) marks
  the intent UNKNOWN; the only ways out are what a lookup by client id can prove (ACKED,
  REJECTED, DONE). `set_intent_state` refuses every other move, so a bug cannot revive a
  finished order either.
* **All or nothing.** `transaction()` makes one atomic unit of what belongs together (a fill,
  its order report, the owner's snapshot and the journal entry); nested calls join the outer
  one (as a savepoint: an inner failure the caller catches undoes only the inner part). A
  write method called outside a transaction commits on its own.
* **Durable.** WAL with `synchronous=FULL`: a committed transaction survives a power loss, not
  only a crash. Fills are UNIQUE per broker trade id, so a fill reported twice (a stream and a
  reconcile) is booked once. Client-id counters are persisted, so a number is never handed out
  twice, across restarts too.
* **Two processes.** The bot writes; `tradeplan status` and `tradeplan halt` open the same
  file from another terminal. WAL lets readers read while the bot writes, write transactions
  take the lock up front (BEGIN IMMEDIATE) and wait up to `busy_timeout` for it, so a halt
  never fails because the bot was mid-commit.
* **Exact.** Decimals are TEXT (`str()`), datetimes ISO-8601 UTC text: money read back is the
  money written. Standard `sqlite3`, no ORM: every statement is visible here.

One `StateStore` may be shared by threads (a lock serialises them); the journal's `seq` is
global and increasing, so "the events after snapshot n" is one range query.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from tradeplan.core.enums import Side
from tradeplan.live.client_ids import client_id, strategy_tag
from tradeplan.live.store_records import (
    MOVES,
    OPEN_STATES,
    Alert,
    Intent,
    IntentState,
    JournalEntry,
    PlanVersion,
    Snapshot,
    decimal_text,
    optional_decimal_text,
    optional_text_decimal,
    order_text,
    text_decimal,
    text_order,
    text_time,
    time_text,
)
from tradeplan.live.store_schema import SchemaError, StoreError, migrate
from tradeplan.orders.model import OrderStatus
from tradeplan.ports.live import FillReport, OrderReport

FILE_NAME: Final = "state.sqlite"
HALTED: Final = "halted"  # the reason stored for a halt given none

Row = tuple[Any, ...]


class StoreBusy(StoreError):
    """Another process held the write lock for longer than `busy_timeout`."""


class UnknownStrategy(StoreError, LookupError):
    """A strategy the store has never registered."""

    def __init__(self, strategy: str) -> None:
        super().__init__(f"no strategy {strategy!r} in the state store")
        self.strategy = strategy


def _utc_now() -> datetime:
    return datetime.now(UTC)


class StateStore:
    """The state of every strategy a bot runs from one state directory; see the module doc."""

    def __init__(
        self, connection: sqlite3.Connection, path: Path, clock: Callable[[], datetime]
    ) -> None:
        self._connection = connection
        self._path = path
        self._clock = clock
        self._lock = threading.RLock()
        self._depth = 0
        self._reading = False

    # --- opening ------------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        directory: Path,
        *,
        create: bool = True,
        busy_timeout: float = 10.0,
        clock: Callable[[], datetime] = _utc_now,
        trace: Callable[[str], None] | None = None,
    ) -> StateStore:
        """The store in `directory/state.sqlite`, created with its directory when `create`.

        `busy_timeout` is how long (seconds) a write waits for another process's transaction;
        `clock` stamps what the store dates itself (plan versions, intent moves, halts);
        `trace` sees every SQL statement before it runs (fault-injection tests, debugging)."""
        directory = Path(directory)
        path = directory / FILE_NAME
        if create:
            directory.mkdir(parents=True, exist_ok=True)
        elif not path.is_file():
            raise FileNotFoundError(f"no state store in {directory} ({FILE_NAME} missing)")
        connection = sqlite3.connect(
            path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
        )
        try:
            if trace is not None:
                connection.set_trace_callback(trace)
            connection.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            connection.execute("PRAGMA foreign_keys = ON")
            (mode,) = connection.execute("PRAGMA journal_mode = WAL").fetchone()
            if str(mode).lower() != "wal":
                raise StoreError(f"{path}: the file system refused WAL mode (got {mode})")
            connection.execute("PRAGMA synchronous = FULL")
            migrate(connection, time_text(clock()))
        except sqlite3.DatabaseError as exc:
            connection.close()
            raise (StoreBusy if _is_busy(exc) else StoreError)(f"{path}: {exc}") from exc
        except BaseException:
            connection.close()
            raise
        return cls(connection, path, clock)

    @property
    def path(self) -> Path:
        return self._path

    def close(self) -> None:
        with self._lock:
            if self._depth:
                raise StoreError("close() inside a transaction")
            self._connection.close()

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- transactions -------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic unit of writes; nested calls join the outer one (see the module doc).

        Send an order only after the transaction that wrote its intent has left this block:
        until then the intent is not on disk."""
        with self._lock:
            if self._reading:
                raise StoreError("a write inside read(): open the transaction() first")
            depth = self._depth
            if depth:
                self._execute(f"SAVEPOINT s{depth}")
            else:
                self._begin_write()
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth = depth
                self._undo(depth)
                raise
            self._depth = depth
            if depth:
                self._execute(f"RELEASE s{depth}")
                return
            try:
                self._execute("COMMIT")
            except BaseException:
                self._undo(0)
                raise

    @contextmanager
    def read(self) -> Iterator[None]:
        """Several reads that see one moment (`tradeplan status`); no writes inside."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self._execute("BEGIN DEFERRED")
            self._depth, self._reading = 1, True
            try:
                yield
            finally:
                self._depth, self._reading = 0, False
                if self._connection.in_transaction:
                    self._execute("COMMIT")

    def _begin_write(self) -> None:
        try:
            self._execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if _is_busy(exc):
                raise StoreBusy(
                    f"{self._path}: another process kept the state store locked: {exc}"
                ) from exc
            raise

    def _undo(self, depth: int) -> None:
        if not self._connection.in_transaction:
            return  # SQLite already rolled back (a full disk, an I/O error)
        if depth:
            self._execute(f"ROLLBACK TO s{depth}")
            self._execute(f"RELEASE s{depth}")
        else:
            self._execute("ROLLBACK")

    # --- strategies ---------------------------------------------------------------------------

    def register_strategy(self, name: str, source: str) -> None:
        """Make `name` known (idempotent; a second call records the new `source`). Refuses a
        name whose client-id tag another strategy already has: their ids would collide."""
        tag = strategy_tag(name)
        with self.transaction():
            row = self._one("SELECT name FROM strategies WHERE tag = ?", (tag,))
            if row is not None and row[0] != name:
                raise ValueError(
                    f"strategies {name!r} and {row[0]!r} share the client-id tag {tag}: "
                    "rename one of them"
                )
            self._execute(
                "INSERT INTO strategies (name, tag, source) VALUES (?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET source = excluded.source",
                (name, tag, source),
            )

    def strategies(self) -> tuple[str, ...]:
        """Registered names, in the order they were first registered."""
        return tuple(str(n) for (n,) in self._all("SELECT name FROM strategies ORDER BY rowid"))

    def source(self, strategy: str) -> str | None:
        row = self._one("SELECT source FROM strategies WHERE name = ?", (strategy,))
        return None if row is None else str(row[0])

    def next_client_seq(self, strategy: str) -> int:
        """The strategy's next client-id number (1, 2, ...); never the same one twice, across
        restarts too, as long as the order is sent only after this is committed."""
        with self.transaction():
            row = self._one("SELECT next_seq FROM strategies WHERE name = ?", (strategy,))
            if row is None:
                raise UnknownStrategy(strategy)
            self._execute(
                "UPDATE strategies SET next_seq = next_seq + 1 WHERE name = ?", (strategy,)
            )
            return int(row[0])

    def new_client_id(self, strategy: str) -> str:
        """`client_id(strategy_tag(strategy), next_client_seq(strategy))`."""
        return client_id(strategy_tag(strategy), self.next_client_seq(strategy))

    # --- plan versions ------------------------------------------------------------------------

    def add_plan_version(
        self, strategy: str, fingerprint: str, plan_json: str, source_text: str
    ) -> int:
        """Store a plan as the strategy's next version (1, 2, ...) and return that number."""
        with self.transaction():
            (version,) = self._all(
                "SELECT COALESCE(MAX(version), 0) + 1 FROM plan_versions WHERE strategy = ?",
                (strategy,),
            )[0]
            self._write(
                strategy,
                "INSERT INTO plan_versions VALUES (?, ?, ?, ?, ?, ?)",
                (strategy, version, fingerprint, plan_json, source_text, self._now()),
            )
            return int(version)

    def current_plan(self, strategy: str) -> PlanVersion | None:
        row = self._one(
            f"SELECT {_PLAN_COLUMNS} FROM plan_versions WHERE strategy = ? "
            "ORDER BY version DESC LIMIT 1",
            (strategy,),
        )
        return None if row is None else _plan(row)

    def plan_version(self, strategy: str, version: int) -> PlanVersion | None:
        row = self._one(
            f"SELECT {_PLAN_COLUMNS} FROM plan_versions WHERE strategy = ? AND version = ?",
            (strategy, version),
        )
        return None if row is None else _plan(row)

    # --- intents ------------------------------------------------------------------------------

    def add_intent(self, intent: Intent) -> None:
        """Record an intent; commit it (leave the transaction) before sending its order."""
        if not isinstance(intent.state, IntentState):
            raise TypeError(f"an intent's state is an IntentState, got {intent.state!r}")
        values = (
            intent.client_id,
            intent.strategy,
            intent.owner,
            intent.plan_version,
            order_text(intent.order),
            intent.state.value,
            intent.reason,
            time_text(intent.created),
            time_text(intent.updated),
        )
        with self.transaction():
            if self._one("SELECT 1 FROM intents WHERE client_id = ?", (intent.client_id,)):
                raise ValueError(f"an intent with client id {intent.client_id} is stored already")
            self._write(
                intent.strategy,
                f"INSERT INTO intents ({_INTENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                values,
            )

    def set_intent_state(self, client_id: str, state: IntentState, reason: str = "") -> bool:
        """Move an intent forward (`store_records.MOVES`); True when it moved, False when it
        was in `state` already (an update seen twice). Any other move raises ValueError; an
        unknown client id raises KeyError."""
        with self.transaction():
            row = self._one("SELECT state FROM intents WHERE client_id = ?", (client_id,))
            if row is None:
                raise KeyError(f"no intent with client id {client_id}")
            current = IntentState(row[0])
            if state is current:
                return False
            if state not in MOVES[current]:
                raise ValueError(
                    f"intent {client_id} cannot move from {current.value} to {state.value}"
                )
            self._execute(
                "UPDATE intents SET state = ?, reason = ?, updated = ? WHERE client_id = ?",
                (state.value, reason, self._now(), client_id),
            )
            return True

    def intent(self, client_id: str) -> Intent | None:
        row = self._one(f"SELECT {_INTENT_COLUMNS} FROM intents WHERE client_id = ?", (client_id,))
        return None if row is None else _intent(row)

    def intents(
        self, strategy: str, states: Collection[IntentState] | None = None
    ) -> tuple[Intent, ...]:
        """The strategy's intents in creation order, only those in `states` if given."""
        sql = f"SELECT {_INTENT_COLUMNS} FROM intents WHERE strategy = ?"
        params: list[object] = [strategy]
        if states is not None:
            wanted = sorted({s.value for s in states})
            if not wanted:
                return ()
            sql += f" AND state IN ({', '.join('?' * len(wanted))})"
            params += wanted
        return tuple(_intent(row) for row in self._all(sql + " ORDER BY n", params))

    def open_intents(self, strategy: str) -> tuple[Intent, ...]:
        """Intents not known to have reached the broker (PENDING_SEND, SENT, UNKNOWN): a plan
        swap waits for these, and a restart looks each one up by client id."""
        return self.intents(strategy, OPEN_STATES)

    # --- broker orders ------------------------------------------------------------------------

    def upsert_order(self, strategy: str, report: OrderReport) -> bool:
        """Keep the broker's latest word on an order, keyed by client id; a report with a lower
        `seq` than the stored one is older news and is dropped (False)."""
        values = (
            strategy,
            report.client_id,
            order_text(report.order),
            report.venue_id,
            report.status.value,
            decimal_text(report.filled_qty),
            optional_decimal_text(report.average_price),
            time_text(report.time),
            report.seq,
        )
        with self.transaction():
            cursor = self._write(
                strategy,
                f"INSERT INTO orders ({_ORDER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (strategy, client_id) DO UPDATE SET "
                "order_json = excluded.order_json, venue_id = excluded.venue_id, "
                "status = excluded.status, filled_qty = excluded.filled_qty, "
                "average_price = excluded.average_price, time = excluded.time, "
                "seq = excluded.seq WHERE excluded.seq >= orders.seq",
                values,
            )
            return cursor.rowcount > 0

    def order(self, strategy: str, client_id: str) -> OrderReport | None:
        row = self._one(
            f"SELECT {_ORDER_COLUMNS} FROM orders WHERE strategy = ? AND client_id = ?",
            (strategy, client_id),
        )
        return None if row is None else _order(row)

    def orders(self, strategy: str) -> tuple[OrderReport, ...]:
        """The strategy's broker orders, in the order first reported."""
        rows = self._all(
            f"SELECT {_ORDER_COLUMNS} FROM orders WHERE strategy = ? ORDER BY n", (strategy,)
        )
        return tuple(_order(row) for row in rows)

    # --- fills --------------------------------------------------------------------------------

    def add_fill(self, strategy: str, fill: FillReport) -> bool:
        """Book a fill once: False when its broker trade id is stored already (for any
        strategy: one execution is one fill)."""
        if not fill.trade_id:
            raise ValueError("a fill without a broker trade id cannot be booked exactly once")
        values = (
            strategy,
            fill.trade_id,
            fill.client_id,
            fill.venue_order_id,
            fill.symbol,
            fill.side.value,
            decimal_text(fill.qty),
            decimal_text(fill.price),
            time_text(fill.time),
            decimal_text(fill.fee),
            fill.seq,
        )
        with self.transaction():
            cursor = self._write(
                strategy,
                f"INSERT INTO fills ({_FILL_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (trade_id) DO NOTHING",
                values,
            )
            return cursor.rowcount > 0

    def fills(self, strategy: str) -> tuple[FillReport, ...]:
        """The strategy's fills in the order booked."""
        rows = self._all(
            f"SELECT {_FILL_COLUMNS} FROM fills WHERE strategy = ? ORDER BY n", (strategy,)
        )
        return tuple(_fill(row) for row in rows)

    def has_fill(self, trade_id: str) -> bool:
        return self._one("SELECT 1 FROM fills WHERE trade_id = ?", (trade_id,)) is not None

    # --- cursors ------------------------------------------------------------------------------

    def set_cursor(self, name: str, value: str) -> None:
        """Where to resume a broker's history (OANDA's last transaction id, ...)."""
        with self.transaction():
            self._execute(
                "INSERT INTO cursors VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET "
                "value = excluded.value",
                (name, value),
            )

    def cursor(self, name: str) -> str | None:
        row = self._one("SELECT value FROM cursors WHERE name = ?", (name,))
        return None if row is None else str(row[0])

    # --- journal, snapshots, engine state -----------------------------------------------------

    def append_journal(self, strategy: str, kind: str, payload: str) -> int:
        """Append an event; its `seq` is global and larger than every earlier one (never
        reused, also after `prune_journal`)."""
        with self.transaction():
            cursor = self._write(
                strategy,
                "INSERT INTO journal (strategy, kind, payload) VALUES (?, ?, ?)",
                (strategy, kind, payload),
            )
            return int(cursor.lastrowid or 0)

    def journal(self, strategy: str, after: int = 0) -> tuple[JournalEntry, ...]:
        """The strategy's events with `seq > after`, oldest first."""
        rows = self._all(
            "SELECT seq, strategy, kind, payload FROM journal WHERE strategy = ? AND seq > ? "
            "ORDER BY seq",
            (strategy, after),
        )
        return tuple(JournalEntry(int(s), str(st), str(k), str(p)) for s, st, k, p in rows)

    def prune_journal(self, strategy: str, through: int) -> int:
        """Drop the strategy's events with `seq <= through` (covered by snapshots); how many."""
        with self.transaction():
            cursor = self._execute(
                "DELETE FROM journal WHERE strategy = ? AND seq <= ?", (strategy, through)
            )
            return cursor.rowcount

    def save_snapshot(self, strategy: str, owner: str, state: str, journal_seq: int) -> None:
        """The owner's state as of journal entry `journal_seq` (replaces the previous one)."""
        with self.transaction():
            self._write(
                strategy,
                "INSERT INTO snapshots VALUES (?, ?, ?, ?) ON CONFLICT (strategy, owner) "
                "DO UPDATE SET state = excluded.state, journal_seq = excluded.journal_seq",
                (strategy, owner, state, journal_seq),
            )

    def drop_snapshot(self, strategy: str, owner: str) -> None:
        """Forget an owner (a slot removed by a reload, once its orders are gone)."""
        with self.transaction():
            self._execute(
                "DELETE FROM snapshots WHERE strategy = ? AND owner = ?", (strategy, owner)
            )

    def snapshots(self, strategy: str) -> dict[str, Snapshot]:
        """The latest snapshot of each owner, in the order the owners were first saved."""
        rows = self._all(
            "SELECT owner, state, journal_seq FROM snapshots WHERE strategy = ? ORDER BY rowid",
            (strategy,),
        )
        return {str(o): Snapshot(str(o), str(s), int(j)) for o, s, j in rows}

    def save_engine_state(self, strategy: str, state: str, journal_seq: int) -> None:
        """The strategy's engine-wide state (ledger, order book) as one opaque text."""
        with self.transaction():
            self._write(
                strategy,
                "INSERT INTO engine_states VALUES (?, ?, ?) ON CONFLICT (strategy) "
                "DO UPDATE SET state = excluded.state, journal_seq = excluded.journal_seq",
                (strategy, state, journal_seq),
            )

    def engine_state(self, strategy: str) -> tuple[str, int] | None:
        row = self._one(
            "SELECT state, journal_seq FROM engine_states WHERE strategy = ?", (strategy,)
        )
        return None if row is None else (str(row[0]), int(row[1]))

    # --- alerts, status, the kill switch ------------------------------------------------------

    def add_alert(self, strategy: str, time: datetime, kind: str, message: str) -> None:
        with self.transaction():
            self._write(
                strategy,
                "INSERT INTO alerts (strategy, time, kind, message) VALUES (?, ?, ?, ?)",
                (strategy, time_text(time), kind, message),
            )

    def alerts(self, strategy: str, limit: int = 50) -> tuple[Alert, ...]:
        """The latest `limit` alerts, oldest first."""
        rows = self._all(
            "SELECT time, kind, message FROM alerts WHERE strategy = ? ORDER BY n DESC LIMIT ?",
            (strategy, limit),
        )
        return tuple(Alert(text_time(t), str(k), str(m)) for t, k, m in reversed(rows))

    def set_status(self, strategy: str, key: str, value: str) -> None:
        with self.transaction():
            self._write(
                strategy,
                "INSERT INTO status VALUES (?, ?, ?) ON CONFLICT (strategy, key) "
                "DO UPDATE SET value = excluded.value",
                (strategy, key, value),
            )

    def status(self, strategy: str) -> dict[str, str]:
        rows = self._all(
            "SELECT key, value FROM status WHERE strategy = ? ORDER BY key", (strategy,)
        )
        return {str(k): str(v) for k, v in rows}

    def halt(self, strategy: str, reason: str) -> None:
        """Stop new entries for `strategy` (the kill switch; works from another process). A
        blank reason is stored as "halted", so `halted()` is truthy exactly when halted."""
        with self.transaction():
            self._write(
                strategy,
                "INSERT INTO halts VALUES (?, ?, ?) ON CONFLICT (strategy) "
                "DO UPDATE SET reason = excluded.reason, time = excluded.time",
                (strategy, reason.strip() or HALTED, self._now()),
            )

    def resume(self, strategy: str) -> None:
        with self.transaction():
            self._execute("DELETE FROM halts WHERE strategy = ?", (strategy,))

    def halted(self, strategy: str) -> str | None:
        """The halt's reason, or None when the strategy may trade."""
        row = self._one("SELECT reason FROM halts WHERE strategy = ?", (strategy,))
        return None if row is None else str(row[0])

    # --- plumbing -----------------------------------------------------------------------------

    def _now(self) -> str:
        return time_text(self._clock())

    def _execute(self, sql: str, params: Collection[object] = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._connection.execute(sql, tuple(params))

    def _write(self, strategy: str, sql: str, params: Collection[object]) -> sqlite3.Cursor:
        """A statement that names a strategy: a foreign-key failure means it is unknown."""
        try:
            return self._execute(sql, params)
        except sqlite3.IntegrityError as exc:
            if "FOREIGN KEY" in str(exc):
                raise UnknownStrategy(strategy) from exc
            raise

    def _one(self, sql: str, params: Collection[object] = ()) -> Row | None:
        with self._lock:
            row: Row | None = self._connection.execute(sql, tuple(params)).fetchone()
            return row

    def _all(self, sql: str, params: Collection[object] = ()) -> list[Row]:
        with self._lock:
            return self._connection.execute(sql, tuple(params)).fetchall()


def _is_busy(exc: sqlite3.DatabaseError) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)


# --- rows -------------------------------------------------------------------------------------

_PLAN_COLUMNS: Final = "version, fingerprint, plan_json, source_text, created"
_INTENT_COLUMNS: Final = (
    "client_id, strategy, owner, plan_version, order_json, state, reason, created, updated"
)
_ORDER_COLUMNS: Final = (
    "strategy, client_id, order_json, venue_id, status, filled_qty, average_price, time, seq"
)
_FILL_COLUMNS: Final = (
    "strategy, trade_id, client_id, venue_order_id, symbol, side, qty, price, time, fee, seq"
)


def _plan(row: Row) -> PlanVersion:
    version, fingerprint, plan_json, source_text, created = row
    return PlanVersion(int(version), fingerprint, plan_json, source_text, text_time(created))


def _intent(row: Row) -> Intent:
    cid, strategy, owner, plan_version, order_json, state, reason, created, updated = row
    return Intent(
        client_id=cid,
        strategy=strategy,
        owner=owner,
        plan_version=int(plan_version),
        order=text_order(order_json),
        state=IntentState(state),
        reason=reason,
        created=text_time(created),
        updated=text_time(updated),
    )


def _order(row: Row) -> OrderReport:
    _, _, order_json, venue_id, status, filled, average, time, seq = row
    return OrderReport(
        order=text_order(order_json),
        venue_id=venue_id,
        status=OrderStatus(status),
        filled_qty=text_decimal(filled),
        average_price=optional_text_decimal(average),
        time=text_time(time),
        seq=int(seq),
    )


def _fill(row: Row) -> FillReport:
    _, trade_id, cid, venue_order_id, symbol, side, qty, price, time, fee, seq = row
    return FillReport(
        trade_id=trade_id,
        client_id=cid,
        venue_order_id=venue_order_id,
        symbol=symbol,
        side=Side(side),
        qty=text_decimal(qty),
        price=text_decimal(price),
        time=text_time(time),
        fee=text_decimal(fee),
        seq=int(seq),
    )


__all__ = [
    "FILE_NAME",
    "MOVES",
    "OPEN_STATES",
    "Alert",
    "Intent",
    "IntentState",
    "JournalEntry",
    "PlanVersion",
    "SchemaError",
    "Snapshot",
    "StateStore",
    "StoreBusy",
    "StoreError",
    "UnknownStrategy",
]
