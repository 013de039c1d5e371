"""Security and schedule risk of Balochistan projects: conflict regime, disruptive events, pauses and overrun.

The model a :class:`SecurityProfile` describes, year by year (year 0 is the first simulated year):

* **regime**: a two-state Markov chain, calm or conflict-active. Year 0 is active with probability
  ``start_active_probability``; afterwards a calm year turns active with probability ``p_calm_to_active`` and an
  active year turns calm with probability ``p_active_to_calm``. The transition probabilities are the maximum
  likelihood fit (:func:`fit_markov`) to the conflict-years of the Balochistan conflict in the UCDP/PRIO Armed
  Conflict Dataset (conflict_id 325; a year with a row, 25+ battle deaths, is active, a year without one calm).
* **events**: a Poisson number of disruptive events touching the project each year, at ``event_rate_calm`` or
  ``event_rate_active``. An event is severe (a direct attack on the site or its camp) with probability
  ``severe_probability`` and then stops the whole output for an exponential number of days with mean
  ``severe_days_mean``; otherwise it is ordinary and cuts ``outage_loss`` of the output for an exponential number of
  days with mean ``outage_days_mean``.
* **pauses**: each construction year brings a project-level pause (board or financing review, withdrawal of
  foreign staff) with probability ``delay_probability_calm`` or ``delay_probability_active``; each pause adds
  ``delay_years`` to the schedule.
* **overrun**: the initial capital cost is multiplied by a lognormal factor, median ``overrun_median``, log standard
  deviation ``overrun_sigma``; its normal score has correlation ``overrun_delay_correlation`` with the standardised
  number of pauses (a Gaussian copula), so delays and overruns come together.

:func:`calibrate_security` builds the two bundled profiles from the shared data (UCDP conflict-years, yearly
counts derived from the Global Terrorism Database) and the fact sheet's labelled estimates; every parameter carries
its provenance, ``source: ...`` (data and method) or ``estimate: ...`` (the reasoning). :func:`write_profiles`
stores them in ``chagai/risk/data/security.yaml``, which :func:`bundled_security_profiles` reads. To refresh the
bundled file after the data change::

    write_profiles(calibrate_security("../shared/data"), bundled_security_path())

The compiled Monte Carlo draws the regime chain path by path (:mod:`chagai.risk.montecarlo`); its tests check
those draws against :func:`active_probability` and :func:`stationary_active`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import yaml
from scipy.special import gammainc
from scipy.stats import poisson

from chagai.errors import MISSING, InputError, Issue, NotFoundError

BoolArray = npt.NDArray[np.bool_]
"""A boolean array."""

UCDP_FILE: Final = "ucdp_prio_acd_v24_1_pakistan.csv"
"""UCDP/PRIO Armed Conflict Dataset v24.1, conflict-years located in Pakistan (in the shared data folder)."""
GTD_FILE: Final = "gtd_pakistan_balochistan_yearly_counts_DERIVED.csv"
"""Yearly Balochistan attack counts derived from the Global Terrorism Database (in the shared data folder)."""

BALOCHISTAN_CONFLICT_ID: Final = 325
"""UCDP conflict_id of the Balochistan conflict (Government of Pakistan vs BLF, BLA, BRA and others)."""
MARKOV_FIRST_YEAR: Final = 1974
"""First year of the regime fit: the first conflict-year of conflict 325 [yr]."""
MARKOV_LAST_YEAR: Final = 2023
"""Last year of the regime fit: the last year UCDP v24.1 covers [yr]."""
GTD_FIRST_YEAR: Final = 2008
"""First full year of the GTD-derived counts (the subset starts in December 2007) [yr]."""
GTD_LAST_YEAR: Final = 2018
"""Last year of the GTD-derived counts [yr]."""

GTD_COLUMNS: Final = (
    "balochistan_attacks",
    "utilities_target_attacks",
    "gas_target_attacks",
    "oil_target_attacks",
    "nkill_sum",
)
"""Count columns of the GTD-derived file, besides ``year``."""

PROFILE_FOR_KIND: Final[Mapping[str, str]] = {"mine": "balochistan-mine", "gas-field": "balochistan-gas"}
"""The security profile each case kind uses."""

PARAMETER_UNITS: Final[Mapping[str, str]] = {
    "p_calm_to_active": "1/yr",
    "p_active_to_calm": "1/yr",
    "start_active_probability": "-",
    "event_rate_calm": "events/yr",
    "event_rate_active": "events/yr",
    "outage_days_mean": "d",
    "outage_loss": "fraction of output",
    "severe_probability": "-",
    "severe_days_mean": "d",
    "delay_probability_calm": "1/construction yr",
    "delay_probability_active": "1/construction yr",
    "delay_years": "yr",
    "overrun_median": "-",
    "overrun_sigma": "-",
    "overrun_delay_correlation": "-",
}
"""Unit of every numeric parameter of :class:`SecurityProfile`, by name."""

PARAMETERS: Final = tuple(PARAMETER_UNITS)
"""Names of the numeric parameters of :class:`SecurityProfile`, in order; each needs a provenance entry."""

_PROBABILITIES: Final = frozenset(
    {
        "p_calm_to_active",
        "p_active_to_calm",
        "start_active_probability",
        "outage_loss",
        "severe_probability",
        "delay_probability_calm",
        "delay_probability_active",
    }
)
_PROVENANCE_PREFIXES: Final = ("source: ", "estimate: ")

# Labelled estimates of the fact sheet (Balochistan extractive projects, sourced fact sheet, March 2026).
FACT_SHEET: Final = "chagai fact sheet 'Balochistan extractive projects' (Mar 2026)"
"""How provenance texts name the fact sheet the estimates come from."""
NOTABLE_EVENTS_PER_YEAR: Final = 1.5
"""Notable attacks a year on mining or Chinese-linked assets in or near Balochistan (fact sheet §6, §7.6: estimate,
range 1.1-3) [events/yr]."""
NOTABLE_EVENTS_2018_2026: Final = 8
"""Notable events touching mining or Chinese-linked assets, Aug 2018 - Feb 2026 (fact sheet §6, §7.6)."""
DIRECT_SITE_ATTACKS_2018_2026: Final = 2
"""Of those, direct attacks on the Chagai projects' staff or camp: the Dalbandin bus bombing of Saindak staff
(11 Aug 2018) and the Nokkundi compound attack (30 Nov - 2 Dec 2025) (fact sheet §6, §1.11)."""
PAUSE_PROBABILITY_PER_YEAR: Final = 0.08
"""Chance a year of a 12-month development delay (fact sheet §6, §7.6: estimate, range 0.05-0.15) [1/yr]."""
PHASE1_CAPEX_FS: Final = 5.57
"""Reko Diq Phase 1 capex, feasibility study (Dow Jones citing the technical report, Apr 2025; H) [US$bn]."""
PHASE1_CAPEX_LENDERS: Final = 7.7
"""Reko Diq Phase 1 cost revised by the lenders (Profit / Pakistan Today, 28 Nov 2025; M) [US$bn]."""


# --------------------------------------------------------------------------------------------------- profile


@dataclass(frozen=True)
class SecurityProfile:
    """Security and schedule risk of one kind of project in one place.

    Parameters
    ----------
    id
        Name of the profile (``balochistan-mine``) [-].
    description
        What the profile is for, in a sentence [-].
    p_calm_to_active
        Probability that a calm year is followed by a conflict-active year [1/yr].
    p_active_to_calm
        Probability that a conflict-active year is followed by a calm year [1/yr].
    start_active_probability
        Probability that the first simulated year is conflict-active [-].
    event_rate_calm
        Mean number of disruptive events touching the project in a calm year (Poisson) [events/yr].
    event_rate_active
        Mean number of disruptive events touching the project in a conflict-active year (Poisson) [events/yr].
    outage_days_mean
        Mean length of the outage an ordinary event causes (exponential) [d].
    outage_loss
        Share of output lost while an ordinary outage lasts [fraction of output].
    severe_probability
        Share of events that are direct attacks on the site or its camp [-].
    severe_days_mean
        Mean length of the stoppage a direct attack causes, with the whole output lost (exponential) [d].
    delay_probability_calm
        Probability of a project-level pause in a calm construction year [1/construction yr].
    delay_probability_active
        Probability of a project-level pause in a conflict-active construction year [1/construction yr].
    delay_years
        Delay each pause adds to the schedule [yr].
    overrun_median
        Median of the lognormal factor on initial capital cost [-].
    overrun_sigma
        Standard deviation of the log of the overrun factor [-].
    overrun_delay_correlation
        Correlation between the overrun's normal score and the standardised number of pauses [-].
    provenance
        For every numeric parameter, ``"source: ..."`` (data and method) or ``"estimate: ..."`` (reasoning).

    Raises
    ------
    InputError
        If a value is out of range or a parameter has no provenance; every problem is listed.
    """

    id: str
    description: str
    p_calm_to_active: float
    p_active_to_calm: float
    start_active_probability: float
    event_rate_calm: float
    event_rate_active: float
    outage_days_mean: float
    outage_loss: float
    severe_probability: float
    severe_days_mean: float
    delay_probability_calm: float
    delay_probability_active: float
    delay_years: float
    overrun_median: float
    overrun_sigma: float
    overrun_delay_correlation: float
    provenance: dict[str, str] = field(hash=False)

    def __post_init__(self) -> None:
        issues = _profile_issues(self)
        if issues:
            raise InputError(issues, origin=f"security profile {self.id!r}")

    def units(self, name: str) -> str:
        """Unit of the parameter ``name`` (see :data:`PARAMETER_UNITS`)."""
        return PARAMETER_UNITS[name]

    def values(self) -> dict[str, float]:
        """The numeric parameters, by name, in the order of :data:`PARAMETERS`."""
        return {name: float(getattr(self, name)) for name in PARAMETERS}


def _profile_issues(profile: SecurityProfile) -> list[Issue]:
    issues: list[Issue] = []
    if not profile.id:
        issues.append(Issue("id", profile.id, "a non-empty name", "name the profile"))
    for name in PARAMETERS:
        value = getattr(profile, name)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            issues.append(Issue(name, value, "a finite number", f"give {name} as a number [{PARAMETER_UNITS[name]}]"))
            continue
        if name in _PROBABILITIES and not 0.0 <= value <= 1.0:
            issues.append(Issue(name, value, "a probability in [0, 1]", "give a decimal (0.08 for 8%)"))
        elif name == "overrun_delay_correlation" and not -1.0 <= value <= 1.0:
            issues.append(Issue(name, value, "a correlation in [-1, 1]", "give a correlation coefficient"))
        elif name == "overrun_median" and value <= 0.0:
            issues.append(Issue(name, value, "a factor above 0", "give the median factor (1.15 for +15%)"))
        elif value < 0.0:
            issues.append(Issue(name, value, f"0 or more [{PARAMETER_UNITS[name]}]", "give a non-negative value"))
    provenance = profile.provenance if isinstance(profile.provenance, dict) else {}
    for name in PARAMETERS:
        text = provenance.get(name, MISSING)
        if text is MISSING:
            issues.append(
                Issue(f"provenance.{name}", MISSING, "'source: ...' or 'estimate: ...'", "say where it comes from")
            )
        elif not isinstance(text, str) or not text.startswith(_PROVENANCE_PREFIXES) or len(text.split()) < 3:
            issues.append(
                Issue(
                    f"provenance.{name}",
                    text,
                    "text starting 'source: ' (data and method) or 'estimate: ' (reasoning)",
                    "prefix the text and give the data or the reasoning",
                )
            )
    for name in sorted(set(provenance) - set(PARAMETERS)):
        issues.append(Issue(f"provenance.{name}", provenance[name], "a parameter name", "remove it or fix the name"))
    return issues


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

    Mean rate x (severe share x severe days + ordinary share x ordinary days x loss) / 365.25, ignoring overlaps
    and the cap at a whole year.
    """
    days = (
        profile.severe_probability * profile.severe_days_mean
        + (1.0 - profile.severe_probability) * profile.outage_days_mean * profile.outage_loss
    )
    return mean_event_rate(profile) * days / 365.25


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


