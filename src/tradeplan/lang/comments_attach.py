"""Attaching the comments found in a file to the items of its document tree.

What is common to both forms lives here; what differs (where a block ends, which item a line
shows first) is a `Layout` given by the form. Every comment lands somewhere: one that has no
item of its own goes to the nearest one, never away.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from tradeplan.diagnostics.suppress import comment_start
from tradeplan.lang.comments import DOCUMENT, Comments, Path, is_directive
from tradeplan.lang.nodes import Mapping, Node, Scalar, Sequence

_JOINED = re.compile(r"(?<=\S)\s{2,}(?=#)")
Place = tuple[str, Path]
"""Where a plain comment goes: ("before" | "after" | "end", path)."""


@dataclass(frozen=True, slots=True)
class Comment:
    line: int
    col: int
    """1-based column of the `#`."""
    text: str
    own_line: bool


@dataclass(frozen=True, slots=True)
class Item:
    """A key and its value, or an item of a list, with where it shows in the file."""

    path: Path
    value: Node
    visual: tuple[int, int] | None
    """(line, column) where a reader sees the item start; None when the form does not show it
    (the text form's `entries` key, for instance)."""

    @property
    def value_line(self) -> int:
        return self.value.span.line


def walk(node: Node, path: Path = DOCUMENT) -> Iterator[tuple[Path, Scalar | None, Node]]:
    """Every (path, key or None for a list item, value) below `node`, parents first."""
    if isinstance(node, Mapping):
        for key, value in node.entries:
            here = (*path, key.value or "")
            yield here, key, value
            yield from walk(value, here)
    elif isinstance(node, Sequence):
        for index, value in enumerate(node.items):
            here = (*path, index)
            yield here, None, value
            yield from walk(value, here)


class Layout(Protocol):
    items: list[Item]

    def own_line(self, comment: Comment, previous: Item | None, following: Item | None) -> Place:
        """Where a plain comment alone on its line goes, given the items around it."""

    def trailing_fallback(self, comment: Comment, previous: Item | None) -> Place:
        """Where a plain comment goes that ends a line on which no item starts."""


def _key(item: Item) -> tuple[int, int, int]:
    assert item.visual is not None
    return (item.visual[0], item.visual[1], len(item.path))


def attach(source: str, found: list[Comment], layout: Layout) -> Comments:
    """Give every comment of the file to an item (see the module docs of `comments`)."""
    lines = source.split("\n")
    shown = sorted((i for i in layout.items if i.visual is not None), key=_key)
    keys = [_key(item) for item in shown]
    by_value_line: dict[int, list[Path]] = {}
    for item in layout.items:
        by_value_line.setdefault(item.value_line, []).append(item.path)
    first_on_line: dict[int, Item] = {}
    for item in shown:
        assert item.visual is not None
        first_on_line.setdefault(item.visual[0], item)
    notes = Comments()
    for comment in found:
        counts = comment_start(lines[comment.line - 1]) == comment.col - 1
        covered = comment.line + 1 if comment.own_line else comment.line
        targets = by_value_line.get(covered, []) if counts else []
        place: Place | None = None
        for text in [comment.text] if comment.own_line else _parts(comment.text):
            if targets and is_directive(text):
                for path in targets:
                    notes.add(path, "sup_before" if comment.own_line else "sup_after", text)
                continue
            place = place or _place(comment, shown, keys, first_on_line, layout)
            notes.add(place[1], place[0], text)
    return notes


def _parts(text: str) -> list[str]:
    """The comments fmt wrote together at the end of one line (`# note  # tradeplan: ...`),
    apart again: a note and a suppression on one line may belong to different items."""
    return _JOINED.split(text)


def _place(
    comment: Comment,
    shown: list[Item],
    keys: list[tuple[int, int, int]],
    first_on_line: dict[int, Item],
    layout: Layout,
) -> Place:
    at = bisect_left(keys, (comment.line, comment.col, 0))
    previous = shown[at - 1] if at else None
    after = bisect_left(keys, (comment.line + 1, 0, 0))
    following = shown[after] if after < len(shown) else None
    if comment.own_line:
        if previous is None:
            return ("before", DOCUMENT)
        return layout.own_line(comment, previous, following)
    first = first_on_line.get(comment.line)
    if first is not None:
        return ("after", first.path)
    return layout.trailing_fallback(comment, previous)
