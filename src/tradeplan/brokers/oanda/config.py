"""Settings from the environment, and the SDK environment they point it at.

`oandapyV20.API` takes no host: it looks its two base URLs up by name in
`oandapyV20.oandapyV20.TRADING_ENVIRONMENTS` (../shared/BROKERS.md). `OANDA_ENV` picks OANDA's
practice or live hosts; `OANDA_API_URL` / `OANDA_STREAM_URL` override them (a proxy, or the
tests' fake on 127.0.0.1). The overriding pair is registered under a name derived from the
URLs, so two configurations never overwrite each other's entry. The token is read here and
kept out of every repr, log line and message.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import urlparse

from tradeplan.ports.adapters import AdapterConfigError

HOSTS: Final = {
    "practice": ("https://api-fxpractice.oanda.com", "https://stream-fxpractice.oanda.com"),
    "live": ("https://api-fxtrade.oanda.com", "https://stream-fxtrade.oanda.com"),
}
_ACCOUNT = re.compile(r"^\d{3}-\d{3}-\d{1,12}-\d{3}$")


@dataclass(frozen=True, slots=True)
class OandaConfig:
    """Where and as whom to connect. `token` never appears in `repr` or messages."""

    account_id: str
    env: str
    api_url: str
    stream_url: str
    token: str = field(repr=False)

    @property
    def environment(self) -> str:
        """The SDK's name for this pair of hosts (registered on first use)."""
        return register_environment(self.api_url, self.stream_url)


def config_from_env(environ: Mapping[str, str]) -> OandaConfig:
    token = environ.get("OANDA_TOKEN", "").strip()
    if not token:
        raise AdapterConfigError(
            "OANDA_TOKEN is not set: put your OANDA v20 personal access token in it "
            "(OANDA site: Manage API Access)"
        )
    account = environ.get("OANDA_ACCOUNT_ID", "").strip()
    if not account:
        raise AdapterConfigError(
            "OANDA_ACCOUNT_ID is not set: put your v20 account id in it, e.g. 101-001-1234567-001"
        )
    if not _ACCOUNT.match(account):
        raise AdapterConfigError(
            "OANDA_ACCOUNT_ID is not a v20 account id: it looks like 101-001-1234567-001 "
            "(digits and dashes, shown on the OANDA site next to the account)"
        )
    env = environ.get("OANDA_ENV", "practice").strip().lower() or "practice"
    if env not in HOSTS:
        raise AdapterConfigError("OANDA_ENV must be practice or live")
    api_default, stream_default = HOSTS[env]
    api = _url(environ.get("OANDA_API_URL", "").strip() or api_default, "OANDA_API_URL")
    stream = _url(environ.get("OANDA_STREAM_URL", "").strip() or stream_default, "OANDA_STREAM_URL")
    return OandaConfig(account, env, api, stream, token)


def _url(value: str, name: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise AdapterConfigError(f"{name} must be an http(s) URL such as {HOSTS['practice'][0]}")
    return value.rstrip("/")


def register_environment(api_url: str, stream_url: str) -> str:
    """Register the pair of base URLs with the SDK and return its name for them."""
    from oandapyV20 import oandapyV20 as sdk

    for name, hosts in sdk.TRADING_ENVIRONMENTS.items():
        if hosts.get("api") == api_url and hosts.get("stream") == stream_url:
            return str(name)
    digest = hashlib.sha256(f"{api_url} {stream_url}".encode()).hexdigest()[:12]
    name = f"tradeplan-{digest}"
    sdk.TRADING_ENVIRONMENTS[name] = {"api": api_url, "stream": stream_url}
    return name


__all__ = ["HOSTS", "OandaConfig", "config_from_env", "register_environment"]
