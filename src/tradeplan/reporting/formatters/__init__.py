"""One formatter class per `tradeplan lint --format` value, looked up by name."""

from __future__ import annotations

from tradeplan.reporting.formatters.base import Formatter, Summary
from tradeplan.reporting.formatters.github import GithubFormatter
from tradeplan.reporting.formatters.human import HumanFormatter
from tradeplan.reporting.formatters.json_fmt import JsonFormatter
from tradeplan.reporting.formatters.sarif import SarifFormatter

FORMATTERS: dict[str, type[Formatter]] = {
    "human": HumanFormatter,
    "json": JsonFormatter,
    "github": GithubFormatter,
    "sarif": SarifFormatter,
}


def make_formatter(name: str, *, color: bool = False) -> Formatter:
    """The formatter for a `--format` value; colour only changes the human format."""
    if name == "human":
        return HumanFormatter(color=color)
    return FORMATTERS[name]()


__all__ = [
    "FORMATTERS",
    "Formatter",
    "GithubFormatter",
    "HumanFormatter",
    "JsonFormatter",
    "SarifFormatter",
    "Summary",
    "make_formatter",
]
