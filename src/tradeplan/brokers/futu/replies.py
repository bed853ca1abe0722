"""What the SDK's and the gateway's answers mean, and the unlock rate limit.

The SDK returns `(RET_ERROR, text)` both when the gateway replied with a refusal and when it
gave up waiting; only the second leaves the outcome unknown, so the two are told apart by the
SDK's own texts. OpenD replies in its configured language, so a lock or a rate limit is
recognised in English and in Chinese.
"""

from __future__ import annotations

import threading
import time as _time
from collections import deque

# What the SDK itself says when no answer came (futu/common/open_context_base.py,
# network_manager.py, err.py), as opposed to a reply from the gateway: PacketErr names
# (Timeout, Invalid, Disconnect, SendFail, alone or as "PacketErr.X") and a few texts.
NO_ANSWER = frozenset(
    {
        "timeout",
        "invalid",
        "disconnect",
        "sendfail",
        "connect timeout",
        "abnormal event timeout",
        "context status bad",
        "connection closed",
        "connection lost",
        "not connected",
    }
)
# Futu's replies, in English or Chinese (OpenD answers in its configured language).
LOCKED = ("unlock", "locked", "解锁")
RATE = ("frequen", "rate limit", "too many", "频率", "频繁")


def is_transport(msg: str) -> bool:
    """True when the SDK gave up waiting (nobody knows what happened), False for a reply."""
    text = msg.strip().lower()
    if text.startswith("packeterr."):
        return True
    return text in NO_ANSWER


def says(msg: str, words: tuple[str, ...]) -> bool:
    """The reply mentions one of `words` (case aside)."""
    low = msg.lower()
    return any(word in low for word in words)


class UnlockRefused(Exception):
    """The gateway refused the trading password (a wrong one: the user's to fix)."""


class RateWindow:
    """At most `count` calls per `seconds`; `wait` sleeps just long enough (no polling)."""

    def __init__(self, count: int, seconds: float) -> None:
        self.count, self.seconds = count, seconds
        self._calls: deque[float] = deque()
        self._lock = threading.Lock()

    def wait(self, longest: float) -> bool:
        with self._lock:
            now = _time.monotonic()
            while self._calls and now - self._calls[0] >= self.seconds:
                self._calls.popleft()
            if len(self._calls) >= self.count:
                pause = self.seconds - (now - self._calls[0])
                if pause > longest:
                    return False
                _time.sleep(pause)
                self._calls.popleft()
            self._calls.append(_time.monotonic())
            return True


__all__ = ["LOCKED", "NO_ANSWER", "RATE", "RateWindow", "UnlockRefused", "is_transport", "says"]
