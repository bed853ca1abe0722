"""A strategy against a broker's live instrument rules, saved in a profile file (TP504, TP505).

`tradeplan lint --profile FILE` reads what `tradeplan instruments --save FILE` captured from the
venue (its tick, step, minimum quantity and notional, leverage cap) and checks every strategy
written for that broker against it, so a CI job with no keys learns what the venue would refuse.
The built-in profiles (ports/profiles.py) hold a broker's documented defaults; a file holds one
instrument's figures as the venue states them today, and those win.

Only what is certain to go wrong is an error: a size below the venue's minimum, an order worth
less than its minimum notional at a price the file itself names, leverage above the cap. A size
or a price off the venue's step or tick is a warning: the runtime rounds it (sizes down, prices
to the tick), and the message says to what.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from tradeplan.core.instrument import Instrument
from tradeplan.core.money import Rounding, plain, round_to_increment
from tradeplan.diagnostics.collector import Collector
from tradeplan.diagnostics.model import Severity, Span
from tradeplan.lang.model import StrategySpec
from tradeplan.ports.adapters import VenueInstrument
from tradeplan.ports.profile_file import VenueRules


def check_venue(spec: StrategySpec, inst: Instrument, rules: VenueRules, out: Collector) -> None:
    broker = spec.broker.name
    if not rules.covers(broker):
        return
    source = rules.files[broker]
    venue = rules.find(broker, inst.symbol)
    if venue is None:
        listed = ", ".join(rules.symbols(broker)) or "none"
        out.report(
            "TP504",
            spec.instrument.where("symbol"),
            f"{inst.symbol} is not among the {broker} instruments of {source} (it lists: {listed})",
            f"add it: `tradeplan instruments --broker {broker} {inst.symbol} ... --save "
            f"{source}`, or check the symbol's spelling",
        )
        return
    at_venue = replace(inst, tick=venue.tick, step=venue.step)
    where = f"on {broker} ({source})"
    _quantities(spec, at_venue, venue, where, out)
    _grid_prices(spec, at_venue, venue, where, out)
    _leverage(spec, venue, where, out)


def _quantities(
    spec: StrategySpec, inst: Instrument, venue: VenueInstrument, where: str, out: Collector
) -> None:
    sized: list[tuple[str, Decimal, Span]] = []
    for sizing in (spec.sizing, *(entry.sizing for entry in spec.entries)):
        if sizing is not None and sizing.mode in ("units", "qty"):
            sized.append((sizing.mode, sizing.amount, sizing.where(sizing.mode)))
    sized.extend(("units", grid.units, grid.where("units")) for grid in spec.grids)
    smallest = max(venue.min_qty or Decimal(0), venue.step)
    for key, value, span in sized:
        if value < smallest:
            out.report(
                "TP505",
                span,
                f"`{key}: {plain(value)}` is below the smallest order {where}: "
                f"{plain(smallest)} {inst.symbol}",
                f"write at least {plain(smallest)}",
            )
            continue
        sent = inst.round_qty(value)
        if sent != value:
            out.report(
                "TP505",
                span,
                f"`{key}: {plain(value)}` is not a multiple of the quantity step "
                f"{plain(venue.step)} {where}: it would be sent as {plain(sent)}",
                f"write {plain(sent)}",
                severity=Severity.WARNING,
            )


def _grid_prices(
    spec: StrategySpec, inst: Instrument, venue: VenueInstrument, where: str, out: Collector
) -> None:
    for grid in spec.grids:
        prices = [("at", grid.at), ("from", grid.start), ("to", grid.end)]
        for key, price in prices:
            if price is None:
                continue
            if not inst.is_on_tick(price):
                tick = inst.tick_at(price)
                out.report(
                    "TP505",
                    grid.where(key),
                    f"`{key}: {plain(price)}` is finer than the tick {plain(tick)} {where}: "
                    f"orders there would be priced at "
                    f"{plain(round_to_increment(price, tick, Rounding.NEAREST))}",
                    f"round it to a multiple of {plain(tick)}",
                    severity=Severity.WARNING,
                )
            if venue.min_notional is not None and grid.units * price < venue.min_notional:
                out.report(
                    "TP505",
                    grid.where("units"),
                    f"{plain(grid.units)} {inst.symbol} at {plain(price)} is worth "
                    f"{plain((grid.units * price).normalize(), grouped=True)}, below the minimum "
                    "order value "
                    f"{plain(venue.min_notional, grouped=True)} {where}: the venue refuses "
                    "those orders",
                    f"trade at least {plain(_units_for(venue.min_notional, price, inst))} units",
                )
                break


def _units_for(notional: Decimal, price: Decimal, inst: Instrument) -> Decimal:
    return round_to_increment(notional / price, inst.step, Rounding.UP)


def _leverage(spec: StrategySpec, venue: VenueInstrument, where: str, out: Collector) -> None:
    cap = venue.max_leverage
    if cap is None:
        return
    asked: list[tuple[Decimal, Span]] = []
    if spec.account.leverage is not None:
        asked.append((spec.account.leverage, spec.account.where("leverage")))
    for sizing in (spec.sizing, *(entry.sizing for entry in spec.entries)):
        if sizing is not None and sizing.leverage is not None:
            asked.append((sizing.leverage, sizing.where("leverage")))
    for leverage, span in asked:
        if leverage > cap:
            out.report(
                "TP505",
                span,
                f"leverage {plain(leverage)}x is above the {plain(cap)}x {venue.symbol} allows "
                f"{where}",
                f"use at most {plain(cap)}x",
            )


__all__ = ["check_venue"]
