"""What each `tradeplan lint --format` prints, checked against exact expected text."""

from __future__ import annotations

import json
import os
import re
import unicodedata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradeplan import __version__
from tradeplan.diagnostics import CODES, Diagnostic, Severity, Span
from tradeplan.diagnostics.results import FileResult
from tradeplan.reporting.formatters import (
    FORMATTERS,
    GithubFormatter,
    HumanFormatter,
    JsonFormatter,
    SarifFormatter,
    make_formatter,
)
from tradeplan.reporting.formatters.github import escape_data, escape_property
from tradeplan.reporting.formatters.human import caret_line
from tradeplan.reporting.formatters.sarif import artifact_uri


def diag(
    code: str,
    line: int,
    col: int,
    end_line: int = 0,
    end_col: int = 0,
    message: str = "message",
    hint: str | None = None,
    file: str = "plan.yaml",
) -> Diagnostic:
    info = CODES[code]
    return Diagnostic(
        code, info.name, info.severity, message, Span(file, line, col, end_line, end_col), hint
    )


SOURCE = "tradeplan: 1\nexits:\n  take_prfit: 3%\n  stop_loss: none\n"
PLAN = FileResult(
    "strategies/plan.yaml",
    SOURCE,
    (
        diag("TP402", 4, 14, 4, 18, "positions have no stop loss"),
        diag("TP101", 3, 3, 3, 13, "unknown key `take_prfit`", "did you mean `take_profit`?"),
    ),
)
CLEAN = FileResult("strategies/clean.tp", "tradeplan 1\n", ())
UNREADABLE = FileResult(
    "strategies/gone.tp", None, (diag("TP007", 1, 1, message="cannot open the file"),)
)
RUN = [PLAN, CLEAN, UNREADABLE]


# --- human -------------------------------------------------------------------------------------


def test_human_report_golden() -> None:
    assert HumanFormatter().format(RUN) == (
        "strategies/plan.yaml:3:3: error TP101 unknown key `take_prfit`\n"
        " 3 |   take_prfit: 3%\n"
        "   |   ^~~~~~~~~~\n"
        "  hint: did you mean `take_profit`?\n"
        "\n"
        "strategies/plan.yaml:4:14: warning TP402 positions have no stop loss\n"
        " 4 |   stop_loss: none\n"
        "   |              ^~~~\n"
        "\n"
        "strategies/gone.tp:1:1: error TP007 cannot open the file\n"
        "\n"
        "2 errors, 1 warning in 3 files\n"
    )


@pytest.mark.parametrize(
    ("results", "summary"),
    [
        ([CLEAN, CLEAN, CLEAN, CLEAN], "All 4 files clean."),
        ([CLEAN], "1 file clean."),
        ([], "No files checked."),
        ([UNREADABLE], "1 error in 1 file"),
        (
            [FileResult("a.tp", None, (diag("TP501", 1, 1), diag("TP501", 2, 1))), CLEAN],
            "2 info in 2 files",
        ),
        (
            [FileResult("a.tp", None, (diag("TP402", 1, 1), diag("TP403", 2, 1)))],
            "2 warnings in 1 file",
        ),
    ],
)
def test_human_summary_line(results: list[FileResult], summary: str) -> None:
    assert HumanFormatter().format(results).splitlines()[-1] == summary


def test_human_line_numbers_widen_the_gutter() -> None:
    source = "\n" * 11 + "  qty: -5\n"
    result = FileResult("p.yaml", source, (diag("TP210", 12, 8, 12, 10),))
    assert HumanFormatter().format([result]).splitlines()[1:3] == [
        " 12 |   qty: -5",
        "    |        ^~",
    ]


def test_human_without_colour_has_no_escape_codes_and_with_colour_has_them() -> None:
    assert "\x1b[" not in HumanFormatter().format(RUN)
    coloured = HumanFormatter(color=True).format(RUN)
    assert "\x1b[31merror\x1b[0m" in coloured
    assert "\x1b[33mwarning\x1b[0m" in coloured
    # Stripping the colour gives back exactly the plain report.
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == HumanFormatter().format(RUN)


