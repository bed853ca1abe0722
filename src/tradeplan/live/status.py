"""`tradeplan status`: what a live run holds, read from its state store (from any terminal).

Per strategy: the plan version (and the plan's name and instrument), whether it is halted and
why (the kill switch, or the risk guards' drawdown halt and daily loss limit), the feed's state
and the last bar seen, the last reconcile and whether positions agreed with the broker then
(`in_sync`), the balance and the trades booked, open positions, working orders with their
levels, the last events and alerts. It reads the store only, so it works while the bot runs,
after it stopped, and after it crashed.

Whether a run is going on is not guessed from timestamps (a run at `--speed max` writes none
until it stops): `tradeplan run` holds an exclusive lock on `run.lock` in the state folder for
as long as it runs (`RunLock`), which also keeps a second bot off the same store. The lock
dies with the process, so a bot killed with SIGKILL is seen as not running at once.
"""

from __future__ import annotations

import fcntl
import json
import os
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Final

from tradeplan.live.store import StateStore
from tradeplan.runtime.engine_state import from_json

LOCK_NAME: Final = "run.lock"


class RunLocked(Exception):
    """Another process runs on this state folder; `pid` is its process id (0: unknown)."""

    def __init__(self, directory: Path, pid: int) -> None:
        who = f" (process {pid})" if pid else ""
        super().__init__(
            f"another `tradeplan run` is using {directory}/{who}: two bots on one state store "
            "would trade the same strategies twice. Stop it first (Ctrl-C), or give this run "
            "its own --state DIR"
        )
        self.pid = pid


class RunLock:
    """The state folder's run lock, held from `acquire()` to `release()` (see the module
    docstring)."""

    def __init__(self, directory: Path) -> None:
        self.path = Path(directory) / LOCK_NAME
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise RunLocked(self.path.parent, _pid_in(self.path)) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def running_pid(directory: Path) -> int | None:
    """The process id of the run holding `directory`'s lock (0 if unreadable), None when no
    run holds it."""
    path = Path(directory) / LOCK_NAME
    try:
        handle = path.open(encoding="utf-8")
    except OSError:
        return None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _pid_in(path)
        fcntl.flock(handle, fcntl.LOCK_UN)
    return None


def _pid_in(path: Path) -> int:
    try:
        text = path.read_text("utf-8").strip()
    except OSError:
        return 0
    return int(text) if text.isdigit() else 0


def read_status(directory: Path, *, events: int = 10) -> dict[str, Any]:
    pid = running_pid(directory)
    store = StateStore.open(directory)
    try:
        strategies: dict[str, Any] = {}
        for name in store.strategies():
            strategies[name] = _strategy(store, name, events)
            last = store.journal(name)[-1:] if pid is None else ()
            # A clean stop journals `stopped` last; a bot killed or crashed does not.
            strategies[name]["stopped_cleanly"] = (
                None if pid is not None else bool(last and last[0].kind == "stopped")
            )
        return {
            "state": str(directory),
            "running": pid is not None,
            "pid": pid or None,
            "strategies": strategies,
        }
    finally:
        store.close()


