"""Checks on entry orders and exits: complete orders, right sides, consistent trailing and clocks."""

from __future__ import annotations

from decimal import Decimal

from tradeplan.core.enums import AssetClass, OrderType, Session
from tradeplan.core.instrument import Instrument
from tradeplan.core.money import plain
from tradeplan.core.units import Distance, DistanceUnit
from tradeplan.diagnostics.collector import Collector
from tradeplan.diagnostics.model import Span
from tradeplan.lang.expr import Number
from tradeplan.lang.model import EntrySpec, ExitsSpec, OrderSpec
from tradeplan.lang.ranges import field_problem
from tradeplan.lang.wording import Wording

_NEEDS: dict[OrderType, tuple[str, ...]] = {
    OrderType.MARKET: (),
    OrderType.LIMIT: ("price",),
    OrderType.STOP: ("trigger",),
    OrderType.STOP_LIMIT: ("trigger", "price"),
    OrderType.TRAILING_STOP: ("trail",),
    OrderType.TRAILING_STOP_LIMIT: ("trail", "spread"),
    OrderType.MARKET_IF_TOUCHED: ("trigger",),
    OrderType.LIMIT_IF_TOUCHED: ("trigger", "price"),
}
_OPTIONAL: dict[OrderType, tuple[str, ...]] = {
    OrderType.TRAILING_STOP: ("activate",),
    OrderType.TRAILING_STOP_LIMIT: ("activate",),
}
_EXAMPLE = {
    "price": "close - 0.05",
    "trigger": "high[1]",
    "trail": "3%",
    "spread": "0.20",
}


def check_units(
    distance: Distance | None,
    span: Span,
    what: str,
    inst: Instrument,
    out: Collector,
    allowed: tuple[DistanceUnit, ...] | None = None,
) -> None:
    """Pips only on FX; some fields refuse some units altogether."""
    if distance is None:
        return
    if distance.unit is DistanceUnit.PIPS and inst.asset_class is not AssetClass.FX:
        out.report(
            "TP202",
            span,
            f"{what} is in pips, but {inst.symbol} is not an FX pair",
            "write a percentage (0.5%) or a price amount ($2.00) instead",
        )
    if allowed is not None and distance.unit not in allowed:
        words = ", ".join(u.value for u in allowed)
        out.report("TP202", span, f"{what} cannot be given in {distance.unit.value}; use {words}")


def check_price_on_tick(
    value: Decimal, span: Span, what: str, inst: Instrument, out: Collector
) -> None:
    if not inst.is_on_tick(value):
        tick = inst.tick_at(value)
        out.report(
            "TP208",
            span,
            f"{what} {plain(value)} is finer than the tick {plain(tick)} of {inst.symbol}",
            f"round it to a multiple of {plain(tick)}",
        )


def check_order(order: OrderSpec, inst: Instrument, out: Collector, words: Wording) -> None:
    needed = _NEEDS[order.type]
    given = {
        "price": order.price,
        "trigger": order.trigger,
        "trail": order.trail,
        "spread": order.spread,
        "activate": order.activate,
    }
    shorthand = order.where("type") == order.span
    for field in needed:
        if given[field] is None:
            hint = words.say("order_add", field=words.show(field, _EXAMPLE[field]))
            if shorthand:
                whole = words.show("order", {"type": order.type.value, field: _EXAMPLE[field]})
                hint = words.say("order_shorthand", order=whole)
            out.report("TP304", order.span, f"a {order.type.value} order needs `{field}`", hint)
    for field, value in given.items():
        if value is not None and field not in needed and field not in _OPTIONAL.get(order.type, ()):
            out.report(
                "TP308",
                order.where(field),
                f"`{field}` is not used by a {order.type.value} order and will be ignored",
                f"remove `{field}`, or pick an order type that uses it"
                + (
                    f" ({words.say('limit_trades_there')} trades at that price)"
                    if field == "price"
                    else ""
                ),
            )
    for field in ("price", "trigger"):
        expr = given[field]
        if isinstance(expr, Number):
            # A price written as a number has the range of any price (lang/ranges.py); only one
            # inside it is held against the tick, whose arithmetic a 30-digit price would break.
            shown = plain(expr.value)
            found = field_problem(f"order.{field}", expr.value, words.render(field, shown))
            if found is not None:
                out.report(found.code, order.where(field), found.message, found.hint)
            else:
                check_price_on_tick(expr.value, order.where(field), f"`{field}`", inst, out)
    for field in ("trail", "spread", "activate"):
        value = given[field]
        if isinstance(value, Distance):
            check_units(value, order.where(field), f"`{field}`", inst, out)
            if value.value <= 0:
                out.report("TP302", order.where(field), f"`{field}` must be greater than zero")


def check_market_hours(
    entry: EntrySpec,
    session: Session,
    inst: Instrument,
    out: Collector,
    needs_pre_or_post: bool,
    words: Wording,
) -> None:
    """A market order is refused outside regular hours; flag it where the file makes it certain."""
    if inst.asset_class is not AssetClass.US_STOCK or entry.order.type is not OrderType.MARKET:
        return
    limit = words.show("order", {"type": "limit", "price": "close"})
    if needs_pre_or_post:
        out.report(
            "TP303",
            entry.where("order") if "order" in entry.spans else entry.where("when"),
            f"entry `{entry.name}` sends a market order, but its condition only holds outside "
            "regular hours, where market orders are refused",
            f"use {limit} for extended-hours entries",
        )
    elif session is Session.ETH:
        out.report(
            "TP303",
            entry.where("order") if "order" in entry.spans else entry.where("when"),
            f"entry `{entry.name}` sends a market order, but {words.show('session', 'eth')} "
            "trades only outside regular hours, where market orders are refused",
            f"use {limit}, or {words.show('session', 'all')}",
        )


