"""`tradeplan instruments --broker oanda` and the profile file `lint --profile` checks against."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_oanda import TOKEN, FakeOanda

from tradeplan.cli.main import main

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def account(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOanda]:
    fake = FakeOanda()
    fake.start()
    for key, value in fake.environ().items():
        monkeypatch.setenv(key, value)
    yield fake
    fake.close()


def test_instruments_prints_the_live_rules(
    account: FakeOanda, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["instruments", "--broker", "oanda", "EUR/USD", "USD/JPY"]) == 0
    out = capsys.readouterr().out
    assert "EUR/USD (EUR_USD at oanda)" in out and "tick 0.00001, step 1" in out
    assert "tick 0.001" in out and "pipLocation: -2" in out and "marginRate: 0.05" in out
    assert TOKEN not in out


def test_a_saved_profile_lints_the_shipped_2_percent_strategy(
    account: FakeOanda, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    profile = tmp_path / "oanda.json"
    assert main(["instruments", "--broker", "oanda", "EUR/USD", "--save", str(profile)]) == 0
    assert TOKEN not in profile.read_text("utf-8")
    capsys.readouterr()
    assert main(["lint", "--profile", str(profile), str(ROOT / "strategies/eurusd-risk.yaml")]) == 0
