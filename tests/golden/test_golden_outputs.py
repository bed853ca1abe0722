"""Golden outputs (issue 8, proof 1): the bundled strategies' files, byte for byte.

A difference names the file and its first differing line, so an intended change can be checked
line by line before the goldens are recorded again (see golden_runs.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from golden_runs import CASES, run_case, stored


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_bundled_run_gives_its_golden_files_back(case: str, tmp_path: Path) -> None:
    expected = stored(case)
    actual = run_case(case, tmp_path / "out")
    for name, want in expected.items():
        got = actual[name]
        if got == want:
            continue
        old, new = want.decode().splitlines(), got.decode().splitlines()
        line = next(
            (i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b),
            min(len(old), len(new)),
        )
        was = old[line] if line < len(old) else "(end of file)"
        now = new[line] if line < len(new) else "(end of file)"
        pytest.fail(
            f"{case}/{name} differs from its golden at line {line + 1} "
            f"({len(old)} lines before, {len(new)} now):\n  golden: {was}\n  now:    {now}"
        )
