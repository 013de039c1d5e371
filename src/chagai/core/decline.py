"""Arps decline curves for gas fields: rates, exact cumulative and annual volumes, decline conventions, fitting.

The Arps family, with time ``t`` in years from the reference time at which the rate is ``qi``, the nominal
(instantaneous) initial decline ``di`` per year and the exponent ``b``::

    q(t) = qi / (1 + b di t) ** (1 / b)        0 < b   (hyperbolic; b = 1 harmonic; b > 1 transient flow)
    q(t) = qi exp(-di t)                       b = 0   (exponential, the limit b -> 0)

Rates are per day (MMscf/d for gas in chagai; any volume unit works) and volumes are ``rate x days``, with
``days_per_year`` days in a year (365.25 by default): a rate in MMscf/d gives volumes in MMscf. Volumes are
closed-form integrals of the curve, never sums of sampled rates. Every formula is written with
``y = b di t``, ``l(y) = log1p(y) / y`` and ``exprel(z) = (exp(z) - 1) / z`` so that it stays exact and
continuous as ``b -> 0``, ``b -> 1`` and ``di -> 0``::

    q(t)   = qi exp(-di t l(y))
    Q(t)   = days_per_year * qi t l(y) exprel(-(1 - b) di t l(y))        (volume from 0 to t)

Fits (:func:`fit_arps`, :func:`fit_arps_annual`) work in log rate. A history of point rates (a monthly well
test, a rate on a given day) is fitted point by point; a history of annual mean rates (a year's volume over its
days, as production statistics and press figures give) is fitted so that the curve's exact volume over each
year matches the year's volume, the same integral the forecast uses. Fitting an annual mean as if it were the
rate at the start of its year puts the curve half a year of decline too low.

Decline conventions (:func:`nominal_from_effective`): a *secant-effective* annual decline ``de`` is the fall of
the rate over the first year, ``de = 1 - q(1) / qi``, so ``di = ((1 - de) ** -b - 1) / b``; a *tangent-effective*
decline is ``de = 1 - exp(-di)``, whatever ``b``. Both equal ``-ln(1 - de)`` when ``b = 0``. Vendor tools differ
(ARIES uses 365 days a year and whole months): state which convention a figure uses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
from scipy import optimize, special

from chagai.core.calendar import DAYS_PER_YEAR
from chagai.errors import InputError, Issue

F64 = npt.NDArray[np.float64]
"""A float64 array."""

B_MAX_FIT: Final = 2.0
"""Largest Arps exponent :func:`fit_arps` allows [-]."""
DI_MAX_FIT: Final = 10.0
"""Largest nominal initial decline :func:`fit_arps` allows [1/yr]."""

Convention = Literal["secant", "tangent"]
"""Effective decline convention: secant (``1 - q(1) / qi``) or tangent (``1 - exp(-di)``)."""


def _scalar_or_array(value: F64) -> float | F64:
    return float(value) if value.ndim == 0 else value


def _check(issues: list[Issue], name: str, value: F64, bad: npt.NDArray[np.bool_], expected: str, fix: str) -> None:
    """Add an issue naming the first offending value of ``value`` when ``bad`` holds anywhere (or is NaN)."""
    bad = bad | np.isnan(value)
    if np.any(bad):
        issues.append(Issue(name, float(value[bad].flat[0]), expected, fix))


def _arps_inputs(
    t: npt.ArrayLike | None, qi: npt.ArrayLike, di: npt.ArrayLike, b: npt.ArrayLike
) -> tuple[F64, F64, F64, F64]:
    """Return the inputs as float arrays, raising one error that lists every invalid input."""
    arrays = [np.asarray(x, dtype=np.float64) for x in (0.0 if t is None else t, qi, di, b)]
    tt, q, d, bb = arrays
    issues: list[Issue] = []
    if t is not None:
        _check(issues, "t", tt, tt < 0.0, "times of 0 or more years from the reference [yr]", "measure t from qi")
    _check(issues, "qi", q, q < 0.0, "an initial rate of 0 or more [volume/d]", "give a non-negative rate")
    _check(issues, "di", d, d < 0.0, "a nominal decline of 0 or more per year [1/yr]", "give di >= 0 per year")
    _check(issues, "b", bb, bb < 0.0, "an Arps exponent of 0 or more [-]", "give b >= 0 (0 is exponential)")
    if issues:
        raise InputError(issues)
    return tt, q, d, bb


def _log1p_rel(y: F64) -> F64:
    """``log1p(y) / y`` for ``y >= 0``, equal to 1 at ``y = 0`` (and ``1 - y / 2`` for tiny ``y``)."""
    small = y < 1e-8
    safe = np.where(small, 1.0, y)
    return np.where(small, 1.0 - 0.5 * y, np.log1p(safe) / safe)


def _exprel(z: F64) -> F64:
    return np.asarray(special.exprel(z), dtype=np.float64)


def _rate(t: F64, qi: F64, di: F64, b: F64) -> F64:
    x = di * t
    return np.asarray(qi * np.exp(-x * _log1p_rel(b * x)), dtype=np.float64)


def _cumulative_years(t: F64, qi: F64, di: F64, b: F64) -> F64:
    """Integral of the rate from 0 to ``t`` [rate x yr]."""
    x = di * t
    lr = _log1p_rel(b * x)
    return np.asarray(qi * t * lr * _exprel(-(1.0 - b) * x * lr), dtype=np.float64)


def arps_rate(t: npt.ArrayLike, qi: npt.ArrayLike, di: npt.ArrayLike, b: npt.ArrayLike) -> float | F64:
    """Arps rate ``q(t) = qi / (1 + b di t) ** (1 / b)`` (``qi exp(-di t)`` when ``b = 0``).

    All inputs broadcast against each other (numpy rules).

    Parameters
    ----------
    t
        Time since the reference at which the rate is ``qi`` [yr].
    qi
        Rate at ``t = 0`` [volume/d, e.g. MMscf/d].
    di
        Nominal (instantaneous) decline at ``t = 0`` [1/yr].
    b
        Arps exponent: 0 exponential, 1 harmonic, between hyperbolic [-].

    Returns
    -------
    float or numpy.ndarray
        Rate at ``t`` [volume/d, as ``qi``].

    Raises
    ------
    chagai.errors.InputError
        When ``t``, ``qi``, ``di`` or ``b`` is negative or NaN (all such problems listed at once).
    """
    return _scalar_or_array(_rate(*_arps_inputs(t, qi, di, b)))


def arps_cumulative(
    t: npt.ArrayLike,
    qi: npt.ArrayLike,
    di: npt.ArrayLike,
    b: npt.ArrayLike,
    *,
    days_per_year: float = DAYS_PER_YEAR,
) -> float | F64:
    """Volume produced from 0 to ``t``: the exact integral of the Arps rate.

    ``days_per_year * qi / ((1 - b) di) * (1 - (1 + b di t) ** (1 - 1 / b))`` for a hyperbolic curve,
    ``days_per_year * qi / di * ln(1 + di t)`` for a harmonic one, ``days_per_year * qi / di * (1 - exp(-di t))``
    for an exponential one and ``days_per_year * qi * t`` when ``di = 0``; computed by one formula continuous in
    ``b`` and ``di``. All inputs broadcast against each other.

    Parameters
    ----------
    t
        End of the interval, from the reference [yr].
    qi
        Rate at ``t = 0`` [volume/d, e.g. MMscf/d].
    di
        Nominal initial decline [1/yr].
    b
        Arps exponent [-].
    days_per_year
        Days in a year [d/yr].

    Returns
    -------
    float or numpy.ndarray
        Cumulative volume [volume, e.g. MMscf for a rate in MMscf/d].
    """
    return _scalar_or_array(days_per_year * _cumulative_years(*_arps_inputs(t, qi, di, b)))


def annual_volumes(
    qi: npt.ArrayLike,
    di: npt.ArrayLike,
    b: npt.ArrayLike,
    years_from_reference: npt.ArrayLike,
    *,
    days_per_year: float = DAYS_PER_YEAR,
) -> F64:
    """Exact volume produced in each year interval ``[k, k + 1)`` of the decline.

    Each year is integrated in closed form from its own start (an Arps curve restarted at time ``a`` is an
    Arps curve with rate ``q(a)``, decline ``di / (1 + b di a)`` and the same ``b``), so late, small volumes keep
    full precision. Nothing is produced before the reference: the parts of intervals before ``t = 0`` count zero.
    The volumes of consecutive years sum to :func:`arps_cumulative`.

    Parameters
    ----------
    qi
        Rate at the reference time [volume/d, e.g. MMscf/d]; scalar or one value per draw.
    di
        Nominal initial decline [1/yr]; scalar or one value per draw.
    b
        Arps exponent [-]; scalar or one value per draw.
    years_from_reference
        Start ``k`` of each year interval, e.g. ``calendar_years - reference_year``, shape ``(n_years,)`` [yr].
    days_per_year
        Days in a year [d/yr].

    Returns
    -------
    numpy.ndarray
        Volume in each year, shape ``broadcast(qi, di, b).shape + (n_years,)`` (time on the last axis)
        [volume/yr, e.g. MMscf/yr for a rate in MMscf/d].
    """
    _, q, d, bb = _arps_inputs(None, qi, di, b)
    k = np.asarray(years_from_reference, dtype=np.float64)
    if k.ndim != 1:
        raise InputError(
            [
                Issue(
                    "years_from_reference",
                    f"shape {k.shape}",
                    "a one-dimensional array of year starts [yr]",
                    "pass e.g. np.arange(n_years) or calendar years minus the reference year",
                )
            ]
        )
    q, d, bb = (np.asarray(x)[..., np.newaxis] for x in np.broadcast_arrays(q, d, bb))
    start = np.maximum(k, 0.0)
    length = np.maximum(k + 1.0, 0.0) - start
    q_start = _rate(start, q, d, bb)
    d_start = d / (1.0 + bb * d * start)
    return np.asarray(days_per_year * _cumulative_years(length, q_start, d_start, bb), dtype=np.float64)


def _decline_inputs(value: npt.ArrayLike, name: str, b: npt.ArrayLike, convention: str) -> tuple[F64, F64]:
    v = np.asarray(value, dtype=np.float64)
    bb = np.asarray(b, dtype=np.float64)
    issues: list[Issue] = []
    if name == "de":
        _check(issues, name, v, (v < 0.0) | (v >= 1.0), "an effective decline in [0, 1) per year", "give 0.3 for 30 %")
    else:
        _check(issues, name, v, v < 0.0, "a nominal decline of 0 or more per year [1/yr]", "give di >= 0")
    _check(issues, "b", bb, bb < 0.0, "an Arps exponent of 0 or more [-]", "give b >= 0")
    if convention not in ("secant", "tangent"):
        issues.append(Issue("convention", convention, "'secant' or 'tangent'", "name one of the two conventions"))
    if issues:
        raise InputError(issues)
    return v, bb


def nominal_from_effective(
    de: npt.ArrayLike, b: npt.ArrayLike = 0.0, *, convention: Convention = "secant"
) -> float | F64:
    """Nominal initial decline from an effective annual decline.

    Secant: ``di = ((1 - de) ** -b - 1) / b`` (``-ln(1 - de)`` when ``b = 0``), so that the rate falls by ``de``
    over the first year. Tangent: ``di = -ln(1 - de)`` for any ``b``.

    Parameters
    ----------
    de
        Effective decline over one year, in [0, 1) [1/yr, decimal].
    b
        Arps exponent [-].
    convention
        ``"secant"`` or ``"tangent"``.

    Returns
    -------
    float or numpy.ndarray
        Nominal initial decline ``di`` [1/yr]; divide by 365.25 for a decline per day.
    """
    v, bb = _decline_inputs(de, "de", b, convention)
    log_decline = -np.log1p(-v)
    if convention == "tangent":
        return _scalar_or_array(np.asarray(log_decline * np.ones_like(bb), dtype=np.float64))
    return _scalar_or_array(log_decline * _exprel(bb * log_decline))


def effective_from_nominal(
    di: npt.ArrayLike, b: npt.ArrayLike = 0.0, *, convention: Convention = "secant"
) -> float | F64:
    """Effective annual decline from a nominal initial decline (inverse of :func:`nominal_from_effective`).

    Secant: ``de = 1 - (1 + b di) ** (-1 / b)`` (``1 - exp(-di)`` when ``b = 0``). Tangent: ``de = 1 - exp(-di)``.

    Parameters
    ----------
    di
        Nominal initial decline [1/yr].
    b
        Arps exponent [-].
    convention
        ``"secant"`` or ``"tangent"``.

    Returns
    -------
    float or numpy.ndarray
        Effective decline over one year [1/yr, decimal].
    """
    v, bb = _decline_inputs(di, "di", b, convention)
    if convention == "tangent":
        return _scalar_or_array(np.asarray(-np.expm1(-v) * np.ones_like(bb), dtype=np.float64))
    return _scalar_or_array(np.asarray(-np.expm1(-v * _log1p_rel(bb * v)), dtype=np.float64))


# ---------------------------------------------------------------------------------------------------------
# Fitting


@dataclass(frozen=True)
class ArpsFit:
    """Arps parameters fitted to a rate history, with the in-sample error.

    Parameters
    ----------
    qi
        Rate at ``t = 0`` [volume/d, as the fitted rates].
    di
        Nominal initial decline [1/yr].
    b
        Arps exponent (the given one when it was fixed) [-].
    rmse
        Root mean square of ``ln(fitted / observed)`` over the points used, unweighted, of the point rates
        (:func:`fit_arps`) or of the annual mean rates, i.e. annual volumes (:func:`fit_arps_annual`); about the
        typical relative error [-].
    n_points
        Number of points (or years) used: positive, finite rates with a non-zero weight [-].
    """

    qi: float
    di: float
    b: float
    rmse: float
    n_points: int

    def rate(self, t: npt.ArrayLike) -> float | F64:
        """Fitted rate at ``t`` [volume/d]; ``t`` in years from the reference [yr]."""
        return arps_rate(t, self.qi, self.di, self.b)


def _log_rate(t: F64, log_qi: float, di: float, b: float) -> F64:
    x = di * t
    return np.asarray(log_qi - x * _log1p_rel(b * x), dtype=np.float64)


def _log_rate_jacobian(t: F64, di: float, b: float) -> F64:
    """Derivatives of ``ln q`` with respect to ``(ln qi, di, b)``, shape ``(n, 3)``."""
    x = di * t
    y = b * x
    small = y < 1e-3
    safe = np.where(small, 1.0, y)
    # h(y) = (log1p(y) - y / (1 + y)) / y**2, with its series near 0
    h = np.where(
        small,
        0.5 - 2.0 * y / 3.0 + 0.75 * y**2 - 0.8 * y**3,
        (np.log1p(safe) - safe / (1.0 + safe)) / safe**2,
    )
    return np.column_stack([np.ones_like(t), -t / (1.0 + y), x**2 * h])


_LEGENDRE_X, _LEGENDRE_W = np.polynomial.legendre.leggauss(24)
_GAUSS_NODES: Final = (_LEGENDRE_X + 1.0) / 2.0
"""Gauss-Legendre nodes on [0, 1] (24 points), for the derivatives of a year's mean rate [yr]."""
_GAUSS_WEIGHTS: Final = _LEGENDRE_W / 2.0
"""Weights of :data:`_GAUSS_NODES`, summing to 1 [-]."""


