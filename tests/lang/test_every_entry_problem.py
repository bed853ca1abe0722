"""Issue 7 item 21: a bad `side` does not hide the other problems of the same entry."""

from __future__ import annotations

from tradeplan import api

TEXT = """\
tradeplan: 1
name: all-at-once
instrument: EUR/USD
account: {currency: USD, balance: 10000}
entries:
  - name: e
    side: lnog
    when: close > sma(close)
    order: market
    units: 1000
"""


def test_a_bad_side_and_a_bad_expression_are_both_reported() -> None:
    result = api.lint_source(TEXT, "s.yaml")
    lines = sorted({d.span.line for d in result.diagnostics if d.severity.value == "error"})
    assert lines == [7, 8], [str(d) for d in result.diagnostics]


def test_no_plan_is_made_from_the_stand_in_side() -> None:
    from tradeplan.compiler.pipeline import compile_source
    from tradeplan.lang.source import Form

    assert compile_source(TEXT, "s.yaml", Form.YAML).plan is None