def check_exits(
    exits: ExitsSpec, inst: Instrument, timeframe: int | None, out: Collector, words: Wording
) -> None:
    for field in ("stop_loss", "take_profit"):
        value: Distance | None = getattr(exits, field)
        if value is None:
            continue
        span = exits.where(field)
        check_units(value, span, f"`{field}`", inst, out)
        if value.value <= 0:
            word = "below" if field == "take_profit" else "above"
            out.report(
                "TP301",
                span,
                f"{words.show(field, str(value))} puts the {field.replace('_', ' ')} on the wrong "
                f"side: for a long position it would sit {word} the entry",
                f"write the distance without a sign, e.g. {words.show(field, str(value.magnitude))}; "
                "tradeplan places it on the right side for long and short",
            )
    if exits.trailing is not None:
        check_trailing(exits, inst, out)
    if exits.break_even is not None:
        check_break_even(exits, inst, out)
    if exits.time_exit is not None and exits.time_exit.after is not None:
        after = exits.time_exit.after
        if timeframe is not None and after < timeframe:
            out.report(
                "TP309",
                exits.where("time_exit"),
                f"the time exit ({_duration(after)}) is shorter than one bar "
                f"({_duration(timeframe)}), so it cannot act before the first bar closes",
                "lengthen `time_exit` to at least one bar, or use a shorter `timeframe`",
            )
        be = exits.break_even
        if be is not None and be.within is not None and be.within >= after:
            out.report(
                "TP309",
                be.where("within"),
                "the break-even clock runs longer than the time exit, which closes first",
            )


def _duration(seconds: int) -> str:
    """7200 -> `2h`, 5400 -> `1h30m`: durations as the file writes them."""
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts) or "0s"


def check_trailing(exits: ExitsSpec, inst: Instrument, out: Collector) -> None:
    trailing = exits.trailing
    assert trailing is not None
    check_units(trailing.trail, trailing.where("trail"), "`trail`", inst, out)
    if trailing.trail.value <= 0:
        out.report("TP302", trailing.where("trail"), "the trail must be greater than zero")
    if trailing.trail.unit is DistanceUnit.PERCENT:
        if trailing.trail.value >= 100:
            out.report("TP302", trailing.where("trail"), "a trail of 100% or more never fires")
        if trailing.trail.value != trailing.trail.value.quantize(Decimal("0.01")):
            out.report(
                "TP302",
                trailing.where("trail"),
                "a trail ratio takes at most 2 decimals (brokers reject finer ratios)",
                f"write {trailing.trail.value.quantize(Decimal('0.01'))}%",
            )
    for field in ("spread", "activate"):
        value: Distance | None = getattr(trailing, field)
        if value is None:
            continue
        check_units(value, trailing.where(field), f"`{field}`", inst, out)
        if value.value <= 0:
            out.report(
                "TP302",
                trailing.where(field),
                f"the trailing `{field}` must be greater than zero",
                "a trailing stop limit sells below its trigger; write the distance without a sign"
                if field == "spread"
                else None,
            )
    tp, activate = exits.take_profit, trailing.activate
    if (
        tp is not None
        and activate is not None
        and tp.unit is activate.unit
        and activate.value >= tp.value > 0
    ):
        out.report(
            "TP302",
            trailing.where("activate"),
            f"trailing starts at {activate} profit, but the take profit closes at {tp}: "
            "the trailing stop would never start",
            "lower `activate` or raise `take_profit`",
        )
    if (
        trailing.spread is not None
        and trailing.trail.unit is trailing.spread.unit
        and trailing.spread.value >= trailing.trail.value * 10
    ):
        out.report(
            "TP302",
            trailing.where("spread"),
            f"the limit spread {trailing.spread} is ten times the trail {trailing.trail}: "
            "the limit would sit far below the stop",
        )


def check_break_even(exits: ExitsSpec, inst: Instrument, out: Collector) -> None:
    be = exits.break_even
    assert be is not None
    check_units(be.at, be.where("at"), "break-even `at`", inst, out)
    if be.at.value <= 0:
        out.report("TP305", be.where("at"), "break-even `at` is a profit: it must be above zero")
    tp = exits.take_profit
    if tp is not None and tp.unit is be.at.unit and be.at.value >= tp.value > 0:
        out.report(
            "TP305",
            be.where("at"),
            f"break-even triggers at {be.at} profit, but the take profit closes at {tp} first",
            "lower `at` below the take profit",
        )
    if be.offset is not None:
        check_units(be.offset, be.where("offset"), "break-even `offset`", inst, out)
        if be.offset.unit is be.at.unit and be.offset.value >= be.at.value:
            out.report(
                "TP305",
                be.where("offset"),
                "the break-even offset is at or beyond the trigger: the stop would be placed "
                "through the market",
            )
