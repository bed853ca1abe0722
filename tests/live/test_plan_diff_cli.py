"""`tradeplan diff OLD NEW [--json]` as a trader runs it: what it prints and its exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tradeplan.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
STRATEGIES = ROOT / "strategies"
GRID = STRATEGIES / "usdjpy-grid.yaml"
BREAKEVEN = STRATEGIES / "breakeven-timeexit.yaml"


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def copy_edited(source: Path, target: Path, *pairs: tuple[str, str]) -> Path:
    text = source.read_text()
    for old, new in pairs:
        assert old in text
        text = text.replace(old, new)
    target.write_text(text)
    return target


@pytest.mark.parametrize("path", sorted(STRATEGIES.glob("*.yaml")), ids=lambda p: p.stem)
def test_yaml_against_its_text_form_has_no_changes(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "diff", path, path.with_suffix(".tp"))
    assert code == 0, err
    assert out.splitlines()[0] == f"{path} -> {path.with_suffix('.tp')}"
    assert "no changes" in out.splitlines()[1]
    assert err == ""


def test_an_edit_prints_what_the_reload_would_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    new = copy_edited(
        GRID,
        tmp_path / "grid.yaml",
        ("units: 1000", "units: 2000"),
        ("from: 105.00", "from: 104.50"),
        ("take_profit: 100 pips", "take_profit: 120 pips"),
    )
    code, out, _ = run(capsys, "diff", GRID, new)
    assert code == 0
    assert "usdjpy-range-grid`: 1 grid changed; 21 slots changed; 1 slot added." in out
    assert "units: 1000 -> 2000" in out
    assert "take_profit: 100 pips -> 120 pips" in out
    assert "amended to its entry fill + 120 pips" in out
    assert "1 slot added: grid@104.50" in out


def test_a_text_form_edit_against_the_yaml(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    new = copy_edited(
        BREAKEVEN.with_suffix(".tp"),
        tmp_path / "edited.tp",
        ("entry breakout-short short", "entry fade-short short"),
    )
    code, out, _ = run(capsys, "diff", BREAKEVEN, new)
    assert code == 0
    assert "Entry rule `fade-short`: added." in out
    assert "Entry rule `breakout-short`: removed." in out
    assert "entry rule `breakout-long`" in out  # unchanged, keeping its orders


def test_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new = copy_edited(GRID, tmp_path / "g.yaml", ("counter: -100 pips", "counter: -80 pips"))
    code, out, _ = run(capsys, "diff", GRID, new, "--json")
    assert code == 0
    data = json.loads(out)
    assert data["old_file"] == str(GRID) and data["new_file"] == str(new)
    assert data["changed"] is True and data["refused"] is False
    grid = next(n for n in data["nodes"] if n["kind"] == "grid")
    assert grid["changes"] == [
        {
            "field": "counter",
            "old": "-100 pips",
            "new": "-80 pips",
            "apply": "next_reentry",
            "effect": grid["changes"][0]["effect"],
        }
    ]
    statuses = {n["status"] for n in data["nodes"] if n["kind"] == "slot"}
    assert statuses == {"changed"}


def test_a_refused_edit_exits_one_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    new = copy_edited(BREAKEVEN, tmp_path / "b.yaml", ("timeframe: 1m", "timeframe: 5m"))
    code, out, _ = run(capsys, "diff", BREAKEVEN, new)
    assert code == 1
    assert "refused: timeframe: 1m -> 5m" in out
    assert "Nothing is applied: the old plan keeps running." in out
    code, out, _ = run(capsys, "diff", BREAKEVEN, new, "--json")
    assert code == 1
    data = json.loads(out)
    assert data["refused"] is True and data["refusals"][0]["field"] == "timeframe"


def test_a_file_with_errors_prints_its_diagnostics_and_exits_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = copy_edited(GRID, tmp_path / "broken.yaml", ("take_profit: 100 pips", "take_prfit: 1"))
    code, out, err = run(capsys, "diff", GRID, broken)
    assert code == 1
    assert out == ""
    assert f"{broken}:" in err and "TP1" in err  # path:line:col: error CODE, as lint prints


def test_a_missing_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "diff", GRID, tmp_path / "nope.yaml")
    assert code == 2
    assert "no such file" in err


def test_diff_is_listed_in_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "diff" in capsys.readouterr().out
