"""The data the report page's script draws: columns of plain JSON values, built in one pass.

Numbers a trader reads (prices, quantities, money) go as exact text formatted here; the floats
beside them only place a marker or sort a column. The payload is columnar (one list per field),
which keeps a page with 9,000 trades small and quick to build.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from numpy.typing import NDArray

from tradeplan.core.enums import Side
from tradeplan.core.epoch import ns_from_datetime
from tradeplan.core.money import fmt_decimal, round_display
from tradeplan.reporting.price_series import wall_ms
from tradeplan.runtime.records import (
    AlertRecord,
    OrderEventKind,
    OrderEventRecord,
    SignalRecord,
    TradeRecord,
)

I64 = NDArray[np.int64]
ENDS = frozenset(
    {
        OrderEventKind.FILLED,
        OrderEventKind.CANCELLED,
        OrderEventKind.EXPIRED,
        OrderEventKind.REJECTED,
        OrderEventKind.DROPPED,
    }
)


@dataclass(frozen=True, slots=True)
class Money:
    """Display rules for money: the minor unit's decimals, a true minus sign, thousands."""

    decimals: int

    def texts(self, values: Sequence[Decimal], *, signed: bool = False) -> list[str]:
        """`text` of each value, each distinct value formatted once."""
        done: dict[Decimal, str] = {}
        out = []
        for value in values:
            shown = done.get(value)
            if shown is None:
                shown = done[value] = self.text(value, signed=signed)
            out.append(shown)
        return out

    def text(self, value: Decimal | None, *, signed: bool = False) -> str:
        if value is None:
            return "—"
        exponent = value.as_tuple().exponent
        exact = value if exponent == -self.decimals else round_display(value, self.decimals)
        if exact == 0:
            exact = abs(exact)  # never -0.00
        body = f"{abs(exact):,f}"
        if exact < 0:
            return "−" + body
        return "+" + body if signed and exact > 0 else body


def time_texts(wall: I64) -> list[str]:
    """`YYYY-MM-DD HH:MM` (seconds when a time has them) of wall-clock ms, vectorised."""
    if wall.size == 0:
        return []
    stamps = wall.astype("datetime64[ms]")
    with_seconds = bool(np.any(wall % 60_000))
    unit = "s" if with_seconds else "m"
    texts = np.datetime_as_string(stamps, unit=unit)  # type: ignore[call-overload]
    return [str(s).replace("T", " ") for s in texts.tolist()]


def _ns(times: Sequence[object]) -> I64:
    return np.array([ns_from_datetime(t) for t in times], dtype=np.int64)  # type: ignore[arg-type]


def price_places(trades: Sequence[TradeRecord]) -> int:
    """Decimals the trades' prices need, so a price column lines up (109.590 over 109.425)."""
    places = 0
    for price in {p for t in trades for p in (t.entry_price, t.exit_price)}:  # distinct once
        exponent = price.normalize().as_tuple().exponent
        if isinstance(exponent, int):
            places = max(places, -exponent)
    return min(places, 8)


def fixed(value: Decimal, places: int) -> str:
    """Display only: an exact price padded with zeros to `places` decimals, never rounded."""
    text = fmt_decimal(value)
    if places == 0:
        return text
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(places, '0')}" if len(frac) <= places else text


def held_text(seconds: int) -> str:
    minutes = seconds // 60
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {mins:02d}m"
    if minutes:
        return f"{mins}m"
    return f"{seconds}s"


