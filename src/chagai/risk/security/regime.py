"""The conflict regime of a profile: chance of a conflict-active year, and long-run means over the regimes."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from chagai.risk.security.profile import SecurityProfile


def stationary_active(profile: SecurityProfile) -> float:
    """Long-run share of conflict-active years of the profile's regime chain [-].

    ``p_calm_to_active / (p_calm_to_active + p_active_to_calm)``; a chain that never changes state keeps its start,
    so then the result is ``start_active_probability``.
    """
    total = profile.p_calm_to_active + profile.p_active_to_calm
    if total == 0.0:
        return profile.start_active_probability
    return profile.p_calm_to_active / total


def active_probability(profile: SecurityProfile, years: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Probability that year ``t`` (0 = the first simulated year) is conflict-active [-].

    ``pi + (p0 - pi) * (1 - p01 - p10) ** t``, with ``pi`` the stationary share and ``p0`` the start probability.
    """
    t = np.asarray(years, dtype=np.float64)
    pi = stationary_active(profile)
    lam = 1.0 - profile.p_calm_to_active - profile.p_active_to_calm
    return np.asarray(pi + (profile.start_active_probability - pi) * np.power(lam, t), dtype=np.float64)


def mean_event_rate(profile: SecurityProfile) -> float:
    """Long-run mean number of events a year [events/yr]."""
    pi = stationary_active(profile)
    return pi * profile.event_rate_active + (1.0 - pi) * profile.event_rate_calm


def mean_delay_probability(profile: SecurityProfile) -> float:
    """Long-run mean probability of a pause per construction year [1/construction yr]."""
    pi = stationary_active(profile)
    return pi * profile.delay_probability_active + (1.0 - pi) * profile.delay_probability_calm
