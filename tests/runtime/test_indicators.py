"""Indicators: hand-computed values, the published Wilder RSI example, and agreement with plain
per-bar loops (indicator_reference.py) on open-ended data, NaN warm-ups and gaps included."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from indicator_reference import (
    REFERENCES,
    ref_atr,
    ref_ema,
    ref_vwap,
)
from numpy.typing import NDArray

from tradeplan.plan.vocabulary import FUNCTIONS
from tradeplan.runtime import indicators as ind

NAN = math.nan
F64 = NDArray[np.float64]


def same(actual: F64, expected: list[float] | F64, *, rel: float = 1e-9) -> None:
    """Equal NaN positions, values within `rel` of the data's scale."""
    expected_arr = np.asarray(expected, dtype=np.float64)
    assert actual.dtype == np.float64
    assert actual.shape == expected_arr.shape
    assert np.array_equal(np.isnan(actual), np.isnan(expected_arr)), (actual, expected_arr)
    finite = ~np.isnan(expected_arr)
    scale = 1.0 + float(np.max(np.abs(expected_arr[finite]), initial=0.0))
    np.testing.assert_allclose(actual[finite], expected_arr[finite], rtol=rel, atol=rel * scale)


# --------------------------------------------------------------------------------------------
# Hand-computed values


def test_sma_of_one_to_five() -> None:
    same(ind.sma([1, 2, 3, 4, 5], 3), [NAN, NAN, 2, 3, 4])


def test_ema_is_seeded_with_the_sma_of_the_first_n_values() -> None:
    # alpha = 2/(3+1) = 0.5; seed (1+2+3)/3 = 2; then 0.5*4 + 0.5*2 = 3; 0.5*10 + 0.5*3 = 6.5
    same(ind.ema([1, 2, 3, 4, 10], 3), [NAN, NAN, 2, 3, 6.5])


def test_wma_weighs_the_newest_bar_most() -> None:
    # (1*1 + 2*2 + 3*3) / 6 and (1*2 + 2*3 + 3*7) / 6
    same(ind.wma([1, 2, 3, 7], 3), [NAN, NAN, 14 / 6, 29 / 6])


def test_stdev_is_the_population_deviation() -> None:
    same(ind.stdev([2, 4, 4, 4, 5, 5, 7, 9], 8), [NAN] * 7 + [2.0])


def test_highest_and_lowest_include_the_current_bar() -> None:
    xs = [3, 1, 4, 1, 5, 9, 2, 6]
    same(ind.highest(xs, 3), [NAN, NAN, 4, 4, 5, 9, 9, 9])
    same(ind.lowest(xs, 3), [NAN, NAN, 1, 1, 1, 1, 2, 2])


def test_roc_and_change() -> None:
    same(ind.roc([100, 110, 99, 0, 5], 1), [NAN, 10.0, -10.0, -100.0, NAN])  # x[1] == 0: NaN
    same(ind.change([100, 110, 99], 2), [NAN, NAN, -1.0])


def test_wilder_rsi_matches_the_published_example() -> None:
    """Wilder's 14-bar RSI on the classic example (StockCharts' RSI table), to 2 decimals."""
    closes = [
        44.3389, 44.0902, 44.1497, 43.6124, 44.3278, 44.8264, 45.0955, 45.4245, 45.8433,
        46.0826, 45.8931, 46.0328, 45.6140, 46.2820, 46.2820, 46.0028, 46.0328, 46.4116,
        46.2222, 45.6439, 46.2122, 46.2521, 45.7137, 46.4515, 45.7835, 45.3548, 44.0288,
        44.1783, 44.2181, 44.5672, 43.4205, 42.6628, 43.1314,
    ]  # fmt: skip
    published = [
        70.53, 66.32, 66.55, 69.41, 66.36, 57.97, 62.93, 63.26, 56.06, 62.38, 54.71, 50.42,
        39.99, 41.46, 41.87, 45.46, 37.30, 33.08, 37.77,
    ]  # fmt: skip
    result = ind.rsi(closes, 14)
    assert np.isnan(result[:14]).all()
    assert np.round(result[14:], 2).tolist() == published


