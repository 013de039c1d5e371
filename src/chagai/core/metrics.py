"""Discounting and return metrics: NPV, IRR and payback.

Timing convention (:data:`TIMING_CONVENTION`, printed with every NPV): annual cash flows fall at the end of each
year; the first flow is year 0, the valuation year, and is not discounted; the flow of year ``t`` is discounted
by ``(1 + rate) ** -t``. Arrays of cash flows have time on the last axis: ``(n_years,)`` for one path,
``(n_draws, n_years)`` for a Monte Carlo run (deterministic = one draw). Rates are decimals per year (0.08 for
8 %). Money is in whatever unit the flows carry (US$ million in chagai); these functions never convert it.

IRR rule (:func:`irr`)
----------------------
Cash flows that change sign more than once (a mine with a closure tail) can have several internal rates of
return. :func:`irr` finds *every* real root of ``NPV(rate) = 0`` with ``rate`` in ``(-0.99, 10]``: it evaluates
the NPV on a dense grid of rates (log-spaced in ``1 + rate`` over the whole range, plus a linear grid of step
0.001 from -0.5 to 1), refines each sign change with Brent's method (:func:`scipy.optimize.brentq`, or its
compiled twin :mod:`chagai.core.roots` for :func:`irr`) to about 1e-14, looks for roots where the NPV touches zero
without crossing (local minima of ``|NPV|``), and keeps only roots whose NPV is zero to 1e-9 of the present value
of the absolute flows. It then picks

1. the only root, when there is one;
2. otherwise the smallest positive root, when there is a positive root;
3. otherwise the root of smallest magnitude.

When the flows do not change sign, or no root lies in the range, the value is NaN and the result says why.
:func:`irr` never raises. For decisions, prefer NPV at a stated rate: an IRR of non-conventional flows is a
convention, not a property of the project.

The hot scalar helpers :func:`npv_1d` and :func:`discounted_sum` are compiled with numba so compiled code
(the Monte Carlo kernel, the search for breakeven prices) can call them.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
from scipy import optimize

from chagai.core.jit import jit
from chagai.core.roots import BRENT_NO_BRACKET, brent_next, brent_start, brent_store
from chagai.errors import InputError, Issue

F64 = npt.NDArray[np.float64]
"""A float64 array."""

TIMING_CONVENTION: Final = "end-year discounting, year 0 = valuation year (undiscounted)"
"""The timing convention of every NPV in this module, to print next to the figure."""

IRR_MIN_RATE: Final = -0.99
"""Lower end (excluded) of the range searched for IRR roots [1/yr]."""
IRR_MAX_RATE: Final = 10.0
"""Upper end (included) of the range searched for IRR roots [1/yr]."""
ROOT_RTOL: Final = 1e-9
"""A root is accepted when ``|NPV(root)| <= ROOT_RTOL * PV(|flows|, root)`` [-]."""


def _scalar_or_array(value: F64) -> float | F64:
    """Return a 0-d result as a Python float, anything else as the array."""
    return float(value) if value.ndim == 0 else value


def _rates(rate: npt.ArrayLike, name: str = "rate") -> F64:
    """Return ``rate`` as a float array, raising when any rate is at or below -1."""
    r = np.asarray(rate, dtype=np.float64)
    bad = r <= -1.0
    if np.any(bad):
        raise InputError(
            [
                Issue(
                    name,
                    float(r[bad].flat[0]),
                    "a rate above -1 per year, as a decimal (0.08 for 8 %)",
                    "check the rate: a discount rate of -100 % or less has no meaning",
                )
            ]
        )
    return r


def _flows(flows: npt.ArrayLike, name: str = "flows") -> F64:
    """Return ``flows`` as a float array with at least one year on the last axis."""
    f = np.asarray(flows, dtype=np.float64)
    if f.ndim == 0 or f.shape[-1] == 0:
        raise InputError(
            [
                Issue(
                    name,
                    flows,
                    "an array of cash flows with time on the last axis, (n_years,) or (n_draws, n_years)",
                    "pass at least one year of cash flows",
                )
            ]
        )
    return f


# ---------------------------------------------------------------------------------------------------------
# NPV


def discount_factors(rate: npt.ArrayLike, n_years: int, *, first_period: float = 0.0) -> F64:
    """End-year discount factors ``(1 + rate) ** -(first_period + t)`` for ``t = 0 .. n_years - 1``.

    Parameters
    ----------
    rate
        Discount rate, a scalar or an array (one rate per draw) [1/yr, decimal].
    n_years
        Number of years [-].
    first_period
        Discounting exponent of the first year: 0 for the chagai convention (year 0 undiscounted), 1 for
        Excel's ``NPV`` (first flow discounted one period), 0.5 for mid-year discounting [yr].

    Returns
    -------
    numpy.ndarray
        Factors of shape ``np.shape(rate) + (n_years,)`` [-].
    """
    r = _rates(rate)
    t = first_period + np.arange(n_years, dtype=np.float64)
    return np.asarray(np.power(1.0 + r[..., np.newaxis], -t), dtype=np.float64)


@functools.lru_cache(maxsize=1024)
def kept_discount_factors(rate: float, n_years: int, first_period: float = 0.0) -> F64:
    """:func:`discount_factors` of one rate, computed once and kept (read-only).

    An appraisal discounts dozens of lines and model runs at one rate; they share these factors.
    """
    factors = discount_factors(rate, n_years, first_period=first_period)
    factors.flags.writeable = False
    return factors


def npv(rate: npt.ArrayLike, flows: npt.ArrayLike, *, first_period: float = 0.0) -> float | F64:
    """Net present value of annual cash flows, end-year discounting, year 0 undiscounted.

    ``NPV = sum_t flows[..., t] * (1 + rate) ** -(first_period + t)``.

    Parameters
    ----------
    rate
        Discount rate: a scalar, or an array that broadcasts against the draw axes of ``flows``
        (shape ``(n_draws,)`` for one rate per draw) [1/yr, decimal].
    flows
        Cash flows with time on the last axis, ``(n_years,)`` or ``(n_draws, n_years)``; index 0 is the
        valuation year [money, e.g. US$m].
    first_period
        Discounting exponent of the first flow: 0 (default, year 0 undiscounted), 1 for Excel's ``NPV``,
        0.5 for mid-year discounting [yr].

    Returns
    -------
    float or numpy.ndarray
        The NPV: a float for one path at one rate, else an array of shape
        ``broadcast(np.shape(rate), flows.shape[:-1])`` [money, as ``flows``].

    Raises
    ------
    chagai.errors.InputError
        When a rate is at or below -1, or ``flows`` holds no year.
    """
    f = _flows(flows)
    if isinstance(rate, int | float):
        factors = kept_discount_factors(float(rate), f.shape[-1], float(first_period))
    else:
        factors = discount_factors(rate, f.shape[-1], first_period=first_period)
    return _scalar_or_array(np.sum(f * factors, axis=-1))


@jit
def npv_1d(rate: float, flows: F64) -> float:
    """NPV of one path of annual cash flows, compiled with numba (end-year discounting, year 0 undiscounted).

    Horner's scheme in four interleaved chains (years modulo 4) for compiled Monte Carlo kernels; equals
    :func:`npv` for a 1-D array to rounding.

    Parameters
    ----------
    rate
        Discount rate [1/yr, decimal]; NaN is returned when it is at or below -1.
    flows
        One path of cash flows, shape ``(n_years,)``, float64 [money].

    Returns
    -------
    float
        The NPV [money, as ``flows``].
    """
    if not rate > -1.0:
        return math.nan
    step = 1.0 / (1.0 + rate)
    step4 = (step * step) * (step * step)
    # four Horner chains, one per year modulo 4, independent so the processor runs them at once:
    # NPV = sum over k < 4 of step^k * sum over j of flows[4 j + k] * step4^j
    n = flows.shape[0]
    top = n - n % 4  # the years from here on form the last, incomplete group
    chain0 = flows[top] if top < n else 0.0
    chain1 = flows[top + 1] if top + 1 < n else 0.0
    chain2 = flows[top + 2] if top + 2 < n else 0.0
    chain3 = 0.0
    for j in range(top - 4, -1, -4):
        chain0 = chain0 * step4 + flows[j]
        chain1 = chain1 * step4 + flows[j + 1]
        chain2 = chain2 * step4 + flows[j + 2]
        chain3 = chain3 * step4 + flows[j + 3]
    return ((chain3 * step + chain2) * step + chain1) * step + chain0


@jit
def discounted_sum(flows: F64, factors: F64) -> float:
    """``sum(flows * factors)`` for compiled code, one path (a dot product).

    With ``factors = discount_factors(rate, n_years)`` this is ``npv(rate, flows)`` to rounding.

    Parameters
    ----------
    flows
        One path of cash flows, shape ``(n_years,)`` [money].
    factors
        Discount factor of each year, shape ``(n_years,)`` [-].

    Returns
    -------
    float
        The discounted sum [money, as ``flows``].
    """
    return float(np.dot(flows, factors))


# ---------------------------------------------------------------------------------------------------------
# IRR


@dataclass(frozen=True)
class IrrResult:
    """An internal rate of return with every root found and the reason for the choice.

    Parameters
    ----------
    value
        The IRR the documented rule picks (see the module docstring); NaN when there is none [1/yr, decimal].
    roots
        Every real root of ``NPV(rate) = 0`` found in ``(-0.99, 10]``, ascending [1/yr, decimal].
    reason
        Why this value: ``"one root in (-0.99, 10]"``, ``"several roots: smallest positive root taken"``,
        ``"no sign change in the cash flows"``, ...
    """

    value: float
    roots: tuple[float, ...]
    reason: str

    def __float__(self) -> float:
        return self.value


@jit
def _scaled_npv_1d(rate: float, flows: F64) -> float:
    """NPV times a positive factor: ``(1 + rate) ** (n - 1)`` below rate 0 (no overflow near -1), 1 above."""
    acc = 0.0
    if rate < 0.0:
        s = 1.0 + rate
        for t in range(flows.shape[0]):
            acc = acc * s + flows[t]
    else:
        x = 1.0 / (1.0 + rate)
        for t in range(flows.shape[0] - 1, -1, -1):
            acc = acc * x + flows[t]
    return acc


@jit
def _horner_rows(acc: F64, factor: F64, coefficients: F64) -> None:
    """``acc[i] = acc[i] * factor[i] + c`` for each ``c`` of ``coefficients`` in turn, for every row ``i``.

    Four coefficients per pass over the rows: the same arithmetic as one at a time, with a quarter of the loads
    and stores (each pass is a plain loop over the rows, which the compiler vectorises).
    """
    n = coefficients.shape[0]
    t = 0
    while t + 4 <= n:
        c0, c1, c2, c3 = coefficients[t], coefficients[t + 1], coefficients[t + 2], coefficients[t + 3]
        for i in range(acc.shape[0]):
            x = factor[i]
            acc[i] = (((acc[i] * x + c0) * x + c1) * x + c2) * x + c3
        t += 4
    while t < n:
        c = coefficients[t]
        for i in range(acc.shape[0]):
            acc[i] = acc[i] * factor[i] + c
        t += 1


@jit
def _scaled_npv_grid(rates: F64, flows: F64) -> F64:
    """:func:`_scaled_npv_1d` at each rate of ``rates`` (ascending), vectorised over the rates.

    The rates below zero (oldest flow first) and those from zero on (latest flow first) are each one run of
    :func:`_horner_rows`; every rate's arithmetic is that of :func:`_scaled_npv_1d`.
    """
    m = rates.shape[0]
    n_negative = 0
    while n_negative < m and rates[n_negative] < 0.0:
        n_negative += 1
    out = np.zeros(m)
    _horner_rows(out[:n_negative], 1.0 + rates[:n_negative], flows)
    _horner_rows(out[n_negative:], 1.0 / (1.0 + rates[n_negative:]), flows[::-1].copy())
    return out


def _rate_grid() -> F64:
    """Rates at which the NPV is scanned for sign changes, ascending, from -0.99 to 10."""
    geometric = np.expm1(np.linspace(math.log1p(IRR_MIN_RATE), math.log1p(IRR_MAX_RATE), 2001))
    linear = np.linspace(-0.5, 1.0, 1501)
    grid = np.unique(np.concatenate([geometric, linear, [0.0]]))
    grid[0], grid[-1] = IRR_MIN_RATE, IRR_MAX_RATE
    return grid


_GRID: Final = _rate_grid()


ROOT_XTOL: Final = 1e-14
"""Absolute tolerance of Brent's method on each sign change of the scan [1/yr]."""
ROOT_BRENT_RTOL: Final = 4 * float(np.finfo(float).eps)
"""Relative tolerance of Brent's method on each sign change of the scan (scipy's smallest) [-]."""
ROOT_MAXITER: Final = 200
"""Most steps of Brent's method on one sign change; a sign change that does not converge gives no root [-]."""

