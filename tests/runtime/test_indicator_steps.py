"""One signal definition, two ways to run it (issue 8): for every indicator in the registry, its
step form fed one bar at a time gives exactly what its batch form gives at that bar.

`batch(x)[t] == fold(step, x[:t+1])` for every t, compared bit for bit (or both NaN), for
parameters across their valid range and inputs with missing values, constant runs, zeros of both
signs and long series that cross the batch forms' row and chunk boundaries. Folding once over the
whole input gives every prefix's result, since a step's output after bar t depends on bars 0..t
only. A later-started step, as a live run is, gives the backtest's digits once it has had
`warmup(name, params)` bars.
"""

from __future__ import annotations

import gzip
import importlib.util
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from tradeplan.plan.vocabulary import FUNCTIONS
from tradeplan.runtime.indicators import REGISTRY, Indicator, warmup
from tradeplan.runtime.indicators.recurrence import recurrence, segment_sums

F64 = NDArray[np.float64]
NAN = math.nan
ROOT = Path(__file__).resolve().parents[2]

_budget_spec = importlib.util.spec_from_file_location(
    "fuzz_budget", ROOT / "tests" / "fuzz" / "fuzz_budget.py"
)
assert _budget_spec is not None and _budget_spec.loader is not None
fuzz_budget = importlib.util.module_from_spec(_budget_spec)
_budget_spec.loader.exec_module(fuzz_budget)


def bits(values: Sequence[float] | F64) -> NDArray[np.int64]:
    """Each value's 64 bits, every NaN as one pattern: equal bits <=> same float or both NaN."""
    array = np.array(values, dtype=np.float64)
    array[np.isnan(array)] = np.nan
    return array.view(np.int64)


def assert_same(batch: F64, folded: list[float], what: str) -> None:
    assert batch.shape == (len(folded),), what
    differ = np.flatnonzero(bits(batch) != bits(folded))
    if differ.size:
        t = int(differ[0])
        pytest.fail(
            f"{what}: batch and step differ first at bar {t} of {batch.size}: "
            f"batch {batch[t]!r}, step {folded[t]!r} ({differ.size} bars differ)"
        )


def fold(
    entry: Indicator, params: tuple[int, ...], columns: Sequence[Sequence[Any]]
) -> list[float]:
    state = entry.step(*params)
    return [state.update(*bar) for bar in zip(*columns, strict=True)]


# --------------------------------------------------------------------------------------------
# Inputs: segments of random walks, constant runs, gaps and awkward values


SPECIAL = (0.0, -0.0, 1.0, -1.0, 1e-300, 5e-324, 1e300)
values = st.one_of(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False),
    st.sampled_from(SPECIAL),
    st.just(NAN),
)


