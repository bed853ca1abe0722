"""The whole compile: text -> tree -> spec -> checks -> Plan, every problem reported at once.

Pure by design (ARCHITECTURE.md rule 3): the caller reads files and passes text; nothing here
touches the file system, the network, the environment or the clock. A bug in here must not take
the linter down: it is turned into TP901 for this file and the caller goes on with the next.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from decimal import Decimal

from tradeplan.compiler.bare_numbers import check_bare_numbers
from tradeplan.compiler.broker import check_broker
from tradeplan.compiler.exits import check_exits, check_market_hours, check_order
from tradeplan.compiler.expressions import BOOL, NUMBER, ExpressionChecker, mentions_session
from tradeplan.compiler.grid import check_grid, slot_prices
from tradeplan.compiler.lowering import Lowering
from tradeplan.compiler.quantities import check_quantities
from tradeplan.compiler.resolve import resolve_fill, resolve_instrument, resolve_session
from tradeplan.compiler.risk_checks import check_grid_caps, check_sizing, check_stop_present
from tradeplan.compiler.venue_check import check_venue
from tradeplan.core.enums import AssetClass, RestartPolicy, Session, TimeInForce
from tradeplan.core.instrument import Instrument
from tradeplan.diagnostics.collector import Collector
from tradeplan.diagnostics.lines import FileLines
from tradeplan.diagnostics.model import Diagnostic, Severity
from tradeplan.lang.builder import build_spec
from tradeplan.lang.model import EntrySpec, ExitsSpec, GridSpec, SizingSpec, StrategySpec
from tradeplan.lang.nodes import Node
from tradeplan.lang.source import Form, is_blank
from tradeplan.lang.text_reader import read_text
from tradeplan.lang.wording import Wording, wording
from tradeplan.lang.yaml_reader import read_yaml
from tradeplan.plan.machines import entry_machine, slot_machine
from tradeplan.plan.model import (
    Account,
    BreakEven,
    BrokerRef,
    EntryRule,
    ExitPlan,
    Fees,
    GridProgram,
    OrderTemplate,
    Plan,
    RiskLimits,
    Sizing,
    TimeExit,
    Trailing,
)
from tradeplan.plan.signals import RuleSignals
from tradeplan.ports.profile_file import VenueRules


@dataclass(frozen=True, slots=True)
class CompileResult:
    plan: Plan | None
    diagnostics: tuple[Diagnostic, ...]
    spec: StrategySpec | None = field(default=None, compare=False)

    @property
    def ok(self) -> bool:
        return self.plan is not None and not any(
            d.severity is Severity.ERROR for d in self.diagnostics
        )


def read_tree(text: str, file: str, form: Form, out: Collector) -> Node | None:
    if not text.strip() or is_blank(text):
        what = "the file is empty" if not text.strip() else "the file holds only comments"
        start = f"start with {wording(form).show('tradeplan', '1')}"
        out.report("TP005", FileLines(text, file).point(1, 1), what, start)
        return None
    if form is Form.YAML:
        return read_yaml(text, file, out)
    tree, problems = read_text(text, file)
    out.items.extend(problems)
    return tree


def compile_source(
    text: str, file: str, form: Form, venues: VenueRules | None = None
) -> CompileResult:
    """`venues`: a broker's live instrument rules (`lint --profile FILE`) to check against."""
    out = Collector()
    try:
        tree = read_tree(text, file, form, out)
        spec = build_spec(tree, file, out, form) if tree is not None else None
        plan = compile_spec(spec, out, venues) if spec is not None else None
    except Exception as exc:
        where = traceback.extract_tb(exc.__traceback__)[-1]
        out.report(
            "TP901",
            FileLines(text, file).point(1, 1),
            f"internal error: {type(exc).__name__}: {exc} (at {where.name}:{where.lineno})",
            "please report this with the file attached",
        )
        return CompileResult(None, tuple(out.sorted()))
    if out.has_errors:
        plan = None
    return CompileResult(plan, tuple(out.sorted()), spec)


