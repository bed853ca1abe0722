"""The values a plan diff is made of, and how it reads: `describe()` for a trader, `to_json()`
for scripts and for the hot-reload code that applies it.

A diff is a list of nodes, each one thing of the plan that owns orders or limits, matched by the
name the file gives it: the entry rules, the grids and each grid's slots (`grid@109.00`, the
owner names the runtime uses), and the plan-wide settings (account, fees, risk limits) as nodes
of their own. Each node has a status, and the status is the instruction for its running owner:

* kept: nothing changed; the owner keeps its orders and position untouched;
* changed: the owner carries on (its position, its working orders) under the new terms, each
  `FieldChange` saying when and how its field takes effect (`Apply`);
* replaced: a change the owner cannot take in place (see `plan_diff_terms`): its working
  entries are cancelled, an open position runs to its exits under the old terms, and the owner
  enters under the new terms once it is flat;
* added: a new owner, starting flat;
* removed: the owner takes no more entries (its working entries are cancelled); an open position
  keeps its exits until it closes, and nothing re-enters.

A refused diff (a change of instrument, broker, account currency, timeframe, session or the
strategy's name) applies nothing: it carries the refusals and no nodes.

Everything is frozen and ordered (settings, then rules, then grids each followed by its slots,
in the new file's order with removed nodes after), so two diffs of the same plans are equal and
print the same.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Protocol

from tradeplan.core.enums import Side
from tradeplan.core.money import fmt_decimal
from tradeplan.orders.model import Order


class Status(Enum):
    KEPT = "kept"
    CHANGED = "changed"
    REPLACED = "replaced"
    ADDED = "added"
    REMOVED = "removed"


class Apply(Enum):
    """When, and to what, one changed field applies on a running owner."""

    NONE = "none"  # nothing an order or an entry sees (a description)
    NEXT_BAR = "next_bar"  # a condition: decides from the next closed bar
    NEXT_ENTRY = "next_entry"  # the next entry order; an open position keeps its size and terms
    NEXT_REENTRY = "next_reentry"  # a slot's re-entry after its next exit
    NEXT_CHECK = "next_check"  # a risk limit: the next time the guards judge an entry
    NEXT_RESTART = "next_restart"  # `on_restart`: what the next start on the stored state does
    AMEND = "amend"  # working orders are amended in place (same client id)
    REPLACE = (
        "replace"  # a working order is replaced: the new one placed first, then the old cancelled
    )
    PLACE = "place"  # an open position gets an order it did not have
    CANCEL = "cancel"  # an open position's order of this kind is cancelled
    POSITION = "position"  # the bot-side management of an open position (break-even, time exit)
    SLOTS = "slots"  # a grid's slot prices: slots added and removed (see the slot nodes)
    REARM = "rearm"  # the owner is replaced (Status.REPLACED)


class Kind(Enum):
    PLAN = "plan"
    ACCOUNT = "account"
    FEES = "fees"
    RISK = "risk"
    RULE = "rule"
    GRID = "grid"
    SLOT = "slot"


OWNER_KINDS = frozenset({Kind.RULE, Kind.SLOT})
"""The nodes that are running owners (they hold orders and positions); a grid is their group."""


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field of a node, old -> new, in the words of the file (`none` for absent)."""

    field: str
    old: str
    new: str
    apply: Apply
    effect: str


@dataclass(frozen=True, slots=True)
class OrderAction:
    """What a reload does to one working order (or one order it places), given the live state.

    `action` is keep, amend, replace, place, cancel, or watch (where a break-even watch now
    sits; nothing is sent for it); `what` says which value moves (price,
    trigger, qty, trail), `old` and `new` its values (None where it is not known or not a
    number). `order_id` is the working order's client id (None for an order to be placed)."""

    owner: str
    action: str
    tag: str
    text: str
    order_id: str | None = None
    what: str | None = None
    old: Decimal | None = None
    new: Decimal | None = None


@dataclass(frozen=True, slots=True)
class NodeDiff:
    kind: Kind
    name: str
    status: Status
    effect: str
    changes: tuple[FieldChange, ...] = ()
    orders: tuple[OrderAction, ...] = ()
    grid: str | None = None  # a slot's grid

    @property
    def is_owner(self) -> bool:
        return self.kind in OWNER_KINDS


@dataclass(frozen=True, slots=True)
class Refusal:
    field: str
    old: str
    new: str
    message: str