# ---------------------------------------------------------------------------------------------------- readers


def load_ucdp_active_years(path: str | Path, conflict_id: int = BALOCHISTAN_CONFLICT_ID) -> set[int]:
    """Years a UCDP/PRIO conflict was active (had a conflict-year row, 25+ battle deaths).

    Parameters
    ----------
    path
        A UCDP/PRIO Armed Conflict Dataset CSV (columns ``conflict_id`` and ``year`` at least).
    conflict_id
        The UCDP conflict (325 is the Balochistan conflict).

    Raises
    ------
    InputError
        If the columns are missing or the conflict has no row.
    """
    table = pd.read_csv(path)
    missing = [c for c in ("conflict_id", "year") if c not in table.columns]
    if missing:
        raise InputError(
            [Issue(c, MISSING, "a UCDP/PRIO column", "give the UCDP/PRIO Armed Conflict Dataset CSV") for c in missing],
            origin=str(path),
        )
    years = table.loc[table["conflict_id"] == conflict_id, "year"]
    if years.empty:
        known = ", ".join(str(c) for c in sorted(table["conflict_id"].unique()))
        raise InputError(
            [Issue("conflict_id", conflict_id, f"a conflict in the file ({known})", "choose a listed conflict_id")],
            origin=str(path),
        )
    return {int(y) for y in years}


