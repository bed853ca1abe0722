"""Backtest wiring: a compiled Plan + market data -> the engine on the paper broker -> reports.

This is the one place that knows both the runtime (engine, replay, evaluator) and a broker (the
paper broker), which the layering keeps apart (ARCHITECTURE.md): it sits beside `api.py` at the
top and is what `tradeplan backtest` calls.

Phases, each timed in `BacktestRun.timings`: load (CSV -> exact columns), signals (every `when`,
`exit_when` and entry price expression over the whole data set, `runtime.evaluate`), run (the
replay, the phase the speed targets are about), report (summary and files).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import partial
from pathlib import Path
from time import perf_counter

import numpy as np
from numpy.typing import NDArray

from tradeplan.backtest.data import DataKind, MarketData, load_market_data
from tradeplan.backtest.instrument_check import wrong_instrument
from tradeplan.backtest.replay import Progress, ReplayStats, replay
from tradeplan.backtest.spread_check import spread_warnings
from tradeplan.backtest.stream import stream_replay
from tradeplan.brokers.paper.broker import PaperAccount, PaperBroker
from tradeplan.brokers.paper.fills import FeeSchedule, FillConfig, IntrabarPath
from tradeplan.core.calendar import open_ns_between
from tradeplan.core.enums import AssetClass, FillProfile
from tradeplan.core.epoch import usual_interval_ns
from tradeplan.core.instrument import exchange_timezone
from tradeplan.core.money import HUNDRED, round_money
from tradeplan.core.units import format_duration
from tradeplan.plan.model import EntryRule, Plan
from tradeplan.ports.profiles import profile_or_paper
from tradeplan.reporting.csv_out import Formats, write_run_files
from tradeplan.reporting.html_report import ReportExtras, render_report, time_in_zone
from tradeplan.reporting.metrics import Summary, summarize
from tradeplan.reporting.price_series import PriceBars
from tradeplan.runtime.bars import BarArrays
from tradeplan.runtime.currency import RateError
from tradeplan.runtime.currency import quote_rate as currency_rate
from tradeplan.runtime.engine import (
    Engine,
    EngineConfig,
    EngineResult,
    RuleInputs,
)
from tradeplan.runtime.entry_prices import price_source
from tradeplan.runtime.evaluate import SeriesEvaluator
from tradeplan.runtime.ledger import QuoteRate
from tradeplan.runtime.resample import Bucketing
from tradeplan.runtime.signal_feed import SignalFeed
from tradeplan.runtime.slot_run import STOPPED, SlotRun

DEFAULT_BALANCE = Decimal(100_000)


class BacktestError(Exception):
    """The backtest cannot run as asked (an unsupported plan feature, a missing rate)."""


@dataclass(frozen=True, slots=True)
class BacktestOptions:
    """What the command line may say; None leaves the plan's (or the default) value."""

    spread: Decimal | None = None  # for data without a spread column
    start: str | None = None
    end: str | None = None
    path: IntrabarPath = IntrabarPath.NEAREST_FIRST
    fill: FillProfile | None = None
    slippage_ticks: int = 0
    balance: Decimal | None = None
    quote_rate: Decimal | None = None  # account currency per quote unit, when it cannot be told
    step_mode: bool = False
    # The live path: signals from the step forms one bar at a time, every row visited
    # (backtest/stream.py); the same results as the batch run, slower.
    stream: bool = False
    # The volume-limited fill model: an order takes at most this fraction of each bar's volume
    # (docs/backtesting.md, "Partial fills"); None fills every bar in full.
    max_volume_share: Decimal | None = None


@dataclass(frozen=True, slots=True)
class BacktestRun:
    plan: Plan
    data: MarketData
    result: EngineResult
    summary: Summary
    stats: ReplayStats
    timings: dict[str, float] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    options: BacktestOptions = field(default_factory=BacktestOptions)  # for the report


