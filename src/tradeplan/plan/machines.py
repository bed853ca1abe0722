"""State machines as data: the life cycle of each entry rule and of each grid slot.

The engine executes these transitions; `explain` and `--diagram` print them. Keeping them as
data (not code paths) is what lets a user see, before running anything, what happens after
each fill.
"""

from __future__ import annotations

from tradeplan.core.enums import OrderType, Side
from tradeplan.core.units import Distance
from tradeplan.plan.model import EntryRule, ExitPlan, GridProgram, StateMachine, Transition


def _signed(distance: Distance, sign: int) -> str:
    return f"{'+' if sign > 0 else '-'} {distance.magnitude}"


def exit_actions(exits: ExitPlan, side: Side) -> tuple[str, ...]:
    """What is placed when an entry fills, in the words `explain` uses."""
    sign = side.sign
    actions: list[str] = []
    close = side.opposite.value
    if exits.take_profit is not None:
        actions.append(
            f"place take_profit: {close} limit at fill {_signed(exits.take_profit, sign)}"
        )
    if exits.stop_loss is not None:
        actions.append(
            f"place stop_loss: {close} stop at fill {_signed(exits.stop_loss, -sign)} (spread added)"
        )
    if exits.trailing is not None:
        kind = "trailing_stop_limit" if exits.trailing.spread is not None else "trailing_stop"
        actions.append(
            f"place {kind}: {close} trailing {exits.trailing.trail} behind the best price"
        )
    if exits.break_even is not None:
        actions.append(f"watch break_even: profit {exits.break_even.at}")
    if exits.time_exit is not None:
        actions.append("start time_exit clock")
    return tuple(actions)


def entry_machine(rule: EntryRule) -> StateMachine:
    exits = rule.exits
    order = rule.order.type.value
    transitions = [
        Transition(
            "flat",
            "bar_close",
            "entry_working",
            (f"place entry: {rule.side.value} {order}",),
            condition="`when` is true and every risk guard passes",
        ),
        Transition(
            "flat",
            "bar_close",
            "flat",
            ("record refused signal",),
            condition="`when` is true but a risk guard refuses",
        ),
        Transition("entry_working", "filled", "open", exit_actions(exits, rule.side)),
        Transition("entry_working", "rejected", "flat", ("record rejection; never re-sent",)),
        Transition("entry_working", "cancelled", "flat"),
        Transition("entry_working", "expired", "flat"),
    ]
    if rule.order.type is not OrderType.MARKET:
        transitions.append(
            Transition(
                "entry_working", "bar_close", "entry_working", condition="order still working"
            )
        )
    if exits.take_profit is not None:
        transitions.append(
            Transition(
                "open", "take_profit_filled", "flat", ("cancel the other exits", "record trade")
            )
        )
    if exits.stop_loss is not None:
        transitions.append(
            Transition(
                "open", "stop_loss_filled", "flat", ("cancel the other exits", "record trade")
            )
        )
    if exits.trailing is not None:
        transitions.append(
            Transition(
                "open", "trailing_stop_filled", "flat", ("cancel the other exits", "record trade")
            )
        )
    if exits.break_even is not None:
        be = exits.break_even
        transitions.append(
            Transition(
                "open",
                "profit_reached",
                "open",
                ("move stop_loss to entry" + (f" + {be.offset}" if be.offset else ""),),
                condition=f"profit >= {be.at}",
            )
        )
        if be.within is not None and be.otherwise == "close":
            transitions.append(
                Transition(
                    "open",
                    "clock",
                    "exit_working",
                    ("close at market",),
                    condition="break-even not reached in time",
                )
            )
    if exits.time_exit is not None:
        transitions.append(
            Transition(
                "open", "clock", "exit_working", ("close at market",), condition="time exit reached"
            )
        )
    if exits.exit_when is not None:
        transitions.append(
            Transition(
                "open",
                "bar_close",
                "exit_working",
                ("close at market",),
                condition="`exit_when` is true",
            )
        )
    transitions += [
        Transition("exit_working", "filled", "flat", ("cancel the other exits", "record trade")),
        Transition("open", "manual_close", "flat", ("cancel the exits", "record trade")),
        Transition("open", "halt", "stopped", ("keep exits working",)),
        Transition("flat", "halt", "stopped"),
    ]
    states = ("flat", "entry_working", "open", "exit_working", "stopped")
    return StateMachine(rule.name, "entry", states, "flat", tuple(transitions))


