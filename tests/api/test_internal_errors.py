"""A bug inside tradeplan becomes TP901 for that one file; lint reports it and goes on."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradeplan import api
from tradeplan.cli.main import main
from tradeplan.compiler import pipeline

ROOT = Path(__file__).resolve().parents[2]


def test_a_crash_in_one_file_is_tp901_and_the_next_file_is_still_linted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    good = (ROOT / "strategies" / "btc-breakout.yaml").read_text()
    (tmp_path / "a-boom.yaml").write_text(good.replace("btc-breakout", "boom"))
    (tmp_path / "b-fine.yaml").write_text(good)
    real = pipeline.compile_spec

    def flaky(spec, out, venues=None):  # type: ignore[no-untyped-def]
        if spec.name == "boom":
            raise ZeroDivisionError("simulated bug")
        return real(spec, out, venues)

    monkeypatch.setattr(pipeline, "compile_spec", flaky)
    report = api.lint([tmp_path])
    first, second = report.files
    assert [d.code for d in first.diagnostics] == ["TP901"]
    assert first.diagnostics[0].span.file.endswith("a-boom.yaml")
    assert "ZeroDivisionError" in first.diagnostics[0].message
    assert second.diagnostics == ()
    assert main(["lint", str(tmp_path)]) == 2
    out = capsys.readouterr().out
    assert "a-boom.yaml:1:1: error TP901 internal error" in out
