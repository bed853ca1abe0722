"""`tradeplan fmt` keeps every comment, suppression comments included, in every direction.

For every bundled strategy, in both forms and both target forms: every comment of the input is
in the output, the output has the same findings (and the same ones suppressed), fmt is
idempotent, YAML -> text -> YAML gives what YAML -> YAML gives, and the plan does not change.
A property inserts comments at random line ends and between lines and checks the same.
"""

from __future__ import annotations

import string
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradeplan import api
from tradeplan.cli.main import main
from tradeplan.diagnostics.suppress import apply_suppressions, comment_start
from tradeplan.lang.comments import is_directive
from tradeplan.lang.source import Form
from tradeplan.plan.model import Plan

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = sorted((ROOT / "strategies").glob("*.yaml")) + sorted((ROOT / "strategies").glob("*.tp"))
SUFFIX = {"yaml": ".yaml", "text": ".tp"}
FORM_OF = {".yaml": "yaml", ".tp": "text"}
CASES = [(p, to) for p in BUNDLED for to in ("yaml", "text")]


def _id(case: tuple[Path, str]) -> str:
    return f"{case[0].name}->{case[1]}"


def fmt(source: str, form: str, to: str) -> str:
    """What `tradeplan fmt` prints for a file holding `source` in `form`."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"strategy{SUFFIX[form]}"
        path.write_text(source, encoding="utf-8")
        return api.fmt(path, to)


def comments(source: str) -> list[str]:
    """Every comment's text, found the way suppression comments are found."""
    found = []
    for line in source.split("\n"):
        start = comment_start(line)
        if start is not None:
            found.append(line[start:].rstrip())
    return found


def missing_comments(before: str, after: str) -> list[str]:
    """Comments of `before` that `after` does not hold. Containment is by text, since fmt may
    write two comments on one line, and counted, except for suppressions: one written for two
    items that share a line in `after` is written there once."""
    have = comments(after)
    wanted = Counter(comments(before))
    return [
        text
        for text, count in wanted.items()
        if sum(other.count(text) for other in have) < (1 if is_directive(text) else count)
    ]


def findings(source: str, form: str) -> tuple[list[str], list[str]]:
    """(codes of every finding, codes of the findings no comment suppresses), sorted."""
    result = api.compile_source(source, f"strategy{SUFFIX[form]}", Form(form))
    every = sorted(d.code for d in result.diagnostics)
    kept = sorted(d.code for d in apply_suppressions(source, list(result.diagnostics)))
    return every, kept


def plan(source: str, form: str) -> Plan | None:
    return api.compile_source(source, f"strategy{SUFFIX[form]}", Form(form)).plan


def check_all(source: str, form: str, to: str) -> None:
    """(1) comments kept, (2) same findings and suppressions, (3) idempotent and the YAML round
    trip through the text form, (4) the same plan."""
    out = fmt(source, form, to)
    assert missing_comments(source, out) == [], out
    assert findings(out, to) == findings(source, form), out
    assert fmt(out, to, to) == out
    as_yaml = out if to == "yaml" else fmt(out, "text", "yaml")
    assert fmt(fmt(as_yaml, "yaml", "text"), "text", "yaml") == as_yaml
    assert plan(out, to) == plan(source, form)


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_every_comment_is_kept(case: tuple[Path, str]) -> None:
    path, to = case
    source = path.read_text(encoding="utf-8")
    out = api.fmt(path, to)
    assert comments(source), "the bundled strategies are commented"
    assert missing_comments(source, out) == [], out


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_findings_and_suppressions_stay_the_same(case: tuple[Path, str]) -> None:
    path, to = case
    source = path.read_text(encoding="utf-8")
    out = api.fmt(path, to)
    assert findings(out, to) == findings(source, FORM_OF[path.suffix]), out


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_fmt_is_idempotent(case: tuple[Path, str]) -> None:
    path, to = case
    out = api.fmt(path, to)
    assert fmt(out, to, to) == out


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_yaml_through_text_and_back_is_yaml_fmt(path: Path) -> None:
    as_yaml = api.fmt(path, "yaml")
    assert fmt(fmt(as_yaml, "yaml", "text"), "text", "yaml") == as_yaml


