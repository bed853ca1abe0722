"""The typed, frozen strategy spec: what the file says, with where it says it.

Values are already typed (Decimal, Distance, seconds, Expr); nothing is resolved against the
instrument or the broker yet (that is the compiler's job). `spans` maps a field name to the span
of its value so a check can point at the exact token; spans never take part in equality.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tradeplan.core.enums import (
    FillProfile,
    OrderType,
    RestartPolicy,
    Session,
    Side,
    TimeInForce,
)
from tradeplan.core.units import Distance
from tradeplan.diagnostics.model import Span
from tradeplan.lang.expr import NO_SPAN, Expr
from tradeplan.lang.source import Form


def _spans() -> Any:
    return field(default_factory=dict, compare=False, repr=False)


def _span() -> Any:
    return field(default=NO_SPAN, compare=False, repr=False)


class Located:
    """Mixin: `where(name)` is the span of a field's value, or of the whole object."""

    span: Span
    spans: dict[str, Span]

    def where(self, name: str) -> Span:
        return self.spans.get(name, self.span)


@dataclass(frozen=True, slots=True)
class InstrumentSpec(Located):
    symbol: str
    kind: str | None = None
    pip: Decimal | None = None
    tick: Decimal | None = None
    step: Decimal | None = None
    min_notional: Decimal | None = None
    span: Span = _span()
    spans: dict[str, Span] = _spans()


@dataclass(frozen=True, slots=True)
class AccountSpec(Located):
    currency: str | None = None
    balance: Decimal | None = None
    leverage: Decimal | None = None
    span: Span = _span()
    spans: dict[str, Span] = _spans()


@dataclass(frozen=True, slots=True)
class BrokerSpec(Located):
    name: str = "paper"
    fill: FillProfile | None = None
    span: Span = _span()
    spans: dict[str, Span] = _spans()


@dataclass(frozen=True, slots=True)
class FeesSpec(Located):
    per_unit: Decimal = Decimal(0)
    per_notional: Decimal = Decimal(0)  # percent of notional
    per_order: Decimal = Decimal(0)
    span: Span = _span()
    spans: dict[str, Span] = _spans()


@dataclass(frozen=True, slots=True)
class SizingSpec(Located):
    """Exactly one of units / qty / notional / risk (percent of balance)."""

    mode: str  # "units" | "qty" | "notional" | "risk"
    amount: Decimal
    leverage: Decimal | None = None
    span: Span = _span()
    spans: dict[str, Span] = _spans()


@dataclass(frozen=True, slots=True)
class OrderSpec(Located):
    type: OrderType = OrderType.MARKET
    price: Expr | None = None
    trigger: Expr | None = None
    trail: Distance | None = None
    spread: Distance | None = None
    activate: Distance | None = None
    span: Span = _span()
    spans: dict[str, Span] = _spans()


@dataclass(frozen=True, slots=True)
class TrailingSpec(Located):
    trail: Distance
    spread: Distance | None = None  # present: trailing stop LIMIT
    activate: Distance | None = None  # profit at which trailing starts
    span: Span = _span()
    spans: dict[str, Span] = _spans()


@dataclass(frozen=True, slots=True)
class BreakEvenSpec(Located):
    at: Distance
    within: int | None = None  # seconds
    otherwise: str = "keep"  # "close" | "keep"
    offset: Distance | None = None
    span: Span = _span()
    spans: dict[str, Span] = _spans()


@dataclass(frozen=True, slots=True)
class TimeExitSpec(Located):
    after: int | None = None  # seconds held
    at: str | None = None  # "HH:MM"
    tz: str | None = None
    span: Span = _span()
    spans: dict[str, Span] = _spans()


@dataclass(frozen=True, slots=True)
class ExitsSpec(Located):
    stop_loss: Distance | None = None
    stop_loss_none: bool = False  # `stop_loss: none` written on purpose
    take_profit: Distance | None = None
    trailing: TrailingSpec | None = None
    break_even: BreakEvenSpec | None = None
    time_exit: TimeExitSpec | None = None
    exit_when: Expr | None = None
    time_in_force: TimeInForce | None = None
    span: Span = _span()
    spans: dict[str, Span] = _spans()


@dataclass(frozen=True, slots=True)
class EntrySpec(Located):
    name: str
    side: Side
    when: Expr
    order: OrderSpec
    time_in_force: TimeInForce | None = None
    sizing: SizingSpec | None = None
    exits: ExitsSpec | None = None
    span: Span = _span()
    spans: dict[str, Span] = _spans()


@dataclass(frozen=True, slots=True)
class GridSpec(Located):
    name: str
    side: Side
    units: Decimal
    take_profit: Distance
    start: Decimal | None = None  # `from`
    end: Decimal | None = None  # `to`
    step: Distance | None = None
    at: Decimal | None = None  # a single repeating order
    stop_loss: Distance | None = None
    stop_loss_none: bool = False
    counter: Distance | None = None
    follow: Distance | None = None
    span: Span = _span()
    spans: dict[str, Span] = _spans()


@dataclass(frozen=True, slots=True)
class RiskSpec(Located):
    max_open_positions: int | None = None
    max_notional: Decimal | None = None
    max_position: Decimal | None = None
    daily_loss_limit: Decimal | None = None  # percent of start-of-day equity
    max_drawdown: Decimal | None = None  # percent from peak equity
    one_position_per_symbol: bool | None = None
    max_risk_per_trade: Decimal | None = None  # percent
    span: Span = _span()
    spans: dict[str, Span] = _spans()


@dataclass(frozen=True, slots=True)
class BareNumber:
    """A distance written as a plain number (`stop_loss: 20`), with no `$`, `%` or unit word.

    The Distance alone cannot tell `20` from `$20` (both are price amounts), and only the
    compiler knows whether the instrument is an FX pair where a bare number most likely meant
    pips (TP211); so the builder keeps the few that were bare, with the words the file used.
    """

    key: str  # the field as the file names it: `stop_loss`, `trail`, ...
    text: str  # the value as written: `20`, `-5`, `+5`
    within: str | None  # the mapping it sits in when the key alone is unclear: `trailing`
    distance: Distance
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class StrategySpec(Located):
    version: int
    name: str
    instrument: InstrumentSpec
    description: str | None = None
    account: AccountSpec = field(default_factory=AccountSpec)
    broker: BrokerSpec = field(default_factory=BrokerSpec)
    session: Session | None = None
    timeframe: int | None = None  # seconds
    fees: FeesSpec | None = None
    sizing: SizingSpec | None = None
    entries: tuple[EntrySpec, ...] = ()
    exits: ExitsSpec | None = None
    grids: tuple[GridSpec, ...] = ()
    risk: RiskSpec | None = None
    on_restart: RestartPolicy | None = None  # None: not written (the plan's default, resume)
    span: Span = _span()
    spans: dict[str, Span] = _spans()
    bare_numbers: tuple[BareNumber, ...] = field(default=(), compare=False, repr=False)
    # The form the file is written in, so the compiler's findings use its words (lang/wording.py).
    form: Form = field(default=Form.YAML, compare=False, repr=False)
