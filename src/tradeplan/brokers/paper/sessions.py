"""Trading sessions on the paper broker: when a day order ends and which rows an order may use.

The rules are the market calendar's (`tradeplan.core.calendar`), which the evaluator and the
risk guards ask too, so a row the strategy sees as closed is closed for its orders as well:

* US stocks: an order's session (seed 000's table) says where it works: RTH in regular hours
  only (a day order ends at 16:00 New York), ETH in the pre- and post-market only, ALL in all
  three (a day order of either ends at 20:00). Weekends and NYSE holidays are closed, and a
  day order placed after its session's end works on the next trading day. A market order is
  refused outside regular hours, whatever its session.
* FX trades from Sunday 17:00 to Friday 17:00 New York; a day order ends at the day's roll,
  17:00 New York.
* Crypto perpetuals never close; a day order ends at 00:00 UTC.
* Good-till-cancelled: US-stock orders are kept 90 days (Futu's rule), others until cancelled.

A row belongs to a session by its start time (a 1-minute bar stamped 15:59 is regular hours, one
stamped 16:00 is post-market).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from tradeplan.core import calendar
from tradeplan.core.enums import AssetClass, Session
from tradeplan.core.epoch import NS_PER_SECOND


class SessionCalendar:
    """The calendar's rules for one asset class; cheap to ask per order, vectorised per data
    set."""

    def __init__(self, asset_class: AssetClass) -> None:
        self.asset_class = asset_class

    @property
    def has_sessions(self) -> bool:
        """Only US stocks restrict orders to parts of the day."""
        return self.asset_class is AssetClass.US_STOCK

    def day_end_ns(self, now_ns: int, session: Session) -> int:
        """When a day order placed at `now_ns` ends (`core.calendar.day_order_end_ns`)."""
        return calendar.day_order_end_ns(self.asset_class, now_ns, session)

    def gtc_end_ns(self, now_ns: int) -> int | None:
        """When a good-till-cancelled order placed at `now_ns` is dropped; None: never."""
        return calendar.gtc_end_ns(self.asset_class, now_ns)

    def session_codes(self, time_ns: NDArray[np.int64]) -> NDArray[np.int8] | None:
        """Each row's `UsSession` code for US stocks; None where every row is tradable."""
        if not self.has_sessions:
            return None
        return calendar.us_sessions(time_ns // NS_PER_SECOND)


def tradable(code: int, session: Session) -> bool:
    """Whether an order of `session` may work in a row of session `code`."""
    return calendar.order_may_work(code, session)


def tradable_rows(codes: NDArray[np.int8], session: Session) -> NDArray[np.bool_]:
    """`tradable` for each row of `codes` at once."""
    return calendar.order_may_work_rows(codes, session)
