"""Connections to FutuOpenD through the SDK's contexts, with the knobs the SDK hides.

An SDK context's constructor retries forever (every 6 s) when nothing answers, a query waits 12
to 20 s for a reply, and a lost connection is retried every 6 s. The adapter needs its own
deadlines: the port is probed first, the context is built in a thread given `timeout` (told to
stop retrying when it runs out: `BrokerUnavailable`), and the answer timeout and reconnect
interval are set on each context. `on_link(up)` hears every disconnect and reconnect.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Mapping
from typing import Any

from tradeplan.brokers.futu.config import FutuConfig
from tradeplan.brokers.futu.sdk import load_sdk
from tradeplan.ports.live import BrokerUnavailable

LinkListener = Callable[[bool], None]


def probe(config: FutuConfig, timeout: float) -> None:
    try:
        with socket.create_connection((config.host, config.port), timeout=timeout):
            pass
    except OSError as exc:
        raise BrokerUnavailable(
            f"nothing answers at FUTU_HOST:FUTU_PORT ({config.host}:{config.port}): start "
            f"FutuOpenD and log it in, or fix the address ({type(exc).__name__})"
        ) from None


def _classes(futu: Any) -> tuple[type, type]:
    def tune(ctx: Any) -> None:
        ctx._query_timeout = ctx._tp_answer_timeout
        ctx._reconnect_interval = ctx._tp_reconnect
        ctx._sync_query_connect_timeout = ctx._tp_answer_timeout

    class Mixin:
        _tp_stop: threading.Event
        _tp_link: LinkListener | None
        _tp_answer_timeout: float
        _tp_reconnect: float

        def _init_connect_sync(self) -> int:
            tune(self)
            if self._tp_stop.is_set():
                self._auto_reconnect = False
                return -1
            return super()._init_connect_sync()  # type: ignore[misc,no-any-return]

        def _wait_reconnect(self, wait_reconnect_interval: float = 6) -> None:
            # The SDK waits a fixed 6 s before its first reconnect attempt after a drop.
            super()._wait_reconnect(min(wait_reconnect_interval, self._tp_reconnect))  # type: ignore[misc]

        def on_api_socket_reconnected(self) -> tuple[int, str]:
            result = super().on_api_socket_reconnected()  # type: ignore[misc]
            if self._tp_link is not None:
                self._tp_link(True)
            return result  # type: ignore[no-any-return]

        def on_disconnect(self, conn_id: int, reason: Any, msg: str) -> None:
            super().on_disconnect(conn_id, reason, msg)  # type: ignore[misc]
            if self._tp_link is not None and not self._tp_stop.is_set():
                self._tp_link(False)

    class Trade(Mixin, futu.OpenSecTradeContext):  # type: ignore[misc]
        pass

    class Quote(Mixin, futu.OpenQuoteContext):  # type: ignore[misc]
        pass

    return Trade, Quote


_CLASSES: tuple[type, type] | None = None


def open_context(
    kind: str,
    config: FutuConfig,
    environ: Mapping[str, str],
    *,
    timeout: float,
    answer_timeout: float,
    reconnect: float,
    on_link: LinkListener | None = None,
) -> Any:
    """A connected SDK context ('trade' for US securities, or 'quote'), or BrokerUnavailable."""
    global _CLASSES
    futu = load_sdk(environ)
    if config.rsa_key is not None:
        futu.SysConfig.enable_proto_encrypt(True)
        futu.SysConfig.set_init_rsa_file(str(config.rsa_key))
    if _CLASSES is None:
        _CLASSES = _classes(futu)
    trade_class, quote_class = _CLASSES
    probe(config, timeout)
    stop = threading.Event()
    made: list[Any] = []
    failed: list[BaseException] = []

    def build() -> None:
        cls = trade_class if kind == "trade" else quote_class
        ctx: Any = object.__new__(cls)
        ctx._tp_stop, ctx._tp_link = stop, None
        ctx._tp_answer_timeout, ctx._tp_reconnect = answer_timeout, reconnect
        try:
            if kind == "trade":
                ctx.__init__(
                    filter_trdmarket=futu.TrdMarket.US,
                    host=config.host,
                    port=config.port,
                    is_encrypt=config.rsa_key is not None or None,
                    security_firm=futu.SecurityFirm.FUTUINC,
                )
            else:
                ctx.__init__(
                    host=config.host,
                    port=config.port,
                    is_encrypt=config.rsa_key is not None or None,
                )
        except BaseException as exc:  # the SDK's own failure, reported below
            failed.append(exc)
            return
        if stop.is_set():
            ctx.close()
            return
        made.append(ctx)

    worker = threading.Thread(target=build, daemon=True, name=f"futu-connect-{kind}")
    worker.start()
    worker.join(timeout)
    if worker.is_alive() or not made:
        stop.set()
        detail = f": {failed[0]}" if failed else ""
        raise BrokerUnavailable(
            f"FutuOpenD at {config.host}:{config.port} did not complete the handshake within "
            f"{timeout:g} s{detail}"
        )
    ctx = made[0]
    if ctx.status != futu.ContextStatus.READY:
        ctx.close()
        raise BrokerUnavailable(f"FutuOpenD at {config.host}:{config.port} refused the connection")
    ctx._tp_link = on_link
    return ctx


def close_context(ctx: Any) -> None:
    ctx._tp_stop.set()
    ctx.close()


__all__ = ["close_context", "open_context", "probe"]
