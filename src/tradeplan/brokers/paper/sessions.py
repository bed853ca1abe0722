"""Trading sessions on the paper broker: when a day order ends and which rows an order may use.

* US stocks (SEMANTICS.md section 3): regular hours 09:30-16:00 America/New_York, pre-market
  04:00-09:30, post-market 16:00-20:00. An order's session (seed 000's table) says where it
  works: RTH in regular hours only (a day order ends at 16:00), ETH in the pre- and post-market
  only, ALL in all three (a day order of either ends at 20:00). A market order is refused
  outside regular hours, whatever its session.
* FX trades around the clock from Sunday 17:00 to Friday 17:00 New York; the trading day rolls
  at 17:00 New York, so that is when a day order ends.
* Crypto perpetuals never close; a day order ends at 00:00 UTC.
* Good-till-cancelled: US-stock orders are kept 90 days (Futu's rule), others until cancelled.

A row belongs to a session by its start time (a 1-minute bar stamped 15:59 is regular hours, one
stamped 16:00 is post-market).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from enum import IntEnum
from typing import Final
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from tradeplan.core.enums import AssetClass, Session
from tradeplan.core.epoch import EPOCH, datetime_from_ns, ns_from_datetime

NEW_YORK: Final = ZoneInfo("America/New_York")
NS_PER_SECOND: Final = 1_000_000_000
NS_PER_DAY: Final = 86_400 * NS_PER_SECOND
GTC_DAYS: Final = 90


class SessionCode(IntEnum):
    CLOSED = 0
    PRE = 1
    REGULAR = 2
    POST = 3


_PRE_START = 4 * 60
_RTH_START = 9 * 60 + 30
_RTH_END = 16 * 60
_POST_END = 20 * 60


class SessionCalendar:
    """Session rules for one asset class; cheap to ask per order, vectorised per data set."""

    def __init__(self, asset_class: AssetClass) -> None:
        self.asset_class = asset_class
        if asset_class is AssetClass.US_STOCK:
            self._zone, self._regular_end, self._extended_end = NEW_YORK, time(16), time(20)
        elif asset_class is AssetClass.FX:
            self._zone, self._regular_end, self._extended_end = NEW_YORK, time(17), time(17)
        else:
            self._zone, self._regular_end, self._extended_end = ZoneInfo("UTC"), time(0), time(0)

    @property
    def has_sessions(self) -> bool:
        """Only US stocks restrict orders to parts of the day."""
        return self.asset_class is AssetClass.US_STOCK

    def day_end_ns(self, now_ns: int, session: Session) -> int:
        """When a day order placed at `now_ns` ends: the next session end strictly after it."""
        end = self._regular_end if session is Session.RTH else self._extended_end
        local = datetime_from_ns(now_ns).astimezone(self._zone)
        candidate = datetime.combine(local.date(), end, tzinfo=self._zone)
        if candidate <= local:
            candidate = datetime.combine(local.date() + timedelta(days=1), end, tzinfo=self._zone)
        return ns_from_datetime(candidate)

    def gtc_end_ns(self, now_ns: int) -> int | None:
        """US-stock brokers keep a good-till-cancelled order up to 90 days (SEMANTICS.md §3);
        elsewhere it works until cancelled."""
        if not self.has_sessions:
            return None
        return now_ns + GTC_DAYS * NS_PER_DAY

    def session_codes(self, time_ns: NDArray[np.int64]) -> NDArray[np.int8] | None:
        """Each row's `SessionCode` for US stocks; None where every row is tradable."""
        if not self.has_sessions:
            return None
        offsets = _utc_offsets_ns(time_ns, self._zone)
        minutes = ((time_ns + offsets) % NS_PER_DAY) // (60 * NS_PER_SECOND)
        codes = np.zeros(time_ns.size, dtype=np.int8)
        codes[(minutes >= _PRE_START) & (minutes < _RTH_START)] = SessionCode.PRE
        codes[(minutes >= _RTH_START) & (minutes < _RTH_END)] = SessionCode.REGULAR
        codes[(minutes >= _RTH_END) & (minutes < _POST_END)] = SessionCode.POST
        return codes


def tradable(code: int, session: Session) -> bool:
    """Whether an order of `session` may work in a row of session `code`."""
    if session is Session.ALL:
        return code != SessionCode.CLOSED
    if session is Session.ETH:
        return code in (SessionCode.PRE, SessionCode.POST)
    return code == SessionCode.REGULAR


def tradable_rows(codes: NDArray[np.int8], session: Session) -> NDArray[np.bool_]:
    """`tradable` for each row of `codes` at once."""
    allowed = np.array([tradable(code, session) for code in SessionCode], dtype=np.bool_)
    result: NDArray[np.bool_] = allowed[codes]
    return result


def _utc_offsets_ns(time_ns: NDArray[np.int64], zone: ZoneInfo) -> NDArray[np.int64]:
    """The zone's UTC offset for each row, looked up once per calendar day (at 12:00 UTC, after
    any daylight-saving switch of that day and before the session opens)."""
    days = time_ns // NS_PER_DAY
    unique, inverse = np.unique(days, return_inverse=True)
    offsets = np.empty(unique.size, dtype=np.int64)
    for k, day in enumerate(unique.tolist()):
        noon = EPOCH + timedelta(days=int(day), hours=12)
        delta = noon.astimezone(zone).utcoffset()
        offsets[k] = int(delta.total_seconds()) * NS_PER_SECOND if delta is not None else 0
    result: NDArray[np.int64] = offsets[inverse.reshape(-1)]
    return result
