"""Backtest speed: tradeplan against backtesting.py and backtrader on generated 1-minute bars.

Run: .venv/bin/python bench/backtest_bench.py [--bars 1000000] [--peer-bars N] [--bt-bars 100000]
     [--vol 0.16] [--repeat 3] [--no-peers] [--baseline REV | --no-baseline] [--only VARIANT]

Strategy (issue 3): long 1,000 units when the close crosses above SMA(20), take profit +0.5 %,
stop loss -0.3 %, one position at a time; variant `trailing`: the stop is a 0.4 % trailing stop.
Variant `grid` (issue 4): a 40-slot Triauto-style buy grid, one slot every 70 pips from 0.83000
to 1.10300 (the range the generated path travels), 1,000 units a slot, take profit 70 pips,
counter -70 pips (each slot re-enters at its own price), no stop loss, dealer fills. No peer
engine runs the grid (neither has Triauto's slots); its figures stand alone.

Data: a geometric random walk of 1-minute bars, 24 hours a day, annualised volatility `--vol`
(default 16 %, an equity-index-like figure; FX majors run 6-10 %), opens equal to the previous
close, random wicks, prices with 5 decimals around 1.10, no spread, seed 1. Written once as CSV
(epoch-second times) and read by every engine from that file.

Each engine runs in its own process, so wall time (process start to exit, imports included) and
peak RSS (the process's VmHWM on Linux, else `ru_maxrss`) are its own:

* tradeplan: `api_backtest.backtest` (load CSV, evaluate signals, run, summary) then the five
  output files. "run phase" is the replay alone, the figure the >= 1,000,000 bars/s target is
  about; the signal phase (SMA and cross over the whole array) is reported separately.
* backtesting.py (same bars, or `--peer-bars` of them): `Backtest.run`, SL/TP given at order time
  from the signal bar's close (it cannot price them from the fill); the trailing variant moves
  the stop in `next()` from each bar's high, as backtesting.py users do.
* backtrader on `--bt-bars` (default 100,000): a bracket order; the trailing variant a StopTrail
  with trailpercent 0.4 % and a take-profit limit, one cancelling the other.

Each tradeplan run is repeated `--repeat` times, each in a fresh process, and the fastest run
phase is reported (shared virtual machines vary by 10-20 % from run to run); the peers run once.
Ratios are run-phase bars per second, tradeplan over the peer.

Baseline (issue 8: the redesigned engine must not be slower than before it): the same tradeplan
child also runs on `--baseline REV` (default 2d01e2a, the commit that recorded the golden outputs,
before the redesign), on the same CSV with the same strategies. REV's `src/` is unpacked with
`git archive` into a temporary folder, removed at the end even on error or Ctrl-C, and the child
puts it first on its import path (`--src`; it reports the module it imported, which is checked).
Current and baseline runs alternate, `--repeat` of each, so that a slow spell of the machine
falls on both; the fastest run phase of each counts, and the baseline line shows current /
baseline bars per second (above 1: the current code is faster). The two runs' output files
(trades, orders, signals, alerts, summary) are compared byte for byte and a difference is
flagged on the baseline's line: the goldens say there must be none. `--no-baseline` skips the
baseline; a revision git cannot unpack is reported and skipped.
"""

from __future__ import annotations

import argparse
import contextlib
import filecmp
import importlib.util
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BASELINE = "2d01e2a"  # the goldens' commit, before the engine redesign (issue 8)

STRATEGY = """\
tradeplan: 1
name: sma-cross-{variant}
instrument: EUR/USD
account: {{currency: USD, balance: 1000000}}
broker: paper
timeframe: 1m
entries:
  - name: cross
    side: long
    when: close crosses_above sma(close, 20)
    order: market
    units: 1000
exits:
  take_profit: 0.5%
{stop}
"""
STOPS = {"fixed": "  stop_loss: 0.3%", "trailing": "  trailing: {trail: 0.4%}"}
GRID_STRATEGY = """\
tradeplan: 1
name: grid-40
instrument: EUR/USD
account: {currency: USD, balance: 1000000}
broker: paper
timeframe: 1m
grid:
  side: buy
  from: 0.83000
  to: 1.10300
  step: 70 pips
  units: 1000
  take_profit: 70 pips
  stop_loss: none  # tradeplan: ignore[TP402]
  counter: -70 pips
"""
VARIANTS = (*sorted(STOPS), "grid")


