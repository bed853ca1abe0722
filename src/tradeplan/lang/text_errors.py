"""Lark's errors on the text form, said in words: what was found, where, and what would fit.

The parser only knows terminal names (WORD, _NL, RBRACE); a user knows "a value", "end of line"
and `}`. The statement written so far on the line is quoted back so the message stands alone.
"""

from __future__ import annotations

from lark import Token
from lark.exceptions import UnexpectedInput, UnexpectedToken

from tradeplan.diagnostics.model import Span
from tradeplan.diagnostics.suggest import did_you_mean
from tradeplan.lang.text_syntax import WORD_RE

_IGNORED = {"SPACE", "COMMENT"}
_VALUES = {"WORD", "STRING"}
_SPECIAL = {
    "WORD": "a value",
    "STRING": "a quoted value",
    "_NL": "end of line",
    "$END": "end of file",
    "LBRACE": "`{`",
    "RBRACE": "`}`",
}


def _keyword(terminal: str) -> str | None:
    if terminal in _SPECIAL or terminal in _IGNORED or not terminal.isupper():
        return None
    return "name" if terminal == "NAME_KW" else terminal.lower()


def _describe(terminal: str) -> str:
    return _SPECIAL.get(terminal) or f"`{_keyword(terminal) or terminal.lower()}`"


def _one_of(names: list[str]) -> str:
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " or " + names[-1]


def _order(expected: set[str]) -> list[str]:
    """Keywords first, then values, braces and the line end ("end of line" covers `}` and the
    end of the file, which LALR lists even where no block is open)."""
    rank = {"WORD": 1, "STRING": 2, "LBRACE": 3, "RBRACE": 4, "_NL": 5, "$END": 6}
    if "_NL" in expected:
        expected = expected - {"RBRACE", "$END"}
    return sorted(expected, key=lambda t: (rank.get(t, 0), t))


def _scan_braces(text: str, stop: int) -> list[int]:
    """Offsets of the `{` still open at `stop`, skipping strings and comments."""
    stack: list[int] = []
    i, n = 0, min(stop, len(text))
    while i < n:
        ch = text[i]
        if ch == "#":
            nl = text.find("\n", i)
            i = n if nl < 0 else nl
            continue
        if ch == '"':
            i += 1
            while i < n and text[i] not in '"\n':
                i += 2 if text[i] == "\\" else 1
        elif ch == "{":
            stack.append(i)
        elif ch == "}" and stack:
            stack.pop()
        i += 1
    return stack


def _strip_comment(line: str) -> str:
    in_string = False
    for i, ch in enumerate(line):
        if ch == '"' and (i == 0 or line[i - 1] != "\\"):
            in_string = not in_string
        elif ch == "#" and not in_string:
            return line[:i]
    return line


def _code_end(text: str, offset: int) -> int:
    """Just after the last character of code at or before `offset` (comments and blanks skipped)."""
    while True:
        start = text.rfind("\n", 0, offset) + 1
        code = _strip_comment(text[start:offset]).rstrip()
        if code or start == 0:
            return start + len(code)
        offset = start - 1


def _code_before(text: str, offset: int) -> str:
    """The statement written so far on the line of `offset`, without a trailing comment."""
    start = text.rfind("\n", 0, offset) + 1
    line = _strip_comment(text[start:offset]).strip()
    if len(line) > 40:
        cut = line[-40:]
        line = "…" + cut[cut.find(" ") + 1 :] if " " in cut else "…" + cut
    return line


def _position(text: str, file: str, start: int, end: int) -> Span:
    """The span of `text[start:end]`, kept on the line where it starts: a token of the text
    form never runs onto the next line, and an error at a line's end (or the file's end) is
    the empty place just after its last character."""

    def at(offset: int) -> tuple[int, int]:
        line = text.count("\n", 0, offset) + 1
        return line, offset - (text.rfind("\n", 0, offset) + 1) + 1

    start = min(max(start, 0), len(text))
    line_end = text.find("\n", start)
    end = min(max(end, start + 1), len(text) if line_end < 0 else line_end)
    line, col = at(start)
    end_line, end_col = at(max(end, start))
    return Span(file, line, col, end_line, end_col)


