"""Percentiles and histograms of stored results: numpy's own numbers, whatever the data and the threads."""

from __future__ import annotations

import numba
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from chagai.risk.quantiles import column_histograms, column_percentiles

Q = (0, 0.5, 10, 25, 50, 75, 90, 99.5, 100)


def _finite(values: np.ndarray, rows: np.ndarray, column: int) -> np.ndarray:
    x = values[rows, column].astype(np.float64)
    return x[np.isfinite(x)]


def _numpy_percentiles(values: np.ndarray, rows: np.ndarray, q: tuple[float, ...] | list[float]) -> np.ndarray:
    out = np.full((values.shape[1], len(q)), np.nan)
    for c in range(values.shape[1]):
        x = _finite(values, rows, c)
        if x.size:
            out[c] = np.percentile(x, q)
    return out


def _awkward_columns(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Columns that stress a selection: gaps, ties, signed zeros, one value, no value, tails, tiny and huge values."""
    rng = np.random.default_rng(5)
    columns = [
        rng.lognormal(8.0, 1.0, n) - 3000.0,
        np.where(rng.random(n) < 0.1, np.nan, rng.normal(0.83, 0.01, n)),  # clustered, like a take
        np.where(rng.random(n) < 0.01, np.inf, rng.standard_cauchy(n)),
        np.where(rng.random(n) < 0.01, -np.inf, rng.normal(0.0, 1e-30, n)),
        np.full(n, 5.0),
        np.full(n, np.nan),
        rng.integers(-3, 3, n).astype(np.float64),
        np.where(rng.random(n) < 0.5, -0.0, 0.0),
        np.where(rng.random(n) < 0.5, 1e30, -1e30) * rng.random(n),
        np.where(np.arange(n) == 7, 2.5, np.nan),  # a single finite value
    ]
    values = np.ascontiguousarray(np.column_stack(columns), dtype=np.float32)
    rows = rng.random(n) < 0.97
    return values, rows


def test_percentiles_equal_numpy_on_awkward_columns() -> None:
    values, rows = _awkward_columns(200_000)
    out, defined = column_percentiles(values, rows, Q)
    np.testing.assert_array_equal(out, _numpy_percentiles(values, rows, Q))
    np.testing.assert_array_equal(defined, [_finite(values, rows, c).size for c in range(values.shape[1])])


def test_percentiles_of_chosen_columns_and_every_row() -> None:
    values, _ = _awkward_columns(5_000)
    every = np.ones(values.shape[0], dtype=bool)
    out, defined = column_percentiles(values, every, (10, 50, 90), [6, 0])
    np.testing.assert_array_equal(out, _numpy_percentiles(values[:, [6, 0]], every, (10, 50, 90)))
    assert list(defined) == [5_000, 5_000]


def test_percentiles_and_histograms_do_not_depend_on_the_threads() -> None:
    values, rows = _awkward_columns(400_003)  # several workers' blocks of rows
    edges = np.tile(np.linspace(-2.0, 2.0, 41), (values.shape[1], 1))
    previous = numba.get_num_threads()
    try:
        results = []
        for threads in sorted({1, numba.config.NUMBA_NUM_THREADS}):  # type: ignore[attr-defined]
            numba.set_num_threads(threads)
            results.append((column_percentiles(values, rows, Q), column_histograms(values, rows, edges)))
    finally:
        numba.set_num_threads(previous)
    for (percentiles, defined), counts in results[1:]:
        np.testing.assert_array_equal(percentiles, results[0][0][0])
        np.testing.assert_array_equal(defined, results[0][0][1])
        np.testing.assert_array_equal(counts, results[0][1])


float32_columns = hnp.arrays(
    np.float32,
    st.tuples(st.integers(1, 300), st.integers(1, 6)),  # (paths, results)
    elements=st.floats(width=32, allow_nan=True, allow_infinity=True),
)


@settings(max_examples=200, deadline=None)
@given(values=float32_columns, data=st.data())
def test_percentiles_equal_numpy_on_any_float32(values: np.ndarray, data: st.DataObject) -> None:
    rows = data.draw(hnp.arrays(np.bool_, values.shape[0]))
    q = data.draw(st.lists(st.floats(0.0, 100.0), min_size=1, max_size=6))
    out, defined = column_percentiles(values, rows, q)
    np.testing.assert_array_equal(out, _numpy_percentiles(values, rows, q))
    np.testing.assert_array_equal(defined, [_finite(values, rows, c).size for c in range(values.shape[1])])


@settings(max_examples=200, deadline=None)
@given(values=float32_columns, data=st.data())
def test_histograms_equal_numpy_with_outliers_in_the_end_bins(values: np.ndarray, data: st.DataObject) -> None:
    rows = data.draw(hnp.arrays(np.bool_, values.shape[0]))
    bins = data.draw(st.integers(1, 50))
    bounds = st.floats(-1e6, 1e6, allow_nan=False)
    edges = np.empty((values.shape[1], bins + 1))
    for c in range(values.shape[1]):
        low, high = sorted((data.draw(bounds), data.draw(bounds)))
        edges[c] = np.linspace(low, high, bins + 1)
    assume(np.all(np.diff(edges, axis=1) > 0.0))
    counts = column_histograms(values, rows, edges)
    for c in range(values.shape[1]):
        expected, _ = np.histogram(np.clip(_finite(values, rows, c), edges[c, 0], edges[c, -1]), edges[c])
        np.testing.assert_array_equal(counts[c], expected)


def test_histogram_edges_from_numpy_give_numpy_counts() -> None:
    values, rows = _awkward_columns(100_000)
    for c in (0, 1, 6):
        x = _finite(values, rows, c)
        low, high = np.percentile(x, [0.5, 99.5])
        expected, edges = np.histogram(np.clip(x, low, high), bins=40)
        np.testing.assert_array_equal(column_histograms(values, rows, edges[None, :], [c])[0], expected)


def test_bad_arguments_are_refused_with_what_was_expected() -> None:
    values = np.zeros((4, 2), dtype=np.float32)
    rows = np.ones(4, dtype=bool)
    with pytest.raises(ValueError, match=r"in \[0, 100\]"):
        column_percentiles(values, rows, (50, 101))
    with pytest.raises(ValueError, match="float32"):
        column_percentiles(values.astype(np.float64), rows, (50,))
    with pytest.raises(ValueError, match="rows"):
        column_percentiles(values, rows[:3], (50,))
    with pytest.raises(ValueError, match="columns"):
        column_percentiles(values, rows, (50,), [2])
    with pytest.raises(ValueError, match="increase"):
        column_histograms(values, rows, np.array([[0.0, 1.0, 1.0], [0.0, 1.0, 2.0]]))
    with pytest.raises(ValueError, match="edges"):
        column_histograms(values, rows, np.array([[0.0, 1.0]]))
