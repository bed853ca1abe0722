"""Crash test of the live runtime: a bot killed with SIGKILL at random moments, restarted each time.

    .venv/bin/python bench/crash_bench.py [--kills 100] [--seed 7]

A paper venue runs as its own process (`tradeplan paper serve`), as a broker does, replaying two
weeks of USD/JPY minutes fast. A bot (`tradeplan run --broker paper --venue ...`) trades three
strategies on it (a grid, an entry rule with break-even and time exits, a repeating rule) and is
killed with SIGKILL at random moments: while it sends, while fills arrive, while it writes its
state, while it starts up and reconciles. It is started again each time on the same state
folder. After the last kill it runs to the end of the feed. Then the venue's account and the
bot's state store are compared:

* no duplicate orders: every order at the venue has its intent in the store (committed before
  it was sent), and no owner ever held more than it should (a grid slot one position of its
  units, an entry rule one position);
* no lost or doubled position: the venue's net position is the strategies' positions summed;
* every open position has its protective exits working at the venue;
* the state matches the broker: the store's working orders are the venue's open orders.

It prints the counts. `make test` runs a short version of it (tests/live/test_crash.py).
"""

from __future__ import annotations

import argparse
import gzip
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STRATEGIES = ("usdjpy-grid.yaml", "breakeven-timeexit.yaml", "usdjpy-repeat.yaml")
TRADEPLAN = [sys.executable, "-m", "tradeplan"]


@dataclass
class Outcome:
    kills: int = 0
    starts: int = 0
    venue_orders: int = 0
    fills: int = 0
    open_positions: int = 0
    working_orders: int = 0
    problems: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"kills (SIGKILL)          {self.kills}",
            f"bot starts               {self.starts}",
            f"orders at the venue      {self.venue_orders}",
            f"fills                    {self.fills}",
            f"open positions at end    {self.open_positions}",
            f"working orders at end    {self.working_orders}",
            f"duplicate orders         {sum('duplicate' in p for p in self.problems)}",
            f"lost/doubled positions   {sum('position' in p for p in self.problems)}",
            f"unprotected positions    {sum('unprotected' in p for p in self.problems)}",
            f"store != broker          {sum('differ' in p for p in self.problems)}",
        ]


def write_feed(path: Path, rows: int) -> None:
    with gzip.open(ROOT / "data" / "usdjpy_1m_2025.csv.gz", "rt", encoding="utf-8") as source:
        lines = [next(source) for _ in range(rows + 1)]
    path.write_text("".join(lines), encoding="utf-8")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    return env


def start_venue(feed: Path, speed: float, log: Path) -> tuple[subprocess.Popen[str], int]:
    venue = subprocess.Popen(
        [
            *TRADEPLAN,
            "paper",
            "serve",
            "--feed",
            str(feed),
            "--strategy",
            str(ROOT / "strategies" / STRATEGIES[0]),
            "--speed",
            str(speed),
            "--port",
            "0",
            "--start-on-connect",
        ],
        stdout=subprocess.PIPE,
        stderr=log.open("w"),
        text=True,
        env=_env(),
    )
    assert venue.stdout is not None
    first = venue.stdout.readline()
    if "127.0.0.1:" not in first:
        venue.kill()
        raise RuntimeError(f"the venue did not start: {first!r} (see {log})")
    port = int(first.split("127.0.0.1:")[1].split(":")[0].split()[0].rstrip(","))
    return venue, port


def bot(port: int, state: Path, out: Path, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            *TRADEPLAN,
            "run",
            *(str(ROOT / "strategies" / name) for name in STRATEGIES),
            "--broker",
            "paper",
            "--venue",
            f"127.0.0.1:{port}",
            "--state",
            str(state),
            "--out",
            str(out),
            "--quiet",
            "--no-reload",
        ],
        stdout=subprocess.DEVNULL,
        stderr=log.open("a"),
        env=_env(),
    )


