"""SARIF 2.1.0, the format GitHub code scanning and most CI dashboards ingest.

Columns are counted in Unicode code points (as tradeplan's spans are), so the run says so with
`columnKind`; SARIF's default, UTF-16 code units, would shift every column after an emoji.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from typing import Any, ClassVar
from urllib.parse import quote

from tradeplan._version import __version__
from tradeplan.diagnostics.codes import CODES
from tradeplan.diagnostics.model import Diagnostic, Severity
from tradeplan.diagnostics.results import FileResult
from tradeplan.reporting.formatters.base import Formatter, ordered

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
# Placeholder until the project has a public home; SARIF requires an absolute URI here and for
# every rule's helpUri, so the docs pages are addressed below this one.
PROJECT_URI = "https://github.com/tradeplan/tradeplan"
DOCS_URI = PROJECT_URI + "/blob/main/docs/codes/"

LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:/")


def artifact_uri(path: str) -> str:
    """A URI reference for a file path: relative paths stay relative, with forward slashes."""
    posix = path.replace("\\", "/")
    if posix.startswith("/"):
        return "file://" + quote(posix)
    if _WINDOWS_DRIVE.match(posix):
        return "file:///" + quote(posix, safe="/:")
    return quote(posix.removeprefix("./"))


SRCROOT = "%SRCROOT%"


def artifact_location(path: str, root: str) -> dict[str, str]:
    """Paths under `root` (the current folder) become relative to `%SRCROOT%`.

    GitHub code scanning places a result only when its URI is relative to the checkout; an
    absolute `file://` URI from the runner's disk matches nothing in the repository.
    """
    posix = path.replace("\\", "/")
    if posix.startswith("/") or _WINDOWS_DRIVE.match(posix):
        base = root.replace("\\", "/").rstrip("/") + "/"
        if not posix.startswith(base):
            return {"uri": artifact_uri(path)}
        posix = posix[len(base) :]
    return {"uri": artifact_uri(posix), "uriBaseId": SRCROOT}


def _root_uri(root: str) -> str:
    return artifact_uri(root.replace("\\", "/").rstrip("/") + "/")


def _rule(code: str, example: Diagnostic, docs_uri: str) -> dict[str, Any]:
    info = CODES.get(code)
    name = info.name if info else example.name
    summary = info.summary if info else example.name
    severity = info.severity if info else example.severity
    return {
        "id": code,
        "name": name,
        "shortDescription": {"text": summary},
        "helpUri": f"{docs_uri}{code}.md",
        "defaultConfiguration": {"level": LEVEL[severity]},
    }


def _result(path: str, d: Diagnostic, rule_index: int, root: str) -> dict[str, Any]:
    span = d.span
    text = d.message if not d.hint else f"{d.message}\nhint: {d.hint}"
    start_line = max(span.line, 1)
    start_col = max(span.col, 1)
    end_line = max(span.end_line, start_line)
    end_col = max(span.end_col, start_col + 1) if end_line == start_line else max(span.end_col, 1)
    return {
        "ruleId": d.code,
        "ruleIndex": rule_index,
        "level": LEVEL[d.severity],
        "message": {"text": text},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": artifact_location(path, root),
                    "region": {
                        "startLine": start_line,
                        "startColumn": start_col,
                        "endLine": end_line,
                        "endColumn": end_col,
                    },
                }
            }
        ],
    }


class SarifFormatter(Formatter):
    """One SARIF run; rules list only the codes that occur, and results point into that list."""

    name: ClassVar[str] = "sarif"

    def __init__(
        self,
        information_uri: str = PROJECT_URI,
        docs_uri: str = DOCS_URI,
        root: str | None = None,
    ) -> None:
        self.information_uri = information_uri
        self.docs_uri = docs_uri
        self.root = root if root is not None else os.getcwd()

    def format(self, results: Sequence[FileResult]) -> str:
        findings = [(result.path, d) for result in results for d in ordered(result)]
        examples: dict[str, Diagnostic] = {}
        for _, d in findings:
            examples.setdefault(d.code, d)
        codes = sorted(examples)
        index = {code: i for i, code in enumerate(codes)}
        log = {
            "$schema": SARIF_SCHEMA,
            "version": SARIF_VERSION,
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": "tradeplan",
                            "version": __version__,
                            "informationUri": self.information_uri,
                            "rules": [_rule(c, examples[c], self.docs_uri) for c in codes],
                        }
                    },
                    "originalUriBaseIds": {SRCROOT: {"uri": _root_uri(self.root)}},
                    "columnKind": "unicodeCodePoints",
                    "results": [_result(path, d, index[d.code], self.root) for path, d in findings],
                }
            ],
        }
        return json.dumps(log, indent=2) + "\n"
