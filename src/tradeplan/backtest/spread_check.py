"""Whether a `--spread` given for a backtest is plausible, and whether the data file uses it.

`--spread` is a price amount, and two easy mistakes run without a word otherwise:

* **Pips written as a price.** `--spread 0.3` on USD/JPY is 30 pips (meant: 0.3 pips, 0.003).
  A pair of two major currencies (USD EUR JPY GBP CHF AUD NZD CAD, as in `instrument_check`)
  trades at a few pips even in a bad hour, so `MAJOR_PAIR_PIPS` (20) pips or more is flagged.
  On any instrument (stocks, crypto futures, exotic pairs such as USD/TRY whose spreads run to
  hundreds of pips), a spread of more than `MAX_PERCENT_OF_PRICE` (1%) of the data's first price
  is flagged: every trade would start that far behind.
* **A file that has its own spread.** A bars file with a `spread` column, or ticks with `bid`
  and `ask`, uses the file's spread on every row (an empty cell is a data error), so `--spread`
  is not used at all; the warning says which one the run used.

An explicit `--spread 0` is taken as meant (no cost of crossing); leaving `--spread` out on data
without a spread already warns in `runtime.data`. These are warnings: the run goes on.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from tradeplan.backtest.data import DataKind, MarketData
from tradeplan.backtest.instrument_check import MAJORS
from tradeplan.core.enums import AssetClass
from tradeplan.core.instrument import Instrument
from tradeplan.core.money import HUNDRED

MAJOR_PAIR_PIPS: Final = Decimal(20)
MAX_PERCENT_OF_PRICE: Final = Decimal(1)


def spread_warnings(instrument: Instrument, data: MarketData, given: Decimal | None) -> list[str]:
    """One line per problem with `given` (the `--spread` value) for this instrument and data."""
    if given is None:
        return []
    shown = _plain(given)
    if data.spread_from_file:
        if data.kind is DataKind.TICKS:
            return [
                f"{data.source} gives bid and ask, so the spread is ask - bid on every row: "
                f"--spread {shown} is ignored (leave it out)"
            ]
        return [
            f"{data.source} has a spread column, which is used on every row: "
            f"--spread {shown} is ignored (leave it out, or remove the column to use it)"
        ]
    if given == 0 or len(data) == 0:
        return []
    pip = instrument.pip
    pair = {instrument.base_currency, instrument.quote_currency}
    if instrument.asset_class is AssetClass.FX and pip and pair <= MAJORS:
        pips = given / pip
        if pips >= MAJOR_PAIR_PIPS:
            unit = "pip" if given == 1 else "pips"
            return [
                f"--spread {shown} on {instrument.symbol} is {_plain(pips, grouped=True)} pips, "
                "far wider than a pair of major currencies trades at "
                f"({_plain(MAJOR_PAIR_PIPS)} pips or more is implausible); --spread is a price "
                f"amount: for {shown} {unit} write --spread {_plain(given * pip)}"
            ]
    first = data.price("close", 0)
    percent = given / first * HUNDRED
    if percent > MAX_PERCENT_OF_PRICE:
        return [
            f"--spread {shown} on {instrument.symbol} is {percent:.2f}% of the first price "
            f"{first}: every trade would start that far behind; --spread is a price amount in "
            "the quote currency, not pips, ticks or percent"
        ]
    return []


def _plain(value: Decimal, *, grouped: bool = False) -> str:
    """Without exponent or trailing zeros: 0.0001, 30, 10,000."""
    normal = value.normalize()
    return format(normal, ",f" if grouped else "f")
