"""The lines of a file as an editor numbers them, for keeping every span inside the file.

Parsers report places the file does not have: libyaml ends every stream on a line of its own
(one past the last line when the file has no final line break, and one past the line break when
it has), and "the character after the last one" is one column past a line's end. An editor
cannot jump there, and a caret drawn there points at nothing. `FileLines` moves such a place to
the nearest one that exists.
"""

from __future__ import annotations

from tradeplan.diagnostics.model import Span


class FileLines:
    """Line `n` (1-based) has columns 1 .. len + 1; the last column is the place just after
    the line's last character, where a missing `)` or value would be typed. A final line break
    does not start a line of its own."""

    __slots__ = ("file", "lines")

    def __init__(self, text: str, file: str) -> None:
        self.file = file
        self.lines = text.split("\n")
        if len(self.lines) > 1 and self.lines[-1] == "":
            self.lines.pop()

    @property
    def count(self) -> int:
        return len(self.lines)

    def text(self, line: int) -> str:
        """Line `line` (1-based), or "" for a line the file does not have."""
        return self.lines[line - 1] if 1 <= line <= len(self.lines) else ""

    def place(self, line: int, col: int) -> tuple[int, int]:
        """The nearest existing place: past the last line is the end of the last line."""
        if line > len(self.lines):
            return len(self.lines), len(self.lines[-1]) + 1
        line = max(line, 1)
        return line, min(max(col, 1), len(self.lines[line - 1]) + 1)

    def end_before(self, line: int, col: int) -> tuple[int, int]:
        """An end position given as "the start of the next line" (as libyaml ends blocks),
        moved back to just after the last character of the last non-blank line before it."""
        line, col = self.place(line, col)
        if col > 1:
            return line, col
        while line > 1 and not self.lines[line - 2].strip():
            line -= 1
        if line == 1:
            return line, col
        return line - 1, len(self.lines[line - 2]) + 1

    def point(self, line: int, col: int) -> Span:
        """A one-character span at a place; at a line's end (nothing to cover) it is empty."""
        line, col = self.place(line, col)
        end = col + 1 if col <= len(self.lines[line - 1]) else col
        return Span(self.file, line, col, line, end)

    def span(self, line: int, col: int, end_line: int, end_col: int) -> Span:
        """A span moved inside the file, ending no earlier than it starts."""
        line, col = self.place(line, col)
        end_line, end_col = self.end_before(end_line, end_col)
        if (end_line, end_col) < (line, col):
            end_line, end_col = line, col
        return Span(self.file, line, col, end_line, end_col)


__all__ = ["FileLines"]