class HeldPosition(Protocol):
    """An owner's open position as the diff reads it; the ledger's `Position` is one."""

    @property
    def side(self) -> Side: ...

    @property
    def qty(self) -> Decimal: ...

    @property
    def price(self) -> Decimal: ...

    @property
    def time(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class LiveState:
    """What the running owners hold, by owner name (a rule's name, a slot's `grid@price`):
    their working orders and their open positions. Given to `diff_plans`, it turns "the take
    profit is amended" into "sell limit 110.00 (o17) is amended to 110.20". Without a position
    for an owner, new levels are worked out from the working orders where the widths allow."""

    orders: Mapping[str, Sequence[Order]] = field(default_factory=dict)
    positions: Mapping[str, HeldPosition] = field(default_factory=dict)

    @classmethod
    def of_orders(
        cls, orders: Sequence[Order], positions: Mapping[str, HeldPosition] | None = None
    ) -> LiveState:
        """Working orders grouped by the owner each names (`Order.slot`)."""
        grouped: dict[str, list[Order]] = {}
        for order in orders:
            if order.slot is not None:
                grouped.setdefault(order.slot, []).append(order)
        return cls(grouped, dict(positions or {}))

    def owners(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.orders) | set(self.positions)))


_NOUNS = {
    Kind.RULE: "entry rule",
    Kind.GRID: "grid",
    Kind.SLOT: "slot",
    Kind.ACCOUNT: "account",
    Kind.FEES: "fees",
    Kind.RISK: "risk limits",
    Kind.PLAN: "strategy",
}
_SETTINGS = (Kind.PLAN, Kind.ACCOUNT, Kind.FEES, Kind.RISK)


@dataclass(frozen=True, slots=True)
class PlanDiff:
    """What a hot reload of `old` to `new` does; see the module docstring."""

    old_name: str
    new_name: str
    old_fingerprint: str
    new_fingerprint: str
    refusals: tuple[Refusal, ...] = ()
    nodes: tuple[NodeDiff, ...] = ()
    unknown_owners: tuple[str, ...] = ()
    """Owners in the live state that the old plan does not have: left alone."""

    @property
    def refused(self) -> bool:
        return bool(self.refusals)

    @property
    def changed(self) -> bool:
        """Whether applying it would do anything (a refused diff does nothing)."""
        return not self.refused and any(n.status is not Status.KEPT for n in self.nodes)

    def node(self, kind: Kind, name: str) -> NodeDiff | None:
        return next((n for n in self.nodes if n.kind is kind and n.name == name), None)

    def owners(self) -> tuple[NodeDiff, ...]:
        """The rules and slots, each with the instruction for its running owner."""
        return tuple(n for n in self.nodes if n.is_owner)

    def names(self, *statuses: Status) -> tuple[str, ...]:
        """`kind:name` of the nodes with one of `statuses` (all when none is given)."""
        return tuple(
            f"{n.kind.value}:{n.name}" for n in self.nodes if not statuses or n.status in statuses
        )

    # --- reading it -----------------------------------------------------------------------------

    def describe(self) -> list[str]:
        """The diff in plain words, one line each, for a trader deciding whether to save."""
        title = f"`{self.old_name}`"
        if self.new_name != self.old_name:
            title += f" -> `{self.new_name}`"
        if self.refused:
            lines = [f"{title}: this edit cannot be applied to the running strategy."]
            for refusal in self.refusals:
                lines.append(f"  refused: {refusal.field}: {refusal.old} -> {refusal.new}")
                lines.append(f"    {refusal.message}")
            lines.append("Nothing is applied: the old plan keeps running.")
            return lines
        if not self.changed:
            lines = [f"{title}: no changes. Every rule and slot keeps its orders."]
            lines.extend(self._kept_lines())
            return lines
        lines = [f"{title}: {self._summary()}"]
        grids_done: set[str] = set()
        for node in self.nodes:
            setting = node.kind in _SETTINGS and node.status is Status.CHANGED
            if setting or (node.kind is Kind.RULE and node.status is not Status.KEPT):
                lines.extend(_node_lines(node))
            elif node.kind is Kind.GRID and node.name not in grids_done:
                grids_done.add(node.name)
                lines.extend(self._grid_lines(node))
        lines.extend(self._kept_lines())
        for name in self.unknown_owners:
            lines.append(f"Not in the old plan, left alone: {name}.")
        return lines

    def _summary(self) -> str:
        parts: list[str] = []
        for kind in (Kind.RULE, Kind.GRID, Kind.SLOT):
            for status in (Status.CHANGED, Status.REPLACED, Status.ADDED, Status.REMOVED):
                count = sum(1 for n in self.nodes if n.kind is kind and n.status is status)
                if count:
                    noun = _NOUNS[kind] + ("s" if count != 1 else "")
                    parts.append(f"{count} {noun} {status.value}")
        settings = [n for n in self.nodes if n.kind in _SETTINGS and n.status is Status.CHANGED]
        if settings:
            parts.append("settings changed: " + ", ".join(_NOUNS[n.kind] for n in settings))
        return "; ".join(parts) + "."

    def _grid_lines(self, grid: NodeDiff) -> list[str]:
        slots = [n for n in self.nodes if n.kind is Kind.SLOT and n.grid == grid.name]
        if grid.status is Status.KEPT and all(s.status is Status.KEPT for s in slots):
            return []
        lines = _node_lines(grid)
        for status in (Status.ADDED, Status.REMOVED, Status.REPLACED, Status.CHANGED):
            chosen = [s for s in slots if s.status is status]
            if not chosen:
                continue
            count = len(chosen)
            lines.append(
                f"  {count} slot{'s' if count != 1 else ''} {status.value}: {_span(chosen)}"
            )
            lines.append(f"    {chosen[0].effect}")
        for slot in slots:
            for action in slot.orders:
                if action.action != "keep" or slot.status is not Status.KEPT:
                    lines.append(f"  {slot.name}: {action.text}")
        return lines

    def _kept_lines(self) -> list[str]:
        kept_rules = [n.name for n in self.nodes if n.kind is Kind.RULE and n.status is Status.KEPT]
        kept_slots = [n for n in self.nodes if n.kind is Kind.SLOT and n.status is Status.KEPT]
        lines: list[str] = []
        if kept_rules:
            lines.append(
                "Unchanged, keeping their orders and positions: "
                + ", ".join(f"entry rule `{name}`" for name in kept_rules)
                + "."
            )
        if kept_slots:
            count = len(kept_slots)
            lines.append(
                f"Unchanged, keeping their orders and positions: {count} "
                f"slot{'s' if count != 1 else ''} ({_span(kept_slots)})."
            )
        for node in self.nodes:
            if node.status is Status.KEPT and node.is_owner:
                lines.extend(f"  {node.name}: {a.text}" for a in node.orders)
        return lines

    def to_json(self) -> dict[str, Any]:
        """The diff as plain JSON data (Decimals as strings, as the plan's JSON writes them)."""
        return {
            "old": {"name": self.old_name, "fingerprint": self.old_fingerprint},
            "new": {"name": self.new_name, "fingerprint": self.new_fingerprint},
            "refused": self.refused,
            "changed": self.changed,
            "refusals": [
                {"field": r.field, "old": r.old, "new": r.new, "message": r.message}
                for r in self.refusals
            ],
            "nodes": [_node_json(n) for n in self.nodes],
            "unknown_owners": list(self.unknown_owners),
        }


