"""The report page's style sheet and script (plain JS, no build step, no library but plotly).

The script reads the JSON payload (`report_payload`), draws the plotly charts and runs the two
paged tables. The price chart switches between a line (zoomed out) and candles (zoomed in) on
every zoom: plotly cannot do that by itself, so a relayout handler picks the finest candle size
whose visible candles stay under MAX_CANDLES and fits the price axis to what is visible.
"""

REPORT_CSS = """
:root{--ink:#0f172a;--muted:#64748b;--line:#e2e8f0;--bg:#f5f7fa;--card:#fff;
--pos:#15803d;--neg:#b91c1c;--blue:#2563eb}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);
font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
font-variant-numeric:tabular-nums}
main{max-width:1280px;margin:0 auto;padding:28px 24px 48px}
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
.panel-head{display:flex;align-items:baseline;gap:14px;margin-bottom:6px;flex-wrap:wrap}
.panel-head h2{font-size:15px;font-weight:650;margin:0}
.panel-head .note{color:var(--muted);font-size:12.5px}
.legend{font-size:12px;color:#475569}
.legend .k{display:inline-block;width:10px;height:10px;border-radius:50%;margin:0 3px 0 9px;
vertical-align:-1px}
.k.entry{background:#64748b;border-radius:0;clip-path:polygon(50% 0,100% 100%,0 100%)}
.k.win{background:#16a34a}.k.loss{background:#dc2626}
.k.stop{height:2px;width:14px;border-radius:0;background:#dc2626;vertical-align:3px}
.k.tp{height:2px;width:14px;border-radius:0;background:#16a34a;vertical-align:3px}
.k.event{background:#f59e0b;border-radius:0;transform:rotate(45deg);width:8px;height:8px}
.plot{width:100%;height:360px}
.plot.tall{height:480px}
.two{display:grid;grid-template-columns:1fr 1fr;gap:12px}
.plot.half{height:320px}
.mode{font-size:12px;color:var(--muted)}
table{border-collapse:collapse}
table.perf{width:100%;font-size:13px}
table.perf th,table.perf td{padding:4px 10px;border-bottom:1px solid #f1f5f9;text-align:right;
white-space:nowrap}
table.perf th:first-child{text-align:left;font-weight:500;color:#334155}
table.perf thead th{font-weight:650;color:#334155;border-bottom:1px solid var(--line)}
table.perf .sub{color:var(--muted);font-size:11.5px}
p.hold{margin:8px 0 2px;color:#334155}
table.returns{width:100%;font-size:12.5px}
table.returns th,table.returns td{padding:5px 6px;text-align:right;border:1px solid #fff}
table.returns th{color:#334155;font-weight:600;background:#f8fafc}
table.returns td.total{font-weight:650}
table.returns td.none{background:#fafafa}
.filters{display:flex;gap:14px;align-items:center;flex-wrap:wrap;margin:4px 0 8px;
font-size:12.5px;color:#334155}
.filters select{font:inherit;padding:2px 4px}
.filters .count{color:var(--muted)}
.pager{margin-left:auto;display:flex;gap:6px;align-items:center}
.pager button{font:inherit;padding:2px 8px;border:1px solid var(--line);border-radius:6px;
background:#fff;cursor:pointer}
.pager button:disabled{opacity:.4;cursor:default}
.table-wrap{max-height:560px;overflow:auto;border-top:1px solid var(--line)}
.table-wrap.short{max-height:360px}
table.trades,table.events{width:100%;font-size:12.5px}
table.trades th,table.events th{position:sticky;top:0;background:#f8fafc;text-align:left;
font-weight:600;color:#334155;padding:7px 8px;border-bottom:1px solid var(--line);
white-space:nowrap}
table.trades th{cursor:pointer;user-select:none}
table.trades th.num,table.trades td.num{text-align:right}
table.trades th:hover{background:#eef2f7}
table.trades th.asc::after{content:" ▲";font-size:9px}
table.trades th.desc::after{content:" ▼";font-size:9px}
table.trades td,table.events td{padding:5px 8px;border-bottom:1px solid #f1f5f9;
white-space:nowrap}
table.events td:last-child{white-space:normal}
table.trades tbody tr{cursor:pointer}
table.trades tbody tr:hover{background:#f1f5f9}
table.trades tbody tr.chosen{background:#dbeafe}
.side{font-weight:600;font-size:11.5px;text-transform:uppercase}
.side.buy{color:var(--pos)}.side.sell{color:var(--neg)}
.reason{display:inline-block;padding:1px 7px;border-radius:9px;font-size:11.5px;
background:#f1f5f9;color:#334155}
.r-take_profit{background:#dcfce7;color:#166534}.r-stop_loss{background:#fee2e2;color:#991b1b}
.r-trailing_stop{background:#fef3c7;color:#92400e}.r-break_even{background:#e0e7ff;color:#3730a3}
.r-break_even_timeout{background:#e0e7ff;color:#3730a3}
.r-time_exit{background:#f3e8ff;color:#6b21a8}
.r-refused{background:#fef3c7;color:#92400e}.r-halt{background:#fee2e2;color:#991b1b}
.refused ul,.facts{margin:4px 0 10px;padding-left:18px}
.refused h3{font-size:13px;margin:6px 0 2px}
table.props{font-size:13px;margin-bottom:8px}
table.props th{text-align:left;color:var(--muted);font-weight:500;padding:3px 18px 3px 0;
vertical-align:top;white-space:nowrap}
table.props td{padding:3px 0}
details.source summary{cursor:pointer;color:#334155;font-weight:600;margin:6px 0}
details.source pre{background:#f8fafc;border:1px solid var(--line);border-radius:8px;
padding:10px 12px;overflow:auto;max-height:420px;font-size:12px;line-height:1.4}
.empty-table{color:var(--muted)}
footer{color:var(--muted);font-size:12px;text-align:center;margin-top:8px}
@media (max-width:900px){.cards{grid-template-columns:repeat(2,1fr)}.two{grid-template-columns:1fr}}
"""

