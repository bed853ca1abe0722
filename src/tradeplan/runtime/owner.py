"""What an owner is, and the small values owners and the engine hand each other.

An *owner* (a `RuleRun`, a `SlotRun`, or one plugged in through `Engine(owners=...)`) holds
every order it sends and at most one position. These types sit apart from `engine.py` so that
owners can name them without importing the engine: owners reach the engine only through
`services.OwnerServices` (docs/architecture.md, Decisions). `engine.py` re-exports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from tradeplan.orders.model import Order, OrderTag
from tradeplan.ports.broker import OrderUpdate, PriceTouch

Bools = NDArray[np.bool_]
Settle = Callable[[Order, int], None]


class EntryRefused(ValueError):
    """An entry that cannot be built at this bar (no price to work at); recorded, not sent."""


@dataclass(frozen=True, slots=True)
class RuleInputs:
    """One entry rule's precomputed inputs: `when` (and `exit_when`) at every row's close, and
    the entry order's limit `price` / `trigger` at a row when its template has expressions."""

    entry: Bools
    exit: Bools | None = None
    price: Callable[[int], Decimal] | None = None
    trigger: Callable[[int], Decimal] | None = None


@dataclass(frozen=True, slots=True)
class EntryDecision:
    """A sized and guarded entry: `refusal` empty means send `qty`; `note` is said on the
    accepted signal's row (a margin cap that bound)."""

    qty: Decimal
    refusal: str = ""
    note: str = ""


class Owner(Protocol):
    """A rule run or a grid slot: owns its orders and at most one position."""

    @property
    def name(self) -> str: ...

    def on_bar_close(self, row: int) -> None: ...

    def next_wakeup(self, row: int) -> int:
        """The first row >= `row` at whose close this owner has something to do by itself
        (a signal while flat, a clock, an exit signal); `rows` when nothing."""
        ...

    def on_update(self, update: OrderUpdate) -> None: ...

    def on_touch(self, touch: PriceTouch) -> None: ...

    def finish(self, row: int, settle: Settle, tag: OrderTag = OrderTag.END_OF_DATA) -> None:
        """End of data at `row`: cancel what works, close what is open via `settle` (with
        `tag`, the trade's exit reason: a live run flattening on restart says `manual`)."""
        ...

    def stand_down(self) -> None:
        """Cancel the working entries and be ready to place them again: the bot is stopping
        (Ctrl-C) or halted, and trading resumes later. Exits stay working."""
        ...

    def snapshot(self) -> object:
        """Everything about the owner that changed since it was built, as one frozen value
        (`RuleState`, `SlotState`; `state_codec` writes them as JSON). Taken between two
        events (never from inside a handler), it is all a fresh owner built from the same
        configuration needs to go on exactly as this one would (`restore`)."""
        ...

    def restore(self, state: Any) -> None:
        """Take `state`, a `snapshot()` of an owner of the same configuration, as its own:
        what a restarted live run does with the last snapshot it stored."""
        ...


__all__ = ["Bools", "EntryDecision", "EntryRefused", "Owner", "RuleInputs", "Settle"]
