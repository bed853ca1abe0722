"""Issue 7 item 13: every position a diagnostic gives lies inside the file, on the token.

A `when:` written over several lines (plain continuation, `>` folded, `|` literal, quoted) is
one string to the expression parser, but its characters sit on several lines of the file, with
indentation, folding and escapes in between. A mistake on the second line must be reported on
the second line, at the column where the mistake is written. And a YAML error at the very end of
a file (an unclosed quote or bracket) must point at a line that exists.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradeplan import api
from tradeplan.cli.main import main
from tradeplan.diagnostics.model import Diagnostic

ROOT = Path(__file__).resolve().parents[2]
BTC = (ROOT / "strategies" / "btc-breakout.yaml").read_text()
BTC_WHEN = "    when: close crosses_above highest(high, 20)[1]\n"
BTC_TP = (ROOT / "strategies" / "btc-breakout.tp").read_text()
BTC_TP_WHEN = "when close crosses_above highest(high, 20)[1]"


def _lines(text: str) -> list[str]:
    """The file's lines as an editor numbers them; a final line break starts no new line."""
    lines = text.split("\n")
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()
    return lines


def _at(text: str, d: Diagnostic, length: int) -> str:
    """The `length` characters of the file at the diagnostic's line and column."""
    line = _lines(text)[d.span.line - 1]
    return line[d.span.col - 1 : d.span.col - 1 + length]


def _with_when(when: str) -> str:
    assert BTC_WHEN in BTC
    return BTC.replace(BTC_WHEN, when)


def _only(text: str, code: str, file: str = "s.yaml") -> Diagnostic:
    found = [d for d in api.lint_source(text, file).diagnostics if d.code == code]
    assert len(found) == 1, [str(d) for d in api.lint_source(text, file).diagnostics]
    return found[0]


# Each `when:` has the unknown name `closee` on its second or third line.
WHEN_STYLES = {
    "plain, 2nd line": (
        "    when: close crosses_above highest(high, 20)[1]\n      and closee > 1\n",
        15,
    ),
    "plain, 3rd line": (
        "    when: close crosses_above\n      highest(high, 20)[1]\n      and closee > 1\n",
        16,
    ),
    "plain, after a blank line": (
        "    when: close crosses_above highest(high, 20)[1]\n\n      and closee > 1\n",
        16,
    ),
    "folded >": (
        "    when: >\n      close crosses_above highest(high, 20)[1]\n      and closee > 1\n",
        16,
    ),
    "folded >-": (
        "    when: >-\n      close crosses_above\n      highest(high, 20)[1] and\n"
        "      1 < closee\n",
        17,
    ),
    "folded >, more indented line": (
        "    when: >\n      close crosses_above highest(high, 20)[1]\n        and closee > 1\n",
        16,
    ),
    "folded >2 with an indentation indicator": (
        "    when: >2\n        close crosses_above highest(high, 20)[1]\n        and closee > 1\n",
        16,
    ),
    "literal |": (
        "    when: |\n      close crosses_above highest(high, 20)[1]\n      and closee > 1\n",
        16,
    ),
    "literal |- with a comment on the header": (
        "    when: |-   # two lines\n      close crosses_above highest(high, 20)[1]\n"
        "      and   closee > 1\n",
        16,
    ),
    "single-quoted": (
        "    when: 'close crosses_above highest(high, 20)[1]\n      and closee > 1'\n",
        15,
    ),
    "single-quoted, 3rd line": (
        "    when: 'close crosses_above\n       highest(high, 20)[1]\n         and closee > 1'\n",
        16,
    ),
    "double-quoted": (
        '    when: "close crosses_above highest(high, 20)[1]\n      and closee > 1"\n',
        15,
    ),
    "double-quoted, an escape before the name": (
        '    when: "close crosses_above highest(high, 20)[1]\n      and \\x28closee > 1)"\n',
        15,
    ),
    "double-quoted, an escaped line break": (
        '    when: "close crosses_above highest(high, 20)[1] an\\\n      d closee > 1"\n',
        15,
    ),
    "flow mapping": (
        "    order: market\n    exits: {exit_when: close > 1 and\n      closee < 2}\n",
        17,
    ),
}


@pytest.mark.parametrize("style", list(WHEN_STYLES))
def test_an_unknown_name_on_a_later_line_is_reported_on_that_line(style: str) -> None:
    when, line = WHEN_STYLES[style]
    flow = style == "flow mapping"
    text = BTC.replace("    order: market\n", when) if flow else _with_when(when)
    d = _only(text, "TP205")
    assert (d.span.line, d.span.end_line) == (line, line), str(d)
    assert _at(text, d, 6) == "closee", str(d)
    assert d.span.end_col == d.span.col + len("closee"), str(d)