@pytest.mark.parametrize("path", sorted((ROOT / "strategies").glob("*.tp")), ids=lambda p: p.name)
def test_text_through_yaml_and_back_is_text_fmt(path: Path) -> None:
    as_text = api.fmt(path, "text")
    assert fmt(fmt(as_text, "text", "yaml"), "yaml", "text") == as_text


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_the_plan_stays_the_same(case: tuple[Path, str]) -> None:
    path, to = case
    out = api.fmt(path, to)
    assert plan(out, to) == api.compile(path).plan


def test_suppression_stays_on_its_key_in_both_directions() -> None:
    grid = ROOT / "strategies" / "usdjpy-grid.yaml"
    as_text = api.fmt(grid, "text")
    line = next(ln for ln in as_text.splitlines() if ln.strip().startswith("stop_loss"))
    assert line.endswith("# tradeplan: ignore[TP402] -- the range is watched by hand")
    back = fmt(as_text, "text", "yaml")
    line = next(ln for ln in back.splitlines() if ln.strip().startswith("stop_loss:"))
    assert line == "  stop_loss: none  # tradeplan: ignore[TP402] -- the range is watched by hand"
    assert findings(back, "yaml") == (["TP402"], [])


def test_cli_fmt_output_keeps_comments_and_lints_clean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "grid.tp"
    grid = ROOT / "strategies" / "usdjpy-grid.yaml"
    assert main(["fmt", str(grid), "--to", "text", "-o", str(out_file)]) == 0
    written = out_file.read_text(encoding="utf-8")
    assert written.startswith("# yaml-language-server: $schema=../docs/tradeplan.schema.json\n")
    assert "broker paper  # paper | oanda | binance | futu;" in written
    capsys.readouterr()
    assert main(["lint", str(out_file)]) == 0
    assert "1 file clean" in capsys.readouterr().out


HEAD = "tradeplan: 1\nname: c\ninstrument: {symbol: USD/JPY, pip: 0.01}\nsizing: {risk: 1%}\n"
ENTRY = "entries:\n  - name: go\n    side: long\n    when: close > open\n"
EXITS = "exits:\n  stop_loss: 20 pips\n"


def test_a_comment_at_the_end_of_a_block_stays_at_its_end() -> None:
    source = HEAD + ENTRY + EXITS + "  # about the stop\nrisk:\n  max_drawdown: 10%\n# the end\n"
    as_text = fmt(source, "yaml", "text")
    assert "exits {\n    stop_loss 20 pips\n    # about the stop\n}" in as_text
    assert as_text.endswith("}\n\n# the end\n")
    as_yaml = fmt(as_text, "text", "yaml")
    assert "  stop_loss: 20 pips\n  # about the stop\nrisk:" in as_yaml
    assert as_yaml.endswith("  max_drawdown: 10%\n# the end\n")


def test_a_comment_inside_a_flow_mapping_goes_to_the_nearest_key() -> None:
    source = (
        "tradeplan: 1\nname: c\ninstrument: {symbol: USD/JPY,  # the pair\n"
        "  pip: 0.01}  # its pip\nsizing: {risk: 1%}\n" + ENTRY + EXITS
    )
    as_yaml = fmt(source, "yaml", "yaml")
    assert "instrument:  # the pair\n  symbol: USD/JPY\n  pip: 0.01  # its pip\n" in as_yaml
    as_text = fmt(source, "yaml", "text")
    assert "# the pair" in as_text and "# its pip" in as_text
    check_all(source, "yaml", "text")


def test_comments_in_a_text_file_reach_yaml_on_the_same_items() -> None:
    source = (
        "# top\ntradeplan 1\nstrategy c on USD/JPY pip 0.01  # header\nsizing risk 1%\n\n"
        "# the long rule\nentry go long when close > open {  # go\n"
        "    stop_loss 20 pips  # tight\n    # end of go\n}\n"
    )
    as_yaml = fmt(source, "text", "yaml")
    assert as_yaml.startswith("# top\ntradeplan: 1\nname: c  # header\n")
    assert "entries:\n  # the long rule\n  - name: go  # go\n" in as_yaml
    assert "      stop_loss: 20 pips  # tight\n    # end of go\n" in as_yaml
    check_all(source, "text", "yaml")
    check_all(source, "text", "text")


