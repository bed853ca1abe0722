"""`on_restart`: what a live run does when started again, a key of both forms, in the plan.

Both forms read it, the plan carries it (`Plan.on_restart`), a wrong word is an error at the word
with a suggestion, `fmt` keeps it and its comment, `explain` says what it does, the editor schema
completes it. A plan that does not say it is the plan it was before the key existed: same JSON,
same fingerprint (stored plan versions and the docs' transcripts keep theirs).
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from tradeplan import api
from tradeplan.compiler.pipeline import compile_source
from tradeplan.core.enums import RestartPolicy
from tradeplan.diagnostics.model import Diagnostic
from tradeplan.lang.source import Form
from tradeplan.plan.model import Plan
from tradeplan.schema.generate import json_schema

ROOT = Path(__file__).resolve().parents[2]
GRID = ROOT / "strategies" / "usdjpy-grid.yaml"

YAML_HEAD = """tradeplan: 1
name: restarts
instrument: {symbol: USD/JPY, pip: 0.01}
sizing: {risk: 1%}
entries:
  - name: go
    side: long
    when: close > open
exits:
  stop_loss: 20 pips
"""
TEXT_HEAD = """tradeplan 1
strategy restarts on USD/JPY pip 0.01
sizing risk 1%
entry go long when close > open
exits {
    stop_loss 20 pips
}
"""
POLICIES = [p.value for p in RestartPolicy]


def plan_of(text: str, form: Form) -> Plan:
    name = "s.yaml" if form is Form.YAML else "s.tp"
    result = compile_source(text, name, form)
    assert result.plan is not None, result.diagnostics
    return result.plan


def problems(text: str, form: Form) -> list[Diagnostic]:
    name = "s.yaml" if form is Form.YAML else "s.tp"
    return list(api.lint_source(text, name, form).diagnostics)


@pytest.mark.parametrize("word", POLICIES)
def test_both_forms_compile_to_one_plan_with_the_policy(word: str) -> None:
    a = plan_of(YAML_HEAD + f"on_restart: {word}\n", Form.YAML)
    b = plan_of(TEXT_HEAD + f"on_restart {word}\n", Form.TEXT)
    assert a.on_restart is RestartPolicy(word)
    assert a == b
    assert a.to_json() == b.to_json()
    assert a.fingerprint == b.fingerprint
    again = Plan.from_json(a.to_json())
    assert again == a and again.on_restart is RestartPolicy(word)


def test_absent_is_resume_and_keeps_the_plan_as_it_was() -> None:
    absent = plan_of(YAML_HEAD, Form.YAML)
    resume = plan_of(YAML_HEAD + "on_restart: resume\n", Form.YAML)
    assert absent.on_restart is RestartPolicy.RESUME
    assert resume == absent
    assert resume.to_json() == absent.to_json()
    assert resume.fingerprint == absent.fingerprint
    assert "on_restart" not in json.loads(absent.to_json())
    # The fingerprint `explain` prints for the bundled grid (docs/grid-and-reentry.md shows it).
    grid = api.compile(GRID).plan
    assert grid is not None and grid.fingerprint == "0ee4388e3e7c2eec"


def test_another_policy_is_another_plan() -> None:
    halt = plan_of(YAML_HEAD + "on_restart: halt\n", Form.YAML)
    flatten = plan_of(YAML_HEAD + "on_restart: flatten\n", Form.YAML)
    resume = plan_of(YAML_HEAD, Form.YAML)
    assert json.loads(halt.to_json())["on_restart"] == "halt"
    assert len({halt.fingerprint, flatten.fingerprint, resume.fingerprint}) == 3


def test_the_word_is_read_in_any_case() -> None:
    assert plan_of(YAML_HEAD + "on_restart: Halt\n", Form.YAML).on_restart is RestartPolicy.HALT


@pytest.mark.parametrize(
    ("text", "form", "line", "col", "hint"),
    [
        (YAML_HEAD + "on_restart: flaten  # close all\n", Form.YAML, 11, 13, "`flatten`"),
        (TEXT_HEAD + "on_restart   halts\n", Form.TEXT, 8, 14, "`halt`"),
        (YAML_HEAD + "on_restart: adapt\n", Form.YAML, 11, 13, "`adopt`"),
    ],
)
def test_a_wrong_word_is_an_error_at_the_word_with_a_suggestion(
    text: str, form: Form, line: int, col: int, hint: str
) -> None:
    found = problems(text, form)
    assert [(d.code, d.span.line, d.span.col) for d in found] == [("TP201", line, col)]
    assert "choose one of: resume, adopt, flatten, halt" in found[0].message
    assert found[0].hint == f"did you mean {hint}?"


def test_a_word_far_from_any_lists_the_choices_without_a_guess() -> None:
    (found,) = problems(YAML_HEAD + "on_restart: 42\n", Form.YAML)
    assert found.code == "TP201" and found.hint is None
    assert "resume, adopt, flatten, halt" in found.message


@pytest.mark.parametrize(
    ("text", "form"),
    [(YAML_HEAD + "on_restrat: halt\n", Form.YAML), (TEXT_HEAD + "on_restrat halt\n", Form.TEXT)],
)
def test_a_misspelt_key_is_suggested(text: str, form: Form) -> None:
    (found,) = problems(text, form)
    assert found.code == "TP101"
    assert found.hint == "did you mean `on_restart`?"


# --- fmt ------------------------------------------------------------------------------------------


def fmt(text: str, form: Form, to: str) -> str:
    return api.fmt_source(text, "s.yaml" if form is Form.YAML else "s.tp", form, to)


def test_fmt_keeps_the_key_and_its_comments_in_all_four_directions() -> None:
    source = YAML_HEAD + "# after a crash, look first\non_restart: halt  # then tradeplan resume\n"
    as_text = fmt(source, Form.YAML, "text")
    assert "# after a crash, look first\non_restart halt  # then tradeplan resume\n" in as_text
    back = fmt(as_text, Form.TEXT, "yaml")
    assert "# after a crash, look first\non_restart: halt  # then tradeplan resume\n" in back
    assert fmt(source, Form.YAML, "yaml") == back
    assert fmt(as_text, Form.TEXT, "text") == as_text
    plan = plan_of(source, Form.YAML)
    assert plan_of(as_text, Form.TEXT) == plan == plan_of(back, Form.YAML)
    assert plan.on_restart is RestartPolicy.HALT


def test_fmt_writes_the_key_after_the_strategys_other_keys() -> None:
    source = YAML_HEAD.replace("sizing:", "on_restart: flatten\nsizing:")
    as_yaml = fmt(source, Form.YAML, "yaml")
    assert as_yaml.endswith("on_restart: flatten\n")
    assert fmt(source, Form.YAML, "text").endswith("\non_restart flatten\n")


# --- explain --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "says"),
    [
        (
            None,
            "When `tradeplan run` starts again (on_restart: resume, the default), the strategy "
            "restores its state, reconciles it with the broker and carries on where it stopped.",
        ),
        (
            "adopt",
            "When `tradeplan run` starts again (on_restart: adopt), the strategy restores its "
            "state, reconciles it with the broker and carries on; a position or orders in "
            "USD/JPY at the broker that the strategy does not know (opened by hand, or lost "
            "track of) are reported and left alone, and do not stop it trading.",
        ),
        (
            "flatten",
            "When `tradeplan run` starts again (on_restart: flatten), the strategy restores its "
            "state, reconciles it with the broker, then cancels its working entries and closes "
            "its open positions at market before it trades again.",
        ),
        (
            "halt",
            "When `tradeplan run` starts again (on_restart: halt), the strategy restores its "
            "state, reconciles it with the broker, then takes no new entries until "
            "`tradeplan resume restarts`; the exits of open positions keep working.",
        ),
    ],
)
def test_explain_says_what_a_restart_does(tmp_path: Path, word: str | None, says: str) -> None:
    path = tmp_path / "s.tp"
    path.write_text(TEXT_HEAD + (f"on_restart {word}\n" if word else ""))
    lines = api.explain(path).splitlines()
    assert says in lines
    assert lines[lines.index(says) + 1].startswith("Plan fingerprint: ")


# --- the editor schema ----------------------------------------------------------------------------


def test_the_schema_completes_the_key_and_its_words() -> None:
    schema = json_schema()
    prop = schema["properties"]["on_restart"]
    assert prop["enum"] == POLICIES
    assert "resume" in prop["description"] and "halt" in prop["description"]
    committed = json.loads((ROOT / "docs" / "tradeplan.schema.json").read_text())
    assert committed["properties"]["on_restart"] == prop
    validator = jsonschema.Draft202012Validator(schema)
    good = yaml.safe_load(YAML_HEAD + "on_restart: adopt\n")
    assert list(validator.iter_errors(good)) == []
    bad = yaml.safe_load(YAML_HEAD + "on_restart: flaten\n")
    assert [e.path[0] for e in validator.iter_errors(bad)] == ["on_restart"]
