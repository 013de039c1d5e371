"""Running the annual model for one set of inputs (the deterministic appraisal), and searching prices over it."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from chagai.core import kernel
from chagai.core.jit import jit
from chagai.core.metrics import F64, discounted_sum, kept_discount_factors
from chagai.core.roots import BRENT_NO_BRACKET, brent_next, brent_start, brent_store


class ModelInputs(NamedTuple):
    """What a deterministic run of the model needs: the compiled terms, the price paths and the scenario's draw.

    Built by :attr:`chagai.cases.compile.Compiled.model_inputs`.
    """

    params: kernel.Params
    prices: F64  # (C, T) base price path of each commodity [US$ per payable unit]
    availability: float  # share of capacity that can run every year [fraction]
    capex_factor: float  # multiplier on initial and expansion capital (overrun) [-]
    delay: int  # years the schedule slips [yr]

    @property
    def n_years(self) -> int:
        """Years of the horizon (T) [-]."""
        return int(self.prices.shape[1])


def run_with(
    params: kernel.Params, prices: np.ndarray, availability: np.ndarray, capex_factor: float, delay: int
) -> tuple[np.ndarray, np.ndarray]:
    """Run one path with explicit inputs (for sensitivity analyses that vary them one by one).

    Parameters
    ----------
    params
        Kernel parameters (vary costs or grades with ``params._replace(production=...)``).
    prices
        (C, T) prices [US$ per payable unit].
    availability
        (T,) share of capacity that can run [fraction].
    capex_factor
        Multiplier on initial and expansion capital [-].
    delay
        Years the schedule slips [yr].

    Returns
    -------
    lines, party_net
        (N_LINES, T) the annual table and (P, T) each party's net equity cash flow [US$m].
    """
    n = availability.shape[0]
    lines = np.zeros((kernel.N_LINES, n))
    party_net = np.zeros((params.stakes.party_level.shape[0], n))
    kernel.run_path(
        params,
        np.ascontiguousarray(prices, dtype=np.float64),
        np.ascontiguousarray(availability, dtype=np.float64),
        float(capex_factor),
        int(delay),
        lines,
        party_net,
    )
    return lines, party_net


def run_single(inputs: ModelInputs, prices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Run one path with the scenario's delay, overrun and availability and the given price paths.

    Parameters
    ----------
    inputs
        The compiled case and scenario.
    prices
        (C, T) price of each commodity [US$ per payable unit].

    Returns
    -------
    lines
        (N_LINES, T) the annual table.
    party_net
        (P, T) each party's net equity cash flow [US$m].
    """
    availability = np.full(inputs.n_years, inputs.availability)
    return run_with(inputs.params, prices, availability, inputs.capex_factor, inputs.delay)


ALL_COMMODITIES = -1
"""``commodity`` of :func:`run_price_factors` and :func:`price_factor_root` that scales every price together."""
PRICE_ROOT_FOUND, PRICE_ROOT_NONE, PRICE_ROOT_INVALID, PRICE_ROOT_UNCONVERGED = 0, 1, 2, 3
"""Outcomes of :func:`_price_factor_root`: a root; the NPV has the same sign (or is not finite) at both ends of
the range; the search cannot run (both ends' values have the same sign bit, or a NaN is met); no convergence
within the steps allowed."""
PRICE_ROOT_RTOL = 4 * float(np.finfo(float).eps)
"""Relative tolerance of the search (scipy's default and smallest) [-]."""
PRICE_ROOT_MAXITER = 100
"""Most steps of the search (scipy's default) [-]."""


@jit
def _run_scaled(
    params: kernel.Params,
    prices: F64,
    commodity: int,
    factor: float,
    availability: F64,
    capex_factor: float,
    delay: int,
    out: F64,
    party_net: F64,
) -> None:
    """One path with one commodity's prices (or all, ``ALL_COMMODITIES``) multiplied by ``factor``."""
    scaled = prices.copy()
    if commodity == ALL_COMMODITIES:
        scaled *= factor
    else:
        scaled[commodity] *= factor
    kernel.run_path(params, scaled, availability, capex_factor, delay, out, party_net)


@jit
def _run_price_factors(
    params: kernel.Params,
    prices: F64,
    commodity: int,
    factors: F64,
    availability: F64,
    capex_factor: float,
    delay: int,
    out: F64,
    party_net: F64,
) -> None:
    """:func:`_run_scaled` at each of ``factors``, into ``out[j]`` and ``party_net[j]``."""
    for j in range(factors.shape[0]):
        _run_scaled(params, prices, commodity, factors[j], availability, capex_factor, delay, out[j], party_net[j])


