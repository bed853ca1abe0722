"""Domain symbols (the plan's `Instrument.symbol`) and Binance's contract names.

Binance spells a USD-M perpetual as base and quote run together (`BTCUSDT`); a domain symbol
written with a slash (`BTC/USDT`, the conformance suite's `USD/JPY`) maps by dropping it.
Every report names the domain symbol the adapter was opened for.
"""

from __future__ import annotations


def venue_symbol(symbol: str) -> str:
    return symbol.replace("/", "").replace("-", "").replace("_", "").upper()


__all__ = ["venue_symbol"]