@pytest.mark.parametrize(
    ("when", "code", "line", "token"),
    [
        # a type mismatch (TP209) on the second line of a folded value
        ("    when: >\n      close > 1 and\n      (close + 1)\n", "TP209", 16, "(close + 1)"),
        # a syntax error (TP003) on the third line of a plain value
        ("    when: close > 1\n      and close\n      & 2\n", "TP003", 16, "&"),
        # `session` on a crypto instrument (TP202), second line, double-quoted
        ('    when: "close > 1 and\n       session == rth"\n', "TP202", 15, "session"),
        # a quote inside a single-quoted value (TP003) is written `''` in the file
        ("    when: 'close > 1 and\n      ''x'' == close'\n", "TP003", 15, "''"),
        # the syntax error of a literal value sits under the indentation, not at column 1
        ("    when: |\n      close > 1 and\n      close >> 2\n", "TP003", 16, ">"),
    ],
)
def test_other_expression_problems_on_later_lines(
    when: str, code: str, line: int, token: str
) -> None:
    text = _with_when(when)
    d = _only(text, code)
    assert d.span.line == line, str(d)
    assert _at(text, d, len(token)) == token, str(d)


def test_a_span_over_two_lines_starts_and_ends_on_its_tokens() -> None:
    text = _with_when("    when: >\n      close > 1 and\n      (close\n      + 1)\n")
    d = _only(text, "TP209")
    lines = _lines(text)
    assert (d.span.line, d.span.end_line) == (16, 17), str(d)
    assert lines[15][d.span.col - 1 :] == "(close"
    assert lines[16][: d.span.end_col - 1] == "      + 1)"


def test_the_json_output_gives_the_file_position(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "s.yaml"
    text = _with_when(
        "    when: >\n      close crosses_above highest(high, 20)[1]\n      and closee\n"
    )
    path.write_text(text)
    main(["lint", "--format", "json", str(path)])
    found = json.dumps(json.loads(capsys.readouterr().out))
    line = re.search(r'"line": (\d+)', found)
    column = re.search(r'"column": (\d+)', found)
    assert line and column, found
    assert (int(line.group(1)), int(column.group(1))) == (16, 11)
    assert _lines(text)[15][10:16] == "closee"


# -- the text form: a quoted expression can hold `\n` and `\"` escapes -------------------------


@pytest.mark.parametrize(
    "when",
    [
        r'when "close crosses_above highest(high, 20)[1]\nand closee > 1"',
        r'when "close crosses_above highest(high, 20)[1] and \"\"\" closee"',
        r'when "close crosses_above highest(high, 20)[1]\t\\ closee"',
    ],
)
def test_an_escape_in_a_text_form_string_keeps_the_column(when: str) -> None:
    text = BTC_TP.replace(BTC_TP_WHEN, when)
    diagnostics = api.lint_source(text, "s.tp").diagnostics
    assert diagnostics, text
    for d in diagnostics:
        assert d.span.line == 11, str(d)
    d = diagnostics[0]
    line = _lines(text)[10]
    token = line[d.span.col - 1 : d.span.end_col - 1]
    assert token in {"closee", '\\"', "\\\\"}, str(d)


# -- YAML errors at the end of a file ----------------------------------------------------------

HEAD = "tradeplan: 1\n"


@pytest.mark.parametrize(
    ("text", "line", "token"),
    [
        (HEAD + "name: 'abc", 2, "'"),
        (HEAD + "name: 'abc\n", 2, "'"),
        (HEAD + 'name: "abc\n', 2, '"'),
        (HEAD + 'name: "abc\n\n', 2, '"'),
        (HEAD + "name: [abc", 2, "["),
        (HEAD + "name: [abc\n", 2, "["),
        (HEAD + "instrument: {symbol: BTCUSDT\n", 2, "{"),
        (HEAD + "name: [a,\n  b", 2, "["),
        (HEAD + "name: x\ninstrument: {symbol: 'BTC", 3, "'"),
    ],
)
def test_a_yaml_error_at_the_end_points_at_the_opening(text: str, line: int, token: str) -> None:
    d = _only(text, "TP001")
    assert d.span.line == line, str(d)
    assert _at(text, d, 1) == token, str(d)


# -- the property: for any edit, every span is inside the file ---------------------------------

SOURCES = [
    (p.name, p.read_text())
    for p in sorted((ROOT / "strategies").iterdir())
    if p.suffix in {".yaml", ".tp"}
]
GARBAGE = [
    "closee",
    "&",
    "'",
    "''",
    '"',
    "\\",
    "\\x41",
    "\\\\",
    "[",
    "]",
    "(",
    ")",
    "{",
    "}",
    ",",
    ":",
    ": ",
    " #",
    "5 pips",
    "session == rth",
    "(close > 1)",
    "close[1.5]",
    "\u6f22",
    "- x",
    "",
]
YAML_STYLES = ["plain", ">", ">-", ">+", "|", "|-", "'", '"', '"\\']


def _quote_words(words: list[str], style: str) -> list[str]:
    if style == "'":
        return [w.replace("'", "''") for w in words]
    if style.startswith('"'):
        return [w.replace("\\", "\\\\").replace('"', '\\"') for w in words]
    return words


def _wrapped_yaml(
    indent: str, words: list[str], style: str, breaks: list[int], extra: str = ""
) -> str:
    """`when:` with its words spread over lines in one YAML style. `breaks` says, between two
    words, 0: same line, 1: next line, 2: next line after a blank line, 3: next line with
    trailing spaces; continuation lines get `extra` indentation."""
    pad = indent + "  "
    words = _quote_words(words, style)
    lines = [words[0]]
    for word, brk in zip(words[1:], breaks, strict=False):
        if not brk:
            lines[-1] += " " + word
            continue
        if style == '"\\':  # an escaped line break joins without a space: keep one before
            lines[-1] += " \\"
        elif brk == 3:
            lines[-1] += "   "
        if brk == 2:
            lines.append("")
        lines.append(extra + word)
    if style in {"plain", "'", '"', '"\\'}:
        quote = style[:1] if style != "plain" else ""
        body = "\n".join(f"{pad}{line}" if line else "" for line in lines)[len(pad) :]
        return f"{indent}when: {quote}{body}{quote}\n"
    return f"{indent}when: {style}\n" + "".join(f"{pad}{line}\n" for line in lines)


@st.composite
def edited(draw: st.DrawFn) -> tuple[str, str]:
    name, text = draw(st.sampled_from(SOURCES))
    lines = text.split("\n")
    spots = [i for i, ln in enumerate(lines) if re.match(r"\s*when:? ", ln)]
    for i in draw(
        st.lists(st.sampled_from(spots), max_size=2, unique=True) if spots else st.just([])
    ):
        line = lines[i]
        head, _, expression = line.partition("when")
        words = expression.lstrip(": ").split(" ")
        for _ in range(draw(st.integers(0, 3))):
            words.insert(draw(st.integers(0, len(words))), draw(st.sampled_from(GARBAGE)))
        words = [w for w in words if w] or ["close"]
        if name.endswith(".tp"):
            joiner = draw(st.sampled_from([" ", "\\n", "\\t"]))
            body = joiner.join(w.replace("\\", "\\\\").replace('"', '\\"') for w in words)
            lines[i] = f'{head}when "{body}"' + (" {" if line.rstrip().endswith("{") else "")
            continue
        style = draw(st.sampled_from(YAML_STYLES))
        breaks = draw(st.lists(st.integers(0, 3), min_size=len(words), max_size=len(words)))
        extra = draw(st.sampled_from(["", " ", "    "]))
        lines[i] = _wrapped_yaml(head, words, style, breaks, extra).rstrip("\n")
    edited_text = "\n".join(lines)
    if draw(st.booleans()):
        edited_text = edited_text[: draw(st.integers(0, len(edited_text)))]
    return name, edited_text


def _assert_inside(text: str, d: Diagnostic) -> None:
    lines = _lines(text)
    s = d.span
    for line, col in ((s.line, s.col), (s.end_line, s.end_col)):
        assert 1 <= line <= len(lines), f"{d} is outside a file of {len(lines)} lines"
        assert 1 <= col <= len(lines[line - 1]) + 1, f"{d}: line {line} is {lines[line - 1]!r}"
    assert (s.line, s.col) <= (s.end_line, s.end_col), f"{d} ends before it starts"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edited())