def load_attack_counts(path: str | Path) -> pd.DataFrame:
    """Yearly attack counts derived from the Global Terrorism Database, indexed by year.

    Columns: ``balochistan_attacks`` (all attacks in Balochistan), ``utilities_target_attacks``,
    ``gas_target_attacks``, ``oil_target_attacks`` [attacks/yr] and ``nkill_sum`` [deaths/yr].

    Raises
    ------
    InputError
        If a column is missing or a count is not a whole number of 0 or more.
    """
    table = pd.read_csv(path)
    issues = [
        Issue(c, MISSING, "a column of the GTD-derived counts", "give the GTD-derived yearly counts CSV")
        for c in ("year", *GTD_COLUMNS)
        if c not in table.columns
    ]
    if issues:
        raise InputError(issues, origin=str(path))
    counts = table.set_index("year")[list(GTD_COLUMNS)]
    for column in GTD_COLUMNS:
        values = pd.to_numeric(counts[column], errors="coerce")
        bad = values.isna() | (values < 0) | (values % 1 != 0)
        if bad.any():
            year = bad[bad].index[0]
            issues.append(Issue(f"{column}[{year}]", counts.at[year, column], "a count of 0 or more", "fix the row"))
    if issues:
        raise InputError(issues, origin=str(path))
    counts = counts.astype(np.int64)
    counts.index = counts.index.astype(np.int64)
    return counts.sort_index()