def _merge_exits(base: ExitsSpec | None, override: ExitsSpec | None) -> ExitsSpec | None:
    """An entry's own exits replace the strategy's key by key."""
    if override is None:
        return base
    if base is None:
        return override
    values = {}
    for name in (
        "stop_loss",
        "take_profit",
        "trailing",
        "break_even",
        "time_exit",
        "exit_when",
        "time_in_force",
    ):
        mine = getattr(override, name)
        values[name] = mine if mine is not None else getattr(base, name)
    stop_none = override.stop_loss_none or (base.stop_loss_none and override.stop_loss is None)
    if override.stop_loss_none:
        values["stop_loss"] = None
    spans = {**base.spans, **override.spans}
    return ExitsSpec(**values, stop_loss_none=stop_none, span=override.span, spans=spans)


def _exit_plan(exits: ExitsSpec | None) -> ExitPlan:
    if exits is None:
        return ExitPlan()
    tr, be, te = exits.trailing, exits.break_even, exits.time_exit
    return ExitPlan(
        stop_loss=exits.stop_loss,
        take_profit=exits.take_profit,
        trailing=Trailing(tr.trail, tr.spread, tr.activate) if tr else None,
        break_even=BreakEven(be.at, be.within, be.otherwise, be.offset) if be else None,
        time_exit=TimeExit(te.after, te.at, te.tz) if te else None,
        exit_when=exits.exit_when,
        time_in_force=exits.time_in_force or TimeInForce.GTC,
    )


def _sizing(spec: SizingSpec | None) -> Sizing | None:
    return Sizing(spec.mode, spec.amount, spec.leverage) if spec else None


def compile_spec(
    spec: StrategySpec, out: Collector, venues: VenueRules | None = None
) -> Plan | None:
    words = wording(spec.form)
    inst = resolve_instrument(spec.instrument, out, words)
    check_bare_numbers(spec.bare_numbers, inst, out)
    session = resolve_session(spec)
    if spec.session is not None and inst.asset_class is not AssetClass.US_STOCK:
        out.report(
            "TP202",
            spec.where("session"),
            f"`session` (rth/eth/all) applies to US stocks only; {inst.symbol} has no "
            "regular and extended hours",
            words.say("remove", key="session"),
        )
    timeframe = spec.timeframe  # None: the data's own bars
    checker = ExpressionChecker(out, inst)
    if spec.exits is not None:
        check_exits(spec.exits, inst, spec.timeframe, out, words)
    entries = [
        _check_entry(spec, entry_index, inst, session, checker, out, words)
        for entry_index in range(len(spec.entries))
    ]
    grids = [_grid(g, inst, out, words) for g in spec.grids]
    account = Account(
        spec.account.currency or inst.quote_currency or "USD",
        spec.account.balance,
        spec.account.leverage,
    )
    risk = _risk(spec)
    check_quantities(spec, inst, out)
    spans = {**spec.spans, **(spec.risk.spans if spec.risk else {})}
    check_grid_caps(tuple(grids), spans, inst, account, risk, out, words)
    fill = resolve_fill(spec, inst)
    check_broker(spec, inst, session, fill, out, words)
    if venues is not None:
        check_venue(spec, inst, venues, out)
    fees = spec.fees
    if out.has_errors:
        return None  # nothing to lower: the caller reports the errors and makes no plan
    lowering = Lowering(inst)
    rules = [_entry_rule(entry, lowering) for entry in entries]
    plan = Plan(
        version=spec.version,
        name=spec.name,
        description=spec.description,
        instrument=inst,
        account=account,
        broker=BrokerRef(spec.broker.name, fill),
        session=session,
        timeframe=timeframe,
        fees=Fees(fees.per_unit, fees.per_notional, fees.per_order)
        if fees
        else Fees(Decimal(0), Decimal(0), Decimal(0)),
        rules=tuple(rules),
        grids=tuple(grids),
        risk=risk,
        machines=tuple([entry_machine(r) for r in rules] + [slot_machine(g) for g in grids]),
        signals=lowering.program(),
        on_restart=spec.on_restart or RestartPolicy.RESUME,
    )
    return plan


