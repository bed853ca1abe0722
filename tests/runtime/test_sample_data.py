"""The sample-data generator is deterministic and writes files the loader accepts."""

from __future__ import annotations

import gzip
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np

from tradeplan.backtest.data import DataKind, load_market_data

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "make_sample_data.py"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_sample_data", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


def test_same_seed_same_bytes_and_valid_bars(tmp_path: Path) -> None:
    generator = _generator()
    first, second = tmp_path / "a", tmp_path / "b"
    assert generator.main(["--days", "4", "--out", str(first)]) == 0
    assert generator.main(["--days", "4", "--out", str(second)]) == 0
    names = sorted(p.name for p in first.iterdir())
    assert names == [
        "btcusdt_1m_2025.csv.gz",
        "eurusd_1m_2025.csv.gz",
        "nvda_1m_2025.csv.gz",
        "usdjpy_1m_2025.csv.gz",
        "usdjpy_ticks_sample.csv.gz",
    ]
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
        data = load_market_data(first / name)  # raises on any OHLC, order or value problem
        assert len(data) > 0
        if data.kind is DataKind.BARS:
            assert np.all(data.high_scaled >= np.maximum(data.open_scaled, data.close_scaled))
            assert np.all(data.low_scaled <= np.minimum(data.open_scaled, data.close_scaled))


def test_stock_bars_keep_new_york_hours_and_offsets(tmp_path: Path) -> None:
    _generator().main(["--days", "4", "--out", str(tmp_path)])
    lines = gzip.decompress((tmp_path / "nvda_1m_2025.csv.gz").read_bytes()).decode().split("\n")
    stamps = [line.split(",")[0] for line in lines[1:] if line]
    assert all(s.endswith("-05:00") for s in stamps)  # January: EST
    clock = {s[11:16] for s in stamps}
    assert min(clock) >= "04:00" and max(clock) < "20:00"
    assert {"09:30", "15:59"} <= clock
    assert not any(s.startswith("2025-01-01") for s in stamps)  # New Year's Day: closed
