"""Where each character of a scalar's value is written in the file.

An expression is parsed from the scalar's value, but its mistakes are shown in the file. For a
one-line plain value the two agree column for column. For anything else they do not: folding
turns a line break and the next line's indentation into one space, a literal block drops the
indentation, quotes shift everything by one, `''` and `\\x28` are two or four characters in the
file for one in the value, and an escaped line break disappears. So the readers describe each
value by *places*: runs of `(offset in the value, line, column)`, where the character at
`offset + k` of a run sits at `column + k` on `line`.

The YAML places are worked out by re-reading the scalar's text the way libyaml reads it, and
are only trusted when that reading gives back exactly the value libyaml gave; otherwise every
character is placed at the start of the scalar, which is imprecise but never outside the file.
"""

from __future__ import annotations

from collections.abc import Sequence

Places = tuple[tuple[int, int, int], ...]
"""Runs of (offset in the value, 1-based line, 1-based column), by increasing offset."""

_Char = tuple[str, int, int]  # a character of the value and its 0-based line and column

_SIMPLE_ESCAPES = {
    "0": "\0",
    "a": "\a",
    "b": "\b",
    "t": "\t",
    "\t": "\t",
    "n": "\n",
    "v": "\v",
    "f": "\f",
    "r": "\r",
    "e": "\x1b",
    " ": " ",
    '"': '"',
    "/": "/",
    "'": "'",
    "\\": "\\",
    "N": "\x85",
    "_": "\xa0",
    "L": "\u2028",
    "P": "\u2029",
}
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}


def runs(chars: Sequence[_Char]) -> Places:
    """Join characters written one after another on a line into one run."""
    out: list[tuple[int, int, int]] = []
    last: tuple[int, int] | None = None
    for offset, (_, line, col) in enumerate(chars):
        if last != (line, col - 1):
            out.append((offset, line + 1, col + 1))
        last = (line, col)
    return tuple(out)


def fixed(value: str, line: int, col: int) -> Places:
    """Every character at one place: for a value whose layout could not be worked out."""
    return tuple((offset, line, col) for offset in range(max(len(value), 1)))


def yaml_places(
    lines: Sequence[str],
    style: str | None,
    start: tuple[int, int],
    end: tuple[int, int],
    value: str,
) -> Places:
    """Places of a YAML scalar written from `start` to `end` (0-based line and column, as
    libyaml's marks give them) in a file of `lines`."""
    reader = {"'": _flow_quoted, '"': _flow_quoted, "|": _block, ">": _block}.get(style or "")
    chars: list[_Char] | None
    try:
        chars = (reader or _plain)(lines, style or "", start, end, value)
    except (IndexError, ValueError):  # the marks do not fit the lines (odd line breaks)
        chars = None
    if chars is None or "".join(c for c, _, _ in chars) != value:
        line, col = start
        return fixed(value, line + 1, col + 1)
    return runs(chars) if chars else fixed(value, start[0] + 1, start[1] + 1)


def _plain(
    lines: Sequence[str], _style: str, start: tuple[int, int], end: tuple[int, int], _value: str
) -> list[_Char]:
    """A plain scalar: lines are trimmed, one line break folds to a space, blank lines stay
    as line breaks."""
    chars: list[_Char] = []
    blank: list[int] = []
    previous: tuple[int, int] | None = None  # line and column just after the last content
    for number in range(start[0], end[0] + 1):
        line = lines[number]
        first = start[1] if number == start[0] else 0
        stop = end[1] if number == end[0] else len(line)
        piece = line[first:stop]
        trimmed = piece.strip(" \t")
        if not trimmed:
            blank.append(number)
            continue
        left = first + len(piece) - len(piece.lstrip(" \t")) if number != start[0] else first
        if previous is not None:
            if blank:
                chars.extend(("\n", n, 0) for n in blank)
            else:
                chars.append((" ", *previous))
        blank = []
        text = line[left:stop].rstrip(" \t") if number != end[0] else line[left:stop]
        chars.extend((c, number, left + k) for k, c in enumerate(text))
        previous = (number, left + len(text))
    return chars


