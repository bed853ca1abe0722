"""Generate the bundled SYNTHETIC market data in data/ (not market history).

Why synthetic: real minute data cannot be redistributed, and a backtest demo needs something that
behaves like a market (quiet and wild stretches, trends and ranges, weekend and overnight gaps,
sessions, spreads that widen when liquidity is thin) without claiming to be history.

Everything is drawn from one numpy generator seeded with SEED, one independent stream per file,
and gzip is written with a zero timestamp and no file name, so the same command on the same numpy
version gives byte-identical files:

    python scripts/make_sample_data.py            # all files into data/
    python scripts/make_sample_data.py --days 5   # a short window, used by the tests

The model, per instrument (log price x, one step per 1-minute bar):

    x[i] = x[i-1] + drift + vol[i] * z[i] + jump[i]

* vol = base minute volatility x volatility regime (calm / normal / stormy, a Markov chain whose
  states last hours to days) x time-of-day profile (FX sessions, the US open/close U shape);
* drift = trend regime (up / down / range; a range pulls toward the price where it began) plus a
  weak pull toward the instrument's centre and a soft wall at its band, so USD/JPY stays in
  ~105-115;
* z is Student-t (4 degrees of freedom, unit variance): fat tails; rare news jumps on top;
* a bar that follows a pause (FX weekend, stock overnight, crypto maintenance) opens with a gap
  whose size grows with the length of the pause; four stock sessions carry earnings-sized gaps.

Bars: open = the previous close (or the gapped price after a pause), high/low = the larger/smaller
of open and close widened by a random wick, all rounded onto the instrument's price grid as
integers before they are formatted, so the text is exact. Spread (a price amount) widens at the FX
rollover, in stormy regimes and outside US regular hours. Prices are bids; ask = bid + spread.

Files (columns `time,open,high,low,close,volume,spread`, time ISO 8601 with offset):

* usdjpy_1m_2025.csv.gz  FX 24h Sunday 17:00 - Friday 17:00 New York, 3 decimals, pip 0.01
* eurusd_1m_2025.csv.gz  same calendar, 5 decimals
* btcusdt_1m_2025.csv.gz 24/7, 1 decimal, volume in BTC with 3 decimals, one 2-hour maintenance gap
* nvda_1m_2025.csv.gz    NYSE days 04:00-20:00 New York (pre-market, regular 09:30-16:00,
  post-market; extended-hours bars are sparse), 2 decimals, times written with the New York offset
* usdjpy_ticks_sample.csv.gz  `time,bid,ask` ticks with millisecond times, three days of January
"""

from __future__ import annotations

import argparse
import gzip
import io
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

SEED = 20250101
YEAR = 2025
NEW_YORK = ZoneInfo("America/New_York")
MINUTE = 60
MINUTES_PER_YEAR = 365.25 * 24 * 60

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
Rng = np.random.Generator

# NYSE 2025: full holidays (Jan 9 was the national day of mourning) and 13:00 early closes.
NYSE_HOLIDAYS = {
    date(2025, 1, 1),
    date(2025, 1, 9),
    date(2025, 1, 20),
    date(2025, 2, 17),
    date(2025, 4, 18),
    date(2025, 5, 26),
    date(2025, 6, 19),
    date(2025, 7, 4),
    date(2025, 9, 1),
    date(2025, 11, 27),
    date(2025, 12, 25),
}
NYSE_EARLY_CLOSE = {date(2025, 7, 3), date(2025, 11, 28), date(2025, 12, 24)}
# Earnings: the synthetic NVDA gaps hard on the morning after these dates.
EARNINGS = {date(2025, 2, 26): 0.07, date(2025, 5, 28): 0.05, date(2025, 8, 27): -0.06,
            date(2025, 11, 19): 0.08}  # fmt: skip


@dataclass(frozen=True)
class Calendar:
    """Bar times (UTC epoch seconds) and what the clock means for each bar."""

    t: I64
    utc_offset: I64  # seconds the written timestamp is shifted (0, or New York's offset)
    activity: F64  # time-of-day volatility/volume multiplier
    liquidity: F64  # 1 = normal; < 1 widens spreads (rollover, extended hours)


