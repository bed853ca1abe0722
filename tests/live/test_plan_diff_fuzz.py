"""Over edits of the bundled strategies (the fuzz generator's, and retuned numbers, flipped sides
and renamed nodes): diff(a, a) is empty for any plan, and diff(a, b) names exactly the nodes
whose compiled values differ, with the refusals exactly where a running bot cannot follow.

The oracle is written apart from the diff: each node's compiled value is its plan JSON, with
the expressions as the graph nodes the runtime evaluates (expanded from the shared signal
graph, so another rule's nodes do not shift them) instead of as written.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tradeplan.compiler.pipeline import compile_source
from tradeplan.lang.source import form_of
from tradeplan.live.plan_diff import Kind, Status, diff_plans
from tradeplan.plan.codec import to_data
from tradeplan.plan.model import EntryRule, GridProgram, Plan
from tradeplan.plan.signals import SignalProgram
from tradeplan.runtime.slot_run import slot_name

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "fuzz"))

from fuzz_budget import examples  # noqa: E402
from test_lint_never_crashes import SOURCES, mutated  # noqa: E402

SIBLING = {".yaml": ".tp", ".tp": ".yaml"}
NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.])")
NUMBERS = ["1", "2", "3", "5", "10", "20", "30", "50", "80", "100", "104.00", "0.5", "720"]
FLIPS = [("long", "short"), ("short", "long"), ("buy", "sell"), ("sell", "buy")]


def compile_text(name: str, text: str) -> Plan | None:
    form = form_of(name, text)
    if form is None:
        return None
    return compile_source(text, name, form).plan


BASE: dict[str, Plan] = {}
for _name, _text in SOURCES:
    _plan = compile_text(_name, _text)
    assert _plan is not None, _name
    BASE[_name] = _plan


@st.composite
def retuned(draw: st.DrawFn) -> tuple[str, str]:
    """A bundled strategy with a few numbers retyped, a side flipped or a name changed: the
    edits a trader makes to a running strategy, most of which still compile."""
    name, text = draw(st.sampled_from(SOURCES))
    lines = text.split("\n")
    code = [i for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")]
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.sampled_from(code))
        line, _, comment = lines[i].partition("#")
        action = draw(st.sampled_from(["number", "number", "number", "flip", "rename"]))
        numbers = list(NUMBER.finditer(line))
        if action == "number" and numbers and not line.startswith("tradeplan"):
            match = draw(st.sampled_from(numbers))
            new = draw(st.sampled_from(NUMBERS))
            line = line[: match.start()] + new + line[match.end() :]
        elif action == "flip":
            for old, new in FLIPS:
                if re.search(rf"\b{old}\b", line):
                    line = re.sub(rf"\b{old}\b", new, line, count=1)
                    break
        elif action == "rename":
            line = re.sub(r"\b(breakout|trend|pullback|repeat)-?(\w*)", r"\1x\2", line, count=1)
        lines[i] = line + ("#" + comment if comment else "")
    return name, "\n".join(lines)


def _tree(program: SignalProgram, index: int | None) -> Any:
    if index is None:
        return None
    data = to_data(program.nodes[index])
    for key in ("inputs", "left", "right", "operand", "reference", "source", "operands"):
        if key in data:
            value = data[key]
            data[key] = (
                [_tree(program, i) for i in value]
                if isinstance(value, list)
                else _tree(program, value)
            )
    return data


def _rule_value(plan: Plan, rule: EntryRule) -> str:
    data = to_data(rule)
    del data["when"], data["signals"], data["order"]["price"], data["order"]["trigger"]
    del data["exits"]["exit_when"]
    data["lowered"] = {
        key: _tree(plan.signals, getattr(rule.signals, key))
        for key in ("when", "exit_when", "price", "trigger")
    }
    return json.dumps(data, sort_keys=True)


def _grid_value(grid: GridProgram) -> str:
    data = to_data(grid)
    del data["slots"]
    return json.dumps(data, sort_keys=True)


def _slots(plan: Plan, grid: GridProgram) -> set[str]:
    return {slot_name(grid, price, plan.instrument) for price in grid.slots}


def expected(old: Plan, new: Plan) -> dict[str, Status]:
    """`kind:name` -> status for every rule, grid and slot whose compiled value differs."""
    out: dict[str, Status] = {}
    old_rules = {r.name: r for r in old.rules}
    new_rules = {r.name: r for r in new.rules}
    for name in old_rules.keys() | new_rules.keys():
        if name not in new_rules:
            out[f"rule:{name}"] = Status.REMOVED
        elif name not in old_rules:
            out[f"rule:{name}"] = Status.ADDED
        elif _rule_value(old, old_rules[name]) != _rule_value(new, new_rules[name]):
            out[f"rule:{name}"] = Status.CHANGED  # or REPLACED: checked as "not kept"
    old_grids = {g.name: g for g in old.grids}
    new_grids = {g.name: g for g in new.grids}
    for name in old_grids.keys() | new_grids.keys():
        was, now = old_grids.get(name), new_grids.get(name)
        before = _slots(old, was) if was is not None else set()
        after = _slots(new, now) if now is not None else set()
        for slot in before - after:
            out[f"slot:{slot}"] = Status.REMOVED
        for slot in after - before:
            out[f"slot:{slot}"] = Status.ADDED
        if was is None or now is None:
            out[f"grid:{name}"] = Status.ADDED if was is None else Status.REMOVED
            continue
        terms_differ = _grid_value(was) != _grid_value(now)
        if terms_differ or before != after:
            out[f"grid:{name}"] = Status.CHANGED
        if terms_differ:
            for slot in before & after:
                out[f"slot:{slot}"] = Status.CHANGED
    return out


def refused(old: Plan, new: Plan) -> bool:
    paper_fill = old.broker.name == "paper" and old.broker.fill is not new.broker.fill
    return (
        old.name != new.name
        or old.instrument != new.instrument
        or old.broker.name != new.broker.name
        or paper_fill
        or old.account.currency != new.account.currency
        or old.timeframe != new.timeframe
        or old.session is not new.session
    )


def check(name: str, text: str, against_sibling: bool) -> None:
    new = compile_text(name, text)
    if new is None:
        event("does not compile")
        return
    same = diff_plans(new, new)
    assert not same.refused and not same.changed
    assert {n.status for n in same.nodes} == {Status.KEPT}
    path = Path(name)
    base = path.with_suffix(SIBLING[path.suffix]).name if against_sibling else name
    old = BASE[base]
    diff = diff_plans(old, new)
    assert diff.refused == refused(old, new), [r.field for r in diff.refusals]
    if diff.refused:
        event("refused")
        assert diff.nodes == () and not diff.changed
        return
    owners = (Kind.RULE, Kind.GRID, Kind.SLOT)
    got = {
        f"{n.kind.value}:{n.name}": n.status
        for n in diff.nodes
        if n.kind in owners and n.status is not Status.KEPT
    }
    want = expected(old, new)
    settings_changed = any(n.status is not Status.KEPT for n in diff.nodes if n.kind not in owners)
    event(
        "rules or grids changed" if want else "settings only" if settings_changed else "no change"
    )
    assert got.keys() == want.keys()
    for key, status in want.items():
        if status is Status.CHANGED:
            assert got[key] in (Status.CHANGED, Status.REPLACED), key
        else:
            assert got[key] is status, key
    assert diff.changed == bool(want or settings_changed)
    assert json.loads(json.dumps(diff.to_json())) == diff.to_json()
    assert diff.describe()


@settings(max_examples=examples(120), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(retuned(), st.booleans())
def test_retuned_strategies_diff_exactly_what_changed(
    case: tuple[str, str], against_sibling: bool
) -> None:
    check(*case, against_sibling)


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(), st.booleans())
def test_fuzzed_strategies_diff_exactly_what_changed(
    case: tuple[str, str], against_sibling: bool
) -> None:
    check(*case, against_sibling)
