"""Quantities against the instrument's step: the part of a quantity's range only the compiler knows.

lang/ranges.py bounds every quantity the same way for every instrument; what one instrument can
trade starts at its quantity step (1 unit of an FX pair, 1 share, 0.001 BTC). A fixed size or a
cap below one step can never be an order: the venue refuses it and the engine would round it to
nothing, so the strategy would run and never trade. It is reported at the value instead.
"""

from __future__ import annotations

from decimal import Decimal

from tradeplan.core.instrument import Instrument
from tradeplan.core.money import plain
from tradeplan.diagnostics.collector import Collector
from tradeplan.diagnostics.model import Span
from tradeplan.lang.model import SizingSpec, StrategySpec


def check_quantities(spec: StrategySpec, inst: Instrument, out: Collector) -> None:
    sizings = [spec.sizing, *(entry.sizing for entry in spec.entries)]
    for sizing in sizings:
        if sizing is not None and sizing.mode in ("units", "qty"):
            _at_least_a_step(sizing.mode, sizing.amount, _where(sizing), inst, out)
    for grid in spec.grids:
        _at_least_a_step("units", grid.units, grid.where("units"), inst, out)
    if spec.risk is not None and spec.risk.max_position is not None:
        position = spec.risk.max_position
        _at_least_a_step("max_position", position, spec.risk.where("max_position"), inst, out)


def _where(sizing: SizingSpec) -> Span:
    return sizing.where(sizing.mode)


def _at_least_a_step(
    key: str, value: Decimal, span: Span, inst: Instrument, out: Collector
) -> None:
    if value >= inst.step:
        return
    step = plain(inst.step)
    out.report(
        "TP210",
        span,
        f"`{key}: {plain(value)}` is less than the quantity step {step} of {inst.symbol}: "
        "no order can be that small",
        f"write at least {step}; if your venue trades {inst.symbol} in smaller amounts, give its "
        "step under `instrument` (`step: ...`)",
    )
