from __future__ import annotations

from decimal import Decimal as D

from tradeplan.sizing import size_by_risk


def test_explain_capped_usd_jpy_names_every_number() -> None:
    text = size_by_risk(
        D("98891.66"),
        D("0.02"),
        10,
        D("0.01"),
        quote_home_rate=D("0.00920251"),
        leverage=20,
        currency="USD",
    ).explain()
    assert text.splitlines()[0] == "Size: 1,977,833 units (capped by margin)."
    for fragment in (
        "98,891.66 USD x 2% = 1,977.8332 USD",
        "/ 0.00920251",
        "10 pips x 0.01 = 0.1",
        "rounded down to a step of 1: 2,149,232",
        "x 20 (leverage)",
        "1,977,833 units",
        "at least 11 pips",
        "1,953,847 units",
    ):
        assert fragment in text, fragment


def test_explain_eur_usd_in_jpy_account() -> None:
    text = size_by_risk(
        500000, D("0.02"), 20, D("0.0001"), quote_home_rate=105, currency="JPY"
    ).explain()
    assert text.splitlines()[0] == "Size: 47,619 units."
    assert "10,000 / 105" in text
    assert "20 pips x 0.0001 = 0.002" in text
    assert "loses 9,999.99 JPY, within the 10,000 JPY budget" in text
    assert "No margin cap" in text


def test_explain_without_conversion_says_so() -> None:
    text = size_by_risk(500000, D("0.02"), 20, D("0.01")).explain()
    assert "no conversion" in text
    assert "Size: 50,000 units." in text


def test_explain_zero_cap() -> None:
    text = size_by_risk(500000, D("0.02"), 20, D("0.01"), units_available=0).explain()
    assert "no stop makes this trade fit" in text
