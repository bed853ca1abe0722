"""`tradeplan backtest FILE --data DATA --out DIR`: run a strategy over recorded bars or ticks.

Writes trades.csv, orders.csv, signals.csv, alerts.csv, summary.json and report.html into DIR, prints the
summary and where the report is. Exit codes: 0 done, 1 the strategy has errors (its diagnostics
are printed), 2 bad usage or bad data (the message names the file and the rows).
"""

from __future__ import annotations

import argparse
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from time import perf_counter
from typing import Any, TextIO

from tradeplan.core.money import to_decimal

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
PATHS = {"nearest": "nearest", "ohlc": "open-high-low-close", "olhc": "open-low-high-close"}

EXAMPLES = """\
examples:
  tradeplan backtest strategies/btc-breakout.yaml --data data/btcusdt_1m_2025.csv.gz --out out/
  tradeplan backtest s.yaml --data bars.csv --spread 0.02 --from 2025-03-01 --to 2025-03-31 \\
      --out out/ --quiet
"""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register `backtest` on the main parser's subparsers."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "backtest",
        help="run a strategy over recorded bars or ticks and write a report",
        description=(
            "Replay DATA (CSV bars time,open,high,low,close[,volume][,spread] as bid prices, or "
            "ticks time,bid,ask / time,price; plain or .gz) through the strategy on the paper "
            "broker, and write trades.csv, orders.csv, signals.csv, alerts.csv, summary.json and "
            "report.html into OUT."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", help="strategy file (.yaml or .tp)")
    parser.add_argument("--data", required=True, help="CSV of bars or ticks, plain or .gz")
    parser.add_argument("--out", required=True, help="folder for the output files")
    parser.add_argument("--spread", help="spread (price amount) for data without a spread column")
    parser.add_argument("--from", dest="start", help="first time to use (2025-03-01 or ISO time)")
    parser.add_argument(
        "--to", dest="end", help="last time to use, inclusive; a date includes that whole UTC day"
    )
    parser.add_argument(
        "--path",
        choices=sorted(PATHS),
        default="nearest",
        help="order of a bar's extremes: nearest to the open first (default), ohlc or olhc",
    )
    parser.add_argument(
        "--fill",
        choices=["dealer", "exchange"],
        help="how a limit already past the market fills (default: the strategy's broker)",
    )
    parser.add_argument("--slippage", default="0", help="ticks of slippage on market-type fills")
    parser.add_argument(
        "--max-volume-share",
        metavar="F",
        help=(
            "fill an order with at most this fraction (0 < F <= 1) of each bar's volume, in "
            "parts over as many bars as it takes (default: off, every bar fills in full)"
        ),
    )
    parser.add_argument("--balance", help="starting balance (default: the strategy's, or 100000)")
    parser.add_argument(
        "--rate",
        help=(
            "account currency per unit of the quote currency (e.g. 150 for a JPY account "
            "trading EUR/USD); required when the account currency is neither currency of the "
            "pair, refused when it is one of them"
        ),
    )
    parser.add_argument(
        "--stream",
        action="store_true",
        help=(
            "replay the data the way a live run gets it: one bar at a time, signals from the "
            "indicators' step forms, every bar visited (slower; the same results as without)"
        ),
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar, summary only")
    parser.set_defaults(func=run)
    return parser


class _Usage(ValueError):
    pass


def run(args: argparse.Namespace) -> int:
    from tradeplan import api
    from tradeplan.api_backtest import BacktestError, BacktestOptions, backtest, write_outputs
    from tradeplan.backtest.data import DataError
    from tradeplan.brokers.paper.fills import IntrabarPath
    from tradeplan.core.enums import FillProfile

    try:
        options = BacktestOptions(
            spread=_decimal(args.spread, "--spread", allow_zero=True),
            start=args.start,
            end=args.end,
            path=IntrabarPath(PATHS[args.path]),
            fill=FillProfile(args.fill) if args.fill else None,
            slippage_ticks=_ticks(args.slippage),
            balance=_decimal(args.balance, "--balance"),
            quote_rate=_decimal(args.rate, "--rate"),
            max_volume_share=_share(args.max_volume_share),
            stream=args.stream,
        )
    except _Usage as exc:
        sys.stderr.write(f"tradeplan: error: {exc}\n")
        return EXIT_USAGE
    if not Path(args.file).exists():
        sys.stderr.write(f"tradeplan: error: {args.file}: no such file\n")
        return EXIT_USAGE
    compiled = api.compile(args.file)
    if compiled.plan is None:
        from tradeplan.cli.main import _print_errors

        _print_errors(compiled.diagnostics)
        return EXIT_FINDINGS
    bar = None if args.quiet else ProgressBar(sys.stderr)
    try:
        result = backtest(compiled.plan, args.data, options, progress=bar)
    except DataError as exc:
        if bar:
            bar.clear()
        sys.stderr.write(f"tradeplan: bad data:\n{exc}\n")
        return EXIT_USAGE
    except (BacktestError, ValueError, OverflowError) as exc:
        if bar:
            bar.clear()
        sys.stderr.write(f"tradeplan: error: {exc}\n")
        return EXIT_USAGE
    if bar:
        bar.clear()
    try:
        files = write_outputs(result, args.out, inputs=(args.file,))
    except BacktestError as exc:
        sys.stderr.write(f"tradeplan: error: {exc}\n")
        return EXIT_USAGE
    for warning in result.warnings:
        sys.stderr.write(f"tradeplan: warning: {warning}\n")
    sys.stdout.write(summary_text(result, files))
    return EXIT_OK


def summary_text(run: Any, files: dict[str, Path]) -> str:
    """The figures a trader reads first, then where everything went: each exactly as
    summary.json writes it (`Summary.shown`), money with its currency."""
    s = run.summary
    currency = run.plan.account.currency
    stats = run.stats
    shown = s.shown

    def pct(name: str) -> str:
        text = shown(name)
        return text if text == "n/a" else f"{text}%"

    lines = [
        f"{run.plan.name}: {len(run.data):,} rows from {Path(run.data.source).name}",
        f"  net P&L        {shown('net_pnl')} {currency}",
        f"  final equity   {shown('final_equity')} {currency} "
        f"(from {shown('initial_equity')}, {pct('return_pct')})",
        f"  trades         {s.trade_count} ({s.wins} won, {s.losses} lost, {s.flat} flat, "
        f"win rate {pct('win_rate_pct')})",
        f"  profit factor  {shown('profit_factor')}",
        f"  max drawdown   {shown('max_drawdown')} {currency} ({pct('max_drawdown_pct')})",
        f"  Sharpe         {shown('sharpe')}",
        f"  exposure       {pct('exposure_pct')}",
        f"  run phase      {stats.seconds:.2f} s, {stats.rows_per_second:,.0f} rows/s",
    ]
    if s.trade_count == 0:
        held = (
            "the entry condition never held"
            if s.signals == 0
            else (f"the entry condition held {s.signals} times; no entry filled")
        )
        lines.insert(4, f"  no trades      {held}")
    if s.halted_at is not None:
        lines.append(f"  halted         {s.halted_at.isoformat()}: {s.halt_reason}")
    if s.daily_limit_days:
        lines.append(f"  daily limit    reached on {s.daily_limit_days} trading days")
    for name, why in s.stopped_slots.items():
        lines.append(f"  stopped slot   {name}: {why}")
    if s.paused_slots:
        pauses = sum(s.paused_slots.values())
        lines.append(
            f"  paused slots   {len(s.paused_slots)} slots paused {pauses} times for the day "
            "(a day's refusal; they re-armed the next trading day)"
        )
    if s.refused_signals:
        reasons = ", ".join(f"{code} {count}" for code, count in s.refused_signals.items())
        lines.insert(4, f"  refused        {sum(s.refused_signals.values())} signals ({reasons})")
    lines.append(f"report: {Path(files['report']).resolve()}")
    lines.append(f"files:  {', '.join(str(files[k].name) for k in files if k != 'report')}")
    return "\n".join(lines) + "\n"


class ProgressBar:
    """A one-line bar on stderr, shown only once a run has taken more than a second, so quick
    runs print nothing extra. Writes nothing when the stream is not a terminal."""

    def __init__(self, stream: TextIO, delay: float = 1.0, width: int = 30) -> None:
        self.stream = stream
        self.began = perf_counter()
        self.delay = delay
        self.width = width
        self.shown = False
        self.enabled = bool(getattr(stream, "isatty", lambda: False)())

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or perf_counter() - self.began < self.delay:
            return
        share = done / total if total else 1.0
        filled = int(share * self.width)
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r[{bar}] {share * 100:5.1f}%  {done:,}/{total:,} rows")
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * (self.width + 40) + "\r")
            self.stream.flush()
            self.shown = False


MAX_EXPONENT = 15
MAX_SLIPPAGE_TICKS = 10_000
"""Beyond this no market's slippage is plausible, and each tick is a step of the fill loop."""


def _decimal(text: str | None, name: str, *, allow_zero: bool = False) -> Decimal | None:
    if text is None:
        return None
    try:
        value = to_decimal(text)
    except (TypeError, ValueError, InvalidOperation):
        raise _Usage(f"{name} must be a number, got {text!r}") from None
    if not value.is_finite() or value < 0 or (value == 0 and not allow_zero):
        raise _Usage(f"{name} must be a positive number, got {text!r}")
    if value and not -MAX_EXPONENT <= value.adjusted() <= MAX_EXPONENT:
        raise _Usage(
            f"{name} is out of range, got {text!r}: write a number from 0.000000000000001 "
            "to 9,999,999,999,999,999"
        )
    return value


def _share(text: str | None) -> Decimal | None:
    """`--max-volume-share`: a fraction of a bar's volume, above 0 and at most 1."""
    value = _decimal(text, "--max-volume-share")
    if value is not None and value > 1:
        raise _Usage(
            f"--max-volume-share is a fraction of a bar's volume, at most 1 (0.1 is 10%), "
            f"got {text!r}"
        )
    return value


def _ticks(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise _Usage(f"--slippage is a whole number of ticks, got {text!r}") from None
    if value < 0:
        raise _Usage("--slippage counts ticks against the trader: use 0 or more")
    if value > MAX_SLIPPAGE_TICKS:
        raise _Usage(f"--slippage is at most {MAX_SLIPPAGE_TICKS:,} ticks, got {text!r}")
    return value
