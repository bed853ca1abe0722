"""Live runtime speed on the in-process paper venue (issue 9, "Speed"), against the streamed backtest.

Run: .venv/bin/python bench/live_bench.py [--quick] [--dir DIR]... [--only order,reload,restart]

Three figures, each printed with its target and whether it is met:

1. **Closed bar -> order submitted** (target p99 < 1 ms), p50 and p99 over `--events` (10,000)
   bars at whose close an order went out. The strategy (USD/JPY minutes, data/usdjpy_1m_2025)
   has two rules whose `when` reads four indicators (sma, ema, rsi, atr), risk sizing (0.01 %
   of equity over a 4-pip stop), risk guards and 4-pip exits, so it signals often (one entry
   in about ten bars). A `LiveRunner` on the paper venue, stepped as fast as it goes
   (`pump=venue.step`, what `tradeplan run --feed` does at full speed), no `--out` files. The
   clock starts when the venue hands the closed bar to the runner (`LiveRunner.on_bar`) and
   stops when the venue's `submit` is entered. The breakdown, each part with its own p50/p99
   (percentiles of parts do not add up to the whole's): intake (routing, `GrowingBars.append`),
   signal (`SignalFeed.push_row`), guards + sizing + engine (`Engine.on_bar_close` until it
   calls the send gate, less the client-id write; split into `Engine._size`, the rest of
   `Engine.decide_entry`, and the rule, order and book), the client-id counter write
   (`StateStore.next_client_seq`, committed so that a number is never used twice), the gate
   (halt check) and the intent committed before the send (`StateStore.add_intent` in
   `SendGate.submit`). Also: the send itself (the venue answers ACCEPTED inside the call, and
   the runner stores it there), the bar handled whole, quiet bars (no order at their close;
   with nothing to store, or with a journal entry such as a refused signal), fill -> first
   exit submitted, and the live run per bar against the same strategy's streamed backtest
   (`BacktestOptions(stream=True)`) on the same bars, measured in the same run.

   The store writes with `synchronous=FULL`, so every commit waits for the disk: the figure
   is the disk's as much as the runtime's. It is measured with the stores in each `--dir`
   (default: the temporary folder, a real disk, and /dev/shm when there is one, where a
   commit costs no fsync: the runtime's own CPU), after timing a bare SQLite commit there.

2. **Save -> new plan active** (target p99 < 300 ms), over `--reloads` (100) saves: a live run
   with `watch=True` and `compile_file=api.load` on the paper venue paced by the wall clock
   (`--speed` 1200: twenty 1-minute bars a second), after `--seen` bars (10,080, a week of
   minutes) were delivered: a reload warms the new plan's indicators up on every bar seen, so
   the figure grows with the run's age; `--later-reloads` (10) more saves after `--seen-later`
   bars (43,200, a month) show how. Each save alternates the take profit (4 / 5 pips), which
   amends open positions' take profits. From the write (timed here) and from when watchfiles
   noticed it (the runner's own `reload_latencies`) to the `reloaded` event, with the steps:
   watchfiles' notice, the queue, compile, plan diff, swap, and the store and the rest.

3. **Restart with 50 open positions and 200 working orders** (target < 2 s): a 150-slot buy
   grid runs until 50 slots hold a position (each with its take profit and stop working: 100
   orders; 100 entries still working), the run stops (its orders stay at the venue, as after
   a crash), and a new `LiveRunner` on the same store and venue is built and reconciled
   (`StateStore.open` + constructor + `reconcile()`, in sync), `--restarts` (5) times; the
   slowest counts.

Times are `time.perf_counter_ns` / `time.monotonic` around the real calls: methods wrapped on
the instances (and the runner module's `plan_diff` and `swap`) in this process; nothing under
src/ is changed for it. The machine (CPU, cores, Python, load averages: other processes on a
shared machine move every p99) and each store's file system are printed first.

`--profile` runs the bar and reload handling under cProfile and prints the functions that
take the most time of their own (the clocks are then inflated: read only the profile).

`--quick` (a few seconds: 200 events, 3 reloads after 200 bars, 2 restarts, the temporary
folder only) is what tests/live/test_live_bench.py runs, so that the bench cannot rot.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import platform
import pstats
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from tradeplan import api  # noqa: E402
from tradeplan.api_backtest import run_backtest  # noqa: E402
from tradeplan.backtest.data import MarketData  # noqa: E402
from tradeplan.backtest.run import BacktestOptions  # noqa: E402
from tradeplan.brokers.paper.live_venue import LivePaperVenue  # noqa: E402
from tradeplan.live import runner as runner_module  # noqa: E402
from tradeplan.live.logs import EventLog  # noqa: E402
from tradeplan.live.paper_session import bar_seconds, load_feed, paper_venue  # noqa: E402
from tradeplan.live.runner import LiveRunner, StrategySource  # noqa: E402
from tradeplan.live.store import StateStore  # noqa: E402
from tradeplan.orders.model import OrderEvent  # noqa: E402
from tradeplan.plan.model import Plan  # noqa: E402

DATA = ROOT / "data" / "usdjpy_1m_2025.csv.gz"

FOUR_INDICATORS = """\
tradeplan: 1
name: four-indicators
instrument: {{symbol: USD/JPY, pip: 0.01}}
account: {{currency: JPY, balance: 10000000, leverage: 25}}
broker: paper
sizing: {{risk: 0.01%}}
entries:
  - name: up
    side: long
    when: close > ema(close, 10) and rsi(close, 14) > 55 and atr(14) > 1 pips and close > sma(close, 30)
  - name: down
    side: short
    when: close < ema(close, 10) and rsi(close, 14) < 45 and atr(14) > 1 pips and close < sma(close, 30)
