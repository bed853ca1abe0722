"""Broker capability checks (TP5xx), from the profiles the guards use too (ports/profiles.py).

A missing order type is not an error: the runtime emulates it (info TP501). What the broker
cannot do at all (the asset class, extended hours) and widths its price rules refuse are errors.
"""

from __future__ import annotations

from decimal import Decimal

from tradeplan.core.enums import AssetClass, FillProfile, OrderType, Session
from tradeplan.core.instrument import Instrument
from tradeplan.core.money import plain
from tradeplan.core.units import Distance, DistanceUnit
from tradeplan.diagnostics.collector import Collector
from tradeplan.diagnostics.model import Span
from tradeplan.lang.model import ExitsSpec, StrategySpec
from tradeplan.lang.wording import Wording
from tradeplan.ports.profiles import BrokerProfile, UnknownProfileError, get_profile


def _profile(name: str) -> BrokerProfile | None:
    try:
        return get_profile(name)
    except UnknownProfileError:
        return None


def _emulated(
    profile: BrokerProfile, order_type: OrderType, span: Span, what: str, out: Collector
) -> None:
    if profile.needs_emulation(order_type):
        out.report(
            "TP501",
            span,
            f"{profile.name} has no native {order_type.value} order; tradeplan emulates the "
            f"{what} (it watches prices and sends a plain order when triggered)",
            "emulated orders need the bot to be running to fire",
        )


def _exit_types(exits: ExitsSpec, profile: BrokerProfile, out: Collector) -> None:
    if exits.stop_loss is not None:
        _emulated(profile, OrderType.STOP, exits.where("stop_loss"), "stop loss", out)
    if exits.take_profit is not None:
        _emulated(profile, OrderType.LIMIT, exits.where("take_profit"), "take profit", out)
    if exits.trailing is not None:
        kind = (
            OrderType.TRAILING_STOP_LIMIT
            if exits.trailing.spread is not None
            else OrderType.TRAILING_STOP
        )
        _emulated(profile, kind, exits.where("trailing"), "trailing exit", out)


def _pips(distance: Distance | None) -> Decimal | None:
    return distance.value if distance is not None and distance.unit is DistanceUnit.PIPS else None


def check_broker(
    spec: StrategySpec,
    inst: Instrument,
    session: Session,
    fill: FillProfile,
    out: Collector,
    words: Wording,
) -> None:
    profile = _profile(spec.broker.name)
    if profile is None:
        return
    where = spec.broker.where("name") if "name" in spec.broker.spans else spec.where("broker")
    if not profile.trades(inst.asset_class):
        kinds = ", ".join(sorted(a.value for a in profile.asset_classes))
        out.report(
            "TP502",
            where,
            f"{profile.name} does not trade {inst.asset_class.value} instruments like "
            f"{inst.symbol} (it trades: {kinds})",
            f"pick the broker that lists this instrument, or {words.say('paper')} to backtest",
        )
        return
    stock = inst.asset_class is AssetClass.US_STOCK
    if stock and session is not Session.RTH and not profile.extended_hours:
        out.report(
            "TP502",
            spec.where("session"),
            f"{profile.name} cannot trade outside regular hours "
            f"({words.show('session', session.value)})",
            f"{words.say('remove', key='session')} or use {words.show('session', 'rth')}",
        )
    for entry in spec.entries:
        span = entry.where("order") if "order" in entry.spans else entry.span
        _emulated(profile, entry.order.type, span, f"entry of `{entry.name}`", out)
        if entry.exits is not None:
            _exit_types(entry.exits, profile, out)
    if spec.exits is not None and spec.entries:
        _exit_types(spec.exits, profile, out)
    rules_profile = _profile("triauto") if fill is FillProfile.DEALER and spec.grids else profile
    if rules_profile is None:
        return
    for grid in spec.grids:
        problems = rules_profile.price_rules.width_problems(
            take_profit_pips=_pips(grid.take_profit),
            stop_loss_pips=_pips(grid.stop_loss),
            counter_pips=_pips(grid.counter),
            follow_pips=_pips(grid.follow),
        )
        for problem in problems:
            out.report(
                "TP503",
                grid.where(problem.name),
                f"{problem.message} under the {rules_profile.name} price rules "
                f"(here {plain(abs(problem.value))} pips)",
                f"use {'at least' if abs(problem.value) < problem.limit else 'at most'} "
                f"{problem.limit} pips"
                + (
                    "; FX grids follow these dealer rules unless the broker sets "
                    + words.show("fill", "exchange")
                    if rules_profile is not profile
                    else ""
                ),
            )