def _year_mean_log_rate(k: F64, log_qi: float, di: float, b: float) -> F64:
    """``ln`` of the mean rate over each year ``[k, k + 1)``: the exact volume of the year over its length.

    The curve restarted at ``k`` has rate ``q(k)`` and decline ``di / (1 + b di k)``; the year's mean is
    ``q(k)`` times the one-year volume of a unit-rate curve with that decline.
    """
    one = np.ones_like(k)
    d_start = di / (1.0 + b * di * k)
    unit_year = _cumulative_years(one, one, d_start, b * one)
    return np.asarray(_log_rate(k, log_qi, di, b) + np.log(unit_year), dtype=np.float64)


def _year_mean_log_rate_jacobian(k: F64, di: float, b: float) -> F64:
    """Derivatives of the ``ln`` of each year's mean rate with respect to ``(ln qi, di, b)``, shape ``(n, 3)``.

    ``d ln(mean q) = (integral of q d ln q) / (integral of q)`` over the year: the rate-weighted mean of the
    point derivatives, by 24-point Gauss-Legendre quadrature (the integrand is smooth on the year).
    """
    t = k[:, np.newaxis] + _GAUSS_NODES
    share = _GAUSS_WEIGHTS * np.exp(_log_rate(t, 0.0, di, b) - _log_rate(k, 0.0, di, b)[:, np.newaxis])
    share /= share.sum(axis=1, keepdims=True)
    point = _log_rate_jacobian(t.ravel(), di, b).reshape(*t.shape, 3)
    return np.asarray(np.einsum("nm,nmj->nj", share, point), dtype=np.float64)


