"""`tradeplan` command line. Thin by design: parse arguments, call tradeplan.api, print.

Exit codes follow ARCHITECTURE.md: 0 clean, 1 findings, 2 usage or internal error.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Sequence

from tradeplan._version import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"tradeplan: error: {message}\n")
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="tradeplan",
        description="Describe a trading strategy in a file; lint it, explain it, backtest it, run it.",
    )
    parser.add_argument("--version", action="version", version=f"tradeplan {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    lint = sub.add_parser("lint", help="check strategy files and folders")
    lint.add_argument("paths", nargs="+", metavar="PATH", help="files or folders (recursive)")
    lint.add_argument("--format", choices=["human", "json", "github", "sarif"], default="human")
    lint.add_argument("--strict", action="store_true", help="fail on warnings too")
    lint.add_argument("--color", choices=["auto", "always", "never"], default="auto")
    lint.add_argument(
        "--only-strategies",
        action="store_true",
        help="skip named YAML files whose first key is not `tradeplan:` (for pre-commit)",
    )
    lint.add_argument(
        "--profile",
        action="append",
        default=[],
        metavar="FILE",
        help="a broker profile saved by `tradeplan instruments --save`: strategies written for "
        "that broker are checked against its instruments' live rules (repeat for more brokers)",
    )
    lint.add_argument(
        "--stdin-filename",
        metavar="NAME",
        default="<stdin>",
        help="the path to report for `-` (standard input); its suffix picks the form",
    )

    comp = sub.add_parser("compile", help="compile a strategy and print its plan")
    comp.add_argument("file")
    comp.add_argument("--json", action="store_true", help="print the plan as JSON")

    exp = sub.add_parser("explain", help="say in plain words what a strategy does")
    exp.add_argument("file")
    exp.add_argument("--diagram", action="store_true", help="print a Mermaid state diagram")

    fmt = sub.add_parser(
        "fmt",
        help="convert a strategy between the YAML and the text form (or reformat it), "
        "keeping its comments",
    )
    fmt.add_argument("file")
    fmt.add_argument("--to", choices=["yaml", "text"], required=True)
    fmt.add_argument("-o", "--output", help="write here instead of printing")

    sub.add_parser("schema", help="print the JSON Schema of the YAML form (for editors)")

    from tradeplan.cli import size_cmd

    size_cmd.add_parser(sub)
    importlib.import_module("tradeplan.cli.diff_cmd").add_parser(sub)
    importlib.import_module("tradeplan.cli.run_cmd").add_parsers(sub)
    try:
        backtest_cmd = importlib.import_module("tradeplan.cli.backtest_cmd")
    except ImportError:  # pragma: no cover - only while the backtester is being built
        pass
    else:
        backtest_cmd.add_parser(sub)
    importlib.import_module("tradeplan.cli.paper_cmd").add_parser(sub)
    importlib.import_module("tradeplan.cli.instruments_cmd").add_parser(sub)
    importlib.import_module("tradeplan.cli.report_cmd").add_parser(sub)
    return parser


def _print_errors(diagnostics: Sequence[object]) -> None:
    from tradeplan.diagnostics.results import FileResult
    from tradeplan.reporting.formatters.human import HumanFormatter

    by_file: dict[str, list[object]] = {}
    for d in diagnostics:
        by_file.setdefault(d.span.file, []).append(d)  # type: ignore[attr-defined]
    results = []
    for file, items in by_file.items():
        try:
            with open(file, encoding="utf-8") as handle:
                source: str | None = handle.read()
        except (OSError, UnicodeDecodeError):
            source = None
        results.append(FileResult(file, source, tuple(items)))  # type: ignore[arg-type]
    sys.stderr.write(HumanFormatter().format(results))


def cmd_lint(args: argparse.Namespace) -> int:
    from tradeplan import api
    from tradeplan.reporting.formatters import make_formatter

    try:
        venues = api.read_venue_rules(args.profile) if args.profile else None
    except api.ProfileFileError as exc:
        sys.stderr.write(f"tradeplan: error: --profile {exc}\n")
        return EXIT_USAGE
    try:
        if args.paths == ["-"]:
            # Editors and pre-commit pipe the buffer in; the name only labels the diagnostics.
            source = sys.stdin.buffer.read(api.MAX_STRATEGY_BYTES + 1).decode("utf-8", "replace")
            report = api.LintReport((api.lint_source(source, args.stdin_filename, None, venues),))
        else:
            report = api.lint(args.paths, args.only_strategies, venues)
    except api.StrategyFileError as exc:
        sys.stderr.write(f"tradeplan: error: {exc}\n")
        return EXIT_USAGE
    color = args.color == "always" or (
        args.color == "auto" and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    )
    text = make_formatter(args.format, color=color).format(report.files)
    sys.stdout.write(text)
    if report.skipped:
        note = (
            f"{report.skipped} YAML file{'s' if report.skipped != 1 else ''} skipped: "
            "not strategy files (the first key is not `tradeplan:`)\n"
        )
        (sys.stdout if args.format == "human" else sys.stderr).write(note)
    if any(d.code.startswith("TP9") for f in report.files for d in f.diagnostics):
        return EXIT_USAGE
    return report.exit_code(args.strict)


def cmd_compile(args: argparse.Namespace) -> int:
    from tradeplan import api

    result = api.compile(args.file)
    if result.plan is None:
        _print_errors(result.diagnostics)
        return EXIT_FINDINGS
    if args.json:
        sys.stdout.write(result.plan.to_json() + "\n")
    else:
        sys.stdout.write(
            f"{args.file}: plan `{result.plan.name}` compiled, fingerprint "
            f"{result.plan.fingerprint}\n"
        )
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    from tradeplan import api

    try:
        sys.stdout.write(api.explain(args.file, as_diagram=args.diagram))
    except api.PlanError as exc:
        _print_errors(exc.diagnostics)
        return EXIT_FINDINGS
    return EXIT_OK


def cmd_fmt(args: argparse.Namespace) -> int:
    from tradeplan import api

    try:
        text = api.fmt(args.file, args.to)
    except api.PlanError as exc:
        _print_errors(exc.diagnostics)
        return EXIT_FINDINGS
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_schema(_: argparse.Namespace) -> int:
    from tradeplan.schema.generate import json_schema

    sys.stdout.write(json.dumps(json_schema(), indent=2) + "\n")
    return EXIT_OK


COMMANDS = {
    "lint": cmd_lint,
    "compile": cmd_compile,
    "explain": cmd_explain,
    "fmt": cmd_fmt,
    "schema": cmd_schema,
}


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail a second time."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    handler = COMMANDS.get(args.command) or getattr(args, "func", None)
    if handler is None:  # pragma: no cover - argparse only accepts known commands
        return EXIT_USAGE
    try:
        code = int(handler(args))
        sys.stdout.flush()  # a full disk or closed pipe is reported here, not at exit
        return code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_OK
    except OSError as exc:
        # A folder given as an output file, an unwritable --out, a full standard output: the
        # user's environment, not a bug, so one line and exit 2.
        _silence_stdout()
        where = f" {exc.filename}" if exc.filename else " standard output"
        sys.stderr.write(f"tradeplan: error: cannot write{where}: {exc.strerror or exc}\n")
        return EXIT_USAGE
    except Exception as exc:
        sys.stderr.write(
            f"tradeplan: internal error (TP901): {type(exc).__name__}: {exc}\n"
            "Please report it at the project's issue tracker with the command you ran.\n"
        )
        if os.environ.get("TRADEPLAN_DEBUG"):
            raise
        return EXIT_USAGE
