"""Settings from the environment only (never from a strategy file), checked before connecting.

Keys and secrets are read here and handed to the SDK; no message, log line or exception made
in this package quotes them (`BinanceConfig.__repr__` hides them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from tradeplan.ports.adapters import AdapterConfigError

LIVE_REST = "https://fapi.binance.com"
LIVE_STREAM = "wss://fstream.binance.com"
TESTNET_REST = "https://testnet.binancefuture.com"
TESTNET_STREAM = "wss://fstream.binancefuture.com"


@dataclass(frozen=True)
class BinanceConfig:
    """Where to connect and with which key. `rest_url` is the host (no `/fapi`), `stream_url`
    the WebSocket base (streams are at `<stream_url>/ws/<name>`)."""

    api_key: str = field(repr=False)
    api_secret: str = field(repr=False)
    rest_url: str = LIVE_REST
    stream_url: str = LIVE_STREAM
    testnet: bool = False


def _flag(environ: Mapping[str, str], name: str) -> bool:
    value = environ.get(name, "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise AdapterConfigError(f"{name} must be 1 (testnet) or 0 (live), not a word like that")


def _url(environ: Mapping[str, str], name: str, default: str, schemes: tuple[str, ...]) -> str:
    value = environ.get(name, "").strip() or default
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.netloc:
        raise AdapterConfigError(
            f"{name} must be a URL starting with {' or '.join(s + '://' for s in schemes)} "
            f"(the Binance host or a proxy in front of it)"
        )
    return value.rstrip("/")


def config_from_env(environ: Mapping[str, str], *, need_keys: bool = True) -> BinanceConfig:
    """The settings, or AdapterConfigError naming the variable to set (never its value)."""
    testnet = _flag(environ, "BINANCE_TESTNET")
    key = environ.get("BINANCE_API_KEY", "").strip()
    secret = environ.get("BINANCE_API_SECRET", "").strip()
    if need_keys:
        for name, value in (("BINANCE_API_KEY", key), ("BINANCE_API_SECRET", secret)):
            if not value:
                where = "the testnet" if testnet else "your Binance account"
                raise AdapterConfigError(
                    f"{name} is not set: create an API key with futures trading enabled on "
                    f"{where} and export {name} in the environment that runs tradeplan"
                )
    rest = _url(
        environ, "BINANCE_FUTURES_URL", TESTNET_REST if testnet else LIVE_REST, ("http", "https")
    )
    stream = _url(
        environ, "BINANCE_STREAM_URL", TESTNET_STREAM if testnet else LIVE_STREAM, ("ws", "wss")
    )
    return BinanceConfig(key, secret, rest, stream, testnet)


__all__ = ["BinanceConfig", "config_from_env"]
