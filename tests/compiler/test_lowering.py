"""The compiler lowers a plan's expressions into one signal graph (issue 8): resolved, shared,
deterministic, with the warm-up a live run loads.

What a user can see: the graph and its warm-up are in `compile --json`, equal strategies give
equal graphs, an expression shared by two rules is computed from one node, and a unit the
instrument cannot resolve is reported at the file position instead of failing the backtest.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from tradeplan.cli.main import main
from tradeplan.compiler.lowering import Lowering, lower
from tradeplan.compiler.pipeline import compile_source
from tradeplan.core.calendar import UsSession
from tradeplan.core.instrument import default_instrument
from tradeplan.diagnostics.model import Span
from tradeplan.lang.expr import (
    Binary,
    Call,
    Compare,
    Cross,
    Index,
    Name,
    Number,
    Quantity,
    TimeBetween,
)
from tradeplan.lang.source import Form
from tradeplan.plan.model import Plan
from tradeplan.plan.signals import (
    Apply,
    Arithmetic,
    ClockWindow,
    Column,
    Comparison,
    Constant,
    InSession,
    Invert,
    Junction,
    Lag,
    SubPennyTicks,
    inputs,
    node_warmups,
)
from tradeplan.plan.vocabulary import warmup

ROOT = Path(__file__).resolve().parents[2]
USDJPY = default_instrument("USD/JPY")
AAPL = default_instrument("US.AAPL")
CLOSE = Name("close")

HEAD = """\
tradeplan: 1
name: t
instrument: {symbol: USD/JPY, pip: 0.01}
account: {currency: JPY, balance: 10000000}
broker: paper
timeframe: 1m
exits: {stop_loss: 20 pips, take_profit: 40 pips}
entries:
"""


def plan_of(entries: str, head: str = HEAD) -> Plan:
    result = compile_source(head + entries, "t.yaml", Form.YAML)
    assert result.plan is not None, [str(d) for d in result.diagnostics]
    return result.plan


def entry(name: str, when: str, side: str = "long", more: str = "") -> str:
    return f"  - name: {name}\n    side: {side}\n    when: {when}\n    qty: 1000\n{more}"


def num(value: int | str) -> Number:
    return Number(Decimal(value))


def test_equal_subexpressions_of_two_rules_are_one_node() -> None:
    plan = plan_of(
        entry("a", "close crosses_above sma(close, 20)")
        + entry("b", "close < sma(close, 20) - 5 pips", side="short")
    )
    nodes = plan.signals.nodes
    assert len(set(nodes)) == len(nodes)  # every node once
    assert nodes.count(Apply("sma", (0,), (20,))) == 1
    assert [n for n in nodes if isinstance(n, Apply)] == [Apply("sma", (0,), (20,))]
    sma = nodes.index(Apply("sma", (0,), (20,)))
    a, b = plan.rules
    assert a.signals.when != b.signals.when
    for rule in plan.rules:  # both rules read the one sma node
        seen, stack = set(), [rule.signals.when]
        while stack:
            ref = stack.pop()
            seen.add(ref)
            stack.extend(inputs(nodes[ref]))
        assert sma in seen, rule.name


def test_spans_do_not_split_nodes_and_lowering_is_deterministic() -> None:
    here, there = Span("a.yaml", 3, 9), Span("a.yaml", 7, 2)
    first = Call("sma", (Name("close", here), Number(Decimal(20), here)), here)
    second = Call("sma", (Name("close", there), Number(Decimal("20"), there)), there)
    program, refs = lower([first, Compare(">", Name("open"), second), first], USDJPY)
    assert refs[0] == refs[2] == program.nodes.index(Apply("sma", (0,), (20,)))
    again, refs_again = lower([first, Compare(">", Name("open"), second), first], USDJPY)
    assert again == program and refs_again == refs
    assert hash(again) == hash(program)


def test_both_forms_and_a_json_round_trip_give_one_graph() -> None:
    yaml = compile_source(
        (ROOT / "strategies/eurusd-risk.yaml").read_text(), "eurusd-risk.yaml", Form.YAML
    )
    text = compile_source(
        (ROOT / "strategies/eurusd-risk.tp").read_text(), "eurusd-risk.tp", Form.TEXT
    )
    assert yaml.plan is not None and text.plan is not None
    assert yaml.plan.signals == text.plan.signals
    assert Plan.from_json(yaml.plan.to_json()).signals == yaml.plan.signals


def test_cross_is_lowered_to_the_comparisons_it_means() -> None:
    program, (ref,) = lower([Cross("above", CLOSE, Call("ema", (CLOSE, num(5))))], USDJPY)
    close, ema = 0, program.nodes.index(Apply("ema", (0,), (5,)))
    nodes = program.nodes
    assert nodes[ref] == Junction("and", (ref - 4, ref - 1))
    assert nodes[ref - 4] == Comparison(">", close, ema)
    assert nodes[ref - 1] == Comparison("<=", ref - 3, ref - 2)
    assert nodes[ref - 3] == Lag(close, 1) and nodes[ref - 2] == Lag(ema, 1)


def test_units_times_and_sessions_are_resolved_at_compile_time() -> None:
    program, refs = lower(
        [
            Compare("<", CLOSE, _minus(CLOSE, Quantity(Decimal(5), "pips"))),
            _minus(CLOSE, Quantity(Decimal("0.5"), "percent")),
            TimeBetween("09:35", "15:50"),
        ],
        USDJPY,
    )
    nodes = program.nodes
    assert Constant(5 * 0.01) in nodes  # 5 pips of USD/JPY
    assert Arithmetic("*", 0, nodes.index(Constant(0.5 / 100.0))) in nodes  # close * 0.5%
    assert nodes[refs[2]] == ClockWindow(9 * 60 + 35, 15 * 60 + 50)
    stock, (rth, outside, ticks) = lower(
        [
            Compare("==", Name("session"), Name("rth")),
            Compare("!=", Name("pre"), Name("session")),
            _minus(CLOSE, Quantity(Decimal(2), "ticks")),
        ],
        AAPL,
    )
    assert stock.nodes[rth] == InSession(int(UsSession.REGULAR))
    assert stock.nodes[outside] == Invert(stock.nodes.index(InSession(int(UsSession.PRE))))
    close = stock.nodes.index(Column("close"))
    sub_penny = stock.nodes.index(SubPennyTicks(2.0, close))  # a cent from $1, 1/100 below
    assert stock.nodes[ticks] == Arithmetic("-", close, sub_penny)
    fx, _ = lower([_minus(CLOSE, Quantity(Decimal(2), "ticks"))], USDJPY)
    assert Constant(2 * 0.001) in fx.nodes


def _minus(left: Name, right: Quantity) -> Binary:
    return Binary("-", left, right)


def test_derived_prices_are_operations_on_the_bar_columns() -> None:
    program, (hlc3,) = lower([Name("hlc3")], USDJPY)
    high, low, close = Column("high"), Column("low"), Column("close")
    nodes = program.nodes
    assert nodes[:3] == (high, low, Arithmetic("+", 0, 1))
    assert nodes[hlc3] == Arithmetic("/", 4, 5) and nodes[5] == Constant(3.0)
    assert nodes[3] == close
    vwap, (ref,) = lower([Call("vwap", ())], USDJPY)
    assert vwap.nodes[ref].inputs == (6, 7, 8)  # type: ignore[union-attr]
    assert vwap.nodes[6:9] == (
        Arithmetic("/", 4, 5),
        Column("volume"),
        Column("day"),
    )


def test_the_graph_warmup_adds_up_nested_calls_and_history() -> None:
    rsi = Call("rsi", (CLOSE, num(14)))
    nested = Call("ema", (rsi, num(9)))
    program, (inner, outer, lagged, crossing) = lower(
        [rsi, nested, Index(nested, 2), Cross("above", nested, num(50))], USDJPY
    )
    each = node_warmups(program.nodes)
    assert each[inner] == warmup("rsi", (14,)) == 14 + 700
    assert each[outer] == 714 + warmup("ema", (9,)) == 714 + 8 + 250
    assert each[lagged] == 972 + 2
    assert each[crossing] == 972 + 1  # a cross reads the bar before
    assert program.warmup == 974 and not program.daily
    windows, _ = lower(
        [Compare(">", Call("sma", (Call("highest", (CLOSE, num(5))), num(3))), CLOSE)], USDJPY
    )
    assert windows.warmup == 4 + 2
    day, _ = lower([Compare(">", CLOSE, Call("vwap", ()))], USDJPY)
    assert day.warmup == 0 and day.daily


def test_the_plan_warmup_is_the_largest_of_its_rules() -> None:
    plan = plan_of(
        entry("a", "close > sma(close, 30)")
        + entry(
            "b",
            "rsi(close, 5) < 30",
            more="    exits:\n      exit_when: close > highest(high, 400)[3]\n",
        )
    )
    assert plan.signals.warmup == max(29, 5 + 250, 399 + 3)


def test_compile_json_shows_the_graph_and_its_warmup(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compile", str(ROOT / "strategies/btc-breakout.yaml"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["signals"]["warmup"] == 21 and data["signals"]["daily"] is False
    when = data["rules"][0]["signals"]["when"]
    assert data["signals"]["nodes"][when]["node"] == "Junction"
    assert {"node": "Apply", "function": "highest", "inputs": [1], "lengths": [20]} in data[
        "signals"
    ]["nodes"]


def test_pips_on_an_instrument_without_a_pip_size_are_reported() -> None:
    """Before the graph, this linted clean and the backtest stopped with an error."""
    head = HEAD.replace("{symbol: USD/JPY, pip: 0.01}", "{symbol: US.AAPL}").replace(
        "{stop_loss: 20 pips, take_profit: 40 pips}", "{stop_loss: 1%, take_profit: 2%}"
    )
    head = head.replace("currency: JPY", "currency: USD")
    result = compile_source(
        head + entry("a", "close < sma(close, 20) - 5 pips"), "t.yaml", Form.YAML
    )
    assert result.plan is None
    (problem,) = [d for d in result.diagnostics if d.code == "TP202"]
    assert "pip size" in problem.message
    assert (problem.span.line, problem.span.col) == (11, 36)  # at `5 pips`


def test_a_rule_less_plan_has_an_empty_graph() -> None:
    grid = compile_source((ROOT / "strategies/usdjpy-grid.yaml").read_text(), "g.yaml", Form.YAML)
    assert grid.plan is not None
    assert grid.plan.signals.nodes == () and grid.plan.signals.warmup == 0
    assert Lowering(USDJPY).program() == grid.plan.signals
