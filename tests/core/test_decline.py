"""Arps decline: golden volumes (pod2co/forecast-comparison), exact integrals, conventions and fits to real data.

Real data are read from the shared data folder (never copied): the petbox-dca Eagle Ford demo well and the
monthly production of the Norwegian gas field HEIMDAL (Sodir FactPages, NLOD 2.0).
"""

from __future__ import annotations

import csv
import json
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import integrate

from chagai.core import decline
from chagai.core.decline import (
    DAYS_PER_YEAR,
    annual_volumes,
    arps_cumulative,
    arps_rate,
    effective_from_nominal,
    fit_arps,
    fit_arps_annual,
    nominal_from_effective,
)
from chagai.errors import InputError

from ..conftest import SHARED_DATA, SHARED_FOUND, shared_data

# without the third-party data there are no golden cases: their parametrized test is skipped, and counted
GOLDEN: dict[str, Any] = (
    json.loads((SHARED_DATA / "golden_cases.json").read_text(encoding="utf-8")) if SHARED_FOUND else {}
)
DECLINE_CASES = [c for c in GOLDEN.get("decline_curves_pod2co_forecast_comparison", []) if "case" in c]

qi_st = st.floats(0.1, 1e4)
di_st = st.one_of(st.just(0.0), st.floats(1e-6, 5.0))
b_st = st.one_of(st.sampled_from([0.0, 1.0]), st.floats(0.0, 2.0, allow_subnormal=False))
t_st = st.one_of(st.just(0.0), st.floats(1e-6, 50.0))


# ---------------------------------------------------------------------------------------------------------
# Golden volumes


def _b_of(case: dict[str, Any]) -> float:
    name = case["case"]
    if "exponential" in name:
        return 0.0
    if "harmonic" in name:
        return 1.0
    return float(case["b"])


@pytest.mark.parametrize("case", DECLINE_CASES, ids=[c["case"] for c in DECLINE_CASES])
def test_golden_volumes(case: dict[str, Any]) -> None:
    name = case["case"]
    if "linear" in name:
        pytest.skip("a rate falling linearly in time is not an Arps curve")
    if "flat" in name:
        # a flat rate is the Arps curve with no decline
        years = case["t_days"] / DAYS_PER_YEAR
        assert arps_cumulative(years, case["q"], 0.0, 0.0) == pytest.approx(case["expected_volume"], rel=1e-12)
        return
    b = _b_of(case)
    if "De_effective_annual" in case:  # exponential: secant and tangent effective declines coincide
        de = case["De_effective_annual"]
        assert nominal_from_effective(de, b, convention="tangent") == pytest.approx(
            nominal_from_effective(de, b), rel=1e-15
        )
    else:
        de = case["Desi_secant_effective_annual"]
    di = nominal_from_effective(de, b, convention="secant")
    per_day = case.get("nominal_D_per_day", case.get("nominal_Di_per_day"))
    assert di / DAYS_PER_YEAR == pytest.approx(per_day, rel=1e-9)
    assert case.get("days_per_year", DAYS_PER_YEAR) == DAYS_PER_YEAR
    volume = arps_cumulative(case["t_years"], case["qi"], di, b)
    assert volume == pytest.approx(case["expected_volume"], rel=1e-6)
    yearly = annual_volumes(case["qi"], di, b, np.arange(case["t_years"]))
    assert yearly.sum() == pytest.approx(case["expected_volume"], rel=1e-6)
    # the secant-effective decline is the fall of the rate over the first year
    assert 1.0 - arps_rate(1.0, case["qi"], di, b) / case["qi"] == pytest.approx(de, rel=1e-12)
    assert effective_from_nominal(di, b) == pytest.approx(de, rel=1e-12)


# ---------------------------------------------------------------------------------------------------------
# Exact integrals and limits


@given(t_st, qi_st, di_st, b_st)
@settings(max_examples=150, deadline=None)
def test_cumulative_is_the_integral_of_the_rate(t: float, qi: float, di: float, b: float) -> None:
    numeric, _ = integrate.quad(lambda s: float(arps_rate(s, qi, di, b)), 0.0, t, epsabs=0.0, epsrel=1e-11, limit=200)
    assert arps_cumulative(t, qi, di, b) == pytest.approx(DAYS_PER_YEAR * numeric, rel=1e-9, abs=1e-12 * qi)