Candidates = tuple[list[float], int, npt.NDArray[np.intp]]
"""What the scan finds: the roots refined from it that pass the check of :func:`_is_root` (exact zeros on the grid,
then one per sign change), how many refined roots fail it, and the grid indices where ``|NPV|`` has a local minimum
without a sign change (where the NPV may touch zero)."""


def _is_root(g: Callable[[float], float], scale: Callable[[float], float], rate: float) -> bool:
    """Whether ``g`` is zero at ``rate`` to :data:`ROOT_RTOL` of ``scale`` (see :func:`_find_roots`)."""
    return abs(g(rate)) <= ROOT_RTOL * scale(rate)


def _candidates(g: Callable[[float], float], scale: Callable[[float], float], values: F64) -> Candidates:
    """Candidate roots of ``g`` from its values on the grid (any ``g``; :func:`_irr_candidates` is compiled)."""
    grid = _GRID
    sign = np.sign(values)
    crossings = [float(r) for r in grid[(values == 0.0) & (grid > IRR_MIN_RATE)]]
    for i in np.flatnonzero(sign[:-1] * sign[1:] < 0):
        try:
            root = optimize.brentq(g, grid[i], grid[i + 1], xtol=ROOT_XTOL, rtol=ROOT_BRENT_RTOL, maxiter=ROOT_MAXITER)
        except (RuntimeError, ValueError):
            continue
        crossings.append(float(root))
    mag = np.abs(values)
    touching = (sign[:-2] == sign[1:-1]) & (sign[1:-1] == sign[2:]) & (mag[1:-1] < mag[:-2]) & (mag[1:-1] < mag[2:])
    crossed = [r for r in crossings if _is_root(g, scale, r)]
    return crossed, len(crossings) - len(crossed), np.flatnonzero(touching) + 1


