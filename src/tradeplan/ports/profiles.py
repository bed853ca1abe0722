"""What each broker allows, as data: order types, sessions, price rules and instrument defaults.

The linter checks a strategy against a profile and the guards check orders against it, so both
read the same facts from here. Nothing in this module talks to a broker: it imports only core.
Values are the venues' documented rules (seeds 000-003); figures a live adapter can read from the
venue (tick, step, min notional, leverage) are defaults the adapter overrides.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from types import MappingProxyType

from tradeplan.core.enums import AssetClass, FillProfile, OrderType, Side, TimeInForce
from tradeplan.core.instrument import Instrument, default_instrument


@dataclass(frozen=True, slots=True)
class WidthProblem:
    """One width below a broker's minimum, or a price beyond its limit."""

    name: str
    value: Decimal
    limit: Decimal
    message: str


@dataclass(frozen=True, slots=True)
class PriceRules:
    """A dealer's limits on order widths (in pips) and on how far from the market a price may be.

    `max_distance_ratio` 0.99 means an order priced more than 99% of the reference price away
    from it is refused. Widths are compared by size: a counter of -50 pips is 50 pips wide.
    """

    min_take_profit_pips: Decimal | None = None
    min_stop_loss_pips: Decimal | None = None
    min_reentry_pips: Decimal | None = None
    max_width_pips: Decimal | None = None
    max_distance_ratio: Decimal | None = None

    def within_distance(self, price: Decimal, reference: Decimal) -> bool:
        if self.max_distance_ratio is None:
            return True
        return abs(price - reference) <= reference * self.max_distance_ratio

    def width_problems(
        self,
        *,
        take_profit_pips: Decimal | None = None,
        stop_loss_pips: Decimal | None = None,
        counter_pips: Decimal | None = None,
        follow_pips: Decimal | None = None,
    ) -> tuple[WidthProblem, ...]:
        """Every width the broker would refuse, for the linter and the guards alike."""
        checks = (
            ("take_profit", take_profit_pips, self.min_take_profit_pips),
            ("stop_loss", stop_loss_pips, self.min_stop_loss_pips),
            ("counter", counter_pips, self.min_reentry_pips),
            ("follow", follow_pips, self.min_reentry_pips),
        )
        problems: list[WidthProblem] = []
        for name, value, minimum in checks:
            if value is None:
                continue
            width = abs(value)
            if minimum is not None and width < minimum:
                problems.append(
                    WidthProblem(name, value, minimum, f"{name} must be at least {minimum} pips")
                )
            if self.max_width_pips is not None and width > self.max_width_pips:
                problems.append(
                    WidthProblem(
                        name,
                        value,
                        self.max_width_pips,
                        f"{name} must be at most {self.max_width_pips} pips",
                    )
                )
        return tuple(problems)


def reference_price(side: Side, bid: Decimal, ask: Decimal) -> Decimal:
    """Dealers judge a buy against the Ask and a sell against the Bid (seed 002)."""
    return ask if side is Side.BUY else bid


@dataclass(frozen=True, slots=True)
class AssetDefaults:
    """Per asset class; None keeps core's default (JPY pip / 10, the US sub-penny rule...)."""

    tick: Decimal | None = None
    step: Decimal | None = None
    min_notional: Decimal | None = None
    max_leverage: Decimal | None = None


_NO_DEFAULTS = AssetDefaults()