@dataclass(frozen=True)
class RegimeMeans:
    """Mean yearly count of a series in calm and in conflict-active years.

    Parameters
    ----------
    column
        The count column [-].
    mean_calm, mean_active
        Mean count in calm / active years (the Poisson maximum-likelihood rate) [events/yr].
    years_calm, years_active
        The years behind each mean [yr].
    """

    column: str
    mean_calm: float
    mean_active: float
    years_calm: tuple[int, ...]
    years_active: tuple[int, ...]

    @property
    def ratio(self) -> float:
        """Active over calm mean [-]."""
        return self.mean_active / self.mean_calm


def regime_means(
    counts: pd.DataFrame, column: str, active_years: Iterable[int], first_year: int, last_year: int
) -> RegimeMeans:
    """Mean of ``counts[column]`` over the active and over the calm years of ``first_year..last_year``.

    Raises
    ------
    InputError
        If a year of the window is missing from ``counts``, or either regime has no year in the window.
    """
    active = set(active_years)
    window = list(range(first_year, last_year + 1))
    missing = [y for y in window if y not in counts.index]
    if missing:
        raise InputError([Issue("year", missing, f"every year {first_year}-{last_year}", "use a covered window")])
    series = counts.loc[window, column]
    years_active = tuple(y for y in window if y in active)
    years_calm = tuple(y for y in window if y not in active)
    if not years_active or not years_calm:
        raise InputError(
            [Issue("years", window, "both calm and active years in the window", "widen the window")],
            origin=column,
        )
    return RegimeMeans(
        column=column,
        mean_calm=float(series.loc[list(years_calm)].mean()),
        mean_active=float(series.loc[list(years_active)].mean()),
        years_calm=years_calm,
        years_active=years_active,
    )


def split_by_regime(long_run_mean: float, ratio: float, stationary: float) -> tuple[float, float]:
    """Calm and active values with ``active = ratio x calm`` whose long-run mean is ``long_run_mean``.

    ``calm = long_run_mean / (1 - pi + pi ratio)`` with ``pi`` the stationary share of active years.
    """
    calm = long_run_mean / (1.0 - stationary + stationary * ratio)
    return calm, ratio * calm


# ------------------------------------------------------------------------------------------------ calibration


def _years_text(years: Iterable[int]) -> str:
    """``1974-77, 2004, 2006-09`` style list of years."""
    ordered = sorted(years)
    runs: list[list[int]] = []
    for y in ordered:
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(f"{r[0]}" if len(r) == 1 else f"{r[0]}-{r[-1] % 100:02d}" for r in runs)


