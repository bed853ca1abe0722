"""Issue 7 item 12: every number is checked against the range that makes sense for its field.

Two strategies, each in both forms, have a `$placeholder` for every number a user writes. A case
puts one value into one field and expects lint to report it at that value (line and column of
the value in the file) with the field's code, or to accept it. The property runs every field with
a value of every size from 1e-30 to 1e30: lint never ends in an internal error (TP901), a value
outside the field's range (docs/codes/TP210.md) is reported at the value, and a value inside it
is read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from string import Template

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradeplan import api
from tradeplan.diagnostics.model import Diagnostic, Severity

ROOT = Path(__file__).resolve().parents[2]

# A USD/JPY grid with fees and every risk cap.
GRID_YAML = Template("""\
tradeplan: 1
name: ranges-grid
instrument: {symbol: USD/JPY, pip: $pip, tick: $tick, step: $step}
account: {currency: JPY, balance: $balance, leverage: $leverage}
broker: paper
timeframe: $timeframe
fees: {per_unit: $per_unit, per_notional: $per_notional, per_order: $per_order}
grid:
  side: buy
  from: $from
  to: $to
  step: $grid_step
  units: $units
  take_profit: $take_profit
  stop_loss: $stop_loss  # tradeplan: ignore[TP402]
  counter: $counter
risk:
  max_open_positions: $max_open_positions
  max_notional: $max_notional
  max_position: $max_position
  daily_loss_limit: $daily_loss_limit
  max_drawdown: $max_drawdown
""")

GRID_TEXT = Template("""\
tradeplan 1
strategy "ranges-grid" via paper
instrument USD/JPY pip $pip tick $tick step $step
account JPY balance $balance leverage $leverage
timeframe $timeframe
fees per_unit $per_unit per_notional $per_notional per_order $per_order

grid buy from $from to $to step $grid_step units $units {
    take_profit $take_profit
    stop_loss $stop_loss  # tradeplan: ignore[TP402]
    counter $counter
}

risk {
    max_open_positions $max_open_positions
    max_notional $max_notional
    max_position $max_position
    daily_loss_limit $daily_loss_limit
    max_drawdown $max_drawdown
}
""")

GRID_VALUES = {
    "pip": "0.01",
    "tick": "0.001",
    "step": "1",
    "balance": "3000000",
    "leverage": "25",
    "timeframe": "1m",
    "per_unit": "0.002",
    "per_notional": "0.01%",
    "per_order": "10",
    "from": "105.00",
    "to": "115.00",
    "grid_step": "50 pips",
    "units": "1000",
    "take_profit": "100 pips",
    "stop_loss": "200 pips",
    "counter": "-100 pips",
    "max_open_positions": "21",
    "max_notional": "2000000",
    "max_position": "30000",
    "daily_loss_limit": "2%",
    "max_drawdown": "10%",
}

# A Binance USD-M future: signal entries of every order kind, sized every way, all exits.
ENTRY_YAML = Template("""\
tradeplan: 1
name: ranges-entry
instrument: {symbol: BTCUSDT, kind: crypto_perp, tick: $tick, step: $step, min_notional: $min_notional}
account: {currency: USDT, balance: $balance, leverage: $leverage}
broker: binance
timeframe: $timeframe
sizing: {risk: $risk, leverage: $sizing_leverage}
entries:
  - name: dip
    side: long
    when: close < sma(close, 20)
    order: {type: limit, price: $price}
  - name: breakout
    side: long
    when: close > highest(high, 20)[1]
    order: {type: stop, trigger: $trigger}
    qty: $qty
  - name: fixed
    side: long
    when: close > open
    notional: $notional
  - name: counted
    side: short
    when: close < open
    units: $entry_units
exits:
  stop_loss: $stop_loss
  take_profit: $take_profit
  trailing: {trail: $trail, activate: $activate}
  break_even: {at: $at, within: $within, offset: $offset}
  time_exit: $time_exit