@dataclass(frozen=True, slots=True)
class BrokerProfile:
    """One broker's rules. `adapter` names the implementation that runs it.

    A type missing from `native_order_types` is not forbidden: the runtime emulates it (e.g. a
    trailing stop limit on Binance). `venue_order_names` documents the broker's word for each
    native type, which differs in surprising ways (Binance's STOP is a stop-limit).
    """

    name: str
    adapter: str
    summary: str
    asset_classes: frozenset[AssetClass]
    native_order_types: frozenset[OrderType]
    time_in_force: frozenset[TimeInForce]
    venue_order_names: tuple[tuple[OrderType, str], ...] = ()
    extended_hours: bool = False
    supports_pips: bool = False
    reduce_only: bool = False
    exits_on_fill: bool = False
    trailing_needs_position: bool = False
    fill_profile: FillProfile | None = None
    price_rules: PriceRules = field(default_factory=PriceRules)
    defaults: tuple[tuple[AssetClass, AssetDefaults], ...] = ()

    def is_native(self, order_type: OrderType) -> bool:
        return order_type in self.native_order_types

    def needs_emulation(self, order_type: OrderType) -> bool:
        return order_type not in self.native_order_types

    def venue_name(self, order_type: OrderType) -> str | None:
        return dict(self.venue_order_names).get(order_type)

    def trades(self, asset_class: AssetClass) -> bool:
        return asset_class in self.asset_classes

    def defaults_for(self, asset_class: AssetClass) -> AssetDefaults:
        return dict(self.defaults).get(asset_class, _NO_DEFAULTS)

    def max_leverage(self, asset_class: AssetClass) -> Decimal | None:
        return self.defaults_for(asset_class).max_leverage

    def venue_instrument(self, instrument: Instrument) -> Instrument:
        """`instrument` as this broker trades it: the profile's tick, step and minimum notional
        replace the strategy's where the profile has them, because the venue refuses an order
        off its own grid whatever the strategy believes (the guards check orders against this;
        e.g. Triauto's 1,000-unit lots). Pip and currencies stay the strategy's."""
        rules = self.defaults_for(instrument.asset_class)
        return replace(
            instrument,
            tick=rules.tick if rules.tick is not None else instrument.tick,
            step=rules.step if rules.step is not None else instrument.step,
            min_notional=(
                rules.min_notional if rules.min_notional is not None else instrument.min_notional
            ),
        )

    def instrument(self, symbol: str, asset_class: AssetClass | None = None) -> Instrument:
        """The symbol's instrument with this broker's tick, step and min notional applied."""
        base = default_instrument(symbol, asset_class)
        rules = self.defaults_for(base.asset_class)
        return replace(
            base,
            tick=rules.tick if rules.tick is not None else base.tick,
            step=rules.step if rules.step is not None else base.step,
            min_notional=(
                rules.min_notional if rules.min_notional is not None else base.min_notional
            ),
        )


_ALL_TYPES = frozenset(OrderType)
_BOTH_TIF = frozenset({TimeInForce.DAY, TimeInForce.GTC})
_GTC = frozenset({TimeInForce.GTC})

PAPER = BrokerProfile(
    name="paper",
    adapter="paper",
    summary="simulated broker: every order type native, exchange-style fills",
    asset_classes=frozenset(AssetClass),
    native_order_types=_ALL_TYPES,
    time_in_force=_BOTH_TIF,
    # The simulator can replay pre- and post-market bars, so strategies meant for futu test here.
    extended_hours=True,
    supports_pips=True,
    reduce_only=True,
    exits_on_fill=True,
    fill_profile=FillProfile.EXCHANGE,
    # Seed 002's dealer rule, kept on the simulator as a sanity bound: no real venue fills an
    # order priced more than 99% of the market away from it, and such an order is nearly
    # always a level written for another instrument (a USD/JPY grid at 105 on EUR/USD data).
    price_rules=PriceRules(max_distance_ratio=Decimal("0.99")),
)

TRIAUTO = BrokerProfile(
    name="triauto",
    adapter="paper",
    summary="Triauto-style FX dealer rules on the paper broker (seed 002)",
    asset_classes=frozenset({AssetClass.FX}),
    native_order_types=frozenset({OrderType.MARKET, OrderType.LIMIT, OrderType.STOP}),
    time_in_force=_GTC,
    supports_pips=True,
    exits_on_fill=True,
    fill_profile=FillProfile.DEALER,
    price_rules=PriceRules(
        # Seed 002's price-limit table: take profit from 1 pip, stop loss from 20 pips,
        # counter and follow from 5 pips, widths up to 99999.9, prices within 99% of reference.
        min_take_profit_pips=Decimal(1),
        min_stop_loss_pips=Decimal(20),
        min_reentry_pips=Decimal(5),
        max_width_pips=Decimal("99999.9"),
        max_distance_ratio=Decimal("0.99"),
    ),
    # Japanese retail FX: 1,000-unit lots and at most 25x leverage.
    defaults=((AssetClass.FX, AssetDefaults(step=Decimal(1000), max_leverage=Decimal(25))),),
)