def slot_machine(grid: GridProgram) -> StateMachine:
    """One grid slot's life (SEMANTICS.md section 1), as `runtime.slot_run` executes it.

    flat -> entry_working -> open -> rearming -> entry_working -> ... until something stops it.
    `bar_close` moves happen at the close of a row and are checked against the first quote after
    it; an entry refused for the day waits for the next trading day; the drawdown halt, a rejected
    entry, a manual close and a margin close-out stop the slot for good.
    """
    side = grid.side
    close = side.opposite.value
    on_fill = [f"place take_profit: {close} limit at fill {_signed(grid.take_profit, side.sign)}"]
    if grid.stop_loss is not None:
        on_fill.append(
            f"place stop_loss: {close} stop at fill {_signed(grid.stop_loss, -side.sign)} - spread"
        )
    on_fill.append("cancel the other re-entry")
    first = (
        f"place entry: {side.value} limit at the slot price, a stop if the market is "
        f"{'below' if side is Side.BUY else 'above'} it",
    )
    rearm: list[str] = []
    if grid.counter is not None:
        sign = 1 if grid.counter.value >= 0 else -1
        rearm.append(f"arm counter: {side.value} limit at exit fill {_signed(grid.counter, sign)}")
    if grid.follow is not None:
        spread = "+ spread" if side is Side.BUY else "- spread"
        sign = 1 if grid.follow.value >= 0 else -1
        rearm.append(
            f"arm follow: {side.value} stop at exit fill {spread} {_signed(grid.follow, sign)}"
        )
    if not rearm:
        rearm.append(f"arm entry: {side.value} again at the slot price")
    rearm.append(
        "a re-entry already passed by the market converts (limit <-> stop); the other is dropped"
    )
    guards = "every risk guard passes"
    refused = "the drawdown halt (or the kill switch) refuses"
    paused = "another risk guard refuses (daily loss limit, a cap)"
    wait = ("record refused signal", "arm again at the next trading day")
    exited = ("cancel the other exit", "record trade")
    transitions = (
        Transition("flat", "bar_close", "entry_working", first, condition=guards),
        Transition("flat", "bar_close", "flat", wait, condition=paused),
        Transition("flat", "bar_close", "stopped", ("record refused signal",), condition=refused),
        Transition("entry_working", "filled", "open", tuple(on_fill)),
        Transition("open", "take_profit_filled", "rearming", exited),
        *(
            (Transition("open", "stop_loss_filled", "rearming", exited),)
            if grid.stop_loss is not None
            else ()
        ),
        Transition(
            "rearming",
            "bar_close",
            "entry_working",
            tuple(rearm),
            condition=f"at the first quote after the exit; {guards}",
        ),
        Transition("rearming", "bar_close", "rearming", wait, condition=paused),
        Transition(
            "rearming", "bar_close", "stopped", ("record refused signal",), condition=refused
        ),
        Transition("entry_working", "rejected", "stopped", ("record rejection; never re-sent",)),
        Transition(
            "entry_working",
            "stand_down",
            "flat",
            ("cancel the entry", "place it again at the next bar close"),
            condition="the bot stops or is halted before the slot's first exit",
        ),
        Transition(
            "entry_working",
            "stand_down",
            "rearming",
            ("cancel the re-entries", "arm them again at the next bar close"),
            condition="the bot stops or is halted after an exit",
        ),
        Transition("entry_working", "cancelled", "stopped", ("no further re-entry",)),
        Transition("entry_working", "expired", "stopped", ("no further re-entry",)),
        Transition("open", "manual_close", "stopped", ("no further re-entry",)),
        Transition("open", "margin_closeout", "stopped", ("no further re-entry",)),
        Transition("open", "rejected", "stopped", ("exits stay working",)),
        Transition("open", "halt", "stopped", ("exits stay working",)),
        Transition("entry_working", "halt", "stopped", ("cancel the entry",)),
        Transition("flat", "halt", "stopped"),
        Transition("rearming", "halt", "stopped"),
        Transition("stopped", "exit_filled", "stopped", ("record trade; no re-entry",)),
    )
    states = ("flat", "entry_working", "open", "rearming", "stopped")
    return StateMachine(grid.name, "slot", states, "flat", transitions)
