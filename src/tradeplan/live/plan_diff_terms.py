"""Field by field: what a running bot can take from an edited plan, and what it cannot.

The judgement, in one place (LIVE.md section 4, SEMANTICS.md section 1):

Refused, for the whole plan (`refusals`): what the running state itself is keyed by or was
computed with. The strategy's name (its state is stored under it), the instrument (every position
and working order is in it, and every level was worked out with its tick and pip), the broker and
its paper fill profile (orders live at the venue they were sent to), the account currency (every
balance, size and limit is counted in it), the timeframe (every indicator's history is made of
bars of that size; a reload cannot rebuild it in 300 ms, a restart can) and the US session
(orders already at the broker keep the hours they were sent for, so a position's exits would work
in other hours than the new entries).

Replaced owners (`Apply.REARM`): an entry rule's side or entry order (type, price, trigger,
trail), a grid's side. The working entry was priced by the old terms at its signal and no amend
turns it into the new order, so it is cancelled; the position, if any, was opened under the old
terms and its exits are protecting it, so it runs out under them; the owner takes entries under
the new terms once it is flat (the ledger keys positions by owner, so it cannot hold a second).

In place, everything else: a condition from the next closed bar; sizing, quantity and time in
force from the next entry (an open position keeps its size: SEMANTICS section 1 lets a running
slot change its quantity, and its working entries, not filled yet, are amended to it); the
re-entry widths at the next re-entry; the exits of an open position follow the file (a take
profit is amended, a stop replaced with the new one placed before the old is cancelled, a
trailing stop replaced, the break-even watch and the time exit worked out again from the entry);
account figures, fees and risk limits from the next time they are used; the restart policy
(`on_restart`) at the next start on the stored state (a running bot has nothing to do for it).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import fields
from decimal import Decimal

from tradeplan.core.enums import Side
from tradeplan.core.instrument import Instrument
from tradeplan.core.money import fmt_decimal
from tradeplan.core.units import Distance, format_duration
from tradeplan.lang.expr import Expr
from tradeplan.lang.unparse import unparse
from tradeplan.live.plan_diff_model import Apply, FieldChange, Refusal
from tradeplan.plan.model import (
    BreakEven,
    EntryRule,
    GridProgram,
    OrderTemplate,
    Plan,
    Sizing,
    TimeExit,
    Trailing,
    charges_fees,
)
from tradeplan.plan.restart import restart_effect
from tradeplan.plan.signals import SignalProgram, inputs

NONE = "none"


# --- words for values ---------------------------------------------------------------------------


def dist(value: Distance | None) -> str:
    return NONE if value is None else str(value)


def num(value: Decimal | int | None, suffix: str = "") -> str:
    if value is None:
        return NONE
    return (fmt_decimal(value) if isinstance(value, Decimal) else str(value)) + suffix


def expr(value: Expr | None) -> str:
    return NONE if value is None else unparse(value)


def position_word(side: Side) -> str:
    return "long" if side is Side.BUY else "short"


def sizing_text(sizing: Sizing | None) -> str:
    if sizing is None:
        return "none (the minimum quantity)"
    amount = fmt_decimal(sizing.amount)
    text = {
        "risk": f"risk {amount}%",
        "units": f"{amount} units",
        "qty": f"qty {amount}",
        "notional": f"notional {amount}",
    }.get(sizing.mode, f"{sizing.mode} {amount}")
    if sizing.leverage is not None:
        text += f", leverage {fmt_decimal(sizing.leverage)}"
    return text


def order_text(order: OrderTemplate) -> str:
    parts = [order.type.value]
    if order.price is not None:
        parts.append(f"price {unparse(order.price)}")
    if order.trigger is not None:
        parts.append(f"trigger {unparse(order.trigger)}")
    if order.trail is not None:
        parts.append(f"trail {order.trail}")
    if order.spread is not None:
        parts.append(f"spread {order.spread}")
    if order.activate is not None:
        parts.append(f"activate {order.activate}")
    return " ".join(parts)


def trailing_text(trailing: Trailing | None) -> str:
    if trailing is None:
        return NONE
    text = f"trail {trailing.trail}"
    if trailing.spread is not None:
        text += f", spread {trailing.spread}"
    if trailing.activate is not None:
        text += f", activate {trailing.activate}"
    return text


def break_even_text(be: BreakEven | None) -> str:
    if be is None:
        return NONE
    text = f"at {be.at}"
    if be.offset is not None:
        text += f", offset {be.offset}"
    if be.within is not None:
        text += f", within {format_duration(be.within)}, otherwise {be.otherwise}"
    return text


def time_exit_text(te: TimeExit | None) -> str:
    if te is None:
        return NONE
    parts = []
    if te.after is not None:
        parts.append(f"after {format_duration(te.after)}")
    if te.at is not None:
        parts.append(f"at {te.at} {te.tz or 'UTC'}")
    return " or ".join(parts) or NONE


def timeframe_text(seconds: int | None) -> str:
    return "the data's own bars" if seconds is None else format_duration(seconds)


def _slots_text(grid: GridProgram, instrument: Instrument) -> str:
    prices = grid.slots
    if not prices:
        return "no slots"
    first, last = price_text(instrument, prices[0]), price_text(instrument, prices[-1])
    if len(prices) == 1:
        return f"1 slot at {first}"
    return f"{len(prices)} slots, {first} to {last}"


def price_text(instrument: Instrument, price: Decimal) -> str:
    """A level as traders read it: to the pip when it is on one (105.00, as the slot names
    write it), else as it is."""
    pip = instrument.pip
    if pip and price % pip == 0:
        return format(price.quantize(pip), "f")
    return fmt_decimal(price)


# --- the compiled expressions -------------------------------------------------------------------

_REFS = frozenset({"inputs", "left", "right", "operand", "reference", "source", "operands"})


def lowered(program: SignalProgram, index: int | None) -> Hashable:
    """The node `index` of `program` as a tree with its inputs in place of their indices: what
    the runtime evaluates, independent of where in the graph it sits (another rule's nodes
    shift the indices) and of how the file spelled it (`5 pips` and `0.05` on USD/JPY lower
    alike). Floats are compared by their `repr`, so a NaN constant equals itself."""
    if index is None:
        return None
    node = program.nodes[index]
    own = tuple(
        (f.name, _plain(getattr(node, f.name))) for f in fields(node) if f.name not in _REFS
    )
    return (type(node).__name__, own, tuple(lowered(program, ref) for ref in inputs(node)))


def _plain(value: object) -> Hashable:
    if isinstance(value, float):
        return repr(value)
    assert isinstance(value, Hashable)
    return value


# --- whole-plan refusals ------------------------------------------------------------------------

_RESTART = (
    "To trade with the new value, stop this strategy (its exits stay working) and start it "
    "with the new file, or run the new file as a strategy of its own."
)


def refusals(old: Plan, new: Plan) -> tuple[Refusal, ...]:
    """What makes the whole edit impossible to apply to a running bot; see the module docstring."""
    found: list[Refusal] = []
    if old.name != new.name:
        found.append(
            Refusal(
                "name",
                old.name,
                new.name,
                "The running strategy's orders, positions and state are stored under its name. "
                f"Put the name `{old.name}` back to apply this edit; to start a strategy of "
                "another name, run the new file as a strategy of its own.",
            )
        )
    oi, ni = old.instrument, new.instrument
    if oi.symbol != ni.symbol or oi.asset_class is not ni.asset_class:
        found.append(
            Refusal(
                "instrument",
                f"{oi.symbol} ({oi.asset_class.value})",
                f"{ni.symbol} ({ni.asset_class.value})",
                f"The open positions and working orders are in {oi.symbol}; a reload cannot move "
                f"them to {ni.symbol}. Run the new file as a strategy of its own, and halt this "
                "one (`tradeplan halt`) when you want it to stop taking entries.",
            )
        )
    else:
        for key in ("tick", "step", "pip", "base_currency", "quote_currency", "min_notional"):
            was, now = getattr(oi, key), getattr(ni, key)
            if was != now:
                found.append(
                    Refusal(
                        f"instrument.{key}",
                        _value(was),
                        _value(now),
                        f"Every level of the working orders and every width was worked out with "
                        f"the instrument's {key} {_value(was)}. Put it back to apply this edit. "
                        + _RESTART,
                    )
                )
    if old.broker.name != new.broker.name:
        found.append(
            Refusal(
                "broker",
                old.broker.name,
                new.broker.name,
                f"The orders and positions live at {old.broker.name}; a reload cannot move them "
                f"to {new.broker.name}. Run the new file as a strategy of its own.",
            )
        )
    elif old.broker.fill is not new.broker.fill and old.broker.name == "paper":
        found.append(
            Refusal(
                "fill",
                old.broker.fill.value,
                new.broker.fill.value,
                "The paper venue fills by the profile it was started with. " + _RESTART,
            )
        )
    if old.account.currency != new.account.currency:
        found.append(
            Refusal(
                "account.currency",
                old.account.currency,
                new.account.currency,
                "Balances, sizes and limits are counted in the account's currency, which is "
                f"the broker account's: {old.account.currency}. Put it back to apply this edit; "
                "a strategy for another account runs as a strategy of its own.",
            )
        )
    if old.timeframe != new.timeframe:
        found.append(
            Refusal(
                "timeframe",
                timeframe_text(old.timeframe),
                timeframe_text(new.timeframe),
                f"Every indicator has been computed on {timeframe_text(old.timeframe)} bars; "
                "a reload cannot rebuild their history. " + _RESTART,
            )
        )
    if old.session is not new.session:
        found.append(
            Refusal(
                "session",
                old.session.value,
                new.session.value,
                f"Orders already at the broker work in the hours they were sent for "
                f"({old.session.value}), so open positions' exits would work in other hours "
                "than new entries. " + _RESTART,
            )
        )
    return tuple(found)


def _value(value: object) -> str:
    if value is None:
        return NONE
    return fmt_decimal(value) if isinstance(value, Decimal) else str(value)


# --- plan-wide settings -------------------------------------------------------------------------


def plan_changes(old: Plan, new: Plan) -> tuple[FieldChange, ...]:
    changes: list[FieldChange] = []
    if old.description != new.description:
        changes.append(
            FieldChange(
                "description",
                old.description or NONE,
                new.description or NONE,
                Apply.NONE,
                "No effect on orders.",
            )
        )
    if old.version != new.version:
        changes.append(
            FieldChange(
                "tradeplan",
                str(old.version),
                str(new.version),
                Apply.NONE,
                "The language version of the file; what changes is listed here.",
            )
        )
    if old.broker.fill is not new.broker.fill and old.broker.name != "paper":
        # Refused for the paper broker (`refusals`); a real venue fills as it fills.
        changes.append(
            FieldChange(
                "fill",
                old.broker.fill.value,
                new.broker.fill.value,
                Apply.NONE,
                f"How backtests fill limits beyond the market; {old.broker.name} fills as it "
                "fills, so nothing changes live.",
            )
        )
    if old.on_restart is not new.on_restart:
        changes.append(
            FieldChange(
                "on_restart",
                old.on_restart.value,
                new.on_restart.value,
                Apply.NEXT_RESTART,
                "Nothing changes while it runs; the next time `tradeplan run` starts it again, it "
                + restart_effect(new.on_restart, new.name, new.instrument.symbol)
                + ".",
            )
        )
    was, now = old.signals, new.signals
    if (was.warmup, was.daily) != (now.warmup, now.daily):
        day = ", and the current day's bars" if now.daily else ""
        changes.append(
            FieldChange(
                "history",
                f"{was.warmup} bars" + (" + the day's bars" if was.daily else ""),
                f"{now.warmup} bars" + (" + the day's bars" if now.daily else ""),
                Apply.NEXT_BAR,
                f"The new conditions need {now.warmup} closed bars of history{day} before "
                "their values are a backtest's; the bars already received count.",
            )
        )
    return tuple(changes)


def account_changes(old: Plan, new: Plan) -> tuple[FieldChange, ...]:
    changes: list[FieldChange] = []
    oa, na = old.account, new.account
    if oa.balance != na.balance:
        changes.append(
            FieldChange(
                "balance",
                num(oa.balance),
                num(na.balance),
                Apply.NEXT_ENTRY,
                "Sizing and the limits in percent read the new balance from the next entry; "
                "open positions keep their size.",
            )
        )
    if oa.leverage != na.leverage:
        changes.append(
            FieldChange(
                "leverage",
                num(oa.leverage),
                num(na.leverage),
                Apply.NEXT_ENTRY,
                "The margin cap on sizes changes from the next entry; open positions keep "
                "their size.",
            )
        )
    return tuple(changes)


def fee_changes(old: Plan, new: Plan) -> tuple[FieldChange, ...]:
    changes: list[FieldChange] = []
    for key, suffix in (("per_unit", ""), ("per_notional", "%"), ("per_order", "")):
        was, now = getattr(old.fees, key), getattr(new.fees, key)
        if was != now:
            changes.append(
                FieldChange(
                    key,
                    num(was, suffix),
                    num(now, suffix),
                    Apply.NEXT_ENTRY,
                    "Orders priced from now (a slot's take profit and counter add the fees) and "
                    "trades booked from now use the new fees; working orders keep their levels.",
                )
            )
    return tuple(changes)


_RISK_EFFECTS = {
    "max_open_positions": (
        "",
        "Checked at the next entry; positions already open stay open, even more than the "
        "new limit.",
    ),
    "max_notional": ("", "Checked at the next entry; what is already held stays."),
    "max_position": ("", "Checked at the next entry; what is already held stays."),
    "daily_loss_limit": ("%", "Checked at the next entry, against today's loss so far."),
    "max_drawdown": (
        "%",
        "Checked at the next entry, against the peak equity so far; a halt already in force "
        "stays until it is resumed.",
    ),
    "one_position_per_symbol": ("", "Checked at the next entry; open positions stay open."),
    "max_risk_per_trade": ("%", "Checked at the next entry; open positions keep their size."),
}


def risk_changes(old: Plan, new: Plan, open_positions: int | None) -> tuple[FieldChange, ...]:
    changes: list[FieldChange] = []
    for key, (suffix, effect) in _RISK_EFFECTS.items():
        was, now = getattr(old.risk, key), getattr(new.risk, key)
        if was == now:
            continue
        if isinstance(was, bool) or isinstance(now, bool):
            old_text, new_text = str(was).lower(), str(now).lower()
        else:
            old_text, new_text = num(was, suffix), num(now, suffix)
        if (
            key == "max_open_positions"
            and isinstance(now, int)
            and open_positions is not None
            and open_positions > now
        ):
            effect += (
                f" {open_positions} are open now: none is closed, and no entry is taken until "
                f"fewer than {now} are."
            )
        changes.append(FieldChange(key, old_text, new_text, Apply.NEXT_CHECK, effect))
    return tuple(changes)


# --- entry rules ----------------------------------------------------------------------------------


def rule_changes(old: Plan, was: EntryRule, new: Plan, now: EntryRule) -> tuple[FieldChange, ...]:
    """Each changed field of an entry rule, with what it does to the rule while it runs."""
    changes: list[FieldChange] = []
    side = position_word(now.side)
    if was.side is not now.side:
        changes.append(
            FieldChange(
                "side",
                position_word(was.side),
                side,
                Apply.REARM,
                f"The rule now enters {side}: its working entry is cancelled; an open position "
                "runs to its exits under the old terms, and the rule enters under the new terms "
                "once it is flat.",
            )
        )
    if lowered(old.signals, was.signals.when) != lowered(new.signals, now.signals.when):
        changes.append(
            FieldChange(
                "when",
                expr(was.when),
                expr(now.when),
                Apply.NEXT_BAR,
                "The new condition decides entries from the next closed bar; an entry already "
                "working keeps working.",
            )
        )
    if _template(old, was) != _template(new, now):
        changes.append(
            FieldChange(
                "order",
                order_text(was.order),
                order_text(now.order),
                Apply.REARM,
                "A working entry is cancelled (the next signal places the new order); an open "
                "position keeps its exits.",
            )
        )
    if was.sizing != now.sizing:
        changes.append(
            FieldChange(
                "sizing",
                sizing_text(was.sizing),
                sizing_text(now.sizing),
                Apply.NEXT_ENTRY,
                "Applies to the next entry; an open position keeps its size.",
            )
        )
    if was.time_in_force is not now.time_in_force:
        changes.append(
            FieldChange(
                "time_in_force",
                was.time_in_force.value,
                now.time_in_force.value,
                Apply.NEXT_ENTRY,
                f"The next entry is {now.time_in_force.value.upper()}; a working entry keeps "
                "its own.",
            )
        )
    changes.extend(_exit_changes(old, was, new, now))
    return tuple(changes)


def _template(plan: Plan, rule: EntryRule) -> Hashable:
    """The entry order as the runtime builds it: its prices as lowered, the rest as written."""
    order = rule.order
    return (
        order.type,
        order.trail,
        order.spread,
        order.activate,
        lowered(plan.signals, rule.signals.price),
        lowered(plan.signals, rule.signals.trigger),
    )


def _exit_changes(old: Plan, was: EntryRule, new: Plan, now: EntryRule) -> list[FieldChange]:
    a, b = was.exits, now.exits
    side = now.side
    changes: list[FieldChange] = []
    tp = take_profit_change(
        "exits.take_profit", a.take_profit, b.take_profit, side, "an open position"
    )
    sl = stop_loss_change("exits.stop_loss", a.stop_loss, b.stop_loss, side, "an open position")
    changes.extend(c for c in (tp, sl) if c is not None)
    if a.trailing != b.trailing:
        changes.append(_trailing_change(a.trailing, b.trailing))
    if a.break_even != b.break_even:
        changes.append(_break_even_change(a.break_even, b.break_even))
    if a.time_exit != b.time_exit:
        changes.append(_time_exit_change(a.time_exit, b.time_exit))
    if lowered(old.signals, was.signals.exit_when) != lowered(new.signals, now.signals.exit_when):
        if b.exit_when is None:
            effect = "An open position is no longer closed by a signal."
        else:
            effect = (
                "From the next closed bar an open position is closed at market when "
                f"`{unparse(b.exit_when)}`."
            )
        changes.append(
            FieldChange(
                "exits.exit_when", expr(a.exit_when), expr(b.exit_when), Apply.NEXT_BAR, effect
            )
        )
    if a.time_in_force is not b.time_in_force:
        changes.append(
            FieldChange(
                "exits.time_in_force",
                a.time_in_force.value,
                b.time_in_force.value,
                Apply.NEXT_ENTRY,
                f"Exits placed from now are {b.time_in_force.value.upper()}; working exits keep "
                f"{a.time_in_force.value.upper()}.",
            )
        )
    return changes


def _signed(value: Distance, sign: int) -> str:
    return f"{'+' if sign > 0 else '-'} {value.magnitude}"


def take_profit_change(
    key: str, was: Distance | None, now: Distance | None, side: Side, whose: str, fees: str = ""
) -> FieldChange | None:
    if was == now:
        return None
    if now is None:
        return FieldChange(
            key, dist(was), NONE, Apply.CANCEL, f"The take profit of {whose} is cancelled."
        )
    where = f"its entry fill {_signed(now, side.sign)}{fees}"
    if was is None:
        return FieldChange(
            key, NONE, dist(now), Apply.PLACE, f"{_cap(whose)} gets a take profit at {where}."
        )
    return FieldChange(
        key,
        dist(was),
        dist(now),
        Apply.AMEND,
        f"The take profit of {whose} is amended to {where}.",
    )


def stop_loss_change(
    key: str, was: Distance | None, now: Distance | None, side: Side, whose: str
) -> FieldChange | None:
    if was == now:
        return None
    if now is None:
        return FieldChange(
            key,
            dist(was),
            NONE,
            Apply.CANCEL,
            f"The stop of {whose} is cancelled: it is left without a stop loss.",
        )
    sign = "-" if side is Side.BUY else "+"
    if was is None:
        return FieldChange(
            key,
            NONE,
            dist(now),
            Apply.PLACE,
            f"{_cap(whose)} gets a stop at its entry fill {sign} ({now.magnitude} + the spread "
            "at the time it is placed).",
        )
    return FieldChange(
        key,
        dist(was),
        dist(now),
        Apply.REPLACE,
        f"The stop of {whose} is replaced by one at its entry fill {sign} ({now.magnitude} + "
        "the spread it was placed with): the new stop is placed before the old one is "
        "cancelled. A stop already moved to break-even stays where it is.",
    )


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _trailing_change(was: Trailing | None, now: Trailing | None) -> FieldChange:
    key, old_text, new_text = "exits.trailing", trailing_text(was), trailing_text(now)
    if now is None:
        return FieldChange(
            key,
            old_text,
            new_text,
            Apply.CANCEL,
            "The trailing stop of an open position is cancelled.",
        )
    if was is None:
        return FieldChange(
            key,
            old_text,
            new_text,
            Apply.PLACE,
            f"An open position gets a trailing stop ({new_text}), trailing from the market at "
            "the time it is placed.",
        )
    return FieldChange(
        key,
        old_text,
        new_text,
        Apply.REPLACE,
        f"The trailing stop of an open position is replaced by one with {new_text}, trailing "
        "from the market at the time it is placed: the new one is placed before the old one is "
        "cancelled.",
    )


def _break_even_change(was: BreakEven | None, now: BreakEven | None) -> FieldChange:
    key, old_text, new_text = "exits.break_even", break_even_text(was), break_even_text(now)
    if now is None:
        effect = (
            "An open position stops watching for break-even; a stop already moved to "
            "break-even stays where it is."
        )
    elif was is None:
        effect = "An open position starts watching for break-even, from its entry fill and time."
    else:
        effect = (
            "An open position that has not reached break-even watches the new level, worked out "
            "from its entry fill and time; a stop already moved to break-even stays where it is."
        )
    return FieldChange(key, old_text, new_text, Apply.POSITION, effect)


def _time_exit_change(was: TimeExit | None, now: TimeExit | None) -> FieldChange:
    key, old_text, new_text = "exits.time_exit", time_exit_text(was), time_exit_text(now)
    if now is None:
        effect = "An open position is no longer closed by the clock."
    else:
        effect = (
            "An open position's closing time is worked out again from its entry time; if that "
            "time has passed already, it is closed at the next bar close."
        )
    return FieldChange(key, old_text, new_text, Apply.POSITION, effect)


# --- grids ------------------------------------------------------------------------------------------


def grid_changes(
    old: Plan, was: GridProgram, new: Plan, now: GridProgram, added: int, removed: int
) -> tuple[FieldChange, ...]:
    """Each changed field of a grid, with what it does to its running slots."""
    changes: list[FieldChange] = []
    side = now.side.value
    if was.side is not now.side:
        changes.append(
            FieldChange(
                "side",
                was.side.value,
                side,
                Apply.REARM,
                f"Every slot now trades {side}: working entries are cancelled; open positions "
                "run to their exits under the old terms, and each slot arms under the new terms "
                "once it is flat.",
            )
        )
    if added or removed:
        parts = []
        if added:
            parts.append(f"{added} slot{'s' if added != 1 else ''} added, each starting flat")
        if removed:
            parts.append(
                f"{removed} slot{'s' if removed != 1 else ''} removed, each taking no more "
                "entries (an open position keeps its exits)"
            )
        changes.append(
            FieldChange(
                "slots",
                _slots_text(was, old.instrument),
                _slots_text(now, new.instrument),
                Apply.SLOTS,
                "; ".join(parts) + ".",
            )
        )
    if was.units != now.units:
        units = fmt_decimal(now.units)
        changes.append(
            FieldChange(
                "units",
                fmt_decimal(was.units),
                units,
                Apply.AMEND,
                f"Working entries not yet filled are amended to {units} units (one already "
                "partly filled keeps its quantity); an open position keeps its size, and the "
                f"slot re-enters for {units} units after it closes.",
            )
        )
    fees = " + the fees" if charges_fees(new.fees) else ""
    whose = "each slot's open position"
    tp = take_profit_change("take_profit", was.take_profit, now.take_profit, now.side, whose, fees)
    sl = stop_loss_change("stop_loss", was.stop_loss, now.stop_loss, now.side, whose)
    changes.extend(c for c in (tp, sl) if c is not None)
    for key in ("counter", "follow"):
        before, after = getattr(was, key), getattr(now, key)
        if before != after:
            changes.append(
                FieldChange(
                    key,
                    dist(before),
                    dist(after),
                    Apply.NEXT_REENTRY,
                    f"Takes effect at the next re-entry: after its next exit a slot "
                    f"{_reentry_words(now, key)}; re-entries already working keep their levels.",
                )
            )
    return tuple(changes)


def _reentry_words(grid: GridProgram, key: str) -> str:
    side = grid.side.value
    if grid.counter is None and grid.follow is None:
        return "re-enters at its own price"
    value: Distance | None = getattr(grid, key)
    if value is None:
        return f"places no {key}"
    sign = 1 if value.value >= 0 else -1
    if key == "counter":
        return f"re-enters with a {side} limit at the exit fill {_signed(value, sign)}"
    spread = "+ spread" if grid.side is Side.BUY else "- spread"
    return f"re-enters with a {side} stop at the exit fill {spread} {_signed(value, sign)}"


__all__ = [
    "account_changes",
    "fee_changes",
    "grid_changes",
    "lowered",
    "plan_changes",
    "price_text",
    "refusals",
    "risk_changes",
    "rule_changes",
    "stop_loss_change",
    "take_profit_change",
]
