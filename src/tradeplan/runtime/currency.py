"""Account currency per unit of the instrument's quote currency: what every fill is valued at.

A backtest and a live run must value fills the same way, so the rule lives in the kernel, not
in the backtest wiring:

* the account holds the quote currency (JPY account, USD/JPY): 1;
* the account holds the base currency (USD account, USD/JPY): 1 / price at each fill, exact;
* otherwise (JPY account, EUR/USD) the prices cannot tell the rate: it must be given (`--rate`
  in a backtest, the broker's conversion rate live), and a run without one is refused rather
  than sized and valued in the wrong currency.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal, localcontext

from tradeplan.core.instrument import Instrument
from tradeplan.core.money import ONE
from tradeplan.runtime.ledger import QuoteRate, same_currency


class RateError(ValueError):
    """The rate cannot be settled as asked: one is missing, or one was given that is not needed."""


def needs_rate(instrument: Instrument, account: str) -> bool:
    """Whether the account's currency is neither of the pair's (a JPY account trading
    EUR/USD): the price alone does not say what a quote unit is worth in it."""
    quote, base = instrument.quote_currency, instrument.base_currency
    return not (quote in (None, account) or base == account)


def quote_rate(instrument: Instrument, account: str, given: Decimal | None) -> QuoteRate:
    """The rate for `instrument` in an `account`-currency account; `given` is a fixed rate."""
    quote = instrument.quote_currency
    if not needs_rate(instrument, account):
        if given is not None and not (quote in (None, account) and given == ONE):
            rule = "is 1" if quote in (None, account) else "is 1 / price at each fill"
            raise RateError(
                f"--rate is not needed: the account currency {account} is a currency of "
                f"{instrument.symbol}, so the rate {rule}; leave --rate out"
            )
        return same_currency if quote in (None, account) else inverse_price
    if given is None:
        raise RateError(
            f"{instrument.symbol} is quoted in {quote} but the account is in {account}: give "
            f"--rate, the {account} per 1 {quote} (e.g. --rate 150 for a JPY account with USD "
            "quotes), so that sizes, margin and P&L are in the account currency"
        )
    fixed = given

    def constant(_: Decimal) -> Decimal:
        return fixed

    return constant


def inverse_price(price: Decimal) -> Decimal:
    """1 / price rounded down, so that price x rate never exceeds 1: a size the margin cap
    allows exactly is never refused by the broker for a last-digit excess. Sizing itself uses
    the exact fraction (`runtime.entry_sizing.sizing_rate`)."""
    with localcontext() as ctx:
        ctx.prec = 28
        ctx.rounding = ROUND_DOWN
        return ONE / price
