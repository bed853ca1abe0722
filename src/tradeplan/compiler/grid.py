"""Grid checks and the expansion of from/to/step into slot prices."""

from __future__ import annotations

from decimal import Decimal

from tradeplan.compiler.exits import check_price_on_tick, check_units
from tradeplan.core.instrument import Instrument
from tradeplan.core.money import Rounding, plain
from tradeplan.core.units import DistanceUnit
from tradeplan.diagnostics.collector import Collector
from tradeplan.lang.model import GridSpec
from tradeplan.lang.wording import Wording

MAX_SLOTS = 1000


def slot_prices(
    grid: GridSpec, inst: Instrument, out: Collector, words: Wording
) -> tuple[Decimal, ...]:
    if grid.at is not None:
        check_price_on_tick(grid.at, grid.where("at"), "`at`", inst, out)
        return (grid.at,)
    if grid.start is None or grid.end is None or grid.step is None:
        return ()
    for key, value in (("from", grid.start), ("to", grid.end)):
        check_price_on_tick(value, grid.where(key), f"`{key}`", inst, out)
    check_units(
        grid.step,
        grid.where("step"),
        "`step`",
        inst,
        out,
        allowed=(DistanceUnit.PIPS, DistanceUnit.PRICE, DistanceUnit.TICKS),
    )
    if grid.start >= grid.end:
        out.report(
            "TP306",
            grid.where("to"),
            f"the grid runs from {plain(grid.start)} to {plain(grid.end)}: "
            "`to` must be above `from`",
            "swap the two prices",
        )
        return ()
    if grid.step.unit is DistanceUnit.PERCENT or (
        grid.step.unit is DistanceUnit.PIPS and inst.pip is None
    ):
        return ()
    step = grid.step.to_price(grid.start, inst.pip, inst.tick)
    if step <= 0:
        out.report("TP306", grid.where("step"), "the grid step must be greater than zero")
        return ()
    if step > grid.end - grid.start:
        out.report(
            "TP306",
            grid.where("step"),
            f"the step {grid.step} is wider than the range {plain(grid.start)}-{plain(grid.end)}: "
            "one slot only",
            f"use {words.ref('at', plain(grid.start))} for a single repeating order, "
            "or a smaller step",
        )
    count = int((grid.end - grid.start) / step) + 1
    if count > MAX_SLOTS:
        out.report(
            "TP306",
            grid.where("step"),
            f"this grid has {count} slots; at most {MAX_SLOTS} are allowed",
            "use a larger step",
        )
        return ()
    prices = tuple(inst.round_price(grid.start + step * i, Rounding.NEAREST) for i in range(count))
    return prices


def check_grid(grid: GridSpec, inst: Instrument, out: Collector, words: Wording) -> None:
    for key in ("take_profit", "stop_loss"):
        value = getattr(grid, key)
        if value is None:
            continue
        check_units(value, grid.where(key), f"`{key}`", inst, out)
        if value.value <= 0:
            out.report(
                "TP301",
                grid.where(key),
                f"{words.show(key, str(value))} is on the wrong side of the entry",
                f"write it without a sign: {words.show(key, str(value.magnitude))}",
            )
    natural = {"counter": -grid.side.sign, "follow": grid.side.sign}
    for key, sign in natural.items():
        value = getattr(grid, key)
        if value is None:
            continue
        check_units(value, grid.where(key), f"`{key}`", inst, out)
        if value.value == 0 or (value.value > 0) != (sign > 0):
            usual = "below" if sign < 0 else "above"
            out.report(
                "TP307",
                grid.where(key),
                f"a {grid.side.value} grid's {key} usually re-enters {usual} the exit price; "
                f"{words.show(key, str(value))} re-enters on the other side",
                f"write {words.show(key, ('-' if sign < 0 else '+') + str(value.magnitude))} "
                "unless this is meant",
            )
