"""A plan in plain words, and as a Mermaid state diagram.

Written for a trader reading it before risking money: what is bought when, where each exit
sits, what happens after each exit, which caps apply. Every sentence comes from the plan, so
what `explain` says is what the engine does.
"""

from __future__ import annotations

from decimal import Decimal

from tradeplan.core.enums import OrderType, Side
from tradeplan.core.instrument import exchange_timezone
from tradeplan.core.money import fmt_decimal
from tradeplan.core.units import Distance, DistanceUnit, format_duration
from tradeplan.lang.expr import Expr
from tradeplan.lang.unparse import unparse
from tradeplan.plan.model import (
    EntryRule,
    ExitPlan,
    GridProgram,
    Plan,
    RiskLimits,
    StateMachine,
    charges_fees,
)
from tradeplan.plan.restart import restart_line
from tradeplan.plan.signals import Apply
from tradeplan.plan.vocabulary import FUNCTIONS

_SESSION_WORDS = {
    "rth": "orders work in regular hours only (09:30-16:00 New York)",
    "eth": "orders work in the pre- and post-market only (04:00-09:30, 16:00-20:00 New York)",
    "all": "orders work pre-market, in regular hours and post-market (04:00-20:00 New York)",
}


def _has_clock(expr: Expr) -> bool:
    """`time between` is read in the exchange's zone (`runtime.evaluate`): say which."""
    return "time between" in unparse(expr)


def _pos(side: Side) -> str:
    return "long" if side is Side.BUY else "short"


def _sized(rule: EntryRule, ccy: str | None = None) -> str:
    s = rule.sizing
    if s is None:
        return "the minimum quantity (no size is given)"
    if s.mode == "risk":
        lev = f", leverage capped at {fmt_decimal(s.leverage)}x" if s.leverage else ""
        return f"sized so that a stop-loss hit costs {fmt_decimal(s.amount)}% of the balance{lev}"
    unit = {"units": "units", "qty": "shares/contracts", "notional": "of notional value"}[s.mode]
    if s.mode == "notional" and ccy:
        unit = f"{ccy} {unit}"
    return f"{fmt_decimal(s.amount)} {unit}"


def _order(rule: EntryRule) -> str:
    o = rule.order
    text = {
        OrderType.MARKET: "a market order",
        OrderType.LIMIT: "a limit order",
        OrderType.STOP: "a stop order",
        OrderType.STOP_LIMIT: "a stop-limit order",
        OrderType.TRAILING_STOP: "a trailing stop order",
        OrderType.TRAILING_STOP_LIMIT: "a trailing stop-limit order",
        OrderType.MARKET_IF_TOUCHED: "a market-if-touched order",
        OrderType.LIMIT_IF_TOUCHED: "a limit-if-touched order",
    }[o.type]
    parts = [text]
    if o.trigger is not None:
        parts.append(f"triggered at {unparse(o.trigger)}")
    if o.price is not None:
        parts.append(f"priced at {unparse(o.price)}")
    if o.trail is not None:
        parts.append(f"trailing {o.trail}")
    return " ".join(parts)


def _dist(d: Distance, ccy: str | None = None) -> str:
    """A distance's size with its unit; a bare price amount carries the quote currency."""
    text = str(d.magnitude)
    if d.unit is DistanceUnit.PRICE and ccy:
        return f"{text} {ccy}"
    return text


def _signed(d: Distance, ccy: str | None = None) -> str:
    return f"{'-' if d.value < 0 else '+'} {_dist(d, ccy)}"


def exit_lines(
    exits: ExitPlan, side: Side, ccy: str | None = None, *, tp_fees: bool = False
) -> list[str]:
    """Each exit as the formula `runtime.exits.exit_orders` prices it (+ for a long's take
    profit, the spread added on the adverse side of every stop)."""
    plus, minus = ("+", "-") if side is Side.BUY else ("-", "+")
    close = side.opposite.value
    lines: list[str] = []
    if exits.take_profit:
        fee = " + the fees of the entry and of the take profit" if tp_fees else ""
        lines.append(
            f"take profit: a {close} limit at the entry fill {plus} {_dist(exits.take_profit, ccy)}{fee}"
        )
    if exits.stop_loss:
        lines.append(
            f"stop loss: a {close} stop at the entry fill {minus} ({_dist(exits.stop_loss, ccy)}"
            " + the spread at the time it is placed)"
        )
    elif not exits.trailing:
        lines.append("no stop loss: the loss is not bounded")
    if exits.trailing:
        t = exits.trailing
        what = "trailing stop-limit" if t.spread else "trailing stop"
        line = (
            f"{what} (the position's stop loss): follows the best price at {_dist(t.trail, ccy)}"
            " behind it and only moves in your favour"
        )
        if t.spread:
            line += (
                f"; when hit, a {close} limit at the trigger price {minus} {_dist(t.spread, ccy)}"
            )
        if t.activate:
            line += f"; starts once the profit reaches {_dist(t.activate, ccy)}"
        lines.append(line)
    if exits.break_even:
        be = exits.break_even
        line = f"break-even: when the profit reaches {_dist(be.at, ccy)}, the stop moves to the entry price"
        if be.offset:  # `break_even_levels`: fill + side sign * signed offset
            sign = side.sign * (-1 if be.offset.value < 0 else 1)
            line += f" {'+' if sign > 0 else '-'} {_dist(be.offset, ccy)}"
        if be.within:
            action = "the position is closed" if be.otherwise == "close" else "nothing changes"
            line += f"; if that does not happen within {format_duration(be.within)}, {action}"
        lines.append(line)
    if exits.time_exit:
        te = exits.time_exit
        if te.after:
            lines.append(f"time exit: closed at market {format_duration(te.after)} after entry")
        else:
            # `runtime.exits.time_exit_deadline` reads a clock time without a zone as UTC.
            lines.append(f"time exit: closed at market at {te.at} {te.tz or 'UTC'}")
    if exits.exit_when is not None:
        lines.append(f"signal exit: closed at market when {unparse(exits.exit_when)}")
    lines.append(f"exit orders are {exits.time_in_force.value.upper()}")
    return lines


