"""Lines of fmt output with the comments of their items, shared by the YAML and text writers.

A writer says, for each line it writes, which item owns the line (its plain comments go above
and at the end of the line) and which items' values start on it (their suppressions go there,
so they cover the same findings as before). A suppression comment that covered nothing in the
input must not start to cover something: it is written alone on its line with a blank line
below it.
"""

from __future__ import annotations

from collections.abc import Iterable

from tradeplan.lang.comments import Comments, Path, is_directive

_CODE, _NOTE, _IDLE, _BLANK = "code", "note", "idle", "blank"


def unique(texts: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for text in texts:
        if text not in seen:
            seen.append(text)
    return seen


class Out:
    def __init__(self, notes: Comments) -> None:
        self.notes = notes
        self.rows: list[tuple[str, str]] = []

    def __len__(self) -> int:
        return len(self.rows)

    def code(
        self,
        indent: str,
        text: str,
        owner: Path | None = None,
        values: Iterable[Path] = (),
        also_after: Iterable[str] = (),
    ) -> None:
        """One line; `owner`'s plain comments go around it and the suppressions of the items
        in `values` (whose values start on this line) above and after it."""
        plain_before: list[str] = []
        plain_after: list[str] = []
        if owner is not None:
            own = self.notes.of(owner)
            plain_before = list(own.before)
            plain_after = list(own.after)
        plain_after.extend(also_after)
        idle_after = [t for t in plain_after if is_directive(t)]
        self.comments(indent, [*plain_before, *idle_after])
        starts = [self.notes.of(path) for path in values]
        for above in unique(t for n in starts for t in n.sup_before):
            self.rows.append((_NOTE, indent + above))
        # Plain comments first, then suppressions: the order a reader of the line finds them
        # in again, whichever items they belong to.
        trailing = unique(
            [
                *(t for t in plain_after if not is_directive(t)),
                *(t for n in starts for t in n.sup_after),
            ]
        )
        line = indent + text
        if trailing:
            line = f"{line}  {'  '.join(trailing)}"
        self.rows.append((_CODE, line))

    def comments(self, indent: str, texts: Iterable[str]) -> None:
        """Plain comments, each alone on its line."""
        for text in texts:
            self.rows.append((_IDLE if is_directive(text) else _NOTE, indent + text))

    def end(self, indent: str, path: Path) -> None:
        self.comments(indent, self.notes.of(path).end)

    def blank(self) -> None:
        self.rows.append((_BLANK, ""))

    def extend(self, other: Out) -> None:
        self.rows.extend(other.rows)

    def lines(self) -> list[str]:
        out: list[str] = []
        for number, (kind, text) in enumerate(self.rows):
            out.append(text)
            following = self.rows[number + 1][0] if number + 1 < len(self.rows) else None
            if kind == _IDLE and following == _CODE:
                out.append("")
        return out

    def render(self) -> str:
        return "\n".join(self.lines()) + "\n"
