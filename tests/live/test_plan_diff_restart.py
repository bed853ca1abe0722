"""A change of `on_restart` in the plan diff: a plan setting for the next restart, never refused.

A running strategy has nothing to do for it (no order moves, every owner keeps what it holds);
the diff says what the next start on the stored state will do, and hot reload may apply it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tradeplan import api
from tradeplan.cli.main import main
from tradeplan.live.plan_diff import Apply, Kind, Status, diff_plans
from tradeplan.plan.model import Plan

ROOT = Path(__file__).resolve().parents[2]
REPEAT = ROOT / "strategies" / "usdjpy-repeat.yaml"
REPEAT_TP = ROOT / "strategies" / "usdjpy-repeat.tp"
HALT_EFFECT = (
    "Nothing changes while it runs; the next time `tradeplan run` starts it again, it restores "
    "its state, reconciles it with the broker, then takes no new entries until "
    "`tradeplan resume usdjpy-repeat-109`; the exits of open positions keep working."
)


def with_policy(path: Path, tmp_path: Path, line: str | None) -> Path:
    """The bundled strategy (which says `on_restart: resume`) with that line replaced by
    `line`, or removed (None)."""
    said = "on_restart: resume\n" if path.suffix == ".yaml" else "on_restart resume\n"
    text = path.read_text()
    assert said in text
    tmp_path.mkdir(parents=True, exist_ok=True)
    target = tmp_path / path.name
    target.write_text(text.replace(said, "" if line is None else line + "\n"))
    return target


def plan_of(path: Path) -> Plan:
    plan = api.compile(path).plan
    assert plan is not None
    return plan


@pytest.mark.parametrize(
    ("source", "line"), [(REPEAT, "on_restart: halt"), (REPEAT_TP, "on_restart halt")]
)
def test_a_new_policy_is_a_setting_for_the_next_restart(
    source: Path, line: str, tmp_path: Path
) -> None:
    old = plan_of(source)
    new = plan_of(with_policy(source, tmp_path, line))
    diff = diff_plans(old, new)
    assert not diff.refused and diff.changed
    setting = diff.node(Kind.PLAN, "plan")
    assert setting is not None and setting.status is Status.CHANGED
    assert [(c.field, c.old, c.new, c.apply, c.effect) for c in setting.changes] == [
        ("on_restart", "resume", "halt", Apply.NEXT_RESTART, HALT_EFFECT)
    ]
    assert {n.status for n in diff.nodes if n is not setting} == {Status.KEPT}
    assert diff.describe() == [
        "`usdjpy-repeat-109`: settings changed: strategy.",
        "Strategy: changed. The changes below apply.",
        "  on_restart: resume -> halt",
        f"    {HALT_EFFECT}",
        "Unchanged, keeping their orders and positions: 1 slot (repeat@109.00).",
    ]
    (change,) = [c for n in diff.to_json()["nodes"] if n["kind"] == "plan" for c in n["changes"]]
    assert change["apply"] == "next_restart"


def test_each_way_between_two_policies_says_the_new_one(tmp_path: Path) -> None:
    flatten = plan_of(with_policy(REPEAT, tmp_path / "a", "on_restart: flatten"))
    adopt = plan_of(with_policy(REPEAT, tmp_path / "b", "on_restart: adopt"))
    (change,) = diff_plans(flatten, adopt).nodes[0].changes
    assert (change.old, change.new) == ("flatten", "adopt")
    assert "are reported and left alone, and do not stop it trading" in change.effect
    (back,) = diff_plans(adopt, flatten).nodes[0].changes
    assert "closes its open positions at market before it trades again" in back.effect


def test_writing_the_default_out_is_no_change(tmp_path: Path) -> None:
    for source in (REPEAT, REPEAT_TP):
        unsaid = plan_of(with_policy(source, tmp_path / source.suffix[1:], None))
        diff = diff_plans(unsaid, plan_of(source))
        assert not diff.changed and not diff.refused


def test_tradeplan_diff_prints_it_and_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    new = with_policy(REPEAT, tmp_path, "on_restart: halt")
    assert main(["diff", str(REPEAT), str(new)]) == 0
    out = capsys.readouterr().out
    assert "  on_restart: resume -> halt\n" in out
    assert main(["diff", str(REPEAT), str(new), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["refused"] is False and data["changed"] is True