exits:
  take_profit: {tp} pips
  stop_loss: 4 pips
risk:
  max_open_positions: 2
  daily_loss_limit: 50%
  max_drawdown: 90%
"""

GRID = """\
tradeplan: 1
name: grid-150
instrument: {symbol: USD/JPY, pip: 0.01}
account: {currency: JPY, balance: 100000000, leverage: 25}
broker: paper
grid:
  side: buy
  from: 109.30
  to: 110.79
  step: 1 pips
  units: 1000
  take_profit: 300 pips
  stop_loss: 300 pips
"""


# --- small helpers ------------------------------------------------------------------------------


def percentiles(values: list[int] | list[float]) -> tuple[float, float]:
    """p50 and p99 of `values` (nanoseconds or seconds, as given)."""
    if not values:
        return float("nan"), float("nan")
    p50, p99 = np.percentile(np.asarray(values, dtype=np.float64), [50, 99])
    return float(p50), float(p99)


def verdict(value: float, target: float) -> str:
    return "met" if value < target else "NOT met"


def us(ns: float) -> str:
    return f"{ns / 1000:8.1f} us"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def compiled(path: Path, text: str) -> Plan:
    path.write_text(text, "utf-8")
    result = api.load(path)
    assert result.plan is not None, result.diagnostics
    return result.plan


def file_system(folder: Path) -> str:
    """The mount `folder` is on, from /proc/mounts (Linux), e.g. 'ext4 /dev/vda on /'."""
    try:
        mounts = [line.split() for line in Path("/proc/mounts").read_text().splitlines()]
    except OSError:
        return "unknown"
    resolved = str(folder.resolve())
    best = max(
        (m for m in mounts if resolved == m[1] or resolved.startswith(m[1].rstrip("/") + "/")),
        key=lambda m: len(m[1]),
        default=None,
    )
    return "unknown" if best is None else f"{best[2]} {best[0]} on {best[1]}"


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load() -> str:
    """The load averages: other processes on a shared machine move every p99 here."""
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "load average unknown"
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def commit_cost(folder: Path, commits: int) -> tuple[float, float]:
    """p50/p99 (ns) of one small committed SQLite transaction, WAL with synchronous=FULL (the
    store's settings), in `folder`: the disk's fsync, which every store write pays."""
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        connection = sqlite3.connect(Path(scratch) / "fsync.sqlite", isolation_level=None)
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = FULL")
        connection.execute("CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT)")
        times = []
        for _ in range(commits):
            began = time.perf_counter_ns()
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("INSERT INTO t (b) VALUES (?)", ("x" * 200,))
            connection.execute("COMMIT")
            times.append(time.perf_counter_ns() - began)
        connection.close()
    return percentiles(times)


@dataclass
class Session:
    venue: LivePaperVenue
    store: StateStore
    runner: LiveRunner
    log: EventLog

    def close(self) -> None:
        self.log.close()
        self.store.close()


def session(
    sources: list[StrategySource],
    state: Path,
    data: MarketData,
    *,
    venue: LivePaperVenue | None = None,
    paced: bool = False,
    watch: bool = False,
) -> Session:
    """What `tradeplan run --feed` builds (cli/run_cmd.py), with no --out and a quiet console."""
    venue = venue or paper_venue(sources[0].plan, data)
    store = StateStore.open(state)
    log = EventLog(state / "events.jsonl", None)
    runner = LiveRunner(
        venue,
        store,
        sources,
        bar_seconds=bar_seconds(data),
        log=log,
        pump=None if paced else venue.step,
        compile_file=api.load,
        watch=watch,
    )
    return Session(venue, store, runner, log)


PROFILER: list[cProfile.Profile] = []  # --profile: the one profiling the part running now
PROFILE_LINES = 15


@contextmanager
def profiled() -> Iterator[None]:
    """Under --profile, the block runs under cProfile (whose overhead inflates the clocks:
    the figures of a profiled run are not the bench's)."""
    if not PROFILER:
        yield
        return
    PROFILER[0].enable()
    try:
        yield
    finally:
        PROFILER[0].disable()


def report_profile(what: str) -> None:
    if not PROFILER:
        return
    print(f"   --profile: inside {what}, by own time (cProfile; its overhead inflates them)")
    out = io.StringIO()
    pstats.Stats(PROFILER[0], stream=out).sort_stats("tottime").print_stats(PROFILE_LINES)
    lines = out.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip().startswith("ncalls")), 0)
    for line in lines[start:]:
        if line.strip():
            print("     " + line.replace(str(ROOT) + "/", ""))
    PROFILER[0] = cProfile.Profile()


