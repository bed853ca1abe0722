"""`tradeplan paper serve --feed FILE.csv`: the paper broker as its own process, as a real one.

It replays FILE (read like `tradeplan backtest --data`) in accelerated wall-clock time on
127.0.0.1, keeps its orders, fills and positions while bots come and go (and, with --state,
across its own restart), and says when the feed has ended while it goes on answering.

What it trades and how it fills: from `--strategy FILE` (its instrument, account, fees, fill
profile and broker rules, exactly as a backtest of that file would), or from `--symbol` and the
flags. Flags given with a strategy override it. Exit codes: 0 stopped (Ctrl-C, SIGTERM), 1 the
strategy has errors, 2 bad usage, bad data or a port in use.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tradeplan.cli.backtest_cmd import PATHS, _decimal, _share, _ticks, _Usage

if TYPE_CHECKING:
    from tradeplan.live.paper_server import VenueSettings

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

EXAMPLES = """\
examples:
  tradeplan paper serve --feed data/usdjpy_1m_2025.csv.gz --symbol USD/JPY --speed 60 --port 7010
  tradeplan paper serve --feed bars.csv --strategy s.yaml --speed 600 --port 0 --state venue/
  tradeplan run s.yaml --broker paper --venue 127.0.0.1:7010
"""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register `paper` (with `paper serve`) on the main parser's subparsers."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "paper", help="the paper broker as its own process (`paper serve`)"
    )
    commands = parser.add_subparsers(dest="paper_command", metavar="COMMAND", required=True)
    serve = commands.add_parser(
        "serve",
        help="replay a recorded feed as a broker on 127.0.0.1 that bots trade on",
        description=(
            "Replay FEED (CSV bars or ticks, as `tradeplan backtest --data` reads them) in "
            "wall-clock time as a paper broker listening on 127.0.0.1:PORT. Orders, fills and "
            "positions live in this process, so a bot that crashes finds them again; with "
            "--state they survive a restart of the venue too. Stops on Ctrl-C or SIGTERM."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument("--feed", required=True, help="CSV of bars or ticks, plain or .gz")
    serve.add_argument(
        "--speed",
        default="60",
        help="seconds of data per second of wall time (60: a 1-minute bar each second; "
        "0: as fast as it goes); default 60",
    )
    serve.add_argument("--port", default="0", help="port on 127.0.0.1 (default 0: any free one)")
    serve.add_argument("--state", help="folder that keeps the venue across its own restart")
    serve.add_argument(
        "--strategy", help="take the instrument, account, fees and fill settings from this file"
    )
    serve.add_argument("--symbol", help="instrument traded, without --strategy (e.g. USD/JPY)")
    serve.add_argument("--profile", default=None, help="broker rules to stand in for (paper)")
    serve.add_argument("--spread", help="spread (price amount) for a feed without one")
    serve.add_argument("--balance", help="starting balance (default: the strategy's, or 100000)")
    serve.add_argument("--currency", help="account currency (default: the quote currency)")
    serve.add_argument("--leverage", help="margin check at this leverage (default: none)")
    serve.add_argument("--rate", help="account currency per unit of the quote currency")
    serve.add_argument("--fill", choices=["dealer", "exchange"], help="how limits past fill")
    serve.add_argument("--path", choices=sorted(PATHS), default="nearest", help="bar path")
    serve.add_argument("--slippage", default="0", help="ticks of slippage on market fills")
    serve.add_argument(
        "--max-volume-share", metavar="F", help="fill at most this share of a bar's volume"
    )
    serve.add_argument(
        "--start-on-connect",
        action="store_true",
        help="start the clock when the first bot connects, not at once",
    )
    serve.set_defaults(func=run)
    return parser


@dataclass(frozen=True)
class _Serve:
    speed: float
    port: int


def run(args: argparse.Namespace) -> int:
    from tradeplan.backtest.data import DataError
    from tradeplan.brokers.paper.live_journal import JournalError
    from tradeplan.live.paper_server import PaperServer, open_venue

    try:
        serve = _Serve(_speed(args.speed), _port(args.port))
        settings = _settings(args)
    except _Usage as exc:
        sys.stderr.write(f"tradeplan: error: {exc}\n")
        return EXIT_USAGE
    except _Findings:
        return EXIT_FINDINGS
    try:
        opened = open_venue(args.feed, settings, args.state)
    except DataError as exc:
        sys.stderr.write(f"tradeplan: bad data:\n{exc}\n")
        return EXIT_USAGE
    except (JournalError, OSError, ValueError) as exc:
        sys.stderr.write(f"tradeplan: error: {exc}\n")
        return EXIT_USAGE
    venue = opened.venue
    server = PaperServer(venue, port=serve.port)
    try:
        host, port = server.start()
    except OSError as exc:
        opened.close()
        sys.stderr.write(f"tradeplan: error: cannot listen on 127.0.0.1:{serve.port}: {exc}\n")
        return EXIT_USAGE
    data = opened.data
    out = sys.stdout
    out.write(
        f"paper venue on {host}:{port}: {settings.instrument.symbol}, {len(data):,} bars of "
        f"{Path(args.feed).name} ({data.time_at(0).isoformat()} to "
        f"{data.time_at(len(data) - 1).isoformat()}), speed {args.speed}\n"
    )
    if opened.journal is not None and opened.journal.entries:
        out.write(
            f"restored from {args.state}: {opened.journal.entries} journal entries, "
            f"at bar {venue.cursor + 1} of {venue.rows}\n"
        )
    out.write(f"trade on it: tradeplan run STRATEGY --broker paper --venue {host}:{port}\n")
    out.flush()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        if args.start_on_connect:
            while not stop.is_set() and not server.greeted.wait(0.2):
                pass
        venue.start(serve.speed)
        announced = False
        while not stop.wait(0.2):
            if venue.ended and not announced:
                announced = True
                out.write(
                    f"paper venue: the feed has ended after {venue.rows:,} bars; still "
                    "answering (Ctrl-C to stop)\n"
                )
                out.flush()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        opened.close()
    return EXIT_OK


class _Findings(Exception):
    """The strategy file has errors (printed)."""


def _settings(args: argparse.Namespace) -> VenueSettings:
    from tradeplan.brokers.paper.broker import PaperAccount
    from tradeplan.brokers.paper.fills import FeeSchedule, FillConfig, IntrabarPath
    from tradeplan.core.enums import FillProfile
    from tradeplan.core.money import HUNDRED, round_money
    from tradeplan.live.paper_server import VenueSettings
    from tradeplan.ports.profiles import PAPER, UnknownProfileError, get_profile, profile_or_paper
    from tradeplan.runtime.currency import RateError, quote_rate

    spread = _decimal(args.spread, "--spread", allow_zero=True)
    balance = _decimal(args.balance, "--balance")
    leverage = _decimal(args.leverage, "--leverage")
    rate = _decimal(args.rate, "--rate")
    path = IntrabarPath(PATHS[args.path])
    slippage = _ticks(args.slippage)
    share = _share(args.max_volume_share)
    try:
        profile = get_profile(args.profile) if args.profile else None
    except UnknownProfileError as exc:
        raise _Usage(str(exc)) from None
    fees = FeeSchedule()
    if args.strategy:
        plan = _plan(args.strategy)
        profile = profile or profile_or_paper(plan.broker.name)
        instrument = plan.instrument
        currency = args.currency or plan.account.currency
        balance = balance or plan.account.balance
        leverage = leverage or plan.account.leverage
        fill = FillProfile(args.fill) if args.fill else plan.broker.fill
        plan_fees = plan.fees
        fees = FeeSchedule(
            plan_fees.per_unit, plan_fees.per_notional / HUNDRED, plan_fees.per_order
        )
    elif args.symbol:
        profile = profile or PAPER
        instrument = profile.instrument(args.symbol)
        currency = args.currency or instrument.quote_currency or "USD"
        fill = FillProfile(args.fill) if args.fill else profile.fill_profile
    else:
        raise _Usage("say what the venue trades: --strategy FILE or --symbol SYMBOL")
    try:
        rates = quote_rate(instrument, currency, rate)
    except RateError as exc:
        raise _Usage(str(exc)) from None
    config = FillConfig(
        profile=fill or FillProfile.EXCHANGE,
        path=path,
        fees=fees,
        slippage_ticks=slippage,
        max_volume_share=share,
    )
    money = round_money(balance or Decimal(100_000), currency)
    account = PaperAccount(currency, money, leverage, rates)
    return VenueSettings(instrument, config, account, profile, spread)


def _plan(path: str) -> Any:
    from tradeplan import api

    if not Path(path).exists():
        raise _Usage(f"{path}: no such file")
    compiled = api.compile(path)
    if compiled.plan is None:
        from tradeplan.cli.main import _print_errors

        _print_errors(compiled.diagnostics)
        raise _Findings
    return compiled.plan


def _speed(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _Usage(
            f"--speed is a number (60: a 1-minute bar each second), got {text!r}"
        ) from None
    if not value >= 0 or value == float("inf"):
        raise _Usage(f"--speed must be 0 (as fast as it goes) or a positive number, got {text!r}")
    return value


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise _Usage(f"--port is a port number from 0 to 65535, got {text!r}")
    return int(text)
