"""The `tradeplan` command as a user runs it: exit codes, outputs, and no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from tradeplan.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
GRID = ROOT / "strategies" / "usdjpy-grid.yaml"
REPEAT = ROOT / "strategies" / "usdjpy-repeat.yaml"
BTC = ROOT / "strategies" / "btc-breakout.yaml"

BROKEN = """tradeplan: 1
name: typo
instrument: EUR/USD
sizing: {risk: 3%}
entries:
  - name: go
    side: long
    when: close crosses_above smaa(close, 20)
exits:
  take_prfit: 40 pips
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_clean_folder_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "lint", str(ROOT / "strategies"))
    assert code == 0
    count = len(list((ROOT / "strategies").glob("*.yaml"))) * 2  # each with its .tp twin
    assert f"{count} files clean" in out


def test_every_problem_at_once_with_caret_and_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BROKEN)
    code, out, _ = run(capsys, "lint", str(bad))
    assert code == 1
    assert f"{bad}:10:3: error TP101 unknown key `take_prfit`" in out
    assert "did you mean `take_profit`?" in out
    assert f"{bad}:8:31: error TP204 unknown function `smaa`" in out
    assert "did you mean `sma`?" in out
    assert "warning TP403" in out
    assert "error TP401" in out  # sized by risk, and the typo means there is no stop loss
    caret_line = out.splitlines()[
        out.splitlines().index(
            next(line for line in out.splitlines() if "take_prfit: 40 pips" in line)
        )
        + 1
    ]
    assert caret_line.strip().endswith("^~~~~~~~~~")


def test_warnings_fail_only_when_strict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = BTC.read_text().replace("risk: 1%", "risk: 3%")
    f = tmp_path / "w.yaml"
    f.write_text(src)
    assert run(capsys, "lint", str(f))[0] == 0
    assert run(capsys, "lint", "--strict", str(f))[0] == 1


def test_usage_errors_exit_two(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "lint", "/no/such/file.yaml")[0] == 2
    with pytest.raises(SystemExit) as info:
        main(["lint", "--format", "xml", str(GRID)])
    assert info.value.code == 2


def test_machine_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BROKEN)
    code, out, _ = run(capsys, "lint", "--format", "json", str(bad))
    data = json.loads(out)
    assert code == 1
    assert {d["code"] for d in data["diagnostics"]} >= {"TP101", "TP204", "TP401", "TP403"}
    code, out, _ = run(capsys, "lint", "--format", "github", str(bad))
    assert f"::error file={bad},line=10,col=3" in out
    code, out, _ = run(capsys, "lint", "--format", "sarif", str(bad))
    sarif = json.loads(out)
    assert sarif["version"] == "2.1.0"
    assert sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"]


def test_compile_json_is_identical_for_both_forms(capsys: pytest.CaptureFixture[str]) -> None:
    code_a, a, _ = run(capsys, "compile", str(GRID), "--json")
    code_b, b, _ = run(capsys, "compile", str(GRID.with_suffix(".tp")), "--json")
    assert code_a == code_b == 0
    assert a == b
    assert json.loads(a)["grids"][0]["slots"][:3] == ["105", "105.5", "106"]


def test_compile_of_a_broken_file_prints_diagnostics(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BROKEN)
    code, out, err = run(capsys, "compile", str(bad), "--json")
    assert code == 1 and out == ""
    assert "TP101" in err


def test_explain_says_what_happens_after_each_exit(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "explain", str(GRID))
    assert code == 0
    assert "21 buy slot(s) of 1000 units from 105.00 to 115.00" in out
    assert "buy LIMIT at the exit price - 100 pips (counter)" in out
    assert "at most 21 positions open at once" in out
    code, out, _ = run(capsys, "explain", str(REPEAT))
    assert "buy LIMIT at the exit price - 50 pips (counter)" in out
    assert "buy STOP at the exit price + spread + 50 pips (follow)" in out
    code, out, _ = run(capsys, "explain", str(BTC))
    assert "if that does not happen within 30m, the position is closed" in out
    assert "time exit: closed at market 6h after entry" in out


def test_diagram_is_mermaid(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "explain", "--diagram", str(BTC))
    assert code == 0
    assert out.startswith("stateDiagram-v2")
    assert "flat --> entry_working" in out
    assert "open --> flat: take_profit_filled" in out


def test_fmt_converts_and_keeps_the_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "grid.tp"
    assert run(capsys, "fmt", str(GRID), "--to", "text", "-o", str(out_file))[0] == 0
    written = out_file.read_text()
    assert next(ln for ln in written.splitlines() if not ln.startswith("#")) == "tradeplan 1"
    code, yaml_text, _ = run(capsys, "fmt", str(out_file), "--to", "yaml")
    assert code == 0
    assert yaml.safe_load(yaml_text)["grid"]["counter"] == "-100 pips"


def test_schema_validates_the_bundled_yaml(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "schema")
    schema = json.loads(out)
    assert code == 0
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for path in sorted((ROOT / "strategies").glob("*.yaml")):
        errors = list(validator.iter_errors(yaml.safe_load(path.read_text())))
        assert errors == [], (path.name, [e.message for e in errors])
    assert list(
        validator.iter_errors(
            {"tradeplan": 1, "name": "x", "instrument": "EUR/USD", "exits": {"take_prfit": "1%"}}
        )
    )


def test_committed_schema_file_is_current(capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "schema")
    committed = ROOT / "docs" / "tradeplan.schema.json"
    from tradeplan.schema.generate import json_schema

    assert json.loads(committed.read_text()) == json_schema(), (
        "run: tradeplan schema > docs/tradeplan.schema.json"
    )


def test_python_dash_m_works_like_the_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tradeplan", "lint", str(BTC)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0
    assert "1 file clean" in done.stdout


def test_python_api_returns_typed_results() -> None:
    import tradeplan

    report = tradeplan.lint([GRID])
    assert report.files[0].diagnostics == ()
    result = tradeplan.compile(GRID)
    assert result.plan is not None and result.plan.name == "usdjpy-range-grid"
    assert "Grid `grid`" in tradeplan.explain(GRID)
