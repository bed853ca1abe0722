"""Secrets never leave the environment: a live run with broker keys, tokens and passwords set
writes none of them to events.jsonl, the console, the --out files or the state database (the
SQLite file's bytes, its WAL included), in process and as a subprocess. A secret some text
does carry (a broker that quotes a key in a refusal) is starred out of the log and console, as
`***`, even when JSON would have written it escaped."""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from live_harness import ROOT, live_session, source

from tradeplan.cli.main import main
from tradeplan.live.logs import EventLog
from tradeplan.live.paper_session import load_feed

# What the broker adapters will read (docs of issues 10-12), with values no run produces.
SECRETS = {
    "BINANCE_API_KEY": "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A",
    "BINANCE_API_SECRET": "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j",
    "OANDA_TOKEN": "b1f7c5e2a9d84e3f-6a0c2b9d8e7f1a3c5b7d9e0f2a4c6e8b",
    "OANDA_API_KEY": "oanda-key-Qw3rTy7UiOp9AsDf",
    "FUTU_TRADE_PASSWORD": "Tr4de-Pa55word!",
    "FUTU_TRADE_PASSWORD_MD5": "5f4dcc3b5aa765d61d8327deb882cf99",
    "COINBASE_API_PASSPHRASE": "correct horse battery staple 42",
    "BROKER_CREDENTIALS": 'pa"ss\\word-77',  # a quote and a backslash, which JSON escapes
}

# Buy slots every 5 pips from 109.50 to 110.20, one shared test grid (tests/fixtures/live/).
SCALP_GRID = (
    Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "live" / "scalp-grid-109.yaml"
).read_text("utf-8")


def forms(secret: str) -> list[bytes]:
    """The secret as bytes, and as JSON writes it inside a string."""
    return [secret.encode("utf-8"), json.dumps(secret, ensure_ascii=False)[1:-1].encode("utf-8")]


def leaks(blobs: dict[str, bytes]) -> list[str]:
    return [
        f"{name} in {where}"
        for name, secret in SECRETS.items()
        for where, blob in blobs.items()
        if any(form in blob for form in forms(secret))
    ]


def files(*folders: Path) -> dict[str, bytes]:
    found = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                found[str(path)] = path.read_bytes()
    return found


def short_feed(folder: Path, rows: int = 600) -> Path:
    with gzip.open(ROOT / "data" / "usdjpy_1m_2025.csv.gz", "rt", encoding="utf-8") as data:
        lines = [next(data) for _ in range(rows + 1)]
    path = folder / "usdjpy.csv"
    path.write_text("".join(lines), encoding="utf-8")
    return path


def scalp(folder: Path) -> Path:
    path = folder / "scalp.yaml"
    path.write_text(SCALP_GRID, encoding="utf-8")
    return path


def test_a_run_in_process_writes_no_secret_anywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    state, out = tmp_path / "state", tmp_path / "out"
    argv = ["run", str(scalp(tmp_path)), "--feed", str(short_feed(tmp_path))]
    code = main([*argv, "--speed", "max", "--state", str(state), "--out", str(out)])
    console = capsys.readouterr()
    assert code == 0, console.err
    assert (out / "trades.csv").read_text().count("\n") > 1  # it traded
    code = main(["status", "--state", str(state), "--json"])
    status = capsys.readouterr()
    assert code == 0
    assert (state / "state.sqlite").stat().st_size > 0
    blobs = files(state, out)
    blobs["stdout"] = (console.out + status.out).encode()
    blobs["stderr"] = (console.err + status.err).encode()
    assert leaks(blobs) == []


def test_a_run_as_a_subprocess_writes_no_secret_anywhere(tmp_path: Path) -> None:
    state, out = tmp_path / "state", tmp_path / "out"
    done = subprocess.run(
        [
            *(sys.executable, "-m", "tradeplan", "run", str(scalp(tmp_path))),
            *("--feed", str(short_feed(tmp_path)), "--speed", "max"),
            *("--state", str(state), "--out", str(out)),
        ],
        env={**os.environ, **SECRETS},
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    blobs = files(state, out)
    blobs["stdout"], blobs["stderr"] = done.stdout, done.stderr
    assert b"trades closed in this run" in done.stdout
    assert leaks(blobs) == []


def test_a_secret_quoted_by_the_broker_is_starred_out_of_the_log_and_console(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A venue that quotes a key in a refusal: the log and the console star it out."""
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    key, odd = SECRETS["BINANCE_API_KEY"], SECRETS["BROKER_CREDENTIALS"]
    strategy = source(scalp(tmp_path), "scalp")
    data = load_feed(strategy.plan, short_feed(tmp_path, 120))
    state = tmp_path / "state"
    session = live_session([strategy], state, None, data=data)
    session.venue.faults.reject_next_submit(f"signature for {key} ({odd}) is invalid")
    assert session.runner.run() == 0
    session.close()
    log = (state / "events.jsonl").read_text("utf-8")
    refused = [
        json.loads(line)
        for line in log.splitlines()
        if json.loads(line)["event"] == "order_rejected"
    ]
    assert refused and refused[0]["reason"] == "signature for *** (***) is invalid"
    assert "refused: signature for *** (***) is invalid" in session.console.getvalue()
    blobs = {"events.jsonl": log.encode(), "console": session.console.getvalue().encode()}
    assert leaks(blobs) == []


def test_a_secret_quoted_by_the_broker_stays_out_of_the_store_and_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    strategy = source(scalp(tmp_path), "scalp")
    data = load_feed(strategy.plan, short_feed(tmp_path, 120))
    state, out = tmp_path / "state", tmp_path / "out"
    session = live_session([strategy], state, out, data=data)
    session.venue.faults.reject_next_submit(f"signature for {SECRETS['BINANCE_API_KEY']} is bad")
    assert session.runner.run() == 0
    session.close()
    assert leaks(files(state, out)) == []


def test_event_log_values_are_scrubbed_before_json_escapes_them(tmp_path: Path) -> None:
    odd = SECRETS["BROKER_CREDENTIALS"]
    console = io.StringIO()
    log = EventLog(tmp_path / "events.jsonl", console, secrets=(odd,))
    log.event("alert", "s", f"said {odd}", message=f"the venue said {odd}", detail={odd: [odd]})
    log.close()
    written = (tmp_path / "events.jsonl").read_text("utf-8")
    record = json.loads(written)
    assert record["message"] == "the venue said ***"
    assert record["detail"] == {"***": ["***"]}
    assert console.getvalue() == "[s] said ***\n"
    assert leaks({"log": written.encode(), "console": console.getvalue().encode()}) == []
