"""Sizing and risk checks: a quantity for every order, risk measured against a stop, caps sane."""

from __future__ import annotations

from decimal import Decimal

from tradeplan.core.enums import AssetClass
from tradeplan.core.instrument import Instrument
from tradeplan.core.money import plain
from tradeplan.diagnostics.collector import Collector
from tradeplan.diagnostics.model import Span
from tradeplan.lang.model import EntrySpec, ExitsSpec, SizingSpec
from tradeplan.lang.wording import Wording
from tradeplan.plan.model import Account, GridProgram, RiskLimits

TWO_PERCENT = Decimal(2)


def check_sizing(
    sizing: SizingSpec | None,
    where: Span,
    exits: ExitsSpec | None,
    name: str,
    out: Collector,
    words: Wording,
) -> None:
    fixed = f"{words.ref('units', '1000')} / {words.ref('qty', '10')}"
    if sizing is None:
        out.report(
            "TP406",
            where,
            f"entry `{name}` does not say how much to trade; it will trade the minimum quantity",
            f"add {words.show('sizing', {'risk': '1%'})} to the strategy, "
            f"or {fixed} {words.say('to_the_entry')}",
        )
        return
    if sizing.mode != "risk":
        return
    # Zero and above 100% are refused where the file is read (lang/ranges.py, TP407).
    if sizing.amount > TWO_PERCENT:
        out.report(
            "TP403",
            sizing.where("risk"),
            f"risking {plain(sizing.amount)}% of the balance per trade is above the 2% rule",
            f"five losses in a row would cost {_streak_loss(sizing.amount)}% of the balance; "
            f"consider {words.show('risk', '2%')} or less",
        )
    if (exits is None or exits.stop_loss is None) and not _stop_unreadable(exits):
        out.report(
            "TP401",
            sizing.where("risk"),
            f"entry `{name}` is sized by risk but has no stop loss to measure the risk against",
            f"add {words.ref('stop_loss', '20 pips')} {words.say('to_the_exits')}, "
            f"or size with {fixed} instead",
        )


def _stop_unreadable(exits: ExitsSpec | None) -> bool:
    """A `stop_loss` was written but refused where it was read (say `1e-17 pips`, TP210): that
    error is the one to fix, and "there is no stop loss" beside it would send the reader to add
    one that is already there."""
    return (
        exits is not None
        and exits.stop_loss is None
        and not exits.stop_loss_none
        and "stop_loss" in exits.spans
    )


def _streak_loss(percent: Decimal, losses: int = 5) -> Decimal:
    """Share of the balance lost after `losses` stopped-out trades in a row, each sized on what
    is left: 5% -> 22.6, 2% -> 9.6."""
    kept = (1 - percent / 100) ** losses
    return ((1 - kept) * 100).quantize(Decimal("0.1"))


def check_stop_present(
    entry: EntrySpec, exits: ExitsSpec | None, out: Collector, words: Wording
) -> None:
    if exits is None or (exits.stop_loss is None and exits.trailing is None):
        if _stop_unreadable(exits):
            return
        span = (
            exits.where("stop_loss") if exits is not None and exits.stop_loss_none else entry.span
        )
        out.report(
            "TP402",
            span,
            f"entry `{entry.name}` has no stop loss: its loss is not bounded",
            f"add {words.ref('stop_loss', '20 pips')} (or {words.ref('trailing', '3%')}) "
            f"{words.say('to_the_exits')}",
        )


def grid_notional(grids: tuple[GridProgram, ...], inst: Instrument) -> Decimal:
    """Worst case: every slot of every grid filled.

    FX states position size in units of the base currency (what brokers' position limits
    count); stocks and crypto in the quote currency, price times quantity.
    """
    if inst.asset_class is AssetClass.FX:
        return sum((g.units * len(g.slots) for g in grids), Decimal(0))
    return sum((price * g.units for g in grids for price in g.slots), Decimal(0))


def grid_margin(
    grids: tuple[GridProgram, ...], inst: Instrument, account: Account
) -> Decimal | None:
    """Margin in the account currency, when the account currency makes it computable exactly."""
    if account.leverage is None:
        return None
    units = sum((g.units * len(g.slots) for g in grids), Decimal(0))
    if inst.asset_class is AssetClass.FX and account.currency == inst.base_currency:
        return units / account.leverage
    if account.currency == inst.quote_currency:
        quote_value = sum((p * g.units for g in grids for p in g.slots), Decimal(0))
        return quote_value / account.leverage
    return None


def check_grid_caps(
    grids: tuple[GridProgram, ...],
    spans: dict[str, Span],
    inst: Instrument,
    account: Account,
    risk: RiskLimits,
    out: Collector,
    words: Wording,
) -> None:
    if not grids:
        return
    notional = grid_notional(grids, inst)
    currency = inst.base_currency if inst.asset_class is AssetClass.FX else inst.quote_currency
    slots = sum(len(g.slots) for g in grids)
    if risk.max_notional is not None and notional > risk.max_notional:
        out.report(
            "TP404",
            spans["max_notional"],
            f"with all {slots} slots filled the grid holds {plain(notional, grouped=True)} "
            f"{currency or ''} of {inst.symbol}, above "
            f"{words.show('max_notional', plain(risk.max_notional, grouped=True))}".replace(
                "  ", " "
            ),
            "reduce units, widen the step, narrow the range, or raise max_notional",
        )
    margin = grid_margin(grids, inst, account)
    leverage, balance = account.leverage, account.balance
    if margin is not None and leverage is not None and balance is not None and margin > balance:
        out.report(
            "TP405",
            spans["account"],
            f"with all {slots} slots filled the grid needs {margin:,.0f} {account.currency} of "
            f"margin at {plain(leverage)}x, more than the balance of {plain(balance, grouped=True)}",
            "reduce units or slots, or raise the balance",
        )
