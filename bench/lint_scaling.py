"""Lint time against file size (issue 7, item 11): it must grow linearly, not faster.

Run: .venv/bin/python bench/lint_scaling.py
Builds one strategy with N entry rules, in YAML and in the text form, for sizes from about
16 KB up to the 1 MiB file limit, lints each (best of 3) and prints the time per KB. Linear
scaling keeps the per-KB time flat: the printed ratio (largest file's per-KB time over the
smallest's) stays near 1, where a quadratic step would double it with every doubling of the
size. The peer, yamllint on the same YAML files when installed, is measured in the same run.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from tradeplan import api  # noqa: E402

HEAD_YAML = (
    "tradeplan: 1\nname: big\ninstrument: {symbol: EUR/USD}\n"
    "account: {currency: USD, balance: 100000}\nbroker: paper\nentries:\n"
)
RULE_YAML = (
    "  - name: r{i}\n    side: long\n"
    "    when: close crosses_above sma(close, {n}) and rsi(close, 14) > 30\n"
    "    units: 1000\n"
)
TAIL_YAML = "exits:\n  stop_loss: 20 pips\n  take_profit: 40 pips\n"
HEAD_TEXT = "tradeplan 1\nstrategy big on EUR/USD via paper\naccount USD balance 100000\n"
RULE_TEXT = (
    "entry r{i} long when close crosses_above sma(close, {n}) and rsi(close, 14) > 30 "
    "{{\n  qty 1000\n}}\n"
)
TAIL_TEXT = "exits {\n  stop_loss 20 pips\n  take_profit 40 pips\n}\n"


def build(form: str, rules: int) -> str:
    if form == "yaml":
        body = "".join(RULE_YAML.format(i=i, n=5 + i % 90) for i in range(rules))
        return HEAD_YAML + body + TAIL_YAML
    body = "".join(RULE_TEXT.format(i=i, n=5 + i % 90) for i in range(rules))
    return HEAD_TEXT + body + TAIL_TEXT


def best_of(runs: int, action: object) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        action()  # type: ignore[operator]
        times.append(time.perf_counter() - began)
    return min(times)


def main() -> None:
    yamllint = shutil.which("yamllint") or str(Path(sys.executable).with_name("yamllint"))
    has_peer = Path(yamllint).exists()
    with tempfile.TemporaryDirectory() as tmp:
        for form, suffix in (("yaml", ".yaml"), ("text", ".tp")):
            print(
                f"{form} form:  size        lint      per KB"
                + ("   yamllint" if form == "yaml" and has_peer else "")
            )
            per_kb = []
            rules = 128
            while True:
                text = build(form, rules)
                if len(text.encode()) > 1_000_000:
                    break
                path = Path(tmp) / f"big{suffix}"
                path.write_text(text)
                seconds = best_of(3, lambda p=path: api.lint(str(p)))
                kb = len(text.encode()) / 1024
                per_kb.append(seconds / kb)
                line = f"  {kb:10,.0f} KB {seconds * 1000:8.0f} ms {seconds / kb * 1e6:8.0f} us"
                if form == "yaml" and has_peer:
                    peer = best_of(
                        1,
                        lambda p=path: subprocess.run(
                            [yamllint, "-d", "relaxed", str(p)], capture_output=True
                        ),
                    )
                    line += f" {peer * 1000:8.0f} ms (x{peer / seconds:.2f} of ours)"
                print(line)
                rules *= 2
            print(
                f"  per-KB time, largest / smallest file: {per_kb[-1] / per_kb[0]:.2f} (1.00 = linear)"
            )


if __name__ == "__main__":
    main()