def test_rsi_is_zero_without_movement_and_100_without_losses() -> None:
    same(ind.rsi([5, 5, 5, 5], 2), [NAN, NAN, 0.0, 0.0])
    same(ind.rsi([1, 2, 3, 4], 2), [NAN, NAN, 100.0, 100.0])


def test_atr_starts_after_n_true_ranges() -> None:
    high = [10.0, 11.0, 12.0, 11.0]
    low = [9.0, 10.0, 10.5, 9.0]
    close = [9.5, 10.5, 11.0, 9.5]
    # true ranges from bar 1: 1.5 (11 - 9.5), 1.5 (12 - 10.5), 2.0 (11 - 9)
    # ATR(2): seed (1.5 + 1.5) / 2 = 1.5 at bar 2; then (1.5 * 1 + 2.0) / 2 = 1.75
    same(ind.atr(high, low, close, 2), [NAN, NAN, 1.5, 1.75])
    same(ind.true_range(high, low, close), [NAN, 1.5, 1.5, 2.0])


def test_vwap_restarts_each_day() -> None:
    price = [10.0, 20.0, 30.0, 40.0]
    volume = [1.0, 3.0, 2.0, 2.0]
    day = [0, 0, 1, 1]
    same(ind.vwap(price, volume, day), [10.0, (10 + 60) / 4, 30.0, 35.0])


def test_vwap_without_volume_is_missing() -> None:
    same(ind.vwap([10.0, 11.0], [NAN, NAN], [0, 0]), [NAN, NAN])
    same(ind.vwap([10.0, 11.0], [0.0, 2.0], [0, 0]), [NAN, 11.0])


def test_abs_min_max_keep_missing_values_missing() -> None:
    same(ind.absolute([-1.5, NAN, 2.0]), [1.5, NAN, 2.0])
    same(ind.minimum([1.0, NAN, 3.0], [2.0, 1.0, 0.5]), [1.0, NAN, 0.5])
    same(ind.maximum([1.0, NAN, 3.0], [2.0, 1.0, 0.5]), [2.0, NAN, 3.0])


def test_warm_up_longer_than_the_data_is_all_missing() -> None:
    for name, func in ind.WINDOW_FUNCTIONS.items():
        assert np.isnan(func([1.0, 2.0], 5)).all(), name
        assert func([], 3).shape == (0,), name


def test_a_nan_restarts_a_recursive_average_with_a_fresh_seed() -> None:
    same(ind.ema([1, 2, NAN, 4, 6, 8], 2), [NAN, 1.5, NAN, NAN, 5.0, 7.0])


def test_lengths_must_be_whole_bars() -> None:
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match="whole number of bars"):
            ind.sma([1.0, 2.0], bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="negative"):
        ind.shift(np.array([1.0]), -1)


def test_every_language_function_has_an_implementation() -> None:
    others = {"atr", "vwap", "abs", "min", "max"}
    assert set(FUNCTIONS) == set(ind.WINDOW_FUNCTIONS) | others
    for name in ind.WINDOW_FUNCTIONS:
        assert FUNCTIONS[name].params == ("series", "length")


# --------------------------------------------------------------------------------------------
# Agreement with the per-bar reference loops

prices = st.floats(min_value=0.01, max_value=1000.0, allow_nan=False)
maybe_missing = st.one_of(prices, prices, prices, prices, st.just(NAN))
NAMES = sorted(REFERENCES)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(maybe_missing, max_size=60),
    st.integers(min_value=1, max_value=40),
    st.sampled_from(NAMES),
)
def test_small_series_match_the_reference(xs: list[float], n: int, name: str) -> None:
    same(ind.WINDOW_FUNCTIONS[name](xs, n), REFERENCES[name](xs, n), rel=1e-9)


