"""The backtest report: one self-contained HTML page a trader would rather look at than a table.

Everything is inline (CSS, SVG charts drawn in Python, a few lines of JS to sort the trade
table), with system fonts only, so the page works offline, can be mailed as one file and never
calls home. Times are shown in UTC, like the CSV files.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from enum import Enum
from html import escape

import numpy as np
from numpy.typing import NDArray

from tradeplan.core.enums import Side
from tradeplan.core.epoch import ns_from_datetime
from tradeplan.core.money import fmt_decimal, minor_unit_decimals, to_decimal
from tradeplan.reporting.metrics import Summary, drawdown_pct
from tradeplan.reporting.svg_chart import Chart, downsample_minmax, padded_range
from tradeplan.runtime.records import EquityCurve, TradeRecord

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]

CHART_WIDTH = 1140
MAX_POINTS = 2000


class MarkerKind(Enum):
    ENTRY = "entry"
    EXIT = "exit"


@dataclass(frozen=True, slots=True)
class Marker:
    """A point on the price chart: entries are green triangles, exits green (won) or red."""

    time_ns: int
    price: float
    kind: MarkerKind
    side: Side
    win: bool | None = None
    label: str = ""


def markers_from_trades(trades: Sequence[TradeRecord]) -> list[Marker]:
    out: list[Marker] = []
    for t in trades:
        out.append(
            Marker(
                ns_from_datetime(t.entry_time),
                float(t.entry_price),
                MarkerKind.ENTRY,
                t.side,
                None,
                f"#{t.trade_id} {t.side.value} {fmt_decimal(t.qty)} @ "
                f"{fmt_decimal(t.entry_price)} ({t.slot})",
            )
        )
        out.append(
            Marker(
                ns_from_datetime(t.exit_time),
                float(t.exit_price),
                MarkerKind.EXIT,
                t.side,
                t.pnl > 0,
                f"#{t.trade_id} exit {t.exit_reason.value} @ {fmt_decimal(t.exit_price)}, "
                f"P&L {_signed(t.pnl)}",
            )
        )
    return out


def render_report(
    title: str,
    summary: Summary,
    trades: Sequence[TradeRecord],
    equity: EquityCurve,
    prices: tuple[I64, F64] | None = None,
    markers: Sequence[Marker] | None = None,
    *,
    subtitle: str = "",
    currency: str = "",
    price_label: str = "Price",
    max_table_rows: int = 2000,
) -> str:
    """The whole page as a string. `prices` is (epoch ns, close); markers default to the trades'.
    Money is shown on `currency`'s minor unit (`core.money.round_money`)."""
    token = _DECIMALS.set(minor_unit_decimals(currency or summary.currency))
    try:
        return _render(
            title,
            summary,
            trades,
            equity,
            prices,
            markers,
            subtitle,
            currency,
            price_label,
            max_table_rows,
        )
    finally:
        _DECIMALS.reset(token)


def _render(
    title: str,
    summary: Summary,
    trades: Sequence[TradeRecord],
    equity: EquityCurve,
    prices: tuple[I64, F64] | None,
    markers: Sequence[Marker] | None,
    subtitle: str,
    currency: str,
    price_label: str,
    max_table_rows: int,
) -> str:
    if markers is None:
        markers = markers_from_trades(trades)
    sections = [
        _header(title, subtitle, summary),
        _cards(summary, currency),
        _section("Equity", _equity_chart(equity, summary), _equity_note(summary, currency)),
        _section("Drawdown", _drawdown_chart(equity), "Fall from the running peak, in percent."),
    ]
    if prices is not None and prices[0].size:
        sections.append(
            _section(
                price_label,
                _price_chart(prices[0], prices[1], markers, trades),
                _legend(),
            )
        )
    sections.append(_trade_table(trades, max_table_rows))
    body = "\n".join(sections)
    return _PAGE.format(title=escape(title), css=_CSS, body=body, script=_SCRIPT)


# --------------------------------------------------------------------------------------------
# Header and cards


def _header(title: str, subtitle: str, summary: Summary) -> str:
    period = ""
    if summary.start and summary.end:
        period = f"{summary.start:%Y-%m-%d %H:%M} → {summary.end:%Y-%m-%d %H:%M} UTC"
    lines = [f"<h1>{escape(title)}</h1>"]
    meta = " · ".join(escape(p) for p in (subtitle, period) if p)
    if meta:
        lines.append(f'<p class="meta">{meta}</p>')
    return '<header class="top">' + "".join(lines) + "</header>"


