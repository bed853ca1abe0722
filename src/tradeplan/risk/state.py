"""The snapshot the guards judge: the account as it is, and the order someone wants to send.

Working entry orders count as if they had filled: guards that only looked at open positions
would let two entries on one symbol through while both are still waiting, and both could fill.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

from tradeplan.core.enums import Side
from tradeplan.core.money import ONE, ZERO


@dataclass(frozen=True, slots=True)
class SymbolExposure:
    """What one symbol holds and has asked for; quantities are gross (long and short both add)."""

    positions: int = 0
    qty: Decimal = ZERO
    notional: Decimal = ZERO
    pending_entries: int = 0
    pending_qty: Decimal = ZERO
    pending_notional: Decimal = ZERO

    @property
    def slots_taken(self) -> int:
        return self.positions + self.pending_entries

    @property
    def committed_qty(self) -> Decimal:
        return self.qty + self.pending_qty

    @property
    def committed_notional(self) -> Decimal:
        return self.notional + self.pending_notional


@dataclass(frozen=True, slots=True)
class AccountState:
    """Money in the account currency.

    `margin_available` is the broker's own figure when it reports one; otherwise the guards use
    `equity - margin_used`. `margin_checked` False means the account states no leverage and its
    broker takes any size (the paper broker without `leverage`): the margin guard then stays
    quiet rather than assume 1x. The three flags are sticky decisions made elsewhere (an
    operator's kill switch, the equity tracker's daily lock and drawdown halt) that the guards
    honour even if equity has since recovered.
    """

    balance: Decimal
    equity: Decimal
    start_of_day_equity: Decimal | None = None
    peak_equity: Decimal | None = None
    positions: Mapping[str, SymbolExposure] = field(default_factory=dict, hash=False)
    margin_used: Decimal = ZERO
    margin_available: Decimal | None = None
    leverage: Decimal = ONE
    margin_checked: bool = True
    kill_switch: bool = False
    daily_loss_locked: bool = False
    drawdown_halted: bool = False

    def __post_init__(self) -> None:
        if self.leverage <= 0:
            raise ValueError("leverage must be greater than 0")
        object.__setattr__(self, "positions", MappingProxyType(dict(self.positions)))

    def exposure(self, symbol: str) -> SymbolExposure:
        return self.positions.get(symbol, _FLAT)

    @property
    def slots_taken(self) -> int:
        return sum(item.slots_taken for item in self.positions.values())

    @property
    def committed_notional(self) -> Decimal:
        return sum((item.committed_notional for item in self.positions.values()), ZERO)

    @property
    def committed_qty(self) -> Decimal:
        """Gross units of every symbol, open and working."""
        return sum((item.committed_qty for item in self.positions.values()), ZERO)

    @property
    def pending_notional(self) -> Decimal:
        return sum((item.pending_notional for item in self.positions.values()), ZERO)

    @property
    def free_margin(self) -> Decimal:
        """Margin a new entry may use: pending entries have a claim on it already."""
        base = (
            self.margin_available
            if self.margin_available is not None
            else self.equity - self.margin_used
        )
        return base - self.pending_notional / self.leverage


_FLAT = SymbolExposure()


@dataclass(frozen=True, slots=True)
class ProposedOrder:
    """An order before it is sent.

    `price` is the order's price, or for a market order the reference price that values it (set
    `price_is_reference` then: nothing priced is sent, so no tick check applies). Notional in the
    account currency is `qty × price × quote_home_rate`. `is_reducing` marks closing orders
    (reduce-only, close-position, a slot's take profit or stop): entry caps never block them.
    `risk_amount` is what the entry loses, in the account currency, if its stop loss fills at
    its trigger; None when no stop bounds it.
    """

    symbol: str
    side: Side
    qty: Decimal
    price: Decimal
    is_reducing: bool = False
    price_is_reference: bool = False
    trigger: Decimal | None = None
    quote_home_rate: Decimal = ONE
    risk_amount: Decimal | None = None

    def __post_init__(self) -> None:
        if self.qty <= 0:
            raise ValueError(f"order quantity must be greater than 0, got {self.qty}")
        if self.price <= 0:
            raise ValueError(f"order price must be greater than 0, got {self.price}")
        if self.quote_home_rate <= 0:
            raise ValueError("quote_home_rate must be greater than 0")

    @property
    def quote_notional(self) -> Decimal:
        """Notional in the quote currency, which is what a venue's min-notional rule checks."""
        return self.qty * self.price

    @property
    def notional(self) -> Decimal:
        return self.qty * self.price * self.quote_home_rate
