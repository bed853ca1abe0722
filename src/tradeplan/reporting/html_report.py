"""The backtest report: one self-contained HTML page a trader would rather open than a table.

Charts are plotly (zoom, pan, hover, a crosshair), with plotly.js inlined once per file from the
`plotly` Python package: the page works offline, can be mailed as one file and never calls home.
The figures a trader reads are computed here in Decimal and written as text (`performance`,
`report_payload`); the page's script only draws, pages, sorts and filters them.

Times are shown in the instrument's exchange zone for US stocks (New York) and in UTC otherwise,
and the zone is written beside every time.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from html import escape
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from tradeplan.core.epoch import ns_from_datetime
from tradeplan.core.money import minor_unit_decimals
from tradeplan.reporting.metrics import Summary, booked
from tradeplan.reporting.performance import (
    Figures,
    Performance,
    PeriodReturn,
    bars_held,
    closing_order,
    performance,
    period_returns,
)
from tradeplan.reporting.plotly_asset import plotly_js
from tradeplan.reporting.price_series import (
    PriceBars,
    candle_levels,
    downsample_minmax,
    drawdown_pct,
    encode_level,
    fine_candles,
    rounded_list,
    wall_ms,
)
from tradeplan.reporting.report_payload import (
    Money,
    event_rows,
    level_segments,
    refused_reason_code,
    trade_columns,
)
from tradeplan.reporting.report_script import REPORT_CSS, REPORT_JS
from tradeplan.runtime.records import (
    AlertRecord,
    EquityCurve,
    OrderEventRecord,
    SignalRecord,
    TradeRecord,
)

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
EQUITY_POINTS = 3_000

ZONE_NAMES = {"UTC": "UTC", "America/New_York": "New York"}


@dataclass(frozen=True, slots=True)
class ReportExtras:
    """What the page shows beyond the trades and the equity: all optional."""

    orders: Sequence[OrderEventRecord] = ()
    signals: Sequence[SignalRecord] = ()
    alerts: Sequence[AlertRecord] = ()
    properties: Sequence[tuple[str, str]] = ()  # (label, value) rows of the Properties table
    strategy_text: str = ""  # the strategy file as written
    strategy_file: str = ""
    zone: str = "UTC"  # the display zone (`core.instrument.exchange_timezone`)
    periods_per_year: float = 252.0
    first_close: Decimal | None = None  # exact, for buy and hold
    last_close: Decimal | None = None


def zone_label(zone: str) -> str:
    return ZONE_NAMES.get(zone, zone)


def time_in_zone(moment: datetime, zone: str) -> str:
    """`2025-01-02 04:04 New York (UTC-05:00)`: a time for the page, its zone written."""
    local = moment.astimezone(ZoneInfo(zone))
    offset = local.strftime("%z")
    sign_hours = f"{offset[:3]}:{offset[3:]}" if offset else ""
    suffix = "" if zone == "UTC" else f" (UTC{sign_hours})"
    return f"{local:%Y-%m-%d %H:%M} {zone_label(zone)}{suffix}"


def render_report(
    title: str,
    summary: Summary,
    trades: Sequence[TradeRecord],
    equity: EquityCurve,
    prices: PriceBars | tuple[I64, F64] | None = None,
    extras: ReportExtras | None = None,
    *,
    subtitle: str = "",
    currency: str = "",
    price_label: str = "Price",
) -> str:
    """The whole page as a string. `prices` are the data's bars (or (epoch ns, close) pairs:
    the chart then draws flat candles). Money is on `currency`'s minor unit."""
    extras = extras or ReportExtras()
    currency = currency or summary.currency
    if isinstance(prices, tuple):
        prices = PriceBars.from_close(prices[0], prices[1])
    booked_trades = [booked(t, currency) for t in trades]
    page = _Page(title, summary, booked_trades, equity, prices, extras, currency)
    return page.render(subtitle, price_label)


