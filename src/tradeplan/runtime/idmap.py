"""`IdMap`: an immutable mapping from order ids to values, in the order the ids were added.

Why it exists. An owner's run state is one frozen value (`rule_state.py`, `slot_state.py`) so
that a live run can snapshot it after every event and a restarted one can take it back; a
`dict` inside it would make the value mutable and unhashable. The owners need a dict's order
too: they cancel their exits, and resize them, in the order they placed them, and orders.csv
shows that order. So this is a tuple of `(id, value)` pairs with a dict's semantics: `put`
keeps a known id where it is and appends a new one, `drop` removes one. Owners hold two to four
ids at a time, so a linear scan is as fast as hashing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class IdMap(Generic[V]):
    """See the module docstring; every change returns a new map."""

    pairs: tuple[tuple[str, V], ...] = ()

    def __contains__(self, key: object) -> bool:
        # A loop, not any(...): no generator to build on a lookup made on every update.
        for k, _ in self.pairs:  # noqa: SIM110
            if k == key:
                return True
        return False

    def __getitem__(self, key: str) -> V:
        for k, value in self.pairs:
            if k == key:
                return value
        raise KeyError(key)

    def __len__(self) -> int:
        return len(self.pairs)

    def __iter__(self) -> Iterator[str]:
        return iter([k for k, _ in self.pairs])

    def get(self, key: str) -> V | None:
        for k, value in self.pairs:
            if k == key:
                return value
        return None

    def ids(self) -> tuple[str, ...]:
        return tuple(k for k, _ in self.pairs)

    def put(self, key: str, value: V) -> IdMap[V]:
        """`key` bound to `value`: in its place when known (as a dict keeps it), else last."""
        if key in self:
            return IdMap(tuple([(k, value if k == key else v) for k, v in self.pairs]))
        return IdMap((*self.pairs, (key, value)))

    def drop(self, key: str) -> IdMap[V]:
        """Without `key` (the same map when it is not there)."""
        if key not in self:
            return self
        return IdMap(tuple([(k, v) for k, v in self.pairs if k != key]))


__all__ = ["IdMap"]
