"""`tradeplan run`, `status`, `halt` and `resume`: the live runtime from the command line.

`run STRATEGY... --feed FILE.csv [--speed N|max]` trades on the in-process paper venue (no account
needed); `--venue HOST:PORT` on a paper venue of its own process (`tradeplan paper serve`);
`--broker binance|oanda|futu` trades on a real account through its adapter (`live/adapters.py`;
settings and keys from the environment); `--dry-run` does everything but send. State goes to
`--state DIR` (default `state/`): a SQLite store `status` and `halt` read and write from another
terminal while the bot runs. Exit codes: 0 done (the feed ended, or Ctrl-C), 1 a strategy has
errors, 2 bad usage, a refused start or restart, or a broker that cannot be used.

What is refused before anything trades, each with what to do instead: two strategies of one
name, a feed of another instrument, a second bot on a state folder in use (`status.RunLock`), a
restart with `--feed` on a state an earlier run left (the in-process venue, and every order it
held, ended with that run), and a restart on a strategy file edited while the bot was stopped
(the file it ran with is saved for `tradeplan diff`).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tradeplan.live.logs import EventLog
    from tradeplan.live.runner import LiveRunner, StrategySource
    from tradeplan.live.store import StateStore
    from tradeplan.ports.live import LiveBrokerPort

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

RUN_EXAMPLES = """\
examples:
  tradeplan run strategies/usdjpy-grid.yaml --feed data/usdjpy_1m_2025.csv.gz --speed max
  tradeplan run strategies/usdjpy-grid.yaml --feed data/usdjpy_1m_2025.csv.gz --speed 600 \\
      --state state/ --out out/live
  tradeplan run strategies/usdjpy-grid.yaml --broker paper --venue 127.0.0.1:7010
  tradeplan run strategies/btc-breakout.yaml --broker binance --dry-run
  tradeplan status --state state/
  tradeplan halt usdjpy-grid --state state/