def test_human_hides_escape_sequences_from_the_file_and_the_message() -> None:
    result = FileResult(
        "p.yaml",
        "name: \x1b[2Jboom\n",
        (diag("TP101", 1, 7, 1, 15, message="unknown key `\x1b[2J`"),),
    )
    out = HumanFormatter().format([result])
    assert "\x1b" not in out
    assert " 1 | name: \N{REPLACEMENT CHARACTER}[2Jboom" in out


def test_human_reads_crlf_sources() -> None:
    result = FileResult("p.yaml", "a: 1\r\nbb: 2\r\n", (diag("TP101", 2, 1, 2, 3),))
    assert HumanFormatter().format([result]).splitlines()[1:3] == [" 2 | bb: 2", "   | ^~"]


def test_human_skips_the_quote_for_a_line_that_does_not_exist() -> None:
    result = FileResult("p.yaml", "a: 1\n", (diag("TP102", 7, 1),))
    assert HumanFormatter().format([result]) == (
        "p.yaml:7:1: error TP102 message\n\n1 error in 1 file\n"
    )


# --- caret placement -----------------------------------------------------------------------------


def carets(line: str, col: int, end_col: int = 0, end_line: int = 1) -> tuple[str, str]:
    return caret_line(line, Span("f", 1, col, end_line, end_col))


def test_caret_under_a_one_line_span() -> None:
    assert carets("  take_prfit: 3%", 3, 13) == ("  take_prfit: 3%", "  ^~~~~~~~~~")


def test_caret_after_tabs_lines_up_with_the_expanded_line() -> None:
    # Tabs expand to the next multiple of 4 cells: "\tkey:\t" is 4 + 4 + 4 cells wide.
    shown, marks = carets("\tkey:\tvalue", 7, 12)
    assert shown == "    key:    value"
    assert marks == "            ^~~~~"
    assert shown.index("value") == marks.index("^")


def test_caret_under_a_tab_underlines_its_whole_width() -> None:
    assert carets("a\tb", 2, 3) == ("a   b", " ^~~")


def test_caret_after_wide_characters_counts_two_cells_each() -> None:
    _, marks = carets("name: 止损策略 x", 12, 13)
    assert marks == " " * 15 + "^"


def test_caret_under_wide_characters_is_two_cells_per_character() -> None:
    assert carets("name: 止损", 7, 9) == ("name: 止损", "      ^~~~")


def test_combining_marks_take_no_cell() -> None:
    # "e" + COMBINING ACUTE ACCENT is one cell on screen.
    assert carets("ce\u0301 x", 5, 6)[1] == "   ^"


def test_column_beyond_the_end_points_just_after_the_line() -> None:
    assert carets("abc", 10) == ("abc", "   ^")
    assert carets("abc", 4) == ("abc", "   ^")


def test_span_running_past_the_end_of_the_line_is_cut_at_the_end() -> None:
    assert carets("abc", 2, 40) == ("abc", " ^~")


def test_span_over_several_lines_gets_one_caret() -> None:
    assert carets("exits:", 1, 3, end_line=4) == ("exits:", "^")


def test_zero_or_negative_column_points_at_the_start() -> None:
    assert carets("abc", 0) == ("abc", "^")


def _cells(text: str) -> int:
    return sum(
        0
        if unicodedata.category(c) in ("Mn", "Me")
        else 2
        if unicodedata.east_asian_width(c) in ("W", "F")
        else 1
        for c in text
    )


