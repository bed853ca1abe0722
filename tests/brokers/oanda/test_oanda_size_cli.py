"""`tradeplan size --broker oanda`: the 2% rule on the live account, every figure printed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal as D

import pytest
from fake_oanda import TOKEN, FakeInstrument, FakeOanda, FakePrice

from tradeplan.cli.main import main


@pytest.fixture
def usd_account(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOanda]:
    fake = FakeOanda(
        currency="USD",
        balance=D("98891.66"),
        instruments={"EUR_GBP": FakeInstrument("EUR_GBP", -4, 5)},
        prices={"EUR_GBP": FakePrice("0.85000", "0.85010", "1.38400", "1.38384")},
    )
    fake.start()
    for key, value in fake.environ().items():
        monkeypatch.setenv(key, value)
    yield fake
    fake.close()


ARGS = ["size", "--broker", "oanda", "--instrument", "EUR_GBP", "--risk", "2%", "--stop", "10"]


def test_size_prints_every_figure_it_used(
    usd_account: FakeOanda, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(ARGS) == 0
    out = capsys.readouterr().out
    for figure in (
        "balance: 98891.66 USD",
        "marginAvailable: 98891.66 USD",
        "pipLocation: -4 (pip 0.0001)",
        "marginRate: 0.05 (20x)",
        "positiveUnits 1.38400, negativeUnits 1.38384, mid 1.38392",
        "margin cap: ",
        "1,429,152",
    ):
        assert figure in out, figure
    assert TOKEN not in out


def test_size_json_has_the_units_and_the_figures(
    usd_account: FakeOanda, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*ARGS, "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["units"] == 1_429_152 and body["capped"] is False
    assert body["figures"]["quote_home_rate"] == "1.38392"
    assert body["figures"]["pipLocation"] == -4


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--balance", "1000"], "--balance is read from the account"),
        (["--rate", "2"], "read from the account"),
    ],
)
def test_figures_the_account_gives_may_not_be_typed(
    usd_account: FakeOanda, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    assert main([*ARGS, *extra]) == 2
    assert message in capsys.readouterr().err


def test_a_missing_token_says_which_variable(
    usd_account: FakeOanda, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OANDA_TOKEN")
    assert main(ARGS) == 2
    err = capsys.readouterr().err
    assert "OANDA_TOKEN" in err and err.count("\n") == 1


def test_an_instrument_the_account_lacks_is_named(
    usd_account: FakeOanda, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["size", "--broker", "oanda", "--instrument", "USD_TRY", "--risk", "2%", "--stop", "10"]
    assert main(argv) == 2
    assert "cannot trade USD/TRY" in capsys.readouterr().err


def test_another_broker_is_told_how_to_size_by_hand(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "size",
        "--broker",
        "binance",
        "--instrument",
        "BTCUSDT",
        "--risk",
        "2%",
        "--stop",
        "10",
    ]
    assert main(argv) == 2
    assert "--broker oanda" in capsys.readouterr().err