def grid_lines(plan: Plan, grid: GridProgram) -> list[str]:
    side = grid.side
    prices = grid.slots
    ccy = plan.instrument.quote_currency
    fees = charges_fees(plan.fees)  # the slot's fee add-ons (`runtime.slot_run`)
    slot_exits = exit_lines(ExitPlan(grid.stop_loss, grid.take_profit), side, ccy, tp_fees=fees)
    lines = [
        f"Grid `{grid.name}`: {len(prices)} {side.value} slot(s) of {fmt_decimal(grid.units)} units"
        + (
            f" from {prices[0]} to {prices[-1]}"
            if len(prices) > 1
            else f" at {prices[0]}"
            if prices
            else ""
        ),
        "  Each slot holds at most one position at a time.",
        f"  When a slot's entry fills: {slot_exits[0]}",
    ]
    if grid.stop_loss:
        lines.append(f"  and {slot_exits[1]}")
    else:
        lines.append("  No stop loss: if the market leaves the range, open slots keep their loss.")
    after = []
    if grid.counter:  # `SlotRun._counter`: the counter's sign, else against the slot's side
        c = grid.counter
        sign = (1 if c.value > 0 else -1) if c.value else -side.sign
        fee = " + its own fee" if fees else ""
        after.append(
            f"a {side.value} LIMIT at the exit price {'+' if sign > 0 else '-'} {_dist(c, ccy)}{fee} (counter)"
        )
    if grid.follow:  # `SlotRun._follow`: exit + side sign * spread + signed follow
        spread = "+ spread" if side is Side.BUY else "- spread"
        after.append(
            f"a {side.value} STOP at the exit price {spread} {_signed(grid.follow, ccy)} (follow)"
        )
    if after:
        lines.append("  After an exit fills, the slot re-enters with " + " and ".join(after) + ".")
        lines.append(
            "  A re-entry the market has already passed is converted (limit <-> stop) and the"
            " other one is dropped."
        )
    else:
        lines.append("  After an exit fills, the slot places its entry again at its own price.")
    lines.append(f"  Fills follow the {plan.broker.fill.value} rules.")
    if prices:
        notional = sum((p * grid.units for p in prices), Decimal(0))
        lines.append(
            f"  All slots filled: {fmt_decimal(notional)} {plan.instrument.quote_currency or ''} of exposure.".replace(
                " .", "."
            )
        )
    return lines


def risk_lines(risk: RiskLimits, fx_base: str | None = None, ccy: str | None = None) -> list[str]:
    lines: list[str] = []
    if risk.max_open_positions is not None:
        noun = "position" if risk.max_open_positions == 1 else "positions"
        lines.append(f"at most {risk.max_open_positions} {noun} open at once")
    if risk.max_notional is not None:
        if fx_base:
            lines.append(
                f"at most {fmt_decimal(risk.max_notional)} {fx_base} held in total "
                "(FX positions are counted in units of the base currency)"
            )
        else:
            unit = f" {ccy}" if ccy else ""
            lines.append(f"at most {fmt_decimal(risk.max_notional)}{unit} of total position value")
    if risk.max_position is not None:
        lines.append(f"at most {fmt_decimal(risk.max_position)} units in the symbol")
    if risk.daily_loss_limit is not None:
        lines.append(
            f"no new entries for the rest of the day after losing {fmt_decimal(risk.daily_loss_limit)}% of the day's starting equity"
        )
    if risk.max_drawdown is not None:
        lines.append(
            f"the strategy halts after a {fmt_decimal(risk.max_drawdown)}% fall from its peak equity"
        )
    if risk.max_risk_per_trade is not None:
        lines.append(
            f"entries risking more than {fmt_decimal(risk.max_risk_per_trade)}% are refused"
        )
    if risk.one_position_per_symbol:
        lines.append("never two positions in the symbol at once")
    return lines