risk:
  max_risk_per_trade: $max_risk_per_trade
""")

ENTRY_TEXT = Template("""\
tradeplan 1
strategy "ranges-entry" via binance
instrument BTCUSDT kind crypto_perp tick $tick step $step min_notional $min_notional
account USDT balance $balance leverage $leverage
timeframe $timeframe
sizing risk $risk leverage $sizing_leverage

entry dip long when close < sma(close, 20) {
    order limit price $price
}

entry breakout long when close > highest(high, 20)[1] {
    order stop trigger $trigger
    qty $qty
}

entry fixed long when close > open {
    notional $notional
}

entry counted short when close < open {
    units $entry_units
}

exits {
    stop_loss $stop_loss
    take_profit $take_profit
    trailing trail $trail activate $activate
    break_even at $at within $within offset $offset
    time_exit $time_exit
}

risk {
    max_risk_per_trade $max_risk_per_trade
}
""")

ENTRY_VALUES = {
    "tick": "0.1",
    "step": "0.001",
    "min_notional": "5",
    "balance": "10000",
    "leverage": "5",
    "timeframe": "1m",
    "risk": "1%",
    "sizing_leverage": "5",
    "price": "50000.0",
    "trigger": "60000.0",
    "qty": "0.01",
    "notional": "5000 USDT",
    "entry_units": "0.5",
    "stop_loss": "0.6%",
    "take_profit": "3%",
    "trail": "2%",
    "activate": "1%",
    "at": "0.4%",
    "within": "30m",
    "offset": "0.05%",
    "time_exit": "6h",
    "max_risk_per_trade": "2%",
}

BASES = {
    "grid": (GRID_YAML, GRID_TEXT, GRID_VALUES),
    "entry": (ENTRY_YAML, ENTRY_TEXT, ENTRY_VALUES),
}


@dataclass(frozen=True)
class Placed:
    """A strategy with one value put in, and where that value stands in the file."""

    text: str
    line: int
    col: int


def place(base: str, form: str, field: str, value: str) -> Placed:
    yaml_t, text_t, values = BASES[base]
    template = yaml_t if form == "yaml" else text_t
    marker = "\x00"
    text = template.substitute({**values, field: marker})
    index = text.index(marker)
    line = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1) + 1
    return Placed(text.replace(marker, value), line, col)


def lint(placed: Placed, form: str) -> tuple[Diagnostic, ...]:
    suffix = ".yaml" if form == "yaml" else ".tp"
    return api.lint_source(placed.text, file=f"ranges{suffix}").diagnostics


def errors(found: tuple[Diagnostic, ...]) -> list[Diagnostic]:
    return [d for d in found if d.severity is Severity.ERROR]


def show(found: tuple[Diagnostic, ...]) -> str:
    return "\n".join(f"{d.span.line}:{d.span.col} {d.code} {d.message}" for d in found) or "-"


FORMS = ["yaml", "text"]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("base", sorted(BASES))
def test_the_bases_lint_without_errors(base: str, form: str) -> None:
    yaml_t, text_t, values = BASES[base]
    text = (yaml_t if form == "yaml" else text_t).substitute(values)
    found = api.lint_source(text, file=f"base.{'yaml' if form == 'yaml' else 'tp'}").diagnostics
    assert not errors(found), show(found)


# (base, field, value, code the value gets, or None when it is accepted)
CASES = [
    # the issue's own numbers
    ("grid", "units", "1e-17", "TP210"),
    ("grid", "leverage", "1e17", "TP210"),
    ("grid", "leverage", "1e-17", "TP210"),
    ("grid", "balance", "1e17", "TP210"),
    ("grid", "max_notional", "1e17", "TP210"),
    ("grid", "max_notional", "0", "TP407"),
    ("grid", "max_notional", "1e6", None),
    ("grid", "to", "1e17", "TP210"),
    ("grid", "to", "1e-17", "TP210"),
    ("grid", "from", "1e-17", "TP210"),
    ("grid", "pip", "1e-17", "TP210"),
    ("grid", "pip", "1e17", "TP210"),
    # instrument
    ("grid", "tick", "0.00000000001", "TP210"),
    ("grid", "tick", "100000", "TP210"),
    ("grid", "step", "1e-12", "TP210"),
    ("grid", "step", "10000000", "TP210"),
    ("entry", "min_notional", "1e16", "TP210"),
    ("entry", "min_notional", "1e-9", "TP210"),
    ("entry", "min_notional", "100", None),
    # account and sizing leverage: 1x is no leverage
    ("grid", "leverage", "0.5", "TP210"),
    ("grid", "leverage", "1", None),
    ("grid", "leverage", "1000x", None),
    ("grid", "leverage", "1001", "TP210"),
    ("entry", "sizing_leverage", "0.9", "TP210"),
    ("entry", "sizing_leverage", "2000", "TP210"),
    ("grid", "balance", "1000000000000000", None),
    ("grid", "balance", "1e16", "TP210"),
    ("entry", "balance", "0.000000001", "TP210"),
    # quantities: at least the instrument's step
    ("grid", "units", "0.5", "TP210"),
    ("grid", "units", "1", None),
    ("grid", "units", "1e13", "TP210"),
    ("entry", "qty", "0.0001", "TP210"),
    ("entry", "qty", "0.001", None),
    ("entry", "qty", "1e13", "TP210"),
    ("entry", "entry_units", "0.0005", "TP210"),
    ("grid", "max_position", "0.1", "TP210"),
    ("grid", "max_position", "1e13", "TP210"),
    ("entry", "notional", "1e16 USDT", "TP210"),
    ("entry", "notional", "1e3 USDT", None),
    ("entry", "notional", "1e-9", "TP210"),
    # prices
    ("grid", "to", "1000000001", "TP210"),
    ("entry", "price", "1000000000000000000000000000000", "TP210"),
    ("entry", "price", "0", "TP210"),
    ("entry", "trigger", "99999999999", "TP210"),
    ("entry", "trigger", "0.00000000001", "TP210"),
    # distances: by their unit
    ("grid", "grid_step", "1e-17 pips", "TP210"),
    ("grid", "grid_step", "0.000000000000000001 pips", "TP210"),
    ("grid", "grid_step", "1e17 pips", "TP210"),
    ("grid", "grid_step", "5e1 pips", None),
    ("grid", "take_profit", "2000000 pips", "TP210"),
    ("grid", "counter", "-2000000 pips", "TP210"),
    ("grid", "stop_loss", "0.001 pips", "TP210"),
    ("grid", "grid_step", "0.00000000001", "TP210"),
    ("grid", "grid_step", "1e-10", "TP306"),
    ("entry", "stop_loss", "0.0001%", "TP210"),
    ("entry", "stop_loss", "2000%", "TP210"),
    ("entry", "stop_loss", "20000000 ticks", "TP210"),
    ("entry", "stop_loss", "50 ticks", None),
    ("entry", "take_profit", "1e-17%", "TP210"),
    ("entry", "take_profit", "5000", None),
    ("entry", "take_profit", "$2000000000", "TP210"),
    ("entry", "trail", "1e-17%", "TP210"),
    ("entry", "trail", "100%", "TP302"),
    ("entry", "activate", "1e17%", "TP210"),
    ("entry", "at", "1e-5%", "TP210"),
    ("entry", "offset", "1e-5%", "TP210"),
    # durations
    ("grid", "timeframe", "4000d", "TP210"),
    ("grid", "timeframe", "1" * 5000 + "s", "TP210"),
    ("entry", "within", "99999999h", "TP210"),
    ("entry", "time_exit", "3650d", None),
    ("entry", "time_exit", "3651d", "TP210"),
    ("entry", "time_exit", "1e5s", "TP203"),
    # percentages of the balance: the risk-limit code
    ("entry", "risk", "1e-17%", None),
    ("entry", "risk", "101%", "TP407"),
    ("entry", "risk", "0%", "TP210"),
    ("entry", "max_risk_per_trade", "1e17%", "TP407"),
    ("grid", "daily_loss_limit", "1e3%", "TP407"),
    ("grid", "max_drawdown", "0%", "TP407"),
    ("grid", "max_open_positions", "1e17", "TP210"),
    ("grid", "max_open_positions", "0", "TP210"),
    ("grid", "max_open_positions", "100000", None),
    # fees: zero is no fee
    ("grid", "per_notional", "10%", "TP210"),
    ("grid", "per_notional", "0%", None),
    ("grid", "per_notional", "9.99%", None),
    ("grid", "per_unit", "1e17", "TP210"),
    ("grid", "per_unit", "0", None),
    ("grid", "per_order", "1e17", "TP210"),
    ("grid", "per_order", "-1", "TP210"),
]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(
    ("base", "field", "value", "code"),
    CASES,
    ids=[f"{b}-{f}-{v[:24]}" for b, f, v, _ in CASES],
)
def test_a_number_out_of_its_fields_range_is_reported_at_the_value(
    base: str, field: str, value: str, code: str | None, form: str
) -> None:
    placed = place(base, form, field, value)
    found = lint(placed, form)
    assert "TP901" not in {d.code for d in found}, show(found)
    at_value = [d for d in errors(found) if (d.span.line, d.span.col) == (placed.line, placed.col)]
    if code is None:
        assert not errors(found), show(found)
        return
    assert [d.code for d in at_value] == [code], show(found)
    if code in {"TP210", "TP407"}:
        elsewhere = [d for d in errors(found) if d not in at_value]
        assert not elsewhere, f"a range error brings no follow-on errors:\n{show(found)}"


EXPONENT_FORM = re.compile(r"E[+-]?\d")


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(
    ("base", "field", "value"),
    [
        ("grid", "leverage", "1e-17"),
        ("grid", "units", "1e17"),
        ("grid", "pip", "1e17"),
        ("grid", "to", "1e-17"),
        ("grid", "balance", "1e17"),
        ("grid", "per_notional", "1e17%"),
        ("entry", "price", "1000000000000000000000000000000"),
    ],
)
def test_range_messages_write_numbers_plainly_and_give_the_range(
    base: str, field: str, value: str, form: str
) -> None:
    placed = place(base, form, field, value)
    (diag,) = [d for d in errors(lint(placed, form)) if d.span.line == placed.line]
    name = {"grid_step": "step", "entry_units": "units", "sizing_leverage": "leverage"}
    # Each form quotes the value the way it is written (YAML `key: value`, text `key value`).
    separator = ": " if form == "yaml" else " "
    assert f"`{name.get(field, field)}{separator}{value}`" in diag.message
    shown = diag.message.replace(value, "") + " " + (diag.hint or "")
    assert not EXPONENT_FORM.search(shown), shown
    assert diag.hint and re.search(r"\d", diag.hint), "the hint states the range in numbers"


def test_leverage_below_one_names_the_range() -> None:
    placed = place("grid", "yaml", "leverage", "1e-17")
    (diag,) = errors(lint(placed, "yaml"))
    assert diag.message.startswith("`leverage: 1e-17`")
    assert "0.00000000000000001x" in diag.message
    assert diag.hint is not None and "1x" in diag.hint and "1,000x" in diag.hint


def test_units_below_the_step_name_the_step_and_the_instrument() -> None:
    placed = place("grid", "yaml", "units", "0.5")
    (diag,) = errors(lint(placed, "yaml"))
    assert "USD/JPY" in diag.message and "step 1" in diag.message
    assert diag.hint is not None and "step" in diag.hint


def test_margin_and_cap_messages_write_numbers_plainly() -> None:
    """The grid caps quote leverage, balance and max_notional as the numbers they are."""
    text = place("grid", "yaml", "leverage", "1.5e0").text.replace("units: 1000", "units: 1e5")
    text = text.replace("max_notional: 2000000", "max_notional: 2e6")
    found = api.lint_source(text, file="caps.yaml").diagnostics
    codes = {d.code for d in found}
    assert {"TP404", "TP405"} <= codes, show(found)
    for diag in found:
        assert not EXPONENT_FORM.search(diag.message + (diag.hint or "")), diag.message
    (margin,) = [d for d in found if d.code == "TP405"]
    assert "at 1.5x" in margin.message and "3,000,000" in margin.message


def test_every_bundled_strategy_still_lints_as_before() -> None:
    report = api.lint([ROOT / "strategies"])
    for result in report.files:
        assert not errors(result.diagnostics), (result.path, show(result.diagnostics))


def test_the_docs_list_every_range() -> None:
    from tradeplan.lang.ranges import doc_rows

    page = (ROOT / "docs" / "codes" / "TP210.md").read_text(encoding="utf-8")
    for row in doc_rows():
        assert row in page, f"docs/codes/TP210.md lacks the row:\n{row}"


# -- the property ------------------------------------------------------------------------------

# Every numeric field: how a number is written there, and the range docs/codes/TP210.md gives it
# (low, high, whether low itself is refused, whether high itself is refused).
D = Decimal
PRICE = (D("1e-10"), D("1e9"), False, False)
TICK = (D("1e-10"), D("1e4"), False, False)
MONEY = (D("1e-8"), D("1e15"), False, False)
LEVERAGE = (D(1), D(1000), False, False)
QUANTITY = (D("1e-10"), D("1e12"), False, False)
PIPS = (D("0.01"), D("1e6"), False, False)
PERCENT = (D("0.001"), D(1000), False, False)
SECONDS = (D(1), D(3650 * 86400), False, False)
LIMIT = (D(0), D(100), True, False)
FIELDS: dict[tuple[str, str], tuple[str, tuple[Decimal, Decimal, bool, bool]]] = {
    ("grid", "pip"): ("{n}", TICK),
    ("grid", "tick"): ("{n}", TICK),
    ("grid", "step"): ("{n}", (D("1e-10"), D("1e6"), False, False)),
    ("grid", "balance"): ("{n}", MONEY),
    ("grid", "leverage"): ("{n}", LEVERAGE),
    ("grid", "timeframe"): ("{n}s", SECONDS),
    ("grid", "per_unit"): ("{n}", (D(0), D("1e6"), False, False)),
    ("grid", "per_notional"): ("{n}%", (D(0), D(10), False, True)),
    ("grid", "per_order"): ("{n}", (D(0), D("1e9"), False, False)),
    ("grid", "from"): ("{n}", PRICE),
    ("grid", "to"): ("{n}", PRICE),
    ("grid", "grid_step"): ("{n} pips", PIPS),
    ("grid", "units"): ("{n}", QUANTITY),
    ("grid", "take_profit"): ("{n} pips", PIPS),
    ("grid", "stop_loss"): ("{n} pips", PIPS),
    ("grid", "counter"): ("-{n} pips", PIPS),
    ("grid", "max_open_positions"): ("{n}", (D(1), D(100000), False, False)),
    ("grid", "max_notional"): ("{n}", MONEY),
    ("grid", "max_position"): ("{n}", QUANTITY),
    ("grid", "daily_loss_limit"): ("{n}%", LIMIT),
    ("grid", "max_drawdown"): ("{n}%", LIMIT),
    ("entry", "tick"): ("{n}", TICK),
    ("entry", "step"): ("{n}", (D("1e-10"), D("1e6"), False, False)),
    ("entry", "min_notional"): ("{n}", MONEY),
    ("entry", "balance"): ("{n}", MONEY),
    ("entry", "leverage"): ("{n}x", LEVERAGE),
    ("entry", "sizing_leverage"): ("{n}", LEVERAGE),
    ("entry", "risk"): ("{n}%", LIMIT),
    ("entry", "price"): ("{n}", PRICE),
    ("entry", "trigger"): ("{n}", PRICE),
    ("entry", "qty"): ("{n}", QUANTITY),
    ("entry", "notional"): ("{n} USDT", MONEY),
    ("entry", "entry_units"): ("{n}", QUANTITY),
    ("entry", "stop_loss"): ("{n}%", PERCENT),
    ("entry", "take_profit"): ("{n} ticks", (D("0.01"), D("1e7"), False, False)),
    ("entry", "trail"): ("{n}", PRICE),
    ("entry", "activate"): ("{n}%", PERCENT),
    ("entry", "at"): ("{n}%", PERCENT),
    ("entry", "offset"): ("{n}", PRICE),
    ("entry", "within"): ("{n}m", SECONDS),
    ("entry", "time_exit"): ("{n}h", SECONDS),
    ("entry", "max_risk_per_trade"): ("{n}%", LIMIT),
}
WHOLE = {"timeframe", "within", "time_exit", "max_open_positions"}
SECONDS_PER = {"timeframe": 1, "within": 60, "time_exit": 3600}
QUANTITIES = {"units", "qty", "entry_units", "max_position"}
EXPRESSIONS = {"price", "trigger"}  # expressions: numbers are written out (`1e5` is not one)
RANGE_CODES = {"TP210", "TP203", "TP407"}


def number(mantissa: int, exponent: int, plain: bool) -> str:
    """`3e-5`, or the same number written out: `0.00003`."""
    if not plain:
        return f"{mantissa}e{exponent}"
    return format(Decimal(mantissa).scaleb(exponent), "f")


def accepted(base: str, field: str, size: Decimal, written: str) -> bool:
    """Whether the documented range takes `size` (the number as written, before its unit)."""
    _, (low, high, low_open, high_open) = FIELDS[(base, field)]
    if not D("1e-18") <= size < D("1e19"):
        return False  # any number at all: between 1e-18 and 1e18
    if field in WHOLE:
        if size != size.to_integral_value() or (field in SECONDS_PER and not written.isdigit()):
            return False
        size *= SECONDS_PER.get(field, 1)
    if field in QUANTITIES and size < D(BASES[base][2]["step"]):
        return False
    above_low = size > low if low_open else size >= low
    below_high = size < high if high_open else size <= high
    return above_low and below_high


@settings(
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    st.sampled_from(sorted(FIELDS)),
    st.integers(1, 9),
    st.integers(-30, 30),
    st.booleans(),
    st.sampled_from(FORMS),
)
def test_any_size_in_any_field_is_read_or_reported_at_the_value(
    where: tuple[str, str], mantissa: int, exponent: int, plain: bool, form: str
) -> None:
    base, field = where
    plain = plain or field in EXPRESSIONS
    written = number(mantissa, exponent, plain)
    value = FIELDS[where][0].format(n=written)
    placed = place(base, form, field, value)
    found = lint(placed, form)
    assert "TP901" not in {d.code for d in found}, show(found)
    at_value = [d for d in errors(found) if (d.span.line, d.span.col) == (placed.line, placed.col)]
    reported = [d for d in at_value if d.code in RANGE_CODES]
    if accepted(base, field, Decimal(mantissa).scaleb(exponent), written):
        assert not reported, f"`{value}` is inside the range of `{field}`:\n{show(found)}"
    else:
        # Reported once, at the value, and nothing else is made of the refused number.
        assert len(reported) == 1, f"`{value}` is outside the range of `{field}`:\n{show(found)}"
        assert errors(found) == reported, show(found)
