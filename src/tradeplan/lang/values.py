"""Reading the raw text of a scalar as the value a field expects.

Each reader returns the value or raises `ValueProblem` with a message a trader can act on;
the builder attaches the span. Numbers never pass through float.
"""

from __future__ import annotations

import difflib
import functools
import re
import zoneinfo
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from tradeplan.core.money import plain
from tradeplan.core.units import Distance, DistanceUnit
from tradeplan.lang import ranges

N = TypeVar("N", Decimal, int)

# `1e-3` is as much a number in an amount or a distance as it is on its own.
_UNSIGNED = r"(?:\d[\d_,]*)?(?:\.\d+)?(?:(?<=\d)[eE][+-]?\d+)?"
_NUMBER = r"[+-]?" + _UNSIGNED
_DISTANCE = re.compile(
    rf"^\s*(?P<dollar>\$)?\s*(?P<num>{_NUMBER})\s*(?P<unit>%|pips?|ticks?|points?)?\s*$",
    re.IGNORECASE,
)
_DOLLAR_AFTER_SIGN = re.compile(rf"^\s*(?P<sign>[+-])\s*\$\s*(?P<num>{_UNSIGNED})\s*$")
_DURATION_PART = re.compile(
    r"(\d+)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hr|hrs|hours?|d|days?|w|weeks?)",
    re.IGNORECASE,
)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
# More digits than any duration in range has: refused before `int()` (which gives up at 4,300).
_MAX_DURATION_DIGITS = 12
_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})(?:\s+([A-Za-z_]+(?:/[A-Za-z_+\-0-9]+)*))?\s*$")
_AMOUNT = re.compile(rf"^\s*(?P<num>{_NUMBER})\s*(?P<cur>[A-Za-z]{{3,5}})?\s*$")

TRUE_WORDS = frozenset({"true", "yes", "on"})
FALSE_WORDS = frozenset({"false", "no", "off"})
NONE_WORDS = frozenset({"none", "off", "no"})


class ValueProblem(Exception):
    """A scalar that cannot be read as the expected value; the message is user-facing."""

    def __init__(self, message: str, hint: str | None = None, code: str = "TP203") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.code = code


MAX_NUMBER_CHARS = 40
MAX_EXPONENT = 18


def read_decimal(text: str, what: str = "a number") -> Decimal:
    cleaned = text.strip().replace("_", "").replace(",", "")
    if not cleaned or not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?", cleaned, re.I):
        raise ValueProblem(f"`{text}` is not {what}", "write a plain number such as 1000 or 0.5")
    if len(cleaned) > MAX_NUMBER_CHARS:
        raise ValueProblem(
            f"`{text[:20]}...` has more than {MAX_NUMBER_CHARS} characters",
            "no price, size or distance needs that many digits",
            code="TP210",
        )
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:  # pragma: no cover - regex above already filters
        raise ValueProblem(f"`{text}` is not {what}") from exc
    # Bounded before anything converts it: `int(Decimal("1e999999999"))` never returns, and
    # exponents this far out reach no instrument's tick, size or balance.
    if value and not -MAX_EXPONENT <= value.adjusted() <= MAX_EXPONENT:
        raise ValueProblem(
            f"`{text}` is out of range",
            f"write a number between {plain(Decimal(1).scaleb(-MAX_EXPONENT))} and "
            f"{plain(Decimal(1).scaleb(MAX_EXPONENT), grouped=True)}",
            code="TP210",
        )
    return value


def ranged(field: str, reader: Callable[[str], N]) -> Callable[[str], N]:
    """`reader`, then the range of `field` (lang/ranges.py): a readable number that makes no sense
    there is refused at the value, as a number that cannot be read is."""

    def read(text: str) -> N:
        value = reader(text)
        found = ranges.field_problem(field, Decimal(value), text)
        if found is not None:
            raise ValueProblem(found.message, found.hint, code=found.code)
        return value

    return read


def read_int(text: str, what: str = "a whole number") -> int:
    value = read_decimal(text, what)
    if value != value.to_integral_value():
        raise ValueProblem(f"`{text}` is not {what}", "use a whole number")
    return int(value)


def read_percent(text: str) -> Decimal:
    """`2%` -> Decimal('2'). A bare number is refused: 0.02 vs 2 is too easy to get wrong."""
    stripped = text.strip()
    if not stripped.endswith("%"):
        hint = f"write `{stripped}%` if you mean {stripped} percent"
        bare = read_decimal(stripped, "a percentage")
        if 0 < bare < 1:
            as_percent = bare * 100
            hint = f"write `{as_percent.normalize():f}%` if {stripped} is a fraction, or " + hint
        raise ValueProblem(f"`{text}` needs a percent sign", hint)
    return read_decimal(stripped[:-1], "a percentage")


