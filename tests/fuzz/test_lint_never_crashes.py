"""Every file a user can write gets diagnostics or a plan, never an exception.

Valid strategies are perturbed the way real edits go wrong (keys renamed, values retyped, lines
cut or duplicated, bytes flipped, indentation broken) and lint must return normally, with every
position inside the file and no internal error.
"""

from __future__ import annotations

from pathlib import Path

from fuzz_budget import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradeplan import api
from tradeplan.diagnostics.collector import Collector
from tradeplan.lang.source import decode

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    (p.name, p.read_text())
    for p in sorted((ROOT / "strategies").iterdir())
    if p.suffix in {".yaml", ".tp"}
]
WORDS = [
    "take_profit",
    "stop_loss",
    "50 pips",
    "-1%",
    "none",
    "{",
    "}",
    "[",
    "]",
    ":",
    "- ",
    "when",
    "sma(close,",
    "crosses_above",
    "\t",
    "'",
    '"',
    "0",
    "1e999",
    "NaN",
    "long",
    "grid",
    "entries",
    "api_key: x",
    "\u00e9",
    "\u6f22",
    "&a",
    "*a",
    "!!python/object",
    "---",
]


RETYPED = [
    "[1, 2]",
    "{a: 1}",
    "42",
    "-1",
    "true",
    "null",
    "''",
    '"x"',
    "0.000000001",
    "99999999999999999999",
    "50 pips",
    "1%",
    "close >",
    "sma(",
    "~",
    "[]",
    "{}",
]


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, str]:
    name, text = draw(st.sampled_from(SOURCES))
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(
            st.sampled_from(
                ["cut", "dup", "word", "trunc", "indent", "swap", "delete", "rename", "retype"]
            )
        )
        line = lines[i]
        if action == "cut":
            lines = lines[:i]
        elif action == "dup":
            lines.insert(i, line)
        elif action == "word":
            pos = draw(st.integers(0, len(line)))
            lines[i] = line[:pos] + draw(st.sampled_from(WORDS)) + line[pos:]
        elif action == "trunc":
            lines[i] = line[: draw(st.integers(0, len(line)))]
        elif action == "indent":
            lines[i] = " " * draw(st.integers(0, 7)) + line.lstrip()
        elif action == "swap" and len(lines) > 1:
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif action == "delete":
            del lines[i]
        elif action == "rename" and ":" in line:
            key, rest = line.split(":", 1)
            stem = key.strip().lstrip("- ")
            new = draw(st.sampled_from([stem[::-1], stem.upper(), stem + "s", stem[:-1], "x"]))
            lines[i] = key.replace(stem, new, 1) + ":" + rest
        elif action == "retype" and ":" in line:
            key = line.split(":", 1)[0]
            value = draw(st.sampled_from(RETYPED))
            lines[i] = f"{key}: {value}"
    return name, "\n".join(lines)


def _assert_sane(text: str, name: str) -> None:
    result = api.lint_source(text, name)
    line_count = text.count("\n") + 1
    for d in result.diagnostics:
        assert d.code != "TP901", d.message
        assert d.span.file == name
        assert 1 <= d.span.line <= line_count + 1, d
        assert d.span.col >= 1, d
        assert d.message


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_strategies_get_diagnostics_not_exceptions(case: tuple[str, str]) -> None:
    name, text = case
    _assert_sane(text, name)


@settings(max_examples=examples(150), deadline=None)
@given(st.sampled_from(SOURCES), st.data())
def test_flipped_bytes_never_crash(case: tuple[str, str], data: st.DataObject) -> None:
    name, text = case
    raw = bytearray(text.encode())
    for _ in range(data.draw(st.integers(1, 5))):
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] = data.draw(st.integers(0, 255))
    out = Collector()
    decoded = decode(bytes(raw), name, out)
    if decoded is None:
        assert out.items and out.items[0].code == "TP006"
        return
    _assert_sane(decoded, name)


@settings(max_examples=examples(200), deadline=None)
@given(st.text(max_size=300), st.sampled_from(["x.yaml", "x.tp"]))
def test_arbitrary_text_never_crashes(text: str, name: str) -> None:
    _assert_sane(text, name)


def test_lint_goes_on_after_a_broken_file(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_bytes(b"\x00\x01binary")
    (tmp_path / "b.yaml").write_text("tradeplan: 1\nname: [unclosed\n")
    (tmp_path / "c.yaml").write_text((ROOT / "strategies" / "btc-breakout.yaml").read_text())
    (tmp_path / "d.yaml").write_text("")
    (tmp_path / "e.yaml").write_text("tradeplan: 1\nname: x\n\tinstrument: EUR/USD\n")
    report = api.lint([tmp_path])
    codes = {Path(f.path).name: [d.code for d in f.diagnostics] for f in report.files}
    assert codes["a.yaml"] == ["TP006"]
    assert codes["b.yaml"][0] == "TP001"
    assert codes["c.yaml"] == []
    assert codes["d.yaml"] == ["TP005"]
    assert "TP004" in codes["e.yaml"]
    assert report.exit_code() == 1
