"""The SDK's REST client with Binance's failure rules applied once, for every call.

python-binance sends what it is given: each value through `str()`, so the adapter passes exact
decimal text (rules.wire) and the SDK never floats a price. Its errors are sorted here:

* `-1021` (timestamp outside recvWindow): the request was not processed; the clock offset is
  read again from `/fapi/v1/time` and the call repeated once.
* HTTP 429 / 418 (`-1003`): not processed; wait `Retry-After` (capped) and repeat, a few times.
* `-1006`, `-1007`, HTTP 5xx, a timeout or a dropped connection: nobody knows (`Unknown`).
* `-2011` / `-2013`: "no such order" (`NotFound`), which only a targeted lookup may conclude.
* anything else: the venue refused (`Refused`, with Binance's code and message).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, Final

from tradeplan.brokers.binance.config import BinanceConfig

log = logging.getLogger(__name__)

UNKNOWN_CODES: Final = frozenset({-1006, -1007})
NOT_FOUND_CODES: Final = frozenset({-2011, -2013})
AUTH_CODES: Final = frozenset({-1022, -2014, -2015})
USED_WEIGHT_LIMIT: Final = 2400


class VenueError(Exception):
    def __init__(self, message: str, code: int | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class Unknown(VenueError):
    """No answer, or an answer that says the outcome is unknown."""


class NotFound(VenueError):
    """Binance says it has no such order."""


class Refused(VenueError):
    """Binance refused the request with a code (final: it was not processed)."""

    @property
    def auth(self) -> bool:
        return self.code in AUTH_CODES


def hint(code: int | None, message: str) -> str:
    """Binance's message with what to do about it, for errors a user can cause."""
    extra = {
        -1022: "the signature is wrong: check BINANCE_API_SECRET belongs to BINANCE_API_KEY",
        -2014: "the API key is malformed: check BINANCE_API_KEY",
        -2015: "the API key is refused: check BINANCE_API_KEY, its IP whitelist and that "
        "futures trading is enabled for it (and BINANCE_TESTNET for a testnet key)",
        -4164: "the order is below the contract's minimum notional: raise the quantity",
        -2019: "not enough margin for this order",
        -1121: "Binance lists no such contract",
        -4014: "the price is off the contract's tick",
        -1111: "the quantity is off the contract's step",
        -4116: "the client id is already used by a working order",
    }.get(code or 0)
    return f"Binance {code}: {message}" + (f" ({extra})" if extra else "")


class Rest:
    """One SDK `Client` for the adapter's REST calls (thread-safe per call: requests' session
    is shared, which requests allows for plain calls)."""

    def __init__(
        self,
        config: BinanceConfig,
        *,
        timeout: float = 10.0,
        max_wait: float = 5.0,
        retries: int = 3,
    ) -> None:
        from binance.client import Client  # the SDK, only here

        client = Client(config.api_key or None, config.api_secret or None, ping=False)
        client.FUTURES_URL = config.rest_url + "/fapi"
        client.REQUEST_TIMEOUT = timeout
        client.REQUEST_RECVWINDOW = 5000
        self.client: Any = client
        self._max_wait = max_wait
        self._retries = retries
        self.used_weight = 0

    def sync_clock(self) -> None:
        """Set the SDK's timestamp offset from the venue's clock (-1021 otherwise)."""
        before = time.time() * 1000
        server = int(self.call(self.client.futures_time, resync=False)["serverTime"])
        after = time.time() * 1000
        self.client.timestamp_offset = server - (before + after) / 2

    def call(self, fn: Callable[..., Any], /, *, resync: bool = True, **params: Any) -> Any:
        """`fn(**params)` with Binance's failure rules (module docstring)."""
        from binance.exceptions import BinanceAPIException, BinanceRequestException
        from requests import RequestException

        attempt = 0
        while True:
            attempt += 1
            try:
                answer = fn(**dict(params))
                self._note_weight()
                return answer
            except BinanceAPIException as exc:
                self._note_weight()
                code, status = int(exc.code or 0), int(exc.status_code or 0)
                message = str(exc.message)
                if code == -1021 and resync and attempt == 1:
                    log.warning("Binance clock skew (-1021): reading the server time again")
                    self.sync_clock()
                    continue
                if status in (429, 418) or code == -1003:
                    if attempt <= self._retries:
                        self._back_off(exc, attempt)
                        continue
                    raise Refused(f"rate limited: {hint(code, message)}", code, status) from None
                if code in UNKNOWN_CODES or status >= 500:
                    raise Unknown(hint(code, message), code, status) from None
                if code in NOT_FOUND_CODES:
                    raise NotFound(hint(code, message), code, status) from None
                raise Refused(hint(code, message), code, status) from None
            except (BinanceRequestException, RequestException) as exc:
                raise Unknown(f"no answer from Binance ({type(exc).__name__})") from None

    def _back_off(self, exc: Any, attempt: int) -> None:
        headers = getattr(getattr(exc, "response", None), "headers", {}) or {}
        try:
            wait = float(headers.get("Retry-After", "1"))
        except ValueError:
            wait = 1.0
        wait = min(max(wait, 0.05 * attempt), self._max_wait)
        log.warning("Binance rate limit (HTTP %s): waiting %.2f s", exc.status_code, wait)
        time.sleep(wait)

    def _note_weight(self) -> None:
        response = getattr(self.client, "response", None)
        if response is None:
            return
        used = response.headers.get("X-MBX-USED-WEIGHT-1M")
        if used is None:
            return
        try:
            self.used_weight = int(used)
        except ValueError:
            return
        if self.used_weight > USED_WEIGHT_LIMIT * 9 // 10:
            pause = min(self._max_wait, 1.0)
            log.warning(
                "Binance request weight %d of %d used: pausing %.1f s",
                self.used_weight,
                USED_WEIGHT_LIMIT,
                pause,
            )
            time.sleep(pause)


__all__ = ["NotFound", "Refused", "Rest", "Unknown", "VenueError", "hint"]