@jit
def _brentq_scaled_npv(flows: F64, low: float, high: float) -> tuple[float, bool]:
    """Brent's method on :func:`_scaled_npv_1d` between ``low`` and ``high``, as :func:`_candidates` runs scipy's.

    Returns the root and True, or False where scipy would raise (no sign change, a NaN, no convergence).
    """
    f_low, f_high = _scaled_npv_1d(low, flows), _scaled_npv_1d(high, flows)
    if math.isnan(f_low) or math.isnan(f_high):
        return math.nan, False
    state, status = brent_start(low, f_low, high, f_high)
    if status == BRENT_NO_BRACKET:
        return math.nan, False
    for _ in range(ROOT_MAXITER):
        x, done = brent_next(state, ROOT_XTOL, ROOT_BRENT_RTOL)
        if done:
            return x, True
        value = _scaled_npv_1d(x, flows)
        if math.isnan(value):
            return math.nan, False
        brent_store(state, value)
    return math.nan, False


@jit
def _irr_candidates(grid: F64, values: F64, flows: F64) -> tuple[F64, int, npt.NDArray[np.intp]]:
    """:func:`_candidates` of the scaled NPV of ``flows`` (``values`` on ``grid``), compiled: the same numbers.

    One pass finds the exact zeros, the sign changes and the touching points; the sign tests are ``np.sign``'s
    written out (a NaN has no sign, so it neither changes sign nor touches zero).
    """
    m = grid.shape[0]
    crossings = np.empty(2 * m)
    count = 0
    changes = np.empty(m, dtype=np.intp)
    n_changes = 0
    touching = np.empty(m, dtype=np.intp)
    n_touching = 0
    for i in range(m):
        here = values[i]
        if here == 0.0 and grid[i] > IRR_MIN_RATE:
            crossings[count] = grid[i]
            count += 1
        if i + 1 < m:
            after = values[i + 1]
            if (here > 0.0 and after < 0.0) or (here < 0.0 and after > 0.0):
                changes[n_changes] = i
                n_changes += 1
            if (
                i > 0
                and abs(here) < abs(values[i - 1])  # false for any NaN
                and abs(here) < abs(after)
                and (values[i - 1] > 0.0) == (here > 0.0) == (after > 0.0)
                and (values[i - 1] < 0.0) == (here < 0.0) == (after < 0.0)
            ):
                touching[n_touching] = i
                n_touching += 1
    for i in changes[:n_changes]:
        root, found = _brentq_scaled_npv(flows, grid[i], grid[i + 1])
        if found:
            crossings[count] = root
            count += 1
    absolute = np.abs(flows)
    crossed = np.empty(count)
    n_crossed = 0
    for root in crossings[:count]:
        if abs(_scaled_npv_1d(root, flows)) <= ROOT_RTOL * _scaled_npv_1d(root, absolute):  # _is_root
            crossed[n_crossed] = root
            n_crossed += 1
    return crossed[:n_crossed], count - n_crossed, touching[:n_touching]


