"""Finding the comments of a YAML strategy and the items they belong to.

PyYAML drops comments, but its scanner gives the exact extent of every token: a `#` after a
space that no token covers starts a comment. In YAML, indentation says which block a comment
alone on its line ends: one indented like the keys of the block above belongs to that block's
end, one indented like the next key belongs above that key.
"""

from __future__ import annotations

from bisect import bisect_right

import yaml

from tradeplan.lang.comments import DOCUMENT, Comments, Path
from tradeplan.lang.comments_attach import Comment, Item, Place, attach, walk
from tradeplan.lang.nodes import Mapping, Node, Sequence
from tradeplan.lang.yaml_reader import _ODD_BREAKS


def yaml_comments(source: str, tree: Node) -> Comments:
    text = source.translate(_ODD_BREAKS)
    tokens = list(yaml.scan(text, Loader=yaml.SafeLoader))
    covered = sorted(_extent(text, t) for t in tokens if t.end_mark.index > t.start_mark.index)
    dashes = sorted(
        (t.start_mark.line + 1, t.start_mark.column + 1)
        for t in tokens
        if isinstance(t, yaml.BlockEntryToken)
    )
    return attach(text, _comments(text, covered), _YamlLayout(text, tree, dashes))


def _extent(text: str, token: yaml.Token) -> tuple[int, int]:
    """Where a token stands; a block scalar (`|`, `>`) from the line after its indicator, which
    may carry a comment."""
    start, end = token.start_mark.index, token.end_mark.index
    if isinstance(token, yaml.ScalarToken) and token.style in ("|", ">"):
        start = min(end, text.find("\n", start) + 1 or end)
    return start, end


def _comments(text: str, covered: list[tuple[int, int]]) -> list[Comment]:
    starts = [start for start, _ in covered]
    found: list[Comment] = []
    offset = 0
    for number, line in enumerate(text.split("\n"), start=1):
        col = line.find("#")
        while col != -1:
            at = offset + col
            inside = bisect_right(starts, at) - 1
            free = inside < 0 or covered[inside][1] <= at
            if free and (col == 0 or line[col - 1] in " \t"):
                found.append(Comment(number, col + 1, line[col:].rstrip(), not line[:col].strip()))
                break
            col = line.find("#", col + 1)
        offset += len(line) + 1
    return found


class _YamlLayout:
    def __init__(self, text: str, tree: Node, dashes: list[tuple[int, int]]) -> None:
        lines = text.split("\n")
        self.items: list[Item] = []
        self.columns: dict[Path, int] = {}  # a block collection's path -> its items' column
        self._column(DOCUMENT, tree, lines)
        for path, key, value in walk(tree):
            self._column(path, value, lines)
            visual = (value.span.line, value.span.col)
            if key is not None:
                visual = (key.span.line, key.span.col)
            elif path[:-1] in self.columns:  # an item of a block list starts at its `-`
                visual = _dash(dashes, visual, self.columns[path[:-1]])
            self.items.append(Item(path, value, visual))

    def _column(self, path: Path, node: Node, lines: list[str]) -> None:
        if not isinstance(node, Mapping | Sequence) or not _items(node):
            return
        span = node.span
        if lines[span.line - 1][span.col - 1 : span.col] not in ("{", "["):
            self.columns[path] = span.col

    def own_line(self, comment: Comment, previous: Item | None, following: Item | None) -> Place:
        assert previous is not None
        path = previous.path
        for depth in range(len(path) - 1, -1, -1):
            block = path[:depth]
            if following is not None and following.path[:depth] == block:
                break  # this block and those around it go on after the comment
            column = self.columns.get(block)
            if column is not None and column <= comment.col:
                return ("end", block)
        if following is None:
            return ("end", DOCUMENT)
        return ("before", following.path)

    def trailing_fallback(self, comment: Comment, previous: Item | None) -> Place:
        if previous is None:
            return ("before", DOCUMENT)
        return ("after", previous.path)


def _items(node: Mapping | Sequence) -> int:
    return len(node.entries) if isinstance(node, Mapping) else len(node.items)


def _dash(dashes: list[tuple[int, int]], start: tuple[int, int], column: int) -> tuple[int, int]:
    """Where the `-` of a block list item stands: the last one in the list's column at or
    before the item's value."""
    at = bisect_right(dashes, start) - 1
    while at >= 0 and dashes[at][1] != column:
        at -= 1
    return dashes[at] if at >= 0 else start