@given(t_st, qi_st, st.floats(1e-6, 5.0), b_st)
@settings(max_examples=150, deadline=None)
def test_unified_formulas_equal_the_textbook_ones(t: float, qi: float, di: float, b: float) -> None:
    """The textbook forms lose digits next to b = 0 and b = 1 and for small di t: compared away from those."""
    assume(di * t > 1e-2 and (b in (0.0, 1.0) or (b > 1e-3 and abs(1.0 - b) > 1e-3)))
    if b == 0.0:
        rate, cum = qi * math.exp(-di * t), qi / di * -math.expm1(-di * t)
    elif b == 1.0:
        rate, cum = qi / (1 + di * t), qi / di * math.log1p(di * t)
    else:
        rate = qi / (1 + b * di * t) ** (1 / b)
        cum = qi / ((1 - b) * di) * (1 - (1 + b * di * t) ** (1 - 1 / b))
    assert arps_rate(t, qi, di, b) == pytest.approx(rate, rel=1e-10, abs=1e-300)
    assert arps_cumulative(t, qi, di, b) == pytest.approx(DAYS_PER_YEAR * cum, rel=1e-9)


@pytest.mark.parametrize("b_limit", [0.0, 1.0])
@given(t=t_st, qi=qi_st, di=di_st)
@settings(max_examples=60, deadline=None)
def test_continuous_at_exponential_and_harmonic_limits(b_limit: float, t: float, qi: float, di: float) -> None:
    at = arps_cumulative(t, qi, di, b_limit)
    for eps in (1e-7, 1e-10, 1e-13):
        for b in (b_limit + eps, b_limit - eps if b_limit > 0 else b_limit + 2 * eps):
            rel = max(eps * (1 + di * t) ** 2, 1e-13)
            assert arps_cumulative(t, qi, di, b) == pytest.approx(at, rel=rel)
            assert arps_rate(t, qi, di, b) == pytest.approx(arps_rate(t, qi, di, b_limit), rel=rel, abs=1e-300)


def test_no_decline_is_a_flat_rate() -> None:
    for b in (0.0, 0.5, 1.0, 1.7):
        assert arps_rate(3.0, 10.0, 0.0, b) == 10.0
        assert arps_cumulative(3.0, 10.0, 0.0, b) == pytest.approx(10.0 * 3.0 * DAYS_PER_YEAR, rel=1e-15)


@given(
    st.lists(st.tuples(qi_st, di_st, b_st), min_size=1, max_size=5),
    st.integers(1, 60),
)
@settings(max_examples=100, deadline=None)
def test_annual_volumes_sum_to_the_cumulative(params: list[tuple[float, float, float]], n_years: int) -> None:
    qi, di, b = (np.array(p) for p in zip(*params, strict=True))
    volumes = annual_volumes(qi, di, b, np.arange(n_years))
    assert volumes.shape == (len(params), n_years)
    assert np.all(volumes >= 0.0)
    assert np.all(np.diff(volumes, axis=-1) <= 1e-9 * volumes[:, :1])  # a declining curve
    np.testing.assert_allclose(volumes.sum(axis=-1), arps_cumulative(n_years, qi, di, b), rtol=1e-11)


def test_annual_volumes_before_the_reference_are_zero_and_late_years_keep_precision() -> None:
    volumes = annual_volumes(100.0, 0.5, 0.0, np.array([-3.0, -1.0, -0.5, 0.0, 60.0]))
    assert volumes[0] == volumes[1] == 0.0
    assert volumes[2] == pytest.approx(arps_cumulative(0.5, 100.0, 0.5, 0.0), rel=1e-14)
    # year 60 of a 50 %/yr exponential decline: exp(-30), far below the cumulative's rounding
    expected = DAYS_PER_YEAR * 100.0 / 0.5 * (math.exp(-30.0) - math.exp(-30.5))
    assert volumes[4] == pytest.approx(expected, rel=1e-12)
    assert volumes[3] == pytest.approx(DAYS_PER_YEAR * 100.0 / 0.5 * -math.expm1(-0.5), rel=1e-14)


