"""The one place `futu` (futu-api) is imported, with its import side effects contained.

Importing `futu` has effects no library should have (../shared/BROKERS.md): it creates a logger
that writes DEBUG files under `$HOME/.com.futunn.FutuOpenD/Log` (and raises KeyError when HOME
is unset), logs INFO to stdout, appends its protobuf folder to `sys.path` (its generated
modules import each other by bare name, so that entry must stay), replaces the SIGINT handler
with `os._exit(0)` when imported on the main thread, and starts callback threads that are not
daemons, which hang the interpreter at exit. `load_sdk` imports it once with HOME pointed
where the caller says only for the import (the log folder is fixed then), stdout swallowed,
the SIGINT handler put back, console logging off and every SDK thread a daemon.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Mapping
from types import ModuleType

_lock = threading.Lock()
_module: ModuleType | None = None


def sdk_log_home(environ: Mapping[str, str]) -> str:
    """Where the SDK's log folder goes: FUTU_SDK_HOME, else HOME, else a private temp folder
    (the SDK would crash on import without one)."""
    chosen = environ.get("FUTU_SDK_HOME") or environ.get("HOME") or os.environ.get("HOME")
    return chosen or tempfile.mkdtemp(prefix="tradeplan-futu-")


def load_sdk(environ: Mapping[str, str] | None = None) -> ModuleType:
    """`futu`, imported once per process with its side effects contained (module docstring)."""
    global _module
    with _lock:
        if _module is not None:
            return _module
        home = sdk_log_home(environ or os.environ)
        saved_home = os.environ.get("HOME")
        on_main = threading.current_thread() is threading.main_thread()
        saved_sigint = signal.getsignal(signal.SIGINT) if on_main else None
        os.environ["HOME"] = home
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                import futu

                futu.SysConfig.enable_console_log(False)
                futu.SysConfig.set_all_thread_daemon(True)
        finally:
            if saved_home is None:
                os.environ.pop("HOME", None)
            else:
                os.environ["HOME"] = saved_home
            if on_main and saved_sigint is not None:
                signal.signal(signal.SIGINT, saved_sigint)
        _keep_pb_path_last()
        _module = futu
        return _module


def _keep_pb_path_last() -> None:
    # The pb folder holds modules named like common words (Common_pb2, ...); at the end of the
    # path it can never shadow an installed package.
    entries = [p for p in sys.path if p.replace("\\", "/").endswith("futu/common/pb")]
    for entry in entries:
        sys.path.remove(entry)
    sys.path.extend(entries)


__all__ = ["load_sdk", "sdk_log_home"]