def backtest(
    plan: Plan,
    data_path: str | os.PathLike[str],
    options: BacktestOptions | None = None,
    *,
    progress: Progress | None = None,
) -> BacktestRun:
    """Load `data_path` (raises runtime.data.DataError naming bad rows) and run `plan` on it."""
    options = options or BacktestOptions()
    quote_rate(plan, options.quote_rate)  # a missing or needless --rate stops before the load
    began = perf_counter()
    data = load_market_data(
        Path(data_path),
        default_spread=options.spread,
        start=options.start,
        end=options.end,
        open_between=partial(open_ns_between, plan.instrument.asset_class),
    )
    run = run_backtest(plan, data, options, progress=progress)
    run.timings["load"] = perf_counter() - began - sum(run.timings.values())
    return run


def run_backtest(
    plan: Plan,
    data: MarketData,
    options: BacktestOptions | None = None,
    *,
    progress: Progress | None = None,
) -> BacktestRun:
    """Run `plan` over `data` on the paper broker; everything stays in memory."""
    options = options or BacktestOptions()
    timings: dict[str, float] = {}
    warnings = [issue.message for issue in data.issues]
    mismatch = wrong_instrument(plan, data.price("close", 0), data.source) if len(data) else None
    if mismatch:
        raise BacktestError(mismatch)
    warnings.extend(spread_warnings(plan.instrument, data, options.spread))
    began = perf_counter()
    feed = None
    if options.stream:
        feed = SignalFeed(plan, len(data), _timeframe_bucketing(plan, data))
        inputs = feed.inputs
    else:
        inputs = rule_inputs(plan, data)
    timings["signals"] = perf_counter() - began

    terms = paper_terms(plan, options)
    balance, rate, config, account = terms.balance, terms.rate, terms.config, terms.account
    if options.max_volume_share is not None and not data.has_volume:
        warnings.append(
            f"{Path(data.source).name} has no volume column: --max-volume-share limits "
            "nothing, every order fills in full"
        )
    broker = PaperBroker(
        data,
        plan.instrument,
        config,
        account=account,
        profile=profile_or_paper(plan.broker.name),
        report_accepted=False,
        volume=data.volume if options.max_volume_share is not None else None,
    )
    engine = Engine(
        plan,
        broker,
        data,
        inputs,
        EngineConfig(balance, plan.account.currency, plan.account.leverage, rate),
        excursion=broker.excursion,
    )
    if feed is not None:
        stats = stream_replay(engine, broker, feed, data, progress=progress)
    else:
        stats = replay(engine, broker, step_mode=options.step_mode, progress=progress)
    timings["run"] = stats.seconds

    began = perf_counter()
    result = engine.result()
    periods = 365.0 if plan.instrument.asset_class is AssetClass.CRYPTO_PERP else 252.0
    summary = summarize(
        result.trades,
        result.equity,
        periods_per_year=periods,
        currency=plan.account.currency,
        signals=result.signals,
    )
    stopped = {
        owner.name: owner.stop_reason
        for owner in engine.owners
        if isinstance(owner, SlotRun) and owner.state.phase == STOPPED
    }
    paused = {
        owner.name: owner.pauses
        for owner in engine.owners
        if isinstance(owner, SlotRun) and owner.pauses
    }
    halts = [a for a in result.alerts if a.kind == "drawdown_halt"]
    summary = replace(
        summary,
        stopped_slots=stopped,
        paused_slots=paused,
        halted_at=halts[0].time if halts else None,
        halt_reason=halts[0].message if halts else "",
        daily_limit_days=sum(1 for a in result.alerts if a.kind == "daily_loss_limit"),
    )
    timings["summary"] = perf_counter() - began
    return BacktestRun(plan, data, result, summary, stats, timings, tuple(warnings), options)