class _Page:
    def __init__(
        self,
        title: str,
        summary: Summary,
        trades: list[TradeRecord],
        equity: EquityCurve,
        prices: PriceBars | None,
        extras: ReportExtras,
        currency: str,
    ) -> None:
        self.title = title
        self.summary = summary
        self.trades = trades
        self.equity = equity
        self.prices = prices if prices is not None and len(prices) else None
        self.extras = extras
        self.currency = currency
        self.unit = f" {currency}" if currency else ""
        self.money = Money(minor_unit_decimals(currency))
        self.zone = extras.zone
        bar_times = self.prices.time_ns if self.prices is not None else None
        self.bars = bars_held(trades, bar_times) if bar_times is not None else []
        self.performance = performance(
            trades,
            currency,
            summary.initial_equity,
            bar_times=bar_times,
            day_times=equity.time_ns if len(equity) else None,
            first_close=extras.first_close,
            last_close=extras.last_close,
            periods_per_year=extras.periods_per_year,
        )

    # ----------------------------------------------------------------------------------------

    def render(self, subtitle: str, price_label: str) -> str:
        zone = escape(zone_label(self.zone))
        sections = [
            self._header(subtitle),
            self._cards(),
            _panel(
                escape(price_label),
                '<div id="price-chart" class="plot tall"></div>',
                "Drag to zoom, double-click to see it all. Candles when zoomed in, the close "
                f"as a line when zoomed out. Times in {zone}.",
                extra=_legend(),
                ident="price",
            )
            if self.prices is not None
            else "",
            _panel(
                "Equity and drawdown",
                '<div id="equity-chart" class="plot"></div>',
                self._equity_note(),
                ident="equity",
            ),
            self._performance_table(),
            self._returns_tables(),
            _panel(
                "P&amp;L per trade and excursions",
                '<div class="two"><div id="pnl-chart" class="plot half"></div>'
                '<div id="excursion-chart" class="plot half"></div></div>',
                "Left: each trade's P&amp;L in closing order and the running total. Right: "
                "how far each trade went for (MFE) and against (MAE) you.",
                ident="pnl",
            ),
            self._trade_table(),
            self._events(),
            self._properties(),
        ]
        body = "\n".join(s for s in sections if s)
        data = json.dumps(self._payload(), separators=(",", ":"), ensure_ascii=False)
        data = data.replace("</", "<\\/")
        return _PAGE.format(
            title=escape(self.title),
            css=REPORT_CSS,
            body=body,
            zone=zone,
            data=data,
            plotly=plotly_js(),
            script=REPORT_JS,
        )

    # --- header and cards ------------------------------------------------------------------

    def _header(self, subtitle: str) -> str:
        s = self.summary
        period = ""
        if s.start and s.end:
            walls = wall_ms(
                np.array([ns_from_datetime(s.start), ns_from_datetime(s.end)], np.int64),
                self.zone,
            )
            first, last = (str(np.datetime64(int(w), "ms").astype("datetime64[m]")) for w in walls)
            period = f"{first.replace('T', ' ')} → {last.replace('T', ' ')} {zone_label(self.zone)}"
        lines = [f"<h1>{escape(self.title)}</h1>"]
        meta = " · ".join(escape(p) for p in (subtitle, period) if p)
        if meta:
            lines.append(f'<p class="meta">{meta}</p>')
        return '<header class="top">' + "".join(lines) + "</header>"

    def _cards(self) -> str:
        """Every figure is summary.json's (`Summary.shown`), only grouped by thousands."""
        s, unit = self.summary, self.unit
        has_dd = s.max_drawdown > 0 or s.shown("max_drawdown_pct") not in ("0.00", "n/a")
        cards = [
            _card(
                "Net P&amp;L",
                _shown(s, "net_pnl", signed=True) + unit,
                f"{_shown(s, 'return_pct', signed=True)}% return"
                if s.return_pct is not None
                else "",
                _tone(s.net_pnl),
                big=True,
            ),
            _card("Trades", f"{s.trade_count:,}", f"{s.wins:,} won · {s.losses:,} lost"),
            _card(
                "Win rate",
                _shown_pct(s, "win_rate_pct"),
                f"{s.wins:,} of {s.trade_count:,} trades" if s.trade_count else "",
            ),
            _card(
                "Profit factor",
                _shown(s, "profit_factor"),
                f"won {_shown(s, 'gross_profit')} · lost {_shown(s, 'gross_loss', size=True)}",
            ),
            _card(
                "Max drawdown",
                ("−" if has_dd else "") + _shown_pct(s, "max_drawdown_pct"),
                ("−" if s.max_drawdown > 0 else "") + _shown(s, "max_drawdown") + unit,
                "neg" if has_dd else "",
            ),
            _card("Sharpe", _shown(s, "sharpe"), "annualised, daily returns"),
            _card("Exposure", _shown_pct(s, "exposure_pct"), "time in the market"),
            _card(
                "Average trade",
                _shown(s, "average_trade", signed=True),
                f"best {_shown(s, 'best_trade', signed=True)} · "
                f"worst {_shown(s, 'worst_trade', signed=True)}"
                if s.best_trade is not None
                else "",
                _tone(s.average_trade),
            ),
            _card(
                "Avg MFE / MAE",
                f"{_shown(s, 'average_mfe')} / {_shown(s, 'average_mae')}",
                "average excursion for / against",
            ),
            _card("Fees", _shown(s, "fees") + unit, "included in P&amp;L"),
        ]
        return '<section class="cards">' + "".join(cards) + "</section>"

    def _equity_note(self) -> str:
        s = self.summary
        if s.initial_equity is None or s.final_equity is None:
            return "Fall from the running peak below, in percent."
        unit = escape(self.unit)
        return (
            f"{_shown(s, 'initial_equity')}{unit} → {_shown(s, 'final_equity')}{unit}; "
            "dashed line: starting equity. Below: fall from the running peak, in percent."
        )

    # --- performance -----------------------------------------------------------------------

    def _performance_table(self) -> str:
        p: Performance = self.performance
        m = self.money
        unit = self.unit

        def money(name: str, signed: bool = False) -> list[str]:
            return [
                _tone_span(getattr(f, name), m.text(getattr(f, name), signed=signed))
                for f in (p.all, p.long, p.short)
            ]

        def plain(name: str, suffix: str = "") -> list[str]:
            out = []
            for f in (p.all, p.long, p.short):
                value = getattr(f, name)
                out.append("—" if value is None else f"{_group(value)}{suffix}")
            return out

        def ratio(name: str) -> list[str]:
            out = []
            for f in (p.all, p.long, p.short):
                value = getattr(f, name)
                out.append("—" if value is None else f"{value:.2f}".replace("-", "−"))
            return out

        def with_pct(name: str, pct: str) -> list[str]:
            out = []
            for f in (p.all, p.long, p.short):
                amount, share = getattr(f, name), getattr(f, pct)
                text = m.text(amount)
                if share is not None:
                    text += f' <span class="sub">{share}%</span>'
                out.append(text)
            return out

        rows: list[tuple[str, list[str]]] = [
            ("Net profit" + unit, money("net_profit", True)),
            ("Return on start balance", plain("return_pct", "%")),
            ("Gross profit" + unit, money("gross_profit")),
            ("Gross loss" + unit, money("gross_loss")),
            ("Fees paid" + unit, money("fees")),
            ("Max drawdown (closed trades)" + unit, with_pct("max_drawdown", "max_drawdown_pct")),
            ("Max run-up (closed trades)" + unit, with_pct("max_run_up", "max_run_up_pct")),
            ("Sharpe (closed trades, daily)", ratio("sharpe")),
            ("Sortino (closed trades, daily)", ratio("sortino")),
            ("Profit factor", plain("profit_factor")),
            ("Total closed trades", plain("trades")),
            ("Winning trades", plain("wins")),
            ("Losing trades", plain("losses")),
            ("Percent profitable", plain("percent_profitable", "%")),
            ("Average trade" + unit, money("average_trade", True)),
            ("Average winning trade" + unit, money("average_win", True)),
            ("Average losing trade" + unit, money("average_loss", True)),
            ("Ratio average win / average loss", plain("win_loss_ratio")),
            ("Largest winning trade" + unit, money("largest_win", True)),
            ("Largest losing trade" + unit, money("largest_loss", True)),
            ("Max consecutive wins", plain("max_consecutive_wins")),
            ("Max consecutive losses", plain("max_consecutive_losses")),
            ("Average bars in trades", plain("average_bars")),
            ("Average bars in winning trades", plain("average_bars_win")),
            ("Average bars in losing trades", plain("average_bars_loss")),
        ]
        body = "".join(
            f"<tr><th>{label}</th>" + "".join(f"<td>{v}</td>" for v in values) + "</tr>"
            for label, values in rows
        )
        hold = ""
        if p.buy_hold_pct is not None:
            money_part = f"{m.text(p.buy_hold, signed=True)}{unit} · " if p.buy_hold else ""
            hold = (
                f'<p class="hold">Buy and hold over the same period: {money_part}'
                f"{_tone_span(p.buy_hold_pct, _signed_pct(p.buy_hold_pct))} "
                "(the close, first bar to last)</p>"
            )
        table = (
            '<table class="perf" id="performance"><thead><tr><th></th><th>All</th>'
            "<th>Long</th><th>Short</th></tr></thead><tbody>" + body + "</tbody></table>" + hold
        )
        return _panel(
            "Performance summary",
            table,
            "Exact sums of the trades' booked P&amp;L; drawdown, run-up, Sharpe and Sortino "
            "here are on the closed-trade equity (the cards above: every bar's).",
            ident="performance",
        )

    def _returns_tables(self) -> str:
        curve = self.equity
        initial = self.summary.initial_equity
        if len(curve) == 0 or initial is None:
            return ""
        exact = curve.exact or (lambda i: Decimal(repr(float(curve.equity[i]))))
        monthly, yearly = period_returns(wall_ms(curve.time_ns, self.zone), exact, initial)
        by_year: dict[int, dict[int, PeriodReturn]] = {}
        for item in monthly:
            by_year.setdefault(item.year, {})[item.month] = item
        totals = {item.year: item for item in yearly}
        head = (
            "<tr><th>Year</th>"
            + "".join(f"<th>{name}</th>" for name in _MONTHS)
            + "<th>Year</th></tr>"
        )
        body = []
        for year in sorted(by_year):
            cells = [f"<th>{year}</th>"]
            for month in range(1, 13):
                month_return = by_year[year].get(month)
                cells.append(
                    _return_cell(
                        month_return.pct if month_return else None, month_return is not None
                    )
                )
            total = totals.get(year)
            cells.append(_return_cell(total.pct if total else None, total is not None, True))
            body.append("<tr>" + "".join(cells) + "</tr>")
        table = (
            '<table class="returns" id="returns"><thead>'
            + head
            + "</thead><tbody>"
            + "".join(body)
            + "</tbody></table>"
        )
        return _panel(
            "Monthly and yearly returns",
            table,
            f"Change of equity over each month, in percent; months in {zone_label(self.zone)}.",
            ident="returns",
        )

    # --- trades, events, properties -------------------------------------------------------

    def _trade_table(self) -> str:
        if not self.trades:
            return _panel(
                "Trades", '<p class="empty-table">No trades were closed.</p>', ident="trades"
            )
        slots = sorted({t.slot for t in self.trades})
        reasons = sorted({t.exit_reason.value for t in self.trades})
        controls = (
            '<div class="filters" id="trade-filters">'
            + _select("f-side", "Side", ["buy", "sell"])
            + _select("f-reason", "Exit reason", reasons)
            + _select("f-slot", "Slot", slots)
            + '<span class="count" id="trade-count"></span>'
            + '<span class="pager" id="trade-pager"></span></div>'
        )
        table = (
            controls + '<div class="table-wrap"><table class="trades" id="trades"><thead></thead>'
            "<tbody></tbody></table></div>"
        )
        zone = escape(zone_label(self.zone))
        return _panel(
            "Trades",
            table,
            f"All {len(self.trades):,} trades. Click a column to sort, a row to see the trade "
            f"on the chart. Times in {zone}.",
            ident="trades",
        )

    def _events(self) -> str:
        s = self.summary
        parts = []
        if s.refused_signals:
            items = "".join(
                f"<li><b>{count:,}</b> {escape(code)}</li>"
                for code, count in s.refused_signals.items()
            )
            parts.append(
                f'<div class="refused"><h3>Refused signals by reason</h3><ul>{items}</ul></div>'
            )
        facts = []
        if s.halted_at is not None:
            facts.append(f"Halted: {escape(s.halt_reason)}")
        if s.daily_limit_days:
            facts.append(f"Daily loss limit reached on {s.daily_limit_days:,} days")
        if s.stopped_slots:
            facts.append(f"{len(s.stopped_slots):,} slots stopped")
        if s.paused_slots:
            facts.append(f"{len(s.paused_slots):,} slots paused for a day at least once")
        if facts:
            parts.append('<ul class="facts">' + "".join(f"<li>{f}</li>" for f in facts) + "</ul>")
        table = (
            '<div class="filters"><span class="count" id="event-count"></span>'
            + _select(
                "f-kind", "Kind", ["refused", "halt", "daily_loss_limit", "stopped", "paused"]
            )
            + '<span class="pager" id="event-pager"></span></div>'
            '<div class="table-wrap short"><table class="events" id="events"><thead><tr>'
            f"<th>Time ({escape(zone_label(self.zone))})</th><th>Kind</th><th>Rule / slot</th>"
            "<th>What happened</th></tr></thead><tbody></tbody></table></div>"
        )
        if not parts:
            parts.append('<p class="empty-table quiet">Nothing was refused, halted or paused.</p>')
        return _panel(
            "Beyond trades",
            "".join(parts) + table,
            "Refused signals, halts, paused and stopped slots and alerts; on the price chart "
            "as marks along the bottom.",
            ident="events",
        )

    def _properties(self) -> str:
        e = self.extras
        rows = list(e.properties)
        if not rows and not e.strategy_text:
            return ""
        table = (
            '<table class="props" id="properties"><tbody>'
            + "".join(
                f"<tr><th>{escape(label)}</th><td>{escape(value)}</td></tr>"
                for label, value in rows
            )
            + "</tbody></table>"
        )
        source = ""
        if e.strategy_text:
            name = escape(e.strategy_file or "strategy")
            source = (
                f'<details class="source" open><summary>{name}, as written</summary>'
                f"<pre>{escape(e.strategy_text)}</pre></details>"
            )
        return _panel("Properties", table + source, ident="properties")

    # --- the chart data --------------------------------------------------------------------

    def _payload(self) -> dict[str, object]:
        zone = self.zone
        trades = self.trades
        data: dict[str, object] = {"zone": zone_label(zone), "currency": self.currency}
        if self.prices is not None:
            bars = self.prices
            wall = wall_ms(bars.time_ns, zone)
            decimals = bars.decimals
            lx, ly = downsample_minmax(wall, bars.close)
            data["line"] = {"x": lx.tolist(), "y": rounded_list(ly, decimals)}
            levels = candle_levels(bars, wall)
            data["levels"] = [encode_level(level, decimals) for level in levels]
            spans = [
                (ns_from_datetime(t.entry_time), ns_from_datetime(t.exit_time)) for t in trades
            ]
            fine = fine_candles(bars, wall, spans, levels)
            if fine is not None:
                data["fine"] = dict(encode_level(fine.level, decimals), seg=fine.segments)
            data["span"] = [int(wall[0]), int(wall[-1])]
            data["step"] = (
                int(np.median(np.diff(wall[: min(wall.size, 2_000)]))) if wall.size > 1 else 60_000
            )
        data["trades"] = trade_columns(trades, self.bars, zone, self.money)
        data["levels_open"] = level_segments(trades, self.extras.orders, zone)
        if len(self.equity):
            curve = self.equity
            ex, ey = downsample_minmax(curve.time_ns, curve.equity, EQUITY_POINTS)
            dx, dy = downsample_minmax(curve.time_ns, drawdown_pct(curve.equity), EQUITY_POINTS)
            data["equity"] = {
                "x": wall_ms(ex, zone).tolist(),
                "y": rounded_list(ey, self.money.decimals),
                "dx": wall_ms(dx, zone).tolist(),
                "dy": rounded_list(dy, 3),
                "initial": float(self.summary.initial_equity)
                if self.summary.initial_equity is not None
                else None,
            }
        ordered = closing_order(trades)
        running = Decimal(0)
        cumulative = []
        for t in ordered:
            running += t.pnl
            cumulative.append(float(running))
        data["closing"] = {
            "id": [t.trade_id for t in ordered],
            "pnl": [float(t.pnl) for t in ordered],
            "cum": cumulative,
        }
        s = self.summary
        events = event_rows(
            self.extras.signals, self.extras.alerts, s.stopped_slots, s.paused_slots, zone
        )
        data["events"] = events
        data["refused_codes"] = [
            refused_reason_code(str(text)) if kind == "refused" else ""
            for kind, text in zip(events["kind"], events["text"], strict=True)
        ]
        return data