def calibrate_security(data_dir: str | Path) -> dict[str, SecurityProfile]:
    """Calibrate the bundled profiles from the shared data and the fact sheet's labelled estimates.

    * ``balochistan-mine`` (Reko Diq, Saindak): regime chain fitted to UCDP conflict 325 over 1974-2023; event
      rates in the ratio of the GTD-derived all-attack means in active and calm years (2008-2018), at a level whose
      long-run mean is the fact sheet's 1.5 notable events a year; pauses with the same ratio and a long-run mean
      of 8% a year; overrun median 1.15.
    * ``balochistan-gas`` (Sui): the same chain; event rates = mean GTD-derived gas-infrastructure attacks in
      active and calm years; short partial outages; no construction pauses; overrun as for sustaining capital.

    Parameters
    ----------
    data_dir
        Folder holding :data:`UCDP_FILE` and :data:`GTD_FILE`.

    Returns
    -------
    dict
        The profiles by id.
    """
    folder = Path(data_dir)
    active = load_ucdp_active_years(folder / UCDP_FILE, BALOCHISTAN_CONFLICT_ID)
    fit = fit_markov(active, MARKOV_FIRST_YEAR, MARKOV_LAST_YEAR)
    if fit.notes or not math.isfinite(fit.stationary_active):
        raise InputError(
            [
                Issue(
                    "conflict_id 325", sorted(active), "years with both regimes entered and left", "; ".join(fit.notes)
                )
            ],
            origin=str(folder / UCDP_FILE),
        )
    counts = load_attack_counts(folder / GTD_FILE)
    all_attacks = regime_means(counts, "balochistan_attacks", active, GTD_FIRST_YEAR, GTD_LAST_YEAR)
    gas_attacks = regime_means(counts, "gas_target_attacks", active, GTD_FIRST_YEAR, GTD_LAST_YEAR)
    pi = fit.stationary_active
    (n_cc, n_ca), (n_ac, n_aa) = (int(x) for x in fit.counts[0]), (int(x) for x in fit.counts[1])
    n_calm, n_active = n_cc + n_ca, n_ac + n_aa
    lam = 1.0 - fit.p_calm_to_active - fit.p_active_to_calm
    p_2026 = pi + (1.0 - pi) * lam**3

    ucdp = (
        "UCDP/PRIO Armed Conflict Dataset v24.1 (Davies et al. 2024, J. Peace Research 61(4); Gleditsch et al. 2002; "
        "CC BY 4.0), conflict_id 325 (Government of Pakistan vs Baloch groups, territory Balochistan): a year with a "
        f"conflict-year row (25+ battle deaths) is active ({_years_text(active)}), any other year of "
        f"{MARKOV_FIRST_YEAR}-{MARKOV_LAST_YEAR} calm. Maximum-likelihood two-state Markov chain from the "
        f"{fit.n_transitions} year-to-year transitions (calm->calm {n_cc}, calm->active {n_ca}, "
        f"active->calm {n_ac}, active->active {n_aa}); stationary share of active years {pi:.4f}."
    )
    gtd = (
        "Global Terrorism Database (START), yearly Balochistan counts derived from the Pakistan subset Dec 2007 - "
        f"Dec 2018 (derived aggregates, shared data {GTD_FILE})"
    )
    common: dict[str, str] = {
        "p_calm_to_active": (
            f"source: {ucdp} Calm->active = {n_ca}/{n_calm} calm years with a successor = {fit.p_calm_to_active:.4f} "
            f"(binomial s.e. {fit.std_error_calm_to_active:.3f})."
        ),
        "p_active_to_calm": (
            f"source: {ucdp} Active->calm = {n_ac}/{n_active} active years with a successor = "
            f"{fit.p_active_to_calm:.4f} (binomial s.e. {fit.std_error_active_to_calm:.3f})."
        ),
        "start_active_probability": (
            "estimate: 1.0. The fitted chain is active in its last data year (2023), and the fact sheet (§6) lists "
            "major insurgent attacks in each of 2024, 2025 and 2026: the BLA's coordinated attacks of 25-26 Aug 2024 "
            "(74+ killed, 21+ militants; Wikipedia, 'August 2024 Balochistan attacks'), the Jaffar Express "
            "hijacking (Mar 2025; The Diplomat), the BLF attack on the Nokkundi compound housing Reko Diq and "
            "Saindak staff (30 Nov - 2 Dec 2025; The Balochistan Post, ABP Live) and 'Herof 2.0' (31 Jan - 6 Feb "
            "2026, 36 civilians and 22 security personnel killed on day 1, 216 militants; Global Village Space). "
            "The 2024 and 2026 waves alone are far above UCDP's 25 battle-death threshold for an active year. "
            "The first simulated year (2026) therefore starts conflict-active. Without the 2024-26 evidence the "
            f"chain, three years on from an active 2023, would give {p_2026:.3f}: a sensitivity case."
        ),
    }
    ratio = all_attacks.ratio
    rate_calm, rate_active = split_by_regime(NOTABLE_EVENTS_PER_YEAR, ratio, pi)
    pause_calm, pause_active = split_by_regime(PAUSE_PROBABILITY_PER_YEAR, ratio, pi)
    ratio_text = (
        f"Ratio active/calm = {ratio:.4f} from the {gtd}: all attacks (balochistan_attacks), mean "
        f"{all_attacks.mean_active:.2f} a year in the UCDP-active years {_years_text(all_attacks.years_active)} and "
        f"{all_attacks.mean_calm:.2f} in the calm years {_years_text(all_attacks.years_calm)}."
    )
    mine_prov = {
        **common,
        "event_rate_calm": (
            f"estimate: level from the fact sheet's estimate of about {NOTABLE_EVENTS_PER_YEAR} notable events a "
            "year on mining or Chinese-linked assets in or near Balochistan (§6 and §7.6 estimate_events_per_year, "
            "engineering judgement, range 1.1-3: about 8 events Aug 2018 - Feb 2026, 2-3 a year in 2024-26). "
            f"{ratio_text} Calm rate = {NOTABLE_EVENTS_PER_YEAR} / (1 - pi + pi ratio) with pi = {pi:.4f}, so that "
            f"the long-run mean is {NOTABLE_EVENTS_PER_YEAR} a year: {rate_calm:.4f}."
        ),
        "event_rate_active": (
            f"estimate: the calm rate {rate_calm:.4f} times the active/calm ratio {ratio:.4f} = {rate_active:.4f} "
            f"(long-run mean {NOTABLE_EVENTS_PER_YEAR} a year, the fact sheet's §6/§7.6 estimate). {ratio_text}"
        ),
        "outage_days_mean": (
            "estimate: 7 days, the fact sheet's suggested default stoppage (§6 and §7.6: 'a 7-day stoppage at 50% "
            "throughput loss'; typical stoppages at a producing site 1-7 days: road closures, curfews, staff "
            "lockdowns; highways blocked about 20 h in Aug 2024). The top of the 1-7 day range is kept because a "
            "remote site such as Chagai depends on one road and rail corridor."
        ),
        "outage_loss": (
            "estimate: 0.5, the fact sheet's suggested default (§6 and §7.6, 7 days at 50% throughput loss): the "
            "plant keeps running on stockpiles and the staff on site while movements and supplies stop."
        ),
        "severe_probability": (
            f"estimate: {DIRECT_SITE_ATTACKS_2018_2026}/{NOTABLE_EVENTS_2018_2026} = "
            f"{DIRECT_SITE_ATTACKS_2018_2026 / NOTABLE_EVENTS_2018_2026:.2f}. Of the about "
            f"{NOTABLE_EVENTS_2018_2026} notable events of Aug 2018 - Feb 2026 (fact sheet §6, §7.6), two were "
            "direct attacks on the Chagai projects' staff or camp: the suicide bombing of a Saindak staff bus at "
            "Dalbandin (11 Aug 2018; Dawn, Geo) and the BLF attack on the Nokkundi compound of Reko Diq and Saindak "
            "foreign staff (30 Nov - 2 Dec 2025; The Balochistan Post, ABP Live)."
        ),
        "severe_days_mean": (
            "estimate: 28 days (4 weeks), the middle of the fact sheet's 2-6 weeks of stoppage after a direct "
            "attack on a site or its camp (§6): the Nokkundi siege itself lasted about 36-48 h, the site then needs "
            "clearance, security review and the return of evacuated staff. The whole output is lost meanwhile."
        ),
        "delay_probability_calm": (
            f"estimate: the fact sheet's {PAUSE_PROBABILITY_PER_YEAR:.0%} a year chance of a 12-month development "
            "delay (§6 and §7.6 estimate_p_long_delay_per_year, range 5-15% a year: financing or board reviews, "
            f"withdrawal of foreign staff), split by regime in the same active/calm ratio {ratio:.4f} as the event "
            f"rates and scaled so the long-run mean is {PAUSE_PROBABILITY_PER_YEAR}: calm {pause_calm:.4f}. "
            f"{ratio_text}"
        ),
        "delay_probability_active": (
            f"estimate: calm {pause_calm:.4f} times the active/calm ratio {ratio:.4f} = {pause_active:.4f} (long-run "
            f"mean {PAUSE_PROBABILITY_PER_YEAR}, the fact sheet's §6/§7.6 estimate). Calibration check: the Barrick "
            "review (Feb 2026 - mid-2027) came in an active year. "
            f"{ratio_text}"
        ),
        "delay_years": (
            "estimate: 1 year per pause, the fact sheet's suggested 12-month delay (§6, §7.6; pauses last 6-18 "
            "months). Reference delays: Barrick's board review, Feb 2026 to mid-2027, about 16 months (Barrick / "
            "MarketScreener, Mar 2026); the Saindak smelter shutdown of Nov 2019 - Jul 2020 (winter break and COVID, "
            "not security), about 10 months (The News)."
        ),
        "overrun_median": (
            "estimate: 1.15, the fact sheet's estimate_capex_overrun_factor_post_review (§7.1): in Mar 2026 Barrick "
            "slowed development and warned that capex and timeline could rise 'significantly' (MarketScreener, "
            "mining.com, Mar 2026); applied to the feasibility-study capex the Reko Diq case carries "
            "(US$5.57bn for Phase 1)."
        ),
        "overrun_sigma": (
            f"estimate: ln({PHASE1_CAPEX_LENDERS}/{PHASE1_CAPEX_FS}) / 2 = "
            f"{math.log(PHASE1_CAPEX_LENDERS / PHASE1_CAPEX_FS) / 2:.4f}. The reported Phase 1 figures run from "
            f"US${PHASE1_CAPEX_FS}bn (feasibility study; Dow Jones citing the technical report, Apr 2025) to "
            f"US${PHASE1_CAPEX_LENDERS}bn (lender-revised; Profit / Pakistan Today, 28 Nov 2025) within eight months; "
            "that span is taken as plus or minus one standard deviation of the log factor (P10-P90 of the factor "
            "about 0.93-1.42 around the median 1.15). Cross-check: the standard deviation of the logs of the eight "
            "Phase 1 figures of fact sheet §1.4 (5.57, 5.6, 5.66, 5.7, 6.6, 6.8, 7.48, 7.7) is 0.135; the larger "
            "value is kept because the review flags further rises."
        ),
        "overrun_delay_correlation": (
            "estimate: 0.5. Security pauses raise cost (idle contractors, re-mobilisation, security spend, "
            "inflation of a longer build) and both follow the same conflict; Barrick's Mar 2026 statement ties the "
            "capex and timeline rises together. No data to fit; 0.5 is a middle value (sensitivity 0.3-0.7)."
        ),
    }
    mine = SecurityProfile(
        id="balochistan-mine",
        description=(
            "Mine in Chagai, Balochistan (Reko Diq, Saindak): Balochistan conflict regime, disruptive events on "
            "mining or Chinese-linked assets, construction pauses and capital overrun."
        ),
        p_calm_to_active=fit.p_calm_to_active,
        p_active_to_calm=fit.p_active_to_calm,
        start_active_probability=1.0,
        event_rate_calm=rate_calm,
        event_rate_active=rate_active,
        outage_days_mean=7.0,
        outage_loss=0.5,
        severe_probability=DIRECT_SITE_ATTACKS_2018_2026 / NOTABLE_EVENTS_2018_2026,
        severe_days_mean=28.0,
        delay_probability_calm=pause_calm,
        delay_probability_active=pause_active,
        delay_years=1.0,
        overrun_median=1.15,
        overrun_sigma=math.log(PHASE1_CAPEX_LENDERS / PHASE1_CAPEX_FS) / 2.0,
        overrun_delay_correlation=0.5,
        provenance=mine_prov,
    )

    gas_text = (
        f"{gtd}: gas_target_attacks (attacks on gas infrastructure, 140 over 2008-2018, mostly around Sui, Pir Koh "
        f"and Dera Bugti), mean {gas_attacks.mean_active:.4f} a year in the UCDP-active years "
        f"{_years_text(gas_attacks.years_active)} and {gas_attacks.mean_calm:.4f} in the calm years "
        f"{_years_text(gas_attacks.years_calm)} (Poisson maximum likelihood per regime; ratio "
        f"{gas_attacks.ratio:.2f}). Every attack on gas infrastructure in the province is counted as touching the "
        "Sui field and its lines: an upper bound, as some hit Pir Koh, Loti or distant pipeline sections; the calm "
        "mean rests on three years only."
    )
    gas_prov = {
        **common,
        "event_rate_calm": f"source: {gas_text}",
        "event_rate_active": f"source: {gas_text}",
        "outage_days_mean": (
            "estimate: 2.5 days, the middle of 2-3 days to repair a blown pipeline section or wellhead and restore "
            "flow, within the fact sheet's 1-7 days of stoppage per event at a producing site (§6)."
        ),
        "outage_loss": (
            "estimate: 0.3. Gas-infrastructure attacks are mostly blasts on a pipeline or a wellhead; the field "
            "produces from many wells into more than one transmission line, so one blast cuts part of the output "
            "while it is repaired, not all of it. No published figure; range 0.2-0.5."
        ),
        "severe_probability": (
            "estimate: 0.05. The GTD-derived counts do not say which gas attacks hit the field's plant or camp "
            "rather than a line or a well; about 1 in 20 is taken to be a direct attack on the purification plant "
            "or field installations that stops the field."
        ),
        "severe_days_mean": (
            "estimate: 14 days, the low end of the fact sheet's 2-6 weeks after a direct attack on a site (§6): a "
            "gas plant restarts once secured and repaired, without the withdrawal of a foreign construction staff."
        ),
        "delay_probability_calm": "estimate: 0, a producing field has no construction phase to pause.",
        "delay_probability_active": "estimate: 0, a producing field has no construction phase to pause.",
        "delay_years": "estimate: 0, no construction pauses (see the delay probabilities).",
        "overrun_median": (
            "estimate: 1.0, capital spending at a producing field is sustaining capital (wells, compression) of "
            "known scope: no overrun at the median."
        ),
        "overrun_sigma": (
            "estimate: 0.1, the accuracy of routine sustaining-capital budgets (about plus or minus 10% for one "
            "standard deviation); no Sui figure published."
        ),
        "overrun_delay_correlation": (
            "estimate: 0, there are no construction pauses to correlate with, and the security cost of a producing "
            "field is operating cost."
        ),
    }
    gas = SecurityProfile(
        id="balochistan-gas",
        description=(
            "Producing gas field in Balochistan (Sui, Dera Bugti): Balochistan conflict regime, attacks on gas "
            "pipelines and wellheads, no construction pauses, sustaining-capital overrun."
        ),
        p_calm_to_active=fit.p_calm_to_active,
        p_active_to_calm=fit.p_active_to_calm,
        start_active_probability=1.0,
        event_rate_calm=gas_attacks.mean_calm,
        event_rate_active=gas_attacks.mean_active,
        outage_days_mean=2.5,
        outage_loss=0.3,
        severe_probability=0.05,
        severe_days_mean=14.0,
        delay_probability_calm=0.0,
        delay_probability_active=0.0,
        delay_years=0.0,
        overrun_median=1.0,
        overrun_sigma=0.1,
        overrun_delay_correlation=0.0,
        provenance=gas_prov,
    )
    return {mine.id: mine, gas.id: gas}


