"""How hard the fuzz tests push: `make test` runs a bounded campaign, `make fuzz` a long one.

`TRADEPLAN_FUZZ` multiplies every fuzz test's example count (default 1). Hypothesis keeps the
failures it finds in `.hypothesis/`, so a long run's findings are replayed by the short one.
"""

from __future__ import annotations

import os


def examples(base: int) -> int:
    try:
        scale = max(1, int(os.environ.get("TRADEPLAN_FUZZ", "1")))
    except ValueError:
        scale = 1
    return base * scale
