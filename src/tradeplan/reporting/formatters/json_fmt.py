"""Every finding as JSON for scripts and editors; keys keep one order so outputs diff cleanly."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import ClassVar

from tradeplan.diagnostics.results import FileResult
from tradeplan.reporting.formatters.base import Formatter, Summary, ordered

JsonValue = str | int | None


class JsonFormatter(Formatter):
    """`{"diagnostics": [...], "summary": {...}}`; lines and columns are 1-based, ends exclusive."""

    name: ClassVar[str] = "json"

    def format(self, results: Sequence[FileResult]) -> str:
        diagnostics: list[dict[str, JsonValue]] = [
            {
                "file": result.path,
                "line": d.span.line,
                "column": d.span.col,
                "end_line": d.span.end_line,
                "end_column": d.span.end_col,
                "severity": d.severity.value,
                "code": d.code,
                "name": d.name,
                "message": d.message,
                "hint": d.hint,
            }
            for result in results
            for d in ordered(result)
        ]
        summary = Summary.of(results)
        document = {
            "diagnostics": diagnostics,
            "summary": {
                "files": summary.files,
                "errors": summary.errors,
                "warnings": summary.warnings,
                "info": summary.infos,
            },
        }
        return json.dumps(document, indent=2) + "\n"