"""

_ADAPTERS = {"binance": "Binance", "oanda": "OANDA", "futu": "Futu"}
LIVE_BAR_SECONDS = 60  # adapters stream closed one-minute bars; a plan's timeframe resamples them
DRY_RUN_WAIT = 2.5  # bar intervals a dry run waits for its first closed bar


def add_parsers(subparsers: Any) -> None:
    run: argparse.ArgumentParser = subparsers.add_parser(
        "run",
        help="run strategies live: on a paper venue, or on Binance, OANDA or Futu",
        description=(
            "Run one or more strategy files live, each with its own state, on one broker "
            "connection. With --feed, a paper venue in this process replays the recorded data "
            "in accelerated wall-clock time (--speed) and trades like a broker: orders work "
            "between bars, positions stay open when the feed ends. With --venue, the bot "
            "trades on a paper venue of its own process (tradeplan paper serve), which keeps "
            "its orders when the bot stops, so the bot can be restarted on the same --state."
        ),
        epilog=RUN_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("files", nargs="+", metavar="STRATEGY", help="strategy files (.yaml, .tp)")
    run.add_argument(
        "--broker",
        choices=["paper", "binance", "oanda", "futu"],
        default="paper",
        help="where to trade (default: paper, with --feed or --venue). binance, oanda and futu "
        "trade for real: keys and endpoints come from the environment (docs/brokers/)",
    )
    run.add_argument(
        "--dry-run",
        action="store_true",
        help="connect, load the instrument, reconcile, take the next closed bar and list what "
        "would be sent, sending nothing (on a copy of --state)",
    )
    run.add_argument("--feed", help="CSV of bars for the in-process paper venue, plain or .gz")
    run.add_argument(
        "--venue",
        metavar="HOST:PORT",
        help="trade on a paper venue running as its own process (tradeplan paper serve)",
    )
    run.add_argument(
        "--speed",
        default="60",
        help="with --feed: data seconds per wall-clock second (60: a one-minute bar each "
        "second), or `max`",
    )
    run.add_argument("--state", default="state", help="folder of the state store (default state/)")
    run.add_argument("--out", help="folder for trades.csv, orders.csv, signals.csv, alerts.csv")
    run.add_argument("--spread", help="spread for a feed without a spread column")
    run.add_argument("--quiet", action="store_true", help="print nothing but errors")
    run.add_argument(
        "--no-reload", action="store_true", help="do not watch the files for edits (hot reload)"
    )
    run.set_defaults(func=cmd_run)

    status = subparsers.add_parser("status", help="show what a live run holds, from its state")
    status.add_argument("--state", default="state", help="folder of the state store")
    status.add_argument("--json", action="store_true", help="print JSON (for scripts)")
    status.set_defaults(func=cmd_status)

    halt = subparsers.add_parser("halt", help="stop new entries of a running strategy at once")
    halt.add_argument("strategy", help="the strategy's name (its file name without suffix)")
    halt.add_argument("--state", default="state", help="folder of the state store")
    halt.add_argument("--reason", default="halted by hand", help="why (shown by status)")
    halt.set_defaults(func=cmd_halt)

    resume = subparsers.add_parser("resume", help="let a halted strategy take entries again")
    resume.add_argument("strategy", help="the strategy's name (its file name without suffix)")
    resume.add_argument("--state", default="state", help="folder of the state store")
    resume.set_defaults(func=cmd_resume)


def _fail(message: str) -> int:
    sys.stderr.write(f"tradeplan: error: {message}\n")
    return EXIT_USAGE


class _Refused(Exception):
    """The run cannot start; the message says why and what to do instead."""


def cmd_run(args: argparse.Namespace) -> int:
    from tradeplan.live.logs import scrub

    try:
        return _run(args)
    except _Refused as exc:
        return _fail(str(exc))
    except (KeyboardInterrupt, OSError):
        raise
    except Exception as exc:
        # main() reports an internal error as one line; here it is scrubbed first, as the
        # event log is: an adapter's exception may quote a request that carried a key.
        if os.environ.get("TRADEPLAN_DEBUG"):
            raise
        text = scrub(f"{type(exc).__name__}: {exc}")
        sys.stderr.write(
            f"tradeplan: internal error (TP901): {text}\n"
            "Please report it at the project's issue tracker with the command you ran.\n"
        )
        return EXIT_USAGE


def _run(
    args: argparse.Namespace,
    wrap: Callable[[LiveBrokerPort], LiveBrokerPort] | None = None,
    until: Callable[[LiveRunner], bool] | None = None,
) -> int:
    """`wrap` and `until` are the dry run's: a broker that sends nothing, and when to stop."""
    from tradeplan import api
    from tradeplan.live.logs import EventLog
    from tradeplan.live.runner import LiveRunner, RestartRefused
    from tradeplan.live.status import RunLock, RunLocked
    from tradeplan.live.store import StateStore, StoreError
    from tradeplan.ports.live import BrokerUnavailable

    live = args.broker != "paper"
    if live and (args.feed or args.venue):
        raise _Refused(
            f"--broker {args.broker} trades on {_ADAPTERS[args.broker]}; --feed and --venue "
            "are the paper venue's: give one or the other"
        )
    if args.feed and args.venue:
        raise _Refused(
            "give --feed or --venue, not both: --feed FILE.csv starts a paper venue in this "
            "process, --venue HOST:PORT trades on one already running (tradeplan paper serve)"
        )
    if not live and not args.feed and not args.venue:
        raise _Refused(
            "say where to trade: --feed FILE.csv (a paper venue in this process replays it) "
            "or --venue HOST:PORT (a venue started with `tradeplan paper serve`)"
        )
    speed = _speed(args.speed)
    sources = _sources(args.files)
    if isinstance(sources, int):
        return sources
    symbols = {s.plan.instrument.symbol for s in sources}
    if len(symbols) > 1:
        where = "a run trades one instrument" if live else "the feed is one instrument"
        raise _Refused(
            f"{where}, the strategies trade {', '.join(sorted(symbols))}: run them with one "
            f"{'bot' if live else 'feed'} each (each with its own --state)"
        )
    if live:
        _check_broker_names(sources, args.broker)
    state = Path(args.state)
    if args.dry_run and wrap is None:
        return _dry_run(args, sources, state)
    if state.exists() and not state.is_dir():
        raise _Refused(f"--state {state}: not a folder")
    lock = RunLock(state)
    try:
        lock.acquire()
    except RunLocked as exc:
        raise _Refused(str(exc)) from None
    try:
        try:
            store = StateStore.open(state)
        except StoreError as exc:
            raise _Refused(f"cannot open the state store in {state}/: {exc}") from None
        try:
            for source in sources:
                _check_restart(store, source, state, feed=bool(args.feed))
            broker, local, seconds = _open_broker(args, sources, symbols)
            if wrap is not None:
                broker = wrap(broker)
            currencies = {s.name: s.plan.account.currency for s in sources}
            log = EventLog(
                state / "events.jsonl",
                None if args.quiet else sys.stderr,
                currencies=currencies,
            )
            try:
                try:
                    runner = LiveRunner(
                        broker,
                        store,
                        sources,
                        bar_seconds=seconds,
                        log=log,
                        out_dir=Path(args.out) if args.out else None,
                        pump=local.step if local is not None and speed is None else None,
                        compile_file=api.load,
                        watch=not args.no_reload,
                    )
                except RestartRefused as exc:
                    raise _Refused(str(exc)) from None
                except BrokerUnavailable as exc:
                    raise _Refused(
                        f"the broker did not answer while the bot started ({exc}): nothing was "
                        "sent; start it again"
                    ) from None
                code = _trade(runner, local, speed, until)
            finally:
                broker.close()
                log.close()
            if not args.quiet and wrap is None:
                sys.stdout.write(_farewell(runner, log, sources, args, state))
            return code
        finally:
            store.close()
    finally:
        lock.release()