@jit
def _irr_scan(grid: F64, flows: F64) -> tuple[bool, F64, int, npt.NDArray[np.intp]]:
    """The scaled NPV of ``flows`` on ``grid`` and its :func:`_irr_candidates`; False when it is zero everywhere."""
    values = _scaled_npv_grid(grid, flows)
    for value in values:
        if value != 0.0:
            crossed, rejected, touching = _irr_candidates(grid, values, flows)
            return True, crossed, rejected, touching
    return False, np.empty(0), 0, np.empty(0, dtype=np.intp)


def _find_roots(
    g: Callable[[float], float], scale: Callable[[float], float], candidates: Candidates
) -> tuple[list[float], int]:
    """Every verified root of ``g`` on the grid range, given the scan's candidates, and the count rejected.

    ``g`` is the NPV times a positive factor and ``scale`` the same for the absolute flows, so
    ``|g| / scale`` is the NPV relative to the size of the flows at that rate.
    """
    grid = _GRID
    crossed, rejected, touching = candidates  # a minimum of |NPV| that is not a root is no failure: not counted
    # roots where the NPV touches zero without crossing: local minima of |g| with no sign change around them
    touches: list[float] = []
    for i in touching:
        best = optimize.minimize_scalar(
            lambda r: abs(g(r)), bounds=(grid[i - 1], grid[i + 1]), method="bounded", options={"xatol": 1e-13}
        )
        touches.append(float(best.x))
    roots: list[float] = []
    for root in sorted(crossed + [r for r in touches if _is_root(g, scale, r)]):
        if not roots or root - roots[-1] > 1e-9 * max(1.0, abs(root)):
            roots.append(root)
    return roots, rejected


