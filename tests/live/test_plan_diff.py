"""The plan diff a hot reload applies: nodes matched by name, what each change does to a running
owner, and what is refused, on the bundled strategies and targeted edits of them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from tradeplan import api
from tradeplan.compiler.pipeline import compile_source
from tradeplan.core.enums import OrderType, Side
from tradeplan.lang.source import form_of
from tradeplan.live.plan_diff import (
    Apply,
    Kind,
    LiveState,
    NodeDiff,
    PlanDiff,
    Status,
    diff_plans,
)
from tradeplan.orders.model import Order, OrderTag
from tradeplan.plan.model import Plan

ROOT = Path(__file__).resolve().parents[2]
STRATEGIES = ROOT / "strategies"
YAMLS = sorted(STRATEGIES.glob("*.yaml"))


def plan_of(path: Path) -> Plan:
    plan = api.compile(path).plan
    assert plan is not None
    return plan


def edited(path: Path, *pairs: tuple[str, str]) -> Plan:
    """The strategy at `path` with each `old` text replaced by `new` (each must be there)."""
    text = path.read_text()
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new)
    form = form_of(path.name, text)
    assert form is not None
    result = compile_source(text, path.name, form)
    assert result.plan is not None, result.diagnostics
    return result.plan


def node(diff: PlanDiff, kind: Kind, name: str) -> NodeDiff:
    found = diff.node(kind, name)
    assert found is not None, (kind, name, diff.names())
    return found


def fields(found: NodeDiff) -> dict[str, tuple[str, str, Apply]]:
    return {c.field: (c.old, c.new, c.apply) for c in found.changes}


@dataclass(frozen=True)
class Held:
    side: Side
    qty: Decimal
    price: Decimal
    time: datetime = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)


BREAKEVEN = STRATEGIES / "breakeven-timeexit.yaml"
GRID = STRATEGIES / "usdjpy-grid.yaml"
REPEAT = STRATEGIES / "usdjpy-repeat.yaml"


# --- nothing changes ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", YAMLS + sorted(STRATEGIES.glob("*.tp")), ids=lambda p: p.name)
def test_a_strategy_against_itself_changes_nothing(path: Path) -> None:
    plan = plan_of(path)
    diff = diff_plans(plan, plan)
    assert not diff.refused and not diff.changed
    assert {n.status for n in diff.nodes} == {Status.KEPT}
    owners = {n.name for n in diff.owners()}
    slots = {f"{g.name}@" for g in plan.grids}
    assert {r.name for r in plan.rules} <= owners
    assert sum(1 for name in owners if name.startswith(tuple(slots))) == sum(
        len(g.slots) for g in plan.grids
    )
    assert "no changes" in diff.describe()[0]


@pytest.mark.parametrize("path", YAMLS, ids=lambda p: p.stem)
def test_yaml_and_its_text_form_are_the_same_plan(path: Path) -> None:
    diff = diff_plans(plan_of(path), plan_of(path.with_suffix(".tp")))
    assert not diff.refused and not diff.changed, diff.describe()


def test_a_respelled_condition_that_compiles_alike_is_kept() -> None:
    base = "time between 07:00 and 10:00\n  - name: breakout-short"
    pips = edited(BREAKEVEN, (base, base.replace("10:00", "10:00 and close - 5 pips > 100", 1)))
    price = edited(BREAKEVEN, (base, base.replace("10:00", "10:00 and close - 0.05 > 100", 1)))
    assert pips.rules[0].when != price.rules[0].when  # as written
    assert not diff_plans(pips, price).changed  # as the runtime evaluates it


# --- entry rules ----------------------------------------------------------------------------------


def test_a_take_profit_level_is_amended_on_the_open_position() -> None:
    old = plan_of(BREAKEVEN)
    new = edited(BREAKEVEN, ("take_profit: 120 pips", "take_profit: 150 pips"))
    tp = Order(
        "c-7", Side.SELL, OrderType.LIMIT, Decimal(50000), price=Decimal("151.200"),
        reduce_only=True, tag=OrderTag.TAKE_PROFIT, slot="breakout-long",
    )  # fmt: skip
    stop = Order(
        "c-8", Side.SELL, OrderType.STOP, Decimal(50000), trigger=Decimal("149.590"),
        reduce_only=True, tag=OrderTag.STOP_LOSS, slot="breakout-long",
    )  # fmt: skip
    held = {"breakout-long": Held(Side.BUY, Decimal(50000), Decimal("150.000"))}
    diff = diff_plans(old, new, LiveState.of_orders([tp, stop], held))
    rule = node(diff, Kind.RULE, "breakout-long")
    assert rule.status is Status.CHANGED
    assert fields(rule) == {"exits.take_profit": ("120 pips", "150 pips", Apply.AMEND)}
    amend, keep = rule.orders
    assert (amend.action, amend.order_id, amend.old, amend.new) == (
        "amend",
        "c-7",
        Decimal("151.200"),
        Decimal("151.50"),
    )
    assert "sell limit 151.20 for 50000 (c-7) is amended to 151.50" in amend.text
    assert (keep.action, keep.order_id) == ("keep", "c-8")
    # The short shares the strategy's exits: its take profit changes too (it holds nothing).
    assert node(diff, Kind.RULE, "breakout-short").status is Status.CHANGED
    text = "\n".join(diff.describe())
    assert "amended to its entry fill + 150 pips" in text
    assert "(c-7) is amended to 151.50" in text


def test_without_the_position_a_level_moves_by_the_change_of_width() -> None:
    old = plan_of(BREAKEVEN)
    new = edited(BREAKEVEN, ("take_profit: 120 pips", "take_profit: 150 pips"))
    tp = Order(
        "c-9", Side.BUY, OrderType.LIMIT, Decimal(1000), price=Decimal("148.800"),
        reduce_only=True, tag=OrderTag.TAKE_PROFIT, slot="breakout-short",
    )  # fmt: skip
    diff = diff_plans(old, new, LiveState.of_orders([tp]))
    (action,) = node(diff, Kind.RULE, "breakout-short").orders
    assert action.new == Decimal("148.500")  # a short's take profit sits lower


def test_a_changed_stop_is_replaced_new_one_first_and_a_break_even_stop_stays() -> None:
    old = plan_of(BREAKEVEN)
    new = edited(BREAKEVEN, ("stop_loss: 40 pips", "stop_loss: 30 pips"))
    stop = Order(
        "s-1", Side.BUY, OrderType.STOP, Decimal(1000), trigger=Decimal("150.410"),
        reduce_only=True, tag=OrderTag.STOP_LOSS, slot="breakout-short",
    )  # fmt: skip
    moved = Order(
        "s-2", Side.SELL, OrderType.STOP, Decimal(1000), trigger=Decimal("150.020"),
        reduce_only=True, tag=OrderTag.BREAK_EVEN, slot="breakout-long",
    )  # fmt: skip
    diff = diff_plans(old, new, LiveState.of_orders([stop, moved]))
    short = node(diff, Kind.RULE, "breakout-short")
    assert fields(short)["exits.stop_loss"] == ("40 pips", "30 pips", Apply.REPLACE)
    (replace,) = short.orders
    # 150.00 + (40 pips + 1 pip of spread) -> 150.00 + (30 pips + the same spread)
    assert (replace.action, replace.old, replace.new) == (
        "replace",
        Decimal("150.410"),
        Decimal("150.310"),
    )
    assert "placed before this one is cancelled" in replace.text
    (kept,) = node(diff, Kind.RULE, "breakout-long").orders
    assert kept.action == "keep" and "stays where it is" in kept.text
    assert "the new stop is placed before the old one is cancelled" in "\n".join(diff.describe())


def test_a_removed_stop_is_cancelled_and_says_the_position_is_unprotected() -> None:
    old = plan_of(REPEAT)
    new = edited(REPEAT, ("stop_loss: 100 pips", "stop_loss: none"))
    stop = Order(
        "r-3", Side.SELL, OrderType.STOP, Decimal(10000), trigger=Decimal("107.990"),
        reduce_only=True, tag=OrderTag.STOP_LOSS, slot="repeat@109.00",
    )  # fmt: skip
    diff = diff_plans(old, new, LiveState.of_orders([stop]))
    change = fields(node(diff, Kind.GRID, "repeat"))["stop_loss"]
    assert change == ("100 pips", "none", Apply.CANCEL)
    (cancel,) = node(diff, Kind.SLOT, "repeat@109.00").orders
    assert (cancel.action, cancel.order_id) == ("cancel", "r-3")
    assert "left without a stop loss" in "\n".join(diff.describe())


def test_a_renamed_rule_is_removed_and_added_never_matched_by_its_terms() -> None:
    old = plan_of(BREAKEVEN)
    new = edited(BREAKEVEN, ("name: breakout-short", "name: fade-short"))
    entry = Order(
        "e-1", Side.SELL, OrderType.MARKET, Decimal(1000), tag=OrderTag.ENTRY,
        slot="breakout-short",
    )  # fmt: skip
    tp = Order(
        "e-2", Side.BUY, OrderType.LIMIT, Decimal(1000), price=Decimal("148.800"),
        reduce_only=True, tag=OrderTag.TAKE_PROFIT, slot="breakout-short",
    )  # fmt: skip
    diff = diff_plans(old, new, LiveState.of_orders([entry, tp]))
    assert diff.names(Status.REMOVED) == ("rule:breakout-short",)
    assert diff.names(Status.ADDED) == ("rule:fade-short",)
    assert node(diff, Kind.RULE, "breakout-long").status is Status.KEPT
    removed = node(diff, Kind.RULE, "breakout-short")
    assert [(a.order_id, a.action) for a in removed.orders] == [("e-1", "cancel"), ("e-2", "keep")]
    text = "\n".join(diff.describe())
    assert "Entry rule `fade-short`: added. It starts flat" in text
    assert "Entry rule `breakout-short`: removed. It takes no more entries" in text


def test_a_new_side_or_entry_order_replaces_the_rule() -> None:
    path = STRATEGIES / "nvda-protect.yaml"
    old = plan_of(path)
    new = edited(path, ("price: close - 0.05", "price: close - 0.10"))
    entry = Order(
        "n-1", Side.BUY, OrderType.LIMIT, Decimal(50), price=Decimal("120.05"),
        tag=OrderTag.ENTRY, slot="pullback",
    )  # fmt: skip
    diff = diff_plans(old, new, LiveState.of_orders([entry]))
    rule = node(diff, Kind.RULE, "pullback")
    assert rule.status is Status.REPLACED
    assert fields(rule)["order"] == (
        "limit price close - 0.05",
        "limit price close - 0.1",
        Apply.REARM,
    )
    assert [(a.order_id, a.action) for a in rule.orders] == [("n-1", "cancel")]
    flipped = edited(
        path, ("side: long", "side: short"), ("price: close - 0.05", "price: close + 0.05")
    )
    assert node(diff_plans(old, flipped), Kind.RULE, "pullback").status is Status.REPLACED


def test_sizing_applies_to_the_next_entry() -> None:
    old = plan_of(BREAKEVEN)
    new = edited(BREAKEVEN, ("sizing: {risk: 1%}", "sizing: {risk: 0.5%}"))
    rule = node(diff_plans(old, new), Kind.RULE, "breakout-long")
    old_text, new_text, apply = fields(rule)["sizing"]
    assert (old_text, new_text, apply) == ("risk 1%", "risk 0.5%", Apply.NEXT_ENTRY)
    assert rule.changes[0].effect == "Applies to the next entry; an open position keeps its size."


# --- grids ----------------------------------------------------------------------------------------


def test_a_grids_quantity_amends_working_entries_and_leaves_positions_alone() -> None:
    old = plan_of(GRID)
    new = edited(GRID, ("units: 1000", "units: 2000"))
    entry = Order(
        "g-1", Side.BUY, OrderType.LIMIT, Decimal(1000), price=Decimal("105.000"),
        tag=OrderTag.ENTRY, slot="grid@105.00",
    )  # fmt: skip
    tp = Order(
        "g-2", Side.SELL, OrderType.LIMIT, Decimal(1000), price=Decimal("111.000"),
        reduce_only=True, tag=OrderTag.TAKE_PROFIT, slot="grid@110.00",
    )  # fmt: skip
    diff = diff_plans(old, new, LiveState.of_orders([entry, tp]))
    grid = node(diff, Kind.GRID, "grid")
    assert fields(grid) == {"units": ("1000", "2000", Apply.AMEND)}
    slots = [n for n in diff.owners() if n.kind is Kind.SLOT]
    assert len(slots) == 21 and {s.status for s in slots} == {Status.CHANGED}
    (amend,) = node(diff, Kind.SLOT, "grid@105.00").orders
    assert (amend.action, amend.what, amend.old, amend.new) == (
        "amend",
        "qty",
        Decimal(1000),
        Decimal(2000),
    )
    (keep,) = node(diff, Kind.SLOT, "grid@110.00").orders
    assert keep.action == "keep"
    assert "an open position keeps its size" in "\n".join(diff.describe())


def test_reentry_widths_take_effect_at_the_next_reentry() -> None:
    old = plan_of(REPEAT)
    new = edited(
        REPEAT, ("counter: -50 pips", "counter: -30 pips"), ("follow: +50 pips", "follow: +70 pips")
    )
    counter = Order(
        "r-1", Side.BUY, OrderType.LIMIT, Decimal(10000), price=Decimal("109.500"),
        tag=OrderTag.COUNTER, slot="repeat@109.00",
    )  # fmt: skip
    diff = diff_plans(old, new, LiveState.of_orders([counter]))
    grid = node(diff, Kind.GRID, "repeat")
    assert fields(grid) == {
        "counter": ("-50 pips", "-30 pips", Apply.NEXT_REENTRY),
        "follow": ("50 pips", "70 pips", Apply.NEXT_REENTRY),
    }
    slot = node(diff, Kind.SLOT, "repeat@109.00")
    assert slot.status is Status.CHANGED
    assert [a.action for a in slot.orders] == ["keep"]
    text = "\n".join(diff.describe())
    assert "re-enters with a buy limit at the exit fill - 30 pips" in text
    assert "re-entries already working keep their levels" in text


def test_a_grid_take_profit_and_stop_with_the_slots_position() -> None:
    old = plan_of(REPEAT)
    new = edited(
        REPEAT,
        ("take_profit: 100 pips", "take_profit: 120 pips"),
        ("stop_loss: 100 pips", "stop_loss: 80 pips"),
    )
    tp = Order(
        "r-2", Side.SELL, OrderType.LIMIT, Decimal(10000), price=Decimal("110.000"),
        reduce_only=True, tag=OrderTag.TAKE_PROFIT, slot="repeat@109.00",
    )  # fmt: skip
    stop = Order(
        "r-3", Side.SELL, OrderType.STOP, Decimal(10000), trigger=Decimal("107.990"),
        reduce_only=True, tag=OrderTag.STOP_LOSS, slot="repeat@109.00",
    )  # fmt: skip
    held = {"repeat@109.00": Held(Side.BUY, Decimal(10000), Decimal("109.000"))}
    diff = diff_plans(old, new, LiveState.of_orders([tp, stop], held))
    amend, replace = node(diff, Kind.SLOT, "repeat@109.00").orders
    assert (amend.action, amend.new) == ("amend", Decimal("110.200"))
    assert (replace.action, replace.new) == ("replace", Decimal("108.190"))  # the 1-pip spread kept


def test_a_wider_range_adds_slots_and_a_narrower_one_removes_them() -> None:
    old = plan_of(GRID)
    new = edited(GRID, ("from: 105.00", "from: 104.00"), ("to: 115.00", "to: 114.00"))
    held = {"grid@114.50": Held(Side.BUY, Decimal(1000), Decimal("114.500"))}
    entry = Order(
        "x-1", Side.BUY, OrderType.LIMIT, Decimal(1000), price=Decimal("115.000"),
        tag=OrderTag.ENTRY, slot="grid@115.00",
    )  # fmt: skip
    diff = diff_plans(old, new, LiveState.of_orders([entry], held))
    assert diff.names(Status.ADDED) == ("slot:grid@104.00", "slot:grid@104.50")
    assert diff.names(Status.REMOVED) == ("slot:grid@114.50", "slot:grid@115.00")
    assert node(diff, Kind.SLOT, "grid@105.00").status is Status.KEPT
    grid = node(diff, Kind.GRID, "grid")
    assert fields(grid)["slots"] == (
        "21 slots, 105.00 to 115.00",
        "21 slots, 104.00 to 114.00",
        Apply.SLOTS,
    )
    (cancel,) = node(diff, Kind.SLOT, "grid@115.00").orders
    assert (cancel.action, cancel.order_id) == ("cancel", "x-1")
    text = "\n".join(diff.describe())
    assert "2 slots added: grid@104.00, grid@104.50" in text
    assert "2 slots removed: grid@114.50, grid@115.00" in text
    assert "19 slots (grid@105.00, grid@105.50 ... grid@114.00)" in text


def test_a_new_grid_side_replaces_every_slot() -> None:
    old = plan_of(REPEAT)
    new = edited(
        REPEAT,
        ("side: buy", "side: sell"),
        ("counter: -50 pips", "counter: +50 pips"),
        ("follow: +50 pips", "follow: -50 pips"),
    )
    diff = diff_plans(old, new)
    assert node(diff, Kind.GRID, "repeat").status is Status.REPLACED
    assert node(diff, Kind.SLOT, "repeat@109.00").status is Status.REPLACED


# --- settings and refusals ----------------------------------------------------------------------


def test_risk_and_account_changes_are_entries_of_their_own() -> None:
    old = plan_of(GRID)
    new = edited(
        GRID,
        ("max_open_positions: 21", "max_open_positions: 1"),
        ("balance: 3000000", "balance: 2000000"),
    )
    held = {
        "grid@105.00": Held(Side.BUY, Decimal(1000), Decimal(105)),
        "grid@105.50": Held(Side.BUY, Decimal(1000), Decimal("105.5")),
    }
    diff = diff_plans(old, new, LiveState({}, held))
    assert fields(node(diff, Kind.RISK, "risk")) == {
        "max_open_positions": ("21", "1", Apply.NEXT_CHECK)
    }
    assert fields(node(diff, Kind.ACCOUNT, "account")) == {
        "balance": ("3000000", "2000000", Apply.NEXT_ENTRY)
    }
    assert node(diff, Kind.GRID, "grid").status is Status.KEPT
    assert "2 are open now: none is closed" in "\n".join(diff.describe())


@pytest.mark.parametrize(
    ("path", "edit", "field"),
    [
        (
            STRATEGIES / "eurusd-risk.yaml",
            ("instrument: EUR/USD", "instrument: GBP/USD"),
            "instrument",
        ),
        (GRID, ("pip: 0.01", "pip: 0.001"), "instrument.pip"),  # and the tick that follows it
        (BREAKEVEN, ("broker: oanda", "broker: paper"), "broker"),
        (GRID, ("currency: JPY", "currency: USD"), "account.currency"),
        (BREAKEVEN, ("timeframe: 1m", "timeframe: 5m"), "timeframe"),
        (STRATEGIES / "nvda-protect.yaml", ("session: all", "session: rth"), "session"),
        (GRID, ("name: usdjpy-range-grid", "name: another-grid"), "name"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_what_a_running_bot_cannot_take_is_refused(
    path: Path, edit: tuple[str, str], field: str
) -> None:
    diff = diff_plans(plan_of(path), edited(path, edit))
    assert diff.refused and not diff.changed
    assert field in [r.field for r in diff.refusals]
    assert all(r.field.split(".")[0] == field.split(".")[0] for r in diff.refusals)
    assert diff.nodes == ()
    lines = diff.describe()
    assert "cannot be applied" in lines[0]
    assert lines[-1] == "Nothing is applied: the old plan keeps running."
    assert diff.to_json()["refused"] is True


# --- the values -----------------------------------------------------------------------------------


def test_diffs_are_deterministic_and_their_json_is_plain_data() -> None:
    old = plan_of(GRID)
    new = edited(GRID, ("units: 1000", "units: 3000"), ("from: 105.00", "from: 103.00"))
    first, second = diff_plans(old, new), diff_plans(old, new)
    assert first == second
    data = first.to_json()
    assert json.loads(json.dumps(data)) == data
    assert data["changed"] is True and data["refused"] is False
    kinds = [n["kind"] for n in data["nodes"]]
    assert kinds[:5] == ["plan", "account", "fees", "risk", "grid"]
    slots = [n["name"] for n in data["nodes"] if n["kind"] == "slot"]
    assert slots[:2] == ["grid@103.00", "grid@103.50"] and len(slots) == 25
    added = next(n for n in data["nodes"] if n["name"] == "grid@103.00")
    assert added["status"] == "added" and added["grid"] == "grid"


def test_the_fill_profile_is_refused_on_paper_and_a_note_on_a_real_broker() -> None:
    paper = diff_plans(
        plan_of(REPEAT), edited(REPEAT, ("broker: paper", "broker: {name: paper, fill: exchange}"))
    )
    assert [r.field for r in paper.refusals] == ["fill"]
    live = diff_plans(
        plan_of(BREAKEVEN),
        edited(BREAKEVEN, ("broker: oanda", "broker: {name: oanda, fill: dealer}")),
    )
    assert not live.refused
    assert fields(node(live, Kind.PLAN, "plan")) == {"fill": ("exchange", "dealer", Apply.NONE)}
    assert all(n.status is Status.KEPT for n in live.owners())
