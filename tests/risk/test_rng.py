"""The Monte Carlo's random numbers: per-path streams, the inverse normal, and the outage totals' tables."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import gammainc
from scipy.stats import norm, poisson

from chagai.core.jit import jit
from chagai.risk import rng
from chagai.risk.security import outage_quantiles


@jit
def _normals(seed: int, count: int) -> np.ndarray:
    states = rng.path_state(seed, 0)
    out = np.empty(count)
    for i in range(count):
        out[i] = rng.normal(states, 0)
    return out


@jit
def _from_table(seed: int, table: np.ndarray, count: int) -> np.ndarray:
    states = rng.path_state(seed, 3)
    out = np.empty(count)
    for i in range(count):
        out[i] = rng.from_quantile_table(states, 0, table)
    return out


def test_inverse_normal_matches_the_exact_quantile() -> None:
    p = np.concatenate([np.logspace(-15, -1, 400), np.linspace(0.01, 0.99, 2000), 1 - np.logspace(-1, -15, 400)])
    exact = norm.ppf(p)
    approx = np.array([rng.inverse_normal(float(x)) for x in p])
    assert np.max(np.abs(approx - exact) / np.maximum(np.abs(exact), 1e-3)) < 1.2e-9


def test_normals_have_the_standard_moments() -> None:
    z = _normals(11, 400_000)
    assert abs(z.mean()) < 5 * 1 / math.sqrt(z.size)
    assert z.std() == pytest.approx(1.0, abs=0.005)
    assert np.mean(z < -1.6448536) == pytest.approx(0.05, abs=0.002)


def test_streams_depend_only_on_seed_and_path() -> None:
    a, b = rng.path_state(5, 17), np.empty(3, dtype=np.uint64)
    rng.seed_state(b, 2, 5, 17)
    assert rng.uniform(a, 0) == rng.uniform(b, 2)
    other = rng.path_state(5, 18)
    assert rng.uniform(other, 0) != rng.uniform(rng.path_state(5, 17), 0)


@pytest.mark.parametrize("rate", [0.3, 1.2, 4.0])
def test_outage_table_reproduces_the_compound_poisson_distribution(rate: float) -> None:
    """T = sum of N ~ Poisson(rate) standard exponentials: P(T = 0) = e^-rate, E[T] = rate, Var[T] = 2 rate."""
    table = outage_quantiles(rate)
    assert np.all(np.diff(table) >= 0)
    draws = _from_table(7, table, 1_000_000)
    n = draws.size
    assert np.mean(draws == 0.0) == pytest.approx(math.exp(-rate), abs=4 * math.sqrt(math.exp(-rate) / n))
    assert draws.mean() == pytest.approx(rate, abs=5 * math.sqrt(2 * rate / n))
    assert draws.var() == pytest.approx(2 * rate, rel=0.02)
    # against the exact distribution function, a Poisson mixture of gamma laws, within 5 standard errors plus
    # the table's resolution
    k = np.arange(1, int(rate + 12 * math.sqrt(rate) + 30))
    for q in (0.5, 0.9, 0.99, 0.999):
        x = np.quantile(draws, q)
        exact = math.exp(-rate) + float(gammainc(k, x) @ poisson.pmf(k, rate))
        assert np.mean(draws <= x) == pytest.approx(exact, abs=5 * math.sqrt(exact * (1 - exact) / n) + 1 / 2048)


def test_no_events_means_no_outage() -> None:
    assert np.all(outage_quantiles(0.0) == 0.0)


@jit
def _rows(seed: int, width: int, rows: int, tables: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw ``rows`` rows of normals, then of table numbers, for ``width`` generators at once."""
    states = np.empty(width, dtype=np.uint64)
    for b in range(width):
        rng.seed_state(states, b, seed, b)
    u = np.empty(width)
    lanes = np.empty(width, dtype=np.int64)
    which = np.arange(width) % tables.shape[0]
    normals = np.empty((rows, width))
    quantiles = np.empty((rows, width))
    for r in range(rows):
        rng.normal_row(states, u, lanes, normals[r])
    for r in range(rows):
        rng.quantile_row(states, tables, which, u, quantiles[r])
    return normals, quantiles, which


@jit
def _scalar_rows(seed: int, width: int, rows: int, tables: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The same numbers, one generator at a time with the scalar functions."""
    normals = np.empty((rows, width))
    quantiles = np.empty((rows, width))
    for b in range(width):
        states = rng.path_state(seed, b)
        for r in range(rows):
            normals[r, b] = rng.normal(states, 0)
        for r in range(rows):
            quantiles[r, b] = rng.from_quantile_table(states, 0, tables[b % tables.shape[0]])
    return normals, quantiles


@pytest.mark.parametrize("width", [1, 5, 16, 37])
def test_row_draws_equal_the_scalar_draws_of_each_generator(width: int) -> None:
    """A block draws each path's numbers exactly as the path alone would, whatever the block's width."""
    tables = np.stack([outage_quantiles(0.3), outage_quantiles(4.0)])
    normals, quantiles, _ = _rows(3, width, 3_000, tables)
    expected_normals, expected_quantiles = _scalar_rows(3, width, 3_000, tables)
    assert np.array_equal(normals, expected_normals)
    assert np.array_equal(quantiles, expected_quantiles)
    assert np.any(np.abs(normals) > 1.98)  # the tails were drawn
    assert np.max(quantiles) > tables[:, -2].min()  # so were the tables' tails


def test_exp_row_matches_the_library_exponential_everywhere() -> None:
    x = np.concatenate([np.linspace(-745.0, 710.0, 20_001), [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-300]])
    out = np.empty_like(x)
    rng.exp_row(x, out)
    with np.errstate(over="ignore"):
        expected = np.exp(x)
    finite = np.isfinite(expected) & (expected >= np.finfo(float).tiny)  # normal floats
    assert np.max(np.abs(out[finite] / expected[finite] - 1.0)) < 1e-15
    assert np.array_equal(out[~finite], expected[~finite], equal_nan=True)
    assert out[x == 0.0][0] == 1.0