REPORT_JS = r"""
(function () {
"use strict";
var D = JSON.parse(document.getElementById("report-data").textContent);
var T = D.trades, N = T.id.length;
var GREEN = "#16a34a", RED = "#dc2626", BLUE = "#2563eb", GREY = "#64748b", AMBER = "#f59e0b";
var MAX_CANDLES = 400, PAGE = 100;
var CONFIG = {displaylogo: false, responsive: true, scrollZoom: true,
  modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"]};
var SPIKES = {showspikes: true, spikemode: "across", spikesnap: "cursor", spikethickness: 1,
  spikedash: "dot", spikecolor: "#94a3b8"};
function ext(a, b) { for (var k in b) { a[k] = b[k]; } return a; }
function layout(extra) {
  return ext({margin: {l: 70, r: 20, t: 10, b: 36}, hovermode: "closest", hoverdistance: -1,
    spikedistance: -1, dragmode: "zoom", showlegend: false, paper_bgcolor: "#fff",
    plot_bgcolor: "#fff", font: {size: 11.5, color: "#334155"},
    xaxis: ext({type: "date", gridcolor: "#eef2f6", automargin: true,
      title: {text: "time (" + D.zone + ")", standoff: 6,
      font: {size: 11}}}, SPIKES)}, extra);
}
function esc(s) {
  return String(s).replace(/[&<>"]/g, function (c) {
    return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]; });
}
function lower(arr, v) { var lo = 0, hi = arr.length; while (lo < hi) { var m = (lo + hi) >> 1;
  if (arr[m] < v) { lo = m + 1; } else { hi = m; } } return lo; }
window.tradeplanReport = {ready: false, errors: []};
function decodeLevel(e) {
  // Inverse of price_series.encode_level: running sums of steps, offsets from the close.
  var n = e.db.length, b = new Array(n), o = new Array(n), h = new Array(n), l = new Array(n);
  var c = new Array(n), bucket = 0, close = 0;
  for (var i = 0; i < n; i++) {
    bucket += e.db[i]; close += e.dc[i]; b[i] = bucket;
    c[i] = close / e.scale; o[i] = (close + e.do[i]) / e.scale;
    h[i] = (close + e.dh[i]) / e.scale; l[i] = (close + e.dl[i]) / e.scale;
  }
  return {size: e.size, b: b, o: o, h: h, l: l, c: c};
}
if (D.levels) { D.levels = D.levels.map(decodeLevel); }
if (D.fine) { var seg = D.fine.seg; D.fine = decodeLevel(D.fine); D.fine.seg = seg; }

// ---- price chart -------------------------------------------------------------------------
var price = document.getElementById("price-chart");
var busy = false;
function tradeText(i) {
  return "#" + T.id[i] + " " + T.side[i] + " " + T.qty[i] + " (" + esc(T.slot[i]) + ")<br>" +
    "in  " + T.etx[i] + " @ " + T.ep[i] + "<br>out " + T.xtx[i] + " @ " + T.xp[i] + " " +
    T.reason[i].replace(/_/g, " ") + "<br>P&L " + T.pnl[i] + " " + D.currency;
}
var MAX_TRADES_DRAWN = 600, MAX_EVENTS_DRAWN = 1000;
function sampled(list, cap) {
  // An even sample of a list too long to draw: every trade's marks cost the browser time.
  if (list.length <= cap) { return list; }
  var out = [], step = list.length / cap;
  for (var k = 0; k < cap; k++) { out.push(list[Math.floor(k * step)]); }
  return out;
}
function visibleTrades(a, b) {
  var list = [];
  for (var i = 0; i < N; i++) { if (T.xt[i] >= a && T.et[i] <= b) { list.push(i); } }
  return {all: list.length, shown: sampled(list, MAX_TRADES_DRAWN)};
}
function tradeMarks(a, b) {
  // The marks of the trades in the window [a, b]: entries, exits, the dotted line between
  // them and, while each was open, its stop and take-profit levels.
  var vis = visibleTrades(a, b), chosen = {};
  var ex = [], ey = [], es = [], ec = [], xx = [], xy = [], xc = [], tx = [], lx = [], ly = [];
  vis.shown.forEach(function (i) {
    chosen[i] = true;
    var color = T.pnlv[i] > 0 ? GREEN : (T.pnlv[i] < 0 ? RED : GREY);
    ex.push(T.et[i]); ey.push(T.epv[i]); ec.push(color);
    es.push(T.side[i] === "buy" ? "triangle-up" : "triangle-down");
    xx.push(T.xt[i]); xy.push(T.xpv[i]); xc.push(color); tx.push(tradeText(i));
    lx.push(T.et[i], T.xt[i], null); ly.push(T.epv[i], T.xpv[i], null);
  });
  function levels(L) {
    var x = [], y = [];
    for (var k = 0; k < L.i.length; k++) {
      if (chosen[L.i[k]]) { x.push(L.x0[k], L.x1[k], null); y.push(L.y[k], L.y[k], null); }
    }
    return {x: x, y: y};
  }
  return {all: vis.all, shown: vis.shown.length, ex: ex, ey: ey, es: es, ec: ec, xx: xx,
    xy: xy, xc: xc, tx: tx, lx: lx, ly: ly, stop: levels(D.levels_open.stop),
    tp: levels(D.levels_open.tp)};
}
function eventMarks(a, b) {
  var E = D.events, refused = [], alerts = [];
  for (var j = 0; j < E.kind.length; j++) {
    if (E.t[j] === null || E.t[j] < a || E.t[j] > b) { continue; }
    (E.kind[j] === "refused" ? refused : alerts).push(j);
  }
  function marks(list, label) {
    list = sampled(list, MAX_EVENTS_DRAWN);
    return {x: list.map(function (j) { return E.t[j]; }), text: list.map(function (j) {
      return esc(E.subject[j]) + ": " + esc(label || E.kind[j]) + "<br>" + esc(E.text[j]); })};
  }
  return {refused: marks(refused, "refused"), alerts: marks(alerts, "")};
}
function setMarks(a, b) {
  var m = tradeMarks(a, b), e = eventMarks(a, b), d = priceFig.data, size = m.shown > 200 ? 6 : 9;
  ext(d[2], {x: m.stop.x, y: m.stop.y});
  ext(d[3], {x: m.tp.x, y: m.tp.y});
  ext(d[4], {x: m.lx, y: m.ly});
  ext(d[5], {x: m.ex, y: m.ey, text: m.tx, marker: {symbol: m.es, color: m.ec, size: size + 2,
    line: {color: "#fff", width: 0.8}}});
  ext(d[6], {x: m.xx, y: m.xy, text: m.tx, marker: {symbol: "circle", color: m.xc, size: size,
    line: {color: "#fff", width: 1}}});
  ext(d[7], {x: e.refused.x, y: e.refused.x.map(function () { return 0.025; }),
    text: e.refused.text});
  ext(d[8], {x: e.alerts.x, y: e.alerts.x.map(function () { return 0.06; }),
    text: e.alerts.text});
  return m.shown < m.all ? " · marks of " + m.shown.toLocaleString() + " of " +
    m.all.toLocaleString() + " trades here: zoom in for all" : "";
}
function priceTraces() {
  return [
    {type: "scatter", mode: "lines", name: "close", x: D.line.x, y: D.line.y,
      line: {color: "#334155", width: 1.1}, hovertemplate: "%{y}<extra>close</extra>"},
    {type: "candlestick", name: "candles", x: [], open: [], high: [], low: [], close: [],
      visible: false, increasing: {line: {color: GREEN, width: 1}},
      decreasing: {line: {color: RED, width: 1}}, hoverinfo: "x+y"},
    {type: "scatter", mode: "lines", name: "stop", x: [], y: [],
      line: {color: RED, width: 1.2, dash: "dash"}, hovertemplate: "stop %{y}<extra></extra>"},
    {type: "scatter", mode: "lines", name: "take profit", x: [], y: [],
      line: {color: GREEN, width: 1.2, dash: "dash"},
      hovertemplate: "take profit %{y}<extra></extra>"},
    {type: "scatter", mode: "lines", name: "trade", x: [], y: [], hoverinfo: "skip",
      line: {color: "#94a3b8", width: 1, dash: "dot"}},
    {type: "scatter", mode: "markers", name: "entries", x: [], y: [], text: [],
      hovertemplate: "%{text}<extra>entry</extra>"},
    {type: "scatter", mode: "markers", name: "exits", x: [], y: [], text: [],
      hovertemplate: "%{text}<extra>exit</extra>"},
    {type: "scatter", mode: "markers", name: "refused", x: [], y: [], yaxis: "y2", text: [],
      marker: {symbol: "x-thin-open", color: GREY, size: 7, line: {width: 1.5, color: GREY}},
      hovertemplate: "%{text}<extra></extra>"},
    {type: "scatter", mode: "markers", name: "alerts", x: [], y: [], yaxis: "y2", text: [],
      marker: {symbol: "diamond", color: AMBER, size: 9},
      hovertemplate: "%{text}<extra></extra>"}
  ];
}
function haltShapes() {
  var E = D.events, shapes = [];
  for (var j = 0; j < E.kind.length; j++) {
    if (E.kind[j] === "halt" && E.t[j] !== null) {
      shapes.push({type: "line", xref: "x", yref: "paper", x0: E.t[j], x1: E.t[j], y0: 0, y1: 1,
        line: {color: RED, width: 1.5, dash: "dot"}});
    }
  }
  return shapes;
}
function currentRange() {
  var ax = price._fullLayout.xaxis;
  return [ax.r2l(ax.range[0]), ax.r2l(ax.range[1])];
}
function inFine(a, b) {
  // The own bars are carried only around trades: use them for a window inside one stretch.
  if (!D.fine) { return false; }
  for (var s = 0; s < D.fine.seg.length; s++) {
    if (D.fine.seg[s][0] <= a && b <= D.fine.seg[s][1]) {
      var lv = D.fine;
      var count = lower(lv.b, Math.floor(b / lv.size) + 1) - lower(lv.b, Math.floor(a / lv.size));
      return count <= MAX_CANDLES;
    }
  }
  return false;
}
function chooseLevel(a, b) {
  var full = D.span[1] - D.span[0];
  if (!D.levels.length || (b - a) > full * 0.35) { return -1; }
  if (inFine(a, b)) { return "fine"; }
  for (var i = 0; i < D.levels.length; i++) {
    var lv = D.levels[i];
    var count = lower(lv.b, Math.floor(b / lv.size) + 1) - lower(lv.b, Math.floor(a / lv.size));
    if (count <= MAX_CANDLES) { return i; }
  }
  return -1;
}
function sizeName(ms) {
  var m = ms / 60000;
  if (m < 1) { return (ms / 1000) + "s"; }
  if (m < 60) { return m + "m"; }
  if (m < 1440) { return (m / 60) + "h"; }
  return (m / 1440) + "d";
}
function fitY(a, b, lows, highs) {
  var lo = Infinity, hi = -Infinity, k;
  for (k = 0; k < lows.length; k++) { if (lows[k] < lo) { lo = lows[k]; } }
  for (k = 0; k < highs.length; k++) { if (highs[k] > hi) { hi = highs[k]; } }
  function take(xs, ys) {
    for (var q = 0; q < xs.length; q++) {
      if (xs[q] !== null && xs[q] >= a && xs[q] <= b) {
        if (ys[q] < lo) { lo = ys[q]; } if (ys[q] > hi) { hi = ys[q]; } } }
  }
  var d = priceFig.data;
  take(d[5].x, d[5].y); take(d[6].x, d[6].y); take(d[2].x, d[2].y); take(d[3].x, d[3].y);
  if (!isFinite(lo)) { return null; }
  var pad = (hi - lo) * 0.06 || Math.abs(hi) * 0.001 || 1;
  return [lo - pad, hi + pad];
}
function update(given) {
  var r = given || currentRange(), a = r[0], b = r[1];
  var pick = chooseLevel(a, b), lows = [], highs = [], style, mode;
  if (pick === "fine" || pick >= 0) {
    var lv = pick === "fine" ? D.fine : D.levels[pick];
    var i0 = Math.max(0, lower(lv.b, Math.floor(a / lv.size)) - 1);
    var i1 = Math.min(lv.b.length, lower(lv.b, Math.floor(b / lv.size) + 1) + 1);
    var xs = [];
    for (var i = i0; i < i1; i++) { xs.push(lv.b[i] * lv.size + lv.size / 2); }
    lows = lv.l.slice(i0, i1); highs = lv.h.slice(i0, i1);
    style = {x: xs, open: lv.o.slice(i0, i1), high: highs, low: lows,
      close: lv.c.slice(i0, i1), visible: true};
    mode = "candles " + sizeName(lv.size);
  } else {
    for (var k = lower(D.line.x, a); k < D.line.x.length && D.line.x[k] <= b; k++) {
      lows.push(D.line.y[k]); }
    highs = lows;
    style = {x: [], open: [], high: [], low: [], close: [], visible: false};
    mode = "line";
  }
  var note = setMarks(a, b);
  var y = fitY(a, b, lows, highs);
  // Plotly.react with the whole figure, not restyle: restyling a candlestick's data re-guesses
  // the x axis type and turns the time axis into a number axis.
  ext(priceFig.data[1], style);
  priceFig.data[0].visible = pick === -1;
  priceFig.layout.xaxis.range = [a, b];
  priceFig.layout.xaxis.autorange = false;
  if (y) { priceFig.layout.yaxis.range = y; priceFig.layout.yaxis.autorange = false; }
  priceFig.layout.datarevision = (priceFig.layout.datarevision || 0) + 1;
  busy = true;
  return Plotly.react(price, priceFig.data, priceFig.layout, CONFIG).then(function () {
    busy = false;
    price.dataset.mode = mode;
    var label = document.getElementById("price-mode");
    if (label) { label.textContent = "showing: " + mode + note; }
    price.dataset.range = a + "," + b;
  }, function (err) { busy = false; window.tradeplanReport.errors.push(String(err)); });
}
var pending = null, priceFig = {data: [], layout: {}};
function drawPrice() {
  if (!price || !D.line) { return Promise.resolve(); }
  var head = price.parentNode.querySelector(".panel-head");
  if (head) { var m = document.createElement("span"); m.id = "price-mode"; m.className = "mode";
    head.appendChild(m); }
  priceFig.data = priceTraces();
  priceFig.layout = layout({
    yaxis: ext({gridcolor: "#eef2f6"}, SPIKES),
    yaxis2: {overlaying: "y", range: [0, 1], visible: false, fixedrange: true},
    shapes: haltShapes(), xaxis: ext(layout({}).xaxis, {rangeslider: {visible: false}})
  });
  return Plotly.newPlot(price, priceFig.data, priceFig.layout, CONFIG).then(function () {
    price.on("plotly_relayout", function (ev) {
      if (busy) { return; }
      var keys = Object.keys(ev || {});
      if (!keys.some(function (k) { return k.indexOf("xaxis") === 0; })) { return; }
      if (pending) { clearTimeout(pending); }
      pending = setTimeout(function () { pending = null; update(); }, 30);
    });
    return update();
  });
}
function zoomTo(i) {
  var a = T.et[i], b = T.xt[i];
  var pad = Math.max((b - a) * 0.15, 30 * (D.step || 60000));
  var shape = {type: "rect", xref: "x", yref: "paper", x0: a, x1: b, y0: 0, y1: 1,
    fillcolor: "rgba(37,99,235,0.07)", line: {width: 0}};
  if (pending) { clearTimeout(pending); pending = null; }
  price.dataset.trade = String(T.id[i]);
  priceFig.layout.shapes = haltShapes().concat([shape]);
  priceFig.layout.xaxis.range = [a - pad, b + pad];
  priceFig.layout.xaxis.autorange = false;
  return update([a - pad, b + pad]);
}

// ---- equity, drawdown, P&L per trade, excursions -------------------------------------------
function drawEquity() {
  var el = document.getElementById("equity-chart"), Q = D.equity;
  if (!el || !Q) { return Promise.resolve(); }
  var shapes = Q.initial === null ? [] : [{type: "line", xref: "paper", yref: "y", x0: 0, x1: 1,
    y0: Q.initial, y1: Q.initial, line: {color: "#94a3b8", width: 1, dash: "dash"}}];
  return Plotly.newPlot(el, [
    {type: "scatter", mode: "lines", x: Q.x, y: Q.y, line: {color: BLUE, width: 1.5},
      fill: "none", hovertemplate: "%{y:,}<extra>equity</extra>"},
    {type: "scatter", mode: "lines", x: Q.dx, y: Q.dy, yaxis: "y2", fill: "tozeroy",
      line: {color: RED, width: 1}, fillcolor: "rgba(220,38,38,0.16)",
      hovertemplate: "%{y:.2f}%<extra>drawdown</extra>"}
  ], layout({shapes: shapes,
    yaxis: ext({domain: [0.34, 1], gridcolor: "#eef2f6", title: {text: "equity " + D.currency,
      font: {size: 11}}}, SPIKES),
    yaxis2: ext({domain: [0, 0.27], gridcolor: "#eef2f6", ticksuffix: "%",
      title: {text: "drawdown", font: {size: 11}}}, SPIKES)}), CONFIG);
}
function drawPnl() {
  var el = document.getElementById("pnl-chart"), C = D.closing;
  if (!el || !C.id.length) { return Promise.resolve(); }
  var xs = C.id.map(function (_, i) { return i + 1; });
  return Plotly.newPlot(el, [
    {type: "bar", x: xs, y: C.pnl, marker: {color: C.pnl.map(function (p) {
      return p > 0 ? GREEN : (p < 0 ? RED : GREY); })}, customdata: C.id,
      hovertemplate: "trade #%{customdata}: %{y:,}<extra></extra>"},
    {type: "scatter", mode: "lines", x: xs, y: C.cum, yaxis: "y2", line: {color: BLUE, width: 1.6},
      hovertemplate: "total after %{x} trades: %{y:,}<extra></extra>"}
  ], {margin: {l: 60, r: 60, t: 10, b: 36}, showlegend: false, hovermode: "closest",
    font: {size: 11.5, color: "#334155"}, bargap: C.id.length > 300 ? 0 : 0.2,
    xaxis: {title: {text: "trades in closing order", font: {size: 11}}},
    yaxis: {title: {text: "P&L per trade", font: {size: 11}}, gridcolor: "#eef2f6"},
    yaxis2: {overlaying: "y", side: "right", title: {text: "cumulative", font: {size: 11}},
      showgrid: false}}, CONFIG);
}
function drawExcursions() {
  var el = document.getElementById("excursion-chart");
  if (!el || !N) { return Promise.resolve(); }
  var text = T.id.map(function (_, i) { return "#" + T.id[i] + " P&L " + T.pnl[i] +
    "<br>MFE " + T.mfe[i] + " · MAE " + T.mae[i]; });
  return Plotly.newPlot(el, [
    {type: "scatter", mode: "markers", x: T.maev, y: T.mfev, text: text,
      marker: {size: N > 2000 ? 4 : 7, opacity: 0.75, color: T.pnlv.map(function (p) {
        return p > 0 ? GREEN : (p < 0 ? RED : GREY); })},
      hovertemplate: "%{text}<extra></extra>"}
  ], {margin: {l: 60, r: 20, t: 10, b: 36}, showlegend: false, hovermode: "closest",
    font: {size: 11.5, color: "#334155"},
    xaxis: {title: {text: "MAE (against) " + D.currency, font: {size: 11}}, gridcolor: "#eef2f6"},
    yaxis: {title: {text: "MFE (for) " + D.currency, font: {size: 11}}, gridcolor: "#eef2f6"}},
    CONFIG);
}

// ---- paged tables --------------------------------------------------------------------------
var COLS = [["#", "id", "id", "num"], ["Slot", "slot", "slot", "text"],
  ["Side", "side", "side", "text"], ["Qty", "qty", "qtyv", "num"],
  ["Entry time", "etx", "et", "text"], ["Entry", "ep", "epv", "num"],
  ["Exit time", "xtx", "xt", "text"], ["Exit", "xp", "xpv", "num"],
  ["Reason", "reason", "reason", "text"], ["P&amp;L", "pnl", "pnlv", "num"],
  ["Fees", "fees", "feesv", "num"], ["MFE", "mfe", "mfev", "num"],
  ["MAE", "mae", "maev", "num"], ["Bars", "bars", "bars", "num"],
  ["Held", "held", "heldv", "num"]];
function pager(el, page, pages, go) {
  el.innerHTML = "";
  var prev = document.createElement("button"), next = document.createElement("button");
  var label = document.createElement("span");
  prev.textContent = "‹ prev"; next.textContent = "next ›";
  prev.disabled = page <= 0; next.disabled = page >= pages - 1;
  label.textContent = "page " + (page + 1) + " of " + Math.max(pages, 1);
  prev.className = "prev"; next.className = "next";
  prev.onclick = function () { go(page - 1); }; next.onclick = function () { go(page + 1); };
  el.appendChild(prev); el.appendChild(label); el.appendChild(next);
}
function tradeTable() {
  var table = document.getElementById("trades");
  if (!table) { return; }
  var state = {col: 0, asc: true, page: 0, rows: []};
  var head = "<tr>" + COLS.map(function (c, k) { return '<th class="' + c[3] + '" data-col="' +
    k + '">' + c[0] + "</th>"; }).join("") + "</tr>";
  table.tHead.innerHTML = head;
  var sides = document.getElementById("f-side"), reasons = document.getElementById("f-reason");
  var slots = document.getElementById("f-slot");
  function cell(i, c) {
    var v = T[c[1]][i], text = v === null ? "—" : esc(v);
    if (c[1] === "side") { text = '<span class="side ' + v + '">' + v + "</span>"; }
    if (c[1] === "reason") { text = '<span class="reason r-' + v + '">' +
      v.replace(/_/g, " ") + "</span>"; }
    var css = c[3];
    if (c[1] === "pnl") { css += T.pnlv[i] > 0 ? " pos" : (T.pnlv[i] < 0 ? " neg" : ""); }
    return '<td class="' + css + '">' + text + "</td>";
  }
  function filter() {
    var s = sides.value, r = reasons.value, l = slots.value, rows = [];
    for (var i = 0; i < N; i++) {
      if ((s && T.side[i] !== s) || (r && T.reason[i] !== r) || (l && T.slot[i] !== l)) {
        continue; }
      rows.push(i);
    }
    state.rows = rows; sort();
  }
  function sort() {
    var key = T[COLS[state.col][2]], num = COLS[state.col][3] === "num" ||
      typeof key[0] === "number", dir = state.asc ? 1 : -1;
    state.rows.sort(function (p, q) {
      var x = key[p], y = key[q], r;
      if (num) { r = (x === null ? -Infinity : x) - (y === null ? -Infinity : y); }
      else { r = String(x).localeCompare(String(y)); }
      return r * dir || (T.id[p] - T.id[q]);
    });
    state.page = 0; draw();
  }
  function draw() {
    var pages = Math.ceil(state.rows.length / PAGE);
    state.page = Math.max(0, Math.min(state.page, pages - 1));
    var start = state.page * PAGE, html = [];
    for (var n = start; n < Math.min(start + PAGE, state.rows.length); n++) {
      var i = state.rows[n];
      html.push('<tr data-i="' + i + '" data-id="' + T.id[i] + '">' +
        COLS.map(function (c) { return cell(i, c); }).join("") + "</tr>");
    }
    table.tBodies[0].innerHTML = html.join("");
    document.getElementById("trade-count").textContent = state.rows.length.toLocaleString() +
      " of " + N.toLocaleString() + " trades";
    pager(document.getElementById("trade-pager"), state.page, pages, function (p) {
      state.page = p; draw(); });
    var ths = table.tHead.rows[0].cells;
    for (var k = 0; k < ths.length; k++) { ths[k].classList.remove("asc", "desc"); }
    ths[state.col].classList.add(state.asc ? "asc" : "desc");
  }
  table.tHead.addEventListener("click", function (ev) {
    var th = ev.target.closest("th");
    if (!th) { return; }
    var col = Number(th.dataset.col);
    state.asc = state.col === col ? !state.asc : true; state.col = col; sort();
  });
  table.tBodies[0].addEventListener("click", function (ev) {
    var tr = ev.target.closest("tr");
    if (!tr || !price || !D.line) { return; }
    var chosen = table.querySelector("tr.chosen");
    if (chosen) { chosen.classList.remove("chosen"); }
    tr.classList.add("chosen");
    zoomTo(Number(tr.dataset.i));
    price.scrollIntoView({behavior: "smooth", block: "center"});
  });
  [sides, reasons, slots].forEach(function (el) { el.addEventListener("change", filter); });
  filter();
}
function eventTable() {
  var table = document.getElementById("events"), E = D.events;
  if (!table) { return; }
  var kinds = document.getElementById("f-kind"), state = {page: 0, rows: []};
  function filter() {
    var k = kinds.value; state.rows = [];
    for (var i = 0; i < E.kind.length; i++) { if (!k || E.kind[i] === k) { state.rows.push(i); } }
    state.page = 0; draw();
  }
  function draw() {
    var pages = Math.ceil(state.rows.length / PAGE), html = [];
    var start = state.page * PAGE;
    for (var n = start; n < Math.min(start + PAGE, state.rows.length); n++) {
      var i = state.rows[n];
      html.push("<tr><td>" + esc(E.tx[i]) + '</td><td><span class="reason r-' + esc(E.kind[i]) +
        '">' + esc(E.kind[i].replace(/_/g, " ")) + "</span></td><td>" + esc(E.subject[i]) +
        "</td><td>" + esc(E.text[i]) + "</td></tr>");
    }
    table.tBodies[0].innerHTML = html.join("");
    document.getElementById("event-count").textContent = state.rows.length.toLocaleString() +
      " events";
    pager(document.getElementById("event-pager"), state.page, pages, function (p) {
      state.page = p; draw(); });
  }
  kinds.addEventListener("change", filter);
  filter();
}

var timings = window.tradeplanReport.timings = {};
function timed(name, draw) {
  var began = performance.now(), out = draw();
  timings[name] = Math.round(performance.now() - began);
  return out;
}
timed("trades", tradeTable);
timed("events", eventTable);
Promise.all([timed("price", drawPrice), timed("equity", drawEquity), timed("pnl", drawPnl),
    timed("excursions", drawExcursions)]).then(function () {
  window.tradeplanReport.ready = true;
}, function (err) {
  window.tradeplanReport.errors.push(String(err));
  if (window.console) { console.error(err); }
});
window.tradeplanReport.zoomTo = zoomTo;
})();
"""