def _speed(text: str) -> float | None:
    if text == "max":
        return None
    try:
        speed = float(text)
    except ValueError:
        raise _Refused(
            f"--speed {text}: give a number of data seconds per second (60: a one-minute bar "
            "each second), or max"
        ) from None
    if not 0 < speed < float("inf"):
        raise _Refused(f"--speed {text}: give a number above 0 (60: a bar each second), or max")
    return speed


def _sources(files: Sequence[str]) -> list[StrategySource] | int:
    """Every file compiled; all their errors printed at once (exit 1), as lint does."""
    from tradeplan import api
    from tradeplan.cli.main import _print_errors
    from tradeplan.live.runner import StrategySource

    missing = [file for file in files if not Path(file).is_file()]
    if missing:
        raise _Refused(f"{', '.join(missing)}: no such file")
    sources: list[StrategySource] = []
    errors: list[object] = []
    for file in files:
        path = Path(file)
        result = api.load(path)
        if not result.ok or result.plan is None:
            errors.extend(result.diagnostics)
            continue
        sources.append(StrategySource(path.stem, path, result.plan, path.read_text("utf-8")))
    if errors:
        _print_errors(errors)
        return EXIT_FINDINGS
    names = [s.name for s in sources]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        paths = ", ".join(str(s.path) for s in sources if s.name in twice)
        raise _Refused(
            f"{paths}: two strategies named {', '.join(twice)} (a strategy is named by its "
            "file name without the suffix, and its state is kept under that name): run one "
            "of them, or rename a file"
        )
    return sources


def _check_restart(store: StateStore, source: StrategySource, state: Path, *, feed: bool) -> None:
    """Refuse, before anything is written, a restart that could not carry on."""
    from tradeplan.plan.codec import fingerprint
    from tradeplan.runtime.engine_state import from_json

    name = source.name
    held = store.engine_state(name)
    if held is None and not store.snapshots(name):
        return  # a first run of this strategy in this state folder
    if feed:
        engine = from_json(held[0]) if held is not None else None
        what = (
            f"{len(engine.positions)} open positions and {len(engine.orders)} working orders"
            if engine is not None
            else "its state"
        )
        raise _Refused(
            f"{state}/ holds what an earlier run of {name} left ({what}) on a paper venue "
            "that lived in that run's process and ended with it: --feed would start a new "
            "venue from the first bar of the feed, holding none of it. Start afresh with "
            f"another --state DIR (or delete {state}/); to stop a bot and restart it on the "
            "same state, run the venue as its own process (tradeplan paper serve) and trade "
            "on it with --venue HOST:PORT"
        )
    current = store.current_plan(name)
    if current is None or current.fingerprint == fingerprint(source.plan):
        return
    saved = state / "ran" / source.path.name
    saved.parent.mkdir(parents=True, exist_ok=True)
    saved.write_text(current.source_text, encoding="utf-8")
    raise _Refused(
        f"{source.path}: the strategy changed while the bot was stopped, and a run with open "
        "orders or positions is never restarted on a different plan unseen. The file it ran "
        f"with (plan version {current.version}) is saved as {saved}: `tradeplan diff {saved} "
        f"{source.path}` shows what your edit would do. Start the bot with the file it ran "
        "with, then save your edit while it runs (hot reload applies it by plan diff)"
    )


