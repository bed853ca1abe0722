"""Runs in which every owner is thrown away between two events and replaced by a fresh one.

`swapping()` patches the engine's entry points (a bar's close, a broker update, a price touch,
the end of data) so that when the outermost of them returns, i.e. between two events and
never inside an owner's handler, each `RuleRun` and `SlotRun` is replaced by a new object
built from the same configuration and restored from the old one's snapshot, sent through the
JSON codec on the way (`Engine.replace_owner`). If a snapshot left anything out, the fresh
owner would go on differently and the run's files would differ from the run without swaps.
It also records every order the owners send, with all its terms (`Swaps.sent`): some terms,
such as the OCO group, reach the broker but no output file; `swapping(chance=0)` records a
run without swapping it, to compare with.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tradeplan.orders.model import Order
from tradeplan.runtime import state_codec
from tradeplan.runtime.engine import Engine, Owner
from tradeplan.runtime.rule_run import RuleRun
from tradeplan.runtime.slot_run import SlotRun

ENTRY_POINTS = ("on_bar_close", "on_order_update", "on_price_touch", "finish")
SENDING = ("submit", "settle")


def fresh(owner: Owner) -> Owner | None:
    """A new owner of the same configuration, in its initial state; None for other kinds."""
    if isinstance(owner, RuleRun):
        return RuleRun(owner.engine, owner.rule, owner.inputs)
    if isinstance(owner, SlotRun):
        return SlotRun(owner.engine, owner.grid, owner.price)
    return None


Tamper = Callable[[Any], Any]


@dataclass
class Swaps:
    """What a swapping run did: how many owners it replaced, and the states it handed over
    (each distinct one once, in the order first seen)."""

    chance: float = 1.0
    seed: int = 0
    through_json: bool = True
    tamper: Tamper | None = None  # for tests of this test: lose part of a state on the way
    count: int = 0
    states: dict[object, None] = field(default_factory=dict)
    sent: list[Order] = field(default_factory=list)
    _depth: int = 0
    _rng: random.Random = field(default_factory=random.Random)

    def swap_all(self, engine: Engine) -> None:
        if self.chance < 1.0 and self._rng.random() >= self.chance:
            return
        for owner in list(engine.owners):
            new = fresh(owner)
            if new is None:
                continue
            state = owner.snapshot()
            self.states.setdefault(state, None)
            if self.through_json:
                text = state_codec.to_json(state)
                back = state_codec.from_json(text)
                assert back == state and state_codec.to_json(back) == text
                state = back
            if self.tamper is not None:
                state = self.tamper(state)
            new.restore(state)
            engine.replace_owner(owner, new)
            self.count += 1


@contextmanager
def swapping(
    *,
    chance: float = 1.0,
    seed: int = 0,
    through_json: bool = True,
    tamper: Tamper | None = None,
) -> Iterator[Swaps]:
    """Swap every owner after every outermost engine entry point (or, with `chance` < 1, after
    a random share of them, drawn from `seed`) while the block runs."""
    swaps = Swaps(chance, seed, through_json, tamper)
    swaps._rng.seed(seed)
    originals = {name: getattr(Engine, name) for name in ENTRY_POINTS}

    def wrap(original: Callable[..., None]) -> Callable[..., None]:
        def entry(engine: Engine, *args: object, **kwargs: object) -> None:
            swaps._depth += 1
            try:
                original(engine, *args, **kwargs)
            finally:
                swaps._depth -= 1
            if swaps._depth == 0:
                swaps.swap_all(engine)

        return entry

    def record(original: Callable[..., None]) -> Callable[..., None]:
        def sending(engine: Engine, owner: Owner, order: Order, *args: Any, **kw: Any) -> None:
            swaps.sent.append(order)
            original(engine, owner, order, *args, **kw)

        return sending

    patched = {name: wrap(original) for name, original in originals.items()}
    for name in SENDING:
        originals[name] = getattr(Engine, name)
        patched[name] = record(originals[name])
    for name, replacement in patched.items():
        setattr(Engine, name, replacement)
    try:
        yield swaps
    finally:
        for name, original in originals.items():
            setattr(Engine, name, original)
