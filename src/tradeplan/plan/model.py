"""The Plan: what the runtime executes, and nothing about how the file was written.

Frozen dataclasses and tuples only, so a plan can be shared between threads, fingerprinted and
swapped atomically under hot reload. Equal strategies written in YAML and in the text form yield
equal plans (expression spans do not take part in equality).

The expressions are there twice: as written (`EntryRule.when`, what `explain` shows) and
lowered into `Plan.signals`, the graph the runtime evaluates (plan/signals.py); a rule's
`signals` names its nodes there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from tradeplan.core.enums import (
    FillProfile,
    OrderType,
    RestartPolicy,
    Session,
    Side,
    TimeInForce,
)
from tradeplan.core.instrument import Instrument
from tradeplan.core.units import Distance
from tradeplan.lang.expr import Expr
from tradeplan.plan.signals import RuleSignals, SignalProgram


@dataclass(frozen=True, slots=True)
class Account:
    currency: str
    balance: Decimal | None
    leverage: Decimal | None


@dataclass(frozen=True, slots=True)
class BrokerRef:
    name: str
    fill: FillProfile


@dataclass(frozen=True, slots=True)
class Fees:
    per_unit: Decimal
    per_notional: Decimal  # percent
    per_order: Decimal


def charges_fees(fees: Fees) -> bool:
    """Whether any fee is charged: grid slots then widen their exits, and `explain` says so."""
    return bool(fees.per_unit or fees.per_notional or fees.per_order)


@dataclass(frozen=True, slots=True)
class Sizing:
    mode: str  # "units" | "qty" | "notional" | "risk"
    amount: Decimal
    leverage: Decimal | None = None


@dataclass(frozen=True, slots=True)
class OrderTemplate:
    type: OrderType
    price: Expr | None = None
    trigger: Expr | None = None
    trail: Distance | None = None
    spread: Distance | None = None
    activate: Distance | None = None


@dataclass(frozen=True, slots=True)
class Trailing:
    trail: Distance
    spread: Distance | None = None
    activate: Distance | None = None


@dataclass(frozen=True, slots=True)
class BreakEven:
    at: Distance
    within: int | None  # seconds
    otherwise: str  # "close" | "keep"
    offset: Distance | None = None


@dataclass(frozen=True, slots=True)
class TimeExit:
    after: int | None  # seconds held
    at: str | None  # "HH:MM"
    tz: str | None


@dataclass(frozen=True, slots=True)
class ExitPlan:
    stop_loss: Distance | None = None
    take_profit: Distance | None = None
    trailing: Trailing | None = None
    break_even: BreakEven | None = None
    time_exit: TimeExit | None = None
    exit_when: Expr | None = None
    time_in_force: TimeInForce = TimeInForce.GTC


@dataclass(frozen=True, slots=True)
class EntryRule:
    name: str
    side: Side
    when: Expr
    order: OrderTemplate
    sizing: Sizing | None
    exits: ExitPlan
    time_in_force: TimeInForce
    signals: RuleSignals  # `when`, `exit_when`, price and trigger in the plan's signal graph


@dataclass(frozen=True, slots=True)
class GridProgram:
    """Triauto-style slots: each price owns at most one position at a time."""

    name: str
    side: Side
    slots: tuple[Decimal, ...]
    units: Decimal
    take_profit: Distance
    stop_loss: Distance | None
    counter: Distance | None
    follow: Distance | None


@dataclass(frozen=True, slots=True)
class RiskLimits:
    max_open_positions: int | None = None
    max_notional: Decimal | None = None
    max_position: Decimal | None = None
    daily_loss_limit: Decimal | None = None  # percent of start-of-day equity
    max_drawdown: Decimal | None = None  # percent from peak equity
    one_position_per_symbol: bool = True
    max_risk_per_trade: Decimal | None = None  # percent


@dataclass(frozen=True, slots=True)
class Transition:
    source: str
    event: str
    target: str
    actions: tuple[str, ...] = ()
    condition: str | None = None


@dataclass(frozen=True, slots=True)
class StateMachine:
    """One entry rule's or one grid's slot life cycle, as data the engine and `explain` share."""

    name: str
    kind: str  # "entry" | "slot"
    states: tuple[str, ...]
    initial: str
    transitions: tuple[Transition, ...]


@dataclass(frozen=True, slots=True)
class Plan:
    version: int
    name: str
    description: str | None
    instrument: Instrument
    account: Account
    broker: BrokerRef
    session: Session
    timeframe: int | None  # seconds; None: signals on the data's own bars
    fees: Fees
    rules: tuple[EntryRule, ...]
    grids: tuple[GridProgram, ...]
    risk: RiskLimits
    machines: tuple[StateMachine, ...]
    signals: SignalProgram  # every rule's expressions, lowered, and the warm-up they need
    # What a live run does when it starts again on stored state (the `on_restart` key). Left
    # out of the JSON, and so of the fingerprint, when it is the default: a plan that does not
    # set it keeps the JSON and fingerprint it had before the key existed (stored plan versions,
    # `explain` and the docs' transcripts), and saying `resume` changes nothing.
    on_restart: RestartPolicy = field(
        default=RestartPolicy.RESUME, metadata={"omit_when_default": True}
    )

    def to_json(self, indent: int | None = 2) -> str:
        from tradeplan.plan.codec import plan_to_json

        return plan_to_json(self, indent)

    @classmethod
    def from_json(cls, text: str) -> Plan:
        from tradeplan.plan.codec import plan_from_json

        return plan_from_json(text)

    @property
    def fingerprint(self) -> str:
        from tradeplan.plan.codec import fingerprint

        return fingerprint(self)