@st.composite
def series(draw: st.DrawFn, max_size: int = 1200) -> F64:
    """A series built from a few segments, with a random scale and level."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    parts: list[F64] = []
    size = 0
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["walk", "walk", "constant", "gap", "values", "zeros"]))
        longest = max_size if kind == "walk" else max(1, max_size // 4)
        length = draw(st.integers(1, longest))
        if kind == "walk":
            level = draw(st.sampled_from([100.0, 1.0, 0.0, -50.0, 1e5, 0.001]))
            step = draw(st.sampled_from([0.5, 1e-3, 10.0, 1e-7]))
            part = level + np.cumsum(rng.normal(0.0, step, length))
            if draw(st.booleans()):
                part = np.round(part, 2)  # prices on a grid: ties and repeats
        elif kind == "constant":
            part = np.full(length, draw(values))
        elif kind == "gap":
            part = np.full(length, NAN)
        elif kind == "zeros":
            part = rng.choice(np.array([0.0, -0.0]), length)
        else:
            part = np.array(draw(st.lists(values, min_size=1, max_size=20)))
        parts.append(part)
        size += part.size
        if size >= max_size:
            break
    out = np.concatenate(parts)[:max_size] if parts else np.zeros(0)
    holes = draw(st.integers(0, 3))
    if holes and out.size:
        out[rng.integers(0, out.size, holes)] = NAN
    return out


def length_for(entry: Indicator) -> st.SearchStrategy[tuple[int, ...]]:
    # Up to 80 covers the direct sums (up to 32 bars, 16 for stdev) and the running-sum rows.
    return st.tuples(*(st.integers(1, 80) for _ in entry.params))


@st.composite
def inputs_for(draw: st.DrawFn, entry: Indicator, max_size: int = 1200) -> list[list[Any]]:
    """The step's columns (lists) for `entry`: bar columns derived like real bars."""
    first = draw(series(max_size))
    size = first.size
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    columns: list[list[Any]] = []
    for source in entry.inputs:
        column: Any
        if source == "day":
            every = draw(st.sampled_from([0.0, 0.01, 0.2, 1.0]))  # chance a bar starts a day
            columns.append(np.cumsum(rng.random(size) < every).tolist())
            continue
        if source == "volume":
            column = rng.choice(np.array([0.0, 1.0, 5.0, 1000.0, 0.5]), size)
            gaps = rng.random(size) < draw(st.sampled_from([0.0, 0.005, 0.05, 0.3]))
            column[gaps] = NAN
        elif source in ("series", "close", "hlc3") or (source == "number" and not columns):
            column = first
        elif source in ("high", "low") and draw(st.booleans()):
            spread = np.abs(rng.normal(0.0, 0.3, size))
            column = first + spread if source == "high" else first - spread
        else:  # another number, or a high/low unrelated to the close
            other = draw(series(max(size, 1)))
            column = np.resize(other, size) if other.size else np.ones(size)
        columns.append(np.asarray(column, dtype=np.float64).tolist())
    return columns


def batch_of(entry: Indicator, params: tuple[int, ...], columns: list[list[Any]]) -> F64:
    arrays = [
        np.array(c, dtype=np.int64 if s == "day" else np.float64)
        for s, c in zip(entry.inputs, columns, strict=True)
    ]
    out: F64 = entry.batch(*arrays, *params)
    return out


# --------------------------------------------------------------------------------------------
# The property, over the whole registry


NAMES = sorted(REGISTRY)


def test_the_registry_names_every_language_function_once() -> None:
    assert set(REGISTRY) == set(FUNCTIONS)
    for name, entry in REGISTRY.items():
        assert entry.name == name
        assert entry.language_params == FUNCTIONS[name].params, name
        # the compiler's graph gives the arguments first, then the columns the vocabulary names
        arguments = len(entry.language_params) - len(entry.params)
        assert entry.inputs[arguments:] == FUNCTIONS[name].columns, name


@settings(
    max_examples=fuzz_budget.examples(1200),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.data())
def test_every_step_gives_its_batch_value_bit_for_bit(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(NAMES), label="indicator")
    entry = REGISTRY[name]
    params = data.draw(length_for(entry), label="params")
    columns = data.draw(inputs_for(entry), label="inputs")
    assert_same(batch_of(entry, params, columns), fold(entry, params, columns), f"{name}{params}")


@pytest.mark.parametrize("name", NAMES)
def test_short_inputs_of_every_indicator(name: str) -> None:
    """Empty input, shorter than the window, and exactly one window long."""
    entry = REGISTRY[name]
    for params in [tuple(n for _ in entry.params) for n in (1, 2, 5, 33, 40)]:
        for size in (0, 1, 4, 5, 6, 33, 34):
            rng = np.random.default_rng(size)
            columns: list[list[Any]] = []
            for source in entry.inputs:
                if source == "day":
                    columns.append([0] * size)
                else:
                    columns.append((100.0 + rng.normal(0.0, 1.0, size)).tolist())
            batch = batch_of(entry, params, columns)
            assert_same(batch, fold(entry, params, columns), f"{name}{params} on {size} bars")


def random_walk(seed: int, size: int) -> F64:
    rng = np.random.default_rng(seed)
    return 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.001, size)))


