"""The report a person reads in a terminal: location, message, the quoted line, a caret, a hint.

The caret must land under the right character however the line is written, so the quoted line is
re-rendered here (tabs expanded, wide characters counted as two cells, control characters made
visible) rather than trusting the terminal to lay it out the way the column count assumes.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import ClassVar

from tradeplan.diagnostics.model import Diagnostic, Severity, Span
from tradeplan.diagnostics.results import FileResult
from tradeplan.diagnostics.secrets import mask_line
from tradeplan.reporting.formatters.base import Formatter, Summary, ordered, plural

TAB_SIZE = 4
_SHOWN_INSTEAD = "\N{REPLACEMENT CHARACTER}"
# Control, format (bidi overrides, zero-width joiners), surrogate and separator characters could
# move the cursor, reorder the line or hide text, so they are shown as one visible cell instead.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_BLUE = "\x1b[34m"
_CYAN = "\x1b[36m"
_GREEN = "\x1b[32m"
_SEVERITY_COLOUR = {
    Severity.ERROR: "\x1b[31m",
    Severity.WARNING: "\x1b[33m",
    Severity.INFO: "\x1b[36m",
}


def _cell(char: str, column: int) -> tuple[str, int]:
    """What to print for one character that starts at `column`, and how many cells it takes."""
    if char == "\t":
        width = TAB_SIZE - column % TAB_SIZE
        return " " * width, width
    category = unicodedata.category(char)
    if category in _HIDDEN_CATEGORIES:
        return _SHOWN_INSTEAD, 1
    if category in ("Mn", "Me"):
        return char, 0
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return char, 2
    return char, 1


def _layout(line: str) -> tuple[str, list[int]]:
    """The line as it will be printed, and the cell where each of its characters starts.

    The start list has one extra entry: the cell just after the last character.
    """
    shown: list[str] = []
    starts: list[int] = []
    column = 0
    for char in line:
        text, width = _cell(char, column)
        shown.append(text)
        starts.append(column)
        column += width
    starts.append(column)
    return "".join(shown), starts


def caret_line(line: str, span: Span) -> tuple[str, str]:
    """The printable source line and the `^~~~` line under the span's columns.

    A column past the end of the line points just after its last character; a span that runs
    onto later lines gets a single caret at its start.
    """
    shown, starts = _layout(line)
    first = min(max(span.col - 1, 0), len(line))
    width = 1
    if span.end_line == span.line and span.end_col > span.col:
        last = min(span.end_col - 1, len(line))
        width = max(starts[last] - starts[first], 1) if last > first else 1
    return shown, " " * starts[first] + "^" + "~" * (width - 1)


def _printable(text: str) -> str:
    """Messages quote user text (key names, values); keep escape sequences out of the terminal."""
    return "".join(
        _SHOWN_INSTEAD if unicodedata.category(c) in _HIDDEN_CATEGORIES and c != "\t" else c
        for c in text
    )


class HumanFormatter(Formatter):
    """`path:line:col: severity CODE message`, the quoted line with a caret, then any hint."""

    name: ClassVar[str] = "human"

    def __init__(self, color: bool = False) -> None:
        self.color = color

    def _paint(self, text: str, *styles: str) -> str:
        if not self.color or not styles:
            return text
        return "".join(styles) + text + _RESET

    def format(self, results: Sequence[FileResult]) -> str:
        out: list[str] = []
        for result in results:
            lines = result.source.split("\n") if result.source is not None else None
            for diagnostic in ordered(result):
                out.extend(self._block(result.path, lines, diagnostic))
        out.append(self._summary(Summary.of(results)))
        return "\n".join(out) + "\n"

    def _block(self, path: str, lines: list[str] | None, d: Diagnostic) -> list[str]:
        span = d.span
        colour = _SEVERITY_COLOUR[d.severity]
        head = (
            self._paint(f"{_printable(path)}:{span.line}:{span.col}:", _BOLD)
            + " "
            + self._paint(d.severity.value, _BOLD, colour)
            + " "
            + self._paint(d.code, _BOLD)
            + " "
            + _printable(d.message)
        )
        block = [head]
        if lines is not None and 1 <= span.line <= len(lines):
            text, carets = caret_line(mask_line(lines[span.line - 1].removesuffix("\r")), span)
            number = str(span.line)
            block.append((self._paint(f" {number} |", _BLUE) + " " + text).rstrip())
            block.append(
                self._paint(" " * (len(number) + 1) + " |", _BLUE)
                + " "
                + " " * (len(carets) - len(carets.lstrip()))
                + self._paint(carets.lstrip(), colour)
            )
        if d.hint:
            block.append("  " + self._paint("hint:", _BOLD, _CYAN) + " " + _printable(d.hint))
        block.append("")
        return block

    def _summary(self, s: Summary) -> str:
        if s.total == 0:
            if s.files == 0:
                return "No files checked."
            text = "1 file clean." if s.files == 1 else f"All {s.files} files clean."
            return self._paint(text, _BOLD, _GREEN)
        parts = [
            plural(n, word, words)
            for n, word, words in (
                (s.errors, "error", None),
                (s.warnings, "warning", None),
                (s.infos, "info", "info"),
            )
            if n
        ]
        text = f"{', '.join(parts)} in {plural(s.files, 'file')}"
        if s.errors:
            return self._paint(text, _BOLD, _SEVERITY_COLOUR[Severity.ERROR])
        if s.warnings:
            return self._paint(text, _BOLD, _SEVERITY_COLOUR[Severity.WARNING])
        return self._paint(text, _BOLD)
