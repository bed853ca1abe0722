"""L4: pure pre-trade guards: `check_order(limits, state, order, rules)` and an equity tracker.

Guards read a snapshot and a proposed order and return every reason to refuse it, each with a
stable code (see `Reason`) for signals.csv and a plain message. Closing orders are never blocked
by entry caps.
"""

from tradeplan.core.calendar import FX_NEW_YORK_5PM, UTC_MIDNIGHT, DayBoundary
from tradeplan.risk.check import check_order
from tradeplan.risk.limits import GuardLimits
from tradeplan.risk.reasons import OK, GuardResult, Reason, Rejection
from tradeplan.risk.rules import SymbolRules
from tradeplan.risk.state import AccountState, ProposedOrder, SymbolExposure
from tradeplan.risk.tracker import EquityTracker, track

__all__ = [
    "FX_NEW_YORK_5PM",
    "OK",
    "UTC_MIDNIGHT",
    "AccountState",
    "DayBoundary",
    "EquityTracker",
    "GuardLimits",
    "GuardResult",
    "ProposedOrder",
    "Reason",
    "Rejection",
    "SymbolExposure",
    "SymbolRules",
    "check_order",
    "track",
]
