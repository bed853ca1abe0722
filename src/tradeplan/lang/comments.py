"""The comments of a strategy file, attached to the items they belong to, for `tradeplan fmt`.

The readers drop comments (a plan never needs them), but fmt must write every one back. A
comment is attached to an item by the item's path in the document tree (`("grid",
"stop_loss")`, `("entries", 0)`), never by line number: the two forms lay the same items out on
different lines, and fmt reorders keys.

Two kinds of comment are kept apart. A plain comment belongs where a reader sees it: above an
item, after it on its line, or at the end of a block. A suppression comment
(`# tradeplan: ignore[TP402]`) works by line: it covers the line a finding is reported on, and
findings are reported where a value starts. So a suppression is attached to every item whose
value starts on a line it covers, and the writers put it on the line where that value starts
in the output, whatever the layout there.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

Path = tuple[str | int, ...]
DOCUMENT: Path = ()
"""The path of the whole document: its `before` is the top of the file, its `end` the end."""

_LINE_DIRECTIVE = re.compile(r"tradeplan:\s*ignore\[", re.IGNORECASE)


def is_directive(text: str) -> bool:
    """Does this comment suppress findings on a line (`ignore[...]`, not `ignore-file[...]`)?"""
    return _LINE_DIRECTIVE.search(text) is not None


def _add_new(into: list[str], texts: Iterable[str]) -> None:
    for text in texts:
        if text not in into:
            into.append(text)


@dataclass(slots=True)
class Notes:
    """The comments of one item (or of the document, at path `()`)."""

    before: list[str] = field(default_factory=list)
    """Plain comments on their own lines above the item."""
    after: list[str] = field(default_factory=list)
    """Plain comments at the end of the item's line."""
    end: list[str] = field(default_factory=list)
    """Plain comments on their own lines at the end of the item's block (mapping or list)."""
    sup_before: list[str] = field(default_factory=list)
    """Suppressions alone on the line above the line where the item's value starts."""
    sup_after: list[str] = field(default_factory=list)
    """Suppressions at the end of the line where the item's value starts."""

    def has_plain(self) -> bool:
        return bool(self.before or self.after or self.end)

    def merge(self, inner: Notes) -> None:
        """Take in the notes of an item that is written in this one's place (`grids: [x]`
        written as `grid: x`): this one's comments stay outside the inner one's."""
        self.before.extend(inner.before)
        self.after.extend(inner.after)
        self.end[:0] = inner.end
        _add_new(self.sup_before, inner.sup_before)
        _add_new(self.sup_after, inner.sup_after)

    def texts(self) -> list[str]:
        return [*self.before, *self.after, *self.end, *self.sup_before, *self.sup_after]


_NONE = Notes()


class Comments:
    """Notes by path. Reading an item without comments gives an empty Notes."""

    def __init__(self, by_path: dict[Path, Notes] | None = None) -> None:
        self.by_path: dict[Path, Notes] = by_path if by_path is not None else {}

    def of(self, path: Path) -> Notes:
        """The notes of `path`, for reading only."""
        return self.by_path.get(path, _NONE)

    def at(self, path: Path) -> Notes:
        """The notes of `path`, created when missing, for adding to."""
        found = self.by_path.get(path)
        if found is None:
            found = self.by_path[path] = Notes()
        return found

    def add(self, path: Path, where: str, text: str) -> None:
        """Add a comment; a suppression is added once per item and place."""
        notes: list[str] = getattr(self.at(path), where)
        if where.startswith("sup_"):
            _add_new(notes, [text])
        else:
            notes.append(text)

    def moved(self, move: Callable[[Path], Path]) -> Comments:
        """The same notes under new paths; notes that land on one path are merged, the outer
        (shorter) path's first."""
        result = Comments()
        for path in sorted(self.by_path, key=len):
            target = result.at(move(path))
            target.merge(self.by_path[path])
        return result

    def texts(self) -> list[str]:
        return [text for notes in self.by_path.values() for text in notes.texts()]

    def __bool__(self) -> bool:
        return any(n.texts() for n in self.by_path.values())
