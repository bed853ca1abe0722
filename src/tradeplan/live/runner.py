"""`tradeplan run`: strategies trading live on one broker connection, one event at a time.

Threads. A broker reports from its own threads (a socket reader, the paper venue's clock). Every
report is put on one queue and the kernel thread takes them off in order, so the engine, the
owners and the store are only ever touched by one thread, as in a backtest. A report that
arrives on the kernel thread itself (the broker answered inside the call, as the paper venue and
Futu's order push do) is handled at once, exactly where a backtest handles it.

Each event, in order:
1. routed to its strategy (by the client id's tag, `client_ids.py`), de-duplicated (a fill is
   booked once per broker trade id; a report whose sequence number is not after the last one of
   its order is dropped), applied by the engine;
2. the owners' states that changed are snapshotted and the event journalled, in one store
   transaction with the intents it moved (`_persist`);
3. what the engine recorded is appended to the `--out` files and logged.

Between events the kernel checks the kill switch (`tradeplan halt`, set in the store from any
terminal), settles orders whose outcome was unknown (`SendGate.resolve_unknown`), and watches
the feed: no closed bar for `stale_after` bar intervals is an alert, and no new entries are sent
until bars come back.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Final

from tradeplan.compiler.pipeline import CompileResult
from tradeplan.core.enums import RestartPolicy
from tradeplan.core.money import ZERO
from tradeplan.live.bars import GrowingBars
from tradeplan.live.client_ids import client_id, parse_client_id, strategy_tag
from tradeplan.live.logs import EventLog
from tradeplan.live.plan_diff_model import PlanDiff
from tradeplan.live.reconcile import Held, ReconcileReport, reconcile
from tradeplan.live.reload import Retired, plan_diff, settle_retired, swap
from tradeplan.live.send_gate import SendGate
from tradeplan.live.store import IntentState, StateStore
from tradeplan.live.strategy_run import StrategyRun, warmup_rows
from tradeplan.orders.model import OrderEvent, OrderStatus, OrderTag
from tradeplan.plan.codec import fingerprint, plan_from_json, plan_to_json
from tradeplan.plan.model import Plan
from tradeplan.ports.broker import OrderUpdate, PriceTouch
from tradeplan.ports.live import (
    ConvertsToAccount,
    FeedState,
    FillReport,
    LiveBar,
    LiveBrokerPort,
    MeasuresExcursions,
)
from tradeplan.reporting.csv_out import (
    ALERT_COLUMNS,
    ORDER_COLUMNS,
    SIGNAL_COLUMNS,
    TRADE_COLUMNS,
    CsvAppender,
    Formats,
)
from tradeplan.runtime.engine import Engine
from tradeplan.runtime.engine_state import EngineState
from tradeplan.runtime.engine_state import from_json as engine_state_from_json
from tradeplan.runtime.engine_state import to_json as engine_state_to_json
from tradeplan.runtime.owner import Owner
from tradeplan.runtime.records import AlertRecord
from tradeplan.runtime.state_codec import from_json, to_json

_FILLS: Final = frozenset({OrderEvent.PARTIALLY_FILLED, OrderEvent.FILLED})
_DONE: Final = frozenset({OrderEvent.FILLED, OrderEvent.CANCELLED, OrderEvent.EXPIRED})
# Events written to the journal only when they changed something.
_QUIET: Final = frozenset({"bar", "touch", "update"})


@dataclass(frozen=True, slots=True)
class StrategySource:
    """A strategy to run: its name (unique in the run), its file and the compiled plan."""

    name: str
    path: Path
    plan: Plan
    text: str


@dataclass(slots=True)
class _Strategy:
    source: StrategySource
    run: StrategyRun
    gate: SendGate
    tag: str
    version: int
    files: list[CsvAppender] = field(default_factory=list)
    written: list[int] = field(default_factory=lambda: [0, 0, 0, 0])
    snapshots: dict[str, object] = field(default_factory=dict)
    last_seq: dict[str, int] = field(default_factory=dict)
    engine_state: EngineState | None = None
    retired: list[Retired] = field(default_factory=list)
    pending: _Reload | None = None  # a valid edit waiting for a safe point
    next_id: Callable[[], str] | None = None
    persisted: tuple[int, ...] = ()  # the record counts at the last write
    restored: bool = False  # started from a stored state (a restart)
    halt_seen: bool = False  # the kill switch was on at the last look (its working entries went)


class RestartRefused(Exception):
    """A restart that would not be safe; the message says what to do instead."""


class _Stop:
    pass


@dataclass(frozen=True, slots=True)
class _Reload:
    name: str
    noticed: float  # time.monotonic() when the save was seen


_Event = LiveBar | OrderUpdate | PriceTouch | tuple[FeedState, str] | _Stop | _Reload


class LiveRunner:
    """See the module docstring.

    `pump`, when given, drives a venue that steps on demand (the in-process paper venue at full
    speed): called whenever the queue is empty, it delivers the next bar on this thread and
    returns False once the feed has ended. Without it the venue runs on its own clock."""

    def __init__(
        self,
        broker: LiveBrokerPort,
        store: StateStore,
        sources: Sequence[StrategySource],
        *,
        bar_seconds: int,
        log: EventLog,
        out_dir: Path | None = None,
        pump: Callable[[], bool] | None = None,
        stale_after: float = 3.0,
        clock: Callable[[], datetime] | None = None,
        compile_file: Callable[[Path], CompileResult] | None = None,
        watch: bool = False,
        reconcile_every: float = 60.0,
    ) -> None:
        """`compile_file` compiles an edited strategy (hot reload); `watch` starts a thread
        that notices saves (watchfiles) and asks for a reload; `reconcile_every` seconds a
        reconcile pass checks the store against the broker again (LIVE.md, failure 9: changes
        made by hand at the broker are noticed while the bot runs)."""
        names = [s.name for s in sources]
        if len(set(names)) != len(names):
            raise ValueError(f"two strategies share a name: {', '.join(names)}")
        self.broker = broker
        self.store = store
        self.log = log
        self._bar_seconds = bar_seconds
        self.bars_taken = 0  # closed bars handled by this run (a dry run stops after one)
        self._pump = pump
        self._stale_after = stale_after
        self._clock = clock or (lambda: datetime.now(UTC))
        self._queue: queue.Queue[_Event] = queue.Queue()
        self._kernel = threading.get_ident()
        self._feed = FeedState.LIVE
        self._last_bar_at = time.monotonic()
        self._stale = False
        self._ended = False
        self._stopping = False
        self._out_of_sync = ""
        self._depth = 0  # units of work under way (`_unit`)
        self._flushing = False  # sends under way: a unit inside one leaves them to it
        self.event_began = time.perf_counter()
        self._adopting: set[str] = set()  # strategies that trade on beside unknown positions
        self._kept = 0.0  # when housekeeping last ran
        self._noted = self._reconciled = time.monotonic()
        self._reconcile_every = reconcile_every
        self._strategies: list[_Strategy] = []
        self._by_tag: dict[str, _Strategy] = {}
        self._compile = compile_file
        self._excursion = broker.excursion if isinstance(broker, MeasuresExcursions) else None
        self._watch = watch
        self._watcher: threading.Thread | None = None
        self._watch_stop = threading.Event()
        self.reload_latencies: list[float] = []  # seconds from save noticed to plan active
        # On a real account the money sized by the 2% rule is the account's, not the balance a
        # strategy file names for its backtests (the paper venue's account is that one).
        self._balance = (
            None if broker.profile.adapter == "paper" else _account_balance(broker, sources)
        )
        converts = getattr(broker, "inner", broker)  # a dry run's broker wraps the real one
        self._quote_rate = converts.home_rate if isinstance(converts, ConvertsToAccount) else None
        for source in sources:
            strategy = self._build(source, out_dir if len(sources) == 1 else _sub(out_dir, source))
            self._strategies.append(strategy)
            self._by_tag[strategy.tag] = strategy
        broker.connect(self)

    # --- building ------------------------------------------------------------------------------

    def _build(self, source: StrategySource, out_dir: Path | None) -> _Strategy:
        store = self.store
        name = source.name
        store.register_strategy(name, str(source.path))
        plan_json = plan_to_json(source.plan)
        current = store.current_plan(name)
        print_ = fingerprint(source.plan)
        # A restart may change how it restarts (`on_restart`) and nothing else unseen.
        same = current is not None and _trading_print(
            plan_from_json(current.plan_json)
        ) == _trading_print(source.plan)
        if current is None or current.fingerprint != print_:
            version = store.add_plan_version(name, print_, plan_json, source.text)
        else:
            version = current.version
        tag = strategy_tag(name)
        holder: dict[str, StrategyRun] = {}

        def next_id() -> str:
            return client_id(tag, store.next_client_seq(name))

        def owner_of(order_id: str) -> str:
            return holder["run"].engine.book.owner(order_id)

        def wanted(order_id: str) -> bool:
            status = holder["run"].engine.book.status(order_id)
            return (
                status is not None and status.is_open and status is not OrderStatus.PENDING_CANCEL
            )

        gate = SendGate(
            name,
            self.broker,
            store,
            clock=self._clock,
            alert=lambda kind, message, order_id: self._alert(name, kind, message, order_id),
            owner_of=owner_of,
            plan_version=lambda: strategy.version,
            halted=lambda: self._halt_reason(name),
            wanted=wanted,
            park=lambda: not self._stopping,
            scrub=self.log.scrub,
            sent=lambda order: self.log.event(
                "order_sent",
                name,
                client_id=order.id,
                type=order.type.value,
                side=order.side.value,
                qty=order.qty,
                latency_ms=round((time.perf_counter() - self.event_began) * 1000, 3),
            ),
        )
        run = StrategyRun(
            name,
            source.plan,
            gate,
            bar_seconds=self._bar_seconds,
            order_ids=next_id,
            history=self._history(source.plan),
            excursion=self._excursion,
            balance=self._balance,
            quote_rate=self._quote_rate,
            broker_margin=self._balance is not None,  # a real account: its margin caps sizes
        )
        holder["run"] = run
        strategy = _Strategy(source, run, gate, tag, version)
        strategy.next_id = next_id
        if out_dir is not None:
            formats = Formats(source.plan.account.currency, source.plan.instrument)
            strategy.files = [
                CsvAppender(out_dir / "trades.csv", TRADE_COLUMNS, formats),
                CsvAppender(out_dir / "orders.csv", ORDER_COLUMNS, formats),
                CsvAppender(out_dir / "signals.csv", SIGNAL_COLUMNS),
                CsvAppender(out_dir / "alerts.csv", ALERT_COLUMNS),
            ]
        restored = self._restore(strategy, same)
        strategy.restored = restored > 0 or self.store.engine_state(name) is not None
        for owner in run.engine.owners:
            strategy.snapshots[owner.name] = owner.snapshot()
        strategy.engine_state = run.engine.export_state()
        if restored:
            self.log.event(
                "restored",
                name,
                f"restored {restored} owners' states and "
                f"{len(strategy.engine_state.orders)} working orders from the store",
                owners=restored,
                working_orders=len(strategy.engine_state.orders),
                positions=len(strategy.engine_state.positions),
            )
        self.log.event(
            "strategy_started",
            name,
            f"{source.path.name}: plan version {version}, {len(run.engine.owners)} owners",
            plan_version=version,
            fingerprint=print_,
            file=str(source.path),
        )
        return strategy

    def _on_restart(self, strategy: _Strategy) -> None:
        """The strategy's `on_restart` policy, once it is restored and reconciled
        (docs/language.md): resume carries on; halt takes no new entries until `tradeplan
        resume`; flatten cancels its entries and closes its positions at market first; adopt
        trades on beside what the broker holds that the strategy does not know."""
        name = strategy.source.name
        policy = restart_policy(strategy.source.plan)
        if policy == "halt" and self.store.halted(name) is None:
            self.store.halt(name, "on_restart: halt (started again after a stop)")
            self.log.event(
                "restart_halted",
                name,
                f"on_restart: halt: no new entries until `tradeplan resume {name}`; exits work",
            )
        elif policy == "flatten":
            engine, gate = strategy.run.engine, strategy.gate
            row = max(strategy.run.bars.count - 1, 0)
            self._unit(
                lambda: engine.finish(row, lambda order, _row: gate.submit(order), OrderTag.MANUAL)
            )
            self.log.event(
                "restart_flattened",
                name,
                "on_restart: flatten: working orders cancelled, open positions closed at market",
            )
        elif policy == "adopt":
            self._adopting.add(name)
            if self._out_of_sync:
                self.log.event(
                    "restart_adopted",
                    name,
                    f"on_restart: adopt: {self._out_of_sync}; left alone, trading goes on",
                )

    def _history(self, plan: Plan) -> GrowingBars | None:
        """The bars before now the plan's indicators warm up on (`Plan.signals.warmup`, in
        the plan's bars, counted in the feed's), from the broker."""
        if plan.signals.warmup <= 0:
            return None
        bars = self.broker.history(warmup_rows(plan, self._bar_seconds))
        if not bars:
            return None
        history = GrowingBars(plan.instrument)
        for bar in bars:
            history.append(bar)
        return history

    def _restore(self, strategy: _Strategy, same_plan: bool) -> int:
        """Take the owners' and the engine's last stored states, if any; how many owners."""
        name = strategy.source.name
        snapshots = self.store.snapshots(name)
        engine_state = self.store.engine_state(name)
        if not snapshots and engine_state is None:
            return 0
        if not same_plan:
            raise RestartRefused(
                f"{strategy.source.path}: the strategy changed while the bot was stopped, and "
                "a run with open orders or positions is never restarted on a different plan "
                "unseen. Start it with the file it ran with, then save the edit while it runs "
                "(hot reload applies it by plan diff), or check the change first with "
                "`tradeplan diff`"
            )
        engine = strategy.run.engine
        restored = 0
        for owner in engine.owners:
            snapshot = snapshots.get(owner.name)
            if snapshot is not None:
                owner.restore(from_json(snapshot.state))
                restored += 1
        if engine_state is not None:
            engine.import_state(engine_state_from_json(engine_state[0]))
        return restored

    def reconcile(self) -> ReconcileReport:
        """A reconcile pass (reconcile.py) over every strategy; stored, logged, and a
        disagreement holds new entries back until a later pass agrees."""
        done: list[ReconcileReport] = []
        self._unit(lambda: done.append(self._reconcile()))
        return done[0]

    def _reconcile(self) -> ReconcileReport:
        held = [
            Held(
                s.source.name,
                s.tag,
                s.run.engine,
                self._on_update,
                s.gate.resolve_unknown,
                self.store.has_fill,
            )
            for s in self._strategies
        ]
        cursor = self.store.cursor("fills")
        report, cursor = reconcile(self.broker, held, cursor, self._clock())
        if cursor is not None:
            self.store.set_cursor("fills", cursor)
        self._reconciled = time.monotonic()
        self._out_of_sync = "" if report.in_sync else "; ".join(report.problems)
        for strategy in self._strategies:
            self.store.set_status(strategy.source.name, "reconcile", report.to_json())
            self.store.set_status(strategy.source.name, "in_sync", str(report.in_sync).lower())
        self.log.event("reconciled", "", report.sentence(), report=json.loads(report.to_json()))
        self._persist("reconcile")
        return report

    @property
    def strategies(self) -> tuple[StrategyRun, ...]:
        return tuple(s.run for s in self._strategies)

    # --- the broker's threads (BrokerListener, MarketListener) ------------------------------------

    def on_order_update(self, update: OrderUpdate) -> None:
        if update.reason:  # a broker's words may quote a secret: starred before kept anywhere
            reason = self.log.scrub(update.reason)
            if reason != update.reason:
                update = replace(update, reason=reason)
        self._arrive(update)

    def on_price_touch(self, touch: PriceTouch) -> None:
        self._arrive(touch)

    def on_bar(self, bar: LiveBar) -> None:
        self._arrive(bar)

    def on_feed_state(self, state: FeedState, detail: str) -> None:
        self._arrive((state, detail))

    def stop(self) -> None:
        """Ask the loop to stop after the event in hand (any thread, a signal handler)."""
        self._queue.put(_Stop())

    def _arrive(self, event: _Event) -> None:
        if threading.get_ident() == self._kernel:
            self._handle(event)  # answered inside a call from this thread: handled in place
        else:
            self._queue.put(event)

    # --- the kernel thread ----------------------------------------------------------------------

    def run(
        self,
        *,
        until: Callable[[], bool] | None = None,
        ready: Callable[[], None] | None = None,
    ) -> int:
        """Reconcile, subscribe, then take events until the feed ends, `stop()` is called or
        `until()` says so; 0. `ready` is called once subscribed (start a venue's clock)."""
        self._kernel = threading.get_ident()
        self.reconcile()
        for strategy in self._strategies:
            if strategy.restored:
                self._on_restart(strategy)
        self.broker.subscribe(self)
        if self._watch:
            self._start_watcher()
        if ready is not None:
            ready()
        self._housekeeping()
        while not self._stopping and not (until is not None and until()):
            try:
                event = self._queue.get(timeout=0.0 if self._pump else 0.2)
            except queue.Empty:
                if self._ended:
                    break
                if self._pump is not None:
                    self._housekeeping(paced=False)
                    if not self._pump():
                        self._ended = True
                else:
                    self._housekeeping()
                continue
            self._handle(event)
            if self._pump is None and time.monotonic() - self._kept >= 0.2:
                self._housekeeping()  # between events, never inside one
            if self._ended and self._queue.empty():
                break
        self.finish()
        return 0

    def finish(self) -> None:
        """Flush: what is recorded is written, the store holds the last states. Stopped by
        hand (Ctrl-C, `stop()`), working entries are cancelled first; protective exits stay
        working at the broker, as they do when the feed ends."""
        self._watch_stop.set()
        if self._stopping:
            self._unit(self._cancel_entries)
            self._drain()
        self._note_status()
        self.reconcile()  # what `status` says about the broker, as the run leaves it
        self._persist("stopped")
        unsubscribe = getattr(self.broker, "unsubscribe", None)
        if unsubscribe is not None:
            unsubscribe(self)  # a venue that outlives this run tells it nothing more
        for strategy in self._strategies:
            for appender in strategy.files:
                appender.close()
        self.log.event("stopped", "", "stopped; working orders stay at the broker")

    def _cancel_entries(self) -> None:
        for strategy in self._strategies:
            self._stand_down(strategy, "stopping")

    def _stand_down(self, strategy: _Strategy, why: str) -> None:
        """Cancel the strategy's working entries (exits stay): grid slots place theirs again
        when trading resumes; a rule enters again on its next signal."""
        engine = strategy.run.engine
        working = {w.order.id for w in engine.book.working()}
        engine.stand_down()  # grid slots cancel their own entries, to place them again
        again = _cancelled(engine, working)
        for held in engine.book.working():
            tag = held.order.tag
            if tag is None or tag.opens:
                engine.cancel(held.order.id)  # nothing for one already being cancelled
        event = "entry_cancelled_on_stop" if why == "stopping" else "entry_cancelled_on_halt"
        for order_id in sorted(_cancelled(engine, working)):
            later = "; placed again when trading resumes" if order_id in again else ""
            self.log.event(
                event,
                strategy.source.name,
                f"{why}: entry {order_id} cancelled{later}",
                client_id=order_id,
            )

    def _drain(self, seconds: float = 2.0) -> None:
        """Handle what the broker answers for a little while (the cancels' updates)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                event = self._queue.get(timeout=0.05)
            except queue.Empty:
                if self._pump is not None:
                    return  # an in-process venue answered inside the calls
                continue
            if not isinstance(event, _Stop | LiveBar):
                self._handle(event)  # a bar is not traded on any more: the bot is stopping

    def _unit(self, action: Callable[[], object]) -> None:
        """Run `action` as one unit of work: what it changes (the owners' states, the
        engine's, the intents of the orders it decided) is committed in one transaction, then
        recorded in the files, and only then are its orders sent (the outbox: `SendGate`).
        Killed at any point, the store holds either nothing of it or all of it, with every
        order it decided stored before any was sent."""
        self._depth += 1
        try:
            with self.store.transaction():
                action()
        finally:
            self._depth -= 1
        if self._depth:
            return  # an answer given inside a call of a unit belongs to that unit
        for each in self._strategies:
            self._write_records(each)
        if self._flushing:
            return  # the flush under way sends what this unit decided, in turn
        self._flushing = True  # answers given inside a send are units of their own
        try:
            for each in self._strategies:
                each.gate.flush()
        finally:
            self._flushing = False

    def _handle(self, event: _Event) -> None:
        if isinstance(event, _Stop):
            self._stopping = True
            return
        if self._depth == 0:
            self.event_began = time.perf_counter()  # sends report their latency from here
        self._unit(lambda: self._dispatch(event))

    def _dispatch(self, event: _Event) -> None:
        if isinstance(event, _Stop):
            return
        if isinstance(event, _Reload):
            self._on_reload(event)
        elif isinstance(event, LiveBar):
            self._on_bar(event)
        elif isinstance(event, OrderUpdate):
            self._on_update(event)
        elif isinstance(event, PriceTouch):
            for strategy in self._strategies:
                strategy.run.engine.on_price_touch(event)
            self._persist("touch")
        else:
            self._on_feed_state(*event)

    def _on_bar(self, bar: LiveBar) -> None:
        self._last_bar_at = time.monotonic()
        self.bars_taken += 1
        if self._stale:
            self._stale = False
            self.log.event("feed_live", "", "bars are arriving again: entries resume")
        for strategy in self._strategies:
            if bar.symbol and bar.symbol != strategy.run.plan.instrument.symbol:
                continue
            strategy.run.on_bar(bar)
        self._persist("bar", time=bar.close_time)

    def _on_update(self, update: OrderUpdate) -> None:
        order = update.order
        parsed = parse_client_id(order.id)
        strategy = self._by_tag.get(parsed[0]) if parsed else None
        if strategy is None:
            self.log.event(
                "external_order",
                "",
                f"an update for order {order.id}, which no strategy here sent: left alone",
                client_id=order.id,
                kind=update.kind.value,
            )
            return
        if not self._fresh(strategy, update):
            return
        self._move_intent(strategy, update)
        gate = strategy.gate
        if gate.listener is not None:
            gate.listener.on_order_update(update)
        self._persist("update", strategy=strategy, client_id=order.id, kind=update.kind.value)

    def _fresh(self, strategy: _Strategy, update: OrderUpdate) -> bool:
        """A fill is new when its trade id is; any other report when its sequence number is
        after the order's last one. Repeats and stale reports are logged and dropped."""
        order = update.order
        if update.kind in _FILLS:
            trade = update.trade_id or f"{order.id}#{update.seq}"
            if update.trade_id or update.seq:
                fill = FillReport(
                    trade,
                    order.id,
                    "",
                    strategy.run.plan.instrument.symbol,
                    order.side,
                    update.fill_qty if update.fill_qty is not None else order.qty,
                    update.fill_price if update.fill_price is not None else ZERO,
                    update.time,
                    update.fee,
                    update.seq,
                )
                if not self.store.add_fill(strategy.source.name, fill):
                    self.log.event("duplicate_fill", strategy.source.name, trade_id=trade)
                    return False
            if update.seq:  # a report older than this fill, arriving after it, is stale
                last = strategy.last_seq.get(order.id, 0)
                strategy.last_seq[order.id] = max(last, update.seq)
            return True
        if update.seq:
            last = strategy.last_seq.get(order.id, 0)
            if update.seq <= last:
                self.log.event(
                    "stale_update",
                    strategy.source.name,
                    client_id=order.id,
                    kind=update.kind.value,
                    seq=update.seq,
                    last=last,
                )
                return False
            strategy.last_seq[order.id] = update.seq
        return True

    def _move_intent(self, strategy: _Strategy, update: OrderUpdate) -> None:
        intent = self.store.intent(update.order.id)
        if intent is None or intent.state in (IntentState.DONE, IntentState.REJECTED):
            return
        if update.kind is OrderEvent.REJECTED:
            self.store.set_intent_state(intent.client_id, IntentState.REJECTED, update.reason)
        elif update.kind in _DONE:
            self.store.set_intent_state(intent.client_id, IntentState.DONE, update.kind.value)
        elif intent.state is not IntentState.ACKED:
            self.store.set_intent_state(intent.client_id, IntentState.ACKED)

    def _on_feed_state(self, state: FeedState, detail: str) -> None:
        self._feed = state
        for strategy in self._strategies:
            self.store.set_status(strategy.source.name, "feed", state.value)
        if state is FeedState.ENDED:
            self._ended = True
            self.log.event("feed_ended", "", f"the feed has ended{': ' + detail if detail else ''}")
        else:
            self.log.event(f"feed_{state.value}", "", f"feed {state.value} {detail}".strip())

    def _settle_retired(self, strategy: _Strategy) -> None:
        for line in settle_retired(strategy.run, strategy.retired):
            self.log.event("retired_owner_done", strategy.source.name, line)
        self._persist("retired", strategy)

    def _note_status(self) -> None:
        """The last bar each strategy saw and when, for `tradeplan status`."""
        self._noted = time.monotonic()
        for strategy in self._strategies:
            bar = strategy.run.last_bar
            if bar is not None:
                self.store.set_status(strategy.source.name, "last_bar", bar.close_time.isoformat())
            self.store.set_status(
                strategy.source.name, "heartbeat", self._clock().isoformat(timespec="seconds")
            )

    def _housekeeping(self, *, paced: bool = True) -> None:
        """Between events. A pumped run (`--speed max`) has no wall clock to time status
        notes, reconciles and stale feeds against (they would make its result depend on the
        machine's speed), so it does only the rest: the kill switch, held entries, unknown
        outcomes, retired owners and reloads."""
        now = self._kept = time.monotonic()
        if paced and now - self._noted >= 1.0:
            self._note_status()
        # Out of sync, look again soon: what disagreed may have been a report in flight.
        every = self._reconcile_every if not self._out_of_sync else min(self._reconcile_every, 2.0)
        if paced and now - self._reconciled >= every:
            self.reconcile()
        for strategy in self._strategies:
            halted = self.store.halted(strategy.source.name) is not None
            if halted and not strategy.halt_seen:
                # The kill switch: working entries go now, not only new ones (their slots
                # place them again, held back by the gate until `tradeplan resume`).
                self._unit(lambda s=strategy: self._stand_down(s, "halted"))  # type: ignore[misc]
            strategy.halt_seen = halted
            if strategy.gate.release():
                self._unit(lambda: None)  # sends what the halt held back
            if strategy.gate.unknown():
                self._unit(strategy.gate.resolve_unknown)
            if strategy.retired:
                self._unit(lambda s=strategy: self._settle_retired(s))  # type: ignore[misc]
            if strategy.pending is not None:
                self._unit(lambda r=strategy.pending: self._on_reload(r))  # type: ignore[misc]
        if not paced:
            return
        quiet = time.monotonic() - self._last_bar_at
        interval = max(self._bar_seconds, 1)
        if not self._stale and not self._ended and quiet > self._stale_after * interval:
            self._stale = True
            for strategy in self._strategies:
                self._alert(
                    strategy.source.name,
                    "feed_stale",
                    f"no closed bar for {quiet:.0f} s: no new entries until bars come back",
                )

    # --- hot reload ------------------------------------------------------------------------------

    def request_reload(self, name: str) -> None:
        """Ask for strategy `name`'s file to be read again (any thread)."""
        self._arrive(_Reload(name, time.monotonic()))

    def _start_watcher(self) -> None:
        from watchfiles import watch

        files = {s.source.path.resolve(): s.source.name for s in self._strategies}
        folders = sorted({str(path.parent) for path in files})

        def loop() -> None:
            for changes in watch(
                *folders, stop_event=self._watch_stop, debounce=40, step=10, rust_timeout=200
            ):
                seen = {files.get(Path(changed).resolve()) for _, changed in changes}
                for name in sorted(n for n in seen if n is not None):
                    self.request_reload(name)

        self._watcher = threading.Thread(target=loop, name="tradeplan-watch", daemon=True)
        self._watcher.start()

    def _on_reload(self, request: _Reload) -> None:
        strategy = next((s for s in self._strategies if s.source.name == request.name), None)
        if strategy is None or self._compile is None:
            return
        name, path = strategy.source.name, strategy.source.path
        strategy.pending = None
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self._reload_refused(strategy, f"cannot read {path}: {exc}")
            return
        result = self._compile(path)
        if not result.ok or result.plan is None:
            errors = [
                f"{d.span.file}:{d.span.line}:{d.span.col}: {d.code} {d.message}"
                for d in result.diagnostics
                if d.severity.value == "error"
            ]
            self._reload_refused(strategy, "the edit has errors: " + "; ".join(errors), errors)
            return
        plan = result.plan
        if fingerprint(plan) == fingerprint(strategy.run.plan):
            self.log.event("reload_unchanged", name, f"{path.name} saved: the plan is the same")
            self.store.set_status(
                name,
                "reload",
                f"version {strategy.version} kept: the file saved is the plan running",
            )
            return
        diff = plan_diff(strategy.run, plan)
        if diff.refused:
            self._reload_refused(strategy, " ".join(diff.describe()))
            return
        busy = strategy.gate.unknown()
        if busy:
            strategy.pending = request
            self.log.event(
                "reload_waiting",
                name,
                f"the edit waits: {len(busy)} orders are being sent or of unknown outcome",
            )
            return
        self._apply(strategy, plan, diff, text, request)

    def _apply(
        self, strategy: _Strategy, plan: Plan, diff: PlanDiff, text: str, request: _Reload
    ) -> None:
        name = strategy.source.name
        store = self.store
        with store.transaction():
            done = swap(
                strategy.run,
                plan,
                diff,
                strategy.gate,
                bar_seconds=self._bar_seconds,
                order_ids=strategy.next_id,
                excursion=self._excursion,
            )
            version = store.add_plan_version(name, fingerprint(plan), plan_to_json(plan), text)
            strategy.version = version
            strategy.run = done.run
            strategy.retired.extend(done.retired)
            strategy.source = StrategySource(name, strategy.source.path, plan, text)
            strategy.written = [0, 0, 0, 0]
            strategy.snapshots = {}
            strategy.engine_state = None
            strategy.persisted = ()
            store.set_status(name, "reload", f"version {version} applied")
            self._persist("reload", strategy, version=version)
        latency = time.monotonic() - request.noticed
        self.reload_latencies.append(latency)
        lines = diff.describe() + done.lines
        self.log.event(
            "reloaded",
            name,
            f"plan version {version} is running ({latency * 1000:.0f} ms after the save): "
            + " | ".join(lines),
            plan_version=version,
            amended=done.amended,
            retired=[r.owner.name for r in done.retired],
            latency_ms=round(latency * 1000, 1),
            diff=diff.to_json(),
        )
        self.reconcile()

    def _reload_refused(
        self, strategy: _Strategy, message: str, errors: Sequence[str] = ()
    ) -> None:
        name = strategy.source.name
        self.store.set_status(name, "reload", f"refused: {message}")
        self._alert(name, "reload_refused", f"{message}; the running plan is unchanged")
        if errors:
            self.log.event("reload_diagnostics", name, diagnostics=list(errors))

    def _halt_reason(self, name: str) -> str | None:
        if self._stopping:  # Ctrl-C: the entries are being cancelled, no new one goes out
            return "the bot is stopping"
        halted = self.store.halted(name)
        if halted is not None:
            return f"the strategy is halted ({halted})"
        if self._out_of_sync and name not in self._adopting:
            return f"positions disagree with the broker ({self._out_of_sync})"
        if self._stale:
            return "the feed is stale"
        return None

    # --- records and state ------------------------------------------------------------------------

    def _alert(self, name: str, kind: str, message: str, order_id: str = "") -> None:
        self.store.add_alert(name, self._clock(), kind, message)
        self.log.event(kind, name, message, client_id=order_id)
        for strategy in self._strategies:
            if strategy.source.name == name and strategy.files:
                strategy.files[3].append([AlertRecord(self._clock(), "", kind, message, order_id)])

    def _persist(self, event: str, strategy: _Strategy | None = None, **fields: object) -> None:
        store = self.store
        for each in self._strategies if strategy is None else (strategy,):
            engine = each.run.engine
            changed = [owner for owner in engine.owners if _moved(each, owner)]
            counts = tuple(len(items) for items in engine.records)
            if not changed and counts == each.persisted and event in _QUIET:
                continue  # a bar at which nothing happened: nothing to write
            name = each.source.name
            with store.transaction():
                seq = store.append_journal(name, event, _payload(fields))
                for owner in changed:
                    state = owner.snapshot()
                    store.save_snapshot(name, owner.name, to_json(state), seq)
                    each.snapshots[owner.name] = state
                held = engine.export_state()
                if held != each.engine_state:
                    store.save_engine_state(name, engine_state_to_json(held), seq)
                    each.engine_state = held
            each.persisted = counts

    def _write_records(self, strategy: _Strategy) -> None:
        """Append what the engine recorded since the last event to the files, and log it."""
        trades, orders, signals, alerts = strategy.run.engine.records
        name = strategy.source.name
        written = strategy.written
        for trade in trades[written[0] :]:
            self.log.event(
                "trade_closed",
                name,
                f"{trade.slot}: {trade.side.value} {trade.qty} closed "
                f"({trade.exit_reason.value}), P&L {trade.pnl}",
                trade_id=trade.trade_id,
                owner=trade.slot,
                side=trade.side.value,
                qty=trade.qty,
                entry_price=trade.entry_price,
                exit_price=trade.exit_price,
                pnl=trade.pnl,
                reason=trade.exit_reason.value,
                entry_time=trade.entry_time,
                exit_time=trade.exit_time,
            )
        for event in orders[written[1] :]:
            self.log.event(
                "order_" + event.event.value,
                name,
                client_id=event.order_id,
                owner=event.slot,
                type=event.type.value,
                side=event.side.value,
                qty=event.qty,
                price=event.price,
                trigger=event.trigger,
                fill_price=event.fill_price,
                reason=event.reason,
            )
        refused = []
        for signal in signals[written[2] :]:
            self.log.event(
                "signal",
                name,
                rule=signal.rule,
                side=signal.side.value,
                accepted=signal.accepted,
                reason=signal.reason,
            )
            if not signal.accepted:
                refused.append(
                    {
                        "time": signal.time.isoformat(),
                        "rule": signal.rule,
                        "side": signal.side.value,
                        "reason": signal.reason,
                    }
                )
        if refused:  # the last ten, for `tradeplan status`
            kept = json.loads(self.store.status(name).get("refused_signals", "[]"))
            self.store.set_status(name, "refused_signals", json.dumps((kept + refused)[-10:]))
        if strategy.files:
            for appender, items, done in zip(
                strategy.files, (trades, orders, signals, alerts), written, strict=True
            ):
                appender.append(items[done:])
        strategy.written = [len(trades), len(orders), len(signals), len(alerts)]


def restart_policy(plan: Plan) -> str:
    """The plan's `on_restart`: resume, adopt, flatten or halt."""
    return plan.on_restart.value


def _trading_print(plan: Plan) -> str:
    """The fingerprint of what the plan trades, its restart policy set aside."""
    return fingerprint(replace(plan, on_restart=RestartPolicy.RESUME))


def _moved(strategy: _Strategy, owner: Owner) -> bool:
    """Whether `owner`'s state differs from the one last stored (handlers may build an equal
    value anew; only a different one is written)."""
    state = owner.snapshot()
    stored = strategy.snapshots.get(owner.name, _NOTHING)
    if stored is state:
        return False
    if stored == state:
        strategy.snapshots[owner.name] = state
        return False
    return True


_NOTHING: Final = object()


def _payload(fields: dict[str, object]) -> str:
    return json.dumps(
        {k: (v.isoformat() if isinstance(v, datetime) else str(v)) for k, v in fields.items()},
        sort_keys=True,
    )


def _sub(out_dir: Path | None, source: StrategySource) -> Path | None:
    return None if out_dir is None else out_dir / source.name


def _account_balance(broker: LiveBrokerPort, sources: Sequence[StrategySource]) -> Decimal:
    """The real account's balance, once its currency is the one the strategies size in."""
    account = broker.account()
    for source in sources:
        currency = source.plan.account.currency
        if currency != account.currency:
            raise RestartRefused(
                f"{source.path}: the strategy's account is in {currency}, the broker's in "
                f"{account.currency}: its sizes and limits would be read in the wrong money. "
                f"Write `account: {{currency: {account.currency}}}` in it"
            )
    return account.balance


def _cancelled(engine: Engine, working: set[str]) -> set[str]:
    """Which of the orders that were `working` are being cancelled now, or already finished."""
    still = {
        w.order.id for w in engine.book.working() if w.status is not OrderStatus.PENDING_CANCEL
    }
    return working - still


__all__ = ["LiveRunner", "RestartRefused", "StrategySource"]
