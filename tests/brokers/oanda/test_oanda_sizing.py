"""SEMANTICS section 4's table, reproduced through the adapter from live-shaped OANDA data.

Each row's account (currency, balance), instrument rules (pipLocation, marginRate 0.05 = 20x)
and pricing (Bid/Ask and quoteHomeConversionFactors whose mid is the row's rate) are served by
the fake OANDA as the v20 API shapes them; the real SDK reads them, and the adapter sizes with
`tradeplan.sizing`. The USD rows are seed 003's own program output.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal as D

import pytest
from fake_oanda import FakeInstrument, FakeOanda, FakePrice

from tradeplan.brokers.oanda import live_sizing
from tradeplan.brokers.oanda.sizing import size_live

INSTRUMENTS = {
    "USD_JPY": FakeInstrument("USD_JPY", -2, 3),
    "EUR_USD": FakeInstrument("EUR_USD", -4, 5),
    "EUR_JPY": FakeInstrument("EUR_JPY", -2, 3),
    "EUR_GBP": FakeInstrument("EUR_GBP", -4, 5),
}


def account(currency: str, balance: str, prices: dict[str, FakePrice]) -> FakeOanda:
    fake = FakeOanda(currency=currency, balance=D(balance), instruments=INSTRUMENTS, prices=prices)
    fake.start()
    return fake


@pytest.fixture
def fakes() -> Iterator[list[FakeOanda]]:
    made: list[FakeOanda] = []
    yield made
    for fake in made:
        fake.close()


# account, balance, instrument, price (bid, ask, positiveUnits, negativeUnits), stop, rate,
# units by the rule, final units after the margin cap
ROWS = [
    ("JPY", "500000", "USD/JPY", ("104.990", "105.010", "1.0", "1.0"), 20, "1", 50_000, 50_000),
    (
        "JPY",
        "500000",
        "EUR/USD",
        ("1.10000", "1.10010", "105.01", "104.99"),
        20,
        "105",
        47_619,
        47_619,
    ),
    (
        "EUR",
        "500000",
        "EUR/JPY",
        ("127.990", "128.010", "0.0078125", "0.0078125"),
        20,
        "0.0078125",
        6_400_000,
        6_400_000,
    ),
    (
        "USD",
        "98891.66",
        "USD/JPY",
        ("108.370", "108.390", "0.009227", "0.00922659"),
        10,
        "0.009226795",
        2_143_575,
        1_977_833,
    ),
    ("USD", "98891.66", "EUR/USD", ("0.99990", "1.00000", "1.0", "1.0"), 10, "1", 1_977_833, None),
    (
        "USD",
        "98891.66",
        "EUR/GBP",
        ("0.85000", "0.85010", "1.38400", "1.38384"),
        10,
        "1.38392",
        1_429_152,
        1_429_152,
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=[f"{r[0]}-{r[2]}" for r in ROWS])
def test_semantics_section_4_row(fakes: list[FakeOanda], row: tuple) -> None:  # type: ignore[type-arg]
    currency, balance, symbol, (bid, ask, pos, neg), stop, rate, units, final = row
    name = symbol.replace("/", "_")
    fake = account(currency, balance, {name: FakePrice(bid, ask, pos, neg)})
    fakes.append(fake)
    figures = live_sizing(symbol, fake.environ(), 2.0)
    assert figures.currency == currency and figures.balance == D(balance)
    assert figures.quote_home_rate == D(rate)
    assert figures.rules.pip == (D("0.01") if name.endswith("JPY") else D("0.0001"))
    result = size_live(figures, D("0.02"), D(stop))
    assert result.uncapped_units == units
    if final is not None:
        assert result.units == final
        assert result.capped is (final != units)


def test_usd_jpy_is_capped_at_20x_the_margin_available(fakes: list[FakeOanda]) -> None:
    fake = account(
        "USD", "98891.66", {"USD_JPY": FakePrice("108.370", "108.390", "0.009227", "0.00922659")}
    )
    fakes.append(fake)
    figures = live_sizing("USD/JPY", fake.environ(), 2.0)
    assert figures.rules.max_leverage == 20 and figures.base_home_rate == 1
    assert figures.margin_cap == 1_977_833  # 98,891.66 x 20, as the seed's unitsAvailable
    result = size_live(figures, D("0.02"), D(10))
    assert (result.units, result.uncapped_units, result.capped) == (1_977_833, 2_143_575, True)


def test_minimum_stop_that_keeps_the_size_under_the_cap(fakes: list[FakeOanda]) -> None:
    # Seed 003's second run: rate 0.00920251 asks 2,149,232 units; 11 pips fit 1,953,847.
    fake = account(
        "USD", "98891.66", {"USD_JPY": FakePrice("108.660", "108.680", "0.00920251", "0.00920251")}
    )
    fakes.append(fake)
    result = size_live(live_sizing("USD/JPY", fake.environ(), 2.0), D("0.02"), D(10))
    assert result.uncapped_units == 2_149_232
    assert result.units == 1_977_833
    assert result.min_stop_pips == 11
    assert result.units_at_min_stop == 1_953_847


def test_eur_usd_margin_binds_at_a_real_euro_price(fakes: list[FakeOanda]) -> None:
    """The table's EUR/USD row is the rule's figure; the seed printed it without a cap. At a
    euro worth 1.18 dollars, 20x the margin buys fewer euros than the rule asks for."""
    fake = account("USD", "98891.66", {"EUR_USD": FakePrice("1.17995", "1.18005", "1.0", "1.0")})
    fakes.append(fake)
    figures = live_sizing("EUR/USD", fake.environ(), 2.0)
    assert figures.base_home_rate == D("1.18")
    result = size_live(figures, D("0.02"), D(10))
    assert result.uncapped_units == 1_977_833
    assert result.units == figures.margin_cap == 1_676_129  # floor(1,977,833.2 / 1.18)


def test_deprecated_units_available_binds_when_smaller(fakes: list[FakeOanda]) -> None:
    fake = account(
        "USD",
        "98891.66",
        {"USD_JPY": FakePrice("108.370", "108.390", "0.009227", "0.00922659", "1500000")},
    )
    fakes.append(fake)
    figures = live_sizing("USD/JPY", fake.environ(), 2.0)
    assert figures.margin_cap == 1_500_000
    assert size_live(figures, D("0.02"), D(10)).units == 1_500_000


def test_margin_available_not_balance_sets_the_cap(fakes: list[FakeOanda]) -> None:
    fake = account(
        "USD", "98891.66", {"USD_JPY": FakePrice("108.370", "108.390", "0.009227", "0.00922659")}
    )
    fake.margin_available = D("50000")
    fakes.append(fake)
    figures = live_sizing("USD/JPY", fake.environ(), 2.0)
    assert figures.margin_cap == 1_000_000
    assert "marginAvailable: 50000" in "\n".join(figures.lines())