def _check_broker_names(sources: Sequence[StrategySource], broker: str) -> None:
    """A strategy linted against one broker's rules does not trade on another unseen."""
    for source in sources:
        named = source.plan.broker.name
        if named != broker:
            raise _Refused(
                f"{source.path}: the strategy is written for broker {named} (its `broker:` "
                f"setting), not {broker}: its rules (order types, tick, sizes) were checked "
                f"against {named}'s. Write `broker: {broker}` in it, run `tradeplan lint` on "
                "it, then start it again"
            )


def _open_broker(
    args: argparse.Namespace, sources: Sequence[StrategySource], symbols: set[str]
) -> tuple[LiveBrokerPort, Any, int]:
    """The broker to trade on, the in-process paper venue when it is one, and the interval of
    the bars it streams."""
    if args.broker != "paper":
        return _adapter(args.broker, sources[0]), None, LIVE_BAR_SECONDS
    if args.venue:
        remote, seconds = _remote(args.venue, symbols)
        return remote, None, seconds
    local, seconds = _local(sources[0], args, quiet=args.quiet)
    return local, local, seconds


def _adapter(name: str, source: StrategySource) -> LiveBrokerPort:
    from tradeplan.live.adapters import open_live
    from tradeplan.ports.adapters import AdapterConfigError, AdapterRequest
    from tradeplan.ports.live import BrokerUnavailable

    request = AdapterRequest(source.plan.instrument, LIVE_BAR_SECONDS, os.environ)
    try:
        return open_live(name, request)
    except AdapterConfigError as exc:
        raise _Refused(f"{exc} (docs/brokers/{name}.md says how to set it up)") from None
    except BrokerUnavailable as exc:
        raise _Refused(f"{_ADAPTERS[name]} cannot be reached: {exc}") from None


def _dry_run(
    args: argparse.Namespace,
    sources: Sequence[StrategySource],
    state: Path,
) -> int:
    """The whole start on a copy of the state, with a broker that sends nothing; then what it
    would have sent, and whether the store agrees with the broker."""
    import shutil
    import tempfile
    import time

    from tradeplan.live.dry_run import DryRunBroker
    from tradeplan.live.status import read_status

    held: list[DryRunBroker] = []

    def wrap(broker: LiveBrokerPort) -> LiveBrokerPort:
        held.append(DryRunBroker(broker))
        return held[-1]

    started = time.monotonic()

    def until(runner: LiveRunner) -> bool:
        # One closed bar taken, or (a market closed, a quiet feed) waited long enough for one.
        waited = time.monotonic() - started
        return runner.bars_taken >= 1 or waited > DRY_RUN_WAIT * LIVE_BAR_SECONDS

    with tempfile.TemporaryDirectory(prefix="tradeplan-dry-run-") as scratch:
        copy = Path(scratch) / "state"
        if state.is_dir():
            shutil.copytree(state, copy, ignore=shutil.ignore_patterns("run.lock"))
        dry = argparse.Namespace(**{**vars(args), "state": str(copy), "out": None})
        code = _run(dry, wrap, until)
        if code != EXIT_OK or not held:
            return code
        report = read_status(copy)
    sys.stdout.write(_dry_run_summary(held[0], report, sources))
    return EXIT_OK


