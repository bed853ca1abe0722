"""The range of numbers that makes sense for each field: one table, read by the builder and the
compiler, and printed in docs/codes/TP210.md.

A number can be readable and still be nonsense: `leverage: 1e-17`, `units: 1e17`, a grid step of
a billionth of a pip. Such values used to lint clean, or to reach checks that print them as
`1E-17`, or (before every number was bounded to 1e-18..1e18) to end in an internal error. Here
each field says what a trader could mean, and a value outside is reported at the value (TP210,
or TP407 for the risk limits, whose own code says what is wrong with them), with the range in
plain numbers.

The bounds are wide on purpose: a value that any real instrument, account or venue could need
must pass. What depends on the instrument (a quantity below its step, a price off its tick) is
checked by the compiler once the instrument is known; the sign and zero of a distance have their
own codes (TP301, TP302, TP305, TP306, TP307) and are left to those checks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from tradeplan.core.money import plain
from tradeplan.core.units import Distance, DistanceUnit, format_duration

D = Decimal
_EXPONENT = re.compile(r"\d[eE][+-]?\d")


@dataclass(frozen=True, slots=True)
class Range:
    """`low <= value <= high`, either end excluded when `low_open` / `high_open`."""

    what: str  # the kind of value, as the message names it: "a leverage", "a price"
    low: Decimal
    high: Decimal
    unit: str = ""  # written after the number: "x", "%", " pips"; "s" for a duration in seconds
    low_open: bool = False
    high_open: bool = False
    code: str = "TP210"
    low_code: str = ""  # the code below the range, where it differs (the risk-limit code)
    note: str = ""  # added to the hint: why the range is what it is

    def contains(self, value: Decimal) -> bool:
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below

    def show(self, value: Decimal) -> str:
        """A number as a trader writes it: `1,000x`, `0.0000000001`, `10%`, `3650d`."""
        if self.unit == "s":
            return format_duration(int(value))
        return f"{plain(value, grouped=True)}{self.unit}"

    def span_words(self) -> str:
        """`from 1x to 1,000x`, `above 0% and up to 100%`, `from 0% up to but not including 10%`."""
        low, high = self.show(self.low), self.show(self.high)
        if self.low_open and self.high_open:
            return f"between {low} and {high}, both excluded"
        if self.low_open:
            return f"above {low} and up to {high}"
        if self.high_open:
            return f"from {low} up to but not including {high}"
        return f"from {low} to {high}"

    def codes(self) -> str:
        return f"{self.low_code} below, {self.code} above" if self.low_code else self.code


@dataclass(frozen=True, slots=True)
class RangeProblem:
    code: str
    message: str
    hint: str


_PRICE = Range("a price", D("0.0000000001"), D(1_000_000_000))
_TICK = Range("a price increment", D("0.0000000001"), D(10_000))
_QUANTITY = Range(
    "a quantity",
    D("0.0000000001"),
    D(1_000_000_000_000),
    note="it must also be at least the instrument's quantity `step`",
)
_MONEY = Range("an amount of money", D("0.00000001"), D(1_000_000_000_000_000))
_LEVERAGE = Range("a leverage", D(1), D(1_000), "x", note="1x is no leverage")
_DURATION = Range("a duration", D(1), D(3650 * 86400), "s", note="ten years")
_LIMIT = Range(
    "a risk limit",
    D(0),
    D(100),
    "%",
    low_open=True,
    code="TP407",
    note="leave the key out for no limit",
)

# field -> range; a field is named `section.key` as docs/language.md shows it.
FIELDS: dict[str, Range] = {
    "instrument.pip": _TICK,
    "instrument.tick": _TICK,
    "instrument.step": Range("a quantity step", D("0.0000000001"), D(1_000_000)),
    "instrument.min_notional": _MONEY,
    "account.balance": _MONEY,
    "account.leverage": _LEVERAGE,
    "sizing.leverage": _LEVERAGE,
    "sizing.units": _QUANTITY,
    "sizing.qty": _QUANTITY,
    "sizing.notional": _MONEY,
    "sizing.risk": Range(
        "a risk per trade",
        D(0),
        D(100),
        "%",
        low_open=True,
        code="TP407",
        low_code="TP210",
        note="2% is the rule",
    ),
    "grid.from": _PRICE,
    "grid.to": _PRICE,
    "grid.at": _PRICE,
    "grid.units": _QUANTITY,
    "order.price": Range("a price", _PRICE.low, _PRICE.high, note="when written as a number"),
    "order.trigger": Range("a price", _PRICE.low, _PRICE.high, note="when written as a number"),
    "timeframe": _DURATION,
    "break_even.within": _DURATION,
    "time_exit": _DURATION,
    "risk.max_open_positions": Range(
        "a position limit",
        D(1),
        D(100_000),
        note="a limit of 0 blocks every entry; leave the key out for no limit",
    ),
    "risk.max_notional": Range(
        "a notional limit",
        _MONEY.low,
        _MONEY.high,
        low_code="TP407",
        note="leave the key out for no limit",
    ),
    "risk.max_position": _QUANTITY,
    "risk.daily_loss_limit": _LIMIT,
    "risk.max_drawdown": _LIMIT,
    "risk.max_risk_per_trade": _LIMIT,
    "fees.per_unit": Range("a fee per unit", D(0), D(1_000_000), note="0 is no fee"),
    "fees.per_notional": Range("a fee", D(0), D(10), "%", high_open=True, note="0% is no fee"),
    "fees.per_order": Range("a fee per order", D(0), D(1_000_000_000), note="0 is no fee"),
}

# Every distance (exits, trails, break-even, grid widths, counter/follow), by its unit. The
# magnitude is checked; zero and the sign are the field's own checks.
DISTANCES: dict[DistanceUnit, Range] = {
    DistanceUnit.PIPS: Range("a distance in pips", D("0.01"), D(1_000_000), " pips"),
    DistanceUnit.TICKS: Range("a distance in ticks", D("0.01"), D(10_000_000), " ticks"),
    DistanceUnit.PERCENT: Range("a distance in percent", D("0.001"), D(1_000), "%"),
    DistanceUnit.PRICE: Range("a price distance", _PRICE.low, _PRICE.high),
}


def problem(rng: Range, value: Decimal, text: str, key: str = "") -> RangeProblem | None:
    """The diagnostic for `value` (written `text`) when it is outside `rng`, else None.

    The message starts with the value as written (with `key` in front, or the builder puts it
    there: `leverage: 1e-17`); an exponent is also written out, since `1e-17` hides its size.
    """
    if rng.contains(value):
        return None
    shown = f"`{key}: {text}`" if key else f"`{text}`"
    if _EXPONENT.search(text):
        shown += f" ({rng.show(value)})"
    small = value < rng.low or (rng.low_open and value == rng.low)
    if small:
        size = "too short" if rng.unit == "s" else "too small"
        bound = f"{'above' if rng.low_open else 'at least'} {rng.show(rng.low)}"
    else:
        size = "too long" if rng.unit == "s" else "too large"
        bound = f"{'below' if rng.high_open else 'at most'} {rng.show(rng.high)}"
    hint = f"write {rng.what} {rng.span_words()}"
    if rng.note:
        hint += f" ({rng.note})"
    code = rng.low_code if small and rng.low_code else rng.code
    return RangeProblem(code, f"{shown} is {size} for {rng.what}: it must be {bound}", hint)


def field_problem(field: str, value: Decimal, text: str, key: str = "") -> RangeProblem | None:
    return problem(FIELDS[field], value, text, key)


def distance_problem(distance: Distance, text: str) -> RangeProblem | None:
    if distance.value == 0:
        return None
    return problem(DISTANCES[distance.unit], abs(distance.value), text)


def duration_problem(seconds: int, text: str) -> RangeProblem | None:
    return problem(_DURATION, D(seconds), text)


_DISTANCE_NAMES = {
    DistanceUnit.PIPS: "a distance in pips (`50 pips`)",
    DistanceUnit.TICKS: "a distance in ticks (`3 ticks`)",
    DistanceUnit.PERCENT: "a distance in percent (`0.5%`)",
    DistanceUnit.PRICE: "a price distance (`2.00`, `$2.00`)",
}


def doc_rows() -> Iterator[str]:
    """The rows of the table in docs/codes/TP210.md, which a test keeps in step with this one."""
    for field, rng in FIELDS.items():
        yield f"| `{field}` | {rng.span_words()} | {rng.codes()} | {rng.note} |"
    for unit, rng in DISTANCES.items():
        yield f"| {_DISTANCE_NAMES[unit]} | {rng.span_words()} | {rng.codes()} | {rng.note} |"


__all__ = [
    "DISTANCES",
    "FIELDS",
    "Range",
    "RangeProblem",
    "distance_problem",
    "doc_rows",
    "duration_problem",
    "field_problem",
    "problem",
]
