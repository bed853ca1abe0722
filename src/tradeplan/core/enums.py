"""Words of the trading vocabulary, shared by the language, the plan and the engine."""

from __future__ import annotations

from enum import Enum


class Word(Enum):
    """An enum whose members hash by identity, in C.

    `Enum.__hash__` hashes the member's name in Python code; the engine looks up order
    statuses, events, sides and types in dicts on every broker update (the order state table),
    where that call was a tenth of a backtest's run phase. Members are singletons, so identity
    is equality; no output depends on hash order (the engine never iterates unordered sets).
    """

    __hash__ = object.__hash__


class Side(Word):
    BUY = "buy"
    SELL = "sell"

    @property
    def sign(self) -> int:
        """+1 for a buy, -1 for a sell: the direction in which profit lies."""
        return 1 if self is Side.BUY else -1

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY

    @classmethod
    def parse(cls, word: str) -> Side:
        """Traders say long/short for positions and buy/sell for orders; both mean the same side."""
        return _SIDE_WORDS[word.lower()]


_SIDE_WORDS = {"buy": Side.BUY, "long": Side.BUY, "sell": Side.SELL, "short": Side.SELL}
SIDE_WORDS = tuple(_SIDE_WORDS)


class AssetClass(Enum):
    FX = "fx"
    US_STOCK = "us_stock"
    CRYPTO_PERP = "crypto_perp"


class OrderType(Word):
    MARKET = "market"
    LIMIT = "limit"
    STOP = "stop"
    STOP_LIMIT = "stop_limit"
    TRAILING_STOP = "trailing_stop"
    TRAILING_STOP_LIMIT = "trailing_stop_limit"
    MARKET_IF_TOUCHED = "market_if_touched"
    LIMIT_IF_TOUCHED = "limit_if_touched"


class TimeInForce(Word):
    DAY = "day"
    GTC = "gtc"


class Session(Word):
    """Which US trading sessions a strategy's orders may work in (seed 000's table, Futu's
    `Session`): ETH is the extended hours *only*, not regular hours plus them."""

    RTH = "rth"  # regular hours only, 09:30-16:00 New York
    ETH = "eth"  # extended hours only: pre-market 04:00-09:30 and post-market 16:00-20:00
    ALL = "all"  # pre-market + regular + post-market


class RestartPolicy(Enum):
    """What a live run does when it starts again on a strategy with stored state (after a
    crash, a kill or a planned stop): the `on_restart` key. Every policy first restores the
    stored state and reconciles it with the broker; they differ in what the strategy does next
    (docs/language.md says it for a trader)."""

    RESUME = "resume"  # carry on where it stopped; the default
    ADOPT = "adopt"  # as resume, and what it does not know at the broker does not stop it
    FLATTEN = "flatten"  # cancel its working entries, close its positions at market, then trade
    HALT = "halt"  # no new entries until `tradeplan resume NAME`; exits keep working


class FillProfile(Enum):
    """How the paper broker fills a limit placed beyond the market (SEMANTICS.md section 1)."""

    DEALER = "dealer"  # Triauto: a closing limit beyond the market fills at its own price
    EXCHANGE = "exchange"  # a marketable limit fills at the better market price
