"""Searching prices over the compiled model gives what scipy's search over single runs gives.

The compiled search discounts with a dot product and scipy's with :func:`numpy.sum`: the NPVs agree to the rounding
of a sum, so the factors found agree to 1e-9 (relative), not to the last bit.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq

from chagai.cases.compile import Compiled, Scenario, StakeSale, compile_case
from chagai.cases.library import bundled_case
from chagai.core.lines import Line
from chagai.core.metrics import npv
from chagai.core.model import ALL_COMMODITIES, price_factor_root, run_price_factors, run_single

SCENARIOS = {
    "reko-diq": [
        Scenario(),
        Scenario(delay=2, overrun=1.3, discount_rate=0.08),
        Scenario(availability=0.7, price_factor=0.8, sales=(StakeSale.parse("15%:federal->manara@2027"),)),
    ],
    "saindak": [Scenario(), Scenario(delay=1, discount_rate=0.0), Scenario(valuation_year=2028, overrun=0.9)],
    "sui": [Scenario(), Scenario(discount_rate=0.25, availability=0.9), Scenario(deck="pre-2016-terms")],
}


def scaled_run(compiled: Compiled, factor: float, commodity: int) -> np.ndarray:
    """The annual table with the prices multiplied by ``factor``, run as a single path."""
    prices = compiled.prices.copy()
    if commodity == ALL_COMMODITIES:
        prices *= factor
    else:
        prices[commodity] *= factor
    lines, _ = run_single(compiled.model_inputs, prices)
    return lines


def scipy_search(compiled: Compiled, line: int, rate: float, commodity: int) -> float:
    """The factor in [0.01, 20] zeroing the line's NPV, by scipy over single runs (NaN when none)."""

    def value(factor: float) -> float:
        return float(npv(rate, scaled_run(compiled, factor, commodity)[line]))

    low, high = value(0.01), value(20.0)
    if not (np.isfinite(low) and np.isfinite(high)) or low * high > 0:
        return math.nan
    return float(brentq(value, 0.01, 20.0, xtol=1e-6))


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


@pytest.mark.parametrize(("project", "index"), [(p, i) for p, s in SCENARIOS.items() for i in range(len(s))])
def test_price_factor_root_equals_scipy_over_single_runs(project: str, index: int) -> None:
    scenario = SCENARIOS[project][index]
    compiled = compile_case(bundled_case(project), scenario)
    commodities = [ALL_COMMODITIES, *range(len(compiled.commodities))]
    for line in (Line.pre_tax_ncf, Line.post_tax_ncf, Line.equity_cash_flow):
        for commodity in commodities:
            ours = price_factor_root(compiled.model_inputs, line, scenario.discount_rate, commodity)
            assert same(ours, scipy_search(compiled, line, scenario.discount_rate, commodity)), (line, commodity)


@given(
    st.integers(0, 3),
    st.floats(0.6, 1.6),
    st.floats(0.5, 1.0),
    st.floats(0.0, 0.3),
    st.floats(0.3, 3.0),
)
@settings(max_examples=25, deadline=None)
def test_price_factor_root_on_generated_scenarios(
    delay: int, overrun: float, availability: float, rate: float, price_factor: float
) -> None:
    scenario = Scenario(delay=delay, overrun=overrun, availability=availability, price_factor=price_factor)
    compiled = compile_case(bundled_case("reko-diq"), scenario)
    for commodity in (0, ALL_COMMODITIES):
        ours = price_factor_root(compiled.model_inputs, Line.post_tax_ncf, rate, commodity)
        assert same(ours, scipy_search(compiled, Line.post_tax_ncf, rate, commodity))


@pytest.mark.parametrize("project", sorted(SCENARIOS))
def test_runs_over_price_factors_equal_single_runs(project: str) -> None:
    compiled = compile_case(bundled_case(project), SCENARIOS[project][1])
    factors = np.round(np.arange(0.5, 2.01, 0.1), 2)
    for commodity in (0, ALL_COMMODITIES):
        lines, party_net = run_price_factors(compiled.model_inputs, factors, commodity)
        for j, factor in enumerate(factors):
            expected = scaled_run(compiled, float(factor), commodity)
            np.testing.assert_array_equal(lines[j], expected)
            prices = compiled.prices.copy()
            if commodity == ALL_COMMODITIES:
                prices *= factor
            else:
                prices[commodity] *= factor
            np.testing.assert_array_equal(party_net[j], run_single(compiled.model_inputs, prices)[1])


def test_no_root_in_range_is_nan() -> None:
    compiled = compile_case(bundled_case("saindak"))
    # gross revenue never turns negative: no price factor zeroes its NPV (from the deck up: far below it the mine
    # would not run at all, and its revenue would be zero)
    assert math.isnan(price_factor_root(compiled.model_inputs, Line.gross_revenue, 0.1, low=1.0))
