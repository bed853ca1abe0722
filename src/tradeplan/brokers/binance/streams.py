"""One WebSocket stream in a daemon thread that reconnects with exponential backoff.

The SDK's `ThreadedWebsocketManager` runs a non-daemon thread whose `stop()` takes about 10 s
(BROKERS.md), too slow for a bot that restarts and for tests; this uses the `websockets` sync
client instead (REST stays on the SDK). Frames are handled in the reader thread, in the order
Binance sent them; `handled` counts them per connection (what a test waits on).
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


class Stream:
    """`url()` is asked before each connection (a user stream's listenKey may change);
    `on_up(reconnect)` runs once connected, before any frame is read (a catch-up goes
    there); `on_down(reason)` when the connection is lost; `idle()` every `poll` seconds."""

    def __init__(
        self,
        name: str,
        url: Callable[[], str | None],
        on_frame: Callable[[dict[str, Any]], None],
        on_up: Callable[[bool], None],
        on_down: Callable[[str], None],
        *,
        idle: Callable[[], None] = lambda: None,
        backoff: tuple[float, float] = (0.5, 30.0),
        open_timeout: float = 10.0,
        poll: float = 0.2,
    ) -> None:
        self.name = name
        self._url, self._on_frame, self._on_up, self._on_down = url, on_frame, on_up, on_down
        self._idle = idle
        self._backoff = backoff
        self._open_timeout = open_timeout
        self._poll = poll
        self._stop = threading.Event()
        self._ws: Any = None
        self._lock = threading.Lock()
        self.connected = threading.Event()
        self.handled = 0
        self._thread = threading.Thread(target=self._run, name=f"binance-{name}", daemon=True)

    def start(self) -> None:
        if not self._thread.is_alive() and not self._stop.is_set():
            self._thread.start()

    @property
    def started(self) -> bool:
        return self._thread.is_alive()

    def reconnect(self) -> None:
        """Drop the connection now (a dead listenKey); the thread connects again."""
        with self._lock:
            ws = self._ws
        if ws is not None:
            with contextlib.suppress(Exception):  # already closing
                ws.close()

    def stop(self, timeout: float = 1.0) -> None:
        self._stop.set()
        self.reconnect()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def _run(self) -> None:
        from websockets.exceptions import ConnectionClosed
        from websockets.sync.client import connect

        delay = self._backoff[0]
        ever = False
        while not self._stop.is_set():
            try:
                url = self._url()
                if url is None:
                    raise OSError("no stream address yet")
                ws = connect(
                    url,
                    open_timeout=self._open_timeout,
                    close_timeout=0.1,
                    compression=None,
                    proxy=None,
                    max_size=2**22,
                    legacy=True,
                )
            except Exception as exc:  # refused, timed out, bad key: try again later
                log.info("binance %s stream: connect failed (%s)", self.name, type(exc).__name__)
                self._idle()
                if self._stop.wait(delay):
                    return
                delay = min(delay * 2, self._backoff[1])
                continue
            with self._lock:
                self._ws = ws
            self.handled = 0
            try:
                self.connected.set()
                self._on_up(ever)
                ever = True
                delay = self._backoff[0]
                while not self._stop.is_set():
                    try:
                        raw = ws.recv(timeout=self._poll)
                    except TimeoutError:
                        self._idle()
                        continue
                    try:
                        frame = json.loads(raw)
                    except ValueError:
                        log.warning("binance %s stream: a frame that is not JSON", self.name)
                        continue
                    if isinstance(frame, dict) and "data" in frame and "stream" in frame:
                        frame = frame["data"]  # the combined-stream envelope
                    if isinstance(frame, dict):
                        try:
                            self._on_frame(frame)
                        except Exception:
                            log.exception(
                                "binance %s stream: a frame could not be handled", self.name
                            )
                    self.handled += 1
            except ConnectionClosed:
                pass
            except Exception:
                log.exception("binance %s stream failed", self.name)
            finally:
                self.connected.clear()
                with self._lock:
                    self._ws = None
                with contextlib.suppress(Exception):
                    ws.close()
            if not self._stop.is_set():
                self._on_down(f"{self.name} stream lost")
                if self._stop.wait(delay):
                    return
                delay = min(delay * 2, self._backoff[1])


__all__ = ["Stream"]
