"""`tradeplan run strategies/nvda-protect.yaml --broker futu` end to end against the fake
OpenD: the entry in regular hours, its trailing stop limit placed natively (3 %, spread 0.20,
GTC, all sessions), the bot stopped and started again in the middle on the same state (nothing
placed twice), the stop working overnight and filling in the next day's pre-market, and the
trade equal to the backtest's on the same bars."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from pathlib import Path
from time import monotonic, sleep

from futu_fake_opend import NEW_YORK, SDK_HOME, FakeOpenD, regular
from futu_rig import PASSWORD, PASSWORD_MD5

ROOT = Path(__file__).resolve().parents[3]
STRATEGY = ROOT / "strategies" / "nvda-protect.yaml"

HISTORY_KL = 3103
PLACE = 2202
INSTRUMENTS = (sys.executable, "-m", "tradeplan", "instruments", "--broker", "futu")
BACKTEST = (sys.executable, "-m", "tradeplan", "backtest", str(STRATEGY))
RUN = (sys.executable, "-m", "tradeplan", "run", str(STRATEGY), "--broker", "futu")
FLAT = ("150.00", "150.10", "149.90", "150.00")
DIP = ("149.00", "149.00", "148.00", "148.00")  # close < sma(50) * 0.99: the entry signal
TOUCH = ("148.00", "148.10", "147.80", "147.95")  # reaches the entry limit at 147.95
RISE = ("148.00", "152.00", "148.00", "152.00")  # the trailing peak: 152.00
HOLD = ("152.00", "152.00", "151.00", "151.50")
FALL = ("150.00", "150.00", "145.00", "145.00")  # through the stop at 152 * 0.97 = 147.44


def wait_for(what: str, check: Callable[[], bool], seconds: float = 20) -> None:
    deadline = monotonic() + seconds
    while not check():
        assert monotonic() < deadline, f"timed out waiting for {what}"
        sleep(0.02)


def futu_env(port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        FUTU_HOST="127.0.0.1",
        FUTU_PORT=str(port),
        FUTU_TRD_ENV="real",
        FUTU_TRADE_PASSWORD=PASSWORD,
        HOME=SDK_HOME,
        PYTHONPATH=str(ROOT / "src"),
    )
    return env


class Bot:
    """`tradeplan run ... --broker futu` in its own process; what it logs goes to a file."""

    def __init__(
        self,
        venue: FakeOpenD,
        port: int,
        state: Path,
        log: Path,
        out: Path | None = None,
        extra: tuple[str, ...] = (),
    ) -> None:
        self.log = log
        self.err = log.open("w")
        asked = venue.requests.count(HISTORY_KL)
        self.process = subprocess.Popen(
            [
                *RUN,
                "--state",
                str(state),
                "--no-reload",
                *(["--out", str(out)] if out else []),
                *extra,
            ],
            env=futu_env(port),
            stdout=subprocess.PIPE,
            stderr=self.err,
            text=True,
        )
        wait_for(  # warmed up (what closes after it reaches the bot once it subscribes)
            "the bot's start",
            lambda: venue.requests.count(HISTORY_KL) > asked or self.gone(),
        )
        assert not self.gone(), self.text()

    def text(self) -> str:
        return self.log.read_text()

    def gone(self) -> bool:
        return self.process.poll() is not None

    def stop(self, *, by_itself: bool = False) -> tuple[str, str]:
        if not by_itself:
            self.process.send_signal(signal.SIGINT)
        out, _ = self.process.communicate(timeout=30)
        self.err.close()
        assert self.process.returncode == 0, self.text()
        return out, self.text()


def test_nvda_protect_runs_live_with_a_restart_and_a_pre_market_stop(tmp_path: Path) -> None:
    # Ten minutes of Monday's regular hours, then Tuesday's pre-market from 04:00.
    bars = (DIP, TOUCH, RISE, *(HOLD,) * 7, HOLD, FALL, FALL)
    monday = [datetime(2025, 1, 6, 15, 50) + timedelta(minutes=i) for i in range(10)]
    tuesday = [datetime(2025, 1, 7, 4, 0) + timedelta(minutes=i) for i in range(3)]
    venue = FakeOpenD(
        bars,
        code="US.NVDA",
        password_md5=PASSWORD_MD5,
        spread=D(0),
        start=monday[0],
        times=(*monday, *tuesday),
        history=(FLAT,) * 60,
    )
    _, port = venue.start()
    state = tmp_path / "state"
    try:
        bot = Bot(venue, port, state, tmp_path / "first.log")
        venue.step(1)  # DIP closes: the pullback entry goes in
        wait_for("the entry", lambda: len(venue.orders) == 1)
        entry = venue.orders[0]
        assert (entry.type, entry.side, entry.qty, entry.price) == (1, 1, D(50), D("147.95"))
        venue.step(1)  # TOUCH fills it; the trailing stop limit follows
        wait_for("the protective stop", lambda: len(venue.orders) == 2)
        stop = venue.orders[1]
        assert (stop.type, stop.side, stop.qty) == (15, 2, D(50))  # TrailingStopLimit, sell
        assert (stop.trail_type, stop.trail_value, stop.trail_spread) == (1, D(3), D("0.2"))
        assert (stop.tif, stop.session, stop.outside_rth) == (1, 3, True)  # GTC, ALL
        _, first_err = bot.stop()
        assert "bought 50 at 147.95" in first_err

        venue.step(3)  # the market moves while the bot is down; the stop trails at the venue
        bot = Bot(venue, port, state, tmp_path / "second.log", out=tmp_path / "live")
        # the stop, found again by its remark
        wait_for("the restart's reconcile", lambda: "reconciled:" in bot.text())
        assert "1 working orders" in bot.text()
        venue.step(5)  # the rest of regular hours: no second entry, no second stop
        venue.step(3)  # overnight, then Tuesday's pre-market: the stop fills
        wait_for("the stop's fill", lambda: stop.filled == D(50))
        wait_for("the exit booked", lambda: "by trailing stop" in bot.text())
        out, err = bot.stop()
    finally:
        venue.close()
    assert len(venue.orders) == 2, [(o.remark, o.type) for o in venue.orders]
    (exit_fill,) = [f for f in venue.fills if f.order is stop]
    assert exit_fill.price == D("147.44")
    filled_at = datetime.strptime(exit_fill.created[:19], "%Y-%m-%d %H:%M:%S")
    assert filled_at.date() == tuesday[0].date() and filled_at.hour < 9  # in the pre-market
    assert not regular(filled_at)  # as the strategy's session (all) allows
    assert "positions in sync" in err
    assert "closed at 147.44 by trailing stop" in err
    assert "0 open positions" in out
    live = _trades(tmp_path / "live" / "trades.csv")
    assert (
        live
        == backtest_trades(venue, tmp_path)
        == [("buy", "50", "147.95", "147.44", "trailing_stop", "-25.50")]
    )


def _trades(path: Path) -> list[tuple[str, ...]]:
    rows = list(csv.DictReader(path.open()))
    keys = ("side", "qty", "entry_price", "exit_price", "exit_reason", "pnl")
    return [tuple(row[k] for k in keys) for row in rows]


def backtest_trades(venue: FakeOpenD, folder: Path) -> list[tuple[str, ...]]:
    """The same strategy backtested on the same bars (the warm-up history and the live ones,
    stamped with their opening times in UTC), through the CLI."""
    bars = list(venue.history_bars) + list(venue.bars)
    lines = ["time,open,high,low,close"]
    for i, bar in enumerate(bars):
        when = venue.opening(i - len(venue.history_bars))
        opened = when.replace(tzinfo=NEW_YORK).astimezone(UTC)
        lines.append(",".join([opened.isoformat(), *bar]))
    data = folder / "bars.csv"
    data.write_text("\n".join(lines) + "\n")
    out = folder / "backtest"
    subprocess.run(
        [*BACKTEST, "--data", str(data), "--out", str(out), "--spread", "0", "--quiet"],
        check=True,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        timeout=120,
    )
    return _trades(out / "trades.csv")


def test_a_dry_run_says_what_it_would_send_and_the_gateway_gets_nothing(tmp_path: Path) -> None:
    venue = FakeOpenD(
        (DIP, TOUCH),
        code="US.NVDA",
        password_md5=PASSWORD_MD5,
        spread=D(0),
        start=datetime(2025, 1, 6, 15, 50),
        history=(FLAT,) * 60,
    )
    _, port = venue.start()
    try:
        bot = Bot(venue, port, tmp_path / "state", tmp_path / "dry.log", extra=("--dry-run",))
        venue.step(1)  # the closed bar the dry run waits for
        out, _ = bot.stop(by_itself=True)
    finally:
        venue.close()
    assert out.startswith("dry run: nothing was sent\n")
    assert "nvda-protect: in sync with the broker" in out
    assert "buy 50 limit at 147.95 (DAY, entry)" in out
    assert PLACE not in venue.requests and venue.orders == []


def test_instruments_saves_a_profile_that_lint_checks_against(tmp_path: Path) -> None:
    venue = FakeOpenD((FLAT,), code="US.NVDA", password_md5=PASSWORD_MD5)
    _, port = venue.start()
    profile = tmp_path / "futu.json"
    try:
        shown = subprocess.run(
            [*INSTRUMENTS, "US.NVDA", "--save", str(profile)],
            capture_output=True,
            text=True,
            env=futu_env(port),
            timeout=60,
        )
    finally:
        venue.close()
    assert shown.returncode == 0, shown.stderr
    assert "US.NVDA" in shown.stdout and profile.is_file()
    assert PASSWORD not in profile.read_text() and PASSWORD_MD5 not in profile.read_text()
    linted = subprocess.run(
        [sys.executable, "-m", "tradeplan", "lint", str(STRATEGY), "--profile", str(profile)],
        capture_output=True,
        text=True,
        env=futu_env(port),
        timeout=60,
    )
    assert linted.returncode == 0, linted.stdout + linted.stderr