LONG = ["ema", "rsi", "atr", "sma", "wma", "stdev", "highest", "lowest", "vwap"]


@pytest.mark.parametrize("name", LONG)
@settings(max_examples=fuzz_budget.examples(6), deadline=None)
@given(st.integers(1, 12), st.integers(0, 2**32 - 1), st.integers(0, 4))
def test_long_series_cross_rows_and_chunks(name: str, n: int, seed: int, gaps: int) -> None:
    """30,000 bars: the recursions run in chunks side by side, the sums in many rows (lengths
    of 9 to 108 bars for the windows, past their direct sums)."""
    entry = REGISTRY[name]
    size = 30_000
    close = random_walk(seed, size)
    rng = np.random.default_rng(seed)
    for start in rng.integers(0, size, gaps):
        close[start : start + int(rng.integers(1, 40))] = NAN
    for start in rng.integers(0, size, 20):  # quiet spells: the price does not move
        close[start : start + int(rng.integers(2, 300))] = close[start]
    params = tuple(n if name in ("ema", "rsi", "atr") else n * 9 for _ in entry.params)
    by_input = {
        "series": close,
        "close": close,
        "hlc3": close,
        "high": close + rng.random(size),
        "low": close - rng.random(size),
        "volume": rng.integers(0, 50, size).astype(np.float64),
    }
    columns: list[list[Any]] = [
        (np.arange(size) // 390).tolist() if s == "day" else by_input[s].tolist()
        for s in entry.inputs
    ]
    assert_same(batch_of(entry, params, columns), fold(entry, params, columns), f"{name}{params}")


# --------------------------------------------------------------------------------------------
# The exact recursions themselves, in both of their forms


def loop(u: F64, w: float, resets: list[int], starts: list[float]) -> list[float]:
    seeds = dict(zip(resets, starts, strict=True))
    out, y = [], 0.0
    for t, value in enumerate(u.tolist()):
        y = seeds[t] if t in seeds else w * y + value
        out.append(y)
    return out


@settings(max_examples=fuzz_budget.examples(60), deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(0, 3000),
    st.sampled_from([0.0, 0.5, 0.9, 0.99, 13 / 14, 1 - 2 / 21, 1 - 1 / 200]),
    st.sampled_from([None, 16, 32, 64, 128]),
    st.integers(0, 8),
)
def test_the_chunked_recursion_rounds_like_a_loop(
    seed: int, size: int, w: float, chunk: int | None, resets: int
) -> None:
    rng = np.random.default_rng(seed)
    u = rng.normal(0.0, 1.0, size) * float(rng.choice([1.0, 1e-4, 1e6]))
    at = sorted(set(rng.integers(0, max(size, 1), resets).tolist())) if size else []
    starts = rng.normal(0.0, 5.0, len(at))
    expected = loop(u, w, at, starts.tolist())
    got = recurrence(u, w, np.array(at, dtype=np.int64), starts, chunk=chunk)
    assert_same(got, expected, f"w={w} chunk={chunk}")
    both = recurrence(
        np.stack([u, -2.0 * u]),
        w,
        np.array(at, dtype=np.int64),
        np.stack([starts, starts]),
        chunk=chunk,
    )
    assert_same(both[0], expected, "first of two")
    assert_same(both[1], loop(-2.0 * u, w, at, starts.tolist()), "second of two")


@settings(max_examples=fuzz_budget.examples(60), deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 5000), st.integers(0, 300))
def test_day_sums_add_in_order(seed: int, size: int, cuts: int) -> None:
    rng = np.random.default_rng(seed)
    values = rng.normal(0.0, 1.0, size) * 1e3
    firsts = np.unique(np.r_[0, rng.integers(0, size, cuts)]).astype(np.int64)
    expected: list[float] = []
    for begin, end in zip(firsts.tolist(), [*firsts[1:].tolist(), size], strict=True):
        total = values[begin]
        expected.append(float(total))
        for value in values[begin + 1 : end].tolist():
            total += value
            expected.append(float(total))
    assert_same(segment_sums(values, firsts), expected, "segment sums")