def rule_inputs(plan: Plan, data: MarketData) -> dict[str, RuleInputs]:
    """Every rule's `when`, `exit_when` and entry prices over the whole data set, from the
    plan's signal graph (one evaluator for all rules, so what they share is computed once).

    Conditions are evaluated on closed bars of the plan's timeframe (runtime/resample.py) and
    land on the last fine row of each bar; fills stay on the fine rows.
    """
    fine = bar_arrays(plan, data)
    bucketing = _timeframe_bucketing(plan, data)
    resampled = None if bucketing is None else bucketing.resample(fine)
    tz = exchange_timezone(plan.instrument.asset_class)
    inputs: dict[str, RuleInputs] = {}
    if resampled is None:
        evaluator = SeriesEvaluator(fine, plan.signals, tz=tz)
        for rule in plan.rules:
            refs = rule.signals
            inputs[rule.name] = RuleInputs(
                entry=np.ascontiguousarray(evaluator.condition(refs.when)),
                exit=None
                if refs.exit_when is None
                else np.ascontiguousarray(evaluator.condition(refs.exit_when)),
                price=_price_source(evaluator, plan, rule, refs.price),
                trigger=_price_source(evaluator, plan, rule, refs.trigger),
            )
        return inputs
    evaluator = SeriesEvaluator(resampled.bars, plan.signals, tz=tz)
    rows, bar_of_row = len(fine), resampled.bar_of_row
    for rule in plan.rules:
        refs = rule.signals
        price = _price_source(evaluator, plan, rule, refs.price)
        trigger = _price_source(evaluator, plan, rule, refs.trigger)
        inputs[rule.name] = RuleInputs(
            entry=resampled.spread_signal(evaluator.condition(refs.when), rows),
            exit=None
            if refs.exit_when is None
            else resampled.spread_signal(evaluator.condition(refs.exit_when), rows),
            price=None if price is None else _on_bar_of_row(price, bar_of_row),
            trigger=None if trigger is None else _on_bar_of_row(trigger, bar_of_row),
        )
    return inputs


def _on_bar_of_row(
    source: Callable[[int], Decimal], bar_of_row: NDArray[np.int64]
) -> Callable[[int], Decimal]:
    def at_row(row: int) -> Decimal:
        return source(int(bar_of_row[row]))

    return at_row


@dataclass(frozen=True, slots=True)
class PaperTerms:
    """How the paper broker trades a plan: the opening balance (in minor units), the quote
    currency's rate, the fill model's settings and the account; the backtest and the live
    paper venue build theirs from the same options."""

    balance: Decimal
    rate: QuoteRate
    config: FillConfig
    account: PaperAccount


def paper_terms(plan: Plan, options: BacktestOptions) -> PaperTerms:
    balance = options.balance or plan.account.balance or DEFAULT_BALANCE
    balance = round_money(balance, plan.account.currency)  # the books are in minor units
    rate, _ = quote_rate(plan, options.quote_rate)
    fees = plan.fees
    config = FillConfig(
        profile=options.fill or plan.broker.fill,
        path=options.path,
        fees=FeeSchedule(fees.per_unit, fees.per_notional / HUNDRED, fees.per_order),
        slippage_ticks=options.slippage_ticks,
        max_volume_share=options.max_volume_share,
    )
    account = PaperAccount(plan.account.currency, balance, plan.account.leverage, rate)
    return PaperTerms(balance, rate, config, account)


def _timeframe_bucketing(plan: Plan, data: MarketData) -> Bucketing | None:
    """How the plan's timeframe bars are built from `data`'s rows (the batch resampler and the
    streaming one alike), or None when the data already is that timeframe."""
    ticks = data.kind is DataKind.TICKS
    interval = 0 if ticks else usual_interval_ns(data.time_ns) // 1_000_000_000
    return timeframe_bucketing(plan, interval)


def timeframe_bucketing(plan: Plan, interval: int) -> Bucketing | None:
    """How the plan's timeframe bars are built from rows `interval` seconds apart (0: ticks),
    or None when the rows already are that timeframe; a live run asks with its feed's bars.

    Data coarser than the timeframe, or bars that do not divide it, cannot make its bars: that
    is refused, naming both intervals, rather than run on the wrong bars.
    """
    timeframe = plan.timeframe
    if timeframe is None:
        return None
    ticks = interval == 0
    if not ticks and interval == timeframe:
        return None
    if not ticks and interval > timeframe:
        raise BacktestError(
            f"the data has {format_duration(interval)} bars but the strategy's timeframe is "
            f"{format_duration(timeframe)}: give data of {format_duration(timeframe)} or finer, "
            f"or set `timeframe: {format_duration(interval)}`"
        )
    if not ticks and interval > 0 and timeframe % interval:
        raise BacktestError(
            f"the strategy's timeframe {format_duration(timeframe)} is not a whole number of "
            f"the data's {format_duration(interval)} bars: give data whose bars divide it"
        )
    us_stock = plan.instrument.asset_class is AssetClass.US_STOCK
    return Bucketing(
        timeframe,
        tz=exchange_timezone(plan.instrument.asset_class) if us_stock else "UTC",
        us_sessions=us_stock,
        row_interval=interval,
    )