def _cards(s: Summary, currency: str) -> str:
    """Every figure is summary.json's (`Summary.shown`), only grouped by thousands."""
    unit = f" {currency}" if currency else ""
    net_class = _tone(s.net_pnl)
    has_dd = s.max_drawdown > 0 or s.shown("max_drawdown_pct") not in ("0.00", "n/a")
    cards = [
        _card(
            "Net P&amp;L",
            _shown(s, "net_pnl", signed=True) + unit,
            f"{_shown(s, 'return_pct', signed=True)}% return" if s.return_pct is not None else "",
            net_class,
            big=True,
        ),
        _card(
            "Trades",
            f"{s.trade_count:,}",
            f"{s.wins:,} won · {s.losses:,} lost",
        ),
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


def _card(label: str, value: str, note: str, tone: str = "", *, big: bool = False) -> str:
    classes = "card" + (" big" if big else "")
    return (
        f'<div class="{classes}"><div class="label">{label}</div>'
        f'<div class="value {tone}">{value}</div>'
        f'<div class="note">{note}</div></div>'
    )


def _section(title: str, content: str, note: str = "") -> str:
    note_html = f'<span class="note">{note}</span>' if note else ""
    return (
        f'<section class="panel"><div class="panel-head"><h2>{escape(title)}</h2>{note_html}'
        f"</div>{content}</section>"
    )


def _equity_note(s: Summary, currency: str) -> str:
    if s.initial_equity is None or s.final_equity is None:
        return ""
    unit = f" {escape(currency)}" if currency else ""
    return (
        f"{_shown(s, 'initial_equity')}{unit} → {_shown(s, 'final_equity')}{unit}; "
        "dashed line: starting equity."
    )


def _legend() -> str:
    return (
        '<span class="legend"><svg width="12" height="12" viewBox="0 0 12 12">'
        '<path d="M6 1 L11 10 L1 10 Z" class="m-entry"/></svg> entry '
        '<svg width="12" height="12" viewBox="0 0 12 12"><circle cx="6" cy="6" r="4.5" '
        'class="m-win"/></svg> exit in profit '
        '<svg width="12" height="12" viewBox="0 0 12 12"><circle cx="6" cy="6" r="4.5" '
        'class="m-loss"/></svg> exit at a loss</span>'
    )


# --------------------------------------------------------------------------------------------
# Charts


def _empty_chart(message: str, height: int = 120) -> str:
    return (
        f'<svg viewBox="0 0 {CHART_WIDTH} {height}" class="chart" role="img" '
        f'aria-label="{escape(message)}"><text x="{CHART_WIDTH / 2}" y="{height / 2}" '
        f'class="empty" text-anchor="middle">{escape(message)}</text></svg>'
    )


def _equity_chart(equity: EquityCurve, summary: Summary) -> str:
    if len(equity) == 0:
        return _empty_chart("No equity recorded")
    t, v = downsample_minmax(equity.time_ns, equity.equity, MAX_POINTS)
    low, high = padded_range(float(v.min()), float(v.max()))
    chart = Chart(CHART_WIDTH, 300, (int(t[0]), int(t[-1])), (low, high), left=84)
    chart.defs.append(
        '<linearGradient id="eq-fill" x1="0" y1="0" x2="0" y2="1">'
        '<stop offset="0%" stop-color="#2563eb" stop-opacity="0.22"/>'
        '<stop offset="100%" stop-color="#2563eb" stop-opacity="0.02"/></linearGradient>'
    )
    chart.axes("Equity")
    chart.area(t, v, low, "eq-area")
    if summary.initial_equity is not None:
        chart.hline(float(summary.initial_equity), "baseline")
    chart.line(t, v, "eq-line")
    return chart.render("Equity curve")


def _drawdown_chart(equity: EquityCurve) -> str:
    if len(equity) == 0:
        return _empty_chart("No equity recorded", 80)
    dd = -drawdown_pct(equity.equity)
    t, v = downsample_minmax(equity.time_ns, dd, MAX_POINTS)
    worst = float(v.min())
    low = worst * 1.08 if worst < 0 else -1.0
    chart = Chart(CHART_WIDTH, 170, (int(t[0]), int(t[-1])), (low, 0.0), left=84, top=10)
    chart.axes("Drawdown", "%")
    chart.area(t, v, 0.0, "dd-area")
    chart.line(t, v, "dd-line")
    return chart.render("Drawdown")


def _price_chart(
    time_ns: I64, close: F64, markers: Sequence[Marker], trades: Sequence[TradeRecord]
) -> str:
    t, v = downsample_minmax(time_ns, close, MAX_POINTS)
    x_range = (int(t[0]), int(t[-1]))
    visible = [m for m in markers if x_range[0] <= m.time_ns <= x_range[1]]
    values = [float(v.min()), float(v.max()), *(m.price for m in visible)]
    low, high = padded_range(min(values), max(values))
    chart = Chart(CHART_WIDTH, 380, x_range, (low, high), left=84)
    chart.axes("Price")
    chart.line(t, v, "px-line")
    if len(trades) <= 400:
        chart.parts.append(_trade_links(chart, trades, x_range))
    size = 6.0 if len(visible) <= 300 else 4.5 if len(visible) <= 1500 else 3.2
    chart.parts.append(_marker_shapes(chart, visible, size))
    return chart.render("Price with entries and exits")


def _trade_links(chart: Chart, trades: Sequence[TradeRecord], x_range: tuple[int, int]) -> str:
    """A thin line from each entry to its exit, coloured by the outcome."""
    out = []
    for trade in trades:
        a, b = ns_from_datetime(trade.entry_time), ns_from_datetime(trade.exit_time)
        if b < x_range[0] or a > x_range[1]:
            continue
        xs = chart.xs([a, b])
        ys = chart.ys([float(trade.entry_price), float(trade.exit_price)])
        css = "link-win" if trade.pnl > 0 else "link-loss"
        out.append(
            f'<line x1="{xs[0]:.1f}" y1="{ys[0]:.1f}" x2="{xs[1]:.1f}" y2="{ys[1]:.1f}" '
            f'class="{css}"/>'
        )
    return "".join(out)


def _marker_shapes(chart: Chart, markers: Sequence[Marker], size: float) -> str:
    if not markers:
        return ""
    xs = chart.xs([m.time_ns for m in markers]).tolist()
    ys = chart.ys([m.price for m in markers]).tolist()
    exits, entries = [], []
    for m, x, y in zip(markers, xs, ys, strict=True):
        tip = f"<title>{escape(m.label)}</title>" if m.label else ""
        if m.kind is MarkerKind.ENTRY:
            # Long entries point up from below the price, short entries down from above.
            h = size * 1.7
            if m.side is Side.BUY:
                d = f"M{x:.1f},{y:.1f} L{x + size:.1f},{y + h:.1f} L{x - size:.1f},{y + h:.1f} Z"
            else:
                d = f"M{x:.1f},{y:.1f} L{x + size:.1f},{y - h:.1f} L{x - size:.1f},{y - h:.1f} Z"
            entries.append(f'<path d="{d}" class="m-entry">{tip}</path>')
        else:
            css = "m-win" if m.win else "m-loss"
            exits.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{size * 0.8:.1f}" class="{css}">'
                f"{tip}</circle>"
            )
    return "<g>" + "".join(entries) + "".join(exits) + "</g>"


