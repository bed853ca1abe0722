"""Regression tests for issue 7 items 11, 22, 26 and 27 (NO_COLOR): each failed on 0ea5a3e."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import tradeplan
from tradeplan import api

GRID = """tradeplan: 1
name: {name}
instrument: USDJPY
broker: paper
timeframe: 1m
sizing: {{units: 1000}}
entries:
  - name: dip
    side: long
    order: market
    when: close < 150
exits:
  stop_loss: 20 pips
  take_profit: 20 pips
"""


def _codes(text: str, tmp_path: Path, name: str = "s.yaml") -> list[str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return [d.code for d in api.lint([path]).files[0].diagnostics]


def test_a_name_in_japanese_is_accepted(tmp_path: Path) -> None:
    assert "TP203" not in _codes(GRID.format(name="ドル円グリッド"), tmp_path)


def test_a_name_with_a_space_is_still_refused(tmp_path: Path) -> None:
    assert "TP203" in _codes(GRID.format(name='"two words"'), tmp_path)


@pytest.mark.parametrize("value", ["1e999999999", "1e-999999999", "9" * 5000])
def test_huge_numbers_are_a_range_error_at_once(tmp_path: Path, value: str) -> None:
    text = GRID.format(name="x").replace("tradeplan: 1", f"tradeplan: {value}")
    text = text.replace("units: 1000", f"units: {value}")
    start = time.monotonic()
    codes = _codes(text, tmp_path)
    assert time.monotonic() - start < 5
    assert "TP210" in codes
    assert "TP901" not in codes


def test_lint_accepts_one_path_alone(tmp_path: Path) -> None:
    path = tmp_path / "one.yaml"
    path.write_text(GRID.format(name="one"), encoding="utf-8")
    for given in (str(path), path):
        report = tradeplan.lint(given)
        assert [f.path for f in report.files] == [str(path)]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_named_yaml_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    link = tmp_path / "zero.yaml"
    link.symlink_to("/dev/zero")
    report = api.lint([fifo, link])
    assert [d.code for f in report.files for d in f.diagnostics] == ["TP007", "TP007"]
    assert "not a regular file" in report.files[0].diagnostics[0].message


def test_a_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"# " + b"x" * api.MAX_STRATEGY_BYTES + b"\n")
    (diag,) = api.lint([path]).files[0].diagnostics
    assert diag.code == "TP007"
    assert "limited to" in diag.message


def test_an_empty_no_color_does_not_turn_colour_off(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(GRID.format(name="x").replace("side: long", "side: lonk"), encoding="utf-8")
    script = (
        "import sys, tradeplan.cli.main as m; sys.stdout.isatty = lambda: True; "
        "sys.exit(m.main(['lint', sys.argv[1]]))"
    )

    def run(no_color: str | None) -> str:
        env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
        if no_color is not None:
            env["NO_COLOR"] = no_color
        done = subprocess.run(
            [sys.executable, "-c", script, str(path)], capture_output=True, text=True, env=env
        )
        return done.stdout

    assert "\x1b[" in run(None)
    assert "\x1b[" in run("")
    assert "\x1b[" not in run("1")


def test_a_folder_lint_skips_yaml_that_is_not_a_strategy(tmp_path: Path) -> None:
    (tmp_path / "docker-compose.yml").write_text("services:\n  web: {image: nginx}\n")
    (tmp_path / "grid.yaml").write_text("# a grid\n\n" + GRID.format(name="grid"))
    report = api.lint([tmp_path])
    assert [Path(f.path).name for f in report.files] == ["grid.yaml"]
    assert report.skipped == 1
    done = subprocess.run(
        [sys.executable, "-m", "tradeplan", "lint", str(tmp_path)], capture_output=True, text=True
    )
    assert "1 YAML file skipped" in done.stdout
    named = api.lint([tmp_path / "docker-compose.yml"], only_strategies=True)
    assert named.files == () and named.skipped == 1


def test_lint_dash_reads_standard_input() -> None:
    text = GRID.format(name="x").replace("side: long", "side: lonk")
    done = subprocess.run(
        [sys.executable, "-m", "tradeplan", "lint", "-", "--stdin-filename", "buf.yaml"],
        input=text,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert "buf.yaml:9:" in done.stdout


def test_the_pre_commit_hook_is_shipped() -> None:
    import yaml

    root = Path(__file__).resolve().parents[2]
    (hook,) = yaml.safe_load((root / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "tradeplan-lint"
    assert hook["entry"].startswith("tradeplan lint")


def test_a_billion_laughs_file_is_refused_at_once(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [{','.join(f'*a{i - 1}' for _ in range(9))}]")
    text = "tradeplan: 1\n" + "\n".join(lines) + "\n"
    start = time.monotonic()
    codes = _codes(text, tmp_path)
    assert time.monotonic() - start < 5
    assert set(codes) == {"TP008"}


def test_a_merge_key_is_refused(tmp_path: Path) -> None:
    text = GRID.format(name="x").replace(
        "exits:\n", "base: &b {stop_loss: 20 pips}\nexits:\n  <<: {take_profit: 5 pips}\n"
    )
    path = tmp_path / "m.yaml"
    path.write_text(text)
    found = [d for d in api.lint([path]).files[0].diagnostics if d.code == "TP008"]
    assert [(d.span.line, d.span.col) for d in found] == [(14, 3)]


SECRET = "9f8e7d6c5b4a39281706f5e4d3c2b1a0ffeeddcc"


@pytest.mark.parametrize("fmt", ["human", "json", "github", "sarif"])
def test_a_secret_in_the_file_is_never_echoed(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / "leak.yaml"
    path.write_text(
        GRID.format(name="x").replace("broker: paper\n", f"broker: paper\napi_secret: {SECRET}\n")
    )
    for command in (["lint", "--format", fmt, str(path)], ["compile", str(path)]):
        done = subprocess.run(
            [sys.executable, "-m", "tradeplan", *command], capture_output=True, text=True
        )
        assert "TP108" in done.stdout + done.stderr
        assert SECRET not in done.stdout + done.stderr
        assert SECRET[:12] not in done.stdout + done.stderr


def test_masking_keeps_the_carets_in_place() -> None:
    from tradeplan.diagnostics.secrets import mask_line

    assert mask_line(f"api_secret: {SECRET}  # mine") == f"api_secret: {'*' * len(SECRET)}  # mine"
    assert mask_line("  stop_loss: 20 pips") == "  stop_loss: 20 pips"
    assert mask_line(f"key {SECRET}") == f"key {'*' * len(SECRET)}"