def explain_plan(plan: Plan) -> str:
    inst = plan.instrument
    out = [
        f"Strategy `{plan.name}` trades {inst.symbol} ({inst.asset_class.value}) via {plan.broker.name}."
    ]
    if plan.description:
        out.append(plan.description)
    ccy = f" {inst.quote_currency}" if inst.quote_currency else ""
    details = [f"tick {inst.tick}{ccy}", f"quantity step {inst.step}"]
    if inst.pip:
        details.insert(0, f"pip {inst.pip}{ccy}")
    out.append(f"Prices are rounded to the {', '.join(details)}.")
    if inst.asset_class.value == "us_stock":
        out.append(f"Session: {plan.session.value}, {_SESSION_WORDS[plan.session.value]}.")
        out.append(
            "Market orders only in regular hours: "
            + (
                "a close due outside them waits for the next 09:30 New York open."
                if plan.session.value == "rth"
                else "a close due outside them is sent as a limit 1% through the market."
            )
        )
        out.append(
            "GTC exit orders expire after 90 days at US brokers; each is re-placed at once "
            "with the same levels and an alert (alerts.csv)."
        )
    out.append("")
    tz = exchange_timezone(inst.asset_class)
    for rule in plan.rules:
        out.append(
            f"Entry `{rule.name}`: goes {_pos(rule.side)} with {_order(rule)}, {_sized(rule, inst.quote_currency)},"
        )
        out.append(f"  when, on {_bar_words(plan.timeframe)}: {unparse(rule.when)}")
        if rule.order.type is not OrderType.MARKET:  # a market order never rests, so never expires
            out.append(f"  The entry order is {rule.time_in_force.value.upper()}.")
        if _has_clock(rule.when):
            out.append(f"  Times of day are read in {tz}.")
        out.append("  Once filled:")
        out.extend(
            f"    - {line}" for line in exit_lines(rule.exits, rule.side, inst.quote_currency)
        )
        out.append("  After an exit the rule waits for its next signal.")
        out.append("")
    if plan.rules:
        out.append(warmup_line(plan))
        out.append("")
    for grid in plan.grids:
        out.extend(grid_lines(plan, grid))
        out.append("")
    fx_base = inst.base_currency if inst.asset_class.value == "fx" else None
    caps = risk_lines(plan.risk, fx_base, inst.quote_currency)
    if caps:
        out.append("Risk caps checked before every order:")
        out.extend(f"  - {line}" for line in caps)
        out.append("A refused order is recorded with its reason; it is never sent silently later.")
    out.append(restart_line(plan.on_restart, plan.name, inst.symbol))
    out.append(f"Plan fingerprint: {plan.fingerprint}")
    return "\n".join(out).rstrip() + "\n"


def warmup_line(plan: Plan) -> str:
    """The history a live run loads before it trades: the compiler's warm-up of the plan's
    signal graph (plan/signals.py). A recursive indicator gives the backtest's value to the
    last digit only once it has had it (docs/indicators.md), so those are named."""
    signals = plan.signals
    day = "every bar of the current day (vwap restarts each day)"
    if signals.warmup == 0:
        if signals.daily:
            return f"A live run loads {day} before trading."
        return "A live run needs no history before trading: its conditions read the bar alone."
    count = signals.warmup
    bars = "bar" if count == 1 else "bars"
    if plan.timeframe is not None:
        bars = f"{format_duration(plan.timeframe)} {bars}"
    also = f", and {day}" if signals.daily else ""
    recursive = sorted(
        {
            node.function
            for node in signals.nodes
            if isinstance(node, Apply) and FUNCTIONS[node.function].recursive
        }
    )
    named = ", ".join(recursive[:-1]) + " and " + recursive[-1] if len(recursive) > 1 else ""
    settles = (
        f" ({named or recursive[0]} {'settle' if named else 'settles'} to the backtest's last "
        "digit within it)"
        if recursive
        else ""
    )
    return (
        f"A live run loads {count:,} closed {bars} of history before trading, "
        f"the warm-up of its signals{settles}{also}."
    )


def mermaid(machine: StateMachine) -> str:
    lines = [
        "stateDiagram-v2",
        f"    %% {machine.kind} `{machine.name}`",
        f"    [*] --> {machine.initial}",
    ]
    for t in machine.transitions:
        label = t.event + (f" [{t.condition}]" if t.condition else "")
        if t.actions:
            label += " / " + "; ".join(t.actions)
        label = label.replace(":", " -").replace("`", "'")
        lines.append(f"    {t.source} --> {t.target}: {label}")
    if "stopped" in machine.states:
        lines.append("    stopped --> [*]")
    return "\n".join(lines) + "\n"


def diagram(plan: Plan) -> str:
    return "\n".join(mermaid(m) for m in plan.machines)


def _bar_words(timeframe: int | None) -> str:
    if timeframe is None:
        return "each closed bar of the data"
    return f"a closed {format_duration(timeframe)} bar"