Loss = Literal["linear", "soft_l1", "huber", "cauchy"]
"""Loss of :func:`scipy.optimize.least_squares` used by the fits."""

_LogModel = Callable[[F64, float, float, float], F64]
_LogJacobian = Callable[[F64, float, float], F64]


def fit_arps(
    t_years: npt.ArrayLike,
    rates: npt.ArrayLike,
    b: float | None = None,
    weights: npt.ArrayLike | None = None,
    *,
    loss: Loss = "linear",
) -> ArpsFit:
    """Fit an Arps curve to a history of point rates by least squares on the logarithm of the rate.

    Minimises ``sum_i w_i (ln q(t_i) - ln rate_i) ** 2`` over ``qi > 0``, ``0 <= di <= 10`` per year and
    ``0 <= b <= 2`` (``b`` fixed when given) with :func:`scipy.optimize.least_squares`, an analytic Jacobian and
    several starting values of ``b`` (0.1, 0.5, 1, 1.5), keeping the best. Working in log rate weighs every
    point by its relative error, so the late, low rates count as much as the early ones. Zero and negative
    rates (shut-ins) and non-finite values are left out.

    Each rate is taken as the rate at the instant ``t_i``. For annual mean rates (a year's volume over its days)
    use :func:`fit_arps_annual`, which matches the volumes the forecast integrates.

    Parameters
    ----------
    t_years
        Time of each rate from the reference at which the fitted rate is ``qi`` [yr]; 0 or more.
    rates
        Observed rates [volume/d, e.g. MMscf/d].
    b
        Arps exponent to impose (0 exponential, 1 harmonic); ``None`` fits it [-].
    weights
        Non-negative weight of each point (multiplies its squared residual); ``None`` for equal weights [-].
    loss
        Loss of :func:`scipy.optimize.least_squares`; ``"soft_l1"`` or ``"cauchy"`` resist outliers (with a
        scale of 0.1 in log rate, about 10 %).

    Returns
    -------
    ArpsFit
        Fitted ``qi`` [volume/d], ``di`` [1/yr], ``b`` [-], ``rmse`` in log rate [-] and ``n_points``.

    Raises
    ------
    chagai.errors.InputError
        When the arrays differ in length, a time or weight is negative, ``b`` is outside [0, 2], or fewer
        points remain than parameters to fit.
    """
    names = ("t_years", "rates")
    return _fit_log_rates(names, t_years, rates, b, weights, loss, _log_rate, _log_rate_jacobian)


