"""The one call the engine makes before sending any order."""

from __future__ import annotations

from tradeplan.risk.guards import ENTRY_GUARDS, VENUE_GUARDS
from tradeplan.risk.limits import GuardLimits
from tradeplan.risk.reasons import GuardResult, Rejection
from tradeplan.risk.rules import SymbolRules
from tradeplan.risk.state import AccountState, ProposedOrder


def check_order(
    limits: GuardLimits,
    state: AccountState,
    order: ProposedOrder,
    rules: SymbolRules | None = None,
) -> GuardResult:
    """Run every guard and report every reason, not just the first.

    A reducing order (a take profit, a stop, a manual close) is checked only against the venue's
    tick and step: refusing to close would turn a risk cap into a source of risk.
    """
    guards = VENUE_GUARDS if order.is_reducing else ENTRY_GUARDS + VENUE_GUARDS
    found: list[Rejection] = []
    for guard in guards:
        rejection = guard(limits, state, order, rules)
        if rejection is not None:
            found.append(rejection)
    return GuardResult(tuple(found))