def run_price_factors(
    inputs: ModelInputs, factors: np.ndarray, commodity: int = ALL_COMMODITIES
) -> tuple[np.ndarray, np.ndarray]:
    """Run the model once per price factor, as :func:`run_single` with the prices multiplied by the factor.

    Parameters
    ----------
    inputs
        The compiled case and scenario (delay, overrun and availability as in the scenario).
    factors
        (F,) multipliers on the prices [-].
    commodity
        Index of the commodity whose prices are multiplied, or :data:`ALL_COMMODITIES`.

    Returns
    -------
    lines
        (F, N_LINES, T) the annual table of each run.
    party_net
        (F, P, T) each party's net equity cash flow in each run [US$m].
    """
    n, runs = inputs.n_years, len(factors)
    lines = np.zeros((runs, kernel.N_LINES, n))
    party_net = np.zeros((runs, inputs.params.stakes.party_level.shape[0], n))
    _run_price_factors(
        inputs.params,
        np.ascontiguousarray(inputs.prices, dtype=np.float64),
        int(commodity),
        np.ascontiguousarray(factors, dtype=np.float64),
        np.full(n, inputs.availability),
        float(inputs.capex_factor),
        int(inputs.delay),
        lines,
        party_net,
    )
    return lines, party_net


@jit
def _line_npv_at(
    params: kernel.Params,
    prices: F64,
    commodity: int,
    factor: float,
    availability: F64,
    capex_factor: float,
    delay: int,
    line: int,
    factors: F64,
    out: F64,
    party_net: F64,
) -> float:
    """NPV of one line of the annual table with one commodity's prices (or all) scaled by ``factor``."""
    _run_scaled(params, prices, commodity, factor, availability, capex_factor, delay, out, party_net)
    return discounted_sum(out[line], factors)


@jit
def _price_factor_root(
    params: kernel.Params,
    prices: F64,
    commodity: int,
    availability: F64,
    capex_factor: float,
    delay: int,
    line: int,
    factors: F64,
    low: float,
    high: float,
    xtol: float,
) -> tuple[float, int]:
    """The price factor in ``[low, high]`` where the line's NPV is zero, and the outcome (``PRICE_ROOT_*``)."""
    n = availability.shape[0]
    out = np.zeros((kernel.N_LINES, n))
    party_net = np.zeros((params.stakes.party_level.shape[0], n))
    f_low = _line_npv_at(
        params, prices, commodity, low, availability, capex_factor, delay, line, factors, out, party_net
    )
    f_high = _line_npv_at(
        params, prices, commodity, high, availability, capex_factor, delay, line, factors, out, party_net
    )
    if not (math.isfinite(f_low) and math.isfinite(f_high)) or f_low * f_high > 0:
        return math.nan, PRICE_ROOT_NONE
    state, status = brent_start(low, f_low, high, f_high)
    if status == BRENT_NO_BRACKET:
        return math.nan, PRICE_ROOT_INVALID
    x = high
    for _ in range(PRICE_ROOT_MAXITER):
        x, done = brent_next(state, xtol, PRICE_ROOT_RTOL)
        if done:
            return x, PRICE_ROOT_FOUND
        value = _line_npv_at(
            params, prices, commodity, x, availability, capex_factor, delay, line, factors, out, party_net
        )
        if math.isnan(value):
            return x, PRICE_ROOT_INVALID
        brent_store(state, value)
    return x, PRICE_ROOT_UNCONVERGED


def price_factor_root(
    inputs: ModelInputs,
    line: int,
    rate: float,
    commodity: int = ALL_COMMODITIES,
    low: float = 0.01,
    high: float = 20.0,
    xtol: float = 1e-6,
) -> float:
    """The factor on a commodity's prices (or all prices) at which a line's NPV is zero; NaN when none in range.

    The model runs with the scenario's delay, overrun and availability, as :func:`run_single`; the factor is
    found by Brent's method (:func:`scipy.optimize.brentq` with these tolerances, compiled with the model so a
    search costs one call).

    Parameters
    ----------
    inputs
        The compiled case and scenario.
    line
        Index of the line of the annual table (:class:`chagai.core.Line`).
    rate
        Discount rate of the NPV [1/yr, decimal].
    commodity
        Index of the commodity whose prices are scaled, or :data:`ALL_COMMODITIES`.
    low, high
        The range searched [-].
    xtol
        Absolute tolerance on the factor [-].

    Returns
    -------
    float
        The factor [-]; NaN when the NPV is not finite at both ends of the range or has the same sign at both.

    Raises
    ------
    ValueError
        If the search cannot run: the NPV is NaN inside the range, or tiny values of one sign at both ends.
    RuntimeError
        If the search does not converge.
    """
    availability = np.full(inputs.n_years, inputs.availability)
    factors = kept_discount_factors(float(rate), inputs.n_years)
    factor, outcome = _price_factor_root(
        inputs.params,
        np.ascontiguousarray(inputs.prices, dtype=np.float64),
        int(commodity),
        availability,
        float(inputs.capex_factor),
        int(inputs.delay),
        int(line),
        factors,
        float(low),
        float(high),
        float(xtol),
    )
    if outcome == PRICE_ROOT_INVALID:
        msg = f"the search for the price factor cannot run (near {factor}): a NaN NPV, or no sign change"
        raise ValueError(msg)
    if outcome == PRICE_ROOT_UNCONVERGED:
        msg = f"the search for the price factor did not converge in {PRICE_ROOT_MAXITER} steps"
        raise RuntimeError(msg)
    return float(factor)
