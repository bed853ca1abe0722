"""One linted file and its findings: the unit every formatter reports on."""

from __future__ import annotations

from dataclasses import dataclass

from tradeplan.diagnostics.model import Diagnostic


@dataclass(frozen=True, slots=True)
class FileResult:
    """The findings for one file, with its text kept so reports can quote the offending line.

    `source` is None when the file could not be read (it is then reported without a source line).
    """

    path: str
    source: str | None
    diagnostics: tuple[Diagnostic, ...] = ()
