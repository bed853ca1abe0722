"""`# tradeplan: ignore[CODE]` comments: let a user accept a finding where they decided to.

Both file forms use `#` comments, so one line scanner serves both. It only has to tell a comment
from a `#` inside a quoted string or inside a plain YAML word (`a#b` is not a comment in YAML).
Syntax (TP0xx) and internal (TP9xx) errors are never suppressed: the file could not be checked,
so an ignore comment must not hide that.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from tradeplan.diagnostics.codes import BY_NAME, CODES
from tradeplan.diagnostics.model import Diagnostic

_DIRECTIVE = re.compile(r"tradeplan:\s*ignore(?P<file>-file)?\[(?P<codes>[^\]]*)\]", re.IGNORECASE)
_UNSUPPRESSIBLE_PREFIXES = ("TP0", "TP9")
# A quote opens a string only where a value can start; elsewhere (`don't`) it is a plain letter.
_OPENS_VALUE = frozenset(" \t[{(,:=-")


def comment_start(line: str) -> int | None:
    """Index of the `#` that starts the line's comment, or None when the line has no comment."""
    i, n = 0, len(line)
    while i < n:
        char = line[i]
        if char == "#" and (i == 0 or line[i - 1] in " \t"):
            return i
        if char in "\"'" and (i == 0 or line[i - 1] in _OPENS_VALUE):
            close = _closing_quote(line, i)
            if close is not None:
                i = close + 1
                continue
        i += 1
    return None


def _closing_quote(line: str, start: int) -> int | None:
    """Where the string opened at `start` closes on this line; None leaves the quote literal."""
    quote, i = line[start], start + 1
    while i < len(line):
        char = line[i]
        if quote == '"' and char == "\\":
            i += 2
            continue
        if char == quote:
            if quote == "'" and line[i + 1 : i + 2] == "'":  # YAML's '' is an escaped quote
                i += 2
                continue
            return i
        i += 1
    return None


def _resolve(words: str) -> set[str]:
    """Codes named in `ignore[...]`, by code (`TP402`) or by name (`no-stop-loss`)."""
    codes: set[str] = set()
    for word in words.split(","):
        word = word.strip()
        if word.upper() in CODES:
            codes.add(word.upper())
        elif word.lower() in BY_NAME:
            codes.add(BY_NAME[word.lower()].code)
    return codes


@dataclass(slots=True)
class Suppressions:
    """What a file's comments suppress: per line, and for the whole file."""

    by_line: dict[int, set[str]] = field(default_factory=dict)
    whole_file: set[str] = field(default_factory=set)

    def covers(self, diagnostic: Diagnostic) -> bool:
        code = diagnostic.code
        if code.startswith(_UNSUPPRESSIBLE_PREFIXES):
            return False
        return code in self.whole_file or code in self.by_line.get(diagnostic.span.line, ())


def find_suppressions(source: str) -> Suppressions:
    """Read every ignore comment: a trailing one covers its own line, one alone on a line covers
    that line and the next one."""
    found = Suppressions()
    if _DIRECTIVE.search(source) is None:  # the common case: one quick pass, nothing to do
        return found
    for number, line in enumerate(source.split("\n"), start=1):
        start = comment_start(line)
        if start is None:
            continue
        for match in _DIRECTIVE.finditer(line, start):
            codes = _resolve(match.group("codes"))
            if match.group("file"):
                found.whole_file |= codes
                continue
            found.by_line.setdefault(number, set()).update(codes)
            if not line[:start].strip():
                found.by_line.setdefault(number + 1, set()).update(codes)
    return found


def apply_suppressions(source: str, diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """The diagnostics no ignore comment in `source` covers, in their original order."""
    suppressions = find_suppressions(source)
    return [d for d in diagnostics if not suppressions.covers(d)]