def read_distance(text: str) -> Distance:
    match = _DISTANCE.match(text)
    dollar_after_sign = _DOLLAR_AFTER_SIGN.match(text)
    if match is None and dollar_after_sign is None:
        raise ValueProblem(
            f"`{text}` is not a distance",
            "write pips (`50 pips`), a percentage (`0.5%`), a price amount (`2.00` or `$2.00`) "
            "or ticks (`3 ticks`)",
        )
    if dollar_after_sign is not None:
        number = read_decimal(dollar_after_sign["sign"] + dollar_after_sign["num"], "a distance")
        return _in_range(Distance(number, DistanceUnit.PRICE), text)
    assert match is not None
    num = match["num"]
    if not num or num in {"+", "-"}:
        raise ValueProblem(f"`{text}` has no number", "write for example `50 pips`")
    number = read_decimal(num, "a distance")
    unit_word = (match["unit"] or "").lower()
    if match["dollar"] and unit_word:
        raise ValueProblem(f"`{text}` mixes `$` with `{match['unit']}`")
    if unit_word == "%":
        unit = DistanceUnit.PERCENT
    elif unit_word.startswith("pip"):
        unit = DistanceUnit.PIPS
    elif unit_word.startswith("tick"):
        unit = DistanceUnit.TICKS
    elif unit_word.startswith("point"):
        raise ValueProblem(
            f"`{text}`: points are ambiguous", "write pips, ticks or a price amount instead"
        )
    else:
        unit = DistanceUnit.PRICE
    return _in_range(Distance(number, unit), text)


def _in_range(distance: Distance, text: str) -> Distance:
    found = ranges.distance_problem(distance, text)
    if found is not None:
        raise ValueProblem(found.message, found.hint, code=found.code)
    return distance


def read_duration(text: str) -> int:
    """`30s`, `15m`, `4h`, `2d`, `1h30m` -> seconds."""
    stripped = text.strip()
    position = 0
    total = 0
    for match in _DURATION_PART.finditer(stripped):
        if stripped[position : match.start()].strip():
            break
        digits = match[1].lstrip("0")
        if len(digits) > _MAX_DURATION_DIGITS:
            total = 10**_MAX_DURATION_DIGITS * 86400  # past any range; reported below
        else:
            total += int(digits or "0") * _UNIT_SECONDS[match[2][0].lower()]
        position = match.end()
    if position == 0 or stripped[position:].strip():
        raise ValueProblem(
            f"`{text}` is not a duration", "write for example `30s`, `15m`, `4h`, `2d` or `1h30m`"
        )
    if total <= 0:
        raise ValueProblem(f"`{text}` is zero; a duration must be positive", code="TP210")
    found = ranges.duration_problem(total, text)
    if found is not None:
        raise ValueProblem(found.message, found.hint, code=found.code)
    return total


def read_clock(text: str) -> tuple[str, str | None]:
    """`15:55 America/New_York` -> ('15:55', 'America/New_York')."""
    match = _CLOCK.match(text)
    if match is None:
        raise ValueProblem(
            f"`{text}` is not a time of day", "write `HH:MM` with an optional time zone"
        )
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        raise ValueProblem(f"`{text}` is not a valid time of day", code="TP210")
    zone = match[3]
    if zone is not None and zone not in _zones():
        close = difflib.get_close_matches(zone, sorted(_zones()), n=1)
        hint = (
            f"did you mean `{close[0]}`?"
            if close
            else "write an IANA zone such as `America/New_York`"
        )
        raise ValueProblem(f"`{zone}` is not a known time zone", hint, code="TP210")
    return f"{hour:02d}:{minute:02d}", zone


@functools.cache
def _zones() -> frozenset[str]:
    """The runtime resolves zones with zoneinfo; a name it cannot load must fail at lint, not in a run."""
    return frozenset(zoneinfo.available_timezones())


def read_bool(text: str) -> bool:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueProblem(f"`{text}` is not true or false", "write `true` or `false`", code="TP201")


def read_amount(text: str) -> tuple[Decimal, str | None]:
    """`5000 USDT` -> (5000, 'USDT'); `5000` -> (5000, None)."""
    match = _AMOUNT.match(text)
    if match is None or not match["num"]:
        raise ValueProblem(f"`{text}` is not an amount", "write for example `5000` or `5000 USDT`")
    return read_decimal(match["num"], "an amount"), (match["cur"] or "").upper() or None