def _dry_run_summary(broker: Any, report: dict[str, Any], sources: Sequence[StrategySource]) -> str:
    lines = ["dry run: nothing was sent"]
    by_name: dict[str, Any] = report.get("strategies", {})
    for source in sources:
        shown = by_name.get(source.name, {})
        sync = "in sync with the broker" if shown.get("in_sync") else "NOT in sync with the broker"
        lines.append(f"{source.name}: {sync}")
    if broker.held:
        lines.append(f"it would send {len(broker.held)}:")
        lines.extend(f"  {held.text}" for held in broker.held)
    else:
        lines.append("it would send nothing now (no signal on the last closed bar)")
    return "\n".join(lines) + "\n"


def _remote(venue: str, symbols: set[str]) -> tuple[Any, int]:
    from tradeplan.brokers.paper.remote import RemotePaperBroker
    from tradeplan.ports.live import BrokerUnavailable

    host, _, port = venue.rpartition(":")
    if not host or not port.isdigit() or int(port) > 65535:
        raise _Refused(f"--venue {venue}: give HOST:PORT, e.g. 127.0.0.1:7010")
    try:
        remote = RemotePaperBroker(host, int(port))
    except (OSError, BrokerUnavailable) as exc:
        why = getattr(exc, "strerror", None) or str(exc)
        raise _Refused(
            f"no paper venue answers at {venue} ({why}): start one with `tradeplan paper "
            f"serve --feed FILE.csv --strategy STRATEGY --port {port}`"
        ) from None
    if remote.symbol not in symbols:
        remote.close()
        raise _Refused(
            f"the venue at {venue} trades {remote.symbol}, the strategy {next(iter(symbols))}"
        )
    return remote, remote.bar_seconds


def _local(source: StrategySource, args: argparse.Namespace, *, quiet: bool) -> tuple[Any, int]:
    """The in-process venue over `--feed`, after the checks a backtest makes of its data."""
    from tradeplan.backtest.data import DataError
    from tradeplan.backtest.instrument_check import wrong_instrument
    from tradeplan.backtest.run import BacktestError, BacktestOptions
    from tradeplan.backtest.spread_check import spread_warnings
    from tradeplan.core.money import to_decimal
    from tradeplan.live.paper_session import bar_seconds, load_feed, paper_venue

    plan = source.plan
    try:
        spread = to_decimal(args.spread) if args.spread else None
    except (ArithmeticError, ValueError):
        raise _Refused(f"--spread {args.spread}: give a price amount, e.g. 0.010") from None
    try:
        options = BacktestOptions(spread=spread)
        data = load_feed(plan, Path(args.feed), options)
    except DataError as exc:
        raise _Refused(f"bad data in --feed {args.feed}:\n{exc}") from None
    except (BacktestError, ValueError) as exc:
        raise _Refused(str(exc)) from None
    if not len(data):
        raise _Refused(f"--feed {args.feed}: no bars to trade on")
    mismatch = wrong_instrument(plan, data.price("close", 0), data.source)
    if mismatch:
        raise _Refused(mismatch)
    if not quiet:
        for warning in [i.message for i in data.issues] + spread_warnings(
            plan.instrument, data, options.spread
        ):
            sys.stderr.write(f"tradeplan: warning: {warning}\n")
    try:
        venue = paper_venue(plan, data, options)
    except (BacktestError, ValueError) as exc:
        raise _Refused(str(exc)) from None
    return venue, bar_seconds(data)