# --------------------------------------------------------------------------------------------
# Small HTML pieces

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _panel(title: str, content: str, note: str = "", *, extra: str = "", ident: str = "") -> str:
    note_html = f'<span class="note">{note}</span>' if note else ""
    name = f' id="panel-{ident}"' if ident else ""
    return (
        f'<section class="panel"{name}><div class="panel-head"><h2>{title}</h2>{note_html}{extra}'
        f"</div>{content}</section>"
    )


def _card(label: str, value: str, note: str, tone: str = "", *, big: bool = False) -> str:
    classes = "card" + (" big" if big else "")
    return (
        f'<div class="{classes}"><div class="label">{label}</div>'
        f'<div class="value {tone}">{value}</div>'
        f'<div class="note">{note}</div></div>'
    )


def _legend() -> str:
    return (
        '<span class="legend"><i class="k entry"></i>entry <i class="k win"></i>exit in profit '
        '<i class="k loss"></i>exit at a loss <i class="k stop"></i>stop '
        '<i class="k tp"></i>take profit <i class="k event"></i>refused / alert</span>'
    )


def _select(ident: str, label: str, options: Sequence[str]) -> str:
    items = '<option value="">all</option>' + "".join(
        f'<option value="{escape(o)}">{escape(o.replace("_", " "))}</option>' for o in options
    )
    return f'<label>{escape(label)} <select id="{ident}">{items}</select></label>'