def generate(path: Path, bars: int, vol: float, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    sigma = vol / np.sqrt(365.25 * 24 * 60)
    close = np.round(110_000 * np.exp(np.cumsum(rng.normal(0, sigma, bars)))).astype(np.int64)
    open_ = np.concatenate([[close[0]], close[:-1]])
    wick = np.abs(rng.normal(0, sigma * 0.6 * 110_000, (2, bars))).astype(np.int64)
    high = np.maximum(open_, close) + wick[0]
    low = np.minimum(open_, close) - wick[1]
    start = 1_735_689_600  # 2025-01-01T00:00:00Z
    with path.open("w") as out:
        out.write("time,open,high,low,close\n")
        for i in range(bars):
            out.write(
                f"{start + 60 * i},{_p(open_[i])},{_p(high[i])},{_p(low[i])},{_p(close[i])}\n"
            )


def _p(scaled: int) -> str:
    text = f"{scaled:06d}"
    return f"{text[:-5]}.{text[-5:]}"


# --- children: one engine each -------------------------------------------------------------


def child_tradeplan(data: Path, variant: str, out: Path) -> dict[str, Any]:
    """Runs against the current tree and the baseline's alike: both have these entry points."""
    import tradeplan
    from tradeplan.api_backtest import backtest, write_outputs
    from tradeplan.compiler.pipeline import compile_source

    try:
        from tradeplan.lang.source import Form
    except ImportError:  # before the lang/ package (e.g. the baseline 2d01e2a)
        from tradeplan.spec.source import Form  # type: ignore[no-redef,import-not-found]

    if variant == "grid":
        text = GRID_STRATEGY
    else:
        text = STRATEGY.format(variant=variant, stop=STOPS[variant])
    plan = compile_source(text, "bench.yaml", Form.YAML).plan
    assert plan is not None
    if variant == "grid":
        assert sum(len(g.slots) for g in plan.grids) == 40
    run = backtest(plan, data)
    write_outputs(run, out)
    trades = run.result.trades
    return {
        "rows": run.stats.rows,
        "visited": run.stats.visited,
        "run_seconds": run.stats.seconds,
        "phases": {k: round(v, 3) for k, v in run.timings.items()},
        "trades": len(trades),
        "events": len(run.result.orders),
        "net_pnl": str(run.summary.net_pnl),
        "module": str(Path(tradeplan.__file__).resolve()),
    }


def child_backtesting(data: Path, variant: str, rows: int) -> dict[str, Any]:
    import warnings

    import pandas as pd
    from backtesting import Backtest, Strategy

    frame = pd.read_csv(data, nrows=rows)
    frame.index = pd.to_datetime(frame.pop("time"), unit="s")
    frame.columns = ["Open", "High", "Low", "Close"]
    close = frame.Close
    sma = close.rolling(20).mean()
    cross = ((close > sma) & (close.shift(1) <= sma.shift(1))).to_numpy()
    trailing = variant == "trailing"

    class SmaCross(Strategy):  # type: ignore[misc]
        def init(self) -> None:
            pass

        def next(self) -> None:
            row = len(self.data) - 1
            if trailing:
                for trade in self.trades:
                    stop = self.data.High[-1] * 0.996
                    trade.sl = max(trade.sl or 0.0, stop)
            if self.position or not cross[row]:
                return
            price = self.data.Close[-1]
            if trailing:
                self.buy(size=1000, tp=price * 1.005, sl=price * 0.996)
            else:
                self.buy(size=1000, tp=price * 1.005, sl=price * 0.997)

    began = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stats = Backtest(frame, SmaCross, cash=10_000_000, commission=0).run()
    seconds = time.perf_counter() - began
    return {"rows": len(frame), "run_seconds": seconds, "trades": int(stats["# Trades"])}


def child_backtrader(data: Path, variant: str, rows: int) -> dict[str, Any]:
    import backtrader as bt
    import pandas as pd

    frame = pd.read_csv(data, nrows=rows)
    frame.index = pd.to_datetime(frame.pop("time"), unit="s")
    trailing = variant == "trailing"

    class SmaCross(bt.Strategy):  # type: ignore[misc]
        def __init__(self) -> None:
            sma = bt.indicators.SimpleMovingAverage(self.data.close, period=20)
            self.cross = bt.indicators.CrossOver(self.data.close, sma)
            self.pending = False

        def notify_order(self, order: Any) -> None:
            if order.status in (order.Completed, order.Canceled, order.Margin, order.Rejected):
                self.pending = bool(self.position) or any(
                    o.alive() for o in self.broker.get_orders_open()
                )

        def next(self) -> None:
            if self.position or self.pending or self.cross[0] <= 0:
                return
            price = self.data.close[0]
            if trailing:
                self.buy(size=1000)
                stop = self.sell(size=1000, exectype=bt.Order.StopTrail, trailpercent=0.004)
                self.sell(size=1000, exectype=bt.Order.Limit, price=price * 1.005, oco=stop)
            else:
                self.buy_bracket(
                    size=1000, limitprice=price * 1.005, stopprice=price * 0.997,
                    exectype=bt.Order.Market,
                )  # fmt: skip
            self.pending = True

    cerebro = bt.Cerebro(stdstats=False)
    cerebro.adddata(bt.feeds.PandasData(dataname=frame))
    cerebro.addstrategy(SmaCross)
    cerebro.broker.setcash(10_000_000)
    began = time.perf_counter()
    cerebro.run()
    seconds = time.perf_counter() - began
    return {"rows": len(frame), "run_seconds": seconds}


def child_main(args: argparse.Namespace) -> None:
    # First on the path, ahead of the editable install: the tree under test (current or baseline).
    sys.path.insert(0, args.src or str(ROOT / "src"))
    data = Path(args.data)
    if args.child == "tradeplan":
        result = child_tradeplan(data, args.variant, Path(args.out))
    elif args.child == "backtesting":
        result = child_backtesting(data, args.variant, args.rows)
    else:
        result = child_backtrader(data, args.variant, args.rows)
    result["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(result))


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM belongs to the process's own address space;
    `ru_maxrss` can carry the parent's figure over fork+exec, so it is only the fallback."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- parent ------------------------------------------------------------------------------------


def spawn(*extra: str) -> dict[str, Any] | None:
    command = [sys.executable, str(Path(__file__).resolve()), *extra]
    began = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - began
    if done.returncode != 0:
        sys.stderr.write(f"{' '.join(extra[:4])} failed:\n{done.stderr[-2000:]}\n")
        return None
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_seconds"] = wall
    result["bars_per_second"] = result["rows"] / result["run_seconds"]
    return result


def available(module: str) -> bool:
    """Installed? Checked without importing, so the parent stays small."""
    return importlib.util.find_spec(module) is not None


@contextlib.contextmanager
def baseline_src(rev: str) -> Iterator[tuple[str, Path]]:
    """`rev`'s short commit and its src/ unpacked (git archive) in a temporary folder, which is
    removed on the way out, error or not. Raises CalledProcessError if git cannot unpack it."""
    git = ["git", "-C", str(ROOT)]
    commit = subprocess.run(
        [*git, "rev-parse", "--short", f"{rev}^{{commit}}"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    folder = Path(tempfile.mkdtemp(prefix=f"tradeplan-baseline-{commit}-"))
    try:
        archive = subprocess.run([*git, "archive", commit, "src"], capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
        yield commit, folder / "src"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def tradeplan_run(data: Path, variant: str, out: Path, src: Path) -> dict[str, Any] | None:
    """One tradeplan child on the tree `src`; None if it failed or imported another tree."""
    result = spawn("--child", "tradeplan", "--data", str(data), "--variant", variant,
                   "--out", str(out), "--src", str(src))  # fmt: skip
    if result and not Path(result["module"]).is_relative_to(src.resolve()):
        sys.stderr.write(f"tradeplan child for {src} imported {result['module']}: ignored\n")
        return None
    return result


def fastest(runs: list[dict[str, Any] | None]) -> dict[str, Any] | None:
    done = [r for r in runs if r]
    return min(done, key=lambda r: r["run_seconds"]) if done else None


def tradeplan_line(name: str, variant: str, run: dict[str, Any], note: str = "") -> str:
    return (
        f"{name:18s} {variant:8s} {run['rows']:>9,} rows  run phase "
        f"{run['run_seconds']:.3f} s = {run['bars_per_second']:>12,.0f} bars/s  "
        f"wall {run['wall_seconds']:.2f} s  peak RSS {run['peak_rss_mb']:.0f} MB  "
        f"trades {run['trades']:,}  rows visited {run['visited']:,}  "
        f"phases {run['phases']}{note}"
    )


COMPARED = ("trades.csv", "orders.csv", "signals.csv", "alerts.csv", "summary.json")


def baseline_note(
    ours: dict[str, Any] | None, base: dict[str, Any], out: Path, theirs: Path
) -> str:
    """The ratio current / baseline, and whether the two wrote the same files (the goldens'
    files): a ratio between runs that did different work would mean nothing."""
    if not ours:
        return ""
    note = f"  current/baseline {ours['bars_per_second'] / base['bars_per_second']:.2f}x"
    differ = [
        name
        for name in COMPARED
        if (out / name).exists() != (theirs / name).exists()
        or ((out / name).exists() and not filecmp.cmp(out / name, theirs / name, shallow=False))
    ]
    if differ:
        note += f"  OUTPUTS DIFFER: {', '.join(differ)}"
    return note


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, default=1_000_000)
    parser.add_argument("--peer-bars", type=int, default=None, help="backtesting.py rows")
    parser.add_argument("--bt-bars", type=int, default=100_000, help="backtrader rows")
    parser.add_argument("--vol", type=float, default=0.16, help="annualised volatility")
    parser.add_argument("--repeat", type=int, default=3, help="tradeplan runs; the best counts")
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument(
        "--baseline",
        default=DEFAULT_BASELINE,
        metavar="REV",
        help=f"git revision whose tradeplan runs alongside (default {DEFAULT_BASELINE})",
    )
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--child", choices=["tradeplan", "backtesting", "backtrader"])
    parser.add_argument("--data")
    parser.add_argument("--variant", choices=VARIANTS, default="fixed")
    parser.add_argument("--only", choices=VARIANTS, help="run one variant")
    parser.add_argument("--rows", type=int, default=0)
    parser.add_argument("--out")
    parser.add_argument("--src", help="(child) the tradeplan source tree to import")
    args = parser.parse_args()
    if args.child:
        child_main(args)
        return
    # A plain `kill` unwinds like Ctrl-C, so the baseline's temporary tree is removed too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    with contextlib.ExitStack() as stack:
        baseline: tuple[str, Path] | None = None
        if not args.no_baseline:
            try:
                baseline = stack.enter_context(baseline_src(args.baseline))
            except (OSError, subprocess.CalledProcessError) as error:
                detail = getattr(error, "stderr", b"") or b""
                text = detail.decode(errors="replace") if isinstance(detail, bytes) else detail
                print(f"baseline {args.baseline}: cannot unpack its src ({text.strip() or error})"
                      ": skipped")  # fmt: skip
        run_all(args, baseline)


def run_all(args: argparse.Namespace, baseline: tuple[str, Path] | None) -> None:
    folder = Path(tempfile.mkdtemp(prefix="tradeplan-bench-"))
    data = folder / "bars.csv"
    began = time.perf_counter()
    generate(data, args.bars, args.vol)
    print(
        f"generated {args.bars:,} 1-minute bars (vol {args.vol:.0%} a year) in "
        f"{time.perf_counter() - began:.1f} s: {data}"
    )
    peer_rows = args.peer_bars or args.bars
    results: dict[tuple[str, str], dict[str, Any]] = {}
    ratios: dict[str, float] = {}
    for variant in VARIANTS if args.only is None else (args.only,):
        out = folder / f"out-{variant}"
        theirs_out = folder / f"out-{variant}-{baseline[0]}" if baseline else out
        current_runs: list[dict[str, Any] | None] = []
        baseline_runs: list[dict[str, Any] | None] = []
        for _ in range(max(args.repeat, 1)):  # alternating: a slow spell hits both
            current_runs.append(tradeplan_run(data, variant, out, ROOT / "src"))
            if baseline:
                baseline_runs.append(tradeplan_run(data, variant, theirs_out, baseline[1]))
        ours = fastest(current_runs)
        if ours:
            results[("tradeplan", variant)] = ours
            print(tradeplan_line("tradeplan", variant, ours))
        base = fastest(baseline_runs)
        if baseline and base:
            base["revision"] = baseline[0]
            results[("baseline", variant)] = base
            name, note = f"tradeplan@{baseline[0]}", baseline_note(ours, base, out, theirs_out)
            print(tradeplan_line(name, variant, base, note))
            if ours:
                ratios[variant] = ours["bars_per_second"] / base["bars_per_second"]
        if args.no_peers or variant == "grid":
            continue
        for peer, rows, module in (
            ("backtesting", peer_rows, "backtesting"),
            ("backtrader", args.bt_bars, "backtrader"),
        ):
            if not available(module):
                print(f"{peer:18s} {variant:8s} not installed: skipped")
                continue
            theirs = spawn("--child", peer, "--data", str(data), "--variant", variant,
                           "--rows", str(min(rows, args.bars)))  # fmt: skip
            if not theirs:
                continue
            results[(peer, variant)] = theirs
            ratio = ""
            if ours:
                ratio = (
                    f"  tradeplan is {ours['bars_per_second'] / theirs['bars_per_second']:,.0f}x"
                )
            print(
                f"{peer:18s} {variant:8s} {theirs['rows']:>9,} rows  run phase "
                f"{theirs['run_seconds']:.3f} s = {theirs['bars_per_second']:>12,.0f} bars/s  "
                f"wall {theirs['wall_seconds']:.2f} s  peak RSS {theirs['peak_rss_mb']:.0f} MB"
                f"{ratio}"
            )
    if baseline and ratios:
        print(
            f"run phase, current / baseline {baseline[0]} (fastest of {max(args.repeat, 1)} "
            "each): " + "  ".join(f"{v} {r:.2f}x" for v, r in ratios.items())
        )
    print(f"outputs in {folder}")
    if os.environ.get("BENCH_JSON"):
        Path(os.environ["BENCH_JSON"]).write_text(
            json.dumps({f"{k[0]}/{k[1]}": v for k, v in results.items()}, indent=2)
        )


if __name__ == "__main__":
    main()
