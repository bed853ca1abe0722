"""`tradeplan run`, `status`, `halt` and `resume`: the live runtime from the command line.

`run STRATEGY... --feed FILE.csv [--speed N|max]` trades on the in-process paper venue (no account
needed); `--broker binance|oanda|futu` will trade live once their adapters exist. State goes to
`--state DIR` (default `state/`): a SQLite store `status` and `halt` read and write from another
terminal while the bot runs. Exit codes: 0 done (the feed ended, or Ctrl-C), 1 a strategy has
errors, 2 bad usage, a refused restart, or a broker that cannot be used.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

RUN_EXAMPLES = """\
examples:
  tradeplan run strategies/usdjpy-grid.yaml --feed data/usdjpy_1m_2025.csv.gz --speed max
  tradeplan run strategies/usdjpy-grid.yaml --feed data/usdjpy_1m_2025.csv.gz --speed 600 \\
      --state state/ --out out/live
  tradeplan status --state state/
  tradeplan halt usdjpy-grid --state state/
"""


def add_parsers(subparsers: Any) -> None:
    run: argparse.ArgumentParser = subparsers.add_parser(
        "run",
        help="run strategies live (on the paper venue with --feed)",
        description=(
            "Run one or more strategy files live, each with its own state, on one broker "
            "connection. With --feed, a paper venue in this process replays the recorded data "
            "in accelerated wall-clock time (--speed) and trades like a broker: orders work "
            "between bars, positions stay open when the feed ends."
        ),
        epilog=RUN_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("files", nargs="+", metavar="STRATEGY", help="strategy files (.yaml, .tp)")
    run.add_argument(
        "--broker",
        choices=["paper", "binance", "oanda", "futu"],
        default="paper",
        help="where to trade (default: paper)",
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
        help="data seconds per wall-clock second (60: a one-minute bar each second), or `max`",
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
    resume.add_argument("strategy")
    resume.add_argument("--state", default="state", help="folder of the state store")
    resume.set_defaults(func=cmd_resume)


def _fail(message: str) -> int:
    sys.stderr.write(f"tradeplan: error: {message}\n")
    return EXIT_USAGE


def cmd_run(args: argparse.Namespace) -> int:
    from tradeplan import api
    from tradeplan.backtest.data import DataError
    from tradeplan.backtest.run import BacktestError, BacktestOptions
    from tradeplan.brokers.paper.live_venue import LivePaperVenue
    from tradeplan.brokers.paper.remote import RemotePaperBroker
    from tradeplan.core.money import to_decimal
    from tradeplan.live.logs import EventLog
    from tradeplan.live.paper_session import bar_seconds, load_feed, paper_venue
    from tradeplan.live.runner import LiveRunner, RestartRefused, StrategySource
    from tradeplan.live.store import StateStore
    from tradeplan.ports.live import BrokerUnavailable, LiveBrokerPort

    if args.broker != "paper":
        issue = {"binance": 10, "oanda": 11, "futu": 12}[args.broker]
        return _fail(
            f"--broker {args.broker} is not available yet (its adapter is issue {issue}); "
            "run on the paper venue with --feed FILE.csv"
        )
    if bool(args.feed) == bool(args.venue):
        return _fail(
            "--broker paper needs --feed FILE.csv (a venue in this process) or --venue "
            "HOST:PORT (one started with `tradeplan paper serve`), one of them"
        )
    speed: float | None
    if args.speed == "max":
        speed = None
    else:
        try:
            speed = float(args.speed)
        except ValueError:
            return _fail(f"--speed {args.speed}: give a number of data seconds per second, or max")
        if not speed > 0:
            return _fail("--speed must be above 0 (or max)")
    sources = []
    for file in args.files:
        path = Path(file)
        result = api.load(path)
        if not result.ok or result.plan is None:
            from tradeplan.cli.main import _print_errors

            _print_errors(result.diagnostics)
            return EXIT_FINDINGS
        sources.append(StrategySource(path.stem, path, result.plan, path.read_text("utf-8")))
    symbols = {s.plan.instrument.symbol for s in sources}
    if len(symbols) > 1:
        return _fail(
            f"the feed is one instrument, the strategies trade {', '.join(sorted(symbols))}: "
            "run them with one feed each"
        )
    broker: LiveBrokerPort
    local: LivePaperVenue | None = None
    if args.venue:
        host, _, port = args.venue.rpartition(":")
        if not host or not port.isdigit():
            return _fail(f"--venue {args.venue}: give HOST:PORT, e.g. 127.0.0.1:7010")
        try:
            remote = RemotePaperBroker(host, int(port))
        except (OSError, BrokerUnavailable) as exc:
            return _fail(f"no paper venue answers at {args.venue}: {exc}")
        if remote.symbol not in symbols:
            remote.close()
            return _fail(
                f"the venue at {args.venue} trades {remote.symbol}, the strategy "
                f"{next(iter(symbols))}"
            )
        broker, seconds = remote, remote.bar_seconds
    else:
        try:
            options = BacktestOptions(spread=to_decimal(args.spread) if args.spread else None)
            data = load_feed(sources[0].plan, Path(args.feed), options)
            local = paper_venue(sources[0].plan, data, options)
        except (DataError, BacktestError, ValueError) as exc:
            return _fail(str(exc))
        broker, seconds = local, bar_seconds(data)
    state = Path(args.state)
    store = StateStore.open(state)
    log = EventLog(state / "events.jsonl", None if args.quiet else sys.stderr)
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
        log.close()
        store.close()
        broker.close()
        return _fail(str(exc))
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, lambda *_: runner.stop())
        signal.signal(signal.SIGTERM, lambda *_: runner.stop())
    ready = None
    if local is not None and speed is not None:
        venue = local
        ready = lambda: venue.start(speed)  # noqa: E731
    try:
        code = runner.run(ready=ready)
    finally:
        if local is not None:
            local.stop()
        broker.close()
        log.close()
        store.close()
    if not args.quiet:
        print(f"state in {state}/ (tradeplan status --state {state})")
        if args.out:
            print(f"files in {args.out}/")
    return code


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
    from tradeplan.live.store import StateStore

    state = Path(args.state)
    if not (state / "state.sqlite").exists():
        return _fail(f"{state}/ holds no state store")
    store = StateStore.open(state)
    try:
        if args.strategy not in store.strategies():
            known = ", ".join(store.strategies()) or "none"
            return _fail(f"no strategy {args.strategy} in {state}/ (there: {known})")
        if halt:
            store.halt(args.strategy, args.reason)
            print(f"{args.strategy}: halted, no new entries ({args.reason}); exits keep working")
        else:
            store.resume(args.strategy)
            print(f"{args.strategy}: resumed, entries allowed again")
    finally:
        store.close()
    return EXIT_OK


__all__ = ["add_parsers"]