def _return_cell(pct: Decimal | None, present: bool, total: bool = False) -> str:
    css = "total" if total else ""
    if not present:
        return f'<td class="{css} none"></td>'
    if pct is None:
        return f'<td class="{css}">—</td>'
    # Colour grows with the size of the move, full at 5% a month (15% a year).
    full = Decimal(15 if total else 5)
    alpha = min(abs(pct) / full, Decimal(1)) * Decimal("0.55") + Decimal("0.08")
    rgb = "22,163,74" if pct > 0 else "220,38,38" if pct < 0 else "148,163,184"
    style = f"background:rgba({rgb},{alpha:.2f})"
    return f'<td class="{css}" style="{style}">{_signed_pct(pct)}</td>'


def _signed_pct(pct: Decimal) -> str:
    text = f"{abs(pct)}%"
    return ("−" if pct < 0 else "+" if pct > 0 else "") + text


def _group(value: object) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, Decimal):
        whole, dot, frac = format(abs(value), "f").partition(".")
        return ("−" if value < 0 else "") + f"{int(whole):,}{dot}{frac}"
    return str(value)


def _tone(value: Decimal | float | None) -> str:
    if value is None or value == 0:
        return ""
    return "pos" if value > 0 else "neg"


def _tone_span(value: Decimal | None, text: str) -> str:
    tone = _tone(value)
    return f'<span class="{tone}">{text}</span>' if tone else text


def _shown(s: Summary, name: str, *, signed: bool = False, size: bool = False) -> str:
    """summary.json's figure `name` for the page: thousands grouped, a true minus sign, `+` on a
    gain when `signed`, without its sign when `size`; `—` when undefined."""
    text = s.shown(name)
    if text == "n/a":
        return "—"
    negative = text.startswith("-")
    whole, dot, fraction = text.lstrip("-").partition(".")
    grouped = f"{int(whole):,}{dot}{fraction}"
    if size:
        return grouped
    if negative:
        return "−" + grouped
    return "+" + grouped if signed and Decimal(text) > 0 else grouped


def _shown_pct(s: Summary, name: str) -> str:
    text = _shown(s, name)
    return text if text == "—" else text + "%"


def figures_table_labels() -> tuple[str, ...]:
    """Row labels of the performance table (tests and docs name them)."""
    return tuple(f.name for f in Figures.__dataclass_fields__.values())


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{css}</style>
</head>
<body>
<main>
{body}
<footer>tradeplan report · one self-contained page (plotly.js inside), works offline ·
times in {zone}</footer>
</main>
<script type="application/json" id="report-data">{data}</script>
<script>{plotly}</script>
<script>{script}</script>
</body>
</html>
"""