def test_a_note_and_a_suppression_on_one_line_go_with_their_items() -> None:
    source = (
        "tradeplan 1\nstrategy c on USD/JPY pip 0.01\n"
        "entry a long when close > open  # the rule  # tradeplan: ignore[TP406]\n"
        "exits {\n    stop_loss 20 pips\n}\n"
    )
    assert findings(source, "text") == (["TP406"], [])
    as_yaml = fmt(source, "text", "yaml")
    assert "  - name: a  # the rule  # tradeplan: ignore[TP406]\n" in as_yaml
    assert "    side: long  # tradeplan: ignore[TP406]\n" in as_yaml
    assert "    when: close > open  # tradeplan: ignore[TP406]\n" in as_yaml
    for to in ("yaml", "text"):
        check_all(source, "text", to)


def test_a_suppression_above_its_line_still_suppresses() -> None:
    source = HEAD.replace("sizing: {risk: 1%}\n", "") + (
        "entries:\n  # tradeplan: ignore[TP402] -- hedged elsewhere\n"
        "  - name: go\n    side: long\n    when: close > open\n    qty: 1\n"
    )
    assert findings(source, "yaml") == (["TP402"], [])
    for to in ("yaml", "text"):
        check_all(source, "yaml", to)
        out = fmt(source, "yaml", to)
        assert findings(out, to) == (["TP402"], [])


# -- property: comments inserted anywhere a comment may go ---------------------------------------

WORDS = st.text(string.ascii_letters + string.digits + " -.,;:'\"{}[]#*&!|>%@`", max_size=16)
SUPPRESSIONS = st.sampled_from(
    [
        "# tradeplan: ignore[TP402] -- watched by hand",
        "# tradeplan: ignore[TP406]",
        "# tradeplan: ignore[no-stop-loss, TP403]",
        "# tradeplan: ignore-file[TP309]",
    ]
)


@st.composite
def commented_strategies(draw: st.DrawFn, suppressions: bool = False) -> tuple[str, str]:
    """A bundled strategy with comments put at random line ends and between lines (indented
    anyhow); with `suppressions`, some are suppression comments, and some stop losses and the
    bundled suppression are taken out so that they have findings to cover."""
    path = draw(st.sampled_from(BUNDLED))
    form = FORM_OF[path.suffix]
    source = path.read_text(encoding="utf-8")
    if suppressions:
        for gone in ("# tradeplan: ignore[TP402] -- the range is watched by hand", "stop_loss"):
            if draw(st.booleans()):
                source = "\n".join(ln for ln in source.split("\n") if gone not in ln)
    indents = [0, 2, 4, 6] if form == "yaml" else [0, 4, 8]
    note = st.one_of(WORDS.map(lambda w: f"# {w}"), SUPPRESSIONS) if suppressions else WORDS
    out: list[str] = []
    for number, line in enumerate([*source.split("\n")[:-1], None]):  # None: after the end
        if draw(st.integers(0, 4)) == 0:
            text = draw(note) if suppressions else f"# own{number} {draw(note)}"
            out.append(" " * draw(st.sampled_from(indents)) + text)
        if line is None:
            break
        if line.strip() and comment_start(line) is None and draw(st.integers(0, 3)) == 0:
            text = draw(note) if suppressions else f"# tail{number} {draw(note)}"
            line = f"{line}  {text}"
        out.append(line)
    return "\n".join(out) + "\n", form


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(commented_strategies(), st.sampled_from(["yaml", "text"]))
def test_inserted_comments_are_kept_in_every_direction(case: tuple[str, str], to: str) -> None:
    source, form = case
    check_all(source, form, to)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(commented_strategies(suppressions=True), st.sampled_from(["yaml", "text"]))
def test_inserted_suppressions_suppress_the_same_findings(case: tuple[str, str], to: str) -> None:
    source, form = case
    if plan(source, form) is not None:  # taking a stop loss out can make a plan impossible
        check_all(source, form, to)