# ------------------------------------------------------------------------------------------ bundled YAML file

_HEADER = """\
# Security and schedule risk profiles of chagai (chagai.risk.security.SecurityProfile).
# Generated by chagai.risk.security.calibrate_security from the shared data (UCDP/PRIO ACD v24.1, conflict 325;
# yearly counts derived from the Global Terrorism Database) and the fact sheet's labelled estimates.
# Do not edit by hand: regenerate with
#   write_profiles(calibrate_security("../shared/data"), bundled_security_path())
# Every parameter has its provenance: "source: ..." (data and method) or "estimate: ..." (reasoning).
"""


def profile_document(profile: SecurityProfile) -> dict[str, Any]:
    """The profile as plain data (the form :func:`write_profiles` stores)."""
    return {
        "description": profile.description,
        **profile.values(),
        "provenance": {name: profile.provenance[name] for name in PARAMETERS},
    }


def profile_from_document(profile_id: str, document: Mapping[str, Any], origin: str = "") -> SecurityProfile:
    """Build a profile from the plain data :func:`profile_document` gives.

    Raises
    ------
    InputError
        If a field is missing or unknown, or a value is invalid; every problem is listed.
    """
    expected = {"description", "provenance", *PARAMETERS}
    issues = [
        Issue(f"{profile_id}.{name}", MISSING, f"a value [{PARAMETER_UNITS.get(name, '-')}]", "add it")
        for name in sorted(expected - set(document))
    ]
    issues += [
        Issue(f"{profile_id}.{name}", document[name], "a SecurityProfile field", "remove it or fix the name")
        for name in sorted(set(document) - expected)
    ]
    if issues:
        raise InputError(issues, origin=origin)
    return SecurityProfile(
        id=profile_id,
        description=str(document["description"]),
        provenance=dict(document["provenance"] or {}),
        **{name: document[name] for name in PARAMETERS},
    )