def _node_lines(node: NodeDiff) -> list[str]:
    noun = _NOUNS[node.kind]
    head = f"{noun[0].upper()}{noun[1:]}"
    if node.kind not in _SETTINGS:
        head += f" `{node.name}`"
    lines = [f"{head}: {node.status.value}. {node.effect}"]
    for change in node.changes:
        lines.append(f"  {change.field}: {change.old} -> {change.new}")
        lines.append(f"    {change.effect}")
    lines.extend(f"  {action.text}" for action in node.orders)
    return lines


def _span(slots: list[NodeDiff]) -> str:
    if len(slots) <= 4:
        return ", ".join(s.name for s in slots)
    return f"{slots[0].name}, {slots[1].name} ... {slots[-1].name}"


def _node_json(node: NodeDiff) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": node.kind.value,
        "name": node.name,
        "status": node.status.value,
        "effect": node.effect,
        "changes": [
            {
                "field": c.field,
                "old": c.old,
                "new": c.new,
                "apply": c.apply.value,
                "effect": c.effect,
            }
            for c in node.changes
        ],
        "orders": [_action_json(a) for a in node.orders],
    }
    if node.grid is not None:
        data["grid"] = node.grid
    return data


def _action_json(action: OrderAction) -> dict[str, Any]:
    return {
        "owner": action.owner,
        "action": action.action,
        "tag": action.tag,
        "order_id": action.order_id,
        "what": action.what,
        "old": None if action.old is None else fmt_decimal(action.old),
        "new": None if action.new is None else fmt_decimal(action.new),
        "text": action.text,
    }


__all__ = [
    "OWNER_KINDS",
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
]