def _strategy(store: StateStore, name: str, events: int) -> dict[str, Any]:
    plan = store.current_plan(name)
    facts = json.loads(plan.plan_json) if plan is not None else {}
    status = store.status(name)
    held = store.engine_state(name)
    positions: list[dict[str, str]] = []
    orders: list[dict[str, str | None]] = []
    balance: str | None = None
    trades = 0
    risk = {"drawdown_halted": False, "daily_limit_reached": False}
    if held is not None:
        state = from_json(held[0])
        balance, trades = format(state.balance, "f"), state.trades
        if state.tracker is not None:
            risk = {
                "drawdown_halted": state.tracker.halted,
                "daily_limit_reached": state.tracker.daily_locked,
            }
        positions = [
            {
                "owner": p.owner,
                "side": "long" if p.side.value == "buy" else "short",
                "qty": format(p.qty, "f"),
                "price": format(p.price, "f"),
            }
            for p in sorted(state.positions, key=lambda p: p.owner)
        ]
        orders = [
            {
                "client_id": w.order.id,
                "owner": w.owner,
                "type": w.order.type.value,
                "side": w.order.side.value,
                "qty": format(w.order.qty, "f"),
                "price": None if w.order.price is None else format(w.order.price, "f"),
                "trigger": None if w.order.trigger is None else format(w.order.trigger, "f"),
                "status": w.status.value,
                "tag": None if w.order.tag is None else w.order.tag.value,
            }
            for w in sorted(state.orders, key=lambda w: (w.owner, w.order.id))
        ]
    reconcile = status.get("reconcile")
    journal = store.journal(name)[-events:]
    return {
        "name": facts.get("name"),
        "instrument": facts.get("instrument", {}).get("symbol"),
        "currency": facts.get("account", {}).get("currency"),
        "plan_version": None if plan is None else plan.version,
        "fingerprint": None if plan is None else plan.fingerprint,
        "halted": store.halted(name),
        "risk": risk,
        "feed": status.get("feed", "unknown"),
        "last_bar": status.get("last_bar"),
        "heartbeat": status.get("heartbeat"),
        "in_sync": status.get("in_sync") == "true",
        "reconcile": None if reconcile is None else json.loads(reconcile),
        "reload": status.get("reload"),
        "refused_signals": json.loads(status.get("refused_signals", "[]")),
        "balance": balance,
        "trades_closed": trades,
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


def _when(text: str | None, now: datetime) -> str:
    """An ISO time as `2025-01-10 10:45:00 UTC`, with how long ago when it is recent."""
    if not text:
        return "never"
    moment = datetime.fromisoformat(text).astimezone(UTC)
    shown = moment.strftime("%Y-%m-%d %H:%M:%S UTC")
    seconds = (now - moment).total_seconds()
    if 0 <= seconds < 48 * 3600:
        shown += f", {_ago(seconds)}"
    return shown


def _ago(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s ago"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min ago"
    return f"{seconds / 3600:.0f} h ago"


def _n(text: str | None) -> str:
    return "?" if text is None else format(Decimal(text), ",f")


def render_status(report: dict[str, Any], *, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    if not report["strategies"]:
        return f"no strategy has run with --state {report['state']}\n"
    lines: list[str] = []
    if report["running"]:
        pid = f" (process {report['pid']})" if report["pid"] else ""
        lines.append(f"a run is going on in {report['state']}/{pid}")
    else:
        lines.append(f"no run is going on in {report['state']}/ (what it left is shown)")
    for name, s in report["strategies"].items():
        lines.append("")
        lines.extend(_render_strategy(name, s, report["running"], now))
    return "\n".join(lines) + "\n"


def _render_strategy(name: str, s: dict[str, Any], running: bool, now: datetime) -> list[str]:
    what = ", ".join(x for x in (s["name"], s["instrument"]) if x)
    if s["halted"]:
        trading = f"HALTED by `tradeplan halt` ({s['halted']}): no new entries"
    elif s["risk"]["drawdown_halted"]:
        trading = "HALTED by the max drawdown limit: no new entries"
    elif s["risk"]["daily_limit_reached"]:
        trading = "daily loss limit reached: no new entries today"
    elif running:
        trading = "trading"
    elif s["stopped_cleanly"]:
        trading = "stopped"
    else:
        trading = "not running: it did not stop cleanly (killed or crashed); a run started again on this state restores and reconciles"
    lines = [f"{name} ({what}): plan version {s['plan_version']}, {trading}"]
    feed = s["feed"] if running or s["feed"] == "ended" else f"{s['feed']} when the run stopped"
    lines.append(f"  feed: {feed}; last bar {_when(s['last_bar'], now)}")
    checked = s["reconcile"]["time"] if s["reconcile"] else None
    sync = "in sync with the broker" if s["in_sync"] else "NOT in sync with the broker"
    lines.append(f"  {sync} (last reconcile {_when(checked, now)})")
    if s["reconcile"] and s["reconcile"].get("problems"):
        lines.extend(f"    {p}" for p in s["reconcile"]["problems"])
    currency = f" {s['currency']}" if s["currency"] else ""
    lines.append(f"  balance {_n(s['balance'])}{currency}, {s['trades_closed']} trades closed")
    if s["reload"]:
        lines.append(f"  last reload: {s['reload']}")
    positions = s["positions"]
    if positions:
        lines.append(f"  {len(positions)} open position{'s' if len(positions) > 1 else ''}:")
        for p in positions:
            lines.append(f"    {p['owner']}: {p['side']} {_n(p['qty'])} at {p['price']}")
    else:
        lines.append("  no open position")
    orders = s["working_orders"]
    if orders:
        lines.append(f"  {len(orders)} working order{'s' if len(orders) > 1 else ''}:")
        for o in orders:
            level = o["price"] or o["trigger"] or "market"
            tag = (o["tag"] or "order").replace("_", " ")
            lines.append(
                f"    {o['owner']}: {tag}, {o['side']} {o['type'].replace('_', ' ')} "
                f"{_n(o['qty'])} at {level} ({o['client_id']}, {o['status']})"
            )
    else:
        lines.append("  no working order")
    for r in s["refused_signals"][-5:]:
        lines.append(f"  refused {r['time']} {r['rule']} {r['side']}: {r['reason']}")
    alerts = s["alerts"][-5:]
    if alerts:
        lines.append(f"  last {len(alerts)} alert{'s' if len(alerts) > 1 else ''}:")
        for a in alerts:
            lines.append(f"    {_when(a['time'], now)}: {a['kind']}: {a['message']}")
    if s["last_events"]:
        last = s["last_events"][-1]
        lines.append(f"  last event #{last['seq']}: {last['kind']}")
    return lines


__all__ = ["RunLock", "RunLocked", "read_status", "render_status", "running_pid"]
