"""SEMANTICS.md section 4, row by row, as the size of a real backtest entry.

Each test backtests a `sizing: {risk: 2%}` strategy through the API on flat bars, so the entry is
judged and filled at one known price, and reads the size from trades.csv. The spread is 0 unless
a test is about the spread: the engine adds the spread to the stop (the stop sits that much
further away, docs/backtesting.md) and sizes over the same distance.
"""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest
from api_harness import backtest, flat, qty, signals_csv, strategy, timed_rows, trades_csv

from tradeplan.api_backtest import BacktestError, run_backtest
from tradeplan.api_backtest import BacktestOptions as Options
from tradeplan.cli.main import main

RISK_2 = "sizing: {risk: 2%}\nentries:\n  - {name: r, side: long, when: close > 0}\n"


def risk_plan(symbol: str, account: str, stop: str = "20 pips", broker: str = "paper") -> object:
    return strategy(
        RISK_2 + f"exits:\n  stop_loss: {stop}\n", symbol=symbol, account=account, broker=broker
    )


def test_jpy_account_usdjpy_is_50000_units_with_no_spread() -> None:
    # 500,000 x 2% = 10,000 JPY over 20 pips x 0.01 = 0.20 JPY a unit: 50,000.
    plan = risk_plan("{symbol: USD/JPY, pip: 0.01}", "{currency: JPY, balance: 500000}")
    run = backtest(plan, timed_rows(flat(4, "110.000")))
    assert trades_csv(run, "qty", "entry_price", "exit_reason") == [("50000", "110", "end_of_data")]
    assert signals_csv(run) == [("2025-01-06T00:01:00+00:00", "r", "buy", "true", "")]


def test_the_spread_widens_the_stop_and_shrinks_the_size() -> None:
    # A 1-pip spread puts the stop 21 pips under the Ask: 10,000 / 0.21 = 47,619.04 -> 47,619.
    plan = risk_plan("{symbol: USD/JPY, pip: 0.01}", "{currency: JPY, balance: 500000}")
    run = backtest(plan, timed_rows(flat(4, "110.000", spread="0.010")))
    assert qty(run) == D(47619)
    placed = orders_placed(run)
    # The long fills at the Ask 110.010; its stop is 20 pips + the 1-pip spread below it. The
    # last market order closes the position at the end of the data.
    assert placed == [
        ("market", "47619", "", ""),
        ("stop", "47619", "", "109.8"),
        ("market", "47619", "", ""),
    ]


def orders_placed(run: object) -> list[tuple[str, ...]]:
    from api_harness import orders_csv

    return [
        row[1:]
        for row in orders_csv(run, "event", "type", "qty", "price", "trigger")  # type: ignore[arg-type]
        if row[0] == "placed"
    ]


def test_jpy_account_eurusd_converts_at_the_given_rate() -> None:
    # 10,000 JPY / 105 JPY per USD / (20 x 0.0001) = 47,619.05 -> 47,619.
    plan = risk_plan("EUR/USD", "{currency: JPY, balance: 500000, leverage: 25}")
    run = backtest(plan, timed_rows(flat(4, "1.10000")), quote_rate=D(105))
    assert qty(run) == D(47619)


def test_eur_account_eurjpy_converts_at_one_over_the_price_by_itself() -> None:
    # The account holds the base currency: the rate is 1/128 EUR per JPY, no --rate needed.
    # 10,000 EUR / (1/128) / 0.20 = 6,400,000 (the naive 10,000 / 128 / 0.20 = 390.63 is wrong).
    plan = risk_plan("EUR/JPY", "{currency: EUR, balance: 500000, leverage: 25}")
    run = backtest(plan, timed_rows(flat(4, "128.000")))
    assert qty(run) == D(6400000)


def test_usd_account_usdjpy_is_capped_by_20x_margin_and_says_the_minimum_stop() -> None:
    # At 108.38 the rate is 1/108.38 = 0.009226795...: the rule asks for 2,143,575 units;
    # 98,891.66 x 20 / 1 (USD per USD) = 1,977,833.2 caps it at 1,977,833.
    plan = risk_plan("USD/JPY", "{currency: USD, balance: 98891.66, leverage: 20}", "10 pips")
    run = backtest(plan, timed_rows(flat(4, "108.380")))
    assert qty(run) == D(1977833)
    assert signals_csv(run, "accepted", "reason") == [
        (
            "true",
            "capped_by_margin: 2143575 units wanted, 1977833 allowed, the full 2% fits with a "
            "stop at least 11 pips away, spread included",
        )
    ]