def write_profiles(profiles: Mapping[str, SecurityProfile], path: str | Path) -> None:
    """Write profiles (by id) to a YAML file, with their units and provenance."""
    document = {
        "units": dict(PARAMETER_UNITS),
        "profiles": {pid: profile_document(profiles[pid]) for pid in sorted(profiles)},
    }
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=110)
    Path(path).write_text(_HEADER + text, encoding="utf-8")


def read_profiles(text: str, origin: str = "") -> dict[str, SecurityProfile]:
    """Profiles (by id) from the YAML text :func:`write_profiles` writes.

    Raises
    ------
    InputError
        If the text is not a mapping with ``profiles`` or a profile is invalid.
    """
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError([Issue("", str(exc), "valid YAML", "fix the syntax")], origin=origin) from None
    if not isinstance(document, dict) or not isinstance(document.get("profiles"), dict):
        raise InputError([Issue("profiles", MISSING, "a mapping of profiles by id", "write with write_profiles")])
    return {str(pid): profile_from_document(str(pid), doc, origin) for pid, doc in document["profiles"].items()}


def bundled_security_path() -> Path:
    """Path of the bundled profiles file in the source tree (to regenerate it)."""
    return Path(__file__).resolve().parent / "data" / "security.yaml"


@cache
def _bundled() -> dict[str, SecurityProfile]:
    entry = resources.files("chagai.risk") / "data" / "security.yaml"
    return read_profiles(entry.read_text(encoding="utf-8"), "chagai/risk/data/security.yaml")


def bundled_security_profiles() -> dict[str, SecurityProfile]:
    """The bundled security profiles, by id (read once from ``chagai/risk/data/security.yaml``)."""
    return dict(_bundled())


def security_profile(profile_id: str) -> SecurityProfile:
    """The bundled profile with this id.

    Raises
    ------
    NotFoundError
        If there is none; the message lists the valid ids.
    """
    profiles = _bundled()
    try:
        return profiles[profile_id]
    except KeyError:
        msg = f"unknown security profile {profile_id!r}; valid profiles: {', '.join(sorted(profiles))}"
        raise NotFoundError(msg) from None


def profile_for_case_kind(kind: str) -> SecurityProfile:
    """The bundled profile a case of this kind uses (``mine`` -> balochistan-mine, ``gas-field`` -> balochistan-gas).

    Raises
    ------
    NotFoundError
        If the kind has no profile; the message lists the kinds and their profiles.
    """
    try:
        return security_profile(PROFILE_FOR_KIND[kind])
    except KeyError:
        valid = ", ".join(f"{k} -> {v}" for k, v in sorted(PROFILE_FOR_KIND.items()))
        msg = f"no security profile for case kind {kind!r}; valid kinds and profiles: {valid}"
        raise NotFoundError(msg) from None
