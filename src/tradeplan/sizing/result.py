"""What a sizing produced, with the inputs kept so the arithmetic can be told back in words."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradeplan.sizing.exact import Rate, frac, to_decimal_approx
from tradeplan.sizing.explain import explain_size


@dataclass(frozen=True, slots=True)
class RiskInputs:
    """The numbers a risk sizing used; `quote_home_rate` is account currency per quote unit
    (a Fraction when it is exactly 1/price)."""

    balance: Decimal
    risk: Decimal
    stop_pips: Decimal
    pip_size: Decimal
    quote_home_rate: Rate
    step: Decimal
    leverage: Decimal | None = None
    base_home_rate: Rate = Decimal(1)
    units_available: Decimal | None = None
    currency: str | None = None

    @property
    def risk_amount(self) -> Decimal:
        """The budget in the account currency: balance × risk (exact)."""
        return self.balance * self.risk

    def loss_at_stop(self, units: Decimal) -> Decimal:
        """Account-currency loss of `units` when the stop is hit (display precision)."""
        exact = frac(units) * frac(self.stop_pips) * frac(self.pip_size)
        return to_decimal_approx(exact * frac(self.quote_home_rate), 6)


@dataclass(frozen=True, slots=True)
class SizeResult:
    """A position size; `min_stop_pips` is set only when the margin cap cut the size.

    `units` is what to trade. `uncapped_units` is what the rule alone asked for (already floored
    to the step). With a binding cap, `min_stop_pips` is the narrowest whole-pip stop at which the
    full risk fits under the cap, and `units_at_min_stop` the size at that stop.
    """

    units: Decimal
    uncapped_units: Decimal
    capped: bool
    cap: Decimal | None
    min_stop_pips: Decimal | None = None
    units_at_min_stop: Decimal | None = None
    inputs: RiskInputs | None = None
    step: Decimal = Decimal(1)

    def explain(self) -> str:
        """The arithmetic in plain words, one step per line."""
        return explain_size(self)
