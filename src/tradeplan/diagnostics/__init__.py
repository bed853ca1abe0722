"""L1: where a problem is (Span), what it is (Diagnostic) and the table of codes."""

from tradeplan.diagnostics.codes import CODES, CodeInfo
from tradeplan.diagnostics.model import Diagnostic, Severity, Span

__all__ = ["CODES", "CodeInfo", "Diagnostic", "Severity", "Span"]
