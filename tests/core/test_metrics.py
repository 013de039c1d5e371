"""Discounting and return metrics against the shared golden cases, numpy-financial and invariants (hypothesis).

Golden values are read from ``shared/data/golden_cases.json`` (never copied). A case's stated tolerance is used
as written; where a case states none, the tolerance is one unit in the last digit written (the values are
quoted rounded or truncated), but not below 1e-9 absolute (the tolerance of the pyxirr suites the values come
from).
"""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from typing import Any

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from chagai.core import metrics
from chagai.core.metrics import IRR_MAX_RATE, IRR_MIN_RATE, IrrResult, irr, npv, npv_1d
from chagai.errors import InputError

from ..conftest import SHARED_DATA, SHARED_FOUND, shared_data

GOLDEN_PATH = SHARED_DATA / "golden_cases.json"
# without the third-party data the golden sections are empty: their parametrized tests are skipped, and counted
GOLDEN: dict[str, Any] = json.loads(GOLDEN_PATH.read_text(encoding="utf-8")) if SHARED_FOUND else {}
WRITTEN: dict[str, Any] = (
    json.loads(GOLDEN_PATH.read_text(encoding="utf-8"), parse_float=Decimal) if SHARED_FOUND else {}
)
FLOOR = 1e-9


def tolerance(section: str, index: int, key: str) -> dict[str, float]:
    """``pytest.approx`` keywords for ``GOLDEN[section][index][key]``: the stated tolerance, else the digits."""
    shared_data()  # skips, counted, when the third-party data is not here
    stated = GOLDEN[section][index].get("tol")
    if stated and key.startswith("expected"):
        match = re.fullmatch(r"(rtol|atol|abs)\s*=?\s*([0-9.eE+-]+)", stated.strip())
        assert match, f"unknown tolerance {stated!r}"
        kind, value = match.groups()
        return {"rel": float(value), "abs": 0.0} if kind == "rtol" else {"rel": 0.0, "abs": float(value)}
    written = WRITTEN[section][index][key]
    unit = 10.0 ** int(Decimal(str(written)).as_tuple().exponent)
    return {"rel": 0.0, "abs": max(unit, FLOOR)}


def case_ids(section: str) -> list[str]:
    return [f"{i}-{case.get('src', case.get('case', ''))[:48]}" for i, case in enumerate(GOLDEN.get(section, []))]


def assert_is_root(rate: float, flows: np.ndarray) -> None:
    """NPV(rate) = 0 relative to the present value of the absolute flows."""
    scale = float(npv(rate, np.abs(flows)))
    assert abs(float(npv(rate, flows))) <= 1e-9 * scale, f"NPV({rate}) = {npv(rate, flows)} (scale {scale})"


# ---------------------------------------------------------------------------------------------------------
# Golden cases


@pytest.mark.parametrize("index", range(len(GOLDEN.get("npv", []))), ids=case_ids("npv"))
def test_npv_golden(index: int) -> None:
    shared_data()  # skips, counted, when the third-party data is not here
    case = GOLDEN["npv"][index]
    first_period = 1.0 if "start_from_zero=False" in case["convention"] else 0.0
    value = npv(case["rate"], case["cashflows"], first_period=first_period)
    assert value == pytest.approx(case["expected"], **tolerance("npv", index, "expected"))
    if "verified" in case:
        assert value == pytest.approx(case["verified"], **tolerance("npv", index, "verified"))


