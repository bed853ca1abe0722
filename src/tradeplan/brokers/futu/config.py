"""Settings from the environment (never from a strategy file), checked before anything connects.

The trading password is hashed at once: only its MD5 (what Futu's `unlock_trade` sends) is
kept, and no message ever quotes either. `FUTU_TRD_ENV=simulate` trades the paper account,
which needs no unlock; `real` needs the password.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tradeplan.core.enums import Session
from tradeplan.ports.adapters import AdapterConfigError

_MD5 = re.compile(r"^[0-9a-fA-F]{32}$")


@dataclass(frozen=True, slots=True)
class FutuConfig:
    host: str
    port: int
    trd_env: str  # "REAL" or "SIMULATE", the SDK's words
    password_md5: str = field(default="", repr=False)
    rsa_key: Path | None = None
    default_session: Session | None = None
    acc_id: int = 0  # 0: the first account of the environment, as the SDK picks

    @property
    def real(self) -> bool:
        return self.trd_env == "REAL"


def config_from_env(environ: Mapping[str, str]) -> FutuConfig:
    host = environ.get("FUTU_HOST", "127.0.0.1").strip() or "127.0.0.1"
    port_text = environ.get("FUTU_PORT", "11111").strip()
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise AdapterConfigError(
            "FUTU_PORT must be FutuOpenD's API port, a number from 1 to 65535 (OpenD's default "
            "is 11111)"
        )
    env_text = environ.get("FUTU_TRD_ENV", "").strip().lower()
    if env_text not in ("simulate", "real"):
        # Never a default: which account trades is the user's choice, said out loud.
        raise AdapterConfigError(
            "set FUTU_TRD_ENV to 'simulate' (Futu's paper account) or 'real' (with "
            "FUTU_TRADE_PASSWORD_MD5 or FUTU_TRADE_PASSWORD)"
        )
    md5 = _password_md5(environ)
    if env_text == "real" and not md5:
        raise AdapterConfigError(
            "FUTU_TRD_ENV=real needs the trading password: set FUTU_TRADE_PASSWORD_MD5 (the MD5 "
            "of the password, 32 hex digits) or FUTU_TRADE_PASSWORD"
        )
    rsa_text = environ.get("FUTU_RSA_KEY", "").strip()
    rsa_key = Path(rsa_text).expanduser() if rsa_text else None
    if rsa_key is not None and not rsa_key.is_file():
        raise AdapterConfigError(
            "FUTU_RSA_KEY must name the RSA private key file FutuOpenD was given "
            "(the file does not exist)"
        )
    session_text = environ.get("FUTU_SESSION", "").strip().lower()
    session = None
    if session_text:
        try:
            session = Session(session_text)
        except ValueError:
            raise AdapterConfigError("FUTU_SESSION must be rth, eth or all") from None
    acc_text = environ.get("FUTU_ACC_ID", "").strip()
    if acc_text and not acc_text.isdigit():
        raise AdapterConfigError(
            "FUTU_ACC_ID must be the account id OpenD lists (digits), or unset for the first "
            "account of FUTU_TRD_ENV"
        )
    return FutuConfig(
        acc_id=int(acc_text or 0),
        host=host,
        port=int(port_text),
        trd_env="REAL" if env_text == "real" else "SIMULATE",
        password_md5=md5,
        rsa_key=rsa_key,
        default_session=session,
    )


def _password_md5(environ: Mapping[str, str]) -> str:
    given = environ.get("FUTU_TRADE_PASSWORD_MD5", "").strip()
    if given:
        if not _MD5.match(given):
            raise AdapterConfigError(
                "FUTU_TRADE_PASSWORD_MD5 must be 32 hex digits (the MD5 of the trading password); "
                "or set FUTU_TRADE_PASSWORD instead"
            )
        return given.lower()
    password = environ.get("FUTU_TRADE_PASSWORD", "")
    if password:
        return hashlib.md5(password.encode("utf-8")).hexdigest()
    return ""


__all__ = ["FutuConfig", "config_from_env"]
