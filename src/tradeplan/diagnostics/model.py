"""Span and Diagnostic: the currency every check, formatter and editor integration trades in."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum


class Severity(Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]


@dataclass(frozen=True, slots=True)
class Span:
    """A place in a file: 1-based line and column, end exclusive, as editors count them."""

    file: str
    line: int
    col: int
    end_line: int = 0
    end_col: int = 0

    def __post_init__(self) -> None:
        if self.end_line == 0:
            object.__setattr__(self, "end_line", self.line)
        if self.end_col == 0:
            object.__setattr__(self, "end_col", self.col + 1)

    def shifted(self, line_delta: int, col_delta: int) -> Span:
        return replace(
            self,
            line=self.line + line_delta,
            col=self.col + col_delta,
            end_line=self.end_line + line_delta,
            end_col=self.end_col + (col_delta if self.end_line == self.line else 0),
        )


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    name: str
    severity: Severity
    message: str
    span: Span
    hint: str | None = None

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.span.file, self.span.line, self.span.col, self.code)