def test_the_minimum_stop_of_11_pips_gives_1953847_units_under_the_cap() -> None:
    # SEMANTICS: rate 0.00920251 (USD/JPY at 108.666): 10 pips -> capped, min stop 11 pips;
    # with an 11-pip stop, 1,953,847 units fit under the 1,977,833 cap.
    account = "{currency: USD, balance: 98891.66, leverage: 20}"
    capped = backtest(risk_plan("USD/JPY", account, "10 pips"), timed_rows(flat(4, "108.666")))
    assert qty(capped) == D(1977833)
    assert "at least 11 pips away" in capped.result.signals[0].reason
    fits = backtest(risk_plan("USD/JPY", account, "11 pips"), timed_rows(flat(4, "108.666")))
    assert qty(fits) == D(1953847)
    assert signals_csv(fits, "accepted", "reason") == [("true", "")]


def test_usd_account_eurusd_needs_no_conversion() -> None:
    plan = risk_plan("EUR/USD", "{currency: USD, balance: 98891.66, leverage: 30}", "10 pips")
    assert qty(backtest(plan, timed_rows(flat(4, "1.10000")))) == D(1977833)


def test_usd_account_eurgbp_converts_at_the_given_rate() -> None:
    plan = risk_plan("EUR/GBP", "{currency: USD, balance: 98891.66, leverage: 20}", "10 pips")
    run = backtest(plan, timed_rows(flat(4, "0.85000")), quote_rate=D("1.38392"))
    assert qty(run) == D(1429152)


def test_one_over_the_price_is_exact_where_a_rounded_rate_loses_a_unit() -> None:
    # 2,000 USD x 108.38 / 0.20 = 1,083,800 exactly; a 28-digit 1/108.38 gives 1,083,799.
    plan = risk_plan("USD/JPY", "{currency: USD, balance: 100000, leverage: 20}")
    assert qty(backtest(plan, timed_rows(flat(4, "108.380")))) == D(1083800)


def test_the_size_is_floored_to_the_brokers_step_not_the_strategys() -> None:
    # The file says a step of 0.0001 BTC, Binance trades 0.001: 1% of 10,000 USDT over a 0.6%
    # stop at 60,000.0 (360.0) asks for 0.27777... BTC, floored to the venue's step: 0.277.
    plan = strategy(
        "sizing: {risk: 1%}\nentries:\n  - {name: r, side: long, when: close > 0}\n"
        "exits:\n  stop_loss: 0.6%\n",
        symbol="{symbol: BTCUSDT, step: 0.0001}",
        account="{currency: USDT, balance: 10000}",
        broker="binance",
    )
    assert qty(backtest(plan, timed_rows(flat(4, "60000.0")))) == D("0.277")


def test_free_margin_caps_a_second_position() -> None:
    # Two rules may each hold a position. The first takes 10,000,000 JPY of USD/JPY at 25x
    # (400,000 of margin); 2% of 1,000,000 over 20 pips asks for 100,000 units for the second
    # (440,000 of margin at 110), but only 600,000 is free: 600,000 x 25 / 110 = 136,363 units
    # fit, so the rule's own 100,000 go; then at a third rule the cap binds.
    body = (
        "sizing: {risk: 2%}\n"
        "entries:\n"
        "  - {name: a, side: long, when: close > 0, units: 90909}\n"
        "  - {name: b, side: long, when: close > 0}\n"
        "  - {name: c, side: long, when: close > 0}\n"
        "exits:\n  stop_loss: 20 pips\n"
        "risk: {one_position_per_symbol: false}\n"
    )
    plan = strategy(
        body,
        symbol="{symbol: USD/JPY, pip: 0.01}",
        account="{currency: JPY, balance: 1000000, leverage: 25}",
    )
    run = backtest(plan, timed_rows(flat(4, "110.000")))
    assert [(t.slot, t.qty) for t in run.result.trades] == [
        ("a", D(90909)),
        ("b", D(100000)),
        ("c", D(36363)),
    ]
    reason = run.result.signals[2].reason
    assert reason.startswith("capped_by_margin: 100000 units wanted, 36363 allowed")