def bar_arrays(plan: Plan, data: MarketData) -> BarArrays:
    """The float columns the evaluator reads (analytics only; orders use exact prices)."""
    tz = exchange_timezone(plan.instrument.asset_class)
    return BarArrays.from_arrays(
        data.close,
        time=data.time_ns // 1_000_000_000,
        open=data.open,
        high=data.high,
        low=data.low,
        volume=data.volume,
        spread=data.spread,
        tz=tz,
        us_sessions=plan.instrument.asset_class is AssetClass.US_STOCK,
    )


def _price_source(
    evaluator: SeriesEvaluator, plan: Plan, rule: EntryRule, ref: int | None
) -> Callable[[int], Decimal] | None:
    """An entry price expression at a row, on the tick grid (runtime/entry_prices.py)."""
    if ref is None:
        return None
    return price_source(evaluator.number(ref), rule.name, plan.instrument)


def quote_rate(plan: Plan, given: Decimal | None) -> tuple[QuoteRate, str]:
    """The plan's rate (runtime/currency.py); a rate that cannot be settled is a BacktestError.
    The second value is kept for callers that print warnings; it is empty."""
    try:
        return currency_rate(plan.instrument, plan.account.currency, given), ""
    except RateError as exc:
        raise BacktestError(str(exc)) from None


OUTPUT_NAMES = frozenset(
    {"trades.csv", "orders.csv", "signals.csv", "alerts.csv", "summary.json", "report.html"}
)


class OutputFolderError(BacktestError):
    """An --out folder that must not be replaced: it holds the inputs or someone else's files."""


def _check_output_folder(folder: Path, inputs: Sequence[str | os.PathLike[str]]) -> None:
    target = folder.resolve()
    for given in inputs:
        source = Path(given).resolve()
        if source == target or target in source.parents:
            raise OutputFolderError(
                f"--out {folder} holds the input {given}: choose another folder, "
                "the results replace the whole folder"
            )
    if folder.is_dir():
        others = sorted(p.name for p in folder.iterdir() if p.name not in OUTPUT_NAMES)
        if others:
            raise OutputFolderError(
                f"--out {folder} holds other files ({', '.join(others[:3])}"
                f"{', ...' if len(others) > 3 else ''}): choose an empty or new folder"
            )
    elif folder.exists():
        raise OutputFolderError(f"--out {folder} is a file, not a folder")