# --------------------------------------------------------------------------------------------
# Trade table

_TABLE_HEAD = (
    ("#", "num"),
    ("Slot", "text"),
    ("Side", "text"),
    ("Qty", "num"),
    ("Entry time", "text"),
    ("Entry", "num"),
    ("Exit time", "text"),
    ("Exit", "num"),
    ("Reason", "text"),
    ("P&amp;L", "num"),
    ("Fees", "num"),
    ("MFE", "num"),
    ("MAE", "num"),
    ("Held", "num"),
)


def _trade_table(trades: Sequence[TradeRecord], max_rows: int) -> str:
    if not trades:
        return _section("Trades", '<p class="empty-table">No trades were closed.</p>')
    head = "".join(
        f'<th data-type="{kind}" class="{kind}">{label}</th>' for label, kind in _TABLE_HEAD
    )
    rows = []
    places = _price_places(trades)
    for t in trades[:max_rows]:
        held = (t.exit_time - t.entry_time).total_seconds()
        cells = [
            _td(str(t.trade_id), t.trade_id),
            _td(escape(t.slot), None, "text"),
            _td(f'<span class="side {t.side.value}">{t.side.value}</span>', None, "text"),
            _td(fmt_decimal(t.qty), t.qty),
            _td(f"{t.entry_time:%Y-%m-%d %H:%M}", None, "text"),
            _td(_fixed(t.entry_price, places), t.entry_price),
            _td(f"{t.exit_time:%Y-%m-%d %H:%M}", None, "text"),
            _td(_fixed(t.exit_price, places), t.exit_price),
            _td(
                f'<span class="reason r-{t.exit_reason.value}">'
                f"{t.exit_reason.value.replace('_', ' ')}</span>",
                None,
                "text",
            ),
            _td(_signed(t.pnl), t.pnl, "num " + _tone(t.pnl)),
            _td(_money(t.fees), t.fees),
            _td(_money(t.mfe), t.mfe),
            _td(_money(t.mae), t.mae),
            _td(_held(held), held),
        ]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    shown = min(len(trades), max_rows)
    note = f"{len(trades):,} trades; click a column to sort."
    if shown < len(trades):
        note = f"The first {shown:,} of {len(trades):,} trades; all are in trades.csv."
    table = (
        '<div class="table-wrap"><table class="trades sortable"><thead><tr>'
        + head
        + "</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></div>"
    )
    return _section("Trades", table, note)


