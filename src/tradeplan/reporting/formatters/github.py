"""GitHub Actions workflow commands, which the runner turns into annotations on the pull request.

The escaping follows the runner's own rules (actions/toolkit `command.ts`): data escapes `%`, CR
and LF; property values also escape `:` and `,`, which would otherwise end the value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from tradeplan.diagnostics.model import Diagnostic, Severity
from tradeplan.diagnostics.results import FileResult
from tradeplan.reporting.formatters.base import Formatter, ordered

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(path: str, d: Diagnostic) -> str:
    """One `::error file=...::message` line.

    Columns are given only for a span on one line: GitHub accepts columns only when the
    annotation starts and ends on the same line.
    """
    span = d.span
    props: list[tuple[str, str]] = [("file", path.replace("\\", "/")), ("line", str(span.line))]
    if span.end_line == span.line:
        props.append(("col", str(span.col)))
        props.append(("endLine", str(span.end_line)))
        props.append(("endColumn", str(span.end_col)))
    else:
        props.append(("endLine", str(span.end_line)))
    props.append(("title", f"{d.code} {d.name}"))
    message = d.message if not d.hint else f"{d.message}\nhint: {d.hint}"
    rendered = ",".join(f"{key}={escape_property(value)}" for key, value in props)
    return f"::{_COMMAND[d.severity]} {rendered}::{escape_data(message)}"


class GithubFormatter(Formatter):
    """One workflow command per finding; nothing else, so the log stays annotation-only."""

    name: ClassVar[str] = "github"

    def format(self, results: Sequence[FileResult]) -> str:
        lines = [annotation(result.path, d) for result in results for d in ordered(result)]
        return "".join(line + "\n" for line in lines)
