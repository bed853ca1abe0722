"""The golden runs: every bundled strategy on its bundled data, and the tick sample.

Their output files are kept under tests/golden/<case>/ (gzipped CSVs and summary.json) and
`test_golden_outputs.py` checks that a run gives them back byte for byte. The engine redesign
of issue 8 must leave them unchanged, or list each difference with its reason. To record them
again after an intended change: `.venv/bin/python tests/golden/golden_runs.py`, then read the
diff before committing it.
"""

from __future__ import annotations

import gzip
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
FILES = ("trades.csv", "orders.csv", "signals.csv", "alerts.csv")

CASES: dict[str, tuple[str, str]] = {
    "usdjpy-grid": ("strategies/usdjpy-grid.yaml", "data/usdjpy_1m_2025.csv.gz"),
    "usdjpy-repeat": ("strategies/usdjpy-repeat.yaml", "data/usdjpy_1m_2025.csv.gz"),
    "breakeven-timeexit": ("strategies/breakeven-timeexit.yaml", "data/usdjpy_1m_2025.csv.gz"),
    "eurusd-risk": ("strategies/eurusd-risk.yaml", "data/eurusd_1m_2025.csv.gz"),
    "btc-breakout": ("strategies/btc-breakout.yaml", "data/btcusdt_1m_2025.csv.gz"),
    "nvda-protect": ("strategies/nvda-protect.yaml", "data/nvda_1m_2025.csv.gz"),
    "usdjpy-grid-ticks": ("strategies/usdjpy-grid.yaml", "data/usdjpy_ticks_sample.csv.gz"),
    "usdjpy-repeat-ticks": ("strategies/usdjpy-repeat.yaml", "data/usdjpy_ticks_sample.csv.gz"),
}


def run_case(case: str, out: Path) -> dict[str, bytes]:
    """Backtest `case` as `tradeplan backtest` does; the files it writes, by name."""
    from tradeplan import api
    from tradeplan.api_backtest import write_outputs

    strategy, data = CASES[case]
    run = api.backtest(ROOT / strategy, ROOT / data)
    write_outputs(run, out)  # type: ignore[arg-type]
    return {name: (out / name).read_bytes() for name in (*FILES, "summary.json")}


def stored(case: str) -> dict[str, bytes]:
    folder = HERE / case
    found = {name: gzip.decompress((folder / f"{name}.gz").read_bytes()) for name in FILES}
    found["summary.json"] = (folder / "summary.json").read_bytes()
    return found


def record(case: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        files = run_case(case, Path(tmp) / "out")
    folder = HERE / case
    folder.mkdir(exist_ok=True)
    for name, content in files.items():
        if name == "summary.json":
            (folder / name).write_bytes(content)
        else:  # mtime=0: the same content gives the same bytes, so git sees no change
            (folder / f"{name}.gz").write_bytes(gzip.compress(content, 9, mtime=0))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    for name in sys.argv[1:] or CASES:
        record(name)
        print(f"recorded {name}")
