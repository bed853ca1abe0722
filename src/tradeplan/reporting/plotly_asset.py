"""plotly.js as the `plotly` Python package ships it, for inlining into a report.

The report inlines the library once per file (no CDN, no file beside it), so report.html opens
offline, can be mailed alone and shows years later what it showed the day it was written.
"""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def plotly_js() -> str:
    """The minified bundle; raises a clear error when the dependency is missing."""
    try:
        bundle = resources.files("plotly").joinpath("package_data", "plotly.min.js")
        text = bundle.read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError) as exc:  # pragma: no cover - install issue
        raise RuntimeError(
            "report.html needs the `plotly` package (a tradeplan dependency): "
            "reinstall tradeplan, e.g. `pip install -e .`"
        ) from exc
    # A `</script` inside the bundle would end the inline script early.
    return text.replace("</script", "<\\/script")


def plotly_version() -> str:
    head = plotly_js()[:200]
    marker = "plotly.js v"
    start = head.find(marker)
    if start < 0:
        return "?"
    return head[start + len(marker) :].split()[0]
