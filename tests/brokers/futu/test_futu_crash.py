"""The live crash test, short, against the Futu adapter: `tradeplan run ... --broker futu` killed
with SIGKILL at random moments while the fake OpenD's market runs on, restarted on the same
state each time, then stopped: no order was placed twice (one venue order per remark), and the
store's position is the venue's."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
from datetime import datetime
from decimal import Decimal as D
from pathlib import Path
from time import sleep

from futu_fake_opend import FakeOpenD
from futu_rig import PASSWORD_MD5
from test_futu_cli_run import DIP, FALL, FLAT, HOLD, RISE, TOUCH, Bot, futu_env

ROOT = Path(__file__).resolve().parents[3]
DEEP = ("146.00", "146.00", "144.50", "145.00")  # fills the entry the fall signalled
CYCLE = (FLAT,) * 8 + (DIP, TOUCH, RISE, HOLD, FALL, DEEP) + (FLAT,) * 6


def test_a_bot_killed_at_random_moments_places_nothing_twice(tmp_path: Path) -> None:
    venue = FakeOpenD(
        CYCLE * 12,
        code="US.NVDA",
        password_md5=PASSWORD_MD5,
        spread=D(0),
        start=datetime(2025, 1, 6, 9, 30),
        history=(FLAT,) * 60,
    )
    _, port = venue.start()
    state = tmp_path / "state"
    chance = random.Random(7)
    done = threading.Event()

    def market() -> None:  # a bar every 40 ms, whether a bot listens or not
        while not done.is_set() and venue.row < len(venue.bars):
            venue.step(1)
            sleep(0.04)
        done.set()

    kills = 0
    try:
        bot = Bot(venue, port, state, tmp_path / "run-0.log")
        ticker = threading.Thread(target=market, daemon=True)
        ticker.start()
        while not done.is_set():
            sleep(chance.uniform(0.5, 1.5))
            if done.is_set():
                break
            bot.process.kill()  # SIGKILL: no goodbye, no stand-down
            bot.process.wait(10)
            bot.err.close()
            kills += 1
            bot = Bot(venue, port, state, tmp_path / f"run-{kills}.log")
        ticker.join(30)
        sleep(1.0)  # the last bars and fills reach the bot
        bot.stop()
        status = subprocess.run(
            [sys.executable, "-m", "tradeplan", "status", "--state", str(state), "--json"],
            capture_output=True,
            text=True,
            env=futu_env(port),
            timeout=60,
            check=True,
        )
    finally:
        done.set()
        venue.close()
    print(f"kills {kills}, venue orders {len(venue.orders)}, fills {len(venue.fills)}")
    assert kills >= 3, "the bot was killed while it ran"
    remarks = [o.remark for o in venue.orders]
    assert len(remarks) == len(set(remarks)), "an intent was placed twice"
    assert len(venue.fills) >= 6, "the session traded"
    shown = json.loads(status.stdout)["strategies"]["nvda-protect"]
    assert shown["in_sync"] is True
    held = sum((D(p["qty"]) for p in shown["positions"]), D(0))
    at_venue = sum((f.qty if f.order.side == 1 else -f.qty for f in venue.fills), D(0))
    print(f"position: store {held}, venue {at_venue}; positions {shown['positions']}")
    assert held == at_venue
