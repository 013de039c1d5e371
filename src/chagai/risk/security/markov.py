"""Maximum-likelihood fit of a two-state (calm / conflict-active) yearly Markov chain to the years of a conflict."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from chagai.errors import InputError, Issue


@dataclass(frozen=True, eq=False)
class MarkovFit:
    """Maximum-likelihood fit of a two-state (calm / active) yearly Markov chain.

    Parameters
    ----------
    p_calm_to_active
        Estimated probability that a calm year is followed by an active one; NaN if no calm year has a successor
        [1/yr].
    p_active_to_calm
        Estimated probability that an active year is followed by a calm one; NaN if no active year has a
        successor [1/yr].
    counts
        ``(2, 2)`` transition counts, row = state in year t, column = state in year t + 1, state 0 = calm,
        1 = active (read-only) [transitions].
    stationary_active
        Long-run share of active years of the fitted chain; NaN if undefined [-].
    n_transitions
        Number of year-to-year transitions, ``last_year - first_year`` [-].
    first_year, last_year
        The window fitted [yr].
    pseudocount
        Count added to each cell before the fit (0 = plain maximum likelihood) [transitions].
    std_error_calm_to_active, std_error_active_to_calm
        Binomial standard errors ``sqrt(p (1 - p) / n)`` of the two probabilities [1/yr].
    notes
        What the fit had to report: zero counts, boundary estimates, years outside the window.
    """

    p_calm_to_active: float
    p_active_to_calm: float
    counts: npt.NDArray[np.int64]
    stationary_active: float
    n_transitions: int
    first_year: int
    last_year: int
    pseudocount: float
    std_error_calm_to_active: float
    std_error_active_to_calm: float
    notes: tuple[str, ...]


def fit_markov(active_years: set[int], first_year: int, last_year: int, *, pseudocount: float = 0.0) -> MarkovFit:
    """Fit a two-state yearly Markov chain to the years a conflict was active, by maximum likelihood.

    Every year from ``first_year`` to ``last_year`` is active if it is in ``active_years`` and calm otherwise.
    The estimate of each transition probability is its count over the count of years leaving that state
    (``n_ij / n_i``), with ``pseudocount`` added to each of the four cells first (0 by default: the plain maximum
    likelihood). Zero counts are reported in ``notes``: a state never left gives a probability of 0 (a boundary
    estimate, the state absorbing), a state never left from inside the window (only seen in the last year, or not
    at all) gives NaN.

    Parameters
    ----------
    active_years
        Years the conflict was active [yr].
    first_year, last_year
        The window to fit, both included [yr].
    pseudocount
        Count added to each transition cell (0 for maximum likelihood, 0.5 or 1 to shrink away from the
        boundary) [transitions].

    Returns
    -------
    MarkovFit
        The estimates, the counts and the notes.

    Raises
    ------
    InputError
        If the window has fewer than two years or the pseudocount is negative.
    """
    issues: list[Issue] = []
    if last_year <= first_year:
        issues.append(Issue("last_year", last_year, f"a year after first_year {first_year}", "widen the window"))
    if not (math.isfinite(pseudocount) and pseudocount >= 0.0):
        issues.append(Issue("pseudocount", pseudocount, "0 or more", "give 0 for maximum likelihood"))
    if issues:
        raise InputError(issues, origin="fit_markov")
    years = np.arange(first_year, last_year + 1)
    state = np.isin(years, np.fromiter(active_years, dtype=np.int64, count=len(active_years))).astype(np.int64)
    counts = np.zeros((2, 2), dtype=np.int64)
    np.add.at(counts, (state[:-1], state[1:]), 1)
    counts.setflags(write=False)
    notes: list[str] = []
    outside = sorted(y for y in active_years if not first_year <= y <= last_year)
    if outside:
        notes.append(f"{len(outside)} active year(s) outside {first_year}-{last_year} ignored: {outside}")
    cells = counts.astype(np.float64) + pseudocount
    leaving = cells.sum(axis=1)
    names = ("calm", "active")
    estimates: list[float] = []
    errors: list[float] = []
    for i, j in ((0, 1), (1, 0)):
        if leaving[i] == 0.0:
            estimates.append(math.nan)
            errors.append(math.nan)
            notes.append(
                f"no {names[i]} year has a successor in the window: P({names[i]} -> {names[j]}) is undefined (NaN)"
            )
            continue
        p = float(cells[i, j] / leaving[i])
        estimates.append(p)
        errors.append(math.sqrt(p * (1.0 - p) / leaving[i]))
        if counts[i, j] == 0:
            notes.append(
                f"no {names[i]} -> {names[j]} transition in {int(counts[i].sum())} {names[i]} years: "
                + (
                    "the maximum-likelihood estimate is 0 (boundary; the state is absorbing)"
                    if pseudocount == 0.0
                    else f"estimate {p:.4g} comes from the pseudocount {pseudocount:g} alone"
                )
            )
        if counts[i, i] == 0 and counts[i].sum() > 0:
            notes.append(
                f"every {names[i]} year is followed by a {names[j]} year: "
                f"maximum-likelihood P({names[i]} -> {names[j]}) = 1"
            )
    p01, p10 = estimates
    total = p01 + p10
    if math.isnan(total):
        stationary = math.nan
    elif total == 0.0:
        stationary = math.nan
        notes.append("the chain never changes state: the stationary share is undefined (NaN)")
    else:
        stationary = p01 / total
    return MarkovFit(
        p_calm_to_active=p01,
        p_active_to_calm=p10,
        counts=counts,
        stationary_active=stationary,
        n_transitions=int(counts.sum()),
        first_year=first_year,
        last_year=last_year,
        pseudocount=float(pseudocount),
        std_error_calm_to_active=errors[0],
        std_error_active_to_calm=errors[1],
        notes=tuple(notes),
    )
