"""What the guards need to know about a symbol's venue rules.

A protocol rather than an import: `tradeplan.core.instrument.Instrument` fits it, and so does
whatever a broker profile builds, without risk depending on ports (they are sibling layers).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol


class SymbolRules(Protocol):
    @property
    def step(self) -> Decimal: ...

    @property
    def min_notional(self) -> Decimal | None: ...

    def tick_at(self, price: Decimal) -> Decimal: ...
