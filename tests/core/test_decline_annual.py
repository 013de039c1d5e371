"""Fitting Arps curves to annual volumes (:func:`fit_arps_annual`): exact recovery and two real gas fields.

The forecast's volume in a year is the exact integral of the curve over the year, so a history of annual
volumes (annual mean rates) is fitted to the same integrals. The field data are annual sums of the monthly
production of two Norwegian gas fields (Sodir FactPages, NLOD 2.0), shipped in ``tests/data`` (see its README).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from chagai.core import decline
from chagai.core.decline import DAYS_PER_YEAR, annual_volumes, fit_arps, fit_arps_annual
from chagai.errors import InputError

SODIR_ANNUAL = Path(__file__).parents[1] / "data" / "sodir_gas_annual.csv"


def _mean_rates(qi: float, di: float, b: float, k: np.ndarray) -> np.ndarray:
    """Annual volumes of the curve over ``[k, k + 1)`` divided by the days in a year [volume/d]."""
    return annual_volumes(qi, di, b, k) / DAYS_PER_YEAR


# ---------------------------------------------------------------------------------------------------------
# Synthetic data


@pytest.mark.parametrize(
    ("qi", "di", "b"),
    [(50.0, 0.4, 0.6), (900.0, 0.15, 0.0), (20.0, 1.5, 1.2), (5.0, 9.0, 2.0), (900.0, 0.062, 0.0), (3.0, 0.3, 1.0)],
)
def test_annual_fit_recovers_the_curve_that_made_the_volumes(qi: float, di: float, b: float) -> None:
    k = np.arange(10.0)
    rates = _mean_rates(qi, di, b, k)
    fit = fit_arps_annual(k, rates)
    assert (fit.qi, fit.di, fit.b) == pytest.approx((qi, di, b), rel=1e-6, abs=1e-6)
    assert fit.rmse < 1e-8
    assert fit.n_points == k.size
    fixed = fit_arps_annual(k, rates, b=b)
    assert (fixed.qi, fixed.di, fixed.b) == pytest.approx((qi, di, b), rel=1e-9)
    # the fitted curve gives back the volumes it was fitted to, and goes on as the original one
    later = np.arange(10.0, 30.0)
    np.testing.assert_allclose(
        annual_volumes(fit.qi, fit.di, fit.b, np.concatenate([k, later])),
        annual_volumes(qi, di, b, np.concatenate([k, later])),
        rtol=1e-6,
    )


def test_annual_fit_of_a_sparse_history_with_a_shut_in_year() -> None:
    """Three reported years far apart (as for Sui), a fixed exponent, and a year with no gas left out."""
    qi, di = 900.0, 0.062
    k = np.array([0.0, 10.0, 12.0, 15.0])
    rates = _mean_rates(qi, di, 0.0, k)
    rates[2] = 0.0
    fit = fit_arps_annual(k, rates, b=0.0)
    assert fit.n_points == 3
    assert (fit.qi, fit.di) == pytest.approx((qi, di), rel=1e-9)


def test_fitting_annual_means_as_start_of_year_rates_is_half_a_year_of_decline_low() -> None:
    """The convention the annual fit replaces: each year's mean taken as the rate at the start of the year.

    For an exponential decline the year's mean is ``q(k) (1 - exp(-di)) / di``, so every forecast volume comes
    out low by that factor, about ``di / 2``.
    """
    qi, di = 900.0, 0.062
    k = np.arange(0.0, 16.0)
    rates = _mean_rates(qi, di, 0.0, k)
    start_of_year = fit_arps(k, rates, b=0.0)
    ratio = annual_volumes(start_of_year.qi, start_of_year.di, 0.0, k) / (rates * DAYS_PER_YEAR)
    np.testing.assert_allclose(ratio, -np.expm1(-di) / di, rtol=1e-9)
    assert ratio[0] == pytest.approx(1.0 - di / 2.0, abs=1e-3)
    annual = fit_arps_annual(k, rates, b=0.0)
    np.testing.assert_allclose(annual_volumes(annual.qi, annual.di, 0.0, k), rates * DAYS_PER_YEAR, rtol=1e-9)


def test_year_mean_log_rate_and_its_jacobian() -> None:
    k = np.arange(0.0, 25.0)
    for di, b in [(0.5, 0.0), (0.5, 1e-6), (0.8, 0.5), (2.0, 1.0), (3.0, 1.9), (9.0, 2.0)]:
        # the model is the log of the exact annual volume over the days of a year
        np.testing.assert_allclose(
            decline._year_mean_log_rate(k, np.log(7.0), di, b), np.log(_mean_rates(7.0, di, b, k)), rtol=1e-13
        )
        jac = decline._year_mean_log_rate_jacobian(k, di, b)
        h = 1e-6
        d_di = (decline._year_mean_log_rate(k, 0.0, di + h, b) - decline._year_mean_log_rate(k, 0.0, di - h, b)) / (
            2 * h
        )
        b_low = max(b - h, 0.0)
        d_b = (decline._year_mean_log_rate(k, 0.0, di, b + h) - decline._year_mean_log_rate(k, 0.0, di, b_low)) / (
            b + h - b_low
        )
        np.testing.assert_allclose(jac[:, 0], 1.0, rtol=1e-14)
        np.testing.assert_allclose(jac[:, 1], d_di, rtol=1e-6, atol=1e-8)
        assert np.all(np.abs(jac[:, 2] - d_b) <= 1e-4 * np.abs(d_b) + 1e-6 * (1 + (di * (k + 1)) ** 2))


def test_annual_fit_names_its_own_inputs_in_errors() -> None:
    with pytest.raises(InputError, match="years_from_reference, mean_rates, weights"):
        fit_arps_annual([0.0, 1.0], [1.0])
    with pytest.raises(InputError) as info:
        fit_arps_annual([-1.0, 0.0, 1.0], [3.0, 0.0, 0.0], b=0.0)
    assert [issue.path for issue in info.value.issues] == ["years_from_reference", "mean_rates"]


# ---------------------------------------------------------------------------------------------------------
# Real fields: the fit reproduces its own history


def _sodir_years(field: str, first: int, last: int) -> tuple[np.ndarray, np.ndarray]:
    """Calendar years and annual net gas [bn Sm3/yr] of ``field``, every year on stream for all 12 months."""
    with SODIR_ANNUAL.open(encoding="utf-8", newline="") as handle:
        rows = {int(r["year"]): r for r in csv.DictReader(handle) if r["field"] == field}
    years = np.arange(first, last + 1)
    assert all(int(rows[y]["months_on_stream"]) == 12 for y in years), f"{field}: a year with a shut-in month"
    return years, np.array([float(rows[y]["gas_net_bn_sm3"]) for y in years])


# Decline phases: KVITEBJØRN holds 6.8-7.0 bn Sm3/yr over 2011-16 and falls from 2017; SLEIPNER ØST holds
# 12.7-14.3 over 2002-07 and falls over 2008-13 before a step to 1.5 in 2014 that no decline curve follows.
# Largest in-sample error of one year (the band): b fitted 8.3 % and 7.6 %, exponential 10.3 % and 8.1 %.
FIELD_CASES = [
    ("KVITEBJØRN", 2017, 2024, None, 0.09),
    ("KVITEBJØRN", 2017, 2024, 0.0, 0.11),
    ("SLEIPNER ØST", 2008, 2013, None, 0.09),
    ("SLEIPNER ØST", 2008, 2013, 0.0, 0.11),
]


@pytest.mark.parametrize(
    ("field", "first", "last", "b", "band"), FIELD_CASES, ids=[f"{c[0]}-b{c[3]}" for c in FIELD_CASES]
)
def test_annual_fit_reproduces_a_gas_fields_own_history(
    field: str, first: int, last: int, b: float | None, band: float
) -> None:
    """Fitted to a field's annual volumes, the curve's exact annual volumes over the same years give back their
    sum within 2 % and each year within ``band``, with no bias: the log errors average zero (exactly, with a
    free ``qi``) and the relative errors within 0.5 %. Fitting the same years as start-of-year rates, the
    convention replaced, puts every year about half a year of decline (some 6 %) low.
    """
    years, volume = _sodir_years(field, first, last)
    k = (years - first).astype(float)
    rates = volume * 1e3 / DAYS_PER_YEAR  # million Sm3/d
    fit = fit_arps_annual(k, rates, b=b)
    fitted = annual_volumes(fit.qi, fit.di, fit.b, k) / 1e3  # bn Sm3/yr
    errors = fitted / volume - 1.0
    old = fit_arps(k, rates, b=b)  # annual means taken as the rates at the start of each year
    old_errors = annual_volumes(old.qi, old.di, old.b, k) / 1e3 / volume - 1.0
    report = (
        f"{field} {first}-{last}: qi {fit.qi:.2f} million Sm3/d at the start of {first}, Di {fit.di:.3f}/yr, "
        f"b {fit.b:.2f}; total {fitted.sum() / volume.sum() - 1.0:+.2%}, mean {errors.mean():+.2%}, years "
        + ", ".join(f"{y} {e:+.1%}" for y, e in zip(years, errors, strict=True))
        + f"; start-of-year fit: total {np.sum(old_errors * volume) / volume.sum():+.2%}, "
        f"mean {old_errors.mean():+.2%}"
    )
    assert fit.n_points == years.size
    assert abs(fitted.sum() / volume.sum() - 1.0) < 0.02, report
    assert np.max(np.abs(errors)) < band, report
    assert abs(np.mean(np.log1p(errors))) < 1e-9, report
    assert abs(errors.mean()) < 0.005, report
    assert old_errors.mean() < -0.04, report
    assert np.sum(old_errors * volume) / volume.sum() < -0.04, report
