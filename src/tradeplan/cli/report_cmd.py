"""`tradeplan report --state DIR`: the backtest's report.html for a live strategy's history.

The state store (`tradeplan run --state`) gives the plan as it runs (its source as written, its
fingerprint and version), the balance the ledger holds now, halts and alerts; the files the run
wrote (`tradeplan run --out`: trades.csv, orders.csv, signals.csv, alerts.csv) give the trades,
orders and signals. `--data` adds the price chart from a bar file. The equity is the
closed-trade equity (a live run's store keeps no equity of every bar): the start balance (the
balance now less the P&L of the trades) plus each trade's P&L at its exit. The page is the same
as a backtest's, so the two can be opened side by side.

Exit codes: 0 written, 2 a folder, strategy or file that cannot be read (the message says which).
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_USAGE = 0, 2

EXAMPLES = """\
examples:
  tradeplan run strategies/usdjpy-grid.yaml --feed data/usdjpy_1m_2025.csv.gz --speed max \\
      --state state/ --out out/live
  tradeplan report --state state/ --files out/live --data data/usdjpy_1m_2025.csv.gz
"""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "report",
        help="write report.html for a live strategy from its state and files",
        description=(
            "Build the backtest's report page for a live strategy: the plan, balance, halts "
            "and alerts from the state store (--state), the trades, orders and signals from "
            "the files the run wrote (--files, the folder of `tradeplan run --out`), the price "
            "chart from --data when given."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--state", required=True, help="the state folder of `tradeplan run`")
    parser.add_argument(
        "--files",
        help="the folder `tradeplan run --out` wrote (default: the state folder)",
    )
    parser.add_argument(
        "--strategy", help="the strategy's name (needed when the store has several)"
    )
    parser.add_argument("--data", help="bars (CSV, plain or .gz) for the price chart")
    parser.add_argument("-o", "--out", help="where to write the page (default: FILES/report.html)")
    parser.set_defaults(func=run)
    return parser


def _fail(message: str) -> int:
    sys.stderr.write(f"tradeplan report: error: {message}\n")
    return EXIT_USAGE


def run(args: argparse.Namespace) -> int:
    from tradeplan.live.store import FILE_NAME, StateStore
    from tradeplan.live.store_schema import StoreError
    from tradeplan.reporting.csv_in import CsvReadError

    state = Path(args.state)
    if not (state / FILE_NAME).exists():
        return _fail(
            f"{state} holds no state store ({FILE_NAME}): give the --state folder of a run"
        )
    files = Path(args.files) if args.files else state
    if not (files / "trades.csv").exists():
        return _fail(
            f"{files} holds no trades.csv: give --files, the folder `tradeplan run --out` wrote"
        )
    try:
        store = StateStore.open(state, create=False)
    except StoreError as exc:
        return _fail(f"cannot open {state}: {exc}")
    try:
        names = store.strategies()
        name = args.strategy
        if name is None:
            if len(names) != 1:
                listed = ", ".join(names) or "none"
                return _fail(
                    f"the store holds {len(names)} strategies ({listed}): name one with --strategy"
                )
            name = names[0]
        elif name not in names:
            return _fail(
                f"no strategy {name!r} in {state} (it holds: {', '.join(names) or 'none'})"
            )
        try:
            page = _page(store, name, state, files, args.data)
        except (CsvReadError, ValueError, OSError) as exc:
            return _fail(str(exc))
    finally:
        store.close()
    target = Path(args.out) if args.out else files / "report.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.write_text(page, encoding="utf-8")
    os.replace(partial, target)
    print(f"report: {target.resolve()}")
    return EXIT_OK


def _page(store: Any, name: str, state: Path, files: Path, data_path: str | None) -> str:
    from functools import partial

    import numpy as np

    from tradeplan.backtest.data import load_market_data
    from tradeplan.core.calendar import open_ns_between
    from tradeplan.core.enums import AssetClass
    from tradeplan.core.epoch import ns_from_datetime
    from tradeplan.core.instrument import exchange_timezone
    from tradeplan.core.money import round_money
    from tradeplan.plan.model import Plan
    from tradeplan.reporting.csv_in import read_alerts, read_orders, read_signals, read_trades
    from tradeplan.reporting.html_report import ReportExtras, render_report, time_in_zone
    from tradeplan.reporting.metrics import summarize
    from tradeplan.reporting.performance import closing_order
    from tradeplan.reporting.price_series import PriceBars
    from tradeplan.runtime.engine_state import from_json
    from tradeplan.runtime.records import AlertRecord, EquityCurve

    version = store.current_plan(name)
    if version is None:
        raise ValueError(f"the store holds no plan for {name!r}")
    plan = Plan.from_json(version.plan_json)
    currency = plan.account.currency
    trades = read_trades(files)
    orders, signals = read_orders(files), read_signals(files)
    alerts = read_alerts(files) + [
        AlertRecord(a.time, "", a.kind, a.message) for a in store.alerts(name, limit=10_000)
    ]
    alerts.sort(key=lambda a: a.time)
    net = sum((t.pnl for t in trades), Decimal(0))
    held = store.engine_state(name)
    if held is not None:
        balance = from_json(held[0]).balance
    else:
        balance = (plan.account.balance or Decimal(0)) + net
    initial = round_money(balance - net, currency)

    data = None
    if data_path:
        data = load_market_data(
            Path(data_path), open_between=partial(open_ns_between, plan.instrument.asset_class)
        )
    ordered = closing_order(trades)
    times = [ns_from_datetime(t.exit_time) for t in ordered]
    values = []
    running = initial
    for t in ordered:
        running += t.pnl
        values.append(running)
    first = (
        int(data.time_ns[0])
        if data is not None and len(data)
        else min((ns_from_datetime(t.entry_time) for t in trades), default=None)
    )
    points_t = ([first] if first is not None else []) + times
    points_v = ([initial] if first is not None else []) + values
    exact = [initial, *values] if first is not None else values
    order = np.argsort(np.array(points_t, dtype=np.int64), kind="stable")
    curve = EquityCurve(
        np.array(points_t, dtype=np.int64)[order],
        np.array([float(v) for v in points_v])[order],
        np.array([float(v) for v in points_v])[order],
        initial,
        lambda i: exact[int(order[i])],
    )
    crypto = plan.instrument.asset_class is AssetClass.CRYPTO_PERP
    summary = summarize(
        trades, curve, periods_per_year=365.0 if crypto else 252.0, currency=currency,
        signals=signals,
    )  # fmt: skip
    halts = [a for a in alerts if a.kind == "drawdown_halt"]
    halted = store.halted(name)
    summary = replace(
        summary,
        halted_at=halts[0].time if halts else None,
        halt_reason=halts[0].message if halts else (f"halted: {halted}" if halted else ""),
        daily_limit_days=sum(1 for a in alerts if a.kind == "daily_loss_limit"),
    )
    zone = exchange_timezone(plan.instrument.asset_class)
    properties = [
        ("Strategy", f"{plan.name} (live, plan version {version.version})"),
        ("Fingerprint", version.fingerprint),
        ("Instrument", f"{plan.instrument.symbol} ({plan.instrument.asset_class.value})"),
        ("Broker", plan.broker.name),
        ("State folder", str(state)),
        ("Run files", str(files)),
        ("Plan since", time_in_zone(version.created, zone)),
        ("Balance now", f"{balance} {currency}"),
        ("Start balance", f"{initial} {currency} (the balance now less the trades' P&L)"),
        ("Halted", halted or "no"),
        ("Equity", "closed-trade equity: the store keeps no equity of every bar"),
    ]
    prices = None
    subtitle = f"{plan.instrument.symbol} · live · {len(trades):,} trades"
    if data is not None and len(data):
        prices = PriceBars(data.time_ns, data.open, data.high, data.low, data.close, data.decimals)
        properties.append(("Data file", Path(data.source).name))
        subtitle += f" · {Path(data.source).name}"
    extras = ReportExtras(
        orders=orders,
        signals=signals,
        alerts=alerts,
        properties=properties,
        strategy_text=version.source_text,
        strategy_file=f"{plan.name} (plan version {version.version})",
        zone=zone,
        periods_per_year=365.0 if crypto else 252.0,
        first_close=data.price("close", 0) if data is not None and len(data) else None,
        last_close=data.price("close", len(data) - 1) if data is not None and len(data) else None,
    )
    return render_report(
        f"{plan.name} (live)",
        summary,
        trades,
        curve,
        prices,
        extras,
        subtitle=subtitle,
        currency=currency,
        price_label=f"{plan.instrument.symbol} (bid)",
    )
