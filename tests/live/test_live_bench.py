"""`bench/live_bench.py --quick` runs and prints every figure with its target, so the bench
cannot rot unseen while the live runtime changes under it (the figures themselves are the
bench's business, not a test's: a shared machine makes timings flaky)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from live_harness import ROOT


def test_the_quick_live_bench_prints_every_figure_with_its_target(tmp_path: Path) -> None:
    # In memory where there is some: a busy disk's fsyncs would make this slow, not wrong.
    shm = Path("/dev/shm")
    folder = shm if shm.is_dir() and os.access(shm, os.W_OK) else tmp_path
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "live_bench.py"), "--quick", "--dir", str(folder)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    targets = re.findall(r"\(target ([^:]+): (met|NOT met)", out)
    assert [t for t, _ in targets] == ["p99 < 1 ms", "p99 < 300 ms", "< 2 s"], out
    assert re.search(r"closed bar -> order submitted.*: [\d,]+ events", out), out
    parts = (
        "whole (bar in -> venue submit)",  # timed to the outbox's send: never negative
        "signal (SignalFeed.push_row)",
        "store: intent written",
        "gate, commit, records (outbox)",
        "quiet bar",
    )
    for part in parts:
        assert re.search(re.escape(part) + r"\s+p50\s+[\d.]+ us\s+p99\s+[\d.]+ us", out), out
    assert re.search(r"ratio live / streamed backtest\s+[\d.]+x", out), out
    assert re.search(r"\d+ reloads after [\d,]+ bars seen", out), out
    restart = re.search(r"restart with (\d+) open positions and (\d+) working orders", out)
    assert restart is not None and restart.groups() == ("50", "200"), out
    assert "in sync: True" in out, out
