"""The stable Python API: lint(), compile(), explain(), fmt(). The CLI is a thin layer on this.

This is the first layer allowed to read files; everything below receives text.
"""

from __future__ import annotations

import builtins
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tradeplan.compiler.pipeline import CompileResult, compile_source, read_tree
from tradeplan.diagnostics.collector import Collector
from tradeplan.diagnostics.model import Diagnostic, Severity, Span
from tradeplan.diagnostics.results import FileResult
from tradeplan.diagnostics.suppress import apply_suppressions
from tradeplan.lang.comments_read import read_comments
from tradeplan.lang.convert import to_text, to_yaml
from tradeplan.lang.source import TEXT_SUFFIXES, YAML_SUFFIXES, Form, decode, form_of
from tradeplan.plan.model import Plan
from tradeplan.ports.profile_file import ProfileFileError, VenueRules, read_profile_files
from tradeplan.reporting.explain import diagram, explain_plan
from tradeplan.schema.generate import json_schema

STRATEGY_SUFFIXES = YAML_SUFFIXES + TEXT_SUFFIXES

__all__ = [
    "CompileResult",
    "LintReport",
    "ProfileFileError",
    "VenueRules",
    "backtest",
    "compile",
    "compile_source",
    "explain",
    "fmt",
    "fmt_source",
    "json_schema",
    "lint",
    "lint_source",
    "read_venue_rules",
]


@dataclass(frozen=True, slots=True)
class LintReport:
    files: tuple[FileResult, ...]
    skipped: int = 0
    """YAML files in the folders searched that are not strategy files (no `tradeplan:` key)."""

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.files for d in f.diagnostics if d.severity is severity)

    @property
    def errors(self) -> int:
        return self.count(Severity.ERROR)

    @property
    def warnings(self) -> int:
        return self.count(Severity.WARNING)

    def exit_code(self, strict: bool = False) -> int:
        failed = self.errors or (strict and self.warnings)
        return 1 if failed else 0


class StrategyFileError(Exception):
    """A path that is neither a strategy file nor a folder of them."""


_FIRST_KEY = re.compile(r"""^["']?([A-Za-z_][\w.-]*)["']?\s*:(?:\s|$)""")


def looks_like_strategy(path: Path) -> bool:
    """A `*.tp` file, or YAML whose first key is `tradeplan:`.

    Folders hold other YAML too (docker-compose.yml, CI workflows); only files that say they are
    strategies are linted when a folder is searched. A file named on the command line is always
    linted.
    """
    if path.name.lower().endswith(TEXT_SUFFIXES):
        return True
    try:
        with path.open("rb") as handle:
            head = handle.read(4096).decode("utf-8", errors="replace")
    except OSError:
        return True  # let the reader report it with a proper diagnostic
    if "\x00" in head:
        return True  # not text: the reader says so (TP006)
    for line in head.lstrip("\ufeff").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "%", "---")):
            continue
        key = _FIRST_KEY.match(stripped)
        # Only a file that plainly starts with another key (docker-compose's `services:`) is
        # someone else's YAML; anything else is linted and gets a diagnostic.
        return key is None or key.group(1) == "tradeplan"
    return True


@dataclass(frozen=True, slots=True)
class FileSelection:
    files: tuple[Path, ...]
    skipped: tuple[Path, ...]


def select_strategy_files(
    paths: Iterable[str | os.PathLike[str]], only_strategies: bool = False
) -> FileSelection:
    """Files as given, folders searched recursively (sorted, hidden folders skipped).

    `only_strategies` filters named files too: pre-commit passes every staged YAML file by name.
    """
    chosen: list[Path] = []
    skipped: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "node_modules")
                for name in sorted(files):
                    if name.lower().endswith(STRATEGY_SUFFIXES):
                        found = Path(root) / name
                        (chosen if looks_like_strategy(found) else skipped).append(found)
        elif path.exists() or path.is_symlink():
            keep = not only_strategies or not path.is_file() or looks_like_strategy(path)
            (chosen if keep else skipped).append(path)
        else:
            raise StrategyFileError(f"{path}: no such file or folder")
    return FileSelection(tuple(chosen), tuple(skipped))


def iter_strategy_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    yield from select_strategy_files(paths).files


MAX_STRATEGY_BYTES = 1 << 20
"""Strategy files are a few kilobytes; past 1 MiB a file is refused before it is parsed."""


class _NotReadable(Exception):
    pass


def _read_regular(path: Path) -> bytes:
    """Read a regular file of bounded size; never block on a FIFO or a device like /dev/zero."""
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise _NotReadable("not a regular file (a device, FIFO or socket): refused")
    if info.st_size > MAX_STRATEGY_BYTES:
        raise _NotReadable(
            f"the file is {info.st_size:,} bytes; strategy files are limited to "
            f"{MAX_STRATEGY_BYTES:,} bytes"
        )
    with path.open("rb") as handle:
        data = handle.read(MAX_STRATEGY_BYTES + 1)
    if len(data) > MAX_STRATEGY_BYTES:
        raise _NotReadable(f"the file grew past {MAX_STRATEGY_BYTES:,} bytes while being read")
    return data


