"""The plan diff: what saving an edited strategy file would do to the running strategy.

`diff_plans(old, new)` compares two compiled plans node by node, matching nodes by the names the
file gives them (an entry rule's `name`, a grid's `name`, a slot's `grid@price`), never by a hash
of their parameters: bbgo keyed a grid's saved position by its parameters, so editing the price
range orphaned the position (LIVE.md section 3). A renamed rule is therefore a removed rule and
an added one, and that is what the diff says.

Hot reload applies the diff (the lead's runner calls this with the live state, `LiveState`);
`tradeplan diff OLD NEW` prints it before anything runs. The values and their wording are in
`plan_diff_model`, the judgement of each field in `plan_diff_terms`, the order levels in
`plan_diff_orders`.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from tradeplan.live.plan_diff_model import (
    Apply,
    FieldChange,
    HeldPosition,
    Kind,
    LiveState,
    NodeDiff,
    OrderAction,
    PlanDiff,
    Refusal,
    Status,
)
from tradeplan.live.plan_diff_orders import Terms, order_actions
from tradeplan.live.plan_diff_terms import (
    account_changes,
    fee_changes,
    grid_changes,
    plan_changes,
    refusals,
    risk_changes,
    rule_changes,
)
from tradeplan.orders.model import Order
from tradeplan.plan.model import GridProgram, Plan
from tradeplan.runtime.slot_run import slot_name

_NO_LIVE = LiveState()

_RULE_EFFECTS = {
    Status.KEPT: "It keeps its orders and its position as they are.",
    Status.CHANGED: "It keeps its position and working orders; the changes below apply to them.",
    Status.REPLACED: (
        "Its working entry is cancelled; an open position runs to its exits under the old "
        "terms; then the rule enters under the new terms."
    ),
    Status.ADDED: "It starts flat: it enters at its first signal after the reload.",
    Status.REMOVED: (
        "It takes no more entries: its working entry is cancelled; an open position keeps its "
        "exits (the orders at the broker, and the break-even and time-exit clocks) until it "
        "closes."
    ),
}
_SLOT_EFFECTS = {
    Status.KEPT: "Keeps its orders and its position as they are.",
    Status.CHANGED: "Keeps its position and working orders; the grid's changes apply to them.",
    Status.REPLACED: (
        "Its working entries are cancelled; an open position runs to its exits under the old "
        "terms; then the slot arms under the new terms."
    ),
    Status.ADDED: "Starts flat: it places its entry at its price at the next bar close.",
    Status.REMOVED: (
        "Takes no more entries and never re-arms: its working entries are cancelled; an open "
        "position keeps its take profit and stop until one of them fills."
    ),
}
_GRID_EFFECTS = {
    Status.KEPT: "Its terms are unchanged.",
    Status.CHANGED: "Its slots carry on under the new terms.",
    Status.REPLACED: "Every slot is replaced (see below).",
    Status.ADDED: "A new grid: every slot starts flat.",
    Status.REMOVED: "Every slot stops taking entries (see below).",
}


def diff_plans(old: Plan, new: Plan, live: LiveState | None = None) -> PlanDiff:
    """What reloading `old` as `new` does; `live`, the running owners' orders and positions,
    adds the levels each working order moves to. A refused diff has no nodes: nothing applies."""
    state = live or _NO_LIVE
    refused = refusals(old, new)
    head = (old.name, new.name, old.fingerprint, new.fingerprint)
    if refused:
        return PlanDiff(*head, refusals=refused)
    nodes: list[NodeDiff] = []
    open_positions = len(state.positions) if live is not None else None
    for kind, changes in (
        (Kind.PLAN, plan_changes(old, new)),
        (Kind.ACCOUNT, account_changes(old, new)),
        (Kind.FEES, fee_changes(old, new)),
        (Kind.RISK, risk_changes(old, new, open_positions)),
    ):
        status = Status.CHANGED if changes else Status.KEPT
        effect = "Unchanged." if not changes else "The changes below apply."
        nodes.append(NodeDiff(kind, kind.value, status, effect, changes))
    nodes.extend(_rules(old, new, state))
    nodes.extend(_grids(old, new, state))
    known = {n.name for n in nodes if n.is_owner}
    unknown = tuple(name for name in state.owners() if name not in known)
    return PlanDiff(*head, refusals=(), nodes=tuple(nodes), unknown_owners=unknown)


def _status(changes: Sequence[FieldChange]) -> Status:
    if not changes:
        return Status.KEPT
    if any(c.apply is Apply.REARM for c in changes):
        return Status.REPLACED
    return Status.CHANGED


def _orders(state: LiveState, name: str) -> Sequence[Order]:
    return state.orders.get(name, ())


def _position(state: LiveState, name: str) -> HeldPosition | None:
    return state.positions.get(name)


def _rules(old: Plan, new: Plan, state: LiveState) -> list[NodeDiff]:
    before = {rule.name: rule for rule in old.rules}
    after = {rule.name for rule in new.rules}
    nodes: list[NodeDiff] = []
    inst = old.instrument
    for rule in new.rules:
        was = before.get(rule.name)
        if was is None:
            nodes.append(NodeDiff(Kind.RULE, rule.name, Status.ADDED, _RULE_EFFECTS[Status.ADDED]))
            continue
        changes = rule_changes(old, was, new, rule)
        status = _status(changes)
        actions = order_actions(
            rule.name,
            status,
            changes,
            _orders(state, rule.name),
            _position(state, rule.name),
            Terms.of_rule(was),
            Terms.of_rule(rule),
            inst,
        )
        nodes.append(
            NodeDiff(Kind.RULE, rule.name, status, _RULE_EFFECTS[status], changes, actions)
        )
    for rule in old.rules:
        if rule.name not in after:
            terms = Terms.of_rule(rule)
            actions = order_actions(
                rule.name,
                Status.REMOVED,
                (),
                _orders(state, rule.name),
                _position(state, rule.name),
                terms,
                terms,
                inst,
            )
            nodes.append(
                NodeDiff(
                    Kind.RULE, rule.name, Status.REMOVED, _RULE_EFFECTS[Status.REMOVED], (), actions
                )
            )
    return nodes


def _slots(plan: Plan, grid: GridProgram) -> dict[str, Decimal]:
    return {slot_name(grid, price, plan.instrument): price for price in grid.slots}


def _grids(old: Plan, new: Plan, state: LiveState) -> list[NodeDiff]:
    before = {grid.name: grid for grid in old.grids}
    after = {grid.name for grid in new.grids}
    nodes: list[NodeDiff] = []
    for grid in new.grids:
        was = before.get(grid.name)
        if was is None:
            nodes.append(NodeDiff(Kind.GRID, grid.name, Status.ADDED, _GRID_EFFECTS[Status.ADDED]))
            nodes.extend(_slot_nodes(old, new, None, grid, state))
            continue
        old_slots, new_slots = _slots(old, was), _slots(new, grid)
        added = sum(1 for name in new_slots if name not in old_slots)
        removed = sum(1 for name in old_slots if name not in new_slots)
        changes = grid_changes(old, was, new, grid, added, removed)
        status = _status(changes)
        nodes.append(NodeDiff(Kind.GRID, grid.name, status, _GRID_EFFECTS[status], changes))
        nodes.extend(_slot_nodes(old, new, was, grid, state, changes))
    for grid in old.grids:
        if grid.name not in after:
            nodes.append(
                NodeDiff(Kind.GRID, grid.name, Status.REMOVED, _GRID_EFFECTS[Status.REMOVED])
            )
            nodes.extend(_slot_nodes(old, new, grid, None, state))
    return nodes


def _slot_nodes(
    old: Plan,
    new: Plan,
    was: GridProgram | None,
    now: GridProgram | None,
    state: LiveState,
    changes: Sequence[FieldChange] = (),
) -> list[NodeDiff]:
    """A node for every slot of the grid, in price order: those that go on (their status and
    changes are the grid's, without its slot-set change, so each owner's node says all it has
    to do), then the removed ones."""
    old_slots = _slots(old, was) if was is not None else {}
    new_slots = _slots(new, now) if now is not None else {}
    terms = tuple(c for c in changes if c.apply is not Apply.SLOTS)
    going_on = _status(terms)
    grid = now or was
    assert grid is not None
    name = grid.name
    nodes: list[NodeDiff] = []
    for slot in new_slots:
        if slot not in old_slots:
            nodes.append(
                NodeDiff(Kind.SLOT, slot, Status.ADDED, _SLOT_EFFECTS[Status.ADDED], grid=name)
            )
            continue
        assert was is not None and now is not None
        actions = _slot_actions(old, new, slot, going_on, terms, was, now, state)
        nodes.append(
            NodeDiff(Kind.SLOT, slot, going_on, _SLOT_EFFECTS[going_on], orders=actions, grid=name)
        )
    for slot in old_slots:
        if slot not in new_slots:
            assert was is not None
            actions = _slot_actions(old, new, slot, Status.REMOVED, (), was, was, state)
            nodes.append(
                NodeDiff(
                    Kind.SLOT,
                    slot,
                    Status.REMOVED,
                    _SLOT_EFFECTS[Status.REMOVED],
                    orders=actions,
                    grid=name,
                )
            )
    return nodes


def _slot_actions(
    old: Plan,
    new: Plan,
    slot: str,
    status: Status,
    changes: Sequence[FieldChange],
    was: GridProgram,
    now: GridProgram,
    state: LiveState,
) -> tuple[OrderAction, ...]:
    return order_actions(
        slot,
        status,
        changes,
        _orders(state, slot),
        _position(state, slot),
        Terms.of_grid(was, old.fees),
        Terms.of_grid(now, new.fees),
        old.instrument,
    )


__all__ = [
    "Apply",
    "FieldChange",
    "HeldPosition",
    "Kind",
    "LiveState",
    "NodeDiff",
    "OrderAction",
    "PlanDiff",
    "Refusal",
    "Status",
    "diff_plans",
]
