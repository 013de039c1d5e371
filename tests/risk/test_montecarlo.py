"""The Monte Carlo engine's IRR: the fast scan over the grid agrees with the reference IRR and the appraisal's."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from chagai.core import measures
from chagai.core.metrics import irr, npv_1d


def test_fast_irr_follows_the_documented_rule() -> None:
    from chagai.core.metrics import irr

    cases = [
        [-150000, 15000, 25000, 35000, 45000, 60000],
        [-100, 100, 0, -7],
        [-5, 10.5, 1, -8, 1],
        [-100, 39, 59, 55, 20],
        [10, 20, -5],
        [-1, -2, -3],
    ]
    for flows in cases:
        fast = measures.irr_value(np.array(flows, dtype=np.float64))
        reference = irr(np.array(flows, dtype=np.float64)).value
        if flows[0] > 0:
            assert np.isnan(fast)  # nothing invested
        elif np.isnan(reference):
            assert np.isnan(fast)
        else:
            assert fast == pytest.approx(reference, abs=1e-8), flows


GRID_CELL = (math.log1p(measures.IRR_MAX_RATE) - math.log1p(measures.IRR_MIN_RATE)) / (measures.IRR_GRID.size - 1)
"""Width of a cell of the fast IRR's grid in log(1 + rate)."""


def _flows_with_roots(roots: list[float], positive: list[float], scale: float) -> np.ndarray:
    """Flows whose NPV is zero exactly at ``roots`` (rates) and nowhere else for 1 + rate > 0.

    The NPV is a polynomial in x = 1 / (1 + rate): the product of (x - x_k) over the roots and of a polynomial
    with positive coefficients (no positive root), its sign set so that the flows start negative.
    """
    coefficients = np.array(positive)
    for root in roots:
        coefficients = np.convolve(coefficients, [-1.0 / (1.0 + root), 1.0])  # ascending powers of x
    return scale * coefficients * -np.sign(coefficients[0])


def _by_the_rule(roots: list[float]) -> float:
    positive = [r for r in roots if r > 0]
    return min(positive) if positive else min(roots, key=abs)


rates = st.floats(-0.95, 9.0)


@settings(max_examples=300, deadline=None)
@given(
    roots=st.lists(rates, min_size=1, max_size=3),
    positive=st.lists(st.floats(0.01, 100.0), min_size=1, max_size=30),
    scale=st.floats(1e-3, 1e6),
)
def test_fast_irr_equals_the_reference_irr_to_1e_10(roots: list[float], positive: list[float], scale: float) -> None:
    assume(min(abs(r) for r in roots) > 1e-6)  # a root within the accuracy of zero is either side of it
    if np.any(np.diff(np.sort(np.log1p(roots))) < 2.5 * GRID_CELL):
        roots = roots[:1]  # roots closer than the grid's cells are beyond the coarse grid: keep one
    flows = _flows_with_roots(roots, positive, scale)
    fast = measures.irr_value(flows)
    reference = irr(flows).value
    assert fast == pytest.approx(_by_the_rule(roots), abs=1e-8)  # the flows hold the roots only to rounding
    assert abs(fast - reference) <= 1e-10
    assert abs(npv_1d(fast, flows)) <= 1e-9 * npv_1d(fast, np.abs(flows))


@settings(max_examples=300, deadline=None)
@given(
    outlays=st.lists(st.floats(1.0, 1e4), min_size=1, max_size=8),
    inflows=st.lists(st.floats(0.0, 1e4), min_size=1, max_size=45),
)
def test_fast_irr_of_conventional_flows_is_the_reference_irr(outlays: list[float], inflows: list[float]) -> None:
    flows = np.array([-x for x in outlays] + inflows)
    fast = measures.irr_value(flows)
    reference = irr(flows).value
    if math.isfinite(reference):
        assert abs(fast - reference) <= 1e-10
    elif math.isnan(reference):
        assert math.isnan(fast)


def test_fast_irr_finds_a_root_on_a_grid_rate_and_ignores_trailing_zeros() -> None:
    on_grid = measures.IRR_GRID[70]
    flows = np.array([-1.0, 1.0 + on_grid, 0.0, 0.0])
    assert measures.irr_value(flows) == pytest.approx(on_grid, abs=1e-12)
    assert measures.irr_value(flows[:2]) == measures.irr_value(flows)
    assert math.isnan(measures.irr_value(np.array([0.0, 0.0])))
    assert math.isnan(measures.irr_value(np.array([-1.0, 0.01])))  # the root, -0.99, is outside (-0.99, 10]


def test_one_irr_range_for_the_appraisal_and_the_monte_carlo() -> None:
    """Flows [-1, 8] have the IRR 7: the appraisal's figure and the Monte Carlo's scan both find it."""
    from chagai.services.appraise import project_irr

    flows = np.array([-1.0, 8.0])
    assert measures.irr_value(flows) == pytest.approx(7.0, abs=1e-12)
    assert project_irr(flows)[0] == pytest.approx(7.0, abs=1e-12)
    assert irr(flows).value == pytest.approx(7.0, abs=1e-12)


@pytest.mark.parametrize("years", range(1, 14))
def test_npv_on_the_irr_grid_is_npv_1d_at_each_rate(years: int) -> None:
    from chagai.core.metrics import npv

    flows = np.random.default_rng(years).normal(size=years)
    grid = np.empty(measures.IRR_GRID.size)
    measures._npv_on_grid(flows, grid, 0, grid.size)
    at_each_rate = np.array([npv_1d(rate, flows) for rate in measures.IRR_GRID])
    np.testing.assert_array_equal(grid, at_each_rate)  # the same arithmetic, so Brent's brackets agree
    for rate in (0.0, 0.08, 1.5):
        assert npv_1d(rate, flows) == pytest.approx(npv(rate, flows), rel=1e-13, abs=1e-13)
