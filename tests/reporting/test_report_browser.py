"""report.html in a real browser: Debian's chromium, headless, driven by Playwright.

The demo strategy's report (a quarter of the bundled USD/JPY minutes) opens without a console
error, every chart draws, the trade table sorts, filters and pages, and clicking a trade zooms
the price chart onto it, in candles. On a machine without /usr/bin/chromium (`make chromium`
installs it) or without the `playwright` package the test is skipped and says so.

TRADEPLAN_REPORT_SCREENSHOT=path.png saves a screenshot of the page's top (docs/report.png).
"""

from __future__ import annotations

import io
import json
import os
import re
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from tradeplan.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "out"
    argv = [
        "backtest",
        str(ROOT / "strategies" / "usdjpy-grid.yaml"),
        "--data",
        str(ROOT / "data" / "usdjpy_1m_2025.csv.gz"),
        "--from",
        "2025-03-01",
        "--to",
        "2025-05-31",
        "--out",
        str(out),
        "--quiet",
    ]
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()) as err:
        assert main(argv) == 0, err.getvalue()
    return out / "report.html"


def _payload(page_html: str) -> dict:  # type: ignore[type-arg]
    found = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page_html)
    assert found
    return json.loads(found.group(1))  # type: ignore[no-any-return]


def test_the_report_works_in_a_real_browser(report: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"the browser test did not run: no {CHROMIUM} (`make chromium` installs it)")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the browser test did not run: no playwright package"
    )
    data = _payload(report.read_text(encoding="utf-8"))
    trades = data["trades"]
    assert len(trades["id"]) > 5
    problems: list[str] = []
    with sync_api.sync_playwright() as play:
        browser = play.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 1000})
            page.set_default_timeout(10_000)
            page.on(
                "console",
                lambda m: problems.append(f"{m.type}: {m.text}") if m.type == "error" else None,
            )
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("request", lambda r: None if r.url.startswith(("file:", "data:", "blob:"))
                    else problems.append(f"fetched {r.url}"))  # fmt: skip
            page.goto(report.as_uri())
            page.wait_for_function("window.tradeplanReport && window.tradeplanReport.ready")
            assert page.evaluate("window.tradeplanReport.errors") == []

            # Every chart drew: plotly's SVG with traces in it.
            for chart in ("price-chart", "equity-chart", "pnl-chart", "excursion-chart"):
                assert page.locator(f"#{chart} .main-svg").count() > 0, chart
                assert page.locator(f"#{chart} .trace").count() > 0, chart
            assert page.get_attribute("#price-chart", "data-mode") == "line"  # zoomed out
            shot = os.environ.get("TRADEPLAN_REPORT_SCREENSHOT")
            if shot:
                page.screenshot(path=shot, clip={"x": 0, "y": 0, "width": 1300, "height": 1000})

            # The table: the first page of every trade; sorting by P&L puts the worst first.
            rows = page.locator("#trades tbody tr")
            assert rows.count() == min(100, len(trades["id"]))
            page.click("#trades thead th:has-text('P&L')")
            worst = trades["pnl"][trades["pnlv"].index(min(trades["pnlv"]))]
            assert rows.first.locator("td").nth(9).inner_text() == worst
            slot = trades["slot"][0]
            page.select_option("#f-slot", slot)
            expected = sum(1 for s in trades["slot"] if s == slot)
            assert page.inner_text("#trade-count").startswith(f"{expected:,} of")
            page.select_option("#f-slot", "")

            # Click a trade: the chart's x range now holds it, drawn as candles.
            # (the shortest trade of the first page: a long one would fill the window)
            shown = [int(rows.nth(n).get_attribute("data-i") or "-1") for n in range(rows.count())]
            index = min(shown, key=lambda i: trades["heldv"][i])
            page.click(f"#trades tbody tr[data-i='{index}']")
            page.wait_for_function(
                "document.getElementById('price-chart').dataset.trade === "
                f"'{trades['id'][index]}' && "
                "document.getElementById('price-chart').dataset.mode.startsWith('candles')"
            )
            low, high = page.evaluate(
                "(() => { const ax = document.getElementById('price-chart')._fullLayout.xaxis;"
                " return [ax.r2l(ax.range[0]), ax.r2l(ax.range[1])]; })()"
            )
            assert low <= trades["et"][index] and trades["xt"][index] <= high
            assert high - low < (data["span"][1] - data["span"][0]) / 2  # zoomed in
            assert page.locator("#price-chart .trace.ohlc, #price-chart .trace.boxes").count() > 0
        finally:
            browser.close()
    assert problems == []