@pytest.mark.parametrize("index", range(len(GOLDEN.get("irr", []))), ids=case_ids("irr"))
def test_irr_golden(index: int) -> None:
    shared_data()  # skips, counted, when the third-party data is not here
    case = GOLDEN["irr"][index]
    flows = np.asarray(case["cashflows"], dtype=float)
    result = irr(flows)
    if isinstance(case["expected"], str):
        assert case["expected"].startswith("nan")
        assert math.isnan(result.value)
        assert result.roots == ()
        assert result.reason == "no sign change in the cash flows"
        return
    assert result.value == pytest.approx(case["expected"], **tolerance("irr", index, "expected"))
    if "verified" in case:
        assert result.value == pytest.approx(case["verified"], **tolerance("irr", index, "verified"))
    if "all_real_roots" in case:
        written = WRITTEN["irr"][index]["all_real_roots"]
        assert len(result.roots) == len(case["all_real_roots"]), result
        for root, expected, digits in zip(result.roots, case["all_real_roots"], written, strict=True):
            unit = 10.0 ** int(Decimal(str(digits)).as_tuple().exponent)
            assert root == pytest.approx(expected, abs=max(unit, FLOOR))
        if len(result.roots) > 1:
            assert result.reason.startswith("several roots")
    for root in result.roots:
        assert_is_root(root, flows)


def test_irr_mine_closure_tail_two_roots_positive_one_taken() -> None:
    shared_data()  # skips, counted, when the third-party data is not here
    case = next(c for c in GOLDEN["irr"] if "closure" in c["src"])
    result = irr(case["cashflows"])
    assert len(result.roots) == 2
    assert result.roots[0] < 0.0 < result.roots[1]
    assert result.value == result.roots[1] == pytest.approx(0.12, abs=1e-12)
    assert result.reason == "several roots: smallest positive root taken"


def test_irr_several_negative_roots_smallest_magnitude_taken() -> None:
    result = irr([-100, 100, 0, -7])
    assert all(r < 0 for r in result.roots)
    assert result.value == max(result.roots)
    assert result.reason == "several roots, none positive: root of smallest magnitude taken"


def test_payback_golden() -> None:
    shared_data()  # skips, counted, when the third-party data is not here
    cases = [c for c in GOLDEN["fiscal"] if "expected_payout_time_years" in c]
    assert cases
    for case in cases:
        assert metrics.payback_year(case["cashflows"]) == pytest.approx(case["expected_payout_time_years"], abs=1e-12)


# ---------------------------------------------------------------------------------------------------------
# NPV


def test_npv_shapes_and_broadcasting() -> None:
    flows = np.array([[-100.0, 60.0, 60.0], [-50.0, 10.0, 70.0]])
    rates = np.array([0.05, 0.10])
    out = npv(rates, flows)
    assert isinstance(out, np.ndarray)
    assert out.shape == (2,)
    assert out[1] == pytest.approx(npv(0.10, flows[1]), rel=1e-15)
    assert np.asarray(npv(0.05, flows)).shape == (2,)
    assert np.asarray(npv(rates, flows[0])).shape == (2,)  # one path at several rates
    assert isinstance(npv(0.05, flows[0]), float)
    factors = metrics.discount_factors(rates, 3)
    assert factors.shape == (2, 3)
    np.testing.assert_allclose(factors[:, 0], 1.0)
    np.testing.assert_allclose(factors[1], [1.0, 1 / 1.1, 1 / 1.21], rtol=1e-15)
    assert metrics.discount_factors(0.1, 2, first_period=0.5)[0] == pytest.approx(1.1**-0.5, rel=1e-15)


def test_npv_rejects_rates_at_or_below_minus_one_and_empty_flows() -> None:
    with pytest.raises(InputError, match=re.escape("rate: got -1.0; expected a rate above -1")):
        npv(-1.0, [1.0, 2.0])
    with pytest.raises(InputError, match="flows"):
        npv(0.1, [])
    assert math.isnan(npv_1d(-1.5, np.array([1.0, 2.0])))


flows_2d = hnp.arrays(
    np.float64,
    st.tuples(st.integers(1, 8), st.integers(1, 45)),
    elements=st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False, allow_subnormal=False),
)