def wrap(
    target: Any, name: str, around: Callable[[Callable[..., Any]], Callable[..., Any]]
) -> None:
    """Replace method `name` on the instance `target` with `around(original)`."""
    setattr(target, name, around(getattr(target, name)))


# --- 1. closed bar -> order submitted -----------------------------------------------------------


@dataclass
class BarTimes:
    """Clock readings (perf_counter_ns) inside one closed bar's handling."""

    start: int = 0
    end: int = 0
    signal: int = 0
    close_start: int = 0
    close_end: int = 0
    client_ids: int = 0  # spent in next_client_seq before the first send
    decide: int = 0  # Engine.decide_entry (sizing and guards) before the first send
    sizing: int = 0  # of which Engine._size
    gate_start: int = 0  # the first order's SendGate.submit
    intent: int = 0  # its StateStore.add_intent
    send_start: int = 0  # its venue submit
    send: int = 0
    orders: int = 0
    wrote: bool = False  # the journal took an entry (a refused signal, an exit by time, ...)


@dataclass
class Probe:
    """Collects `BarTimes` per bar and fill -> exits latencies; see `instrument`."""

    bars: list[BarTimes] = field(default_factory=list)
    events: int = 0  # bars at whose close an order was sent
    current: BarTimes | None = None
    update_start: int = 0
    update_sent: bool = False
    fill_to_exit: list[int] = field(default_factory=list)


