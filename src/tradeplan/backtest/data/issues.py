"""How a data file's problems are collected and worded.

A bad file should be fixed in one pass, so the parsers and the checks add every problem they
find to one `_IssueLog` (the first MAX_PER_CHECK of each kind, the rest counted) and raise once.
The small helpers here word values and times the same way in every message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import numpy as np
from numpy.typing import NDArray

from tradeplan.backtest.data.model import I64, DataError, DataIssue
from tradeplan.core.epoch import datetime_from_ns
from tradeplan.diagnostics import Severity, Span

MAX_PER_CHECK: Final = 50  # issues collected per kind of problem, the rest counted


class _IssueLog:
    """Collects errors per kind, keeping the first MAX_PER_CHECK and counting the rest."""

    def __init__(self, source: str, spoiled: NDArray[np.bool_] | None = None) -> None:
        self.source = source
        self.spoiled = spoiled  # rows whose fields could not be read: not checked further
        self.items: list[DataIssue] = []
        self.counts: dict[str, int] = {}
        self.examples: dict[str, DataIssue] = {}

    def add(self, kind: str, line: int, row: int, col: int, message: str) -> None:
        count = self.counts.get(kind, 0) + 1
        self.counts[kind] = count
        if count <= MAX_PER_CHECK:
            self.items.append(_issue(Span(self.source, line, col), message, row))

    def add_rows(
        self,
        kind: str,
        rows: NDArray[np.intp],
        line_no: I64,
        column: Callable[[int], int],
        message: Callable[[int], str],
    ) -> None:
        if self.spoiled is not None:
            rows = rows[~self.spoiled[rows]]
        for r in rows[:MAX_PER_CHECK].tolist():
            self.add(kind, int(line_no[r]), r + 1, column(r), message(r))
        extra = rows.size - min(rows.size, MAX_PER_CHECK)
        if extra:
            self.counts[kind] = self.counts.get(kind, 0) + extra

    def raise_if_any(self) -> None:
        if not self.items:
            return
        issues = sorted(self.items, key=lambda i: (i.span.line, i.span.col))
        hidden = sum(max(0, c - MAX_PER_CHECK) for c in self.counts.values())
        if hidden:
            last = issues[-1].span
            issues.append(
                _issue(
                    Span(self.source, last.line, 1),
                    f"{hidden:,} more rows have the same problems (only the first "
                    f"{MAX_PER_CHECK} of each kind are listed)",
                )
            )
        raise DataError(issues)


_SHOWN: Final = 40  # characters of a bad value quoted in a message


def _shown(text: str, *, ticks: bool = False) -> str:
    """A bad value as quoted in a message: in full when short, else its start and its length."""
    short = text if len(text) <= _SHOWN else text[: _SHOWN - 10]
    quoted = f"`{short}`" if ticks else repr(short)
    return quoted if short is text else f"{quoted}... ({len(text):,} characters)"


def _iso(ns: int) -> str:
    return datetime_from_ns(ns).isoformat()


def _issue(
    span: Span, message: str, row: int | None = None, severity: Severity = Severity.ERROR
) -> DataIssue:
    return DataIssue(severity, message, span, row)
