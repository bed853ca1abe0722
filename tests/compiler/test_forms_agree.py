"""Both forms of one strategy give one plan: `compile --json` prints identical JSON."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradeplan import api
from tradeplan.plan.model import Plan

ROOT = Path(__file__).resolve().parents[2]
STRATEGIES = sorted((ROOT / "strategies").glob("*.yaml"))


@pytest.mark.parametrize("yaml_path", STRATEGIES, ids=lambda p: p.stem)
def test_every_bundled_strategy_has_an_equal_text_twin(yaml_path: Path) -> None:
    text_path = yaml_path.with_suffix(".tp")
    assert text_path.exists(), f"{yaml_path.name} has no text-form twin"
    a, b = api.compile(yaml_path), api.compile(text_path)
    assert a.plan is not None and b.plan is not None
    assert a.plan == b.plan
    assert a.plan.to_json() == b.plan.to_json()
    assert a.plan.fingerprint == b.plan.fingerprint


@pytest.mark.parametrize(
    "path", STRATEGIES + sorted((ROOT / "strategies").glob("*.tp")), ids=lambda p: p.name
)
def test_bundled_strategies_are_lint_clean(path: Path) -> None:
    result = api.lint([path]).files[0]
    assert result.diagnostics == ()


@pytest.mark.parametrize("path", STRATEGIES, ids=lambda p: p.stem)
def test_plan_json_round_trip(path: Path) -> None:
    plan = api.compile(path).plan
    assert plan is not None
    again = Plan.from_json(plan.to_json())
    assert again == plan
    assert again.fingerprint == plan.fingerprint


@pytest.mark.parametrize("path", STRATEGIES, ids=lambda p: p.stem)
def test_fmt_round_trips_through_both_forms(path: Path, tmp_path: Path) -> None:
    plan = api.compile(path).plan
    text = tmp_path / "s.tp"
    text.write_text(api.fmt(path, "text"))
    assert api.compile(text).plan == plan
    back = tmp_path / "s.yaml"
    back.write_text(api.fmt(text, "yaml"))
    assert api.compile(back).plan == plan


DRAFT = ROOT / "tests" / "fixtures" / "draft"


@pytest.mark.parametrize("path", sorted(DRAFT.iterdir()), ids=lambda p: p.name)
def test_language_draft_examples_compile_as_written(path: Path) -> None:
    result = api.compile(path)
    assert result.plan is not None, [d.message for d in result.diagnostics]


def test_fingerprint_changes_with_meaning_not_with_comments(tmp_path: Path) -> None:
    source = (ROOT / "strategies" / "btc-breakout.yaml").read_text()
    a = tmp_path / "a.yaml"
    a.write_text(source)
    b = tmp_path / "b.yaml"
    b.write_text(
        "# a new comment\n" + source.replace("take_profit: 1.2%", "take_profit: 1.20%  # x")
    )
    c = tmp_path / "c.yaml"
    c.write_text(source.replace("take_profit: 1.2%", "take_profit: 1.3%"))
    fa, fb, fc = (api.compile(p).plan for p in (a, b, c))
    assert fa is not None and fb is not None and fc is not None
    assert fa.fingerprint == fb.fingerprint
    assert fa.fingerprint != fc.fingerprint
