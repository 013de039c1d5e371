"""The compiled numerics give scipy's and numpy's numbers (hypothesis): to the last bit, or to rounding for a sum.

Brent's method stepped by :mod:`chagai.core.roots` against :func:`scipy.optimize.brentq`, the compiled discounted
sum against :func:`chagai.core.metrics.npv` (to the rounding of a sum), and the compiled scan of
:func:`chagai.core.metrics.irr` against the numpy and scipy scan it is built on (``metrics._candidates``).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import optimize

from chagai.core import metrics
from chagai.core.roots import BRENT_NO_BRACKET, brent_next, brent_start, brent_store

EPS4 = 4 * float(np.finfo(float).eps)


def stepped(f: Callable[[float], float], a: float, b: float, xtol: float, maxiter: int) -> tuple[float, int]:
    """The root of ``f`` by the compiled steps and the number of evaluations (NaN when scipy would raise)."""
    fa, fb = f(a), f(b)
    state, status = brent_start(a, fa, b, fb)
    if status == BRENT_NO_BRACKET:
        return math.nan, 2
    calls = 2
    for _ in range(maxiter):
        x, done = brent_next(state, xtol, EPS4)
        if done:
            return x, calls
        brent_store(state, f(x))
        calls += 1
    return math.nan, calls


def scipy_root(f: Callable[[float], float], a: float, b: float, xtol: float, maxiter: int) -> tuple[float, int]:
    try:
        root, result = optimize.brentq(f, a, b, xtol=xtol, rtol=EPS4, maxiter=maxiter, full_output=True)
    except (ValueError, RuntimeError):
        return math.nan, -1
    return root, result.function_calls


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))


@given(
    st.lists(st.floats(-50, 50), min_size=2, max_size=8),
    st.floats(-3, 0),
    st.floats(0.01, 3),
    st.sampled_from([1e-14, 1e-10, 1e-6, 1e-2]),
)
@settings(max_examples=400, deadline=None)
def test_brent_steps_equal_scipy_brentq(coefficients: list[float], a: float, width: float, xtol: float) -> None:
    def f(x: float) -> float:
        value = 0.0
        for c in coefficients:
            value = value * x + c
        return value

    b = a + width
    ours, calls = stepped(f, a, b, xtol, 100)
    theirs, their_calls = scipy_root(f, a, b, xtol, 100)
    assert same(ours, theirs)
    if not math.isnan(theirs):
        assert calls == their_calls


def test_brent_roots_at_the_ends_and_no_bracket() -> None:
    assert stepped(lambda x: x - 1.0, 1.0, 2.0, 1e-12, 100)[0] == 1.0
    assert stepped(lambda x: x - 2.0, 1.0, 2.0, 1e-12, 100)[0] == 2.0
    assert math.isnan(stepped(lambda x: x * x + 1.0, -1.0, 2.0, 1e-12, 100)[0])


flows_strategy = hnp.arrays(np.float64, st.integers(1, 300), elements=st.floats(-1e7, 1e7, allow_nan=False))


@given(flows_strategy, st.floats(-0.9, 2.0))
@settings(max_examples=300, deadline=None)
def test_discounted_sum_equals_npv(flows: np.ndarray, rate: float) -> None:
    factors = metrics.discount_factors(rate, flows.size)
    scale = float(np.abs(flows * factors).sum())  # rounding of a sum grows with the sum of the absolute terms
    assert metrics.discounted_sum(flows, factors) == pytest.approx(metrics.npv(rate, flows), rel=0, abs=1e-13 * scale)


@given(
    hnp.arrays(np.float64, st.tuples(st.integers(1, 20), st.integers(1, 200)), elements=st.floats(-1e7, 1e7)),
    st.floats(-0.9, 2.0),
)
@settings(max_examples=150, deadline=None)
def test_npv_of_rows_at_one_rate_is_each_row_npv(flows: np.ndarray, rate: float) -> None:
    """The progressivity curve discounts all its runs in one call: each row exactly as on its own."""
    together = np.asarray(metrics.npv(rate, flows))
    for row, value in zip(flows, together, strict=True):
        assert same(float(value), metrics.npv(rate, row))


def test_kept_discount_factors_are_the_factors_read_only() -> None:
    kept = metrics.kept_discount_factors(0.0731, 57)
    np.testing.assert_array_equal(kept, metrics.discount_factors(0.0731, 57))
    assert not kept.flags.writeable
    assert metrics.kept_discount_factors(0.0731, 57) is kept


@st.composite
def project_flows(draw: st.DrawFn) -> np.ndarray:
    """Random flows, some shaped like projects (outlays, then income, perhaps a closure tail)."""
    n = draw(st.integers(2, 80))
    flows = draw(hnp.arrays(np.float64, n, elements=st.floats(-1e4, 1e4, allow_nan=False)))
    if draw(st.booleans()):
        outlays = draw(st.integers(1, max(1, n // 3)))
        flows[:outlays] = -np.abs(flows[:outlays]) - 1.0
        flows[outlays:] = np.abs(flows[outlays:])
        if draw(st.booleans()):
            flows[-1] = -draw(st.floats(0.0, 1e5))
    return flows


@given(project_flows())
@settings(max_examples=400, deadline=None)
def test_compiled_irr_scan_equals_the_numpy_scan(flows: np.ndarray) -> None:
    scaled, _ = metrics._screen(flows, "cash flows")
    if scaled is None:
        return
    values = metrics._scaled_npv_grid(metrics._GRID, scaled)
    crossed, rejected, touching = metrics._candidates(
        lambda r: float(metrics._scaled_npv_1d(r, scaled)),
        lambda r: float(metrics._scaled_npv_1d(r, np.abs(scaled))),
        values,
    )
    nonzero, compiled_crossed, compiled_rejected, compiled_touching = metrics._irr_scan(metrics._GRID, scaled)
    assert nonzero == bool(np.any(values))
    if nonzero:
        assert [float(r) for r in compiled_crossed] == crossed
        assert compiled_rejected == rejected
        np.testing.assert_array_equal(compiled_touching, touching)


@given(project_flows())
@settings(max_examples=100, deadline=None)
def test_npv_grid_is_the_scalar_npv_at_each_rate(flows: np.ndarray) -> None:
    values = metrics._scaled_npv_grid(metrics._GRID, flows)
    for i in range(0, metrics._GRID.size, 97):
        assert same(values[i], metrics._scaled_npv_1d(metrics._GRID[i], flows))


@pytest.mark.parametrize(
    ("flows", "reason"),
    [
        ([-1.0, np.nan, 2.0], "cash flows hold NaN or infinite values"),
        ([0.0, 3.0, 2.0], "no sign change in the cash flows"),
        ([], "no sign change in the cash flows"),
    ],
)
def test_screen_says_why_there_is_no_irr(flows: list[float], reason: str) -> None:
    assert metrics._screen(flows, "cash flows") == (None, reason)
