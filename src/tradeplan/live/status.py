"""`tradeplan status`: what a live run holds, read from its state store (from any terminal).

Per strategy: the plan version, whether it is halted and why, the feed's state, the last
reconcile and whether positions agreed with the broker then (`in_sync`), open positions,
working orders with their levels, the last events and alerts. It reads the store only, so it
works while the bot runs, after it stopped, and after it crashed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tradeplan.live.store import StateStore
from tradeplan.runtime.engine_state import from_json


def read_status(directory: Path, *, events: int = 10) -> dict[str, Any]:
    store = StateStore.open(directory)
    try:
        strategies: dict[str, Any] = {}
        for name in store.strategies():
            plan = store.current_plan(name)
            status = store.status(name)
            held = store.engine_state(name)
            positions: list[dict[str, str]] = []
            orders: list[dict[str, str | None]] = []
            if held is not None:
                state = from_json(held[0])
                positions = [
                    {
                        "owner": p.owner,
                        "side": "long" if p.side.value == "buy" else "short",
                        "qty": format(p.qty, "f"),
                        "price": format(p.price, "f"),
                    }
                    for p in state.positions
                ]
                orders = [
                    {
                        "client_id": w.order.id,
                        "owner": w.owner,
                        "type": w.order.type.value,
                        "side": w.order.side.value,
                        "qty": format(w.order.qty, "f"),
                        "price": None if w.order.price is None else format(w.order.price, "f"),
                        "trigger": None
                        if w.order.trigger is None
                        else format(w.order.trigger, "f"),
                        "status": w.status.value,
                        "tag": None if w.order.tag is None else w.order.tag.value,
                    }
                    for w in state.orders
                ]
            reconcile = status.get("reconcile")
            journal = store.journal(name)[-events:]
            strategies[name] = {
                "plan_version": None if plan is None else plan.version,
                "fingerprint": None if plan is None else plan.fingerprint,
                "halted": store.halted(name),
                "feed": status.get("feed", "unknown"),
                "in_sync": status.get("in_sync") == "true",
                "reconcile": None if reconcile is None else json.loads(reconcile),
                "reload": status.get("reload"),
                "last_bar": status.get("last_bar"),
                "heartbeat": status.get("heartbeat"),
                "refused_signals": json.loads(status.get("refused_signals", "[]")),
                "positions": positions,
                "working_orders": orders,
                "last_events": [
                    {"seq": e.seq, "kind": e.kind, "payload": json.loads(e.payload or "{}")}
                    for e in journal
                ],
                "alerts": [
                    {"time": a.time.isoformat(), "kind": a.kind, "message": a.message}
                    for a in store.alerts(name, limit=events)
                ],
            }
        return {"state": str(directory), "strategies": strategies}
    finally:
        store.close()


def render_status(report: dict[str, Any]) -> str:
    lines: list[str] = []
    if not report["strategies"]:
        return f"no strategy has run with --state {report['state']}\n"
    for name, s in report["strategies"].items():
        halted = f"HALTED ({s['halted']})" if s["halted"] else "trading"
        sync = "in sync with the broker" if s["in_sync"] else "NOT in sync with the broker"
        lines.append(
            f"{name}: plan version {s['plan_version']}, {halted}, feed {s['feed']}, {sync}"
        )
        if s["reload"]:
            lines.append(f"  last reload: {s['reload']}")
        if s["positions"]:
            for p in s["positions"]:
                lines.append(f"  position {p['owner']}: {p['side']} {p['qty']} at {p['price']}")
        else:
            lines.append("  no open position")
        for o in s["working_orders"]:
            level = o["price"] or o["trigger"] or "market"
            lines.append(
                f"  working {o['client_id']} ({o['owner']}, {o['tag']}): {o['type']} "
                f"{o['side']} {o['qty']} at {level} [{o['status']}]"
            )
        for r in s["refused_signals"][-5:]:
            lines.append(f"  refused {r['time']} {r['rule']} {r['side']}: {r['reason']}")
        for a in s["alerts"][:5]:
            lines.append(f"  alert {a['time']} {a['kind']}: {a['message']}")
        if s["last_events"]:
            last = s["last_events"][-1]
            lines.append(f"  last event #{last['seq']}: {last['kind']}")
    return "\n".join(lines) + "\n"


__all__ = ["read_status", "render_status"]
