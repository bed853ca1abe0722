"""The crash test of issue 9, short: a bot killed with SIGKILL ten times loses and doubles nothing.

bench/crash_bench.py is the whole test (100 kills by default, run it by hand or in a bench job);
this is its fast subset for `make test`: the same scripted session (a paper venue in its own
process, three strategies on one bot), killed at random moments, restarted each time on the same
state store, then run to the end of the feed, and the venue's account compared with the store.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
from crash_bench import crash_session  # noqa: E402


def test_a_bot_killed_at_random_moments_keeps_broker_and_store_in_step(tmp_path: Path) -> None:
    outcome = crash_session(tmp_path, kills=10, seed=11, rows=20_000, speed=20_000 * 60 / 13)
    print("\n".join(outcome.lines()))
    assert outcome.kills >= 8, "the bot was killed while it ran"
    assert outcome.venue_orders > 10 and outcome.fills > 3, "the session traded"
    assert outcome.problems == []
