"""The text form's keyword tables, shared by the reader and the writer.

They mirror grammar/tradeplan.lark: a test reads every statement below through the parser, so
the tables and the grammar cannot drift apart silently.
"""

from __future__ import annotations

import re

PAIR_STATEMENTS: dict[str, tuple[str | None, tuple[str, ...]]] = {
    # statement: (primary field that takes the leading value, inline keywords)
    "trailing": ("trail", ("trail", "spread", "activate")),
    "break_even": ("at", ("at", "within", "otherwise", "offset")),
    "order": ("type", ("type", "price", "trigger", "trail", "spread", "activate")),
    "instrument": ("symbol", ("symbol", "kind", "market", "pip", "tick", "step", "min_notional")),
    "account": ("currency", ("currency", "balance", "leverage")),
    "broker": ("name", ("name", "fill")),
    "sizing": (None, ("risk", "leverage", "units", "qty", "notional")),
    "fees": (None, ("per_unit", "per_notional", "per_order")),
}

HEADER_WORDS = ("pip", "account", "via")
"""Inline keywords of `strategy NAME on SYMBOL ...` after the symbol."""

GRID_WORDS = (
    "name",
    "from",
    "to",
    "step",
    "at",
    "units",
    "qty",
    "take_profit",
    "stop_loss",
    "counter",
    "follow",
)

ENTRY_WORDS = ("when",)

STATEMENT_WORDS = ("strategy", "entry", "grid", *PAIR_STATEMENTS)
"""Words that start a special statement; any other word starts a plain `KEY VALUE` statement."""

EXIT_KEYS = ("stop_loss", "take_profit", "trailing", "break_even", "time_exit", "exit_when")
"""Written inside an `entry` block, these belong to that entry's `exits`."""

SIDES = ("long", "short", "buy", "sell")

WORD_RE = re.compile(r'[^\s{}#"]+')
"""One plain word of the text form (the grammar's WORD terminal)."""

_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
_ESCAPE_RE = re.compile(r"\\(.)", re.DOTALL)


def unquote(token: str) -> str:
    """The value of a quoted string token, escapes resolved (`\\"`, `\\\\`, `\\n`, `\\t`)."""
    return _ESCAPE_RE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(0)), token[1:-1])


def quote(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def plain_ok(value: str, reserved: tuple[str, ...] = ()) -> bool:
    """Can `value` be written as plain words that read back as exactly `value`?"""
    if not value or any(c in value for c in '{}#"\n'):
        return False
    if re.match(r"\s", value) or re.search(r"\s\Z", value):
        return False
    return not any(word in reserved for word in re.split(r"\s+", value))


def single_word(value: str, reserved: tuple[str, ...] = ()) -> bool:
    return WORD_RE.fullmatch(value) is not None and value not in reserved