def _price_places(trades: Sequence[TradeRecord]) -> int:
    """Decimals the trades' prices need, so a price column lines up (109.590 over 109.425)."""
    places = 0
    for t in trades:
        for price in (t.entry_price, t.exit_price):
            exponent = price.normalize().as_tuple().exponent
            if isinstance(exponent, int):
                places = max(places, -exponent)
    return min(places, 8)


def _fixed(value: Decimal, places: int) -> str:
    """Display only: exact prices padded with zeros to `places` decimals, never rounded."""
    text = fmt_decimal(value)
    if places == 0:
        return text
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(places, '0')}" if len(frac) <= places else text


def _td(text: str, sort_value: object, css: str = "num") -> str:
    data = "" if sort_value is None else f' data-v="{escape(str(sort_value))}"'
    return f'<td class="{css}"{data}>{text}</td>'


def _held(seconds: float) -> str:
    minutes = int(seconds // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {mins:02d}m"
    return f"{mins}m"


# --------------------------------------------------------------------------------------------
# Number formatting


def _tone(value: Decimal | float | None) -> str:
    if value is None or value == 0:
        return ""
    return "pos" if value > 0 else "neg"


_DECIMALS: ContextVar[int] = ContextVar("money_decimals", default=2)


def _rounded(value: Decimal | float) -> Decimal:
    """On the report currency's minor unit, half-even: the rule of summary.json."""
    return to_decimal(value).quantize(Decimal(1).scaleb(-_DECIMALS.get()), ROUND_HALF_EVEN)


def _money(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return _money_float(value)


def _money_float(value: Decimal | float) -> str:
    exact = _rounded(value)
    text = f"{abs(exact):,f}"
    return ("−" if exact < 0 else "") + text


def _signed(value: Decimal | None) -> str:
    if value is None:
        return "—"
    text = _money(value)
    return text if value <= 0 else "+" + text


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


def _pct(value: float | None, *, signed: bool = False) -> str:
    """Percent with the decimals small numbers need: 12.3%, 0.42%, 0.005%."""
    if value is None or not math.isfinite(value):
        return "—"
    size = abs(value)
    digits = 1 if size >= 1 or size == 0 else 2 if size >= 0.1 else 3
    text = f"{size:.{digits}f}%"
    if float(text[:-1]) == 0:
        return "0%"
    sign = "−" if value < 0 else "+" if signed else ""
    return sign + text


def _num(value: float | None, digits: int) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value:,.{digits}f}".replace("-", "−")


# --------------------------------------------------------------------------------------------
# Page template

_CSS = """
:root{--ink:#0f172a;--muted:#64748b;--line:#e2e8f0;--bg:#f5f7fa;--card:#fff;
--pos:#15803d;--neg:#b91c1c;--blue:#2563eb}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);
font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
font-variant-numeric:tabular-nums}
main{max-width:1200px;margin:0 auto;padding:28px 24px 48px}
header.top h1{font-size:24px;font-weight:650;margin:0 0 4px;letter-spacing:-.01em}
header.top .meta{margin:0 0 20px;color:var(--muted)}
.cards{display:grid;grid-template-columns:repeat(5,1fr);gap:12px;margin-bottom:18px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 14px;
box-shadow:0 1px 2px rgba(15,23,42,.04)}
.card .label{font-size:11.5px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);
font-weight:600}
.card .value{font-size:22px;font-weight:650;margin-top:4px;white-space:nowrap;overflow:hidden;
text-overflow:ellipsis}
.card.big .value{font-size:24px}
.card .note{font-size:12px;color:var(--muted);margin-top:2px;min-height:17px;white-space:nowrap;
overflow:hidden;text-overflow:ellipsis}
.pos{color:var(--pos)}.neg{color:var(--neg)}
.panel{background:var(--card);border:1px solid var(--line);border-radius:10px;
padding:14px 16px 10px;margin-bottom:18px;box-shadow:0 1px 2px rgba(15,23,42,.04)}
.panel-head{display:flex;align-items:baseline;gap:14px;margin-bottom:6px}
.panel-head h2{font-size:15px;font-weight:650;margin:0}
.panel-head .note{color:var(--muted);font-size:12.5px}
.legend svg{vertical-align:-1px;margin-left:8px}
svg.chart{width:100%;height:auto;display:block}
.chart .grid{stroke:#eef2f6;stroke-width:1}
.chart .axis{stroke:#cbd5e1;stroke-width:1}
.chart .tick{fill:#64748b;font-size:11.5px}
.chart .axis-title{fill:#475569;font-size:12px;font-weight:600}
.chart .empty{fill:#94a3b8;font-size:14px}
.eq-line{fill:none;stroke:var(--blue);stroke-width:1.6;stroke-linejoin:round}
.eq-area{fill:url(#eq-fill);stroke:none}
.baseline{stroke:#94a3b8;stroke-width:1;stroke-dasharray:4 4}
.dd-area{fill:rgba(220,38,38,.16);stroke:none}
.dd-line{fill:none;stroke:#dc2626;stroke-width:1.2}
.px-line{fill:none;stroke:#334155;stroke-width:1.1;stroke-linejoin:round}
.m-entry{fill:#16a34a;stroke:#fff;stroke-width:.8}
.m-win{fill:#16a34a;stroke:#fff;stroke-width:1.2}
.m-loss{fill:#dc2626;stroke:#fff;stroke-width:1.2}
.link-win{stroke:#16a34a;stroke-opacity:.45;stroke-width:1;stroke-dasharray:3 2}
.link-loss{stroke:#dc2626;stroke-opacity:.45;stroke-width:1;stroke-dasharray:3 2}
.table-wrap{max-height:560px;overflow:auto;border-top:1px solid var(--line)}
table.trades{border-collapse:collapse;width:100%;font-size:12.5px}
table.trades th{position:sticky;top:0;background:#f8fafc;text-align:left;font-weight:600;
color:#334155;padding:7px 8px;border-bottom:1px solid var(--line);cursor:pointer;
user-select:none;white-space:nowrap}
table.trades th.num,table.trades td.num{text-align:right}
table.trades th:hover{background:#eef2f7}
table.trades th.asc::after{content:" ▲";font-size:9px}
table.trades th.desc::after{content:" ▼";font-size:9px}
table.trades td{padding:5px 8px;border-bottom:1px solid #f1f5f9;white-space:nowrap}
table.trades tbody tr:hover{background:#f8fafc}
.side{font-weight:600;font-size:11.5px;text-transform:uppercase}
.side.buy{color:var(--pos)}.side.sell{color:var(--neg)}
.reason{display:inline-block;padding:1px 7px;border-radius:9px;font-size:11.5px;
background:#f1f5f9;color:#334155}
.r-take_profit{background:#dcfce7;color:#166534}.r-stop_loss{background:#fee2e2;color:#991b1b}
.r-trailing_stop{background:#fef3c7;color:#92400e}.r-break_even{background:#e0e7ff;color:#3730a3}
.r-break_even_timeout{background:#e0e7ff;color:#3730a3}
.r-time_exit{background:#f3e8ff;color:#6b21a8}
.empty-table{color:var(--muted)}
footer{color:var(--muted);font-size:12px;text-align:center;margin-top:8px}
@media (max-width:900px){.cards{grid-template-columns:repeat(2,1fr)}}
"""

_SCRIPT = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  var heads = table.querySelectorAll("th");
  heads.forEach(function (th, col) {
    th.addEventListener("click", function () {
      var asc = !th.classList.contains("asc");
      heads.forEach(function (h) { h.classList.remove("asc", "desc"); });
      th.classList.add(asc ? "asc" : "desc");
      var numeric = th.dataset.type === "num";
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[col], y = b.cells[col];
        var p = x.dataset.v !== undefined ? x.dataset.v : x.textContent;
        var q = y.dataset.v !== undefined ? y.dataset.v : y.textContent;
        var r = numeric ? parseFloat(p) - parseFloat(q) : p.localeCompare(q);
        return asc ? r : -r;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
"""

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
<footer>tradeplan backtest report · self-contained page, works offline · times in UTC</footer>
</main>
<script>{script}</script>
</body>
</html>
"""
