"""Issue 7 item 3: whatever lints without errors backtests without an internal error.

Bundled strategies are edited the way users edit them (values retyped, words inserted, lines
duplicated or cut; the generator of test_lint_never_crashes), and every edit that lints with no
error is backtested on the first rows of every bundled data file. A run may be refused for a
reason the user can act on (BacktestError: a missing --rate, data coarser than the timeframe);
it may not end in any other exception.
"""

from __future__ import annotations

import contextlib
import gzip
from pathlib import Path

from fuzz_budget import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_lint_never_crashes import mutated

from tradeplan.api_backtest import BacktestError, run_backtest
from tradeplan.backtest.data import MarketData, parse_market_data
from tradeplan.compiler.pipeline import compile_source
from tradeplan.diagnostics.model import Severity
from tradeplan.lang.source import form_of

ROOT = Path(__file__).resolve().parents[2]
ROWS = 1500
DATA: list[MarketData] = [
    parse_market_data(
        b"\n".join(gzip.decompress(path.read_bytes()).split(b"\n")[: ROWS + 1]), source=path.name
    )
    for path in sorted((ROOT / "data").glob("*.csv.gz"))
]


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(), st.sampled_from(DATA))
def test_what_lints_clean_backtests_without_an_internal_error(
    case: tuple[str, str], data: MarketData
) -> None:
    name, text = case
    form = form_of(name, text)
    if form is None:
        return
    result = compile_source(text, name, form)
    if result.plan is None or any(d.severity is Severity.ERROR for d in result.diagnostics):
        return
    with contextlib.suppress(BacktestError):
        run_backtest(result.plan, data)
