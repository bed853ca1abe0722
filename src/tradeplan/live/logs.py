"""A live run's log: one JSON object per line for machines, one plain line for the console.

Logs are data (issue 9): every line of `events.jsonl` is an object with `time` (UTC, ISO 8601,
the wall clock), `event`, `strategy` and the event's own fields (client id, prices, reason,
latency). Decimals are written as strings, exactly. The console gets the same events as short
sentences, and each sentence is in the record too, as `message` (an alert's text, a refused
reload's reason: the log holds what the console said).

The sentences a trader reads most, a trade closed, a fill, an order or a signal refused, are
worded here from the event's fields, so they say what a trade line in a broker's app says: the
side, the quantity, the exit price and why, the entry, and the P&L with its currency
(`currencies` names each strategy's account currency; `trade_closed` records carry it too). An
exit's fill is not told twice: its trade line says it.

Secrets never appear in either. Keys and tokens come from the environment (never from strategy
files); every text written is checked against the secret values of the environment
(`secret_values`: variables whose names say KEY, SECRET, TOKEN, PASSWORD, ...), and a match is
replaced by `***` before it reaches a file or the screen. Each value is scrubbed before it is
encoded, so a secret holding a quote or a backslash, which JSON would write escaped, is caught
as well.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Final

_SECRET_WORDS: Final = ("KEY", "SECRET", "TOKEN", "PASSWORD", "PASSPHRASE", "MD5", "CREDENTIAL")
_EXIT_FILLS_KEPT: Final = 1000  # exits told by their trade line whose fill is still to come


def secret_values(environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The values of the environment's secret-looking variables (longest first, so a secret
    that contains another is hidden whole); values shorter than 4 characters are left alone
    (they would mask ordinary digits)."""
    env = os.environ if environ is None else environ
    found = {
        value
        for name, value in env.items()
        if len(value) >= 4 and any(word in name.upper() for word in _SECRET_WORDS)
    }
    return tuple(sorted(found, key=len, reverse=True))


def scrub(text: str, secrets: tuple[str, ...] | None = None) -> str:
    """`text` with every secret value (`secret_values()` unless given) starred out."""
    for secret in secret_values() if secrets is None else secrets:
        text = text.replace(secret, "***")
    return text


def _plain(value: object) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _amount(value: object, *, signed: bool = False) -> str:
    """`1000` as `1,000` (`+1,000` signed); anything not a number as it is."""
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return str(value)
    return format(number, "+,f" if signed else ",f")


def _words(value: object) -> str:
    return str(value).replace("_", " ")


class EventLog:
    """See the module docstring. `path` None: console only; `console` None: file only."""

    def __init__(
        self,
        path: Path | None,
        console: IO[str] | None = sys.stderr,
        *,
        secrets: tuple[str, ...] | None = None,
        currencies: Mapping[str, str] | None = None,
    ) -> None:
        self._secrets = secret_values() if secrets is None else secrets
        self._currencies = dict(currencies or {})
        self._exits: list[tuple[str, str, str]] = []  # (strategy, owner, exit price) told
        self._booked: dict[str, tuple[int, Decimal]] = {}
        self._lock = threading.Lock()
        self._file: IO[str] | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Line-buffered: a bot killed with SIGKILL leaves every event it wrote, the ones
            # an operator needs most.
            self._file = path.open("a", encoding="utf-8", buffering=1)
        self._console = console

    def scrub(self, text: str) -> str:
        return scrub(text, self._secrets)

    def _scrubbed(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, dict):
            return {self.scrub(k): self._scrubbed(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._scrubbed(v) for v in value]
        return value

    def event(self, event: str, strategy: str = "", say: str = "", **fields: object) -> None:
        """Log `event` with `fields`; `say` is the console's sentence (nothing on the console
        when empty, unless the event is one this module words itself)."""
        if event == "trade_closed":
            if strategy in self._currencies:
                fields.setdefault("currency", self._currencies[strategy])
            pnl = fields.get("pnl")
            count, total = self._booked.get(strategy, (0, Decimal(0)))
            self._booked[strategy] = (
                count + 1,
                total + pnl if isinstance(pnl, Decimal) else total,
            )
        record: dict[str, Any] = {
            "time": _plain(datetime.now(UTC)),
            "event": event,
            "strategy": strategy,
        }
        record.update({k: _plain(v) for k, v in fields.items()})
        with self._lock:
            say = self._sentence(event, strategy, record) or say
            if say:
                record.setdefault("message", say)
            line = self.scrub(
                json.dumps(self._scrubbed(record), ensure_ascii=False, allow_nan=False)
            )
            if self._file is not None:
                self._file.write(line + "\n")
                self._file.flush()
            if say and self._console is not None:
                prefix = f"[{strategy}] " if strategy else ""
                self._console.write(self.scrub(f"{prefix}{say}") + "\n")
                self._console.flush()

    def booked(self, strategy: str) -> tuple[int, Decimal]:
        """How many trades `strategy` closed while this log was open, and their net P&L (a
        reload swaps the strategy's engine; this count goes on)."""
        return self._booked.get(strategy, (0, Decimal(0)))

    def _sentence(self, event: str, strategy: str, r: Mapping[str, Any]) -> str:
        """The console's wording of the events a trader reads most; "" for the others."""
        if event == "trade_closed":
            self._exits.append((strategy, str(r.get("owner")), str(r.get("exit_price"))))
            del self._exits[:-_EXIT_FILLS_KEPT]
            side = {"buy": "long ", "sell": "short "}.get(str(r.get("side")), "")
            currency = r.get("currency")
            pnl = _amount(r.get("pnl"), signed=True) + (f" {currency}" if currency else "")
            return (
                f"{r.get('owner')}: {side}{_amount(r.get('qty'))} closed at "
                f"{r.get('exit_price')} by {_words(r.get('reason'))} (entry "
                f"{r.get('entry_price')}): {pnl}"
            )
        if event in ("order_filled", "order_partially_filled"):
            told = (strategy, str(r.get("owner")), str(r.get("fill_price")))
            if told in self._exits:
                self._exits.remove(told)  # an exit: its trade line said it
                return ""
            verb = "bought" if r.get("side") == "buy" else "sold"
            part = " (part)" if event == "order_partially_filled" else ""
            return (
                f"{r.get('owner')}: {verb} {_amount(r.get('qty'))}{part} at "
                f"{r.get('fill_price')} ({_words(r.get('type'))} {r.get('client_id')})"
            )
        if event == "order_rejected":
            level = r.get("price") or r.get("trigger")
            at = f" at {level}" if level else ""
            return (
                f"{r.get('owner')}: {r.get('side')} {_words(r.get('type'))} "
                f"{_amount(r.get('qty'))}{at} ({r.get('client_id')}) refused: {r.get('reason')}"
            )
        if event == "signal" and r.get("accepted") is False:
            reason = str(r.get("reason") or "")
            if reason.startswith("rejected by the broker"):
                return ""  # its order's refusal was told, with the reason
            return f"{r.get('rule')}: {r.get('side')} signal not taken: {reason}"
        return ""

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None


__all__ = ["EventLog", "scrub", "secret_values"]