@given(flows_2d, st.floats(-0.9, 5.0), st.data())
@settings(max_examples=80, deadline=None)
def test_vectorised_npv_equals_row_by_row(flows: np.ndarray, rate: float, data: st.DataObject) -> None:
    rates = data.draw(hnp.arrays(np.float64, flows.shape[0], elements=st.floats(-0.9, 5.0)))
    scale = np.asarray(npv(rates, np.abs(flows)))
    for r in (rate, rates):
        together = np.asarray(npv(r, flows))
        rows = np.array([npv(np.broadcast_to(r, flows.shape[:1])[i], row) for i, row in enumerate(flows)])
        np.testing.assert_allclose(together, rows, rtol=0, atol=1e-12 * scale.max() + 1e-300)
    single = np.asarray(npv(rates, flows))
    theirs = np.array([npf.npv(r, row) for r, row in zip(rates, flows, strict=True)])
    assert np.all(np.abs(single - theirs) <= 1e-9 * scale + 1e-300)


@given(
    hnp.arrays(np.float64, st.integers(1, 60), elements=st.floats(-1e6, 1e6, allow_nan=False)),
    st.floats(-0.95, 10.0),
)
@settings(max_examples=150, deadline=None)
def test_numba_npv_1d_equals_npv(flows: np.ndarray, rate: float) -> None:
    scale = float(npv(rate, np.abs(flows)))
    assert npv_1d(rate, flows) == pytest.approx(npv(rate, flows), rel=1e-12, abs=1e-12 * scale + 1e-300)


def conventional_flows(max_negative: int = 4) -> st.SearchStrategy[np.ndarray]:
    """One block of outlays (the first strictly negative), then non-negative inflows, at least one positive."""
    outlays = st.lists(st.floats(0.0, 1e4), min_size=0, max_size=max_negative - 1)
    inflows = st.lists(st.floats(0.0, 1e4), min_size=0, max_size=40)
    return st.tuples(st.floats(1.0, 1e4), outlays, st.floats(1.0, 1e4), inflows).map(
        lambda p: np.array([-p[0], *(-x for x in p[1]), p[2], *p[3]])
    )


@given(conventional_flows(max_negative=1), st.floats(-0.5, 0.99), st.floats(0.01, 1.0))
@settings(max_examples=150, deadline=None)
def test_npv_strictly_falls_as_rate_rises_for_conventional_flows(flows: np.ndarray, rate: float, step: float) -> None:
    """With the outlay at year 0 and inflows after it, dNPV/drate = -sum t f_t (1+r)^(-t-1) < 0."""
    assert npv(rate, flows) > npv(rate + step, flows)


@given(conventional_flows(), st.floats(-0.5, 0.99), st.floats(0.01, 1.0))
@settings(max_examples=150, deadline=None)
def test_conventional_flows_value_at_end_of_outlays_falls_and_irr_is_unique(
    flows: np.ndarray, rate: float, step: float
) -> None:
    """With outlays over several years the NPV at year 0 need not be monotone ([-1, -100, 1] rises with the
    rate), but the value at the end of the outlays does, so there is at most one root and NPV > 0 below it."""
    last_outlay = int(np.argmax(flows > 0)) - 1
    at_end = {"first_period": -float(last_outlay)}
    assert npv(rate, flows, **at_end) > npv(rate + step, flows, **at_end)
    result = irr(flows)
    assert len(result.roots) <= 1
    if result.roots and abs(result.value - rate) > 1e-9:
        assert np.sign(npv(rate, flows)) == np.sign(result.value - rate)


# ---------------------------------------------------------------------------------------------------------
# IRR


@given(
    st.lists(st.integers(1, 10_000), min_size=1, max_size=3),
    st.lists(st.integers(0, 10_000), min_size=1, max_size=9),
)
@settings(max_examples=100, deadline=None)
def test_irr_matches_numpy_financial_on_conventional_flows(outlays: list[int], inflows: list[int]) -> None:
    """numpy-financial takes eigenvalues of the companion matrix: an independent method, less precise."""
    flows = np.array([-x for x in outlays] + [*inflows[:-1], inflows[-1] + 1], dtype=float)
    with np.errstate(all="ignore"):
        theirs = npf.irr(flows)
    ours = irr(flows)
    if np.isfinite(theirs) and IRR_MIN_RATE + 0.01 < theirs < IRR_MAX_RATE - 0.01:
        assert ours.value == pytest.approx(theirs, rel=1e-6, abs=1e-8)
        assert ours.reason.startswith("one root")


