"""Finding the comments of a text-form strategy and the items they belong to.

A `#` outside a quoted string starts a comment (a plain word cannot hold `#`). Braces say which
block a comment alone on its line ends. The text form has no line for the `entries` and
`grids` lists themselves, so blank lines tell their comments apart from the first item's: a
comment block directly above the first `entry` belongs to that entry, one set off from it by a
blank line belongs to the list, and one directly below the list's last item, with a blank line
after it, ends the list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tradeplan.lang.comments import DOCUMENT, Comments, Path
from tradeplan.lang.comments_attach import Comment, Item, Place, attach, walk
from tradeplan.lang.nodes import Mapping, Node, Scalar, Sequence

_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
LISTS = ("entries", "grids")


@dataclass(frozen=True, slots=True)
class _Block:
    opened: tuple[int, int]
    closed: tuple[int, int]
    owner: Path


def text_comments(source: str, tree: Node) -> Comments:
    lines = source.split("\n")
    found, opens, closes = _scan(lines)
    return attach(source, found, _TextLayout(lines, tree, opens, closes))


def _scan(
    lines: list[str],
) -> tuple[list[Comment], list[tuple[int, int]], list[tuple[int, int]]]:
    """Comments, and the positions of `{` and `}`, outside quoted strings."""
    found: list[Comment] = []
    braces: list[tuple[int, int, str]] = []
    for number, line in enumerate(lines, start=1):
        i = 0
        while i < len(line):
            char = line[i]
            if char == '"':
                match = _STRING.match(line, i)
                i = match.end() if match else len(line)
                continue
            if char == "#":
                found.append(Comment(number, i + 1, line[i:].rstrip(), not line[:i].strip()))
                break
            if char in "{}":
                braces.append((number, i + 1, char))
            i += 1
    opens = [(n, c) for n, c, ch in braces if ch == "{"]
    closes = [(n, c) for n, c, ch in braces if ch == "}"]
    return found, opens, closes


def _pairs(
    opens: list[tuple[int, int]], closes: list[tuple[int, int]]
) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    events = sorted([(p, "{") for p in opens] + [(p, "}") for p in closes])
    stack: list[tuple[int, int]] = []
    pairs = []
    for position, char in events:
        if char == "{":
            stack.append(position)
        elif stack:
            pairs.append((stack.pop(), position))
    return pairs


class _TextLayout:
    def __init__(
        self,
        lines: list[str],
        tree: Node,
        opens: list[tuple[int, int]],
        closes: list[tuple[int, int]],
    ) -> None:
        self.lines = lines
        self.items: list[Item] = []
        for path, key, value in walk(tree):
            self.items.append(Item(path, value, self._visual(key, value)))
        self.paths = {item.path for item in self.items}
        self.collections: dict[int, list[Item]] = {}  # by line: items holding a block
        for item in self.items:
            if item.visual is not None and isinstance(item.value, Mapping | Sequence):
                self.collections.setdefault(item.visual[0], []).append(item)
        self.blocks = [
            _Block(opened, closed, self._owner(opened)) for opened, closed in _pairs(opens, closes)
        ]
        self.list_ends: dict[int, Path] = {}  # line -> the list whose last item ends there
        for item in self.items:
            if len(item.path) >= 2 and item.path[-2] in LISTS and self._is_last(item.path):
                self.list_ends.setdefault(item.value.span.end_line, item.path[:-1])

    def _visual(self, key: Scalar | None, value: Node) -> tuple[int, int] | None:
        if key is None or isinstance(value, Scalar):
            start = key.span if key is not None and self._written(key) else value.span
            return (start.line, start.col)
        if self._written(key):
            return (key.span.line, key.span.col)
        return None  # `entries`, `grids`, an entry's loose `exits`, the header's instrument

    def _written(self, key: Scalar) -> bool:
        """Is the key itself in the file (not made up by the reader, like `entries`)?"""
        span = key.span
        if span.line != span.end_line:
            return False
        return self.lines[span.line - 1][span.col - 1 : span.end_col - 1] == key.value

    def _is_last(self, path: Path) -> bool:
        index = path[-1]
        return isinstance(index, int) and (*path[:-1], index + 1) not in self.paths

    def _owner(self, opened: tuple[int, int]) -> Path:
        """The item a `{` opens the block of: the last one holding a block that starts before
        the brace on its line."""
        before = [
            i for i in self.collections.get(opened[0], []) if i.visual and i.visual[1] < opened[1]
        ]
        if not before:
            return DOCUMENT
        return max(before, key=lambda i: i.visual or (0, 0)).path

    def _inside(self, line: int) -> _Block | None:
        around = [b for b in self.blocks if b.opened[0] < line < b.closed[0]]
        return max(around, key=lambda b: b.opened) if around else None

    def _blank(self, number: int) -> bool:
        return not 1 <= number <= len(self.lines) or not self.lines[number - 1].strip()

    def _comment_only(self, number: int) -> bool:
        return 1 <= number <= len(self.lines) and self.lines[number - 1].lstrip().startswith("#")

    def own_line(self, comment: Comment, previous: Item | None, following: Item | None) -> Place:
        block = self._inside(comment.line)
        if following is not None and block is not None:
            assert following.visual is not None
            if following.visual >= block.closed:
                following = None
        first = last = comment.line
        while self._comment_only(first - 1):
            first -= 1
        while self._comment_only(last + 1):
            last += 1
        ends_list = self._ends_list(first - 1)
        if following is None:
            if ends_list is not None:
                return ("end", ends_list)
            return ("end", block.owner if block is not None else DOCUMENT)
        if not self._blank(last + 1):
            return ("before", following.path)
        if ends_list is not None:
            return ("end", ends_list)
        if following.path[-1] == 0 and len(following.path) >= 2 and following.path[-2] in LISTS:
            return ("before", following.path[:-1])
        return ("before", following.path)

    def _ends_list(self, line: int) -> Path | None:
        """The list whose last item ends on `line`, if any."""
        return None if self._blank(line) else self.list_ends.get(line)

    def trailing_fallback(self, comment: Comment, previous: Item | None) -> Place:
        closing = [
            b for b in self.blocks if b.closed[0] == comment.line and b.closed[1] < comment.col
        ]
        if closing:
            return ("end", max(closing, key=lambda b: b.closed).owner)
        if previous is None:
            return ("before", DOCUMENT)
        return ("after", previous.path)
