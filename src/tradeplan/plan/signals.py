"""The compiled signal graph: every `when`, `exit_when` and order price of a plan, lowered.

The expression AST keeps what the file said (`5 pips`, `0.5%`, `"09:35"`, `crosses_above`); the
runtime needs none of that. The compiler lowers each expression once (compiler/lowering.py) into
these nodes, with everything the file and the instrument fix already decided: units are prices
or fractions, lengths are whole numbers of bars, a time of day is minutes, a session word is its
code, a cross is the comparisons it stands for, and each function call has the bar columns it
reads as inputs. Both evaluators (runtime/evaluate.py over whole arrays, runtime/step_eval.py
one bar at a time) walk this graph and nothing else, so they cannot disagree about what an
expression means, and nothing at run time parses, converts or checks.

A `SignalProgram` is a flat tuple of nodes, each referring to its inputs by index, inputs before
the nodes that read them. Equal subexpressions are one node (the lowering interns them), across
all the rules of a plan, which is what lets an evaluator compute `sma(close, 20)` once however
many rules read it. The tuple is hashable, compares by value and travels as plain JSON.

Values are float64 numbers or three-valued conditions (true, false, unknown), as described in
runtime/evaluate.py; the nodes below say which they produce.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from tradeplan.plan.vocabulary import FUNCTIONS, warmup

COLUMNS = ("open", "high", "low", "close", "volume", "spread", "day")
"""What a `Column` reads: a bar's prices and volume, or `day`, its local calendar day (an int,
the anchor `vwap` restarts on)."""


@dataclass(frozen=True, slots=True)
class Column:
    """A number: one column of the closed bar (`COLUMNS`); bid is the close."""

    name: str


@dataclass(frozen=True, slots=True)
class Constant:
    """A number known before the run: a literal, or a quantity the instrument resolved
    (`5 pips` on USD/JPY is 0.05, a percent factor in `*` is its fraction)."""

    value: float


@dataclass(frozen=True, slots=True)
class Apply:
    """A number: a function of the registry (`plan.vocabulary.FUNCTIONS`), its arguments then
    the bar columns it reads as `inputs`, then its `lengths` in bars."""

    function: str
    inputs: tuple[int, ...]
    lengths: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Arithmetic:
    """A number: `+`, `-`, `*` or `/`; a division by zero is missing (NaN), not infinite."""

    op: str
    left: int
    right: int


@dataclass(frozen=True, slots=True)
class Negate:
    """A number: minus its operand."""

    operand: int


@dataclass(frozen=True, slots=True)
class SubPennyTicks:
    """A number: `ticks` US-stock ticks at the price `reference`, one cent from $1 up and a
    hundredth of a cent below, so it can only be known bar by bar."""

    ticks: float
    reference: int


@dataclass(frozen=True, slots=True)
class Lag:
    """The value of `source` (a number or a condition) `bars` closed bars earlier (1 or more);
    missing, or unknown, before the first bar."""

    source: int
    bars: int


COMPARE: Final[dict[str, Callable[[Any, Any], Any]]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
"""What each `Comparison.op` means, for floats and numpy arrays alike: both evaluators use it."""


@dataclass(frozen=True, slots=True)
class Comparison:
    """A condition: `<`, `<=`, `>`, `>=`, `==` or `!=` of two numbers; unknown when either is
    missing."""

    op: str
    left: int
    right: int


@dataclass(frozen=True, slots=True)
class Junction:
    """A condition: `and` (false if any operand is, true if all are) or `or` (true if any is,
    false if all are); unknown otherwise."""

    op: str
    operands: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Invert:
    """A condition: `not`; unknown stays unknown."""

    operand: int


@dataclass(frozen=True, slots=True)
class InSession:
    """A condition: the bar is in the US session `code` (`core.calendar.UsSession`)."""

    code: int


@dataclass(frozen=True, slots=True)
class ClockWindow:
    """A condition: the bar's local minute of the day is from `start` through `end` (minutes
    since midnight), wrapping over midnight when the start is later than the end."""

    start: int
    end: int


SignalNode = (
    Column
    | Constant
    | Apply
    | Arithmetic
    | Negate
    | SubPennyTicks
    | Lag
    | Comparison
    | Junction
    | Invert
    | InSession
    | ClockWindow
)


@dataclass(frozen=True, slots=True)
class RuleSignals:
    """An entry rule's expressions as nodes of the plan's `SignalProgram`."""

    when: int
    exit_when: int | None = None
    price: int | None = None
    trigger: int | None = None


@dataclass(frozen=True, slots=True)
class SignalProgram:
    """The nodes of every expression of a plan, inputs first (see the module docstring).

    `warmup` is the bars of history before its first bar that a live run gives the step
    evaluator for every node to hold the backtest's value to the last digit (`node_warmups`);
    `daily` says it also needs the current day's bars, whatever their number (`vwap`).
    """

    nodes: tuple[SignalNode, ...] = ()
    warmup: int = 0
    daily: bool = False


def build_program(nodes: tuple[SignalNode, ...]) -> SignalProgram:
    """The program of `nodes` (inputs first), with its warm-up worked out."""
    for index, node in enumerate(nodes):
        if any(ref >= index or ref < 0 for ref in inputs(node)):
            raise ValueError(f"node {index} ({node}) reads a node that is not before it")
    warmups = node_warmups(nodes)
    daily = any(isinstance(node, Apply) and FUNCTIONS[node.function].daily for node in nodes)
    return SignalProgram(nodes, max(warmups, default=0), daily)


def inputs(node: SignalNode) -> tuple[int, ...]:
    """The nodes `node` reads."""
    if isinstance(node, Apply):
        return node.inputs
    if isinstance(node, Arithmetic | Comparison):
        return (node.left, node.right)
    if isinstance(node, Negate | Invert):
        return (node.operand,)
    if isinstance(node, SubPennyTicks):
        return (node.reference,)
    if isinstance(node, Lag):
        return (node.source,)
    if isinstance(node, Junction):
        return node.operands
    return ()


def node_warmups(nodes: tuple[SignalNode, ...]) -> tuple[int, ...]:
    """For each node, the bars before a bar that a run must have seen for the node's value on
    that bar to be the backtest's, to the last digit.

    A function adds its own warm-up (`plan.vocabulary.warmup`: its lookback, plus the settling
    of a recursive one) to the largest of its inputs', since it sees its first valid input only
    once they have warmed up: `ema(rsi(close, 14), 9)` needs rsi's 714 bars and then ema's 258.
    `x[k]` adds k; every other node needs what its inputs need. `vwap` adds nothing here but
    needs the day's bars (`SignalProgram.daily`).
    """
    out: list[int] = []
    for node in nodes:
        before = max((out[ref] for ref in inputs(node)), default=0)
        if isinstance(node, Apply):
            before += warmup(node.function, node.lengths)
        elif isinstance(node, Lag):
            before += node.bars
        out.append(before)
    return tuple(out)
