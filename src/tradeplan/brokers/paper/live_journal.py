"""The paper venue's memory across its own restart: a write-ahead journal of what it was told.

A real broker survives its own restarts; `tradeplan paper serve --state DIR` should too, or a
crash test that restarts the venue proves nothing. The venue is deterministic: the same rows
and the same commands at the same places give the same orders, fills, sequence numbers and
trade ids. So instead of snapshotting the fill model's insides, the venue journals each command
it takes (submit, cancel, amend, watch, unwatch: only those that took effect) and each row it
starts, before acting on it (`LivePaperVenue.set_hook`); a restarted venue replays the journal
over the same feed, silently, and is where it was. Commands are journaled between rows only
(a server's commands always are), so the replay applies each at the place it happened.

Durability. Every line is written through at once (it survives a SIGKILL of the process);
commands are also fsynced (they survive a power loss: a submit the client was told about is
never forgotten). A line cut short by a crash is dropped on reading.

The first line says which feed and settings the journal belongs to (`identity`); a journal of
another feed is refused rather than replayed onto the wrong data.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Final

from tradeplan.brokers.paper.live_venue import LivePaperVenue
from tradeplan.core.enums import Side
from tradeplan.orders.codec import dec, order_from_data, order_to_data, undec
from tradeplan.orders.model import Order

VERSION: Final = 1
FILE_NAME: Final = "paper-venue.jsonl"
_COMMANDS: Final = frozenset({"submit", "cancel", "amend", "watch", "unwatch"})


class JournalError(ValueError):
    """A journal that cannot be replayed here (another feed, another version)."""


class VenueJournal:
    """The journal in `folder`, opened for appending; `restore` replays it onto a venue."""

    def __init__(self, folder: str | os.PathLike[str], identity: dict[str, Any]) -> None:
        self.path = Path(folder) / FILE_NAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        header = {"journal": VERSION, **identity}
        self._entries: list[dict[str, Any]] = []
        if self.path.exists() and self.path.stat().st_size:
            lines = list(_read_lines(self.path))
            if not lines or lines[0] != _plain(header):
                found = lines[0] if lines else None
                raise JournalError(
                    f"{self.path} belongs to another feed or settings: {found!r}; this venue is "
                    f"{_plain(header)!r} (use another --state folder)"
                )
            self._entries = lines[1:]
            self._trim(len(lines))
            self._file: IO[str] = self.path.open("a", encoding="utf-8")
        else:
            self._file = self.path.open("w", encoding="utf-8")
            self._write(header, sync=True)

    @property
    def entries(self) -> int:
        """How many entries a restored venue replayed."""
        return len(self._entries)

    def restore(self, venue: LivePaperVenue) -> None:
        """Replay the journal onto a venue fresh from the same feed, then journal what it does
        from now on. Nobody listens during the replay: clients read the reports."""
        for entry in self._entries:
            _apply(venue, entry)
        venue.set_hook(self.record)

    def record(self, kind: str, fields: dict[str, object]) -> None:
        """The venue's hook: one line per command or row, before it takes effect."""
        self._write({"kind": kind, **_encoded(kind, fields)}, sync=kind in _COMMANDS)

    def close(self) -> None:
        self._file.close()

    def _write(self, entry: dict[str, Any], *, sync: bool) -> None:
        self._file.write(json.dumps(entry, separators=(",", ":")) + "\n")
        self._file.flush()
        if sync:
            os.fsync(self._file.fileno())

    def _trim(self, whole_lines: int) -> None:
        """Cut a last line left half written by a crash, so appends start on a fresh line."""
        with self.path.open("rb") as handle:
            content = handle.read()
        keep = 0
        for _ in range(whole_lines):
            keep = content.index(b"\n", keep) + 1
        if keep != len(content):
            with self.path.open("r+b") as handle:
                handle.truncate(keep)


def _read_lines(path: Path) -> Iterator[dict[str, Any]]:
    with path.open("rb") as handle:
        for raw in handle:
            if not raw.endswith(b"\n"):
                return  # cut short by a crash
            try:
                entry = json.loads(raw)
            except (UnicodeDecodeError, json.JSONDecodeError):
                return
            if not isinstance(entry, dict):
                return
            yield entry


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    """`data` as it reads back from JSON (tuples become lists)."""
    result: dict[str, Any] = json.loads(json.dumps(data))
    return result


def _encoded(kind: str, fields: dict[str, object]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in fields.items():
        if isinstance(value, Order):
            out[name] = order_to_data(value)
        elif isinstance(value, Decimal) or (value is None and kind == "amend"):
            out[name] = dec(value)
        elif isinstance(value, Side):
            out[name] = value.value
        else:
            out[name] = value
    return out


def _apply(venue: LivePaperVenue, entry: dict[str, Any]) -> None:
    kind = entry.get("kind")
    if kind == "row":
        if venue.cursor != entry["row"]:
            raise JournalError(f"the journal is at row {entry['row']}, the venue at {venue.cursor}")
        venue.step()
    elif kind == "submit":
        if entry["reject"]:
            venue.faults.reject_next_submit(str(entry["reject"]))
        venue.submit(order_from_data(entry["order"]))
    elif kind == "cancel":
        venue.cancel(str(entry["id"]))
    elif kind == "amend":
        venue.amend(
            str(entry["id"]),
            price=undec(entry["price"]),
            trigger=undec(entry["trigger"]),
            qty=undec(entry["qty"]),
        )
    elif kind == "watch":
        level = undec(entry["level"])
        assert level is not None
        venue.watch(str(entry["id"]), Side(entry["side"]), level)
    elif kind == "unwatch":
        venue.unwatch(str(entry["id"]))
    else:
        raise JournalError(f"an entry this version does not know: {entry!r}")


__all__ = ["FILE_NAME", "JournalError", "VenueJournal"]