def _flow_quoted(
    lines: Sequence[str], style: str, start: tuple[int, int], end: tuple[int, int], _value: str
) -> list[_Char] | None:
    """A single- or double-quoted scalar, read as libyaml's scan_flow_scalar reads it."""
    raw: list[_Char] = []  # the text between the quotes, line breaks included
    for number in range(start[0], end[0] + 1):
        line = lines[number]
        first = start[1] + 1 if number == start[0] else 0
        stop = end[1] - 1 if number == end[0] else len(line)
        raw.extend((c, number, first + k) for k, c in enumerate(line[first:stop]))
        if number != end[0]:
            raw.append(("\n", number, len(line)))
    double = style == '"'
    chars: list[_Char] = []
    i, n = 0, len(raw)
    while i < n:
        joined = False  # a line break or an escaped line break was taken
        while i < n and raw[i][0] not in " \t\n":
            c, line_no, col = raw[i]
            if not double and c == "'" and i + 1 < n and raw[i + 1][0] == "'":
                chars.append(("'", line_no, col))
                i += 2
            elif double and c == "\\":
                escape = _escape(raw, i)
                if escape is None:
                    return None
                text, width = escape
                if text is None:  # an escaped line break
                    i += width
                    joined = True
                    break
                chars.append((text, line_no, col))
                i += width
            else:
                chars.append(raw[i])
                i += 1
        spaces: list[_Char] = []
        folded: _Char | None = None
        breaks: list[_Char] = []
        while i < n and raw[i][0] in " \t\n":
            if raw[i][0] != "\n":
                if not joined:
                    spaces.append(raw[i])
            elif not joined:  # the fold is placed just after the line's last character
                folded = spaces[0] if spaces else raw[i]
                spaces, joined = [], True
            else:
                breaks.append(raw[i])
            i += 1
        if not joined:
            chars.extend(spaces)
        elif folded is not None and not breaks:
            chars.append((" ", folded[1], folded[2]))
        else:
            chars.extend(("\n", line_no, col) for _, line_no, col in breaks)
    return chars


def _escape(raw: Sequence[_Char], i: int) -> tuple[str | None, int] | None:
    """The text of the escape at `raw[i]` (None for an escaped line break) and its length."""
    code = raw[i + 1][0] if i + 1 < len(raw) else ""
    if code == "\n":
        return None, 2
    if code in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[code], 2
    width = _HEX_ESCAPES.get(code)
    if width is None:
        return None
    digits = "".join(c for c, _, _ in raw[i + 2 : i + 2 + width])
    return chr(int(digits, 16)), 2 + width


def _block(
    lines: Sequence[str], style: str, start: tuple[int, int], end: tuple[int, int], value: str
) -> list[_Char] | None:
    """A `|` or `>` block. Its indentation may come from an indicator relative to the parent,
    which the marks do not give, so each plausible indentation is tried."""
    last = min(end[0], len(lines) - 1)
    body = range(start[0] + 1, last + 1)
    content = [n for n in body if lines[n].strip(" ")]
    if not content:
        return None
    first = lines[content[0]]
    widest = len(first) - len(first.lstrip(" "))
    for indent in range(widest, 0, -1):
        chars = _block_at(lines, style == ">", body, indent)
        text = "".join(c for c, _, _ in chars)
        if text.startswith(value) and not text[len(value) :].strip("\n"):
            return chars[: len(value)]
    return None


def _block_at(lines: Sequence[str], folded: bool, body: range, indent: int) -> list[_Char]:
    """The characters of a block scalar at `indent`, as libyaml's scan_block_scalar reads it,
    with every line break kept (chomping is the caller's)."""
    chars: list[_Char] = []
    breaks: list[_Char] = []
    leading: _Char | None = None  # the line break after the last content line
    leading_blank = False
    for number in body:
        line = lines[number]
        if not line.strip(" ") and len(line) <= indent:
            breaks.append(("\n", number, len(line)))
            continue
        if line[:indent].strip(" "):
            break  # less indented: the block has ended
        text = line[indent:]
        trailing_blank = text[:1] in {" ", "\t"}
        if folded and leading is not None and not leading_blank and not trailing_blank:
            if not breaks:
                chars.append((" ", leading[1], leading[2]))
        elif leading is not None:
            chars.append(leading)
        chars.extend(breaks)
        breaks = []
        leading_blank = trailing_blank
        chars.extend((c, number, indent + k) for k, c in enumerate(text))
        leading = ("\n", number, len(line))
    if leading is not None:
        chars.append(leading)
    chars.extend(breaks)
    return chars


def text_string_places(token: str, line: int, col: int) -> Places:
    """Places of a text-form quoted string (`"..."`, escapes `\\"` `\\\\` `\\n` `\\t`) written at
    `line`, `col`: each escape is one character of the value, placed at its backslash."""
    chars: list[_Char] = []
    i, inner = 1, len(token) - 1
    while i < inner:
        if token[i] == "\\" and i + 1 < inner and token[i + 1] in 'nt"\\':
            chars.append((token[i + 1], line - 1, col - 1 + i))
            i += 2
        else:
            chars.append((token[i], line - 1, col - 1 + i))
            i += 1
    return runs(chars) if chars else fixed("", line, col + 1)


__all__ = ["Places", "fixed", "runs", "text_string_places", "yaml_places"]