def trade_columns(
    trades: Sequence[TradeRecord], bars: Sequence[int], zone: str, money: Money
) -> dict[str, object]:
    """The trade table, one list per column (every trade: the page pages and sorts them)."""
    entry_ns = _ns([t.entry_time for t in trades])
    exit_ns = _ns([t.exit_time for t in trades])
    entry_wall, exit_wall = wall_ms(entry_ns, zone), wall_ms(exit_ns, zone)
    places = price_places(trades)
    held = ((exit_ns - entry_ns) // 10**9).tolist()
    return {
        "id": [t.trade_id for t in trades],
        "slot": [t.slot for t in trades],
        "side": [t.side.value for t in trades],
        "qty": [fmt_decimal(t.qty) for t in trades],
        "qtyv": [float(t.qty) for t in trades],
        "et": entry_wall.tolist(),
        "etx": time_texts(entry_wall),
        "ep": [fixed(t.entry_price, places) for t in trades],
        "epv": [float(t.entry_price) for t in trades],
        "xt": exit_wall.tolist(),
        "xtx": time_texts(exit_wall),
        "xp": [fixed(t.exit_price, places) for t in trades],
        "xpv": [float(t.exit_price) for t in trades],
        "reason": [t.exit_reason.value for t in trades],
        "pnl": money.texts([t.pnl for t in trades], signed=True),
        "pnlv": [float(t.pnl) for t in trades],
        "fees": money.texts([t.fees for t in trades]),
        "feesv": [float(t.fees) for t in trades],
        "mfe": money.texts([t.mfe for t in trades]),
        "mfev": [float(t.mfe) for t in trades],
        "mae": money.texts([t.mae for t in trades]),
        "maev": [float(t.mae) for t in trades],
        "bars": list(bars) if len(bars) == len(trades) else [None] * len(trades),
        "held": [held_text(int(s)) for s in held],
        "heldv": held,
    }


def level_segments(
    trades: Sequence[TradeRecord], orders: Sequence[OrderEventRecord], zone: str
) -> dict[str, dict[str, list[int] | list[float]]]:
    """Stop and take-profit levels while each trade was open: per kind, one entry a segment
    (`i`: the trade's position in `trades`, `x0`/`x1`: wall-clock ms, `y`: the level). A
    trade's exit orders are its slot's orders on the other side placed while it was open; a
    level above the entry of a long (below for a short) is a take profit, the other a stop. An
    amended order makes a step (two segments)."""
    events: dict[str, list[tuple[int, OrderEventRecord]]] = defaultdict(list)
    for event in orders:
        events[event.order_id].append((ns_from_datetime(event.time), event))
    placed: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for order_id, items in events.items():
        first_ns, first = items[0]
        placed[first.slot].append((first_ns, order_id))
    for starts in placed.values():
        starts.sort()
    found: dict[str, tuple[list[int], list[int], list[int], list[float]]] = {
        "stop": ([], [], [], []),
        "tp": ([], [], [], []),
    }
    for index, trade in enumerate(trades):
        start, end = ns_from_datetime(trade.entry_time), ns_from_datetime(trade.exit_time)
        slot_orders = placed.get(trade.slot, [])
        low = bisect.bisect_left(slot_orders, (start, ""))
        high = bisect.bisect_right(slot_orders, (end, "\uffff"))
        exit_side = trade.side.opposite
        for _, order_id in slot_orders[low:high]:
            items = events[order_id]
            if items[0][1].side is not exit_side:
                continue
            for t0, t1, level in _steps(items, end):
                above = level > trade.entry_price
                rows = found["tp" if above == (trade.side is Side.BUY) else "stop"]
                rows[0].append(index)
                rows[1].append(t0)
                rows[2].append(t1)
                rows[3].append(float(level))
    out: dict[str, dict[str, list[int] | list[float]]] = {}
    for kind, (index_list, x0, x1, y) in found.items():
        out[kind] = {
            "i": index_list,
            "x0": wall_ms(np.array(x0, dtype=np.int64), zone).tolist(),
            "x1": wall_ms(np.array(x1, dtype=np.int64), zone).tolist(),
            "y": y,
        }
    return out


def _steps(
    items: Sequence[tuple[int, OrderEventRecord]], cap_ns: int
) -> list[tuple[int, int, Decimal]]:
    """(from ns, to ns, level) for each stretch an order rested at one level."""
    steps: list[tuple[int, int, Decimal]] = []
    level: Decimal | None = None
    since = 0
    for event_ns, event in items:
        now = min(event_ns, cap_ns)
        if event.event in ENDS:
            if level is not None:
                steps.append((since, now, level))
            return steps
        new = event.trigger if event.trigger is not None else event.price
        if new is not None and new != level:
            if level is not None:
                steps.append((since, now, level))
            level, since = new, now
    if level is not None:
        steps.append((since, cap_ns, level))
    return steps


def event_rows(
    signals: Sequence[SignalRecord],
    alerts: Sequence[AlertRecord],
    stopped: dict[str, str],
    paused: dict[str, int],
    zone: str,
) -> dict[str, list[object]]:
    """Everything that happened beyond trades, one row each: refused signals, alerts (halts,
    daily limits, ...), and slots that ended stopped or were paused (no time: the run's end)."""
    kinds: list[str] = []
    ns: list[int] = []
    subjects: list[str] = []
    texts: list[str] = []
    for signal in signals:
        if signal.accepted:
            continue
        kinds.append("refused")
        ns.append(ns_from_datetime(signal.time))
        subjects.append(f"{signal.rule} ({signal.side.value})")
        texts.append(signal.reason or "refused")
    for alert in alerts:
        kinds.append("halt" if alert.kind == "drawdown_halt" else alert.kind)
        ns.append(ns_from_datetime(alert.time))
        subjects.append(alert.slot)
        texts.append(alert.message + (f" (order {alert.order_id})" if alert.order_id else ""))
    order = sorted(range(len(ns)), key=ns.__getitem__)
    walls = wall_ms(np.array([ns[i] for i in order], dtype=np.int64), zone)
    rows: dict[str, list[object]] = {
        "kind": [kinds[i] for i in order],
        "t": list(walls.tolist()),
        "tx": list(time_texts(walls)),
        "subject": [subjects[i] for i in order],
        "text": [texts[i] for i in order],
    }
    for slot, why in stopped.items():
        _append_untimed(rows, "stopped", slot, why or "stopped")
    for slot, count in paused.items():
        _append_untimed(rows, "paused", slot, f"paused for the day {count} times")
    return rows


def _append_untimed(rows: dict[str, list[object]], kind: str, subject: str, text: str) -> None:
    rows["kind"].append(kind)
    rows["t"].append(None)
    rows["tx"].append("at the end")
    rows["subject"].append(subject)
    rows["text"].append(text)


def refused_reason_code(reason: str) -> str:
    """The words before the first `:` of a refusal (the code `metrics.refused_by_reason` counts)."""
    return reason.split(":", 1)[0].strip() or "unknown"
