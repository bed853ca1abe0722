"""Setting the adapter up: clear errors for user mistakes, secrets kept out of messages and
logs, the SDK's import side effects contained, and a process that exits when it is done."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
from decimal import Decimal as D
from pathlib import Path
from time import monotonic

import pytest
from futu_fake_opend import SDK_HOME, FakeOpenD
from futu_rig import CODE, FLAT, PASSWORD, PASSWORD_MD5, environ

from tradeplan.brokers.futu import open_live, venue_instruments
from tradeplan.brokers.futu.config import config_from_env
from tradeplan.core.enums import OrderType, Side
from tradeplan.core.instrument import default_instrument
from tradeplan.live.adapters import open_live as open_by_name
from tradeplan.orders.model import Order
from tradeplan.ports.adapters import AdapterConfigError, AdapterRequest
from tradeplan.ports.live import BrokerUnavailable

SRC = Path(__file__).resolve().parents[3] / "src"


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"FUTU_PORT": "eleven", "FUTU_TRD_ENV": "simulate"}, "FUTU_PORT"),
        ({"FUTU_TRD_ENV": "live"}, "FUTU_TRD_ENV"),
        ({}, "set FUTU_TRD_ENV"),
        ({"FUTU_TRD_ENV": "real"}, "FUTU_TRADE_PASSWORD_MD5"),
        ({"FUTU_TRD_ENV": "real", "FUTU_TRADE_PASSWORD_MD5": "secret-not-md5"}, "32 hex digits"),
        ({"FUTU_TRD_ENV": "simulate", "FUTU_RSA_KEY": "/nonexistent/key.pem"}, "FUTU_RSA_KEY"),
        ({"FUTU_TRD_ENV": "simulate", "FUTU_SESSION": "overnight"}, "FUTU_SESSION"),
    ],
)
def test_a_bad_setting_names_the_variable_and_never_its_secret(
    env: dict[str, str], names: str
) -> None:
    with pytest.raises(AdapterConfigError, match=names) as raised:
        config_from_env(env)
    assert "secret-not-md5" not in str(raised.value)


def test_the_password_is_hashed_at_once_and_never_kept() -> None:
    config = config_from_env({"FUTU_TRD_ENV": "real", "FUTU_TRADE_PASSWORD": PASSWORD})
    assert config.password_md5 == PASSWORD_MD5
    assert PASSWORD not in repr(config) and PASSWORD_MD5 not in repr(config)
    assert PASSWORD not in repr(vars(type(config))) and config.real


def test_a_symbol_that_is_no_us_stock_is_a_config_error() -> None:
    request = AdapterRequest(default_instrument("EUR/USD"), 60, {"FUTU_TRD_ENV": "simulate"})
    with pytest.raises(AdapterConfigError, match=r"US\.NVDA"):
        open_live(request)


def test_nothing_listening_is_unavailable_at_once_with_what_to_do() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    request = AdapterRequest(
        default_instrument(CODE), 60, environ("127.0.0.1", port), connect_timeout=2
    )
    started = monotonic()
    with pytest.raises(BrokerUnavailable, match="FUTU_HOST:FUTU_PORT") as raised:
        open_live(request)
    assert monotonic() - started < 2
    assert PASSWORD not in str(raised.value)


def test_a_gateway_that_never_answers_is_unavailable_within_the_connect_timeout() -> None:
    venue = FakeOpenD((FLAT,), code=CODE, password_md5=PASSWORD_MD5)
    host, port = venue.start()
    venue.silent = True
    try:
        request = AdapterRequest(
            default_instrument(CODE), 60, environ(host, port), connect_timeout=0.5
        )
        started = monotonic()
        with pytest.raises(BrokerUnavailable, match="handshake"):
            open_live(request)
        assert monotonic() - started < 2
    finally:
        venue.close()


def test_a_wrong_password_is_refused_with_what_to_set() -> None:
    venue = FakeOpenD((FLAT,), code=CODE, password_md5="0" * 32)
    host, port = venue.start()
    try:
        request = AdapterRequest(
            default_instrument(CODE), 60, environ(host, port), connect_timeout=3
        )
        with pytest.raises(AdapterConfigError, match="FUTU_TRADE_PASSWORD") as raised:
            open_live(request)
        assert PASSWORD not in str(raised.value) and PASSWORD_MD5 not in str(raised.value)
    finally:
        venue.close()


def test_the_adapter_by_name_trades_and_never_logs_the_password(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    venue = FakeOpenD((FLAT,) * 2, code=CODE, password_md5=PASSWORD_MD5)
    host, port = venue.start()
    try:
        request = AdapterRequest(default_instrument(CODE), 60, environ(host, port))
        broker = open_by_name("futu", request)
        try:
            broker.submit(Order("named", Side.BUY, OrderType.MARKET, D(2)))
            venue.step(1)
            assert broker.profile.name == "futu" and broker.profile.is_native(
                OrderType.TRAILING_STOP_LIMIT
            )
            assert broker.account().currency == "USD"
        finally:
            broker.close()
    finally:
        venue.close()
    logged = caplog.text + "".join(
        p.read_text(errors="replace") for p in Path(SDK_HOME).rglob("*.log")
    )
    assert "Send: conn=" in logged  # the SDK did log, to its file
    assert PASSWORD not in logged and PASSWORD_MD5 not in logged


def test_venue_instruments_reads_the_lot_size_without_a_password() -> None:
    venue = FakeOpenD((FLAT,), code=CODE, lot_size=1)
    host, port = venue.start()
    try:
        env = {"FUTU_HOST": host, "FUTU_PORT": str(port), "HOME": SDK_HOME}
        (nvda,) = venue_instruments([CODE], env, 3)
        assert (nvda.symbol, nvda.step, nvda.tick) == (CODE, D(1), D("0.01"))
        assert ("lot_size", "1") in nvda.facts
        with pytest.raises(BrokerUnavailable, match=r"US\.AAPL"):
            venue_instruments(["US.AAPL"], env, 3)
    finally:
        venue.close()


def test_importing_the_package_does_not_import_the_sdk() -> None:
    code = "import sys, tradeplan.brokers.futu; print('futu' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "False"


CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from decimal import Decimal
    from tradeplan.brokers.futu import open_live
    from tradeplan.core.instrument import default_instrument
    from tradeplan.ports.adapters import AdapterRequest
    assert "HOME" not in os.environ
    env = {"FUTU_HOST": "127.0.0.1", "FUTU_PORT": sys.argv[1], "FUTU_TRD_ENV": "real",
           "FUTU_TRADE_PASSWORD": sys.argv[2]}
    broker = open_live(AdapterRequest(default_instrument("US.NVDA"), 60, env))
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler, "SIGINT replaced"
    assert "HOME" not in os.environ, "HOME changed"
    broker.positions()
    broker.close()
    sys.stderr.write("closed\\n")
    """
)


