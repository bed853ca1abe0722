"""`tradeplan instruments --broker NAME SYMBOL...`: a venue's live rules, printed or saved.

What the runtime rounds and guards orders with (tick, step, minimum quantity and notional,
leverage and its brackets, the order types the venue has natively), read from the venue now,
with the broker's keys from the environment. `--save FILE` writes them as a profile file that
`tradeplan lint --profile FILE` checks strategies against in CI, where there are no keys.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tradeplan.core.money import plain

EXIT_OK, EXIT_USAGE = 0, 2

EXAMPLES = """\
examples:
  tradeplan instruments --broker binance BTCUSDT ETHUSDT
  tradeplan instruments --broker oanda EUR/USD USD/JPY --save profiles/oanda.json
  tradeplan lint --profile profiles/oanda.json strategies/
"""


def add_parser(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "instruments",
        help="print a broker's live instrument rules, or save them for `lint --profile`",
        description=(
            "Read each instrument's rules from the broker now (tick, quantity step, minimum "
            "order, leverage, native order types) with the keys in the environment, and print "
            "them, or save them as a profile file that `tradeplan lint --profile FILE` checks "
            "strategies against without keys."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("symbols", nargs="+", metavar="SYMBOL", help="as strategies write them")
    parser.add_argument("--broker", required=True, choices=["binance", "oanda", "futu"])
    parser.add_argument("--save", metavar="FILE", help="write a profile file for lint --profile")
    parser.add_argument("--json", action="store_true", help="print the profile file's JSON")
    parser.add_argument(
        "--timeout", type=float, default=10.0, help="seconds to wait for the broker (default 10)"
    )
    parser.set_defaults(func=cmd_instruments)


def _fail(message: str) -> int:
    sys.stderr.write(f"tradeplan: error: {message}\n")
    return EXIT_USAGE


def cmd_instruments(args: argparse.Namespace) -> int:
    from tradeplan.live.adapters import venue_instruments
    from tradeplan.live.logs import scrub
    from tradeplan.ports.adapters import AdapterConfigError
    from tradeplan.ports.live import BrokerUnavailable
    from tradeplan.ports.profile_file import profile_to_text

    try:
        found = venue_instruments(args.broker, args.symbols, os.environ, args.timeout)
    except AdapterConfigError as exc:
        return _fail(f"{exc} (docs/brokers/{args.broker}.md says how to set it up)")
    except BrokerUnavailable as exc:
        return _fail(f"{args.broker} cannot be reached: {scrub(str(exc))}")
    text = profile_to_text(args.broker, found, datetime.now(UTC).replace(microsecond=0))
    if args.save:
        path = Path(args.save)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    if args.json:
        sys.stdout.write(text)
    else:
        sys.stdout.write(render(found))
    if args.save:
        (sys.stderr if args.json else sys.stdout).write(
            f"saved {len(found)} instrument{'' if len(found) == 1 else 's'} to {args.save}: "
            f"check strategies against it with `tradeplan lint --profile {args.save} ...`\n"
        )
    return EXIT_OK


def render(found: Sequence[Any]) -> str:
    lines: list[str] = []
    for item in found:
        named = (
            f" ({item.venue_symbol} at {item.broker})" if item.venue_symbol != item.symbol else ""
        )
        lines.append(f"{item.symbol}{named}: {item.asset_class.value.replace('_', ' ')}")
        figures = [f"tick {plain(item.tick)}", f"step {plain(item.step)}"]
        if item.min_qty is not None:
            figures.append(f"min qty {plain(item.min_qty)}")
        if item.min_notional is not None:
            figures.append(f"min notional {plain(item.min_notional, grouped=True)}")
        if item.max_leverage is not None:
            figures.append(f"max leverage {plain(item.max_leverage)}x")
        lines.append("  " + ", ".join(figures))
        if item.leverage_brackets:
            brackets = "; ".join(
                f"up to {plain(b.notional_cap, grouped=True)}: {plain(b.max_leverage)}x"
                for b in item.leverage_brackets
            )
            lines.append(f"  leverage brackets: {brackets}")
        if item.native_order_types:
            names = ", ".join(sorted(t.value.replace("_", " ") for t in item.native_order_types))
            lines.append(f"  native orders: {names}")
        for key, value in item.facts:
            lines.append(f"  {key}: {value}")
    return "\n".join(lines) + "\n"


__all__ = ["add_parser", "render"]
