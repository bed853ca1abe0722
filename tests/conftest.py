"""Hypothesis settings for the whole suite.

`make test` (and CI) draws the same examples on every run (`derandomize`), so a red build is
reproducible and never depends on luck; the example counts are unchanged. `make fuzz`
(TRADEPLAN_FUZZ set) searches with fresh random examples, which is where new failures are
found; each one found becomes a fixed regression test. No deadline: a loaded CI machine makes
per-example timing meaningless (speed is measured under bench/).
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("reproducible", derandomize=True, deadline=None)
settings.register_profile("search", deadline=None)
settings.load_profile("search" if os.environ.get("TRADEPLAN_FUZZ") else "reproducible")
