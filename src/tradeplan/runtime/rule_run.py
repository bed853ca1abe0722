"""One entry rule's life cycle: flat -> entry working -> open -> (exit working) -> flat, or stopped.

The moves are the plan's own state machine (`plan.machines.entry_machine`): every change of state
here names the event and is checked against the plan's transitions, so what `explain` shows is
what runs, and a move the plan does not have is an engine bug that stops the run loudly.

What happens on each event:

* a closed row with `when` true while flat: size the entry, run every risk guard, place the entry
  (a refused entry is a row in signals.csv with its reasons, never an order);
* the entry fills: place the exits against the fill price (`exits.py`) as one OCO group, start
  the break-even watch and the clocks;
* an exit fills: cancel its OCO siblings, record the trade with the exit's reason;
* break-even reached: the stop loss is cancelled and a stop at the entry (+ offset) replaces it,
  from that moment; not reached within its time and `otherwise: close`: close at market;
* time exit or `exit_when`: cancel the exits, close at market (the next row's open);
* a rejected order is recorded and never re-sent: a rejected entry returns the rule to flat
  (the next signal places a new order), a rejected exit stops the rule (its other exits keep
  working, nothing new is placed).

Partial fills (docs/backtesting.md, "Partial fills"). The first part of an entry opens the
position and places its exits for that part, priced against that part's fill; each further part
grows the position (its average entry price moves) and resizes the exits to it (`legs.py`). An
entry cancelled or expired after a part keeps that part as the position, exits and all. An exit
or a close at market that fills in parts books each part as its own trade and resizes the other
exits to what is left; the position is closed, and the rule flat, with the last part. Whatever
closes the position, or decides to (a close at market, a halt), cancels what is left of a
working entry: a position being closed does not grow.

State and logic. Everything that changes during a run is one frozen `RuleState`
(`rule_state.py`) in `self.state`; the object keeps only its configuration (`RuleConfig`).
The logic is pure (`rule_logic.py`): each event gives `(state, commands)`, and this class puts
the state in place and has the commands carried out in order (`commands.execute`), running a
`Then` on the state as it is at that point (the broker may answer a command from inside it,
and that answer comes back here as an event of its own). `snapshot()` and `restore()` hand
the state out and take it back.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final

import numpy as np
from numpy.typing import NDArray

from tradeplan.orders.model import OrderTag
from tradeplan.plan.model import EntryRule
from tradeplan.ports.broker import OrderUpdate, PriceTouch
from tradeplan.runtime import rule_logic
from tradeplan.runtime.commands import Then, execute
from tradeplan.runtime.owner import RuleInputs, Settle
from tradeplan.runtime.rule_logic import RuleConfig, Step
from tradeplan.runtime.rule_state import (
    ENTRY_WORKING,
    EXIT_WORKING,
    FLAT,
    OPEN,
    STOPPED,
    RuleState,
)
from tradeplan.runtime.services import OwnerServices


class RuleRun:
    """The `Owner` for one `EntryRule`; see the module docstring."""

    def __init__(self, engine: OwnerServices, rule: EntryRule, inputs: RuleInputs) -> None:
        self.engine = engine
        self.rule = rule
        self.inputs = inputs
        self.config = RuleConfig.of(engine.plan, rule, inputs, engine.order_session)
        self.state = RuleState()
        # The rows with a signal, for the replay's wake-ups: found at the first wake-up, from
        # the inputs a batch run has filled by then (a streaming run visits every row and
        # never asks), so that building an owner, as a restore does, costs no scan.
        self._signal_rows: NDArray[np.int64] | None = None
        self._exit_rows: NDArray[np.int64] | None = None
        self.retired = False

    @property
    def name(self) -> str:
        return self.rule.name

    def retire(self, engine: OwnerServices) -> None:
        """Take no more entries and answer to `engine` from now on: a live reload removed
        or replaced this rule while it held a position, which runs to its exits (take profit,
        stop, clocks) under the terms it was opened with. Its exit signal is no longer read."""
        self.engine = engine
        self.retired = True
        self.inputs = RuleInputs(entry=_NEVER)
        self.config = replace(self.config, inputs=self.inputs)

    def take_inputs(self, inputs: RuleInputs) -> None:
        """Read the rule's signals from `inputs` from now on: the same values in larger
        buffers (a live run's grow as bars arrive)."""
        self.inputs = inputs
        self.config = RuleConfig.of(self.engine.plan, self.rule, inputs, self.engine.order_session)
        self._signal_rows = self._exit_rows = None

    def snapshot(self) -> RuleState:
        """The run state now: a frozen value, valid between two events."""
        return self.state

    def restore(self, state: RuleState) -> None:
        """Go on from `state`, a `snapshot()` of a run of the same rule and inputs."""
        if not isinstance(state, RuleState):
            raise TypeError(f"rule {self.name} takes a RuleState, not {type(state).__name__}")
        self.state = state

    # --- the engine's calls -------------------------------------------------------------------

    def on_bar_close(self, row: int) -> None:
        self._run(rule_logic.on_bar_close(self.config, self.state, row, self.engine))

    def next_wakeup(self, row: int) -> int:
        rows = self.engine.rows
        state = self.state
        if state.phase == FLAT:
            if self._signal_rows is None:
                self._signal_rows = np.flatnonzero(self.inputs.entry)
            return _next(self._signal_rows, row, rows)
        if state.phase != OPEN:
            return rows
        if state.deferred is not None:
            return row  # looking for regular hours, row by row
        wake = rows
        exit_signal = self.config.exit_signal
        if exit_signal is not None:
            if self._exit_rows is None:
                self._exit_rows = np.flatnonzero(exit_signal)
            wake = _next(self._exit_rows, row, rows)
        for clock in (state.time_exit_at, state.break_even_at):
            if clock is not None:
                wake = min(wake, self.engine.first_close_at(clock, row))
        return wake

    def on_update(self, update: OrderUpdate) -> None:
        self._run(rule_logic.on_update(self.config, self.state, update, self.engine))

    def on_touch(self, touch: PriceTouch) -> None:
        self._run(rule_logic.on_touch(self.config, self.state, touch, self.engine))

    def stand_down(self) -> None:
        """A rule's entry cancelled at the broker returns it to flat, where the next signal
        enters again (the plan's `entry_working --cancelled--> flat`): the runner's cancel
        of the order is all it takes."""

    def finish(self, row: int, settle: Settle, tag: OrderTag = OrderTag.END_OF_DATA) -> None:
        self._run(rule_logic.finish(self.config, self.state, row, self.engine, tag), settle)

    def _run(self, step: Step, settle: Settle | None = None) -> None:
        """Put the state in place, then carry out the commands in order."""
        state, commands = step
        self.state = state
        for command in commands:
            if isinstance(command, Then):
                self._run(command.step(self.state, self.engine), settle)
            else:
                execute(self.engine, self, command, settle)


# No signal at any bar, without memory for one: a retired rule's entry input.
_NEVER: Final = np.broadcast_to(np.False_, (1 << 40,))


def _next(rows: NDArray[np.int64], row: int, limit: int) -> int:
    """The first of the sorted `rows` at or after `row`, else `limit`."""
    at = int(np.searchsorted(rows, row, side="left"))
    return int(rows[at]) if at < rows.size else limit


__all__ = ["ENTRY_WORKING", "EXIT_WORKING", "FLAT", "OPEN", "STOPPED", "RuleRun"]
