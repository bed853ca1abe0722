"""`fmt --to yaml` quotes a scalar only when YAML would otherwise read it differently."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tradeplan.diagnostics.collector import Collector
from tradeplan.diagnostics.model import Span
from tradeplan.lang.convert import to_yaml
from tradeplan.lang.nodes import Mapping, Scalar
from tradeplan.lang.yaml_reader import read_yaml

S = Span("gen", 1, 1)


def _one(value: str | None) -> str:
    return to_yaml(Mapping(((Scalar("k", S), Scalar(value, S)),), S))


def test_plain_values_are_not_quoted() -> None:
    out = to_yaml(
        Mapping(
            (
                (Scalar("tradeplan", S), Scalar("1", S)),
                (Scalar("timeframe", S), Scalar("1m", S)),
                (Scalar("pip", S), Scalar("0.01", S)),
            ),
            S,
        )
    )
    assert out == "tradeplan: 1\ntimeframe: 1m\npip: 0.01\n"


def test_values_yaml_would_change_stay_quoted() -> None:
    for value in ["null", "~", "a: b", "a #b", "*x", "&x", "!x", " x", ""]:
        assert _one(value).startswith('k: "'), value


@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12))
def test_any_value_reads_back_as_the_same_text(value: str) -> None:
    tree = read_yaml(_one(value), "gen", Collector())
    assert isinstance(tree, Mapping)
    scalar = tree.entries[0][1]
    assert isinstance(scalar, Scalar)
    assert scalar.value == value
