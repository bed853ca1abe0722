"""L4: pure position sizing in exact arithmetic (SEMANTICS.md section 4).

Fixed sizes, the 2% rule with quote-to-account currency conversion, flooring to the broker's
step, the margin cap and the minimum stop that keeps the full risk under the cap.
"""

from tradeplan.sizing.calculator import fixed_units, size_by_risk, size_fixed
from tradeplan.sizing.conversion import conversion_rate, mid_conversion_factor, quote_home_rate
from tradeplan.sizing.errors import SizingError
from tradeplan.sizing.margin import leverage_cap, margin_cap
from tradeplan.sizing.result import RiskInputs, SizeResult
from tradeplan.sizing.risk_percent import min_stop_pips, risk_units

__all__ = [
    "RiskInputs",
    "SizeResult",
    "SizingError",
    "conversion_rate",
    "fixed_units",
    "leverage_cap",
    "margin_cap",
    "mid_conversion_factor",
    "min_stop_pips",
    "quote_home_rate",
    "risk_units",
    "size_by_risk",
    "size_fixed",
]