def write_outputs(
    run: BacktestRun,
    out_dir: str | os.PathLike[str],
    inputs: Sequence[str | os.PathLike[str]] = (),
) -> dict[str, Path]:
    """trades.csv, orders.csv, signals.csv, alerts.csv, summary.json and report.html.

    The files are written into a temporary folder beside `out_dir` and renamed into place, so an
    interrupted run (Ctrl-C, a full disk) leaves the previous results whole instead of new CSVs
    beside an old report.
    """
    began = perf_counter()
    folder = Path(out_dir)
    _check_output_folder(folder, (run.data.source, *inputs))
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(
        tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".partial", dir=folder.parent)
    )
    try:
        files = _write_files(run, staging, inputs)
        _swap_into_place(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    files = {key: folder / path.name for key, path in files.items()}
    run.timings["write"] = perf_counter() - began
    return files


def _swap_into_place(staging: Path, folder: Path) -> None:
    """Replace `folder` by `staging` with renames only; the old results go last."""
    if not folder.exists():
        staging.rename(folder)
        return
    retired = folder.with_name(f".{folder.name}.{os.getpid()}.old")
    folder.rename(retired)
    try:
        staging.rename(folder)
    except BaseException:
        retired.rename(folder)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def _write_files(
    run: BacktestRun, folder: Path, inputs: Sequence[str | os.PathLike[str]] = ()
) -> dict[str, Path]:
    result = run.result
    files = write_run_files(
        folder,
        trades=result.trades,
        orders=result.orders,
        signals=result.signals,
        summary=run.summary,
        alerts=result.alerts,
        formats=Formats(run.plan.account.currency, run.plan.instrument),
    )
    data = run.data
    plan = run.plan
    strategy = next((Path(p) for p in inputs if Path(p).is_file()), None)  # the first: the file
    page = render_report(
        plan.name,
        run.summary,
        result.trades,
        result.equity,
        prices=PriceBars(data.time_ns, data.open, data.high, data.low, data.close, data.decimals),
        extras=ReportExtras(
            orders=result.orders,
            signals=result.signals,
            alerts=result.alerts,
            properties=report_properties(run, strategy),
            strategy_text=strategy.read_text(encoding="utf-8") if strategy else "",
            strategy_file=strategy.name if strategy else "",
            zone=exchange_timezone(plan.instrument.asset_class),
            periods_per_year=365.0
            if plan.instrument.asset_class is AssetClass.CRYPTO_PERP
            else 252.0,
            first_close=data.price("close", 0) if len(data) else None,
            last_close=data.price("close", len(data) - 1) if len(data) else None,
        ),
        subtitle=f"{plan.instrument.symbol} · {Path(data.source).name} · {len(data):,} rows",
        currency=plan.account.currency,
        price_label=f"{plan.instrument.symbol} (bid)",
    )
    report = folder / "report.html"
    report.write_text(page, encoding="utf-8")
    files["report"] = report
    return files


def report_properties(run: BacktestRun, strategy: Path | None) -> list[tuple[str, str]]:
    """The report's Properties table: what the run was, as the trader set it."""
    plan, data, options = run.plan, run.data, run.options
    terms = paper_terms(plan, options)
    fees = plan.fees
    zone = exchange_timezone(plan.instrument.asset_class)
    first = time_in_zone(data.time_at(0), zone) if len(data) else "-"
    last = time_in_zone(data.time_at(len(data) - 1), zone) if len(data) else "-"
    sizing = [
        f"{rule.name}: {rule.sizing.mode} {rule.sizing.amount}" if rule.sizing else rule.name
        for rule in plan.rules
    ] + [f"{grid.name}: {grid.units} units a slot, {len(grid.slots)} slots" for grid in plan.grids]
    spread = (
        f"{options.spread} (given)"
        if options.spread is not None
        else "from the data file"
        if data.spread_from_file
        else "none"
    )
    currency = plan.account.currency
    rows = [
        ("Strategy", f"{plan.name}" + (f" ({strategy.name})" if strategy else "")),
        ("Fingerprint", plan.fingerprint),
        ("Instrument", f"{plan.instrument.symbol} ({plan.instrument.asset_class.value})"),
        ("Data file", Path(data.source).name),
        ("Data range", f"{first} → {last}, {len(data):,} rows"),
        ("Timeframe", format_duration(plan.timeframe) if plan.timeframe else "the data's own bars"),
        ("Balance", f"{terms.balance} {currency}"),
        ("Leverage", str(plan.account.leverage) if plan.account.leverage else "none"),
        ("Sizing", "; ".join(sizing) or "-"),
        (
            "Fees",
            f"{fees.per_unit} a unit, {fees.per_notional}% of notional, {fees.per_order} an order",
        ),
        ("Spread", spread),
        ("Slippage", f"{options.slippage_ticks} ticks"),
        ("Fill profile", terms.config.profile.value),
        ("Intrabar path", options.path.value),
        ("Broker", plan.broker.name),
    ]
    if options.max_volume_share is not None:
        rows.append(("Max volume share", str(options.max_volume_share)))
    return rows