@given(st.floats(0.0, 0.99), b_st)
@settings(max_examples=100, deadline=None)
def test_decline_conventions_round_trip(de: float, b: float) -> None:
    for convention in ("secant", "tangent"):
        di = nominal_from_effective(de, b, convention=convention)
        assert effective_from_nominal(di, b, convention=convention) == pytest.approx(de, rel=1e-12, abs=1e-15)
    secant = nominal_from_effective(de, b)
    assert 1.0 - arps_rate(1.0, 1.0, secant, b) == pytest.approx(de, rel=1e-12, abs=1e-15)


def test_bad_inputs_are_listed_together() -> None:
    with pytest.raises(InputError) as info:
        arps_rate(-1.0, -5.0, -0.1, -0.5)
    assert [issue.path for issue in info.value.issues] == ["t", "qi", "di", "b"]
    with pytest.raises(InputError, match="effective decline in"):
        nominal_from_effective(1.0, 0.5)
    with pytest.raises(InputError, match="'secant' or 'tangent'"):
        nominal_from_effective(0.3, 0.5, convention="chord")
    with pytest.raises(InputError, match="same length"):
        fit_arps([0.0, 1.0], [1.0])
    with pytest.raises(InputError, match="at least 3 positive"):
        fit_arps([0.0, 1.0, 2.0], [1.0, 0.0, 2.0])
    with pytest.raises(InputError, match="Arps exponent in"):
        fit_arps([0.0, 1.0, 2.0], [3.0, 2.0, 1.0], b=2.5)


# ---------------------------------------------------------------------------------------------------------
# Fitting


def test_log_rate_jacobian_matches_finite_differences() -> None:
    t = np.linspace(0.0, 20.0, 41)
    for di, b in [(0.5, 0.0), (0.5, 1e-6), (0.8, 0.5), (2.0, 1.0), (3.0, 1.9)]:
        jac = decline._log_rate_jacobian(t, di, b)
        h = 1e-6
        d_di = (decline._log_rate(t, 0.0, di + h, b) - decline._log_rate(t, 0.0, di - h, b)) / (2 * h)
        d_b = (decline._log_rate(t, 0.0, di, b + h) - decline._log_rate(t, 0.0, di, max(b - h, 0.0))) / (h + min(h, b))
        np.testing.assert_allclose(jac[:, 0], 1.0)
        np.testing.assert_allclose(jac[:, 1], d_di, rtol=1e-6, atol=1e-8)
        assert np.all(np.abs(jac[:, 2] - d_b) <= 1e-4 * np.abs(d_b) + 1e-6 * (1 + (di * t) ** 2))


def test_fit_recovers_exact_parameters() -> None:
    t = np.linspace(0.0, 12.0, 49)
    for qi, di, b in [(50.0, 0.4, 0.6), (900.0, 0.15, 0.0), (20.0, 1.5, 1.2)]:
        fit = fit_arps(t, arps_rate(t, qi, di, b))
        assert (fit.qi, fit.di, fit.b) == pytest.approx((qi, di, b), rel=1e-6, abs=1e-6)
        assert fit.rmse < 1e-8
        assert fit.n_points == t.size


def test_fit_recovers_known_parameters_from_noisy_data() -> None:
    rng = np.random.default_rng(20240607)
    t = np.arange(0.0, 15.0, 1.0 / 12.0)  # monthly for 15 years
    qi, di, b = 50.0, 0.4, 0.6
    observed = arps_rate(t, qi, di, b) * np.exp(rng.normal(0.0, 0.05, t.size))
    observed[[17, 63]] = 0.0  # shut-in months are left out
    fit = fit_arps(t, observed)
    assert fit.n_points == t.size - 2
    assert fit.qi == pytest.approx(qi, rel=0.05)
    assert fit.di == pytest.approx(di, rel=0.15)
    assert fit.b == pytest.approx(b, abs=0.15)
    assert fit.rmse == pytest.approx(0.05, rel=0.2)
    fixed = fit_arps(t, observed, b=b)
    assert fixed.b == b
    assert (fixed.qi, fixed.di) == pytest.approx((qi, di), rel=0.05)
    # weights: points with weight 0 are ignored
    weights = np.where(t < 5.0, 1.0, 0.0)
    early = fit_arps(t, observed, weights=weights)
    assert early.n_points == int((weights > 0).sum()) - 1  # month 17 is in the first five years
    # an outlier moves a robust fit less than a least-squares one
    spoiled = observed.copy()
    spoiled[100] /= 50.0
    plain, robust = fit_arps(t, spoiled), fit_arps(t, spoiled, loss="cauchy")
    assert abs(robust.di - di) <= abs(plain.di - di) + 1e-12