def _trade(
    runner: LiveRunner,
    local: Any,
    speed: float | None,
    until: Callable[[LiveRunner], bool] | None = None,
) -> int:
    """Run until the feed ends or Ctrl-C / SIGTERM (the runner then stops cleanly). The
    handlers are put back afterwards: `main()` may be called from a program of its own."""
    before: dict[signal.Signals, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for number in (signal.SIGINT, signal.SIGTERM):
            before[number] = signal.signal(number, lambda *_: runner.stop())
    ready = None
    if local is not None and speed is not None:
        venue = local
        ready = lambda: venue.start(speed)  # noqa: E731
    try:
        return runner.run(ready=ready, until=None if until is None else lambda: until(runner))
    finally:
        if local is not None:
            local.stop()
        for number, handler in before.items():
            signal.signal(number, handler)


def _farewell(
    runner: LiveRunner,
    log: EventLog,
    sources: Sequence[StrategySource],
    args: argparse.Namespace,
    state: Path,
) -> str:
    """What the run leaves, per strategy, and where: a trader's last look before it exits."""
    lines: list[str] = []
    open_anything = False
    for source, run in zip(sources, runner.strategies, strict=True):
        engine = run.engine
        trades, pnl = log.booked(source.name)
        held = engine.export_state()
        currency = source.plan.account.currency
        shown = f"{pnl:+,f}" if pnl else "0"
        net = {"buy": Decimal(0), "sell": Decimal(0)}
        for p in held.positions:
            net[p.side.value] += p.qty
        sides = ", ".join(
            f"{'long' if side == 'buy' else 'short'} {qty:,f}" for side, qty in net.items() if qty
        )
        positions = f"{len(held.positions)} open position{'' if len(held.positions) == 1 else 's'}"
        positions += f" ({sides})" if sides else ""
        orders = len(held.orders)
        open_anything = open_anything or bool(held.positions or held.orders)
        lines.append(
            f"{source.name}: {trades} trade{'' if trades == 1 else 's'} closed in "
            f"this run, net P&L {shown} {currency}; {positions}, {orders} working "
            f"order{'' if orders == 1 else 's'}"
        )
    if open_anything:
        if args.broker != "paper":
            lines.append(
                f"{_ADAPTERS[args.broker]} keeps them working: start the bot again with "
                f"--state {state} to carry on"
            )
        elif args.venue:
            lines.append(
                f"the venue at {args.venue} keeps them working: start the bot again with "
                f"--state {state} to carry on"
            )
        else:
            lines.append(
                "the paper venue of this run ended with it: what it held is kept in the state "
                "for `tradeplan status`, and no venue works those orders now"
            )
    lines.append(f"state in {state}/ (tradeplan status --state {state})")
    if args.out:
        lines.append(f"files in {args.out}/")
    return "\n".join(lines) + "\n"


def cmd_status(args: argparse.Namespace) -> int:
    from tradeplan.live.status import read_status, render_status

    state = Path(args.state)
    if not (state / "state.sqlite").exists():
        return _fail(f"{state}/ holds no state store: start a run with --state {state}")
    report = read_status(state)
    if args.json:
        print(json.dumps(report, indent=2, sort_keys=True))
    else:
        print(render_status(report), end="")
    return EXIT_OK


def cmd_halt(args: argparse.Namespace) -> int:
    return _switch(args, halt=True)


def cmd_resume(args: argparse.Namespace) -> int:
    return _switch(args, halt=False)


def _switch(args: argparse.Namespace, *, halt: bool) -> int:
    from tradeplan.live.status import running_pid
    from tradeplan.live.store import StateStore

    state = Path(args.state)
    if not (state / "state.sqlite").exists():
        return _fail(f"{state}/ holds no state store: give the --state DIR of the run")
    store = StateStore.open(state)
    try:
        name = _strategy_named(store, args.strategy)
        if name is None:
            known = ", ".join(store.strategies()) or "none"
            return _fail(
                f"no strategy {args.strategy} in {state}/ (there: {known}; a strategy is "
                "named by its file name without the suffix)"
            )
        idle = (
            ""
            if running_pid(state) is not None
            else f" (no run is going on in {state}/: it holds when one starts)"
        )
        if halt:
            store.halt(name, args.reason)
            print(
                f"{name}: halted ({args.reason}): no new entries are sent, and working "
                f"entries are cancelled (placed again on resume); exits stay working{idle}"
            )
        elif store.halted(name) is None:
            print(f"{name}: was not halted; entries are allowed")
        else:
            store.resume(name)
            print(f"{name}: resumed, entries allowed again{idle}")
    finally:
        store.close()
    return EXIT_OK


def _strategy_named(store: StateStore, given: str) -> str | None:
    """`given` as a stored strategy: its name there, or the `name:` its plan has."""
    names = store.strategies()
    if given in names:
        return given
    matches = []
    for name in names:
        plan = store.current_plan(name)
        if plan is not None and json.loads(plan.plan_json).get("name") == given:
            matches.append(name)
    return matches[0] if len(matches) == 1 else None


__all__ = ["add_parsers"]
