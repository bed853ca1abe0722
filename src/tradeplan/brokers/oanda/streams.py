"""A stream that reconnects: OANDA's pricing and transaction streams both run in one of these.

OANDA streams are chunked HTTP responses with one JSON object per line, heartbeats included
(every 5 s). The SDK yields the lines (`iter_lines`); a dropped connection raises from inside
that loop, and a silent one only stops yielding, so the loop also sets a read timeout (a few
heartbeats long) on its own session: no line for that long means the connection is dead and
is opened again. Reconnects back off (`backoff`: first and last delay, doubling), and the owner
hears `on_up` when a new connection yields its first line and `on_down` when it is lost. The
streams do not replay what was missed: the owner reads that back over REST (LIVE.md).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

from tradeplan.brokers.oanda.client import NoAnswer, Refused, Rest
from tradeplan.brokers.oanda.config import OandaConfig

log = logging.getLogger(__name__)

Message = dict[str, Any]


class StreamLoop:
    """`make_request()` builds the SDK's stream request; `on_message` gets each object."""

    def __init__(
        self,
        name: str,
        config: OandaConfig,
        make_request: Callable[[], Any],
        on_message: Callable[[Message], None],
        on_up: Callable[[], None],
        on_down: Callable[[str], None],
        *,
        read_timeout: float,
        connect_timeout: float,
        backoff: tuple[float, float] = (0.05, 5.0),
    ) -> None:
        self.name = name
        self._config = config
        self._make_request = make_request
        self._on_message = on_message
        self._on_up = on_up
        self._on_down = on_down
        self._timeouts = (connect_timeout, read_timeout)
        self._backoff = backoff
        self._stop = threading.Event()
        self._up = False
        self._told = threading.Event()  # on_up has returned for the current connection
        self._thread = threading.Thread(target=self._run, name=f"oanda-{name}", daemon=True)

    @property
    def up(self) -> bool:
        return self._up

    def wait_told(self, timeout: float) -> bool:
        """Wait until a connection is up and its owner has heard so."""
        return self._told.wait(timeout)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        delay = self._backoff[0]
        while not self._stop.is_set():
            rest = Rest(self._config, self._timeouts)
            reason = "the stream ended"
            try:
                for message in self._lines(rest):
                    if self._stop.is_set():
                        return
                    if not self._up:
                        self._up = True
                        delay = self._backoff[0]
                        self._on_up()
                        self._told.set()
                    self._on_message(message)
            except Refused as exc:
                reason = exc.reason
            except NoAnswer as exc:
                reason = str(exc)
            except Exception as exc:  # a broken chunk, a reset: the connection is gone
                reason = f"connection lost ({type(exc).__name__})"
            finally:
                rest.close()
            if self._stop.is_set():
                return
            if self._up:
                self._up = False
                self._told.clear()
                self._on_down(reason)
            log.info("OANDA %s stream: %s; reconnecting in %.2f s", self.name, reason, delay)
            if self._stop.wait(delay):
                return
            delay = min(delay * 2, self._backoff[1])

    def _lines(self, rest: Rest) -> Iterator[Message]:
        # The SDK sends a stream request lazily, on the first `next`: its errors come from
        # the iteration, so they are sorted here as `Rest.send` sorts a REST call's.
        import requests
        from oandapyV20.exceptions import V20Error

        request = self._make_request()
        try:
            yield from rest.api.request(request)
        except V20Error as exc:
            status = int(exc.code)
            if 400 <= status < 500:
                raise Refused(status, {}, f"{request}: HTTP {status}") from None
            raise NoAnswer(f"HTTP {status}") from None
        except requests.RequestException as exc:
            raise NoAnswer(f"connection lost ({type(exc).__name__})") from None


__all__ = ["Message", "StreamLoop"]
