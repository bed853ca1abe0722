"""Property: any strategy, written in either form, compiles to the same plan.

Strategies are generated as plain documents (the keys of docs/language.md with raw-text
values), written out with the YAML and the text writers, and both files are compiled. Equal
plans, equal JSON, equal fingerprints - and converting with `fmt` keeps the plan.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tradeplan.compiler.pipeline import compile_source
from tradeplan.diagnostics.model import Span
from tradeplan.lang.convert import to_text, to_yaml
from tradeplan.lang.nodes import Mapping, Node, Scalar, Sequence
from tradeplan.lang.source import Form
from tradeplan.lang.text_writer import write_text

S = Span("gen", 1, 1)
FX = ["USD/JPY", "EUR/USD", "GBP/JPY", "EUR_USD"]
OTHER = ["BTCUSDT", "US.NVDA", "US.AAPL"]
CONDS = [
    "close crosses_above sma(close, 20)",
    "ema(close, 12) crosses_below ema(close, 26) and rsi(close, 14) > 30",
    "not (close < lowest(low, 10)[1]) or high > highest(high, 5)[2]",
    "(high + low) / 2 > close[1] * 1.001",
    "abs(change(close, 3)) >= atr(14) * 2",
]


def tree(value: Any) -> Node:
    if isinstance(value, dict):
        return Mapping(tuple((Scalar(k, S), tree(v)) for k, v in value.items()), S)
    if isinstance(value, list):
        return Sequence(tuple(tree(v) for v in value), S)
    return Scalar(value, S)


@st.composite
def distances(draw: st.DrawFn, fx: bool) -> str:
    if fx and draw(st.booleans()):
        return f"{draw(st.integers(5, 300))} pips"
    return f"{draw(st.sampled_from(['0.3', '0.5', '1', '1.25', '2']))}%"


@st.composite
def strategies_docs(draw: st.DrawFn) -> dict[str, Any]:
    fx = draw(st.booleans())
    symbol = draw(st.sampled_from(FX if fx else OTHER))
    doc: dict[str, Any] = {"tradeplan": "1", "name": f"gen-{draw(st.integers(0, 999))}"}
    doc["instrument"] = symbol
    if draw(st.booleans()):
        doc["account"] = {
            "currency": draw(st.sampled_from(["JPY", "USD", "EUR"])),
            "balance": str(draw(st.integers(1000, 10_000_000))),
        }
    doc["timeframe"] = draw(st.sampled_from(["1m", "5m", "15m", "1h"]))
    doc["sizing"] = draw(
        st.sampled_from(
            [{"risk": "1%"}, {"risk": "0.5%", "leverage": "5"}, {"units": "1000"}, {"qty": "10"}]
        )
    )
    entries = []
    for i in range(draw(st.integers(1, 3))):
        entry: dict[str, Any] = {
            "name": f"rule-{i}",
            "side": draw(st.sampled_from(["long", "short", "buy", "sell"])),
            "when": draw(st.sampled_from(CONDS)),
        }
        if draw(st.booleans()):
            entry["order"] = draw(
                st.sampled_from(
                    [
                        "market",
                        {"type": "limit", "price": "close - close * 0.001"},
                        {"type": "stop", "trigger": "high[1]"},
                    ]
                )
            )
        if draw(st.booleans()):
            entry["exits"] = {"take_profit": draw(distances(fx))}
        entries.append(entry)
    doc["entries"] = entries
    exits: dict[str, Any] = {"stop_loss": draw(distances(fx))}
    if draw(st.booleans()):
        exits["trailing"] = {"trail": draw(st.sampled_from(["1%", "2.5%"]))}
    if draw(st.booleans()):
        exits["break_even"] = {
            "at": "0.2%",
            "within": draw(st.sampled_from(["30m", "2h"])),
            "otherwise": draw(st.sampled_from(["close", "keep"])),
        }
    if draw(st.booleans()):
        exits["time_exit"] = draw(st.sampled_from(["6h", "1d", "15:55 America/New_York"]))
    if draw(st.booleans()):
        exits["exit_when"] = "close crosses_below sma(close, 50)"
    doc["exits"] = exits
    if draw(st.booleans()):
        doc["risk"] = {
            "max_open_positions": str(draw(st.integers(1, 10))),
            "daily_loss_limit": "3%",
            "max_drawdown": "12%",
        }
    if draw(st.booleans()):
        doc["on_restart"] = draw(st.sampled_from(["resume", "adopt", "flatten", "halt"]))
    return doc


@settings(max_examples=60, deadline=None)
@given(strategies_docs())
def test_yaml_and_text_forms_compile_to_one_plan(doc: dict[str, Any]) -> None:
    yaml_text = to_yaml(tree(doc))
    text_text = write_text(doc)
    a = compile_source(yaml_text, "gen.yaml", Form.YAML)
    b = compile_source(text_text, "gen.tp", Form.TEXT)
    assert a.plan is not None, ([d.message for d in a.diagnostics], yaml_text)
    assert b.plan is not None, ([d.message for d in b.diagnostics], text_text)
    assert a.plan == b.plan
    assert a.plan.to_json() == b.plan.to_json()
    assert [d.code for d in a.diagnostics] == [d.code for d in b.diagnostics]


@settings(max_examples=30, deadline=None)
@given(strategies_docs())
def test_fmt_in_both_directions_keeps_the_plan(doc: dict[str, Any]) -> None:
    first = compile_source(to_yaml(tree(doc)), "gen.yaml", Form.YAML)
    assert first.plan is not None
    from tradeplan.compiler.pipeline import read_tree
    from tradeplan.diagnostics.collector import Collector

    yaml_tree = read_tree(to_yaml(tree(doc)), "gen.yaml", Form.YAML, Collector())
    assert yaml_tree is not None
    as_text = to_text(yaml_tree)
    second = compile_source(as_text, "gen.tp", Form.TEXT)
    assert second.plan == first.plan
    text_tree = read_tree(as_text, "gen.tp", Form.TEXT, Collector())
    assert text_tree is not None
    third = compile_source(to_yaml(text_tree), "gen.yaml", Form.YAML)
    assert third.plan == first.plan
