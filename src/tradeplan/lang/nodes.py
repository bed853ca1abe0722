"""The document tree both language forms are read into.

YAML and the text form differ only in surface syntax, so both are first turned into this one
tree of mappings, sequences and raw scalars, each with its span. Everything after that (shape
checks, units, expressions, the plan) is written once. Scalars keep their raw text: YAML's own
type resolution would turn `105.00` into a binary float and `no` into False.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tradeplan.diagnostics.model import Span
from tradeplan.lang.scalar_places import Places


@dataclass(frozen=True, slots=True)
class Scalar:
    """A leaf. `value` is the raw text, or None for YAML null / an empty value. On a key,
    `written` is the word the file used when it differs from the key (the text form's
    `via paper` is the key `broker`), so a message can quote what the user wrote.

    `places` says where each character of the value is written in the file, for values whose
    characters are not simply one after another from `span`'s start (multi-line, quoted,
    escaped). It is worked out only when asked for: only expressions need it.
    """

    value: str | None
    span: Span
    quoted: bool = False
    written: str | None = field(default=None, compare=False)
    places: Callable[[], Places] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Mapping:
    entries: tuple[tuple[Scalar, Node], ...]
    span: Span

    def get(self, key: str) -> Node | None:
        for k, v in self.entries:
            if k.value == key:
                return v
        return None

    def keys(self) -> list[str]:
        return [k.value or "" for k, _ in self.entries]


@dataclass(frozen=True, slots=True)
class Sequence:
    items: tuple[Node, ...]
    span: Span


Node = Scalar | Mapping | Sequence
