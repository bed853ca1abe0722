"""The diagnostic code table.

Codes are permanent: a retired code is marked retired, never reused. Ranges follow
ARCHITECTURE.md: TP0xx syntax, TP1xx structure, TP2xx names/types/units, TP3xx orders and state
logic, TP4xx risk and sizing, TP5xx broker capability, TP9xx internal. Every code has a page in
docs/codes/ with a wrong and a right example; a test keeps the table and the pages in step.
"""

from __future__ import annotations

from dataclasses import dataclass

from tradeplan.diagnostics.model import Severity

E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO  # noqa: E741


@dataclass(frozen=True, slots=True)
class CodeInfo:
    code: str
    name: str
    severity: Severity
    summary: str


_TABLE: tuple[tuple[str, str, Severity, str], ...] = (
    # TP0xx: the file cannot be read as a strategy at all
    ("TP001", "yaml-syntax", E, "The YAML form is not valid YAML."),
    ("TP002", "text-syntax", E, "The text form does not follow the grammar."),
    ("TP003", "expression-syntax", E, "A condition or price expression cannot be parsed."),
    ("TP004", "tab-indentation", E, "A tab character is used for indentation."),
    ("TP005", "empty-file", E, "The file is empty or holds only comments."),
    ("TP006", "not-text", E, "The file is binary or not UTF-8 text."),
    ("TP007", "unreadable-file", E, "The file cannot be opened or has an unknown extension."),
    ("TP008", "yaml-alias", E, "The YAML file uses an alias (`*name`) or a merge key (`<<`)."),
    # TP1xx: structure
    ("TP101", "unknown-key", E, "A key that the language does not know."),
    ("TP102", "missing-field", E, "A required field is missing."),
    ("TP103", "wrong-shape", E, "A value has the wrong shape (mapping, list or single value)."),
    ("TP104", "unsupported-version", E, "The `tradeplan:` version is missing or not supported."),
    ("TP105", "nothing-to-trade", E, "The strategy has neither entries nor a grid."),
    ("TP106", "duplicate-key", E, "The same key appears twice in one mapping."),
    ("TP107", "conflicting-fields", E, "Two fields that cannot be used together."),
    ("TP108", "secret-in-file", E, "A key, password or token is written in the strategy file."),
    # TP2xx: names, types and units
    ("TP201", "invalid-choice", E, "A value is not one of the allowed words."),
    ("TP202", "wrong-unit", E, "A unit that does not fit this field or this instrument."),
    ("TP203", "invalid-value", E, "A value cannot be read as the number, amount or time expected."),
    (
        "TP204",
        "unknown-function",
        E,
        "An expression calls an indicator or function that does not exist.",
    ),
    ("TP205", "unknown-name", E, "An expression uses a name that does not exist."),
    (
        "TP206",
        "wrong-arguments",
        E,
        "A function is called with the wrong number or kind of arguments.",
    ),
    ("TP207", "duplicate-name", E, "Two entries or grids share one name."),
    ("TP208", "off-tick-price", E, "A price is finer than the instrument's tick."),
    ("TP209", "type-mismatch", E, "An expression mixes true/false conditions with numbers."),
    ("TP210", "out-of-range", E, "A number is outside the range that makes sense for the field."),
    (
        "TP211",
        "bare-fx-distance",
        W,
        "A distance on an FX pair is a bare number: a price amount of 200 pips or more.",
    ),
    # TP3xx: orders and state logic
    (
        "TP301",
        "exit-wrong-side",
        E,
        "A take profit or stop loss sits on the wrong side of the entry.",
    ),
    ("TP302", "trailing-inconsistent", E, "Trail, spread and activation do not fit together."),
    ("TP303", "market-outside-hours", E, "A market order can only be sent outside regular hours."),
    ("TP304", "order-incomplete", E, "An order type is missing the price or trigger it needs."),
    (
        "TP305",
        "break-even-inconsistent",
        E,
        "The break-even trigger cannot be reached before an exit.",
    ),
    ("TP306", "grid-range-invalid", E, "The grid's range and step do not make a grid."),
    ("TP307", "re-entry-direction", W, "A counter or follow re-enters on an unusual side."),
    ("TP308", "order-field-ignored", W, "A field is given that this order type does not use."),
    ("TP309", "time-exit-inconsistent", W, "A time limit is shorter than one bar or than another."),
    # TP4xx: risk and sizing
    ("TP401", "risk-sizing-without-stop", E, "Sizing by risk needs a stop loss to measure risk."),
    ("TP402", "no-stop-loss", W, "Positions have no stop loss: a loss is not bounded."),
    ("TP403", "risk-above-two-percent", W, "More than 2% of the balance is risked on one trade."),
    ("TP404", "grid-exceeds-max-notional", E, "The fully filled grid exceeds `max_notional`."),
    (
        "TP405",
        "grid-exceeds-margin",
        E,
        "The fully filled grid needs more margin than the account has.",
    ),
    ("TP406", "no-quantity", W, "Nothing says how much to trade: the minimum quantity is used."),
    ("TP407", "risk-limit-invalid", E, "A risk limit is zero, negative or above 100%."),
    # TP5xx: broker capability
    (
        "TP501",
        "emulated-order-type",
        I,
        "The broker lacks this order type; tradeplan will emulate it.",
    ),
    ("TP502", "unsupported-by-broker", E, "The broker cannot do what the file asks."),
    ("TP503", "below-broker-minimum", E, "A width or price breaks the broker's price rules."),
    (
        "TP504",
        "not-listed-by-broker",
        E,
        "The broker's profile file does not list the instrument.",
    ),
    (
        "TP505",
        "off-venue-rules",
        E,
        "A size, price or leverage breaks the instrument's rules in the broker's profile file.",
    ),
    # TP9xx: internal
    ("TP901", "internal-error", E, "tradeplan itself failed on this file; please report it."),
)

CODES: dict[str, CodeInfo] = {c: CodeInfo(c, n, s, d) for c, n, s, d in _TABLE}
BY_NAME: dict[str, CodeInfo] = {info.name: info for info in CODES.values()}