def fit_arps_annual(
    years_from_reference: npt.ArrayLike,
    mean_rates: npt.ArrayLike,
    b: float | None = None,
    weights: npt.ArrayLike | None = None,
    *,
    loss: Loss = "linear",
) -> ArpsFit:
    """Fit an Arps curve to annual mean rates so that its exact volume in each year matches the year's volume.

    The year starting ``k_i`` years after the reference produced ``mean_rates[i]`` on average, i.e. a volume of
    ``days_per_year * mean_rates[i]``; the fitted curve's volume over ``[k_i, k_i + 1)``, the exact integral
    :func:`annual_volumes` gives with the same ``days_per_year``, is matched in log:
    ``sum_i w_i (ln(annual_volumes(qi, di, b, k_i) / days_per_year) - ln mean_rates[i]) ** 2`` is minimised
    over the same bounds, starts and loss as :func:`fit_arps`. The result does not depend on ``days_per_year``.
    With equal weights, a free ``qi`` and the linear loss, the log errors of the years average exactly zero: the
    fit reproduces its own history without bias. Zero and negative rates (shut-in years) and non-finite values
    are left out.

    Parameters
    ----------
    years_from_reference
        Start ``k_i`` of each year from the reference at which the fitted rate is ``qi``, e.g.
        ``calendar_year - reference_year`` [yr]; 0 or more.
    mean_rates
        Mean rate over each year: the year's volume divided by the days in the year [volume/d, e.g. MMscf/d].
    b
        Arps exponent to impose (0 exponential, 1 harmonic); ``None`` fits it [-].
    weights
        Non-negative weight of each year (multiplies its squared residual); ``None`` for equal weights [-].
    loss
        Loss of :func:`scipy.optimize.least_squares`, as in :func:`fit_arps`.

    Returns
    -------
    ArpsFit
        Fitted ``qi`` (the rate at the start of the reference year) [volume/d], ``di`` [1/yr], ``b`` [-],
        ``rmse`` in log annual volume [-] and ``n_points`` (years used).

    Raises
    ------
    chagai.errors.InputError
        When the arrays differ in length, a year start or weight is negative, ``b`` is outside [0, 2], or
        fewer years remain than parameters to fit.
    """
    return _fit_log_rates(
        ("years_from_reference", "mean_rates"),
        years_from_reference,
        mean_rates,
        b,
        weights,
        loss,
        _year_mean_log_rate,
        _year_mean_log_rate_jacobian,
    )


