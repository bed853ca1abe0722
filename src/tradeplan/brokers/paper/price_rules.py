"""The broker profile's price rules applied to one order as the paper broker receives it.

Kept apart from the broker so the fill simulation stays about fills: this only answers whether
a dealer following the profile would refuse the order's prices (seed 002: a limit or stop priced
more than 99% of the reference price away from it is an error, not an order).
"""

from __future__ import annotations

from decimal import Decimal

from tradeplan.orders.model import Order
from tradeplan.ports.profiles import PriceRules


def distance_refusal(order: Order, rules: PriceRules, reference: Decimal) -> str:
    """The reason to refuse `order`, or "" when its prices are within the profile's distance.

    `reference` is the Ask for a buy and the Bid for a sell, as the dealer judges it. The reason
    names both prices so a trader reading orders.csv sees why: typically a strategy's absolute
    levels written for another instrument (a USD/JPY grid at 105 on EUR/USD data at 1.08).
    """
    ratio = rules.max_distance_ratio
    if ratio is None or reference <= 0:
        return ""
    for label, price in (("price", order.price), ("trigger", order.trigger)):
        if price is None or rules.within_distance(price, reference):
            continue
        return (
            f"{label} {price} is more than {ratio * 100:f}% away from the reference price "
            f"{reference}"
        )
    return ""
