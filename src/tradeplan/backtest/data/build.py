"""From parsed columns to `MarketData`: one price grid, then every check a row must pass.

Prices are put on one grid of 10**decimals (the finest the file or the default spread uses),
and only then checked: time order, duplicate times, high below low, open or close outside the
bar, prices not above zero, negative spreads and volumes. All findings go to one log, so a bad
file is reported in full.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import numpy as np
from numpy.typing import NDArray

from tradeplan.backtest.data.columns import BAR_COLUMNS, _Columns
from tradeplan.backtest.data.issues import _iso, _issue, _IssueLog
from tradeplan.backtest.data.model import I64, DataIssue, DataKind, MarketData
from tradeplan.backtest.data.parsed import _POW10, MAX_DIGITS, _Parsed
from tradeplan.backtest.data.rowwise import _parse_number_text
from tradeplan.core.money import fmt_decimal
from tradeplan.diagnostics import Severity, Span


def _parse_default_spread(value: Decimal | str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    number = _parse_number_text(str(value).strip())
    if isinstance(number, str):
        raise ValueError(f"the default spread {number}")
    if number[0] < 0:
        raise ValueError("the default spread cannot be negative")
    return number


def _constant(name: str, decimals: int) -> Callable[[int], str]:
    def message(_row: int) -> str:
        return f"`{name}` needs more than {MAX_DIGITS} digits at {decimals} decimals"

    return message


def _rescale(mantissa: I64, decimals: NDArray[np.int8], target: int) -> I64:
    """Mantissas onto the common grid, in place (the parsed mantissas are not needed again)."""
    shift = target - decimals.astype(np.int64)
    if np.any(shift):
        mantissa *= _POW10[shift]
    return mantissa


def _validate_and_build(
    parsed: _Parsed, columns: _Columns, source: str, spread_default: tuple[int, int] | None
) -> MarketData:
    n = parsed.time_ns.size
    line_no = parsed.line_no
    log = parsed.log or _IssueLog(source)
    log.spoiled = parsed.spoiled
    target = max([int(d.max()) for _, d in parsed.prices.values()] or [0])
    if spread_default is not None:
        target = max(target, spread_default[1])
    for name, (mantissa, decimals) in parsed.prices.items():
        digits = np.floor(np.log10(np.maximum(np.abs(mantissa), 1))).astype(np.int64) + 1
        too_big = np.flatnonzero(digits + (target - decimals.astype(np.int64)) > MAX_DIGITS)
        log.add_rows(
            f"digits:{name}", too_big, line_no, parsed.column(name), _constant(name, target)
        )
    if any(kind.startswith("digits:") for kind in log.counts):
        log.raise_if_any()  # the prices cannot be put on one grid, so nothing more is checked
    scaled = {name: _rescale(m, d, target) for name, (m, d) in parsed.prices.items()}

    def text(value: int) -> str:
        return fmt_decimal(Decimal(value).scaleb(-target))

    t = parsed.time_ns
    step = np.diff(t)
    log.add_rows(
        "unsorted",
        np.flatnonzero(step < 0) + 1,
        line_no,
        lambda _r: 1,
        lambda r: (
            f"time {_iso(int(t[r]))} is earlier than row {r:,}'s {_iso(int(t[r - 1]))}: "
            "rows must be sorted by time"
        ),
    )
    log.add_rows(
        "duplicate",
        np.flatnonzero(step == 0) + 1,
        line_no,
        lambda _r: 1,
        lambda r: f"time {_iso(int(t[r]))} repeats row {r:,} (duplicate timestamp)",
    )
    if columns.kind is DataKind.BARS:
        o, h, lo, c = (scaled[k] for k in BAR_COLUMNS)
        log.add_rows(
            "high<low",
            np.flatnonzero(h < lo),
            line_no,
            parsed.column("high"),
            lambda r: f"high {text(int(h[r]))} is below low {text(int(lo[r]))}",
        )
        ok = h >= lo
        for name, values in (("open", o), ("close", c)):
            outside = np.flatnonzero(ok & ((values > h) | (values < lo)))

            def outside_message(r: int, name: str = name, values: I64 = values) -> str:
                return (
                    f"{name} {text(int(values[r]))} is outside the bar's range "
                    f"low {text(int(lo[r]))} - high {text(int(h[r]))}"
                )

            log.add_rows(f"outside:{name}", outside, line_no, parsed.column(name), outside_message)
        if "spread" in scaled:
            spread = scaled["spread"]
            from_file = True
        else:
            value = 0 if spread_default is None else spread_default[0]
            exp = 0 if spread_default is None else spread_default[1]
            spread = np.full(n, value * 10 ** (target - exp), dtype=np.int64)
            from_file = False
        o_, h_, l_, c_ = o, h, lo, c
    else:
        if "bid" in scaled:
            bid, ask = scaled["bid"], scaled["ask"]
            spread = ask - bid
            from_file = True
            log.add_rows(
                "ask<bid",
                np.flatnonzero(ask < bid),
                line_no,
                parsed.column("ask"),
                lambda r: f"ask {text(int(ask[r]))} is below bid {text(int(bid[r]))}",
            )
        else:
            bid = scaled["price"]
            value = 0 if spread_default is None else spread_default[0]
            exp = 0 if spread_default is None else spread_default[1]
            spread = np.full(n, value * 10 ** (target - exp), dtype=np.int64)
            from_file = False
        o_ = h_ = l_ = c_ = bid
    for name in ("open", "high", "low", "close", "bid", "ask", "price"):
        if name not in scaled:
            continue
        values_ = scaled[name]

        def not_positive(r: int, name: str = name, values_: I64 = values_) -> str:
            return f"{name} {text(int(values_[r]))} is not positive: prices must be above zero"

        log.add_rows(
            f"price<=0:{name}",
            np.flatnonzero(values_ <= 0),
            line_no,
            parsed.column(name),
            not_positive,
        )
    if from_file and columns.kind is DataKind.BARS:
        log.add_rows(
            "spread<0",
            np.flatnonzero(spread < 0),
            line_no,
            parsed.column("spread"),
            lambda r: f"spread {text(int(spread[r]))} is negative",
        )
    if parsed.volume is not None:
        volume = parsed.volume
        log.add_rows(
            "volume<0",
            np.flatnonzero(volume < 0),
            line_no,
            parsed.column("volume"),
            lambda r: f"volume {volume[r]:g} is negative",
        )
    log.raise_if_any()

    warnings: list[DataIssue] = []
    if not from_file and spread_default is None:
        warnings.append(
            _issue(
                Span(source, 1, 1),
                "the file has no spread and no default spread was given: ask = bid "
                "(pass --spread to model the cost of crossing the spread)",
                severity=Severity.WARNING,
            )
        )
    scale = 10.0**target
    return MarketData(
        source=source,
        kind=columns.kind,
        decimals=target,
        time_ns=t,
        open_scaled=o_,
        high_scaled=h_,
        low_scaled=l_,
        close_scaled=c_,
        spread_scaled=spread,
        open=o_ / scale,
        high=h_ / scale,
        low=l_ / scale,
        close=c_ / scale,
        spread=spread / scale,
        volume=parsed.volume if parsed.volume is not None else np.full(n, np.nan),
        has_volume=parsed.volume is not None,
        spread_from_file=from_file,
        issues=tuple(warnings),
    )
