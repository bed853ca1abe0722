"""Lark's errors on an expression, said in words: what was found, where, and what would fit.

Lark knows terminal names and parser states; a trader knows "a value", "an operator" and
`(`. A small loose tokenizer names the tokens around the error so the message can quote them.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from lark.exceptions import UnexpectedInput, UnexpectedToken

from tradeplan.diagnostics.suggest import did_you_mean

OPERATOR_WORDS = ("and", "or", "not", "crosses_above", "crosses_below", "between")
_EXPR_TERMINALS = frozenset(
    {
        "OR",
        "AND",
        "NOT",
        "CROSSES_ABOVE",
        "CROSSES_BELOW",
        "BETWEEN",
        "UNIT",
        "COMP_OP",
        "PLUS",
        "MINUS",
        "STAR",
        "SLASH",
        "PERCENT",
        "DOLLAR",
        "LPAR",
        "RPAR",
        "LSQB",
        "RSQB",
        "COMMA",
        "TIME",
        "NUMBER",
        "NAME",
    }
)

# A loose tokenizer for error messages only: it names the token at and before an error.
_TOKEN_RE = re.compile(
    r"(?P<time>\d{1,2}:\d{2}(?::\d{2})?)"
    r"|(?P<number>\d+(?:\.\d+)?|\.\d+)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op><=|>=|==|!=|[-+*/<>])"
    r"|(?P<punct>[()\[\],%$])"
    r"|(?P<other>\S)"
)


class _Scan:
    """The loose tokens of the expression text, for naming what is around an error."""

    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str, int]] = [
            (m.lastgroup or "other", m.group(), m.start()) for m in _TOKEN_RE.finditer(text)
        ]

    def at(self, offset: int) -> tuple[str, str, int] | None:
        for token in self.tokens:
            if token[2] >= offset:
                return token
        return None

    def before(self, offset: int) -> list[tuple[str, str, int]]:
        return [t for t in self.tokens if t[2] < offset]


def _unclosed(tokens: list[tuple[str, str, int]], opener: str, closer: str) -> int | None:
    """Offset of the innermost `opener` that is still open after `tokens`, if any."""
    stack: list[int] = []
    for _, text, offset in tokens:
        if text == opener:
            stack.append(offset)
        elif text == closer and stack:
            stack.pop()
    return stack[-1] if stack else None


def _depth(tokens: list[tuple[str, str, int]], opener: str, closer: str) -> int:
    depth = 0
    for _, text, _ in tokens:
        if text == opener:
            depth += 1
        elif text == closer and depth:
            depth -= 1
    return depth


def _describe_char(char: str, after: str) -> tuple[str, str | None]:
    if char == "=":
        return "unexpected `=`", "to compare two values write `==`"
    if char in "\"'":
        return "unexpected quote", "expressions have no quoted text: write names and numbers"
    if char == ":":
        return "unexpected `:`", "a time of day is only allowed in `time between 09:35 and 15:50`"
    if char == "&":
        return "unexpected `&`", "write `and`"
    if char == "|":
        return "unexpected `|`", "write `or`"
    if char == "!":
        return "unexpected `!`", "write `not`, or `!=` for not equal"
    if char == ".":
        return "unexpected `.`", "a number is written like `0.5` or `105.25`"
    return f"unexpected character `{char}`{after}", None


class Problem(NamedTuple):
    message: str
    hint: str | None
    start: int
    end: int


def syntax_problem(exc: UnexpectedInput, text: str) -> Problem:
    """Message, hint and offset range for a Lark error, in words a trader reads."""
    scan = _Scan(text)
    if isinstance(exc, UnexpectedToken) and exc.token.type == "$END":
        return _end_problem(set(exc.expected), scan)
    offset = exc.token.start_pos if isinstance(exc, UnexpectedToken) else exc.pos_in_stream
    offset = min(max(offset or 0, 0), max(len(text) - 1, 0))
    found = scan.at(offset)
    if found is None or found[2] != offset:
        return Problem(*_describe_char(text[offset : offset + 1] or " ", ""), offset, offset + 1)
    before = scan.before(offset)
    lexed = isinstance(exc, UnexpectedToken) and exc.token.type in _EXPR_TERMINALS
    expected = set(exc.expected) if isinstance(exc, UnexpectedToken) else set()
    return (
        _lexical_problem(found, before, text, lexed)
        or _expected_problem(found, before, expected)
        or _operator_problem(found, before)
    )


def _lexical_problem(
    found: tuple[str, str, int], before: list[tuple[str, str, int]], text: str, lexed: bool
) -> Problem | None:
    """Characters and words that are wrong whatever the parser expected."""
    kind, word, offset = found
    prev = before[-1][1] if before else None
    if kind == "other":
        return Problem(
            *_describe_char(word, f" after `{prev}`" if prev else ""), offset, offset + 1
        )
    if kind == "number" and not lexed:
        run = re.match(r"[\w.:]+", text[offset:])
        bad = run.group() if run else word
        return Problem(
            f"`{bad}` is not a number",
            "write numbers like `0.5` or `105.25`",
            offset,
            offset + len(bad),
        )
    if len(before) == 1 and prev in OPERATOR_WORDS and prev != "not":
        start = before[0][2]
        return Problem(f"expected a value before `{prev}`", None, start, start + len(prev))
    for opener, closer in (("(", ")"), ("[", "]")):
        if word == closer and _depth(before, opener, closer) == 0:
            message = f"unexpected `{closer}`: there is no `{opener}` to close"
            return Problem(message, None, offset, offset + 1)
    return None


_BETWEEN_HINT = "write `time between 09:35 and 15:50`"


def _expected_problem(
    found: tuple[str, str, int], before: list[tuple[str, str, int]], expected: set[str]
) -> Problem | None:
    """The parser wanted something specific: a time, `and`, a bar count, `]` or a value."""
    _, word, offset = found
    end = offset + len(word)
    after = f" after `{before[-1][1]}`" if before else ""
    if expected == {"TIME"}:
        message = f"expected a time such as `09:35`{after}, found `{word}`"
        return Problem(message, _BETWEEN_HINT, offset, end)
    if expected == {"AND"}:
        return Problem(f"expected `and`{after}, found `{word}`", _BETWEEN_HINT, offset, end)
    if expected == {"NUMBER"}:
        return Problem(
            f"expected a whole number of bars inside `[ ]`, found `{word}`",
            "history is written like `close[1]` (the previous bar)",
            offset,
            end,
        )
    if expected == {"RSQB"}:
        return Problem(f"expected `]`{after}, found `{word}`", None, offset, end)
    if "NAME" in expected or "NUMBER" in expected:
        return Problem(f"expected a value{after}, found `{word}`", None, offset, end)
    return None


def _operator_problem(found: tuple[str, str, int], before: list[tuple[str, str, int]]) -> Problem:
    """A complete value was followed by something that cannot continue it."""
    kind, word, offset = found
    end = offset + len(word)
    prev = before[-1][1] if before else None
    if kind == "time":
        return Problem(
            f"unexpected time `{word}`",
            "a time of day is only allowed in `time between 09:35 and 15:50`",
            offset,
            end,
        )
    if word in {"<", "<=", ">", ">=", "==", "!=", "crosses_above", "crosses_below"}:
        return Problem(
            f"comparisons cannot be chained: `{word}` follows another comparison",
            "join two comparisons with `and`, e.g. `a < b and b < c`",
            offset,
            end,
        )
    if word == ",":
        comma = "commas only separate the arguments of a call such as `sma(close, 20)`"
        return Problem("unexpected `,`", comma, offset, end)
    if word == "%":
        percent = "write a percentage right after a number: `0.5%`"
        return Problem("unexpected `%`", percent, offset, end)
    if word in {"(", "$"} or kind in {"name", "number"}:
        close = did_you_mean(word, OPERATOR_WORDS) if kind == "name" else None
        return Problem(
            f"missing operator between `{prev}` and `{word}`",
            close or "join conditions with `and` / `or`; combine values with `+ - * /`",
            offset,
            end,
        )
    return Problem(f"unexpected `{word}`" + (f" after `{prev}`" if prev else ""), None, offset, end)


def _end_problem(expected: set[str], scan: _Scan) -> Problem:
    """The text ended early: an unclosed bracket, a dangling operator, a half `between`."""
    tokens = scan.tokens
    for opener, closer, what in (("(", ")", "parenthesis"), ("[", "]", "bracket")):
        open_at = _unclosed(tokens, opener, closer)
        if open_at is not None:
            message = f"unbalanced {what}: this `{opener}` is never closed"
            return Problem(message, f"add a `{closer}`", open_at, open_at + 1)
    if not tokens:
        return Problem("expected an expression, found nothing", None, 0, 1)
    _, last, offset = tokens[-1]
    end = offset + len(last)
    if expected == {"TIME"}:
        return Problem(f"expected a time such as `09:35` after `{last}`", None, offset, end)
    if expected == {"AND"}:
        message = f"expected `and` and an end time after `{last}`"
        return Problem(message, _BETWEEN_HINT, offset, end)
    if "NAME" in expected or "NUMBER" in expected:
        return Problem(f"expected a value after `{last}`", None, offset, end)
    return Problem(f"the expression ends too early after `{last}`", None, offset, end)