@given(hnp.arrays(np.float64, st.integers(0, 50), elements=st.floats(-1e6, 1e6, allow_nan=False)))
@settings(max_examples=200, deadline=None)
def test_irr_roots_are_roots_and_value_follows_the_rule(flows: np.ndarray) -> None:
    result = irr(flows)
    assert isinstance(result, IrrResult)
    assert list(result.roots) == sorted(result.roots)
    for root in result.roots:
        assert IRR_MIN_RATE < root <= IRR_MAX_RATE
        assert_is_root(root, flows)
    if not result.roots:
        assert math.isnan(result.value)
        assert result.reason
        return
    positive = [r for r in result.roots if r > 0]
    expected = min(positive) if positive else min(result.roots, key=abs)
    assert result.value == expected


@pytest.mark.parametrize(
    ("flows", "reason"),
    [
        ([1, 2, 3], "no sign change in the cash flows"),
        ([-1, -2, 0], "no sign change in the cash flows"),
        ([0, 0, 0], "no sign change in the cash flows"),
        ([], "no sign change in the cash flows"),
        ([-5], "no sign change in the cash flows"),
        ([1, -1000], "no root in (-0.99, 10.0]"),
        ([-1, 1e-6], "no root in (-0.99, 10.0]"),
        ([-1, np.nan, 2], "cash flows hold NaN or infinite values"),
        ([-1, np.inf], "cash flows hold NaN or infinite values"),
        (["a", "b"], "cash flows are not numbers"),
        (
            [[-1, 2], [-1, 3]],
            "cash flows must be one path of shape (n_years,), got shape (2, 2); call irr once per draw",
        ),
    ],
)
def test_irr_never_raises_and_says_why(flows: list[Any], reason: str) -> None:
    result = irr(flows)
    assert math.isnan(result.value)
    assert result.roots == ()
    assert result.reason.startswith(reason)


def test_irr_finds_a_root_that_touches_zero_without_crossing() -> None:
    """(a - x)^2 with x = 1 / (1 + r), a = 1 / (1 + r0): a double root at r0, where the NPV keeps its sign."""
    r0 = 0.12345
    a = 1.0 / (1.0 + r0)
    result = irr([a * a, -2.0 * a, 1.0])
    assert result.value == pytest.approx(r0, abs=1e-6)
    assert len(result.roots) == 1
    assert irr([1.0, -2.0, 1.0]).value == 0.0  # a double root at 0, on the scan grid


# ---------------------------------------------------------------------------------------------------------
# Payback


@pytest.mark.parametrize(
    ("flows", "expected"),
    [
        ([-100, 50, 40, 20], 2.5),
        ([-100, 100], 1.0),
        ([0, -100, 150], 1.0 + 100 / 150),
        ([10, 20], 0.0),
        ([-100, 20, 30], math.nan),
        ([-100, 150, -200, 10], 0.0 + 100 / 150),
        ([-100, np.nan, 200], math.nan),
    ],
)
def test_payback_year(flows: list[float], expected: float) -> None:
    assert metrics.payback_year(flows) == pytest.approx(expected, nan_ok=True)


def test_payback_year_per_draw() -> None:
    flows = np.array([[-100, 50, 40, 20], [-100, 20, 30, 10], [5, 5, 5, 5]], dtype=float)
    np.testing.assert_allclose(metrics.payback_year(flows), [2.5, np.nan, 0.0])


def test_irr_is_safe_at_the_limits_of_floating_point() -> None:
    assert irr([-1e308, 1e308, 1e308]).value == pytest.approx((1 + 5**0.5) / 2 - 1, rel=1e-12)
    assert irr([-5e-324, 5e-324]).value == 0.0
    assert irr(np.r_[-1.0, np.ones(2000)]).value == pytest.approx(1.0, rel=1e-12)