def instrument(live: Session, probe: Probe) -> None:
    """Wrap the runner's, the strategy's and the store's methods with clocks (instances only)."""
    runner, store, venue = live.runner, live.store, live.venue
    (strategy,) = runner._strategies
    run, gate = strategy.run, strategy.gate
    clock = time.perf_counter_ns

    def on_bar(original: Callable[..., Any]) -> Callable[..., Any]:
        def timed(bar: Any) -> None:
            probe.current = times = BarTimes(start=clock())
            with profiled():
                original(bar)
            times.end = clock()
            probe.current = None
            probe.bars.append(times)
            probe.events += 1 if times.orders else 0

        return timed

    def push_row(original: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any) -> None:
            began = clock()
            original(*args)
            if probe.current is not None:
                probe.current.signal += clock() - began

        return timed

    def on_bar_close(original: Callable[..., Any]) -> Callable[..., Any]:
        def timed(row: int) -> None:
            times = probe.current
            if times is not None:
                times.close_start = clock()
            original(row)
            if times is not None:
                times.close_end = clock()

        return timed

    def next_client_seq(original: Callable[..., Any]) -> Callable[..., Any]:
        def timed(name: str) -> int:
            began = clock()
            seq: int = original(name)
            times = probe.current
            if times is not None and not times.orders:
                times.client_ids += clock() - began
            return seq

        return timed

    def submit(original: Callable[..., Any]) -> Callable[..., Any]:
        def timed(order: Any) -> None:
            times = probe.current
            if times is not None and not times.orders:
                times.gate_start = clock()
            original(order)
            if times is not None:
                times.orders += 1

        return timed

    def add_intent(original: Callable[..., Any]) -> Callable[..., Any]:
        def timed(intent: Any) -> None:
            began = clock()
            original(intent)
            times = probe.current
            if times is not None and not times.orders:
                times.intent = clock() - began

        return timed

    def venue_submit(original: Callable[..., Any]) -> Callable[..., Any]:
        # The outbox sends after the unit's commit, so by now the gate has taken every order
        # of the bar (`orders` > 0): the first send is the one without a `send_start` yet.
        def timed(order: Any) -> None:
            began = clock()
            times = probe.current
            first = times is not None and not times.send_start
            if times is not None and first:
                times.send_start = began
            elif times is None and probe.update_start and not probe.update_sent:
                probe.fill_to_exit.append(began - probe.update_start)
                probe.update_sent = True
            original(order)
            if times is not None and first:
                times.send = clock() - began

        return timed

    def on_order_update(original: Callable[..., Any]) -> Callable[..., Any]:
        def timed(update: Any) -> None:
            outer = not probe.update_start and probe.current is None
            if outer and update.kind is OrderEvent.FILLED:
                probe.update_start, probe.update_sent = clock(), False
            original(update)
            if outer:
                probe.update_start = 0

        return timed

    def append_journal(original: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any) -> int:
            if probe.current is not None:
                probe.current.wrote = True
            seq: int = original(*args)
            return seq

        return timed

    def before_send(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def around(original: Callable[..., Any]) -> Callable[..., Any]:
            def timed(*args: Any, **kwargs: Any) -> Any:
                began = clock()
                result = original(*args, **kwargs)
                times = probe.current
                if times is not None and not times.orders:
                    setattr(times, name, getattr(times, name) + clock() - began)
                return result

            return timed

        return around

    wrap(runner, "on_bar", on_bar)
    wrap(run.engine, "decide_entry", before_send("decide"))
    wrap(run.engine, "_size", before_send("sizing"))
    wrap(store, "append_journal", append_journal)
    wrap(runner, "on_order_update", on_order_update)
    wrap(run.feed, "push_row", push_row)
    wrap(run.engine, "on_bar_close", on_bar_close)
    wrap(store, "next_client_seq", next_client_seq)
    wrap(gate, "submit", submit)
    wrap(store, "add_intent", add_intent)
    wrap(venue, "submit", venue_submit)


def bar_to_order(args: argparse.Namespace, folder: Path, data: MarketData) -> None:
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        work = Path(scratch)
        path = work / "four.yaml"
        text = FOUR_INDICATORS.format(tp=4)
        plan = compiled(path, text)
        live = session([StrategySource("four", path, plan, text)], work / "state", data)
        probe = Probe()
        instrument(live, probe)
        began = time.perf_counter()
        live.runner.run(until=lambda: probe.events >= args.events)
        wall = time.perf_counter() - began
        rows = live.venue.cursor
        placed = len(live.runner.strategies[0].engine.records[1])
        live.close()

    window = BacktestOptions(stream=True)
    peer_data = data.slice_rows(0, rows)
    stream_s = []
    for _ in range(args.repeat):
        peer = run_backtest(plan, peer_data, window)
        stream_s.append(peer.timings["run"] + peer.timings["signals"])
    stream_per_bar = min(stream_s) / len(peer_data) * 1e9

    sent = [b for b in probe.bars if b.orders and b.send_start]
    quiet = [b for b in probe.bars if not b.orders]
    whole = [b.send_start - b.start for b in sent]
    parts = {
        "intake (routing, bars append)": [b.close_start - b.start - b.signal for b in sent],
        "signal (SignalFeed.push_row)": [b.signal for b in sent],
        "guards + sizing + engine": [b.gate_start - b.close_start - b.client_ids for b in sent],
        "  sizing (Engine._size)": [b.sizing for b in sent],
        "  guards (decide_entry - sizing)": [b.decide - b.sizing for b in sent],
        "  engine: rule, order, book": [
            b.gate_start - b.close_start - b.client_ids - b.decide for b in sent
        ],
        "store: client id counter": [b.client_ids for b in sent],
        "store: intent written": [b.intent for b in sent],
        "gate, commit, records (outbox)": [b.send_start - b.gate_start - b.intent for b in sent],
    }
    p50, p99 = percentiles(whole)
    print(
        f"\n1. closed bar -> order submitted, store in {folder} ({file_system(folder)}):"
        f" {len(sent):,} events in {rows:,} bars"
    )
    print(f"   whole (bar in -> venue submit)     p50 {us(p50)}  p99 {us(p99)}", end="")
    print(f"  (target p99 < 1 ms: {verdict(p99, 1e6)})")
    for label, values in parts.items():
        a, b = percentiles(values)
        print(f"     {label:33s}p50 {us(a)}  p99 {us(b)}")
    a, b = percentiles([b.send for b in sent])
    print(f"   the send (venue submit + ACCEPTED) p50 {us(a)}  p99 {us(b)}")
    a, b = percentiles([b.end - b.start for b in sent])
    print(f"   order bar handled whole            p50 {us(a)}  p99 {us(b)}")
    idle = [b.end - b.start for b in quiet if not b.wrote]
    noted = [b.end - b.start for b in quiet if b.wrote]
    a, b = percentiles(idle)
    print(f"   quiet bar, nothing to store        p50 {us(a)}  p99 {us(b)}  ({len(idle):,})")
    a, b = percentiles(noted)
    print(f"   quiet bar, journalled (refusal...) p50 {us(a)}  p99 {us(b)}  ({len(noted):,})")
    sig50, sig99 = percentiles([b.signal for b in quiet])
    print(f"     signal on a quiet bar            p50 {us(sig50)}  p99 {us(sig99)}")
    quiet_mean = float(np.mean([b.end - b.start for b in quiet])) if quiet else float("nan")
    a, b = percentiles(probe.fill_to_exit)
    print(
        f"   fill -> first exit submitted       p50 {us(a)}  p99 {us(b)}  ({len(probe.fill_to_exit):,})"
    )
    live_per_bar = wall / rows * 1e9
    print(
        f"   live run per bar (venue + runner)  {us(live_per_bar)} mean;"
        f" streamed backtest {us(stream_per_bar)} mean (same bars, best of {args.repeat})"
    )
    print(f"   ratio live / streamed backtest     {live_per_bar / stream_per_bar:8.1f}x per bar;")
    print(f"   ratio quiet bar / streamed backtest{quiet_mean / stream_per_bar:8.1f}x (means)")
    print(f"   orders recorded: live {placed:,}, streamed backtest {len(peer.result.orders):,}")
    report_profile("LiveRunner.on_bar")


# --- 2. save -> new plan active -----------------------------------------------------------------


@dataclass
class ReloadTimes:
    """One save's clock readings (time.monotonic(), the clock the runner stamps a notice with)."""

    written: float
    noticed: float = 0.0  # watchfiles saw the save (the runner's `_Reload.noticed`)
    taken: float = 0.0  # the kernel thread took the request off its queue
    compile: float = 0.0
    diff: float = 0.0
    swap: float = 0.0
    active: float = 0.0  # the `reloaded` event


def reloads(args: argparse.Namespace, folder: Path, data: MarketData) -> None:
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        work = Path(scratch)
        path = work / "strategy" / "four.yaml"
        path.parent.mkdir()
        text = FOUR_INDICATORS.format(tp=4)
        plan = compiled(path, text)
        live = session(
            [StrategySource("four", path, plan, text)], work / "state", data, paced=True, watch=True
        )
        runner, venue = live.runner, live.venue
        saves: list[ReloadTimes] = []
        active = threading.Event()
        others: list[str] = []
        instrument_reload(live, saves, active, others)
        started, stopping = threading.Event(), threading.Event()

        def ready() -> None:
            for _ in range(args.seen):  # a run that has been up a while (on the kernel thread)
                venue.step()
            venue.start(args.speed)
            started.set()

        kernel = threading.Thread(
            target=runner.run, kwargs={"ready": ready, "until": stopping.is_set}, daemon=True
        )
        kernel.start()
        if not started.wait(600):
            sys.exit("the live run did not start")
        phases = [(venue.cursor, save_many(path, args.reloads, saves, active))]
        if args.seen_later > venue.cursor:
            venue.stop()  # the clock; then the bars up to --seen-later, handled by the kernel
            while venue.cursor < args.seen_later and venue.step():
                while runner._queue.qsize() > 100:  # the kernel keeps up, as with a live feed
                    time.sleep(0.001)
            while not runner._queue.empty():
                time.sleep(0.05)
            venue.start(args.speed)
            phases.append((venue.cursor, save_many(path, args.later_reloads, saves, active)))
        stopping.set()
        kernel.join(60)
        venue.stop()
        live.close()

    print(f"\n2. save -> new plan active (paper venue paced at {args.speed:g}x, watch=True)")
    for seen, done in phases:
        if not done:
            print(f"   after {seen:,} bars: no save was applied within 10 s")
            continue
        p50, p99 = percentiles([t.active - t.written for t in done])
        n50, n99 = percentiles([t.active - t.noticed for t in done])
        print(f"   {len(done)} reloads after {seen:,} bars seen")
        print(f"     from the write                   p50 {ms(p50)}  p99 {ms(p99)}", end="")
        print(f"  (target p99 < 300 ms: {verdict(p99, 0.3)})")
        print(f"     from watchfiles' notice          p50 {ms(n50)}  p99 {ms(n99)}")
        parts = {
            "write -> noticed (watchfiles)": [t.noticed - t.written for t in done],
            "noticed -> taken (queue)": [t.taken - t.noticed for t in done],
            "compile (api.load)": [t.compile for t in done],
            "plan diff": [t.diff for t in done],
            "swap (new run, warmed on bars)": [t.swap for t in done],
            "store + rest": [t.active - t.taken - t.compile - t.diff - t.swap for t in done],
        }
        for label, values in parts.items():
            a, b = percentiles(values)
            print(f"       {label:31s}p50 {ms(a)}  p99 {ms(b)}")
    counts = {k: others.count(k) for k in sorted(set(others))}
    print(f"   other reload events: {counts or 'none'}")
    report_profile("LiveRunner._on_reload")


def save_many(
    path: Path, count: int, saves: list[ReloadTimes], active: threading.Event
) -> list[ReloadTimes]:
    """Save `count` edits (the take profit alternates), each once the last one is running."""
    done = []
    for n in range(count):
        active.clear()
        times = ReloadTimes(time.monotonic())
        saves.append(times)
        path.write_text(FOUR_INDICATORS.format(tp=5 if n % 2 == 0 else 4), "utf-8")
        if active.wait(10):
            done.append(times)
        time.sleep(0.1)  # an editor's saves are seconds apart; a second event of one settles
    return done


def instrument_reload(
    live: Session, saves: list[ReloadTimes], active: threading.Event, others: list[str]
) -> None:
    """Clocks around the reload's steps: the runner's methods (on the instance) and the
    `plan_diff` and `swap` the runner module calls (its globals, in this process only)."""
    runner = live.runner
    clock = time.monotonic

    def on_reload(original: Callable[..., Any]) -> Callable[..., Any]:
        def timed(request: Any) -> None:
            if saves and not saves[-1].taken:
                saves[-1].noticed, saves[-1].taken = request.noticed, clock()
            with profiled():
                original(request)

        return timed

    def step(field_name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def around(original: Callable[..., Any]) -> Callable[..., Any]:
            def timed(*args: Any, **kwargs: Any) -> Any:
                began = clock()
                result = original(*args, **kwargs)
                if saves and not saves[-1].active:
                    setattr(saves[-1], field_name, clock() - began)
                return result

            return timed

        return around

    def event(original: Callable[..., Any]) -> Callable[..., Any]:
        def logged(kind: str, *rest: Any, **fields: Any) -> None:
            original(kind, *rest, **fields)
            if kind == "reloaded":
                if saves and not saves[-1].active:
                    saves[-1].active = clock()
                active.set()
            elif kind.startswith("reload"):
                others.append(kind)

        return logged

    wrap(runner, "_on_reload", on_reload)
    wrap(runner, "_compile", step("compile"))
    wrap(runner_module, "plan_diff", step("diff"))
    wrap(runner_module, "swap", step("swap"))
    wrap(live.log, "event", event)


# --- 3. restart with 50 positions and 200 working orders ----------------------------------------


def restart(args: argparse.Namespace, folder: Path, data: MarketData) -> None:
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        work = Path(scratch)
        path = work / "grid.yaml"
        plan = compiled(path, GRID)
        source = StrategySource("grid", path, plan, GRID)
        state = work / "state"
        first = session([source], state, data)
        engine = first.runner.strategies[0].engine
        first.runner.run(until=lambda: len(engine.ledger.open) >= args.positions)
        positions, working = len(engine.ledger.open), len(engine.book.working())
        venue = first.venue
        first.close()
        times: list[tuple[float, float, float]] = []
        in_sync = True
        for _ in range(args.restarts):
            gc.collect()
            began = time.perf_counter()
            store = StateStore.open(state)
            opened = time.perf_counter()
            log = EventLog(state / "events.jsonl", None)
            runner = LiveRunner(
                venue,
                store,
                [source],
                bar_seconds=bar_seconds(data),
                log=log,
                pump=venue.step,
                compile_file=api.load,
            )
            built = time.perf_counter()
            report = runner.reconcile()
            done = time.perf_counter()
            in_sync = in_sync and report.in_sync
            held = runner.strategies[0].engine
            assert len(held.ledger.open) == positions and len(held.book.working()) == working
            times.append((opened - began, built - opened, done - built))
            log.close()
            store.close()
    whole = [sum(t) for t in times]
    worst = max(whole)
    print(
        f"\n3. restart with {positions} open positions and {working} working orders "
        f"(150-slot grid, venue holds {len(venue.open_orders())} open orders): {args.restarts} restarts"
    )
    print(
        f"   store open + LiveRunner + reconcile  slowest {ms(worst)}, p50 {ms(float(np.median(whole)))}"
        f"  (target < 2 s: {verdict(worst, 2.0)}; in sync: {in_sync})"
    )
    slowest = times[whole.index(worst)]
    print(
        f"     store open {ms(slowest[0])}, constructor (restore, warm-up) {ms(slowest[1])},"
        f" reconcile {ms(slowest[2])}"
    )


# --- main ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller run of a few seconds")
    parser.add_argument(
        "--dir",
        type=Path,
        action="append",
        help="where the state stores go (repeatable: figure 1 runs in each; default: the "
        "temporary folder, and /dev/shm too unless --quick, the runtime without the disk)",
    )
    parser.add_argument("--only", default="order,reload,restart")
    parser.add_argument("--events", type=int, default=None)
    parser.add_argument("--reloads", type=int, default=None)
    parser.add_argument("--seen", type=int, default=None, help="bars delivered before reloading")
    parser.add_argument("--seen-later", type=int, default=None, help="then more bars, and again")
    parser.add_argument("--later-reloads", type=int, default=10)
    parser.add_argument("--speed", type=float, default=1200.0)
    parser.add_argument("--restarts", type=int, default=None)
    parser.add_argument("--positions", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3, help="streamed backtest runs, best counts")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the bar and reload handling; print where"
    )
    args = parser.parse_args()
    quick = args.quick
    args.events = args.events or (200 if quick else 10_000)
    args.reloads = args.reloads or (3 if quick else 100)
    args.seen = args.seen if args.seen is not None else (200 if quick else 10_080)
    args.seen_later = args.seen_later if args.seen_later is not None else (0 if quick else 43_200)
    args.restarts = args.restarts or (2 if quick else 5)
    args.repeat = 1 if quick else args.repeat
    only = set(args.only.split(","))
    if args.profile:
        PROFILER.append(cProfile.Profile())
    folders = [d.resolve() for d in args.dir or [Path(tempfile.gettempdir())]]
    shm = Path("/dev/shm")
    if not args.dir and not quick and shm.is_dir() and shm.resolve() not in folders:
        folders.append(shm.resolve())
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)

    print(
        f"machine: {cpu_name()}, {os.cpu_count()} cores, Python {platform.python_version()},"
        f" {platform.system()} {platform.release()}; {load()}"
    )
    for folder in folders:
        c50, c99 = commit_cost(folder, 100 if quick else 1000)
        print(
            f"bare SQLite commit in {folder} ({file_system(folder)}; WAL, synchronous=FULL):"
            f" p50 {us(c50)}  p99 {us(c99)}"
        )
    with tempfile.TemporaryDirectory(dir=folders[0]) as scratch:
        plan = compiled(Path(scratch) / "four.yaml", FOUR_INDICATORS.format(tp=4))
    end = "2025-01-10" if quick else None
    if quick and "reload" in only:
        end = None if args.seen_later else "2025-01-10"
    data = load_feed(plan, DATA, BacktestOptions(end=end))
    if "order" in only:
        for folder in folders:
            bar_to_order(args, folder, data)
    if "reload" in only:
        reloads(args, folders[0], data)
    if "restart" in only:
        restart(args, folders[0], data)
    print(f"\n{load()} at the end")


if __name__ == "__main__":
    main()
