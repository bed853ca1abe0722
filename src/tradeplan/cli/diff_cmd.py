"""`tradeplan diff OLD NEW [--json]`: what a hot reload of OLD as NEW would do, before anything runs.

Both files are compiled as `tradeplan compile` does (YAML or the text form, in any pairing). A
file with errors gets its diagnostics on stderr and exit 1; a refused edit (a new instrument,
broker, account currency, timeframe, session or name) prints why and exits 1, since a running
bot would not apply it; otherwise the diff is printed and the exit is 0, changes or none.
Without a running bot there are no working orders to name: the levels are those of the plan
(`its entry fill + 150 pips`); the live runtime adds the orders' own levels when it reloads.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

EXAMPLES = """\
examples:
  tradeplan diff strategies/usdjpy-grid.yaml edited-grid.yaml
  tradeplan diff strategies/usdjpy-grid.yaml strategies/usdjpy-grid.tp
  tradeplan diff old.tp new.tp --json
"""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register `diff` on the main parser's subparsers."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "diff",
        help="say what reloading a running strategy with an edited file would do",
        description=(
            "Compile OLD and NEW and print what a hot reload of a strategy running OLD would "
            "do with NEW: which rules and grid slots keep their orders, which orders are "
            "amended, replaced or cancelled, what is added or removed, and what is refused. "
            "Exit 0 when the edit can be applied (with or without changes), 1 when a file has "
            "errors or the edit is refused, 2 on bad usage."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("old", metavar="OLD", help="the strategy file as it runs (.yaml or .tp)")
    parser.add_argument("new", metavar="NEW", help="the edited strategy file (.yaml or .tp)")
    parser.add_argument("--json", action="store_true", help="print the diff as JSON")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from tradeplan import api
    from tradeplan.cli.main import _print_errors
    from tradeplan.live.plan_diff import diff_plans

    for path in (args.old, args.new):
        if not Path(path).exists():
            sys.stderr.write(f"tradeplan: error: {path}: no such file\n")
            return EXIT_USAGE
    plans = []
    failed = False
    for path in (args.old, args.new):
        compiled = api.compile(path)
        if compiled.plan is None:
            _print_errors(compiled.diagnostics)
            failed = True
        plans.append(compiled.plan)
    old, new = plans
    if failed or old is None or new is None:
        return EXIT_FINDINGS
    diff = diff_plans(old, new)
    if args.json:
        data = {"old_file": args.old, "new_file": args.new, **diff.to_json()}
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(f"{args.old} -> {args.new}\n")
        sys.stdout.write("".join(line + "\n" for line in diff.describe()))
    return EXIT_FINDINGS if diff.refused else EXIT_OK