def _found(token_type: str, value: str) -> str:
    if token_type in _SPECIAL and token_type not in _VALUES:
        return _SPECIAL[token_type]
    shown = value.split("\n")[0]
    shown = shown if len(shown) <= 30 else shown[:29] + "…"
    return f"`{shown}`"


def _needs(before: str, expected: set[str]) -> str:
    """What a missing value is called after the last word typed."""
    last = before.split()[-1] if before.split() else ""
    if last == "strategy" or (last == "entry" and "WHEN" in expected):
        return "a name"
    if last == "when":
        return "a condition"
    if last == "on":
        return "a symbol such as USD/JPY"
    return "a value"


def syntax_problem(exc: UnexpectedInput, text: str, file: str) -> tuple[str, str | None, Span]:
    """Message, hint and span for a Lark error on the text form."""
    if not isinstance(exc, UnexpectedToken):
        return _character_problem(exc.pos_in_stream or 0, text, file)
    expected = {t for t in exc.expected if t not in _IGNORED}
    if exc.token.type == "$END":
        return _end_problem(expected, text, file)
    return _token_problem(exc.token, expected, text, file)


def _character_problem(offset: int, text: str, file: str) -> tuple[str, str | None, Span]:
    """A character no token can start with: in practice the `"` of an unclosed string."""
    offset = min(max(offset, 0), max(len(text) - 1, 0))
    char = text[offset : offset + 1]
    span = _position(text, file, offset, offset + 1)
    if char == '"':
        return (
            'unterminated string: the closing `"` is missing',
            "a quoted value must end on the line it starts on; "
            'write `\\n` for a line break and `\\"` for a quote',
            span,
        )
    return f"unexpected character `{char}`", None, span


def _end_problem(expected: set[str], text: str, file: str) -> tuple[str, str | None, Span]:
    offset = _code_end(text, len(text))
    span = _position(text, file, offset, offset + 1)
    open_braces = _scan_braces(text, len(text))
    if "RBRACE" in expected and open_braces:
        where = _position(text, file, open_braces[-1], open_braces[-1] + 1)
        return (
            f"unclosed `{{` opened at line {where.line}, column {where.col}",
            "add a `}` on its own line to close the block",
            span,
        )
    before = _code_before(text, offset)
    if expected <= _VALUES | {"LBRACE"}:
        return f"expected {_needs(before, expected)} after `{before}`", None, span
    wanted = _one_of([_describe(t) for t in _order(expected)])
    return f"the file ends too early after `{before}`: expected {wanted}", None, span


def _token_problem(
    token: Token, expected: set[str], text: str, file: str
) -> tuple[str, str | None, Span]:
    offset = token.start_pos or 0
    if token.type == "_NL":  # point just after the statement, not at a trailing comment
        offset = _code_end(text, offset)
    value = str(token.value)
    if token.type not in {"LBRACE", "RBRACE", "_NL", "STRING"}:
        word = WORD_RE.match(text, offset)  # the whole word, however the root lexer cut it
        value = word.group() if word else value
    span = _position(text, file, offset, offset + (len(value.split("\n")[0]) or 1))
    before = _code_before(text, offset)
    found = _found(token.type, value)
    if token.type == "RBRACE" and not _scan_braces(text, offset):
        return "unexpected `}`: there is no open `{` to close", None, span
    if token.type == "LBRACE" and not before:
        return (
            "a `{` must be on the same line as the statement it belongs to",
            "move the `{` to the end of the line above",
            span,
        )
    if not before:
        return f"unexpected {found} at the start of a statement", None, span
    if expected and expected <= _VALUES:
        return f"expected {_needs(before, expected)} after `{before}`, found {found}", None, span
    if token.type == "STRING" and "WORD" in expected:
        return (
            f"a quoted value cannot follow other words after `{before}`",
            "quote the whole value, or leave the quotes out",
            span,
        )
    if before.endswith("}"):
        return f"expected end of line after `}}`, found {found}", None, span
    keywords = sorted(k for k in (_keyword(t) for t in expected) if k)
    typed = token.type not in {"LBRACE", "RBRACE", "_NL", "STRING"}
    hint = did_you_mean(value, keywords) if typed else None
    wanted = _one_of([_describe(t) for t in _order(expected)])
    return f"unexpected {found} after `{before}`: expected {wanted}", hint, span
