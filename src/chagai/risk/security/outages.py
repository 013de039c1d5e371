"""Construction pauses and outages of a profile: the exact pause distribution, the tabulated outage totals.

The compiled Monte Carlo (:mod:`chagai.risk.montecarlo`) draws a year's outage total from the table
:func:`outage_quantiles` gives and the number of construction pauses from :func:`pause_distribution`'s moments.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from scipy.special import gammainc
from scipy.stats import poisson

from chagai.core.calendar import DAYS_PER_YEAR
from chagai.risk.security.profile import SecurityProfile
from chagai.risk.security.regime import mean_event_rate


def pause_distribution(
    p_calm_to_active: float,
    p_active_to_calm: float,
    start_active_probability: float,
    delay_probability_calm: float,
    delay_probability_active: float,
    start: int,
    years: int,
) -> npt.NDArray[np.float64]:
    """Exact probability of each number of construction pauses, 0 to ``years``.

    The regime chain starts in year 0 (active with ``start_active_probability``); each of the ``years``
    construction years from year ``start`` brings a pause with the probability of its regime. Computed by
    dynamic programming over (regime, pauses so far).

    Parameters
    ----------
    p_calm_to_active, p_active_to_calm, start_active_probability
        The regime chain [1/yr], [1/yr], [-].
    delay_probability_calm, delay_probability_active
        Probability of a pause in a calm and in an active construction year [1/construction yr].
    start, years
        First construction year index and number of construction years [-], [yr].

    Returns
    -------
    numpy.ndarray
        (years + 1,) probabilities of 0, 1, .. ``years`` pauses [-].
    """
    years = max(0, int(years))
    p_pause = np.array([delay_probability_calm, delay_probability_active], dtype=np.float64)
    dist = np.zeros((2, years + 1))  # [regime, pauses]
    dist[1, 0] = start_active_probability
    dist[0, 0] = 1.0 - start_active_probability
    for t in range(start + years):
        if t > 0:
            calm, active = dist[0].copy(), dist[1].copy()
            dist[1] = active * (1.0 - p_active_to_calm) + calm * p_calm_to_active
            dist[0] = active * p_active_to_calm + calm * (1.0 - p_calm_to_active)
        if t >= start:
            moved = dist * p_pause[:, None]
            dist = dist - moved
            dist[:, 1:] += moved[:, :-1]
    return np.asarray(dist.sum(axis=0), dtype=np.float64)


def expected_output_loss(profile: SecurityProfile) -> float:
    """Long-run expected share of a year's output lost to events [fraction of output].

    Mean rate x (severe share x severe days + ordinary share x ordinary days x loss) / DAYS_PER_YEAR, ignoring overlaps
    and the cap at a whole year.
    """
    days = (
        profile.severe_probability * profile.severe_days_mean
        + (1.0 - profile.severe_probability) * profile.outage_days_mean * profile.outage_loss
    )
    return mean_event_rate(profile) * days / DAYS_PER_YEAR


OUTAGE_TABLE_CELLS = 2048
"""Cells of the tabulated quantile function of a year's outage total (see :func:`outage_quantiles`)."""


@lru_cache(maxsize=64)
def _outage_quantiles(rate: float, cells: int) -> npt.NDArray[np.float64]:
    size = int(rate + 12.0 * math.sqrt(rate) + 20.0)
    top = 40.0 + 4.0 * (rate + math.sqrt(rate))  # P(total > top) is far below 1e-15 for any such rate
    y = np.linspace(0.0, top, 20_001)[1:]
    counts = np.arange(1, size + 1)
    weights = poisson.pmf(counts, rate)
    cdf = math.exp(-rate) + gammainc(counts[:, None], y[None, :]).T @ weights
    cdf = np.maximum.accumulate(np.minimum(cdf, 1.0))
    p = np.arange(cells + 1) / cells
    table = np.interp(p, np.concatenate(([math.exp(-rate)], cdf)), np.concatenate(([0.0], y)))
    table[p <= math.exp(-rate)] = 0.0
    table[cells] = table[cells - 1] + (table[cells - 1] - table[cells - 2])  # not read: the tail is extrapolated
    table.setflags(write=False)
    return table


def outage_quantiles(rate: float, cells: int = OUTAGE_TABLE_CELLS) -> npt.NDArray[np.float64]:
    """The quantile function of a compound Poisson sum of exponential outages, tabulated at p = i / cells.

    A year's total of outage lengths is T = E_1 + ... + E_N, N Poisson with mean ``rate`` [events/yr] and E_i
    standard exponential (lengths in units of their mean). Its distribution function is exactly
    F(t) = exp(-rate) + sum_k Poisson(k; rate) P(k, t) (P the regularised incomplete gamma function); the table
    holds F^-1(i / cells) for i = 0 .. cells, with 0 for every p within the atom P(T = 0) = exp(-rate). The
    Monte Carlo draws T from one uniform number by linear interpolation in the table, and in the last cell by
    exponential extrapolation of the tail (:func:`chagai.risk.rng.from_quantile_table`): no branch on the number
    of events, the same distribution to the table's resolution.

    Parameters
    ----------
    rate
        Mean number of outages a year [events/yr].
    cells
        Number of cells of the table [-].

    Returns
    -------
    numpy.ndarray
        (cells + 1,) quantiles [mean outage lengths].
    """
    if rate <= 0.0:
        return np.zeros(cells + 1)
    return _outage_quantiles(float(rate), cells)