def test_a_cross_currency_account_without_a_rate_is_refused() -> None:
    plan = risk_plan("EUR/USD", "{currency: JPY, balance: 500000}")
    with pytest.raises(BacktestError, match=r"give --rate, the JPY per 1 USD"):
        run_backtest(plan, timed_rows(flat(4, "1.10000")), Options())


def test_a_rate_the_currencies_already_tell_is_refused() -> None:
    plan = risk_plan("USD/JPY", "{currency: USD, balance: 100000}")
    with pytest.raises(BacktestError, match=r"--rate is not needed.*1 / price"):
        run_backtest(plan, timed_rows(flat(4, "108.380")), Options(quote_rate=D(105)))


def test_a_fixed_size_is_traded_as_written() -> None:
    body = "entries:\n  - {name: r, side: long, when: close > 0, units: 12345}\n"
    body += "exits:\n  stop_loss: 20 pips\n"
    plan = strategy(body, symbol="{symbol: USD/JPY, pip: 0.01}")
    assert qty(backtest(plan, timed_rows(flat(4, "110.000")))) == D(12345)


def test_a_notional_size_is_the_amount_over_the_price_floored_to_the_step() -> None:
    body = "entries:\n  - {name: r, side: long, when: close > 0}\nsizing: {notional: 1000}\n"
    body += "exits:\n  stop_loss: 1%\n"
    plan = strategy(body, symbol="BTCUSDT", account="{currency: USDT, balance: 10000}")
    # 1,000 USDT / 60,000.0 = 0.016666... -> 0.016 at the 0.001 step.
    assert qty(backtest(plan, timed_rows(flat(4, "60000.0")))) == D("0.016")


def test_the_command_line_stops_with_exit_2_when_the_rate_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    strategy_file = tmp_path / "s.yaml"
    strategy_file.write_text(
        "tradeplan: 1\nname: s\ninstrument: EUR/USD\naccount: {currency: JPY, balance: 500000}\n"
        "broker: paper\ntimeframe: 1m\n" + RISK_2 + "exits:\n  stop_loss: 20 pips\n"
    )
    data = tmp_path / "bars.csv"
    data.write_text(
        "time,open,high,low,close\n"
        "2025-01-06T00:00:00Z,1.10000,1.10000,1.10000,1.10000\n"
        "2025-01-06T00:01:00Z,1.10000,1.10000,1.10000,1.10000\n"
    )
    argv = ["backtest", str(strategy_file), "--data", str(data), "--out", str(tmp_path / "o")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "EUR/USD is quoted in USD but the account is in JPY: give --rate" in err
    assert main([*argv, "--rate", "150", "--quiet"]) == 0
    rows = (tmp_path / "o" / "trades.csv").read_text().splitlines()
    # 10,000 JPY / 150 / 0.002 = 33,333.3 -> 33,333 units.
    assert rows[1].split(",")[3] == "33333"


def test_risk_covers_the_fees_of_both_sides_of_a_stop_out() -> None:
    # 0.5% of 1,000,000 JPY is 5,000 JPY. Over the 20-pip stop alone that is 25,000 units, and
    # 0.04% fees on both fills (about 2,200 JPY) would lose 0.72%. Sized with the fees, the
    # stop-out loses at most 5,000 JPY, within one unit's loss of the floor to the step.
    body = (
        "fees: {per_notional: 0.04%}\nsizing: {risk: 0.5%}\n"
        "entries:\n  - {name: r, side: long, when: close > 0}\nexits:\n  stop_loss: 20 pips\n"
    )
    plan = strategy(body, symbol="{symbol: USD/JPY, pip: 0.01}")
    rows = [*flat(2, "110.000"), (2, "110.000", "110.000", "109.500", "109.600", "0")]
    run = backtest(plan, timed_rows(rows))
    first = run.result.trades[0]
    assert first.exit_reason.value == "stop_loss" and first.exit_price == D("109.8")
    one_unit = D("0.2") + D("0.0004") * (D(110) + D("109.8"))
    assert first.pnl >= -D(5000) - one_unit
    assert first.pnl < -D(4999)  # the budget is used, not halved
