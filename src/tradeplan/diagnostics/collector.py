"""A small accumulator so checks say `report("TP101", span, msg)` and never build codes by hand."""

from __future__ import annotations

from tradeplan.diagnostics.codes import CODES
from tradeplan.diagnostics.model import Diagnostic, Severity, Span


class Collector:
    """Collects every finding; checks never stop at the first one."""

    __slots__ = ("items",)

    def __init__(self) -> None:
        self.items: list[Diagnostic] = []

    def report(
        self,
        code: str,
        span: Span,
        message: str,
        hint: str | None = None,
        severity: Severity | None = None,
    ) -> None:
        info = CODES[code]
        self.items.append(
            Diagnostic(code, info.name, severity or info.severity, message, span, hint)
        )

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.items)

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.items, key=lambda d: d.sort_key)