def test_a_process_with_no_home_opens_and_closes_the_adapter_and_exits_promptly(
    tmp_path: Path,
) -> None:
    venue = FakeOpenD((FLAT,), code=CODE, password_md5=PASSWORD_MD5)
    _, port = venue.start()
    env = {k: v for k, v in os.environ.items() if k != "HOME"}
    env["PYTHONPATH"] = str(SRC)
    env["TMPDIR"] = str(tmp_path)
    try:
        started = monotonic()
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(port), PASSWORD],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            cwd=tmp_path,
        )
        elapsed = monotonic() - started
    finally:
        venue.close()
    assert out.returncode == 0, out.stderr
    assert out.stdout == ""  # the SDK's console log is off
    assert "closed" in out.stderr and elapsed < 20
    logs = list(tmp_path.rglob("*.log"))  # the SDK's log went to a private temp folder
    assert logs and all(PASSWORD not in p.read_text(errors="replace") for p in logs)


def test_the_sdk_import_left_sigint_and_home_alone_here() -> None:
    # This process imported the SDK (through the fake) on the main thread.
    if threading.current_thread() is threading.main_thread():
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert os.environ.get("HOME") != SDK_HOME
    assert sys.path[-1].endswith("futu/common/pb") or not any(
        p.endswith("futu/common/pb") for p in sys.path[:-1]
    )


def test_a_bar_length_futu_has_no_k_line_for_is_a_config_error() -> None:
    request = AdapterRequest(
        default_instrument(CODE), 120, {"FUTU_TRD_ENV": "simulate", "HOME": SDK_HOME}
    )
    with pytest.raises(AdapterConfigError, match="one-minute bars"):
        open_live(request)


def test_opening_and_closing_leaves_no_thread_behind() -> None:
    from time import sleep

    from futu_rig import rig

    with rig():
        pass  # the SDK's one network thread exists from here on (a process-wide singleton)
    sleep(0.5)
    before = {t.ident for t in threading.enumerate()}
    for _ in range(5):
        with rig() as r:
            r.step(1)
    deadline = monotonic() + 5
    while {t.ident for t in threading.enumerate()} - before and monotonic() < deadline:
        sleep(0.05)
    left = [t.name for t in threading.enumerate() if t.ident not in before]
    assert left == []
