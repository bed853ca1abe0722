"""TP303: a market order certain to be sent outside regular hours (seed 000, SEMANTICS §3)."""

from __future__ import annotations

from tradeplan.compiler.pipeline import compile_source
from tradeplan.lang.source import Form

HEAD = (
    "tradeplan: 1\nname: t\ninstrument: US.AAPL\naccount: {currency: USD, balance: 100000}\n"
    "broker: paper\ntimeframe: 1m\n"
)


def codes(text: str) -> list[str]:
    result = compile_source(HEAD + text, "t.yaml", Form.YAML)
    return [d.code for d in result.diagnostics if d.severity.value == "error"]


def test_market_entries_under_session_eth_are_refused_at_lint_time() -> None:
    body = "session: eth\nentries:\n  - {name: r, side: long, when: close > 1, units: 10}\n"
    assert "TP303" in codes(body)


def test_a_market_entry_whose_time_window_is_post_market_is_refused() -> None:
    when = "time between 16:30 and 19:00"
    body = f"session: all\nentries:\n  - {{name: r, side: long, when: {when}, units: 10}}\n"
    assert "TP303" in codes(body)


def test_a_regular_hours_window_is_fine() -> None:
    when = "time between 09:35 and 15:50"
    body = f"session: all\nentries:\n  - {{name: r, side: long, when: {when}, units: 10}}\n"
    assert "TP303" not in codes(body)
