"""Hot reload: a saved edit becomes the running plan, by plan diff, with no position lost.

../shared/LIVE.md section 4 is the design, and issue 9 the rules:

* The edit is compiled off to the side; an edit with errors keeps the old plan running and its
  diagnostics (file, line, column) go to the log, the alerts and `tradeplan status`.
* Nodes are matched by the names in the file (`live/plan_diff.py`), never by a hash of their
  parameters. A change of instrument, broker or account is refused with the diff's message.
* The swap waits for a safe point: no intent of the strategy unsent or of unknown outcome.
* Swapping builds a new run of the new plan on the bars already seen (its signals warm up on
  them), hands every kept or changed owner its state (its orders and position go on as they
  were), and moves the engine's own state (ledger, order book) across. Then the diff's order
  actions are carried out: a changed take profit or stop of an open position is amended in
  place to its new level (an amendment replaces the level atomically at the broker, so the
  position is never without its stop).
* A removed or replaced owner that still holds a position, or working orders, is *retired*: it
  takes no more entries (its working entries are cancelled) and its position runs to its exits
  under the terms it was opened with. A replaced owner's successor starts once it is flat; a
  removed one is dropped then. Nothing is flattened by a swap.
* The new plan version, the owners' states and the journal entry are written in one store
  transaction; a reconcile pass follows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from tradeplan.live.plan_diff import diff_plans
from tradeplan.live.plan_diff_model import LiveState, OrderAction, PlanDiff, Status
from tradeplan.live.strategy_run import StrategyRun
from tradeplan.orders.model import Order
from tradeplan.plan.model import Plan
from tradeplan.ports.broker import BrokerPort
from tradeplan.runtime.engine import Engine, Excursion
from tradeplan.runtime.owner import Owner


@dataclass(slots=True)
class Retired:
    """An owner running out its position under old terms, and who takes its place after."""

    owner: Owner
    successor: Owner | None = None


@dataclass(slots=True)
class Swap:
    run: StrategyRun
    diff: PlanDiff
    retired: list[Retired] = field(default_factory=list)
    amended: int = 0
    lines: list[str] = field(default_factory=list)


def live_state(run: StrategyRun) -> LiveState:
    """What the running owners hold, as the diff reads it."""
    engine = run.engine
    grouped: dict[str, list[Order]] = {}
    for held in engine.book.working():
        grouped.setdefault(held.owner, []).append(held.order)
    return LiveState(grouped, dict(engine.ledger.open))


def plan_diff(run: StrategyRun, plan: Plan) -> PlanDiff:
    return diff_plans(run.plan, plan, live_state(run))


def swap(
    old: StrategyRun,
    plan: Plan,
    diff: PlanDiff,
    broker: BrokerPort,
    *,
    bar_seconds: int,
    order_ids: Callable[[], str] | None,
    excursion: Excursion | None = None,
) -> Swap:
    """The new run (module docstring); `broker` is the strategy's gate, which the new engine
    connects to, so updates go to it from now on."""
    new = StrategyRun(
        old.name,
        plan,
        broker,
        bar_seconds=bar_seconds,
        balance=old.engine.ledger.initial_balance,
        order_ids=order_ids,
        history=old.bars,
        excursion=excursion,
        quote_rate=old.quote_rate,
        broker_margin=old.engine.config.broker_margin,
    )
    new.last_bar = old.last_bar
    result = Swap(new, diff)
    engine, before = new.engine, old.engine
    nodes = {node.name: node for node in diff.owners()}
    old_owners = {owner.name: owner for owner in before.owners}
    new_names = {owner.name for owner in engine.owners}
    retiring: list[Retired] = []
    for owner in list(engine.owners):
        previous = old_owners.get(owner.name)
        node = nodes.get(owner.name)
        if previous is None or node is None or node.status is Status.ADDED:
            continue
        if node.status in (Status.KEPT, Status.CHANGED):
            owner.restore(previous.snapshot())
        elif before.holds(owner.name):  # replaced while it holds something: it waits
            engine.remove_owner(owner)
            retiring.append(Retired(previous, owner))
    for name, previous in old_owners.items():
        if name not in new_names and before.holds(name):
            retiring.append(Retired(previous))
    engine.import_state(before.export_state(), keep_marks=True)
    for retired in retiring:
        retire = getattr(retired.owner, "retire", None)
        if retire is None:
            continue  # an owner kind that cannot retire is left out: nothing routes to it
        retire(engine)
        engine.add_owner(retired.owner)
        for held in engine.book.working():
            tag = held.order.tag
            if held.owner == retired.owner.name and (tag is None or tag.opens):
                engine.cancel(held.order.id)
        result.retired.append(retired)
        result.lines.append(
            f"{retired.owner.name}: takes no more entries; its position runs to its exits "
            "under the terms it was opened with"
            + (", then the new terms start" if retired.successor is not None else "")
        )
    for node in diff.owners():
        if node.status is not Status.CHANGED:
            continue
        for action in node.orders:
            result.amended += _carry_out(engine, action, result.lines)
    return result


def _carry_out(engine: Engine, action: OrderAction, said: list[str]) -> int:
    """One of the diff's order actions on the new engine; how many orders it moved.

    An amendment moves the order's level in place. A replacement of a stop or a limit by one
    of the same type at a new level is carried out the same way, as one amendment: the broker
    swaps the level atomically, so the position is never without its stop (what placing the new
    one before cancelling the old one guarantees, with one order instead of two). A cancel
    cancels. What would need a new order for an open position (an exit it did not have, a new
    type of stop) applies from its next position, and the log says so."""
    order_id = action.order_id
    if action.action in ("amend", "replace") and order_id is not None and action.new is not None:
        moved = _amend(engine, order_id, action.what, action.new, action.text)
        if moved:
            return moved
    if action.action == "cancel" and order_id is not None:
        engine.cancel(order_id)
        return 1
    if action.action in ("amend", "replace", "place"):
        said.append(f"{action.owner}: {action.text} - from its next position")
    return 0


def _amend(engine: Engine, order_id: str, what: str | None, new: Decimal, text: str) -> int:
    reason = f"hot reload: {text}"
    if what == "price":
        return int(engine.amend_levels(order_id, price=new, reason=reason))
    if what == "trigger":
        return int(engine.amend_levels(order_id, trigger=new, reason=reason))
    if what == "qty":
        engine.amend(order_id, qty=new, reason=reason)
        return 1
    return 0


def settle_retired(run: StrategyRun, retired: list[Retired]) -> list[str]:
    """Drop the retired owners that are flat with nothing working, starting their successors;
    returns what happened, for the log."""
    engine = run.engine
    said: list[str] = []
    for item in list(retired):
        if engine.holds(item.owner.name):
            continue
        engine.remove_owner(item.owner)
        retired.remove(item)
        if item.successor is not None:
            engine.add_owner(item.successor)
            said.append(f"{item.owner.name}: flat now; it goes on under the new terms")
        else:
            said.append(f"{item.owner.name}: flat now; removed as the edit says")
    return said


__all__ = ["Retired", "Swap", "live_state", "plan_diff", "settle_retired", "swap"]
