"""`tradeplan instruments --broker futu`: each US stock's rules as the gateway states them
(lot size from Qot_GetStaticInfo; the price grid is the US rule: cents at $1 and above,
hundredths of a cent below). Needs only the quote side: no trading password."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from tradeplan.brokers.futu.config import config_from_env
from tradeplan.brokers.futu.gateway import close_context, open_context
from tradeplan.brokers.futu.mapping import CENT
from tradeplan.core.enums import AssetClass
from tradeplan.ports.adapters import VenueInstrument
from tradeplan.ports.live import BrokerUnavailable
from tradeplan.ports.profiles import FUTU


def read_instruments(
    codes: Sequence[str], environ: Mapping[str, str], connect_timeout: float
) -> tuple[VenueInstrument, ...]:
    config = config_from_env({**environ, "FUTU_TRD_ENV": "simulate"})
    ctx = open_context(
        "quote",
        config,
        environ,
        timeout=connect_timeout,
        answer_timeout=connect_timeout,
        reconnect=connect_timeout,
    )
    try:
        from tradeplan.brokers.futu.sdk import load_sdk

        futu = load_sdk(environ)
        ret, frame = ctx.get_stock_basicinfo(futu.Market.US, futu.SecurityType.STOCK, list(codes))
        if ret != futu.RET_OK:
            raise BrokerUnavailable(f"FutuOpenD static info failed: {frame}")
        rows = {str(r["code"]): r for r in frame.to_dict("records")} if len(frame) else {}
    finally:
        close_context(ctx)
    out = []
    for code in codes:
        row = rows.get(code)
        if row is None:
            raise BrokerUnavailable(f"FutuOpenD knows no US stock {code}")
        lot = Decimal(int(row.get("lot_size") or 1))
        out.append(
            VenueInstrument(
                broker="futu",
                symbol=code,
                venue_symbol=code,
                asset_class=AssetClass.US_STOCK,
                tick=CENT,
                step=lot,
                min_qty=lot,
                max_leverage=Decimal(2),
                native_order_types=FUTU.native_order_types,
                facts=(
                    ("lot_size", str(lot)),
                    ("name", str(row.get("name", ""))),
                    ("sub_penny_below", "1.00"),
                ),
            )
        )
    return tuple(out)


__all__ = ["read_instruments"]
