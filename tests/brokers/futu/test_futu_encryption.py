"""FUTU_RSA_KEY: the connection encrypted as OpenD does it (RSA for the handshake, AES after).

The SDK's encryption switch is process-wide (`SysConfig`), so the encrypted session runs in a
child process: the fake OpenD with the key, and the adapter given the same key file."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parents[2] / "src"

CHILD = textwrap.dedent(
    """
    import sys
    from decimal import Decimal
    from pathlib import Path
    from Crypto.PublicKey import RSA
    from futu_fake_opend import FakeOpenD
    from futu_rig import CODE, FLAT, PASSWORD_MD5, environ, make_broker
    from tradeplan.core.enums import OrderType, Side
    from tradeplan.orders.model import Order

    key = RSA.generate(1024)
    pem = key.export_key("PEM", pkcs=1)
    path = Path(sys.argv[1]) / "opend_rsa.pem"
    path.write_bytes(pem)
    venue = FakeOpenD((FLAT, ("150.00", "150.00", "149.00", "149.50")), code=CODE,
                      password_md5=PASSWORD_MD5, rsa_private_pem=pem)
    host, port = venue.start()
    broker = make_broker(venue, host, port, env={"FUTU_RSA_KEY": str(path)})
    seen = []
    class Listener:
        def on_order_update(self, update): seen.append(update.kind.value)
        def on_price_touch(self, touch): pass
    broker.connect(Listener())
    broker.submit(Order("secret-remark-1", Side.BUY, OrderType.LIMIT, Decimal(5), price=Decimal("149.80")))
    venue.step(2)
    import time; time.sleep(0.3)
    assert broker.lookup("secret-remark-1").status.value == "filled", seen
    broker.close(); venue.close()
    assert venue.raw_bodies and not any(b"secret-remark-1" in raw for raw in venue.raw_bodies)
    print(",".join(seen))
    """
)


def test_an_encrypted_session_trades_and_sends_nothing_in_clear(tmp_path: Path) -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), str(HERE)])
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip() == "accepted,filled"
