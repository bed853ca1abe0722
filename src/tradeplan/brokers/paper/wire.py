"""The paper venue's wire protocol: JSON lines over TCP on 127.0.0.1.

`tradeplan paper serve` (live/paper_server.py) speaks it; `RemotePaperBroker` (remote.py) is
its client. Designed like a real broker's API, so the live runtime meets the same problems on
it (answers that never come, pushes that beat the answer, a stream that drops):

* One JSON object per line, UTF-8, at most `MAX_LINE` bytes. Decimals are strings ("150.010"),
  times ISO 8601 with their offset, values in the form `ports/codec.py` writes.
* **Requests** (client to server): `{"id": 7, "op": "submit", ...arguments}`. `id` is an
  integer the client chooses, unique per connection. The first request on a connection must
  be `hello`.
* **Answers** (server to client), each naming its request: `{"re": 7, "ok": true,
  "result": ...}` or `{"re": 7, "ok": false, "error": {"kind": K, "message": "...",
  "client_id": "..." | null}}` with K one of `rejected` (proved refused: final), `bad_request`
  (the server could not take the request: nothing was done), `internal` (the server failed
  while doing it: outcome unknown). A request may get no answer at all (a lost reply; the
  venue's injected timeouts do exactly that): the client gives up after its timeout and must
  treat the outcome as unknown.
* **Pushes** (server to client, once the connection said hello), in the order things happen:
  `{"push": "update", "update": OrderUpdate}`, `{"push": "touch", "touch": PriceTouch}`,
  `{"push": "bar", "bar": LiveBar}`, `{"push": "feed", "state": "live" | "ended" | ...,
  "detail": "..."}`. A push caused by a request (the ACCEPTED of a submit) is written before
  that request's answer. Nothing is replayed to a new connection: read the reports.

Operations and their results:

| op | arguments | result |
| --- | --- | --- |
| `hello` | `version` | `{version, venue, profile, symbol, feed, detail, seq}` |
| `submit` | `order` | null |
| `cancel` | `client_id` | null |
| `amend` | `client_id`, `price`, `trigger`, `qty` (each null or a string) | null |
| `watch` / `unwatch` | `watch_id` (+ `side`, `level`) | null |
| `lookup` | `client_id` | OrderReport or null (the venue has no such order) |
| `open_orders` | | [OrderReport] |
| `positions` | | [PositionReport] |
| `fills_since` | `cursor` (string or null) | FillBatch `{fills, cursor}` |
| `account` | | AccountSnapshot |
| `quote` | | Quote or null |
| `ping` | | `{seq}`: the venue's last report number |
| `history` | `bars` | the last `bars` bars delivered, oldest first (a starting bot's warm-up) |
"""

from __future__ import annotations

import json
from typing import Any, Final

PROTOCOL_VERSION: Final = 1
VENUE_NAME: Final = "tradeplan-paper"
MAX_LINE: Final = 1 << 20

REJECTED: Final = "rejected"
BAD_REQUEST: Final = "bad_request"
INTERNAL: Final = "internal"

COMMANDS: Final = frozenset({"submit", "cancel", "amend", "watch", "unwatch"})
QUERIES: Final = frozenset(
    {"lookup", "open_orders", "positions", "fills_since", "account", "quote", "ping", "history"}
)


class WireError(ValueError):
    """A line that is not a message of this protocol."""


def encode(message: dict[str, Any]) -> bytes:
    return (json.dumps(message, separators=(",", ":"), ensure_ascii=False) + "\n").encode()


def decode(line: bytes) -> dict[str, Any]:
    if len(line) > MAX_LINE:
        raise WireError(f"a line of more than {MAX_LINE} bytes")
    try:
        message = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WireError(f"not JSON: {exc}") from None
    if not isinstance(message, dict):
        raise WireError("a message is a JSON object")
    return message


def answer(request_id: int, result: Any) -> dict[str, Any]:
    return {"re": request_id, "ok": True, "result": result}


def failure(
    request_id: int | None, kind: str, message: str, client_id: str | None = None
) -> dict[str, Any]:
    return {
        "re": request_id,
        "ok": False,
        "error": {"kind": kind, "message": message, "client_id": client_id},
    }


__all__ = [
    "BAD_REQUEST",
    "COMMANDS",
    "INTERNAL",
    "MAX_LINE",
    "PROTOCOL_VERSION",
    "QUERIES",
    "REJECTED",
    "VENUE_NAME",
    "WireError",
    "answer",
    "decode",
    "encode",
    "failure",
]