def _check_entry(
    spec: StrategySpec,
    index: int,
    inst: Instrument,
    session: Session,
    checker: ExpressionChecker,
    out: Collector,
    words: Wording,
) -> _CheckedEntry:
    """Every check of one entry; gives it with the exits and sizing it ends up with."""
    entry = spec.entries[index]
    checker.expect(entry.when, BOOL, "`when`")
    for name in ("price", "trigger"):
        expr = getattr(entry.order, name)
        if expr is not None:
            checker.expect(expr, NUMBER, f"`{name}`")
    check_order(entry.order, inst, out, words)
    exits = _merge_exits(spec.exits, entry.exits)
    if entry.exits is not None:
        check_exits(entry.exits, inst, spec.timeframe, out, words)
    if exits is not None and exits.exit_when is not None:
        checker.expect(exits.exit_when, BOOL, "`exit_when`")
    sizing = entry.sizing or spec.sizing
    check_sizing(sizing, entry.span, exits, entry.name, out, words)
    check_stop_present(entry, exits, out, words)
    outside = any(mentions_session(entry.when, w) for w in ("pre", "post"))
    check_market_hours(entry, session, inst, out, outside, words)
    return _CheckedEntry(entry, exits, sizing)


@dataclass(frozen=True, slots=True)
class _CheckedEntry:
    entry: EntrySpec
    exits: ExitsSpec | None
    sizing: SizingSpec | None


def _entry_rule(checked: _CheckedEntry, lowering: Lowering) -> EntryRule:
    """A checked entry as the plan's rule, its expressions lowered into the plan's graph."""
    entry, exits, sizing = checked.entry, checked.exits, checked.sizing
    order = entry.order
    exit_when = None if exits is None else exits.exit_when
    signals = RuleSignals(
        lowering.condition(entry.when),
        None if exit_when is None else lowering.condition(exit_when),
        None if order.price is None else lowering.number(order.price),
        None if order.trigger is None else lowering.number(order.trigger),
    )
    return EntryRule(
        name=entry.name,
        side=entry.side,
        when=entry.when,
        order=OrderTemplate(
            entry.order.type,
            entry.order.price,
            entry.order.trigger,
            entry.order.trail,
            entry.order.spread,
            entry.order.activate,
        ),
        sizing=_sizing(sizing),
        exits=_exit_plan(exits),
        time_in_force=entry.time_in_force or TimeInForce.DAY,
        signals=signals,
    )


def _grid(grid_spec: GridSpec, inst: Instrument, out: Collector, words: Wording) -> GridProgram:
    check_grid(grid_spec, inst, out, words)
    unreadable = not grid_spec.stop_loss_none and "stop_loss" in grid_spec.spans  # reported
    if grid_spec.stop_loss is None and not unreadable:
        out.report(
            "TP402",
            grid_spec.where("stop_loss") if grid_spec.stop_loss_none else grid_spec.span,
            f"grid `{grid_spec.name}` has no stop loss: if the market leaves the range, "
            "losses on open slots are not bounded",
            f"add {words.ref('stop_loss', '100 pips')} or watch the range by hand",
        )
    return GridProgram(
        name=grid_spec.name,
        side=grid_spec.side,
        slots=slot_prices(grid_spec, inst, out, words),
        units=grid_spec.units,
        take_profit=grid_spec.take_profit,
        stop_loss=grid_spec.stop_loss,
        counter=grid_spec.counter,
        follow=grid_spec.follow,
    )


def _risk(spec: StrategySpec) -> RiskLimits:
    r = spec.risk
    if r is None:
        return RiskLimits(one_position_per_symbol=not spec.grids)
    return RiskLimits(
        max_open_positions=r.max_open_positions,
        max_notional=r.max_notional,
        max_position=r.max_position,
        daily_loss_limit=r.daily_loss_limit,
        max_drawdown=r.max_drawdown,
        one_position_per_symbol=(
            not spec.grids if r.one_position_per_symbol is None else r.one_position_per_symbol
        ),
        max_risk_per_trade=r.max_risk_per_trade,
    )
