"""`tradeplan lint --profile FILE`: strategies against a broker's saved instrument rules.

The profile file is what `tradeplan instruments --save` writes; these tests write it by hand, as a
CI job that keeps one in its repository would have it. The TP504 and TP505 pages' wrong
examples are linted here with the profile file each page shows.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradeplan import api
from tradeplan.cli.main import main
from tradeplan.core.enums import AssetClass, OrderType
from tradeplan.diagnostics.model import Severity
from tradeplan.ports.adapters import LeverageBracket, VenueInstrument
from tradeplan.ports.profile_file import ProfileFileError, profile_to_text, read_profile_files

ROOT = Path(__file__).resolve().parents[2]
_BLOCK = re.compile(r"```(?P<lang>yaml|json)\n(?P<body>.*?)^```", re.DOTALL | re.MULTILINE)
_MARK = re.compile(r"# <- (TP\d{3})")


def _page(code: str) -> tuple[str, str]:
    text = (ROOT / "docs" / "codes" / f"{code}.md").read_text("utf-8")
    wrong = text.split("## Wrong", 1)[1].split("## Right", 1)[0]
    blocks = {m["lang"]: m["body"] for m in _BLOCK.finditer(wrong)}
    return blocks["yaml"], blocks["json"]


def _lint(tmp_path: Path, strategy: str, profile: str) -> list[tuple[int, str, Severity]]:
    path = tmp_path / "binance.json"
    path.write_text(profile, encoding="utf-8")
    rules = api.read_venue_rules([path])
    result = api.lint_source(strategy, "strategy.yaml", venues=rules)
    return [(d.span.line, d.code, d.severity) for d in result.diagnostics]


@pytest.mark.parametrize("code", ["TP504", "TP505"])
def test_the_pages_wrong_example_reports_the_code_on_every_marked_line(
    code: str, tmp_path: Path
) -> None:
    strategy, profile = _page(code)
    found = _lint(tmp_path, strategy, profile)
    marked = [n for n, line in enumerate(strategy.split("\n"), 1) if _MARK.search(line)]
    assert marked
    assert {line for line, c, _ in found if c == code} == set(marked), found
    # ... and the same file without the profile is clean of it: the rules came from the file.
    plain = api.lint_source(strategy, "strategy.yaml")
    assert code not in {d.code for d in plain.diagnostics}


def test_tp505_says_what_the_venue_refuses_and_what_the_bot_rounds(tmp_path: Path) -> None:
    strategy, profile = _page("TP505")
    path = tmp_path / "binance.json"
    path.write_text(profile, encoding="utf-8")
    result = api.lint_source(strategy, "s.yaml", venues=api.read_venue_rules([path]))
    messages = {(d.severity, d.message) for d in result.diagnostics if d.code == "TP505"}
    where = f"on binance ({path})"
    assert messages == {
        (Severity.ERROR, f"leverage 25x is above the 20x BTCUSDT allows {where}"),
        (
            Severity.WARNING,
            f"`units: 0.0015` is not a multiple of the quantity step 0.001 {where}: it would "
            "be sent as 0.001",
        ),
        (
            Severity.ERROR,
            f"0.0015 BTCUSDT at 60000 is worth 90, below the minimum order value 100 "
            f"{where}: the venue refuses those orders",
        ),
    }


def test_a_strategy_for_another_broker_is_not_checked_against_the_file(tmp_path: Path) -> None:
    strategy, profile = _page("TP504")
    other = strategy.replace("broker: binance", "broker: paper")
    assert "TP504" not in {code for _, code, _ in _lint(tmp_path, other, profile)}


def test_lint_profile_on_the_command_line_fails_the_job_and_names_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    strategy, profile = _page("TP504")
    (tmp_path / "eth.yaml").write_text(strategy, encoding="utf-8")
    (tmp_path / "binance.json").write_text(profile, encoding="utf-8")
    code = main(["lint", "--profile", str(tmp_path / "binance.json"), str(tmp_path / "eth.yaml")])
    out = capsys.readouterr().out
    assert code == 1
    assert "TP504" in out and "ETHUSDT is not among the binance instruments of" in out
    assert "it lists: BTCUSDT" in out


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('{"tradeplan_profile": 1,\n "broker": "binance", "instruments": [}', ":2:"),
        ('{"broker": "binance"}', "not a tradeplan profile file"),
        ('{"tradeplan_profile": 9, "broker": "binance", "instruments": []}', "format 9"),
        (
            '{"tradeplan_profile": 1, "broker": "binance", "instruments": [{"symbol": "BTCUSDT",'
            ' "asset_class": "crypto_perp", "tick": 0.1, "step": "0.001"}]}',
            'instruments[0].tick: write the number as a string, e.g. "0.01"',
        ),
        (
            '{"tradeplan_profile": 1, "broker": "binance", "instruments": [{"symbol": "BTCUSDT",'
            ' "asset_class": "spot", "tick": "0.1", "step": "0.001"}]}',
            "asset_class: 'spot' is not one of",
        ),
    ],
)
def test_a_bad_profile_file_exits_2_saying_where(
    text: str, says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    strategy = tmp_path / "s.yaml"
    strategy.write_text(_page("TP504")[0], encoding="utf-8")
    code = main(["lint", "--profile", str(path), str(strategy)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"tradeplan: error: --profile {path}")
    assert says in err
    with pytest.raises(ProfileFileError):
        read_profile_files([path])


_decimals = st.decimals(min_value=D("0.00000001"), max_value=D(10**9), places=8)


@given(
    tick=_decimals,
    step=_decimals,
    min_notional=st.none() | _decimals,
    brackets=st.lists(st.tuples(_decimals, _decimals), max_size=4),
    types=st.frozensets(st.sampled_from(list(OrderType))),
)
def test_a_saved_profile_reads_back_exactly(
    tick: D,
    step: D,
    min_notional: D | None,
    brackets: list[tuple[D, D]],
    types: frozenset[OrderType],
) -> None:
    item = VenueInstrument(
        broker="binance",
        symbol="BTCUSDT",
        venue_symbol="BTCUSDT",
        asset_class=AssetClass.CRYPTO_PERP,
        tick=tick,
        step=step,
        min_notional=min_notional,
        leverage_brackets=tuple(LeverageBracket(a, b) for a, b in brackets),
        native_order_types=types,
        facts=(("contractType", "PERPETUAL"),),
    )
    text = profile_to_text("binance", [item], datetime(2026, 12, 7, tzinfo=UTC))
    assert "e-" not in text.lower() and "E+" not in text  # plain decimals, never exponents
    assert json.loads(text)["saved"] == "2026-12-07T00:00:00Z"
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "p.json"
        path.write_text(text, encoding="utf-8")
        back = read_profile_files([path]).find("binance", "BTCUSDT")
    assert back == item