def _pick(roots: Sequence[float], rejected: int) -> IrrResult:
    """Apply the IRR rule to the verified roots."""
    note = f"; {rejected} candidate root(s) failed the NPV = 0 check" if rejected else ""
    if not roots:
        return IrrResult(math.nan, (), f"no root in ({IRR_MIN_RATE}, {IRR_MAX_RATE}]{note}")
    found = tuple(roots)
    if len(roots) == 1:
        return IrrResult(roots[0], found, f"one root in ({IRR_MIN_RATE}, {IRR_MAX_RATE}]{note}")
    positive = [r for r in roots if r > 0.0]
    if positive:
        return IrrResult(min(positive), found, f"several roots: smallest positive root taken{note}")
    return IrrResult(
        min(roots, key=abs), found, f"several roots, none positive: root of smallest magnitude taken{note}"
    )


def _screen(flows: npt.ArrayLike, name: str) -> tuple[F64 | None, str]:
    """Return the flows as a contiguous 1-D float array, or None and the reason there can be no IRR."""
    try:
        f = np.ascontiguousarray(flows, dtype=np.float64)
    except (TypeError, ValueError):
        return None, f"{name} are not numbers"
    if f.ndim != 1:
        return None, f"{name} must be one path of shape (n_years,), got shape {f.shape}; call irr once per draw"
    scaled, status = _scaled_to_one(f)
    if status == _FLOWS_NOT_FINITE:
        return None, f"{name} hold NaN or infinite values"
    if status == _FLOWS_ONE_SIGN:
        return None, f"no sign change in the {name}"
    return scaled, ""


_FLOWS_OK, _FLOWS_NOT_FINITE, _FLOWS_ONE_SIGN = 0, 1, 2
"""What :func:`_scaled_to_one` found: flows that may have an IRR, a NaN or infinity, no sign change."""


