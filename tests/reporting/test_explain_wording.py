"""What `explain` says about each exit matches how the engine prices it (issue 7, item 18)."""

from __future__ import annotations

from pathlib import Path

from tradeplan import api

ROOT = Path(__file__).resolve().parents[2]


def _explain(tmp_path: Path, text: str) -> str:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return api.explain(path)


_GRID = """tradeplan: 1
name: g
instrument: {symbol: USD/JPY, pip: 0.01}
account: {currency: JPY, balance: 1000000}
broker: paper
grid:
  side: sell
  at: 110.00
  units: 1000
  take_profit: 100 pips
  stop_loss: 100 pips
  counter: 50 pips
  follow: -20 pips
"""


def test_sell_follow_has_its_signs_and_units(tmp_path: Path) -> None:
    text = _explain(tmp_path, _GRID)
    assert "a sell STOP at the exit price - spread - 20 pips (follow)" in text
    assert "a sell LIMIT at the exit price + 50 pips (counter)" in text
    assert "a buy limit at the entry fill - 100 pips" in text


def test_grid_take_profit_states_the_fee_add_on(tmp_path: Path) -> None:
    text = _explain(tmp_path, _GRID + "fees: {per_notional: 0.01%}\n")
    assert "- 100 pips + the fees of the entry and of the take profit" in text
    assert "+ 50 pips + its own fee (counter)" in text


def test_trailing_stop_counts_as_a_stop() -> None:
    text = api.explain(ROOT / "strategies" / "nvda-protect.yaml")
    assert "no stop loss" not in text
    assert "trailing stop-limit (the position's stop loss)" in text
    assert "a sell limit at the trigger price - 0.2 USD" in text


def test_market_entries_are_not_day_orders() -> None:
    text = api.explain(ROOT / "strategies" / "btc-breakout.yaml")
    assert "market order" in text
    assert "DAY" not in text
    assert "The entry order is DAY." in api.explain(ROOT / "strategies" / "nvda-protect.yaml")


def test_amounts_carry_currencies_and_times_their_zone() -> None:
    btc = api.explain(ROOT / "strategies" / "btc-breakout.yaml")
    assert "at most 50000 USDT of total position value" in btc
    assert "tick 0.1 USDT" in btc
    clock = api.explain(ROOT / "strategies" / "breakeven-timeexit.yaml")
    assert "Times of day are read in UTC." in clock
    assert "16:45 America/New_York" in clock


_RULE = """tradeplan: 1
name: r
instrument: {symbol: USD/JPY, pip: 0.01}
account: {currency: JPY, balance: 1000000}
broker: paper
timeframe: 5m
exits: {stop_loss: 20 pips, take_profit: 40 pips}
entries:
  - name: e
    side: long
    when: WHEN
    units: 1000
"""


def test_explain_states_the_history_a_live_run_loads(tmp_path: Path) -> None:
    """The compiler's warm-up of the plan's signal graph, in closed bars of its timeframe."""
    btc = api.explain(ROOT / "strategies" / "btc-breakout.yaml")
    # highest(high, 20)[1] under a cross: 19 bars to its first value, 1 back, 1 more for the cross
    assert "A live run loads 21 closed 1m bars of history before trading, the warm-up of" in btc
    eurusd = api.explain(ROOT / "strategies" / "eurusd-risk.yaml")
    assert "loads 74,905 closed 1m bars of history before trading" in eurusd
    assert "(ema settles to the backtest's last digit within it)" in eurusd
    nested = _explain(
        tmp_path, _RULE.replace("WHEN", "ema(rsi(close, 14), 9) > 50 and close > vwap()")
    )
    assert (
        "A live run loads 972 closed 5m bars of history before trading, the warm-up of its signals "
        "(ema and rsi settle to the backtest's last digit within it), and every bar of the "
        "current day (vwap restarts each day)."
    ) in nested
    plain = _explain(tmp_path, _RULE.replace("WHEN", "close > open"))
    assert "A live run needs no history before trading" in plain
    assert "live run" not in _explain(tmp_path, _GRID)  # a grid reads no signals