def random_walk(seed: int, size: int, gaps: int) -> F64:
    rng = np.random.default_rng(seed)
    walk = 100.0 + np.cumsum(rng.normal(0.0, 0.5, size))
    walk = np.abs(walk) + 1.0
    if size:
        walk[rng.integers(0, size, gaps)] = NAN
    return walk


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=0, max_value=2**32 - 1),
    st.integers(min_value=0, max_value=3000),
    st.integers(min_value=1, max_value=300),
    st.integers(min_value=0, max_value=3),
    st.sampled_from(NAMES),
)
def test_long_series_match_the_reference(
    seed: int, size: int, n: int, gaps: int, name: str
) -> None:
    """Lengths past the direct-sum limit and series past one block exercise the running sums
    and the carried recursion."""
    xs = random_walk(seed, size, gaps)
    same(ind.WINDOW_FUNCTIONS[name](xs, n), REFERENCES[name](xs.tolist(), n), rel=1e-8)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(min_value=0, max_value=2**32 - 1),
    st.integers(min_value=0, max_value=2000),
    st.integers(min_value=1, max_value=60),
    st.integers(min_value=0, max_value=2),
)
def test_atr_matches_the_reference(seed: int, size: int, n: int, gaps: int) -> None:
    close = random_walk(seed, size, gaps)
    rng = np.random.default_rng(seed + 1)
    high = close + rng.random(size)
    low = close - rng.random(size)
    expected = ref_atr(high.tolist(), low.tolist(), close.tolist(), n)
    same(ind.atr(high, low, close, n), expected, rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(min_value=0, max_value=2**32 - 1),
    st.integers(min_value=1, max_value=9000),
    st.integers(min_value=1, max_value=3000),
    st.integers(min_value=0, max_value=2),
)
def test_vwap_matches_the_reference(seed: int, size: int, bars_per_day: int, gaps: int) -> None:
    rng = np.random.default_rng(seed)
    price = random_walk(seed, size, 0)
    volume = rng.integers(0, 1000, size).astype(np.float64)
    volume[rng.integers(0, size, gaps)] = NAN
    day = np.arange(size) // bars_per_day
    expected = ref_vwap(price.tolist(), volume.tolist(), day.tolist())
    same(ind.vwap(price, volume, day), expected, rel=1e-10)


def test_a_long_ema_crosses_many_blocks() -> None:
    xs = random_walk(7, 20_000, 0)
    for n in (2, 9, 500):
        same(ind.ema(xs, n), ref_ema(xs.tolist(), n), rel=1e-10)


# --------------------------------------------------------------------------------------------
# Agreement with TA-Lib itself, where it is installed


def test_ta_lib_gives_the_same_values() -> None:
    talib = pytest.importorskip("talib")
    xs = random_walk(3, 5000, 0)
    rng = np.random.default_rng(4)
    high, low = xs + rng.random(xs.size), xs - rng.random(xs.size)
    for n in (2, 5, 14, 20, 50, 200):
        same(ind.sma(xs, n), talib.SMA(xs, n), rel=1e-10)
        same(ind.ema(xs, n), talib.EMA(xs, n), rel=1e-10)
        same(ind.wma(xs, n), talib.WMA(xs, n), rel=1e-10)
        same(ind.rsi(xs, n), talib.RSI(xs, n), rel=1e-10)
        same(ind.atr(high, low, xs, n), talib.ATR(high, low, xs, n), rel=1e-10)
        same(ind.highest(xs, n), talib.MAX(xs, n), rel=0.0)
        same(ind.lowest(xs, n), talib.MIN(xs, n), rel=0.0)
        same(ind.stdev(xs, n), talib.STDDEV(xs, n), rel=1e-9)
        same(ind.roc(xs, n), talib.ROC(xs, n), rel=0.0)
        same(ind.change(xs, n), talib.MOM(xs, n), rel=0.0)
