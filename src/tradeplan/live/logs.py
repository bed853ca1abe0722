"""A live run's log: one JSON object per line for machines, one plain line for the console.

Logs are data (issue 9): every line of `events.jsonl` is an object with `time` (UTC, ISO 8601),
`event`, `strategy` and the event's own fields (client id, prices, reason, latency). Decimals are
written as strings, exactly. The console gets the same events as short sentences.

Secrets never appear in either. Keys and tokens come from the environment (never from strategy
files); every value written is checked against the secret values of the environment
(`secret_values`: variables whose names say KEY, SECRET, TOKEN, PASSWORD, ...), and a match is
replaced by `***` before it reaches a file or the screen.
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


class EventLog:
    """See the module docstring. `path` None: console only; `console` None: file only."""

    def __init__(
        self,
        path: Path | None,
        console: IO[str] | None = sys.stderr,
        *,
        secrets: tuple[str, ...] | None = None,
    ) -> None:
        self._secrets = secret_values() if secrets is None else secrets
        self._lock = threading.Lock()
        self._file: IO[str] | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = path.open("a", encoding="utf-8")
        self._console = console

    def scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def event(self, event: str, strategy: str = "", say: str = "", **fields: object) -> None:
        """Log `event` with `fields`; `say` is the console's sentence (nothing on the console
        when empty)."""
        record: dict[str, Any] = {
            "time": _plain(datetime.now(UTC)),
            "event": event,
            "strategy": strategy,
        }
        record.update({k: _plain(v) for k, v in fields.items()})
        line = self.scrub(json.dumps(record, ensure_ascii=False, allow_nan=False))
        with self._lock:
            if self._file is not None:
                self._file.write(line + "\n")
                self._file.flush()
            if say and self._console is not None:
                prefix = f"[{strategy}] " if strategy else ""
                self._console.write(self.scrub(f"{prefix}{say}") + "\n")
                self._console.flush()

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None


__all__ = ["EventLog", "secret_values"]