def crash_session(work: Path, *, kills: int, seed: int, rows: int, speed: float) -> Outcome:
    rng = random.Random(seed)
    work.mkdir(parents=True, exist_ok=True)
    feed, state, out = work / "feed.csv", work / "state", work / "out"
    write_feed(feed, rows)
    venue, port = start_venue(feed, speed, work / "venue.log")
    outcome = Outcome()
    try:
        for _ in range(kills):
            process = bot(port, state, out, work / "bot.log")
            outcome.starts += 1
            time.sleep(rng.uniform(0.2, 1.6))
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                outcome.kills += 1
            process.wait()
        process = bot(port, state, out, work / "bot.log")
        outcome.starts += 1
        code = process.wait(timeout=600)
        if code != 0:
            outcome.problems.append(f"the last run exited {code} (see {work / 'bot.log'})")
        check(port, state, outcome)
    finally:
        venue.send_signal(signal.SIGTERM)
        try:
            venue.wait(timeout=10)
        except subprocess.TimeoutExpired:
            venue.kill()
    return outcome


def check(port: int, state: Path, outcome: Outcome) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    from tradeplan.brokers.paper.remote import RemotePaperBroker
    from tradeplan.core.enums import Side
    from tradeplan.live.store import StateStore
    from tradeplan.runtime.engine_state import from_json

    broker = RemotePaperBroker("127.0.0.1", port)
    try:
        fills = broker.fills_since(None).fills
        open_orders = broker.open_orders()
        venue_position = sum((p.qty for p in broker.positions()), Decimal(0))
    finally:
        broker.close()
    store = StateStore.open(state)
    try:
        intents = {}
        ours = Decimal(0)
        working: set[str] = set()
        for name in store.strategies():
            for intent in store.intents(name):
                intents[intent.client_id] = intent
            held = store.engine_state(name)
            if held is None:
                continue
            engine = from_json(held[0])
            for position in engine.positions:
                outcome.open_positions += 1
                ours += position.qty if position.side is Side.BUY else -position.qty
                protected = any(
                    w.owner == position.owner and w.order.reduce_only for w in engine.orders
                )
                if not protected:
                    outcome.problems.append(f"{name}: {position.owner}'s position is unprotected")
            working |= {w.order.id for w in engine.orders}
    finally:
        store.close()
    seen = {f.client_id for f in fills} | {o.client_id for o in open_orders}
    outcome.venue_orders = len(seen)
    outcome.fills = len(fills)
    outcome.working_orders = len(open_orders)
    for client_id in sorted(seen - set(intents)):
        outcome.problems.append(f"duplicate or unrecorded order {client_id}: no intent for it")
    # An owner holds at most one position: its fills never build more than one entry's size.
    by_owner: dict[str, Decimal] = {}
    peaks: dict[str, Decimal] = {}
    for fill in fills:
        intent = intents.get(fill.client_id)
        if intent is None:
            continue
        signed = fill.qty if fill.side is Side.BUY else -fill.qty
        held_qty = by_owner.get(intent.owner, Decimal(0)) + signed
        by_owner[intent.owner] = held_qty
        peaks[intent.owner] = max(peaks.get(intent.owner, Decimal(0)), abs(held_qty))
    for owner, peak in peaks.items():
        entry_size = max(
            (i.order.qty for i in intents.values() if i.owner == owner and i.order.tag
             and i.order.tag.opens),
            default=Decimal(0),
        )  # fmt: skip
        if peak > entry_size:
            outcome.problems.append(f"{owner}: duplicate entry, a position of {peak} held")
    if ours != venue_position:
        outcome.problems.append(f"position: the store holds {ours}, the venue {venue_position}")
    venue_open = {o.client_id for o in open_orders}
    if working != venue_open:
        extra, missing = sorted(working - venue_open), sorted(venue_open - working)
        outcome.problems.append(
            f"working orders differ: store only {extra[:5]}, venue only {missing[:5]}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rows", type=int, default=40_000, help="bars of the feed")
    parser.add_argument("--work", default="out/crash-bench", help="scratch folder")
    args = parser.parse_args()
    work = Path(args.work)
    if work.exists():
        import shutil

        shutil.rmtree(work)
    # The feed lasts about as long as the kills take (1 s each on average), so they fall all
    # along it.
    seconds = max(args.kills * 1.3, 10.0)
    speed = args.rows * 60 / seconds
    began = time.perf_counter()
    outcome = crash_session(work, kills=args.kills, seed=args.seed, rows=args.rows, speed=speed)
    print(f"crash test: {args.rows} one-minute bars at speed {speed:.0f}, seed {args.seed}")
    for line in outcome.lines():
        print("  " + line)
    print(f"  wall time                {time.perf_counter() - began:.1f} s")
    for problem in outcome.problems:
        print("  PROBLEM: " + problem)
    return 1 if outcome.problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