def test_every_span_of_an_edited_strategy_is_inside_the_file(case: tuple[str, str]) -> None:
    name, text = case
    for d in api.lint_source(text, name).diagnostics:
        _assert_inside(text, d)


@st.composite
def misspelt(draw: st.DrawFn) -> tuple[str, int]:
    """btc-breakout.yaml whose `when:` has `closee` somewhere, laid out in any style; and the
    number of times `closee` is written."""
    clauses = ["close crosses_above highest(high, 20)[1]"]
    count = draw(st.integers(1, 2))
    for _ in range(count):
        clauses.insert(draw(st.integers(0, len(clauses))), "closee > 1")
    words = " and ".join(clauses).split(" ")
    style = draw(st.sampled_from(YAML_STYLES))
    breaks = draw(st.lists(st.integers(0, 3), min_size=len(words), max_size=len(words)))
    extra = draw(st.sampled_from(["", " ", "    "]))
    return _with_when(_wrapped_yaml("    ", words, style, breaks, extra)), count


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(misspelt())
def test_an_unknown_name_is_found_where_it_is_written_in_any_layout(case: tuple[str, int]) -> None:
    text, count = case
    found = [d for d in api.lint_source(text, "s.yaml").diagnostics if d.code == "TP205"]
    assert len(found) == count, text
    for d in found:
        assert d.span.line == d.span.end_line, str(d)
        assert _at(text, d, d.span.end_col - d.span.col) == "closee", (str(d), text)


@pytest.mark.parametrize(("name", "text"), SOURCES)
def test_every_truncation_of_a_bundled_strategy_keeps_spans_inside(name: str, text: str) -> None:
    """Cut at every line end and in the middle of every line: the end of a file is where
    positions used to run past it."""
    cuts = set()
    start = 0
    for line in text.split("\n"):
        cuts.update({start + len(line) // 2, start + len(line), start + len(line) + 1})
        start += len(line) + 1
    for cut in sorted(cuts):
        part = text[:cut]
        for d in api.lint_source(part, name).diagnostics:
            _assert_inside(part, d)
