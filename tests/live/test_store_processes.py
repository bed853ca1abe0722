"""Two processes on one state store: the bot writes while `tradeplan status` reads and
`tradeplan halt` writes from another terminal.

A reader never waits for the bot and sees only what the bot committed; a writer (the kill
switch) waits for the bot's transaction instead of failing, and the bot sees the halt at
its next read. Each "other terminal" here is a real second Python process.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from store_builders import STRATEGY, fill, intent

from tradeplan.live.store import StateStore, StoreBusy


def other_terminal(directory: Path, body: str, busy_timeout: float = 30.0) -> subprocess.Popen[str]:
    """A second process: prints "ready" once imported, then opens the store and runs `body`."""
    script = textwrap.dedent(
        f"""
        import json, sys
        from pathlib import Path
        from tradeplan.live.store import StateStore
        print("ready", flush=True)
        store = StateStore.open(Path({str(directory)!r}), busy_timeout={busy_timeout})
        """
    ) + textwrap.dedent(body)
    process = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    return process


def finish(process: subprocess.Popen[str], timeout: float = 60) -> str:
    # Not communicate(): it reads the pipes' file descriptors and would miss what readline()
    # already buffered after "ready".
    assert process.stdout is not None and process.stderr is not None
    process.wait(timeout=timeout)
    out, err = process.stdout.read(), process.stderr.read()
    process.stdout.close()
    process.stderr.close()
    assert process.returncode == 0, err
    return out


def bot(directory: Path) -> StateStore:
    store = StateStore.open(directory)
    store.register_strategy(STRATEGY, "s.yaml")
    return store


STATUS = """
intents = [i.client_id for i in store.intents("usdjpy-grid")]
fills = [f.trade_id for f in store.fills("usdjpy-grid")]
print(json.dumps({"intents": intents, "fills": fills}))
"""


def test_status_reads_while_the_bot_holds_a_write_transaction(tmp_path: Path) -> None:
    store = bot(tmp_path)
    store.add_intent(intent("tpaaaaaa1"))
    with store.transaction():
        store.add_intent(intent("tpaaaaaa2"))
        store.add_fill(STRATEGY, fill("T-1", "tpaaaaaa2"))
        # The reader finishes while the bot's transaction is still open: it never waits.
        seen = json.loads(finish(other_terminal(tmp_path, STATUS)))
    assert seen == {"intents": ["tpaaaaaa1"], "fills": []}  # only what was committed
    seen = json.loads(finish(other_terminal(tmp_path, STATUS)))
    assert seen == {"intents": ["tpaaaaaa1", "tpaaaaaa2"], "fills": ["T-1"]}
    store.close()


def test_a_halt_from_another_terminal_waits_for_the_bot_then_lands(tmp_path: Path) -> None:
    store = bot(tmp_path)
    with store.transaction():
        store.add_intent(intent("tpaaaaaa1"))
        halt = other_terminal(tmp_path, 'store.halt("usdjpy-grid", "by hand")\n')
        time.sleep(0.5)  # the halt is waiting for the bot's write lock meanwhile
        assert halt.poll() is None
    finish(halt)
    assert store.halted(STRATEGY) == "by hand"  # the bot's next read sees the kill switch
    assert store.intent("tpaaaaaa1") is not None
    resume = other_terminal(tmp_path, 'store.resume("usdjpy-grid")\n')
    finish(resume)
    assert store.halted(STRATEGY) is None
    store.close()


def test_a_writer_that_waits_too_long_says_the_store_is_busy(tmp_path: Path) -> None:
    store = bot(tmp_path)
    other = StateStore.open(tmp_path, busy_timeout=0.05)
    with store.transaction():
        store.add_intent(intent("tpaaaaaa1"))
        with pytest.raises(StoreBusy, match="locked"):
            other.halt(STRATEGY, "too late")
    other.halt(STRATEGY, "now")  # once the bot committed, it goes through
    assert store.halted(STRATEGY) == "now"
    other.close()
    store.close()


def test_two_bots_starting_at_once_create_one_schema(tmp_path: Path) -> None:
    opens = [other_terminal(tmp_path, 'store.register_strategy("a", "a.yaml")\n') for _ in range(3)]
    for process in opens:
        finish(process)
    with StateStore.open(tmp_path) as store:
        assert store.strategies() == ("a",)


def test_threads_of_one_bot_share_a_store(tmp_path: Path) -> None:
    store = bot(tmp_path)
    ids: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(25):
            with store.transaction():
                cid = store.new_client_id(STRATEGY)
                store.add_intent(intent(cid))
            with lock:
                ids.append(cid)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(ids)) == 100
    assert sorted(i.client_id for i in store.intents(STRATEGY)) == sorted(ids)
    store.close()