def _read(path: Path, out: Collector) -> tuple[str | None, Form | None]:
    file = str(path)
    try:
        data = _read_regular(path)
    except _NotReadable as exc:
        out.report("TP007", Span(file, 1, 1), str(exc))
        return None, None
    except OSError as exc:
        out.report("TP007", Span(file, 1, 1), f"cannot read the file: {exc.strerror or exc}")
        return None, None
    text = decode(data, file, out)
    if text is None:
        return None, None
    form = form_of(file, text)
    if form is None:
        out.report(
            "TP007",
            Span(file, 1, 1),
            "unknown file type",
            "name YAML strategies *.yaml and text-form strategies *.tp",
        )
    return text, form


def lint_source(
    text: str,
    file: str = "<string>",
    form: Form | None = None,
    venues: VenueRules | None = None,
) -> FileResult:
    """Lint text already in memory (editors, tests). Never raises for any input. `venues`:
    brokers' live instrument rules from profile files (`read_venue_rules`) to check against."""
    chosen = form or form_of(file, text) or Form.YAML
    result = compile_source(text, file, chosen, venues)
    kept = apply_suppressions(text, list(result.diagnostics))
    return FileResult(file, text, tuple(sorted(kept, key=lambda d: d.sort_key)))


def lint_file(path: Path, venues: VenueRules | None = None) -> FileResult:
    out = Collector()
    text, form = _read(path, out)
    if text is None or form is None:
        return FileResult(str(path), text, tuple(out.sorted()))
    return lint_source(text, str(path), form, venues)


def lint(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    only_strategies: bool = False,
    venues: VenueRules | None = None,
) -> LintReport:
    """Lint files and folders; every file is checked even when an earlier one is broken.

    One path may be given alone: a `str` is itself iterable, and walking its characters as
    paths was a trap.
    """
    if isinstance(paths, str | os.PathLike):
        paths = (paths,)
    selection = select_strategy_files(paths, only_strategies)
    return LintReport(tuple(lint_file(p, venues) for p in selection.files), len(selection.skipped))


def read_venue_rules(paths: Iterable[str | os.PathLike[str]]) -> VenueRules:
    """Profile files saved by `tradeplan instruments --save`; raises `ProfileFileError`."""
    return read_profile_files(Path(p) for p in paths)


def load(path: str | os.PathLike[str]) -> CompileResult:
    out = Collector()
    text, form = _read(Path(path), out)
    if text is None or form is None:
        return CompileResult(None, tuple(out.sorted()))
    result = compile_source(text, str(path), form)
    kept = apply_suppressions(text, list(result.diagnostics))
    return CompileResult(result.plan, tuple(sorted(kept, key=lambda d: d.sort_key)), result.spec)


def compile(path: str | os.PathLike[str]) -> CompileResult:
    """Compile one strategy file into a Plan (None when it has errors) and its diagnostics."""
    return load(path)


def explain(path: str | os.PathLike[str], *, as_diagram: bool = False) -> str:
    result = load(path)
    if result.plan is None:
        raise PlanError(result.diagnostics)
    return diagram(result.plan) if as_diagram else explain_plan(result.plan)


def explain_text(plan: Plan) -> str:
    return explain_plan(plan)


def fmt(path: str | os.PathLike[str], to: str) -> str:
    """Convert a strategy to the YAML or the text form (or reformat it in its own form); the
    plan stays identical and every comment is kept, on the item it was written at."""
    out = Collector()
    text, form = _read(Path(path), out)
    if text is None or form is None:
        raise PlanError(tuple(out.sorted()))
    return fmt_source(text, str(path), form, to)


def fmt_source(text: str, file: str, form: Form, to: str) -> str:
    """`fmt` of a strategy given as text; `file` names it in error messages."""
    result = compile_source(text, file, form)
    if result.plan is None:
        raise PlanError(result.diagnostics)
    tree = read_tree(text, file, form, Collector())
    assert tree is not None
    comments = read_comments(text, tree, form)
    return to_yaml(tree, comments) if to == "yaml" else to_text(tree, comments)


class PlanError(Exception):
    """The file has errors, so there is no plan to explain or convert."""

    def __init__(self, diagnostics: builtins.tuple[Diagnostic, ...]) -> None:
        self.diagnostics = diagnostics
        errors = [d for d in diagnostics if d.severity is Severity.ERROR]
        first = errors[0] if errors else None
        where = (
            f"{first.span.file}:{first.span.line}:{first.span.col}: {first.message}"
            if first
            else ""
        )
        super().__init__(f"the strategy has {len(errors)} error(s); first: {where}")


def backtest(
    path: str | os.PathLike[str],
    data: str | os.PathLike[str],
    options: object | None = None,
) -> object:
    """Compile the strategy at `path` and backtest it on the data file `data`.

    Returns a `tradeplan.api_backtest.BacktestRun`; `api_backtest.write_outputs(run, folder)`
    writes its files. Imported lazily: linting never loads the engine, numpy or the reports.
    """
    from tradeplan import api_backtest

    result = load(path)
    if result.plan is None:
        raise PlanError(result.diagnostics)
    chosen = options if isinstance(options, api_backtest.BacktestOptions) else None
    return api_backtest.backtest(result.plan, data, chosen)