@jit
def _scaled_to_one(flows: F64) -> tuple[F64, int]:
    """The flows divided by their largest magnitude (``_FLOWS_OK``), or why there can be no IRR.

    Roots do not depend on the scale of the flows; at most 1 in size, the scaled NPV stays below ``n_years``.
    """
    positive, negative = False, False
    largest = 0.0
    for value in flows:
        if not math.isfinite(value):
            return flows, _FLOWS_NOT_FINITE
        positive = positive or value > 0.0
        negative = negative or value < 0.0
        largest = max(largest, abs(value))
    if not (positive and negative):
        return flows, _FLOWS_ONE_SIGN
    return flows / largest, _FLOWS_OK


def _roots_or_reason(
    g: Callable[[float], float], scale: Callable[[float], float], scan: Callable[[], Candidates | None]
) -> IrrResult:
    """Scan, find, verify and pick the roots; any failure of the numerics becomes NaN with the reason.

    ``scan()`` gives the candidates from the grid (see :func:`_candidates`), or None when ``g`` is zero at every
    rate of it.
    """
    try:
        with np.errstate(all="ignore"):
            candidates = scan()
            if candidates is None:
                return IrrResult(math.nan, (), "the NPV is zero at every rate")
            return _pick(*_find_roots(g, scale, candidates))
    except Exception as exc:  # the IRR functions never raise: the reason says what went wrong
        return IrrResult(math.nan, (), f"root finding failed: {type(exc).__name__}: {exc}")


def irr(flows: npt.ArrayLike) -> IrrResult:
    """Internal rate of return of one path of annual cash flows, with every root and the reason for the pick.

    Finds every real root of ``NPV(rate) = 0`` in ``(-0.99, 10]`` (end-year discounting, year 0 undiscounted)
    and picks one by the rule in the module docstring: the only root; else the smallest positive root; else
    the root of smallest magnitude. Each root satisfies ``|NPV(root)| <= 1e-9 * PV(|flows|, root)``.
    Never raises: bad input or no root gives NaN with the reason.

    Parameters
    ----------
    flows
        Cash flows of one path, shape ``(n_years,)``, year 0 first [money].

    Returns
    -------
    IrrResult
        ``value`` [1/yr, decimal], ``roots`` and ``reason``.

    """
    f, reason = _screen(flows, "cash flows")
    if f is None:
        return IrrResult(math.nan, (), reason)

    def scan() -> Candidates | None:
        nonzero, crossed, rejected, touching = _irr_scan(_GRID, f)
        return ([float(r) for r in crossed], rejected, touching) if nonzero else None

    return _roots_or_reason(lambda r: float(_scaled_npv_1d(r, f)), lambda r: float(_scaled_npv_1d(r, np.abs(f))), scan)


# ---------------------------------------------------------------------------------------------------------
# Payback


def payback_year(flows: npt.ArrayLike) -> float | F64:
    """Payback time: years from the start until the cumulative cash flow turns non-negative.

    The cumulative sum at index ``t`` is the position at the end of year ``t`` (time ``t``). Payback is the first
    time the cumulative turns non-negative after having been negative, interpolated linearly within that year:
    ``(t - 1) + (-cum[t - 1]) / flows[t]``. Flows of ``[-100, 50, 40, 20]`` pay back at 2.5. A cumulative that is
    never negative pays back at 0; one that never turns non-negative again gives NaN. A later dip below zero (a
    closure tail) does not change the answer.

    Parameters
    ----------
    flows
        Cash flows with time on the last axis, ``(n_years,)`` or ``(n_draws, n_years)`` [money].

    Returns
    -------
    float or numpy.ndarray
        Payback time per path [yr].
    """
    f = _flows(flows)
    cum = np.cumsum(f, axis=-1)
    idx = np.arange(f.shape[-1])
    negative = cum < 0.0
    first_negative = np.argmax(negative, axis=-1)
    after = (cum >= 0.0) & (idx > first_negative[..., np.newaxis])
    t = np.argmax(after, axis=-1)
    before = np.take_along_axis(cum, np.maximum(t - 1, 0)[..., np.newaxis], axis=-1)[..., 0]
    flow = np.take_along_axis(f, t[..., np.newaxis], axis=-1)[..., 0]
    ok = after.any(axis=-1)
    within = -before / np.where(ok, flow, 1.0)
    out = np.where(negative.any(axis=-1), np.where(ok, t - 1 + within, np.nan), 0.0)
    out = np.where(np.isfinite(f).all(axis=-1), out, np.nan)
    return _scalar_or_array(np.asarray(out, dtype=np.float64))