def _fit_log_rates(
    names: tuple[str, str],
    t_years: npt.ArrayLike,
    rates: npt.ArrayLike,
    b: float | None,
    weights: npt.ArrayLike | None,
    loss: Loss,
    model: _LogModel,
    model_jacobian: _LogJacobian,
) -> ArpsFit:
    """Least squares of ``model(t, ln qi, di, b) - ln rates`` (see :func:`fit_arps`) after checking the inputs.

    ``names`` are the caller's names of the times and the rates, for the error messages.
    """
    t_name, q_name = names
    t = np.asarray(t_years, dtype=np.float64).ravel()
    q = np.asarray(rates, dtype=np.float64).ravel()
    w = np.ones_like(t) if weights is None else np.asarray(weights, dtype=np.float64).ravel()
    issues: list[Issue] = []
    if not (t.size == q.size == w.size):
        issues.append(
            Issue(
                f"{t_name}, {q_name}, weights",
                f"{t.size}, {q.size}, {w.size} values",
                "one time, one rate (and one weight) per point",
                "pass arrays of the same length",
            )
        )
        raise InputError(issues)
    _check(issues, t_name, t, t < 0.0, "times of 0 or more years from the reference [yr]", "measure t from qi")
    _check(issues, "weights", w, w < 0.0, "non-negative weights", "drop a point with weight 0, not a negative one")
    if b is not None and not 0.0 <= b <= B_MAX_FIT:
        issues.append(Issue("b", b, f"an Arps exponent in [0, {B_MAX_FIT}] or None", "give b, or None to fit it"))
    use = np.isfinite(q) & (q > 0.0) & (w > 0.0)
    n_params = 2 if b is not None else 3
    if int(use.sum()) < n_params:
        issues.append(
            Issue(
                q_name,
                f"{int(use.sum())} positive rates",
                f"at least {n_params} positive, finite rates with non-zero weight",
                "give a longer history, or fix b",
            )
        )
    if issues:
        raise InputError(issues)
    t, log_q, sqrt_w = t[use], np.log(q[use]), np.sqrt(w[use])

    # start: a straight line through ln q (an exponential decline)
    if np.ptp(t) > 0.0:
        slope, intercept = np.polyfit(t, log_q, 1, w=sqrt_w)
    else:
        slope, intercept = 0.0, float(np.mean(log_q))
    di0 = float(np.clip(-slope, 1e-3, 0.9 * DI_MAX_FIT))

    def unpack(p: F64) -> tuple[float, float, float]:
        return float(p[0]), float(p[1]), float(p[2]) if b is None else float(b)

    def residuals(p: F64) -> F64:
        log_qi, di, bb = unpack(p)
        return np.asarray(sqrt_w * (model(t, log_qi, di, bb) - log_q), dtype=np.float64)

    def jacobian(p: F64) -> F64:
        _, di, bb = unpack(p)
        jac = sqrt_w[:, np.newaxis] * model_jacobian(t, di, bb)
        return jac if b is None else jac[:, :2]

    lower = [-np.inf, 0.0] + ([0.0] if b is None else [])
    upper = [np.inf, DI_MAX_FIT] + ([B_MAX_FIT] if b is None else [])
    starts = [0.1, 0.5, 1.0, 1.5] if b is None else [float(b)]
    best = None
    for b0 in starts:
        x0 = [float(intercept), di0] + ([b0] if b is None else [])
        result = optimize.least_squares(
            residuals,
            x0,
            jac=jacobian,
            bounds=(lower, upper),
            method="trf",
            loss=loss,
            f_scale=0.1,
            xtol=1e-12,
            ftol=1e-12,
            gtol=1e-12,
            max_nfev=2000,
        )
        if best is None or result.cost < best.cost:
            best = result
    assert best is not None
    log_qi, di, bb = unpack(best.x)
    rmse = float(np.sqrt(np.mean((model(t, log_qi, di, bb) - log_q) ** 2)))
    return ArpsFit(qi=float(np.exp(log_qi)), di=di, b=bb, rmse=rmse, n_points=int(t.size))
