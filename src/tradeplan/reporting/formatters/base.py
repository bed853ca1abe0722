"""The contract every `tradeplan lint --format` output follows, and the counts they share.

One class per format keeps each output readable on its own and lets a new format arrive without
touching the others or the CLI (sqlfluff's long if/elif of formats is what this avoids).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from tradeplan.diagnostics.model import Diagnostic, Severity
from tradeplan.diagnostics.results import FileResult


class Formatter(ABC):
    """Renders the results of one lint run as the complete text to write to stdout."""

    name: ClassVar[str]

    @abstractmethod
    def format(self, results: Sequence[FileResult]) -> str:
        """Return the whole report; it ends with a newline unless it is empty."""


@dataclass(frozen=True, slots=True)
class Summary:
    """Counts over a whole run; `files` counts every file checked, clean or not."""

    files: int
    errors: int
    warnings: int
    infos: int

    @classmethod
    def of(cls, results: Sequence[FileResult]) -> Summary:
        counts = dict.fromkeys(Severity, 0)
        for result in results:
            for diagnostic in result.diagnostics:
                counts[diagnostic.severity] += 1
        return cls(
            files=len(results),
            errors=counts[Severity.ERROR],
            warnings=counts[Severity.WARNING],
            infos=counts[Severity.INFO],
        )

    @property
    def total(self) -> int:
        return self.errors + self.warnings + self.infos


def ordered(result: FileResult) -> list[Diagnostic]:
    """Diagnostics in reading order, so every format lists a file top to bottom."""
    return sorted(result.diagnostics, key=lambda d: (d.span.line, d.span.col, d.code))


def plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count} {word if count == 1 else (words or word + 's')}"
