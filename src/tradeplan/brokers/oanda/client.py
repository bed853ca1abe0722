"""The SDK calls, and what each way of failing means for the port.

`oandapyV20` raises `V20Error(code, body)` for any HTTP status >= 400, lets `requests`
exceptions through for the network, and raises `ValueError` when a response's status is not the
one the endpoint expects (OrderCreate and OrderReplace accept only 201). Those three become:

* `Refused` - OANDA answered and proved the command did nothing (4xx: a reject transaction, an
  order that does not exist, a bad token). Final.
* `NoAnswer` - nobody knows (a timeout, a dropped connection, 5xx, an unexpected status).

Messages name the endpoint and OANDA's own reason; the token is in the session's headers
only, which nothing here prints.
"""

from __future__ import annotations

import json
from typing import Any

from tradeplan.brokers.oanda.config import OandaConfig

Json = dict[str, Any]


class Refused(Exception):
    """OANDA answered with a 4xx. `body` is its JSON (a reject transaction, an errorCode)."""

    def __init__(self, status: int, body: Json, what: str) -> None:
        self.status = status
        self.body = body
        super().__init__(what)

    @property
    def reason(self) -> str:
        for key in (
            "orderRejectTransaction",
            "orderCancelRejectTransaction",
            "replacingOrderCancelRejectTransaction",
        ):
            tx = self.body.get(key)
            if isinstance(tx, dict) and tx.get("rejectReason"):
                message = self.body.get("errorMessage")
                reason = str(tx["rejectReason"])
                return reason if not message or message == reason else f"{reason}: {message}"
        code = self.body.get("errorCode")
        message = self.body.get("errorMessage", "")
        if self.status == 401:
            return "OANDA refused the token (HTTP 401): check OANDA_TOKEN and OANDA_ENV"
        return f"{code}: {message}" if code else f"HTTP {self.status}: {message}"

    @property
    def not_found(self) -> bool:
        return self.status == 404


class NoAnswer(Exception):
    """The outcome is unknown: no answer, a 5xx, or an answer the SDK would not take."""


class Rest:
    """One SDK client (one `requests` session) and the account it works on."""

    def __init__(self, config: OandaConfig, timeout: float | tuple[float, float]) -> None:
        from oandapyV20 import API

        self.account_id = config.account_id
        self.api = API(
            access_token=config.token,
            environment=config.environment,
            request_params={"timeout": timeout},
        )

    def send(self, request: Any) -> Json:
        """Perform one SDK request; raise `Refused` or `NoAnswer` as the module says."""
        import requests
        from oandapyV20.exceptions import V20Error

        try:
            answer: Json = self.api.request(request)
        except V20Error as exc:
            status = int(exc.code)
            body = _json(exc.msg)
            if 400 <= status < 500:
                raise Refused(status, body, f"{request} refused: HTTP {status}") from None
            raise NoAnswer(f"{request}: HTTP {status} {body.get('errorMessage', '')}") from None
        except requests.RequestException as exc:
            raise NoAnswer(f"{request}: {type(exc).__name__}") from None
        except ValueError:
            # The status setter of the SDK refuses an unexpected (2xx) status after the body
            # was read: the command may have been carried out.
            raise NoAnswer(f"{request}: an HTTP status the SDK does not expect") from None
        return answer

    def close(self) -> None:
        self.api.close()


def _json(text: object) -> Json:
    try:
        body = json.loads(str(text))
    except ValueError:
        return {"errorMessage": str(text)[:200]}
    return body if isinstance(body, dict) else {"errorMessage": str(body)[:200]}


__all__ = ["NoAnswer", "Refused", "Rest"]
