"""A strategy's own risk caps; every one is optional and None means "no cap"."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradeplan.core.money import ONE


@dataclass(frozen=True, slots=True)
class GuardLimits:
    """Caps in the account currency; fractions are 0.02 for 2%.

    - `max_notional` / `min_notional`: one order's notional.
    - `max_total_notional`: all open positions plus working entries plus this order.
    - `max_total_units`: gross units of every symbol, open plus working plus this order. This is
      how FX counts notional (in units of the base currency, as FX brokers state position
      limits): a strategy's `max_notional` on an FX pair lands here, elsewhere in
      `max_total_notional`.
    - `max_position_per_symbol`: gross units on one symbol, open plus working plus this order.
    - `max_risk_per_trade`: fraction of the balance one entry may lose at its stop.
    - `daily_loss_limit`: fraction of start-of-day equity; reached, no entries until the next day.
    - `max_drawdown`: fraction of peak equity; reached, the strategy halts until resumed.
    """

    one_position_per_symbol: bool = False
    max_open_positions: int | None = None
    max_position_per_symbol: Decimal | None = None
    max_notional: Decimal | None = None
    max_total_notional: Decimal | None = None
    max_total_units: Decimal | None = None
    min_notional: Decimal | None = None
    daily_loss_limit: Decimal | None = None
    max_drawdown: Decimal | None = None
    max_risk_per_trade: Decimal | None = None

    def __post_init__(self) -> None:
        if self.max_open_positions is not None and self.max_open_positions < 0:
            raise ValueError("max_open_positions must not be negative")
        for name in (
            "max_position_per_symbol",
            "max_notional",
            "max_total_notional",
            "max_total_units",
        ):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{name} must not be negative")
        if self.min_notional is not None and self.min_notional < 0:
            raise ValueError("min_notional must not be negative")
        for name in ("daily_loss_limit", "max_drawdown", "max_risk_per_trade"):
            value = getattr(self, name)
            if value is not None and not 0 < value <= ONE:
                raise ValueError(f"{name} must be a fraction above 0 and at most 1 (0.02 for 2%)")
