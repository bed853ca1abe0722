"""The header line: which columns a file has, and whether it holds bars or ticks.

The header is checked on its own, before any row is read, so that a misspelt or missing column
is reported against the header (with a suggestion) rather than as an error on every row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from tradeplan.backtest.data.issues import _issue, _shown
from tradeplan.backtest.data.model import DataError, DataIssue, DataKind
from tradeplan.diagnostics import Span
from tradeplan.diagnostics.suggest import did_you_mean

TIME_NAMES: Final = ("time", "timestamp", "datetime")
BAR_COLUMNS: Final = ("open", "high", "low", "close")
PRICE_COLUMNS: Final = ("open", "high", "low", "close", "spread", "bid", "ask", "price")
KNOWN_COLUMNS: Final = (*TIME_NAMES, *PRICE_COLUMNS, "volume")


@dataclass(frozen=True, slots=True)
class _Columns:
    names: tuple[str, ...]  # normalised, in file order
    kind: DataKind
    index: dict[str, int]

    @classmethod
    def from_header(cls, header: list[str], source: str) -> _Columns:
        names = tuple(h.strip().lower() for h in header)
        span = Span(source, 1, 1)
        issues: list[DataIssue] = []
        if len(names) > 1 and all(_looks_numeric(n) for n in names[1:]):
            issues.append(
                _issue(
                    span,
                    "the first line must be a header such as `time,open,high,low,close` "
                    "or `time,bid,ask`",
                )
            )
            raise DataError(issues)
        index: dict[str, int] = {}
        col = 1
        for position, (original, name) in enumerate(zip(header, names, strict=True)):
            where = Span(source, 1, col)
            col += len(original) + 1
            canonical = "time" if name in TIME_NAMES else name
            if name not in KNOWN_COLUMNS:
                hint = did_you_mean(name, KNOWN_COLUMNS)
                issues.append(
                    _issue(
                        where,
                        f"unknown column {_shown(original.strip(), ticks=True)}"
                        + (f"; {hint}" if hint else "")
                        + f" (known: {', '.join(KNOWN_COLUMNS)})",
                    )
                )
            elif canonical in index:
                shown = _shown(original.strip(), ticks=True)
                issues.append(_issue(where, f"column {shown} appears twice"))
            else:
                index[canonical] = position
        if issues:
            raise DataError(issues)
        present = set(index)
        if "time" not in present:
            issues.append(_issue(span, "the header has no `time` column"))
        bars = present & set(BAR_COLUMNS)
        ticks = present & {"bid", "ask", "price"}
        kind: DataKind | None = None
        if bars and ticks:
            issues.append(
                _issue(span, "a file holds bars (open, high, low, close) or ticks, not both")
            )
        elif bars:
            missing = [c for c in BAR_COLUMNS if c not in present]
            if missing:
                issues.append(_issue(span, f"bar files need {', '.join(missing)} as well"))
            kind = DataKind.BARS
        elif ticks == {"bid", "ask"} or ticks == {"price"}:
            kind = DataKind.TICKS
        elif ticks:
            issues.append(_issue(span, "tick files need both `bid` and `ask`, or one `price`"))
        else:
            issues.append(
                _issue(
                    span,
                    "the header names no price columns: use time,open,high,low,close "
                    "or time,bid,ask or time,price",
                )
            )
        if ticks and "spread" in present:
            issues.append(_issue(span, "tick files carry `bid,ask`, not `spread`"))
        if issues or kind is None:
            raise DataError(issues)
        return cls(names, kind, index)


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