@dataclass(frozen=True)
class Spec:
    name: str
    file: str
    start: float
    centre: float
    band: tuple[float, float]  # soft walls
    decimals: int
    annual_vol: float
    calendar: Callable[[Rng, date, date], Calendar]
    base_spread: float  # in price units, normal liquidity
    volume_scale: float
    volume_decimals: int
    gap_vol: float  # log-return stdev of a gap after a one-day pause
    pull: float  # per-year strength of the pull toward `centre`


# --------------------------------------------------------------------------------------------
# Calendars


def _ny_offsets(first: date, last: date) -> tuple[int, I64]:
    """New York's UTC offset for every hour of the window (DST changes on the hour)."""
    start = int(datetime(first.year, first.month, first.day, tzinfo=UTC).timestamp()) - 86400
    hours = ((last - first).days + 3) * 24
    offsets = np.empty(hours, dtype=np.int64)
    for h in range(hours):
        moment = datetime.fromtimestamp(start + h * 3600, tz=UTC).astimezone(NEW_YORK)
        delta = moment.utcoffset()
        offsets[h] = int(delta.total_seconds()) if delta is not None else 0
    return start, offsets


def _all_minutes(first: date, last: date) -> I64:
    begin = int(datetime(first.year, first.month, first.day, tzinfo=UTC).timestamp())
    end = int(datetime(last.year, last.month, last.day, tzinfo=UTC).timestamp()) + 86400
    return np.arange(begin, end, MINUTE, dtype=np.int64)


