"""Issue 7 item 3: a time zone the runtime cannot load is a lint error at the value (was TP901)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_input_bounds import GRID

from tradeplan import api


def test_misspelt_time_exit_zone_is_refused_with_a_suggestion(tmp_path: Path) -> None:
    text = GRID.format(name="x").replace(
        "  take_profit: 20 pips\n", "  take_profit: 20 pips\n  time_exit: 16:45 America/NewYork\n"
    )
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    found = [d for d in api.lint([path]).files[0].diagnostics if d.code == "TP210"]
    assert found, "a zone zoneinfo cannot load must not lint clean"
    assert "America/New_York" in (found[0].hint or "")
    assert found[0].span.line == text.splitlines().index("  time_exit: 16:45 America/NewYork") + 1


@pytest.mark.parametrize("bound", ["25:00", "9:60", "10:00:30"])
def test_time_between_outside_the_day_is_a_lint_error_not_a_run_time_failure(bound: str) -> None:
    text = (
        "tradeplan: 1\nname: t\ninstrument: EUR/USD\naccount: {currency: USD, balance: 1000}\n"
        "entries:\n  - name: e\n    side: long\n"
        f"    when: close > open and time between 9:35 and {bound}\n"
        "    order: market\n    units: 1000\n"
    )
    found = [d for d in api.lint_source(text, "t.yaml").diagnostics if d.code == "TP210"]
    assert found, "expected TP210"
    assert found[0].span.line == 8
    assert bound in found[0].message
