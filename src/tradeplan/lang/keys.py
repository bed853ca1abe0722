"""Every key the language knows, per section, with the words used to describe it.

The builder checks files against this table and the JSON Schema is generated from it, so an
editor's completion and the linter can never disagree about what a key is called.
"""

from __future__ import annotations

TOP = {
    "tradeplan": "Language version. Always 1 for now.",
    "name": "A short name for the strategy (letters, digits, - and _).",
    "description": "Free text: what the strategy is for.",
    "instrument": "What is traded: a symbol such as USD/JPY, BTCUSDT or US.NVDA, or a mapping.",
    "account": "The account's currency (JPY) or a mapping with currency, balance, leverage.",
    "broker": "paper (default), oanda, binance or futu; or a mapping with name and fill.",
    "session": "US stocks: rth (regular hours only, default), eth (pre- and post-market only) or all (pre, regular and post).",
    "timeframe": "Bar length for signals, e.g. 1m, 5m, 1h. Signals use closed bars only.",
    "fees": "Fees the backtest charges and the grid adds to take-profit and counter widths.",
    "sizing": "How much each entry trades: units, qty, notional, or risk (percent of balance).",
    "entries": "Signal entry rules: each opens a position when its condition is true.",
    "exits": "Exits for every position: stop loss, take profit, trailing, break-even, time.",
    "grid": "A Triauto-style grid of repeating orders (slots).",
    "grids": "Several grids, as a list.",
    "risk": "Caps that every order is checked against before it is sent.",
    "on_restart": "Live runs: what a restart does after restoring the state and reconciling "
    "with the broker: resume (carry on, default), adopt (also trade beside the broker's orders "
    "and position it does not know), flatten (cancel entries, close positions at market) or "
    "halt (no new entries until `tradeplan resume`).",
}

INSTRUMENT = {
    "symbol": "USD/JPY, EUR_USD, BTCUSDT, US.NVDA ...",
    "kind": "fx, us_stock or crypto_perp (guessed from the symbol when left out).",
    "market": "The broker's market: usdm_futures (Binance USD-M), us (Futu US stocks) or fx.",
    "pip": "Pip size, e.g. 0.01 for JPY pairs, 0.0001 for others.",
    "tick": "Smallest price increment.",
    "step": "Smallest quantity increment.",
    "min_notional": "Smallest order value the venue accepts.",
}

ACCOUNT = {
    "currency": "Account currency, e.g. JPY, USD, USDT.",
    "balance": "Starting balance for backtests and for sizing checks.",
    "leverage": "Maximum leverage, e.g. 25.",
}

BROKER = {
    "name": "paper, oanda, binance or futu.",
    "fill": "Paper fills: dealer (Triauto rules) or exchange.",
}

FEES = {
    "per_unit": "Fee per unit traded (price amount).",
    "per_notional": "Fee as a percentage of the order's value, e.g. 0.04%.",
    "per_order": "Fixed fee per filled order.",
}

SIZING = {
    "units": "Fixed units per entry (FX).",
    "qty": "Fixed quantity per entry (shares, contracts).",
    "notional": "Fixed order value per entry, e.g. 5000 USDT.",
    "risk": "Percent of balance lost if the stop loss is hit (the 2% rule).",
    "leverage": "Leverage cap used when sizing.",
}

ORDER = {
    "type": "market, limit, stop, stop_limit, trailing_stop, trailing_stop_limit, "
    "market_if_touched or limit_if_touched.",
    "price": "Limit price: a number or an expression such as `close - 0.05`.",
    "trigger": "Trigger price of stop and if-touched orders.",
    "trail": "Trailing distance: a percentage (3%) or an amount ($2.00).",
    "spread": "Trailing stop limit: distance from the trigger to the limit price.",
    "activate": "Trailing starts only once the price has moved this far in your favour.",
}

ENTRY = {
    "name": "A unique name for this rule.",
    "side": "long or short (buy or sell).",
    "when": "Condition checked on every closed bar, e.g. `close crosses_above sma(close, 20)`.",
    "order": "The entry order: market (default), or a mapping with type and prices.",
    "time_in_force": "day or gtc.",
    "units": "Fixed units for this rule (overrides sizing).",
    "qty": "Fixed quantity for this rule (overrides sizing).",
    "notional": "Fixed order value for this rule (overrides sizing).",
    "sizing": "Sizing for this rule (overrides the strategy's sizing).",
    "exits": "Exits for this rule (override the strategy's exits key by key).",
}

EXITS = {
    "stop_loss": "Distance from the entry fill: 20 pips, 0.6%, $2.00, 3 ticks, or none.",
    "take_profit": "Distance from the entry fill.",
    "trailing": "Trailing stop: a distance (3%), or trail / spread / activate.",
    "break_even": "Move the stop to entry once profit reaches `at`; `within` adds a clock.",
    "time_exit": "Close after a time held (6h) or at a time of day (15:55 America/New_York).",
    "exit_when": "Close when this condition is true on a closed bar.",
    "time_in_force": "day or gtc for the exit orders.",
}

TRAILING = {
    "trail": "Distance behind the best price: 3% or $2.00.",
    "spread": "Makes it a trailing stop LIMIT: limit = trigger - spread (sell).",
    "activate": "Profit at which trailing starts.",
}

BREAK_EVEN = {
    "at": "Profit that moves the stop to the entry price.",
    "within": "If `at` is not reached within this time, do `otherwise`.",
    "otherwise": "close (exit the position) or keep.",
    "offset": "Stop goes to entry plus this much (covers fees).",
}

GRID = {
    "name": "A name for the grid.",
    "side": "buy or sell.",
    "from": "Lowest slot price.",
    "to": "Highest slot price.",
    "step": "Distance between slots, e.g. 50 pips.",
    "at": "Instead of from/to/step: one repeating order at this price.",
    "units": "Units per slot.",
    "take_profit": "Take-profit width from each entry fill.",
    "stop_loss": "Stop-loss width from each entry fill, or none.",
    "counter": "Re-entry by LIMIT at exit fill + counter (signed, e.g. -50 pips).",
    "follow": "Re-entry by STOP at exit fill + spread + follow (signed, e.g. +50 pips).",
}

RISK = {
    "max_open_positions": "Most positions open at once.",
    "max_notional": "Most total position value at once.",
    "max_position": "Most units or quantity held in the symbol.",
    "daily_loss_limit": "Stop new entries for the day after this loss (percent of day start).",
    "max_drawdown": "Halt the strategy after this fall from peak equity (percent).",
    "one_position_per_symbol": "true: never a second position on the symbol.",
    "max_risk_per_trade": "Refuse entries risking more than this percent of the balance.",
}

SECRET_WORDS = (
    "api_key",
    "apikey",
    "api_secret",
    "secret",
    "secret_key",
    "password",
    "passwd",
    "token",
    "access_token",
    "private_key",
    "trade_password",
    "unlock_password",
)

SECTIONS = {
    "top": TOP,
    "instrument": INSTRUMENT,
    "account": ACCOUNT,
    "broker": BROKER,
    "fees": FEES,
    "sizing": SIZING,
    "order": ORDER,
    "entry": ENTRY,
    "exits": EXITS,
    "trailing": TRAILING,
    "break_even": BREAK_EVEN,
    "grid": GRID,
    "risk": RISK,
}
"""Each mapping of the document tree by the name the builder and `spec.wording` use for it."""
