"""The strategies of LANGUAGE-DRAFT.md in both forms, shared by the text reader and writer tests."""

from __future__ import annotations

DRAFT_TEXT = """\
tradeplan 1
strategy "usdjpy-range-grid" on USD/JPY pip 0.01 account JPY via paper

grid buy from 105.00 to 115.00 step 50 pips units 1000 {
    take_profit 100 pips
    counter -50 pips
    follow +50 pips
}

entry breakout-long long when close crosses_above highest(high, 20)[1] {
    order market
    stop_loss 0.6%
    take_profit 1.2%
    trailing 2% spread 0.50 activate 1%
    break_even at 0.4% within 30m otherwise close
}

risk {
    max_open_positions 20
    daily_loss_limit 2%
}
"""

DRAFT_TREE = {
    "tradeplan": "1",
    "name": "usdjpy-range-grid",
    "instrument": {"symbol": "USD/JPY", "pip": "0.01"},
    "account": "JPY",
    "broker": "paper",
    "grids": [
        {
            "side": "buy",
            "from": "105.00",
            "to": "115.00",
            "step": "50 pips",
            "units": "1000",
            "take_profit": "100 pips",
            "counter": "-50 pips",
            "follow": "+50 pips",
        }
    ],
    "entries": [
        {
            "name": "breakout-long",
            "side": "long",
            "when": "close crosses_above highest(high, 20)[1]",
            "order": "market",
            "exits": {
                "stop_loss": "0.6%",
                "take_profit": "1.2%",
                "trailing": {"trail": "2%", "spread": "0.50", "activate": "1%"},
                "break_even": {"at": "0.4%", "within": "30m", "otherwise": "close"},
            },
        }
    ],
    "risk": {"max_open_positions": "20", "daily_loss_limit": "2%"},
}

# The three YAML examples of LANGUAGE-DRAFT.md, each with the same content in the text form.
YAML_AND_TEXT = [
    (
        """\
tradeplan: 1
name: usdjpy-range-grid
instrument: {symbol: USD/JPY, pip: 0.01}
account: {currency: JPY}
broker: paper                 # paper | oanda | binance | futu; connection settings never live here

grid:                         # Triauto-style repeating slots (SEMANTICS.md §1)
  side: buy
  from: 105.00
  to: 115.00
  step: 50 pips               # one slot every 50 pips
  units: 1000
  take_profit: 100 pips
  stop_loss: none             # allowed, but the linter warns: no stop outside the range
  counter: -50 pips
  follow: +50 pips

risk:
  max_open_positions: 20
  max_notional: 2000000
  daily_loss_limit: 2%        # of start-of-day equity: no new entries for the day
  max_drawdown: 10%           # halt the strategy
""",
        """\
tradeplan 1
strategy "usdjpy-range-grid" on USD/JPY pip 0.01 via paper
account currency JPY

grid buy from 105.00 to 115.00 step 50 pips units 1000 {
    take_profit 100 pips
    stop_loss none        # allowed, but the linter warns
    counter -50 pips
    follow +50 pips
}

risk {
    max_open_positions 20
    max_notional 2000000
    daily_loss_limit 2%
    max_drawdown 10%
}
""",
    ),
    (
        """\
tradeplan: 1
name: btc-breakout
instrument: {symbol: BTCUSDT, market: usdm_futures}
broker: binance
timeframe: 1m                 # closed bars only (SEMANTICS.md §2)

entries:
  - name: breakout-long
    side: long
    when: close crosses_above highest(high, 20)[1]
    order: market
sizing: {risk: 1%, leverage: 5}
exits:
  stop_loss: 0.6%
  take_profit: 1.2%
  break_even: {at: 0.4%, within: 30m, otherwise: close}
  time_exit: 6h
""",
        """\
tradeplan 1
strategy btc-breakout via binance
instrument BTCUSDT market usdm_futures
timeframe 1m   # closed bars only

entry breakout-long long when close crosses_above highest(high, 20)[1] {
    order market
}
sizing risk 1% leverage 5
exits {
    stop_loss 0.6%
    take_profit 1.2%
    break_even at 0.4% within 30m otherwise close
    time_exit 6h
}
""",
    ),
    (
        """\
tradeplan: 1
name: nvda-protect
instrument: {symbol: US.NVDA}
broker: futu
session: all                  # rth | eth | all (US stocks)
entries:
  - name: pullback
    side: long
    when: close < sma(close, 50) * 0.97 and session == rth
    order: {type: limit, price: close - 0.05}
    qty: 50
exits:
  trailing: {trail: 3%, spread: 0.20}   # trailing stop limit; `trail: $2.00` for an amount
  time_in_force: gtc
""",
        """\
tradeplan 1
strategy "nvda-protect" via futu
instrument symbol US.NVDA
session all

entry pullback long when close < sma(close, 50) * 0.97 and session == rth {
    order limit price close - 0.05
    qty 50
}

exits {
    trailing 3% spread 0.20
    time_in_force gtc
}
""",
    ),
]
