"""Client order ids: one per intent, deterministic, unique across strategies and restarts.

Why. A live bot must be able to ask the broker "did my order arrive?" after a timeout or a
crash, and the only question every broker answers is "the order with this client id". So the
id is chosen and committed to the state store *before* the order is sent (LIVE.md section 2),
it belongs to the intent and never to an attempt (a retry that made a new id would place a
second order), and it must not collide with any other order on the account:

* `tp` marks the order as ours; an id without it (an order placed by hand, a Binance
  `autoclose-` liquidation) parses to None and is never touched unless adopted.
* six base36 characters of sha256(strategy name) tell strategies apart on one shared account,
  the same on every run and machine (no registry to lose);
* base36 of a per-strategy counter the store persists (`StateStore.next_client_seq`), so a
  restarted bot never hands out a number again.

Only `[a-z0-9]`, at most 36 characters: Binance's `^[.A-Z:/a-z0-9_-]{1,36}$`, Futu's `remark`
(at most 64 bytes) and OANDA's client extensions (kept short and alphanumeric) all take it.
"""

from __future__ import annotations

import hashlib
import re
from typing import Final

PREFIX: Final = "tp"
TAG_LENGTH: Final = 6
MAX_LENGTH: Final = 36  # Binance's limit, the tightest of the brokers
_DIGITS: Final = "0123456789abcdefghijklmnopqrstuvwxyz"
_TAG: Final = re.compile(r"[0-9a-z]{6}")
# No leading zero in the counter, so each (tag, seq) has exactly one spelling.
_ID: Final = re.compile(r"tp([0-9a-z]{6})([1-9a-z][0-9a-z]{0,27})")


def strategy_tag(name: str) -> str:
    """Six lowercase base36 characters from sha256 of the strategy name (stable everywhere)."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return _base36(int.from_bytes(digest, "big") % 36**TAG_LENGTH).rjust(TAG_LENGTH, "0")


def client_id(tag: str, seq: int) -> str:
    """`tp` + tag + base36(seq); raises ValueError for a bad tag, seq < 1 or an id past 36."""
    if not _TAG.fullmatch(tag):
        raise ValueError(f"a strategy tag is {TAG_LENGTH} characters of [0-9a-z], got {tag!r}")
    if isinstance(seq, bool) or seq < 1:
        raise ValueError(f"a client id's sequence number starts at 1, got {seq!r}")
    cid = PREFIX + tag + _base36(seq)
    if len(cid) > MAX_LENGTH:
        raise ValueError(f"client id {cid} is longer than {MAX_LENGTH} characters")
    return cid


def parse_client_id(cid: str) -> tuple[str, int] | None:
    """(tag, seq) of an id `client_id` made; None for any other id (not ours)."""
    match = _ID.fullmatch(cid)
    if match is None:
        return None
    return match.group(1), int(match.group(2), 36)


def _base36(n: int) -> str:
    if n == 0:
        return "0"
    out: list[str] = []
    while n:
        n, digit = divmod(n, 36)
        out.append(_DIGITS[digit])
    return "".join(reversed(out))


__all__ = ["MAX_LENGTH", "PREFIX", "TAG_LENGTH", "client_id", "parse_client_id", "strategy_tag"]