FUTU = BrokerProfile(
    name="futu",
    adapter="futu",
    summary="Futu OpenAPI, US stocks (seed 000)",
    asset_classes=frozenset({AssetClass.US_STOCK}),
    native_order_types=_ALL_TYPES,
    time_in_force=_BOTH_TIF,
    venue_order_names=(
        (OrderType.MARKET, "MARKET"),
        (OrderType.LIMIT, "NORMAL"),
        (OrderType.STOP, "STOP"),
        (OrderType.STOP_LIMIT, "STOP_LIMIT"),
        (OrderType.MARKET_IF_TOUCHED, "MARKET_IF_TOUCHED"),
        (OrderType.LIMIT_IF_TOUCHED, "LIMIT_IF_TOUCHED"),
        (OrderType.TRAILING_STOP, "TRAILING_STOP"),
        (OrderType.TRAILING_STOP_LIMIT, "TRAILING_STOP_LIMIT"),
    ),
    extended_hours=True,
    # Reg T: a margin account may borrow up to half of an overnight position.
    defaults=((AssetClass.US_STOCK, AssetDefaults(step=Decimal(1), max_leverage=Decimal(2))),),
)

BINANCE = BrokerProfile(
    name="binance",
    adapter="binance",
    summary="Binance USD-M futures (seed 001)",
    asset_classes=frozenset({AssetClass.CRYPTO_PERP}),
    native_order_types=frozenset(
        {
            OrderType.MARKET,
            OrderType.LIMIT,
            OrderType.STOP,
            OrderType.STOP_LIMIT,
            OrderType.MARKET_IF_TOUCHED,
            OrderType.LIMIT_IF_TOUCHED,
            OrderType.TRAILING_STOP,
        }
    ),
    time_in_force=_GTC,
    venue_order_names=(
        (OrderType.MARKET, "MARKET"),
        (OrderType.LIMIT, "LIMIT"),
        (OrderType.STOP, "STOP_MARKET"),
        (OrderType.STOP_LIMIT, "STOP"),
        (OrderType.MARKET_IF_TOUCHED, "TAKE_PROFIT_MARKET"),
        (OrderType.LIMIT_IF_TOUCHED, "TAKE_PROFIT"),
        (OrderType.TRAILING_STOP, "TRAILING_STOP_MARKET"),
    ),
    reduce_only=True,
    # exchangeInfo filters (tickSize, stepSize, minNotional) replace these per symbol when live.
    defaults=(
        (
            AssetClass.CRYPTO_PERP,
            AssetDefaults(
                tick=Decimal("0.1"),
                step=Decimal("0.001"),
                min_notional=Decimal(5),
                max_leverage=Decimal(125),
            ),
        ),
    ),
)

OANDA = BrokerProfile(
    name="oanda",
    adapter="oanda",
    summary="OANDA v20, FX (seed 003)",
    asset_classes=frozenset({AssetClass.FX}),
    native_order_types=frozenset(
        {
            OrderType.MARKET,
            OrderType.LIMIT,
            OrderType.STOP,
            OrderType.MARKET_IF_TOUCHED,
            OrderType.TRAILING_STOP,
        }
    ),
    time_in_force=_BOTH_TIF,
    venue_order_names=(
        (OrderType.MARKET, "MARKET"),
        (OrderType.LIMIT, "LIMIT"),
        (OrderType.STOP, "STOP"),
        (OrderType.MARKET_IF_TOUCHED, "MARKET_IF_TOUCHED"),
        (OrderType.TRAILING_STOP, "TRAILING_STOP_LOSS"),
    ),
    supports_pips=True,
    reduce_only=True,
    exits_on_fill=True,
    # OANDA's trailing stop loss hangs off an open trade (trailingStopLossOnFill): no entry order.
    trailing_needs_position=True,
    # Seed 003's account: marginRate 0.05, i.e. 20x; the live adapter reads marginRate.
    defaults=((AssetClass.FX, AssetDefaults(step=Decimal(1), max_leverage=Decimal(20))),),
)

PROFILES: Mapping[str, BrokerProfile] = MappingProxyType(
    {profile.name: profile for profile in (PAPER, TRIAUTO, FUTU, BINANCE, OANDA)}
)


class UnknownProfileError(LookupError):
    """A broker name no profile exists for."""


def get_profile(name: str) -> BrokerProfile:
    key = name.strip().lower()
    try:
        return PROFILES[key]
    except KeyError:
        known = ", ".join(sorted(PROFILES))
        raise UnknownProfileError(f"unknown broker {name!r}; known: {known}") from None


def profile_or_paper(name: str) -> BrokerProfile:
    """The rules of the broker a strategy names (tick, step, minimum notional), which the paper
    broker stands in for in a backtest and the live runtime enforces; PAPER when the name is
    not a known broker."""
    try:
        return get_profile(name)
    except UnknownProfileError:
        return PAPER