def _local(t: I64, first: date, last: date) -> tuple[I64, I64]:
    """Local New York seconds-of-epoch and the offset used, for every UTC time."""
    start, offsets = _ny_offsets(first, last)
    off = offsets[(t - start) // 3600]
    return t + off, off


def fx_calendar(rng: Rng, first: date, last: date) -> Calendar:
    """FX trades from Sunday 17:00 to Friday 17:00 New York time, round the clock."""
    t = _all_minutes(first, last)
    local, _ = _local(t, first, last)
    weekday = ((local // 86400) + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
    ny_hour = (local % 86400) // 3600
    closed = (weekday == 5) | ((weekday == 4) & (ny_hour >= 17)) | ((weekday == 6) & (ny_hour < 17))
    utc_hour = ((t % 86400) // 3600).astype(np.int64)
    # Tokyo quiet-ish, London busy, London/New York overlap busiest, late New York thin.
    profile = np.array([0.75, 0.8, 0.8, 0.7, 0.65, 0.6, 0.7, 1.1, 1.3, 1.25, 1.15, 1.1,
                        1.3, 1.5, 1.55, 1.45, 1.2, 0.95, 0.8, 0.7, 0.6, 0.5, 0.45, 0.6])  # fmt: skip
    rollover = ny_hour == 17
    missing = rng.random(t.size) < np.where(rollover, 0.25, 0.002)
    keep = ~closed & ~missing
    liquidity = np.where(rollover, 0.25, np.where(profile[utc_hour] < 0.7, 0.7, 1.0))
    return Calendar(
        t[keep], np.zeros(int(keep.sum()), np.int64), profile[utc_hour][keep], liquidity[keep]
    )


def crypto_calendar(rng: Rng, first: date, last: date) -> Calendar:
    """Crypto never closes; one exchange maintenance window leaves a two-hour hole."""
    t = _all_minutes(first, last)
    utc_hour = (t % 86400) // 3600
    profile = 0.85 + 0.3 * np.exp(-(((utc_hour - 15.0) / 4.0) ** 2))  # US afternoon busiest
    maintenance_start = int(datetime(YEAR, 6, 11, 2, tzinfo=UTC).timestamp())
    in_maintenance = (t >= maintenance_start) & (t < maintenance_start + 7200)
    keep = ~in_maintenance & (rng.random(t.size) >= 0.0005)
    return Calendar(
        t[keep], np.zeros(int(keep.sum()), np.int64), profile[keep], np.ones(keep.sum())
    )


def us_stock_calendar(rng: Rng, first: date, last: date) -> Calendar:
    """NYSE days, 04:00-20:00 New York; extended-hours minutes often have no trade."""
    t = _all_minutes(first, last)
    local, offset = _local(t, first, last)
    day_index = local // 86400
    minute = (local % 86400) // 60
    days = np.array([(date(1970, 1, 1) + timedelta(days=int(d))) for d in range(
        int(day_index.min()), int(day_index.max()) + 1)])  # fmt: skip
    trading = np.array([d.weekday() < 5 and d not in NYSE_HOLIDAYS for d in days])
    early = np.array([d in NYSE_EARLY_CLOSE for d in days])
    rel = day_index - int(day_index.min())
    close_minute = np.where(early[rel], 13 * 60, 16 * 60)
    regular = (minute >= 9 * 60 + 30) & (minute < close_minute)
    pre = (minute >= 4 * 60) & (minute < 9 * 60 + 30)
    post = (minute >= close_minute) & (minute < close_minute + 4 * 60)
    in_window = (day_index >= (first - date(1970, 1, 1)).days) & (
        day_index <= (last - date(1970, 1, 1)).days
    )
    in_session = trading[rel] & in_window & (regular | pre | post)
    # Extended hours: busier next to the regular session, sparse far from it.
    near = np.where(
        pre, (minute - 4 * 60) / 330.0, np.where(post, 1 - (minute - close_minute) / 240, 0.0)
    )
    trade_prob = np.where(regular, 1.0, 0.12 + 0.6 * np.clip(near, 0, 1) ** 2)
    keep = in_session & (rng.random(t.size) < trade_prob)
    since_open = (minute - (9 * 60 + 30)) / max(1.0, 390.0)
    u_shape = 0.8 + 1.6 * np.exp(-since_open * 12) + 0.6 * np.exp(-(1 - since_open) * 10)
    activity = np.where(regular, u_shape, 0.45)
    liquidity = np.where(regular, 1.0, 0.2)
    return Calendar(t[keep], offset[keep], activity[keep], liquidity[keep])


# --------------------------------------------------------------------------------------------
# Regimes and the price path


def _markov_states(rng: Rng, n: int, mean_bars: list[float], moves: list[list[float]]) -> I64:
    """A state per bar: each state lasts an exponential number of bars, then moves on."""
    states = np.empty(n, dtype=np.int64)
    i, state = 0, 1
    while i < n:
        length = max(1, int(rng.exponential(mean_bars[state])))
        states[i : i + length] = state
        i += length
        state = int(rng.choice(len(moves), p=moves[state]))
    return states


def _student_t(rng: Rng, n: int, df: float = 4.0) -> F64:
    draws: F64 = rng.standard_t(df, n) / np.sqrt(df / (df - 2.0))
    return draws


def simulate_closes(spec: Spec, rng: Rng, cal: Calendar) -> tuple[F64, F64, F64, I64]:
    """Log-price path; returns opens, closes (log), the per-bar volatility and the vol regime."""
    n = cal.t.size
    minute_vol = spec.annual_vol / np.sqrt(MINUTES_PER_YEAR)
    bars_per_day = n / max(1.0, (cal.t[-1] - cal.t[0]) / 86400.0)
    vol_regime = _markov_states(
        rng,
        n,
        [bars_per_day * 1.5, bars_per_day * 3.0, bars_per_day * 0.7],
        [[0.0, 0.8, 0.2], [0.55, 0.0, 0.45], [0.3, 0.7, 0.0]],
    )
    vol_mult = np.array([0.55, 1.0, 2.1])[vol_regime]
    trend = _markov_states(
        rng,
        n,
        [bars_per_day * 6, bars_per_day * 8, bars_per_day * 6],
        [[0.0, 0.7, 0.3], [0.5, 0.0, 0.5], [0.3, 0.7, 0.0]],
    )  # 0 up, 1 range, 2 down
    vol = minute_vol * vol_mult * cal.activity
    # A trend moves the price about 1.2 daily standard deviations per day.
    trend_drift = np.array([1.2, 0.0, -1.2])[trend] * minute_vol / np.sqrt(bars_per_day)
    shocks = _student_t(rng, n) * vol
    jumps = np.where(rng.random(n) < 1 / 25000, rng.normal(0, 8, n) * vol, 0.0)
    pause = np.diff(cal.t, prepend=cal.t[0] - MINUTE)
    gaps = np.where(
        pause > 30 * MINUTE,
        rng.normal(0, 1, n) * spec.gap_vol * np.sqrt(np.minimum(pause / 86400.0, 3.0)),
        0.0,
    )
    if spec.name == "US.NVDA":
        gaps = gaps + _earnings_gaps(cal)
    centre = np.log(spec.centre)
    low_wall, high_wall = np.log(spec.band[0]), np.log(spec.band[1])
    pull = spec.pull / MINUTES_PER_YEAR
    x = np.log(spec.start)
    range_anchor = x
    opens = np.empty(n)
    closes = np.empty(n)
    in_range = (trend == 1).tolist()
    drift_list, shock_list, gap_list = (
        trend_drift.tolist(),
        (shocks + jumps).tolist(),
        gaps.tolist(),
    )
    for i in range(n):
        x += gap_list[i]
        opens[i] = x
        drift = drift_list[i] + pull * (centre - x)
        if in_range[i]:
            if i == 0 or not in_range[i - 1]:
                range_anchor = x
            drift += 40 * pull * (range_anchor - x)
        if x > high_wall:
            drift -= 200 * pull * (x - high_wall)
        elif x < low_wall:
            drift += 200 * pull * (low_wall - x)
        x += drift + shock_list[i]
        closes[i] = x
    return opens, closes, vol, vol_regime


def _earnings_gaps(cal: Calendar) -> F64:
    gaps = np.zeros(cal.t.size)
    local_day = (cal.t + cal.utc_offset) // 86400
    for day, move in EARNINGS.items():
        next_day = (day - date(1970, 1, 1)).days + 1
        while next_day in {(d - date(1970, 1, 1)).days for d in NYSE_HOLIDAYS}:
            next_day += 1
        hits = np.flatnonzero(local_day >= next_day)
        if hits.size:
            gaps[hits[0]] += move
    return gaps


def make_bars(spec: Spec, rng: Rng, first: date, last: date) -> dict[str, NDArray[np.generic]]:
    """Bars as integers on the price grid (price x 10**decimals), ready to be written exactly."""
    cal = spec.calendar(rng, first, last)
    opens, closes, vol, regime = simulate_closes(spec, rng, cal)
    scale = 10**spec.decimals
    n = cal.t.size
    o = np.rint(np.exp(opens) * scale).astype(np.int64)
    c = np.rint(np.exp(closes) * scale).astype(np.int64)
    price = np.exp(closes)
    wick_up = np.abs(rng.normal(0, 0.7, n)) * vol * price * scale
    wick_down = np.abs(rng.normal(0, 0.7, n)) * vol * price * scale
    h = np.maximum(o, c) + np.rint(wick_up).astype(np.int64)
    lo = np.minimum(o, c) - np.rint(wick_down).astype(np.int64)
    stress = np.array([0.9, 1.0, 1.8])[regime]
    raw_spread = spec.base_spread * stress / cal.liquidity * rng.lognormal(0, 0.25, n)
    spread = np.maximum(1, np.rint(raw_spread * scale)).astype(np.int64)
    activity = cal.activity * np.array([0.7, 1.0, 1.9])[regime]
    volume = spec.volume_scale * activity * cal.liquidity**0.5 * rng.lognormal(0, 0.45, n)
    vol_scale = 10**spec.volume_decimals
    volume_i = np.maximum(1, np.rint(volume * vol_scale)).astype(np.int64)
    return {"t": cal.t, "offset": cal.utc_offset, "open": o, "high": h, "low": lo, "close": c,
            "volume": volume_i, "spread": spread}  # fmt: skip


# --------------------------------------------------------------------------------------------
# Writing


def iso_times(t: I64, offset: I64, millis: I64 | None = None) -> list[str]:
    """`2025-01-02T09:30:00-05:00`: the local wall clock followed by its offset."""
    local = (t + offset).astype("datetime64[s]")
    text = np.datetime_as_string(local, unit="s").tolist()
    signs = np.where(offset < 0, "-", "+").tolist()
    mins = (np.abs(offset) // 60).tolist()
    suffix = [f"{s}{m // 60:02d}:{m % 60:02d}" for s, m in zip(signs, mins, strict=True)]
    if millis is None:
        return [a + b for a, b in zip(text, suffix, strict=True)]
    ms = millis.tolist()
    return [f"{a}.{m:03d}{b}" for a, m, b in zip(text, ms, suffix, strict=True)]


def fixed(values: I64, decimals: int) -> list[str]:
    """Integers on the grid to exact decimal text (110123, 3 -> '110.123')."""
    if decimals == 0:
        return [str(v) for v in values.tolist()]
    scale = 10**decimals
    return [f"{v // scale}.{v % scale:0{decimals}d}" for v in values.tolist()]


def write_gzip(path: Path, header: str, columns: list[list[str]]) -> None:
    buffer = io.StringIO()
    buffer.write(header + "\n")
    for row in zip(*columns, strict=True):
        buffer.write(",".join(row))
        buffer.write("\n")
    with (
        path.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz,
    ):
        gz.write(buffer.getvalue().encode("ascii"))


def write_bars(path: Path, spec: Spec, bars: dict[str, NDArray[np.generic]]) -> int:
    t = np.asarray(bars["t"], dtype=np.int64)
    columns = [
        iso_times(t, np.asarray(bars["offset"], dtype=np.int64)),
        *(fixed(np.asarray(bars[k], dtype=np.int64), spec.decimals) for k in
          ("open", "high", "low", "close")),
        fixed(np.asarray(bars["volume"], dtype=np.int64), spec.volume_decimals),
        fixed(np.asarray(bars["spread"], dtype=np.int64), spec.decimals),
    ]  # fmt: skip
    write_gzip(path, "time,open,high,low,close,volume,spread", columns)
    return int(t.size)


def write_ticks(path: Path, rng: Rng, first: date, days: int, start_price: float) -> int:
    """USD/JPY ticks: Poisson arrivals, busier in London/New York hours, 1-point steps."""
    begin = int(datetime(first.year, first.month, first.day, tzinfo=UTC).timestamp()) * 1000
    end = begin + days * 86_400_000
    times: list[int] = []
    now = begin
    while now < end:
        hour = (now // 3_600_000) % 24
        rate = 0.6 if 7 <= hour < 17 else 0.2  # ticks per second
        now += max(1, int(rng.exponential(1000.0 / rate)))
        times.append(now)
    ms = np.array(times[:-1], dtype=np.int64)
    n = ms.size
    steps = rng.choice(np.array([-2, -1, -1, 0, 1, 1, 2]), n) * (rng.random(n) < 0.7)
    bid = round(start_price * 1000) + np.cumsum(steps)
    spread = rng.choice(np.array([2, 3, 3, 3, 4, 5, 8]), n)
    columns = [
        iso_times(ms // 1000, np.zeros(n, np.int64), ms % 1000),
        fixed(bid.astype(np.int64), 3),
        fixed((bid + spread).astype(np.int64), 3),
    ]
    write_gzip(path, "time,bid,ask", columns)
    return n


SPECS = [
    Spec("USD/JPY", "usdjpy_1m_2025.csv.gz", 109.80, 110.0, (106.0, 114.0), 3, 0.09,
         fx_calendar, 0.004, 90, 0, 0.0025, 6.0),
    Spec("EUR/USD", "eurusd_1m_2025.csv.gz", 1.08450, 1.08, (1.04, 1.12), 5, 0.075,
         fx_calendar, 0.00004, 85, 0, 0.002, 5.0),
    Spec("BTCUSDT", "btcusdt_1m_2025.csv.gz", 82000.0, 85000.0, (60000.0, 115000.0), 1, 0.55,
         crypto_calendar, 0.1, 9.0, 3, 0.004, 1.0),
    Spec("US.NVDA", "nvda_1m_2025.csv.gz", 131.40, 135.0, (95.0, 180.0), 2, 0.45,
         us_stock_calendar, 0.01, 180_000, 0, 0.012, 1.0),
]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "data")
    parser.add_argument("--days", type=int, default=365, help="length of the window (default 365)")
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    first = date(YEAR, 1, 1)
    last = first + timedelta(days=args.days - 1)
    streams = np.random.SeedSequence(SEED).spawn(len(SPECS) + 1)
    for spec, stream in zip(SPECS, streams, strict=False):
        bars = make_bars(spec, np.random.default_rng(stream), first, last)
        rows = write_bars(out / spec.file, spec, bars)
        size = (out / spec.file).stat().st_size
        print(f"{out / spec.file}: {spec.name}, {rows:,} bars, {size / 1e6:.1f} MB")
    tick_path = out / "usdjpy_ticks_sample.csv.gz"
    tick_days = min(3, args.days)
    ticks = write_ticks(
        tick_path, np.random.default_rng(streams[-1]), date(YEAR, 1, 6), tick_days, 110.20
    )
    print(f"{tick_path}: USD/JPY, {ticks:,} ticks, {tick_path.stat().st_size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