def _petbox() -> tuple[np.ndarray, np.ndarray]:
    shared_data()  # skips, counted, when the third-party data is not here
    with (SHARED_DATA / "petbox_dca_eagleford_demo_well.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return np.array([float(r["time_days"]) for r in rows]), np.array([float(r["rate"]) for r in rows])


def test_fit_to_the_eagle_ford_demo_well_is_sensible() -> None:
    days, rate = _petbox()
    t = days / DAYS_PER_YEAR
    fit = fit_arps(t, rate)
    assert fit.n_points == rate.size == 41
    assert all(math.isfinite(x) for x in (fit.qi, fit.di, fit.b, fit.rmse))
    assert rate.max() / 3 < fit.qi < rate.max() * 3, fit
    assert 0.0 < fit.di <= decline.DI_MAX_FIT
    assert 0.0 <= fit.b <= decline.B_MAX_FIT
    assert fit.rmse < 0.7, f"in-sample rmse {fit.rmse:.3f} in log rate (one month at 2.4 against ~50 dominates)"
    # b free fits at least as well as any fixed b (nested models)
    for b in (0.0, 0.5, 1.0, 1.5):
        assert fit.rmse <= fit_arps(t, rate, b=b).rmse + 1e-9
    # the fitted volumes over the observed period are close to the sum of the monthly volumes
    observed_volume = float(np.sum(rate * np.gradient(days)))
    fitted_volume = arps_cumulative(t[-1] + t[0], fit.qi, fit.di, fit.b)
    assert fitted_volume == pytest.approx(observed_volume, rel=0.15)


def _heimdal_years(first: int, last: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Annual gas [bn Sm3/yr] and the share of the year on stream (months with gas), HEIMDAL."""
    shared_data()  # skips, counted, when the third-party data is not here
    volume = dict.fromkeys(range(first, last + 1), 0.0)
    months = dict.fromkeys(volume, 0)
    path = SHARED_DATA / "sodir_gas_fields_monthly_selected.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            year = int(row["year"])
            if row["field"] == "HEIMDAL" and year in volume:
                gas = float(row["gas_net_bn_sm3"])
                volume[year] += gas
                months[year] += gas > 0.0
    years = np.arange(first, last + 1)
    return years, np.array([volume[y] for y in years]), np.array([months[y] / 12.0 for y in years])


def test_fit_to_the_heimdal_gas_field_decline() -> None:
    """HEIMDAL: plateau to 1996, decline 1996-99, shut in from October 1999 through 2000.

    Annual volumes over the months on stream give the mean rate of each year while on stream [million Sm3/d],
    fitted as annual means (:func:`fit_arps_annual`); the fitted curve's exact annual volumes (times the share of
    the year on stream) are compared with the reported ones. (Placing the same means at mid-year gives +2.5 % in
    total, at the start of each year -23 %: the decline is steep.)
    """
    years, volume, on_stream = _heimdal_years(1996, 1999)
    assert np.all(on_stream > 0.5)
    rate = volume * 1e3 / (on_stream * DAYS_PER_YEAR)  # million Sm3/d while on stream
    k = years - years[0]
    fit = fit_arps_annual(k, rate)
    fitted = annual_volumes(fit.qi, fit.di, fit.b, k) / 1e3 * on_stream  # bn Sm3/yr
    errors = fitted / volume - 1.0
    report = (
        f"HEIMDAL {years[0]}-{years[-1]}: qi {fit.qi:.2f} million Sm3/d, Di {fit.di:.3f}/yr, b {fit.b:.2f}, "
        f"rmse {fit.rmse:.3f} in log rate; annual volume errors "
        + ", ".join(f"{y} {e:+.1%}" for y, e in zip(years, errors, strict=True))
    )
    assert fit.n_points == 4
    assert 0.0 < fit.di < 3.0, report
    assert fit.rmse < 0.15, report
    assert np.max(np.abs(errors)) < 0.25, report
    assert abs(fitted.sum() / volume.sum() - 1.0) < 0.02, report
    exponential = fit_arps_annual(k, rate, b=0.0)
    assert fit.rmse <= exponential.rmse + 1e-12, report
