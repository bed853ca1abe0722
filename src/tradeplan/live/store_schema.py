"""The state store's tables, and the steps that bring an older file up to date.

Why steps. A bot's state file outlives the program that wrote it: the next release must read
it, or a user upgrading mid-position loses the position. So the schema has a version, kept in
its own table, and each release adds a step `STEPS[n]` that turns version n into n + 1 inside
the same transaction as the version row; a file from a newer release is refused, never
guessed at. Version 1 is the first schema.

Money and time stay exact: every Decimal is a TEXT column holding `str(value)` (never REAL),
every datetime an ISO-8601 UTC TEXT with microseconds, so a fill read back is the fill booked.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Final

_INTENT_STATES: Final = "('pending_send','sent','acked','unknown','rejected','done')"

_V1: Final = (
    """CREATE TABLE strategies (
        name TEXT PRIMARY KEY,
        tag TEXT NOT NULL UNIQUE,
        source TEXT NOT NULL,
        next_seq INTEGER NOT NULL DEFAULT 1 CHECK (next_seq >= 1)
    )""",
    """CREATE TABLE plan_versions (
        strategy TEXT NOT NULL REFERENCES strategies(name),
        version INTEGER NOT NULL CHECK (version >= 1),
        fingerprint TEXT NOT NULL,
        plan_json TEXT NOT NULL,
        source_text TEXT NOT NULL,
        created TEXT NOT NULL,
        PRIMARY KEY (strategy, version)
    )""",
    f"""CREATE TABLE intents (
        n INTEGER PRIMARY KEY AUTOINCREMENT,
        client_id TEXT NOT NULL UNIQUE,
        strategy TEXT NOT NULL REFERENCES strategies(name),
        owner TEXT NOT NULL,
        plan_version INTEGER NOT NULL,
        order_json TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN {_INTENT_STATES}),
        reason TEXT NOT NULL,
        created TEXT NOT NULL,
        updated TEXT NOT NULL
    )""",
    "CREATE INDEX intents_by_strategy ON intents (strategy, state)",
    """CREATE TABLE orders (
        n INTEGER PRIMARY KEY AUTOINCREMENT,
        strategy TEXT NOT NULL REFERENCES strategies(name),
        client_id TEXT NOT NULL,
        order_json TEXT NOT NULL,
        venue_id TEXT NOT NULL,
        status TEXT NOT NULL,
        filled_qty TEXT NOT NULL,
        average_price TEXT,
        time TEXT NOT NULL,
        seq INTEGER NOT NULL,
        UNIQUE (strategy, client_id)
    )""",
    """CREATE TABLE fills (
        n INTEGER PRIMARY KEY AUTOINCREMENT,
        strategy TEXT NOT NULL REFERENCES strategies(name),
        trade_id TEXT NOT NULL UNIQUE,
        client_id TEXT NOT NULL,
        venue_order_id TEXT NOT NULL,
        symbol TEXT NOT NULL,
        side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
        qty TEXT NOT NULL,
        price TEXT NOT NULL,
        time TEXT NOT NULL,
        fee TEXT NOT NULL,
        seq INTEGER NOT NULL
    )""",
    "CREATE INDEX fills_by_strategy ON fills (strategy, n)",
    "CREATE TABLE cursors (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE journal (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        strategy TEXT NOT NULL REFERENCES strategies(name),
        kind TEXT NOT NULL,
        payload TEXT NOT NULL
    )""",
    "CREATE INDEX journal_by_strategy ON journal (strategy, seq)",
    """CREATE TABLE snapshots (
        strategy TEXT NOT NULL REFERENCES strategies(name),
        owner TEXT NOT NULL,
        state TEXT NOT NULL,
        journal_seq INTEGER NOT NULL,
        PRIMARY KEY (strategy, owner)
    )""",
    """CREATE TABLE engine_states (
        strategy TEXT PRIMARY KEY REFERENCES strategies(name),
        state TEXT NOT NULL,
        journal_seq INTEGER NOT NULL
    )""",
    """CREATE TABLE alerts (
        n INTEGER PRIMARY KEY AUTOINCREMENT,
        strategy TEXT NOT NULL REFERENCES strategies(name),
        time TEXT NOT NULL,
        kind TEXT NOT NULL,
        message TEXT NOT NULL
    )""",
    "CREATE INDEX alerts_by_strategy ON alerts (strategy, n)",
    """CREATE TABLE status (
        strategy TEXT NOT NULL REFERENCES strategies(name),
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (strategy, key)
    )""",
    """CREATE TABLE halts (
        strategy TEXT PRIMARY KEY REFERENCES strategies(name),
        reason TEXT NOT NULL,
        time TEXT NOT NULL
    )""",
)


def _to_v1(connection: sqlite3.Connection) -> None:
    for statement in _V1:
        connection.execute(statement)


Step = Callable[[sqlite3.Connection], None]
# STEPS[n] turns schema version n into n + 1; append, never edit a released step.
STEPS: Final[tuple[Step, ...]] = (_to_v1,)
LATEST: Final = len(STEPS)


class StoreError(Exception):
    """The store cannot do what was asked (the file is not usable, a write inside `read()`)."""


class SchemaError(StoreError):
    """A file this release cannot use: not a state store, or written by a newer release."""


def migrate(connection: sqlite3.Connection, now: str) -> int:
    """Bring the file to `LATEST`; the version it was at before.

    A file already at `LATEST` is only read, so `tradeplan status` opens it while the bot
    holds its write lock. Steps run in one write transaction (BEGIN IMMEDIATE) that reads the
    version again: two processes opening a new file at once do the steps once."""
    before = _checked(_version(connection))
    if before == LATEST:
        return before
    connection.execute("BEGIN IMMEDIATE")
    try:
        before = _checked(_version(connection))
        if before == 0:
            connection.execute(
                "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied TEXT NOT NULL)"
            )
        for version in range(before, LATEST):
            STEPS[version](connection)
            connection.execute("INSERT INTO schema_version VALUES (?, ?)", (version + 1, now))
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    return before


def _checked(version: int) -> int:
    if version > LATEST:
        raise SchemaError(
            f"the state store is at schema version {version}; this tradeplan reads up to "
            f"{LATEST}: upgrade tradeplan"
        )
    return version


def _version(connection: sqlite3.Connection) -> int:
    tables = {
        str(name)
        for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    if "schema_version" not in tables:
        if tables - {"sqlite_sequence"}:
            raise SchemaError("the file holds tables but no schema version: not a state store")
        return 0
    (version,) = connection.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(version or 0)


__all__ = ["LATEST", "STEPS", "SchemaError", "StoreError", "migrate"]
