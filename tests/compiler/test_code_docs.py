"""Every diagnostic code has a page in docs/codes/, and the page's examples are tests.

A page's `## Wrong` file must produce its code (on every line marked `# <- TPxxx`), its
`## Right` file must compile without errors and without that code. Warnings and notes must go
away when the marker is replaced by `# tradeplan: ignore[TPxxx]`, the comment the page shows.

Markers a page may carry, as HTML comments (invisible when the page is rendered):
`<!-- file: NAME -->` before a block lints it as a file with that name (for TP007, which is
about the name); `<!-- no-wrong-example -->` exempts a page (TP901: no file should cause it);
`<!-- wrong-example: built-by-test -->` says the test builds the bytes itself (TP006).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from tradeplan import api
from tradeplan.diagnostics.codes import CODES
from tradeplan.diagnostics.model import Severity
from tradeplan.diagnostics.results import FileResult

ROOT = Path(__file__).resolve().parents[2]
PAGES_DIR = ROOT / "docs" / "codes"
PAGE_PATHS = sorted(p for p in PAGES_DIR.glob("TP*.md"))

_TITLE = re.compile(r"^# (TP\d{3}) ([a-z0-9-]+)\s*$")
_SEVERITY = re.compile(r"^\*\*Severity:\*\* (error|warning|info)\b", re.MULTILINE)
_FENCE = re.compile(
    r"(?:<!-- file: (?P<file>[^ ]+) -->\s*\n)?```(?P<lang>[a-z]+)\n(?P<body>.*?)^```",
    re.DOTALL | re.MULTILINE,
)
_MARKER = re.compile(r"[ \t]*# <- (TP\d{3})\b.*$")
_SUFFIX = {"yaml": ".yaml", "tradeplan": ".tp"}
_NO_WRONG = "<!-- no-wrong-example -->"
_BUILT_BY_TEST = "<!-- wrong-example: built-by-test -->"


@dataclass(frozen=True)
class Block:
    lang: str
    body: str
    file: str | None

    def marked_lines(self, code: str) -> list[int]:
        return [
            number
            for number, line in enumerate(self.body.split("\n"), start=1)
            if (m := _MARKER.search(line)) and m.group(1) == code
        ]

    def with_markers_replaced(self, code: str, comment: str) -> str:
        lines = []
        for line in self.body.split("\n"):
            marker = _MARKER.search(line)
            if marker and marker.group(1) == code:
                line = line[: marker.start()] + "  " + comment
            lines.append(line)
        return "\n".join(lines)


@dataclass(frozen=True)
class Page:
    path: Path
    code: str
    name: str
    severity: str
    text: str
    sections: dict[str, str]

    def block(self, section: str) -> Block | None:
        match = _FENCE.search(self.sections.get(section, ""))
        if match is None:
            return None
        return Block(match["lang"], match["body"], match["file"])


def parse_page(path: Path) -> Page:
    text = path.read_text(encoding="utf-8")
    first = text.split("\n", 1)[0]
    title = _TITLE.match(first)
    assert title, f"{path.name}: first line must be `# TPxxx kebab-name`, got {first!r}"
    severity = _SEVERITY.search(text)
    assert severity, f"{path.name}: needs a `**Severity:** error|warning|info` line"
    sections: dict[str, str] = {}
    for chunk in re.split(r"^## ", text, flags=re.MULTILINE)[1:]:
        heading, _, body = chunk.partition("\n")
        sections[heading.strip()] = body
    return Page(path, title[1], title[2], severity[1], text, sections)


PAGES = [parse_page(p) for p in PAGE_PATHS]


def _lint(block: Block, name: str, tmp_path: Path, data: bytes | None = None) -> FileResult:
    """Lint a block as the file a user would have; named blocks go through a real file."""
    if block.file is None and data is None:
        return api.lint_source(block.body, file=name + _SUFFIX[block.lang])
    path = tmp_path / (block.file or name + _SUFFIX[block.lang])
    path.write_bytes(data if data is not None else block.body.encode("utf-8"))
    return api.lint([path]).files[0]


def _codes(result: FileResult) -> list[str]:
    return [d.code for d in result.diagnostics]


def _show(result: FileResult) -> str:
    return (
        "\n".join(
            f"  {d.span.line}:{d.span.col} {d.severity.value} {d.code} {d.message}"
            for d in result.diagnostics
        )
        or "  (nothing reported)"
    )


# -- the table and the pages agree -----------------------------------------------------------


def test_every_code_has_a_page() -> None:
    missing = sorted(set(CODES) - {p.code for p in PAGES})
    assert not missing, f"codes without a page in docs/codes/: {missing}"


def test_every_page_is_for_a_known_code() -> None:
    for page in PAGES:
        assert page.code in CODES, f"{page.path.name}: {page.code} is not in the code table"
        assert page.path.stem == page.code, f"{page.path.name} is titled {page.code}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.code)
def test_page_title_and_severity_match_the_table(page: Page) -> None:
    info = CODES[page.code]
    assert page.name == info.name
    assert page.severity == info.severity.value


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.code)
def test_page_has_the_sections(page: Page) -> None:
    for heading in ("Wrong", "Right", "How to fix"):
        assert heading in page.sections, f"{page.path.name} lacks `## {heading}`"
    assert page.sections["How to fix"].strip()
    assert page.block("Right") is not None, f"{page.path.name}: `## Right` needs a file"
    if CODES[page.code].severity is not Severity.ERROR:
        assert f"# tradeplan: ignore[{page.code}]" in page.text, (
            f"{page.path.name}: a {page.severity} can be accepted; show the ignore comment"
        )


def test_readme_lists_every_code() -> None:
    readme = (PAGES_DIR / "README.md").read_text(encoding="utf-8")
    rows = {
        m[1]: (m[2], m[3])
        for m in re.finditer(
            r"^\| \[(TP\d{3})\]\(\1\.md\) \| `([a-z0-9-]+)` \| (error|warning|info) \|",
            readme,
            re.MULTILINE,
        )
    }
    assert set(rows) == set(CODES)
    for code, (name, severity) in rows.items():
        assert (name, severity) == (CODES[code].name, CODES[code].severity.value)


def test_readme_groups_codes_by_range_in_order() -> None:
    readme = (PAGES_DIR / "README.md").read_text(encoding="utf-8")
    listed = re.findall(r"^\| \[(TP\d{3})\]", readme, re.MULTILINE)
    assert listed == sorted(CODES)
    for prefix in ("TP0xx", "TP1xx", "TP2xx", "TP3xx", "TP4xx", "TP5xx", "TP9xx"):
        assert re.search(rf"^## {prefix}\b", readme, re.MULTILINE), f"no `## {prefix}` group"


# -- the examples ------------------------------------------------------------------------------

EXAMPLE_PAGES = [
    p
    for p in PAGES
    if _NO_WRONG not in p.sections.get("Wrong", "")
    and _BUILT_BY_TEST not in p.sections.get("Wrong", "")
]


@pytest.mark.parametrize("page", EXAMPLE_PAGES, ids=lambda p: p.code)
def test_wrong_example_reports_the_code_where_marked(page: Page, tmp_path: Path) -> None:
    block = page.block("Wrong")
    assert block is not None, f"{page.path.name}: `## Wrong` needs a fenced file"
    result = _lint(block, f"{page.code}-wrong", tmp_path)
    reported = {d.span.line for d in result.diagnostics if d.code == page.code}
    assert reported, f"{page.code} not reported for the wrong example; got:\n{_show(result)}"
    marked = block.marked_lines(page.code)
    if block.file is None:
        assert marked, f"{page.path.name}: mark the offending line with `# <- {page.code}`"
    for line in marked:
        assert line in reported, (
            f"{page.code} marked on line {line}, reported on {sorted(reported)}:\n{_show(result)}"
        )


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.code)
def test_right_example_is_clean_of_errors_and_of_the_code(page: Page, tmp_path: Path) -> None:
    block = page.block("Right")
    assert block is not None
    assert not _MARKER.search(block.body), f"{page.path.name}: a `# <- ` marker in `## Right`"
    result = _lint(block, f"{page.code}-right", tmp_path)
    errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
    assert not errors, f"the right example of {page.code} has errors:\n{_show(result)}"
    assert page.code not in _codes(result), f"still reports {page.code}:\n{_show(result)}"


SUPPRESSIBLE = [p for p in EXAMPLE_PAGES if CODES[p.code].severity is not Severity.ERROR]


@pytest.mark.parametrize("page", SUPPRESSIBLE, ids=lambda p: p.code)
def test_ignore_comment_on_the_marked_line_accepts_the_finding(page: Page, tmp_path: Path) -> None:
    block = page.block("Wrong")
    assert block is not None and block.file is None
    ignored = block.with_markers_replaced(page.code, f"# tradeplan: ignore[{page.code}]")
    result = api.lint_source(ignored, file=f"{page.code}-ignored{_SUFFIX[block.lang]}")
    assert page.code not in _codes(result), _show(result)


def test_tp006_a_file_saved_in_a_legacy_encoding(tmp_path: Path) -> None:
    """The page shows the file as it should read; saved as Shift_JIS it is not UTF-8, and the
    report is exactly the one the page quotes."""
    page = next(p for p in PAGES if p.code == "TP006")
    wrong = page.sections["Wrong"]
    assert _BUILT_BY_TEST in wrong
    quoted = re.search(r"^```text\n(?P<report>[^\n]+)\n", wrong, re.MULTILINE)
    assert quoted, "the TP006 page quotes the report in a ```text block"
    right = page.block("Right")
    assert right is not None
    legacy = Block(right.lang, right.body, "usdjpy-grid.yaml")
    result = _lint(legacy, "TP006-wrong", tmp_path, data=right.body.encode("shift_jis"))
    assert _codes(result) == ["TP006"], _show(result)
    found = result.diagnostics[0]
    first_non_ascii = next(
        n for n, line in enumerate(right.body.split("\n"), start=1) if not line.isascii()
    )
    assert found.span.line == first_non_ascii
    line = f"usdjpy-grid.yaml:{found.span.line}:{found.span.col}: error TP006 {found.message}"
    assert quoted["report"] == line
    nul = _lint(right, "TP006-nul", tmp_path, data=b"tradeplan: 1\n\x00\x00\x01")
    assert _codes(nul) == ["TP006"] and nul.diagnostics[0].span.line == 2


def test_tp901_page_is_marked_exempt() -> None:
    page = next(p for p in PAGES if p.code == "TP901")
    assert _NO_WRONG in page.sections["Wrong"]
    assert len(EXAMPLE_PAGES) == len(PAGES) - 4  # TP006, TP504 and TP505 are built by tests