# --------------------------------------------------------------------------------------------
# Warm-up: how much history a live run loads


@pytest.mark.parametrize("name", NAMES)
def test_the_first_value_comes_after_the_lookback(name: str) -> None:
    entry = REGISTRY[name]
    for n in (1, 2, 14, 50):
        params = tuple(n for _ in entry.params)
        columns: list[list[Any]] = [
            [0] * 200 if s == "day" else random_walk(n, 200).tolist() for s in entry.inputs
        ]
        batch = batch_of(entry, params, columns)
        first = int(np.argmin(np.isnan(batch)))
        assert first == entry.lookback(*params), (name, params)
        assert warmup(name, params) >= first


def bundled_closes(name: str, count: int) -> F64:
    """Closes of a bundled data file (real prices: trends, quiet hours and jumps)."""
    with gzip.open(ROOT / "data" / name, "rt") as handle:
        header = handle.readline().strip().split(",")
        column = header.index("close")
        rows = [line.split(",")[column] for _, line in zip(range(count), handle, strict=False)]
    return np.array(rows, dtype=np.float64)


@pytest.mark.parametrize("name", ["ema", "rsi", "atr"])
@pytest.mark.parametrize("n", [2, 14, 50])
def test_a_step_started_later_agrees_after_its_warmup(name: str, n: int) -> None:
    """A live run loads warmup(name, n) bars and then gives the backtest's digits."""
    entry = REGISTRY[name]
    history = warmup(name, (n,))
    close = bundled_closes("eurusd_1m_2025.csv.gz", 3 * history + 2000)
    rng = np.random.default_rng(n)
    by_input = {
        "series": close,
        "close": close,
        "high": close + rng.random(close.size) * 1e-4,
        "low": close - rng.random(close.size) * 1e-4,
    }
    arrays = [by_input[s] for s in entry.inputs]
    batch = entry.batch(*arrays, n)
    for start in (1, history // 3, history, 2 * history):
        columns = [a[start:].tolist() for a in arrays]
        late = np.array(fold(entry, (n,), columns))
        agreed = start + history
        assert np.array_equal(bits(late[history:]), bits(batch[agreed:])), (name, n, start)


@pytest.mark.parametrize(("name", "n"), [("sma", 50), ("sma", 200), ("wma", 40), ("stdev", 20)])
def test_a_long_window_started_on_a_row_boundary_agrees_after_one_row(name: str, n: int) -> None:
    """Long windows keep rows of running sums counted from the first bar: a step started a
    whole number of rows later agrees from the end of its first row; elsewhere, to rounding."""
    entry = REGISTRY[name]
    rows = entry.rows(n)
    close = bundled_closes("eurusd_1m_2025.csv.gz", 12 * rows)
    batch = entry.batch(close, n)
    aligned = 3 * rows
    late = np.array(fold(entry, (n,), [close[aligned:].tolist()]))
    assert np.array_equal(bits(late[rows:]), bits(batch[aligned + rows :]))
    elsewhere = np.array(fold(entry, (n,), [close[aligned + 1 :].tolist()]))
    known = ~np.isnan(elsewhere)
    assert np.allclose(elsewhere[known], batch[aligned + 1 :][known], rtol=1e-9, atol=0.0)
    assert all(REGISTRY[other].rows(10) == 0 for other in NAMES if REGISTRY[other].params)


def test_warmup_refuses_unknown_names_and_wrong_parameters() -> None:
    with pytest.raises(KeyError, match="no indicator `smaa`"):
        warmup("smaa", (3,))
    with pytest.raises(ValueError, match="takes 1 parameter"):
        warmup("sma", ())
    with pytest.raises(ValueError, match="whole number of bars"):
        warmup("ema", (0,))
    assert warmup("vwap") == 0 and warmup("sma", (20,)) == 19 and warmup("change", (5,)) == 5
