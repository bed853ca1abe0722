"""Filling in what the file leaves out: the instrument's tick/step/pip, session, fill profile."""

from __future__ import annotations

from dataclasses import replace

from tradeplan.core.enums import AssetClass, FillProfile, Session
from tradeplan.core.instrument import Instrument, default_instrument, infer_asset_class
from tradeplan.diagnostics.collector import Collector
from tradeplan.lang.model import InstrumentSpec, StrategySpec
from tradeplan.lang.wording import Wording


def resolve_instrument(spec: InstrumentSpec, out: Collector, words: Wording) -> Instrument:
    kind = AssetClass(spec.kind) if spec.kind else infer_asset_class(spec.symbol)
    if kind is None:
        out.report(
            "TP201",
            spec.where("symbol"),
            f"cannot tell what kind of instrument `{spec.symbol}` is",
            "write an FX pair as USD/JPY, a US stock as US.NVDA, a USD-M future as BTCUSDT, "
            f"or add {words.show('kind', 'fx | us_stock | crypto_perp')}",
        )
        kind = AssetClass.FX
    base = default_instrument(spec.symbol, kind)
    if spec.pip is not None and kind is not AssetClass.FX:
        out.report(
            "TP202",
            spec.where("pip"),
            f"`pip` is for FX pairs; {spec.symbol} is not one",
            "remove `pip`; use `tick` for the price increment",
        )
    pip = spec.pip if spec.pip is not None and kind is AssetClass.FX else base.pip
    tick = spec.tick or (
        pip / 10 if spec.pip is not None and pip and spec.tick is None else base.tick
    )
    return replace(
        base,
        pip=pip,
        tick=tick,
        step=spec.step or base.step,
        min_notional=spec.min_notional or base.min_notional,
    )


def resolve_session(spec: StrategySpec) -> Session:
    return spec.session or Session.RTH


def resolve_fill(spec: StrategySpec, instrument: Instrument) -> FillProfile:
    """Grid slots on FX default to the dealer rules they were designed for (SEMANTICS.md §1)."""
    if spec.broker.fill is not None:
        return spec.broker.fill
    if spec.grids and instrument.asset_class is AssetClass.FX:
        return FillProfile.DEALER
    return FillProfile.EXCHANGE