@given(
    line=st.text(max_size=40).filter(lambda s: "\n" not in s),
    col=st.integers(-3, 50),
    width=st.integers(0, 10),
)
def test_caret_line_is_always_one_caret_inside_the_shown_line(
    line: str, col: int, width: int
) -> None:
    shown, marks = caret_line(line, Span("f", 1, col, 1, col + width))
    assert marks.count("^") == 1
    assert set(marks) <= {" ", "^", "~"}
    assert all(unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Zl", "Zp") for c in shown)
    # The caret never starts past the cell just after the shown line.
    assert marks.index("^") <= _cells(shown)


# --- json ----------------------------------------------------------------------------------------


def test_json_report_golden() -> None:
    assert JsonFormatter().format([PLAN, CLEAN]) == (
        "{\n"
        '  "diagnostics": [\n'
        "    {\n"
        '      "file": "strategies/plan.yaml",\n'
        '      "line": 3,\n'
        '      "column": 3,\n'
        '      "end_line": 3,\n'
        '      "end_column": 13,\n'
        '      "severity": "error",\n'
        '      "code": "TP101",\n'
        '      "name": "unknown-key",\n'
        '      "message": "unknown key `take_prfit`",\n'
        '      "hint": "did you mean `take_profit`?"\n'
        "    },\n"
        "    {\n"
        '      "file": "strategies/plan.yaml",\n'
        '      "line": 4,\n'
        '      "column": 14,\n'
        '      "end_line": 4,\n'
        '      "end_column": 18,\n'
        '      "severity": "warning",\n'
        '      "code": "TP402",\n'
        '      "name": "no-stop-loss",\n'
        '      "message": "positions have no stop loss",\n'
        '      "hint": null\n'
        "    }\n"
        "  ],\n"
        '  "summary": {\n'
        '    "files": 2,\n'
        '    "errors": 1,\n'
        '    "warnings": 1,\n'
        '    "info": 0\n'
        "  }\n"
        "}\n"
    )


def test_json_clean_run() -> None:
    assert json.loads(JsonFormatter().format([CLEAN])) == {
        "diagnostics": [],
        "summary": {"files": 1, "errors": 0, "warnings": 0, "info": 0},
    }


def test_json_keeps_non_ascii_text_exact() -> None:
    result = FileResult("止损.yaml", None, (diag("TP101", 1, 1, message="unknown key `止损`"),))
    item = json.loads(JsonFormatter().format([result]))["diagnostics"][0]
    assert (item["file"], item["message"]) == ("止损.yaml", "unknown key `止损`")


# --- github --------------------------------------------------------------------------------------


def test_github_report_golden() -> None:
    assert GithubFormatter().format(RUN) == (
        "::error file=strategies/plan.yaml,line=3,col=3,endLine=3,endColumn=13,"
        "title=TP101 unknown-key::unknown key `take_prfit`%0Ahint: did you mean `take_profit`?\n"
        "::warning file=strategies/plan.yaml,line=4,col=14,endLine=4,endColumn=18,"
        "title=TP402 no-stop-loss::positions have no stop loss\n"
        "::error file=strategies/gone.tp,line=1,col=1,endLine=1,endColumn=2,"
        "title=TP007 unreadable-file::cannot open the file\n"
    )


def test_github_info_is_a_notice() -> None:
    out = GithubFormatter().format([FileResult("a.tp", None, (diag("TP501", 2, 5, 2, 9),))])
    assert out.startswith("::notice file=a.tp,line=2,col=5,endLine=2,endColumn=9,")


def test_github_clean_run_prints_nothing() -> None:
    assert GithubFormatter().format([CLEAN]) == ""


def test_github_escapes_data_and_properties() -> None:
    assert escape_data("100% sure\r\nnext: a,b") == "100%25 sure%0D%0Anext: a,b"
    assert escape_property("C:\\a,b%\n") == "C%3A\\a%2Cb%25%0A"
    result = FileResult(
        "odd dir\\a:b,c.yaml",
        None,
        (diag("TP403", 1, 2, message="risk: 5%, above 2%\nreally"),),
    )
    assert GithubFormatter().format([result]) == (
        "::warning file=odd dir/a%3Ab%2Cc.yaml,line=1,col=2,endLine=1,endColumn=3,"
        "title=TP403 risk-above-two-percent::risk: 5%25, above 2%25%0Areally\n"
    )


def test_github_drops_columns_for_a_span_over_several_lines() -> None:
    out = GithubFormatter().format([FileResult("a.yaml", None, (diag("TP105", 2, 1, 9, 4),))])
    assert out == ("::error file=a.yaml,line=2,endLine=9,title=TP105 nothing-to-trade::message\n")


# --- sarif ---------------------------------------------------------------------------------------

# The parts of the SARIF 2.1.0 schema that this formatter emits, written out from the standard
# (OASIS SARIF 2.1.0, sections 3.13-3.30) so the test needs no network and no copied schema.
_MESSAGE = {
    "type": "object",
    "required": ["text"],
    "properties": {"text": {"type": "string"}},
    "additionalProperties": False,
}
_LEVEL = {"enum": ["none", "note", "warning", "error"]}
SARIF_SUBSET_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["version", "runs"],
    "additionalProperties": False,
    "properties": {
        "$schema": {"type": "string", "pattern": "^https?://"},
        "version": {"enum": ["2.1.0"]},
        "runs": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["tool"],
                "additionalProperties": False,
                "properties": {
                    "columnKind": {"enum": ["utf16CodeUnits", "unicodeCodePoints"]},
                    # SARIF 3.14.14: a map from base id to an artifactLocation with an absolute URI
                    "originalUriBaseIds": {
                        "type": "object",
                        "additionalProperties": {
                            "type": "object",
                            "required": ["uri"],
                            "properties": {"uri": {"type": "string", "pattern": "^file://"}},
                        },
                    },
                    "tool": {
                        "type": "object",
                        "required": ["driver"],
                        "additionalProperties": False,
                        "properties": {
                            "driver": {
                                "type": "object",
                                "required": ["name"],
                                "additionalProperties": False,
                                "properties": {
                                    "name": {"type": "string"},
                                    "version": {"type": "string"},
                                    "informationUri": {"type": "string", "pattern": "^https?://"},
                                    "rules": {
                                        "type": "array",
                                        "uniqueItems": True,
                                        "items": {
                                            "type": "object",
                                            "required": ["id"],
                                            "additionalProperties": False,
                                            "properties": {
                                                "id": {"type": "string"},
                                                "name": {"type": "string"},
                                                "shortDescription": _MESSAGE,
                                                "helpUri": {
                                                    "type": "string",
                                                    "pattern": "^https?://",
                                                },
                                                "defaultConfiguration": {
                                                    "type": "object",
                                                    "additionalProperties": False,
                                                    "properties": {"level": _LEVEL},
                                                },
                                            },
                                        },
                                    },
                                },
                            }
                        },
                    },
                    "results": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["message"],
                            "additionalProperties": False,
                            "properties": {
                                "ruleId": {"type": "string"},
                                "ruleIndex": {"type": "integer", "minimum": -1},
                                "level": _LEVEL,
                                "message": _MESSAGE,
                                "locations": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "additionalProperties": False,
                                        "properties": {
                                            "physicalLocation": {
                                                "type": "object",
                                                "additionalProperties": False,
                                                "required": ["artifactLocation"],
                                                "properties": {
                                                    "artifactLocation": {
                                                        "type": "object",
                                                        "additionalProperties": False,
                                                        "properties": {
                                                            "uri": {
                                                                "type": "string",
                                                                "pattern": r"^[^\s\\]*$",
                                                            },
                                                            "uriBaseId": {"type": "string"},
                                                        },
                                                    },
                                                    "region": {
                                                        "type": "object",
                                                        "additionalProperties": False,
                                                        "properties": {
                                                            k: {"type": "integer", "minimum": 1}
                                                            for k in (
                                                                "startLine",
                                                                "startColumn",
                                                                "endLine",
                                                                "endColumn",
                                                            )
                                                        },
                                                    },
                                                },
                                            }
                                        },
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}


def sarif(results: list[FileResult]) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(SarifFormatter().format(results))
    return document


def test_sarif_matches_the_standard_structure() -> None:
    jsonschema.validate(sarif(RUN), SARIF_SUBSET_SCHEMA)


@pytest.mark.skipif(
    not os.environ.get("TRADEPLAN_SARIF_SCHEMA"),
    reason="TRADEPLAN_SARIF_SCHEMA (path to the official sarif-schema-2.1.0.json) is not set",
)
def test_sarif_validates_against_the_official_schema() -> None:
    schema = json.loads(Path(os.environ["TRADEPLAN_SARIF_SCHEMA"]).read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(sarif(RUN))


def test_sarif_header_and_driver() -> None:
    doc = sarif(RUN)
    assert doc["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert doc["version"] == "2.1.0"
    assert len(doc["runs"]) == 1
    driver = doc["runs"][0]["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("tradeplan", __version__)
    assert urlsplit(driver["informationUri"]).scheme == "https"
    assert doc["runs"][0]["columnKind"] == "unicodeCodePoints"


def test_sarif_rules_are_the_codes_that_occur() -> None:
    rules = sarif(RUN)["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["TP007", "TP101", "TP402"]
    assert rules[2] == {
        "id": "TP402",
        "name": "no-stop-loss",
        "shortDescription": {"text": CODES["TP402"].summary},
        "helpUri": rules[2]["helpUri"],
        "defaultConfiguration": {"level": "warning"},
    }
    assert rules[2]["helpUri"].endswith("docs/codes/TP402.md")
    assert all(urlsplit(r["helpUri"]).scheme == "https" for r in rules)


def test_sarif_results_point_at_their_rule_and_region() -> None:
    run = sarif(RUN)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    first = run["results"][0]
    assert first == {
        "ruleId": "TP101",
        "ruleIndex": 1,
        "level": "error",
        "message": {"text": "unknown key `take_prfit`\nhint: did you mean `take_profit`?"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": "strategies/plan.yaml", "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": 3, "startColumn": 3, "endLine": 3, "endColumn": 13},
                }
            }
        ],
    }
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    assert [r["level"] for r in run["results"]] == ["error", "warning", "error"]


def test_sarif_info_is_a_note() -> None:
    run = sarif([FileResult("a.tp", None, (diag("TP501", 1, 1),))])["runs"][0]
    assert run["results"][0]["level"] == "note"
    assert run["tool"]["driver"]["rules"][0]["defaultConfiguration"] == {"level": "note"}


def test_sarif_clean_run_has_no_results() -> None:
    run = sarif([CLEAN])["runs"][0]
    assert (run["results"], run["tool"]["driver"]["rules"]) == ([], [])


@pytest.mark.parametrize(
    ("path", "uri"),
    [
        ("strategies/plan.yaml", "strategies/plan.yaml"),
        ("./strategies/plan.yaml", "strategies/plan.yaml"),
        ("strategies\\win\\plan.tp", "strategies/win/plan.tp"),
        ("my plans/止损.yaml", "my%20plans/%E6%AD%A2%E6%8D%9F.yaml"),
        ("a:b.yaml", "a%3Ab.yaml"),
        ("/home/u/plan.yaml", "file:///home/u/plan.yaml"),
        ("C:\\plans\\p.tp", "file:///C:/plans/p.tp"),
    ],
)
def test_sarif_artifact_uris(path: str, uri: str) -> None:
    assert artifact_uri(path) == uri


def test_sarif_for_an_unlisted_code_still_names_a_rule() -> None:
    odd = Diagnostic("TP999", "made-up", Severity.ERROR, "m", Span("a.tp", 1, 1))
    rule = sarif([FileResult("a.tp", None, (odd,))])["runs"][0]["tool"]["driver"]["rules"][0]
    assert (rule["id"], rule["name"], rule["defaultConfiguration"]["level"]) == (
        "TP999",
        "made-up",
        "error",
    )


# --- registry ------------------------------------------------------------------------------------


def test_registry_has_one_class_per_format() -> None:
    assert set(FORMATTERS) == {"human", "json", "github", "sarif"}
    for name, cls in FORMATTERS.items():
        assert cls.name == name
        assert isinstance(make_formatter(name), cls)


def test_make_formatter_passes_colour_to_human_only() -> None:
    human = make_formatter("human", color=True)
    assert isinstance(human, HumanFormatter) and human.color
    assert isinstance(make_formatter("json", color=True), JsonFormatter)


@pytest.mark.parametrize("name", sorted(FORMATTERS))
def test_every_format_handles_an_empty_run(name: str) -> None:
    out = make_formatter(name).format([])
    assert out == "" or out.endswith("\n")


def test_sarif_paths_are_relative_to_the_checkout_with_a_base_id() -> None:
    """Issue 7 item 27: GitHub code scanning places results only by checkout-relative URIs."""
    root = "/home/runner/work/strategies"
    results = [
        FileResult(f"{root}/fx/grid.yaml", None, (diag("TP101", 1, 1),)),
        FileResult("local/a.tp", None, (diag("TP101", 1, 1),)),
        FileResult("/elsewhere/b.yaml", None, (diag("TP101", 1, 1),)),
    ]
    run = json.loads(SarifFormatter(root=root).format(results))["runs"][0]
    locations = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in run["results"]]
    assert locations == [
        {"uri": "fx/grid.yaml", "uriBaseId": "%SRCROOT%"},
        {"uri": "local/a.tp", "uriBaseId": "%SRCROOT%"},
        {"uri": "file:///elsewhere/b.yaml"},
    ]
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": f"file://{root}/"}}
