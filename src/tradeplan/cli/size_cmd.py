"""`tradeplan size`: the 2% rule on the command line, for a trader who only wants the number.

Every value is read as text and checked here rather than by argparse types, so a bad value gives
one plain line on stderr (exit 2) instead of a usage dump.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from decimal import Decimal, localcontext
from typing import Any

from tradeplan.core.instrument import default_pip
from tradeplan.core.money import HUNDRED, fmt_decimal, to_decimal
from tradeplan.sizing import SizeResult, SizingError, size_by_risk

EXAMPLES = """\
examples:
  tradeplan size --balance 500000 --risk 2% --stop 20 --pip 0.01
  tradeplan size --balance 500000 --risk 2% --stop 20 --pip 0.0001 --rate 105
  tradeplan size --balance 500000 --risk 2% --stop 20 --symbol EUR/JPY --rate 1/128 --currency EUR
  tradeplan size --balance 98891.66 --risk 2% --stop 10 --pip 0.01 --rate 0.009226795 \\
      --leverage 20 --json
  tradeplan size --broker oanda --instrument EUR_GBP --risk 2% --stop 10
      (balance, pip, conversion factor and margin cap read from the live account:
       OANDA_TOKEN and OANDA_ACCOUNT_ID in the environment)
"""


class UsageError(ValueError):
    """A value on the command line that cannot be used; its text is shown as is."""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register `size` on the main parser's subparsers (from `parser.add_subparsers()`)."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "size",
        help="position size by the 2%% rule, capped by margin",
        description=(
            "Units that lose at most RISK of BALANCE when a STOP-pip stop is hit: "
            "floor(balance x risk / rate / (stop x pip)), floored to --step and capped by "
            "--leverage or --units-available. When the cap binds, the narrowest stop that "
            "keeps the full risk is reported."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--balance", help="account balance, account currency (not with --broker: read live)"
    )
    parser.add_argument("--risk", required=True, help="share of the balance to risk: 2%% or 0.02")
    parser.add_argument("--stop", required=True, help="stop distance in pips")
    parser.add_argument("--pip", help="pip size (0.01 for JPY pairs, 0.0001 for most others)")
    parser.add_argument(
        "--symbol", help="instrument such as USD/JPY; gives the pip if --pip is absent"
    )
    parser.add_argument(
        "--rate",
        default="1",
        help="account currency per unit of quote currency (default 1); a fraction like 1/128 works",
    )
    parser.add_argument("--leverage", help="caps units at balance x leverage / --base-rate")
    parser.add_argument(
        "--base-rate",
        default="1",
        help="account currency per unit of base currency, for the leverage cap (default 1)",
    )
    parser.add_argument("--units-available", help="the broker's units-available figure, a cap")
    parser.add_argument("--step", default="1", help="quantity step; units round down to it")
    parser.add_argument("--currency", help="account currency, used only to label the output")
    parser.add_argument(
        "--broker", help="read every figure from this broker's live account (oanda)"
    )
    parser.add_argument("--instrument", help="with --broker: the instrument, e.g. EUR_GBP")
    parser.add_argument(
        "--timeout", default="10", help="with --broker: seconds to wait for it (default 10)"
    )
    parser.add_argument("--json", action="store_true", help="print a JSON object")
    parser.set_defaults(func=run)
    return parser


# No balance, pip, rate or cap of a real account lies outside these; bounding them keeps every
# product and quotient of the sizing rule far from Decimal's limits (1e999999 once overflowed).
MIN_EXPONENT, MAX_EXPONENT = -12, 15


def run(args: argparse.Namespace) -> int:
    if args.broker is not None:
        return run_live(args)
    if args.balance is None:
        print(
            "tradeplan size: error: give --balance, or --broker oanda --instrument PAIR to read "
            "it from the live account",
            file=sys.stderr,
        )
        raise SystemExit(2)
    try:
        result = size_by_risk(
            _positive(args.balance, "--balance"),
            parse_risk(args.risk),
            _positive(args.stop, "--stop"),
            _pip(args.pip, args.symbol),
            quote_home_rate=parse_rate(args.rate, "--rate"),
            step=_positive(args.step, "--step"),
            leverage=None if args.leverage is None else _positive(args.leverage, "--leverage"),
            base_home_rate=parse_rate(args.base_rate, "--base-rate"),
            units_available=(
                None
                if args.units_available is None
                else _number(args.units_available, "--units-available")
            ),
            currency=args.currency,
        )
    except (UsageError, SizingError) as exc:
        print(f"tradeplan size: error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result_json(result), indent=2))
    else:
        print(result.explain())
    return 0


LIVE_SIZING = ("oanda",)  # brokers whose adapter reads the 2% rule's figures (live_sizing)


def run_live(args: argparse.Namespace) -> int:
    """The 2% rule on the figures of the live account, each printed with where it came from."""
    from tradeplan.live.adapters import adapter_module
    from tradeplan.ports.adapters import AdapterConfigError
    from tradeplan.ports.live import BrokerUnavailable

    try:
        broker = args.broker.strip().lower()
        if broker not in LIVE_SIZING:
            raise UsageError(
                f"--broker {args.broker}: live sizing reads OANDA's conversion factors, so only "
                "--broker oanda; for another broker give --balance, --pip and --rate"
            )
        for flag, value in (
            ("--balance", args.balance),
            ("--pip", args.pip),
            ("--symbol", args.symbol),
        ):
            if value is not None:
                raise UsageError(f"{flag} is read from the account with --broker; leave it out")
        if args.rate != "1" or args.leverage is not None or args.units_available is not None:
            raise UsageError("--rate, --leverage and --units-available are read from the account")
        if not args.instrument:
            raise UsageError("--broker needs --instrument, e.g. --instrument EUR_GBP")
        risk = parse_risk(args.risk)
        stop = _positive(args.stop, "--stop")
        timeout = float(_positive(args.timeout, "--timeout"))
        figures = adapter_module(broker).live_sizing(args.instrument, os.environ, timeout)
        result = figures.size(risk, stop)
    except (UsageError, SizingError, AdapterConfigError, BrokerUnavailable) as exc:
        print(f"tradeplan size: error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({**result_json(result), "figures": figures.as_json()}, indent=2))
    else:
        print(f"{figures.symbol} on the live {broker} account:")
        for line in figures.lines():
            print(f"  {line}")
        print(result.explain())
    return 0


def parse_risk(text: str) -> Decimal:
    """`2%` and `0.02` both mean two percent; a bare `2` is refused as ambiguous."""
    raw = text.strip()
    percent = raw.endswith("%")
    try:
        value = _number(raw[:-1] if percent else raw, "--risk")
    except UsageError:
        raise UsageError(f"--risk: {text!r} is not a percentage; write 2% or 0.02") from None
    if percent:
        value = value / HUNDRED
    if value <= 0:
        raise UsageError(f"--risk must be greater than 0, got {raw}")
    if value > 1 and percent:
        raise UsageError(f"--risk {raw} is more than the whole balance")
    if value > 1:
        raise UsageError(
            f"--risk {raw} would risk {fmt_decimal(value * HUNDRED)}% of the balance; "
            f"write {raw}% for {raw} percent"
        )
    return value


def parse_rate(text: str, flag: str) -> Decimal:
    """A number, or a fraction `a/b`, so a trader can type 1/128 instead of working it out."""
    if "/" not in text:
        return _positive(text, flag)
    top, _, bottom = text.partition("/")
    try:
        numerator, denominator = _positive(top, flag), _positive(bottom, flag)
    except UsageError:
        raise UsageError(f"{flag}: {text!r} is not a fraction of two positive numbers") from None
    with localcontext() as ctx:
        ctx.prec = 40
        return numerator / denominator


def result_json(result: SizeResult) -> dict[str, object]:
    """Whole numbers as JSON numbers, other decimals as strings so no digit is lost."""
    inputs = result.inputs
    return {
        "units": _json_number(result.units),
        "uncapped_units": _json_number(result.uncapped_units),
        "capped": result.capped,
        "cap": _json_number(result.cap),
        "min_stop_pips": _json_number(result.min_stop_pips),
        "units_at_min_stop": _json_number(result.units_at_min_stop),
        "risk_amount": None if inputs is None else _json_number(inputs.risk_amount),
        "loss_at_stop": None if inputs is None else _json_number(inputs.loss_at_stop(result.units)),
        "currency": None if inputs is None else inputs.currency,
    }


def _json_number(value: Decimal | None) -> int | str | None:
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return fmt_decimal(value)


def _pip(pip: str | None, symbol: str | None) -> Decimal:
    if pip is not None:
        return _positive(pip, "--pip")
    if symbol is not None:
        inferred = default_pip(symbol.strip().upper())
        if inferred is None:
            raise UsageError(f"--symbol {symbol!r} is not an FX pair like USD/JPY; give --pip")
        return inferred
    raise UsageError("give the pip size with --pip (0.01 for JPY pairs) or an FX --symbol")


def _number(text: str, flag: str) -> Decimal:
    try:
        value = to_decimal(text)
    except (TypeError, ValueError):
        raise UsageError(f"{flag}: {text!r} is not a number") from None
    if not value.is_finite():
        raise UsageError(f"{flag}: {text!r} is not a finite number")
    if value and not MIN_EXPONENT <= value.adjusted() <= MAX_EXPONENT:
        raise UsageError(f"{flag}: {text.strip()} is out of range (1e-12 to 1e15 in size)")
    return value


def _positive(text: str, flag: str) -> Decimal:
    value = _number(text, flag)
    if value <= 0:
        raise UsageError(f"{flag} must be greater than 0, got {text.strip()}")
    return value
