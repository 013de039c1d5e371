"""The security profile: the parameters of a project's security and schedule risk, with units and provenance."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from chagai.errors import MISSING, InputError, Issue

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

PROVENANCE_PREFIXES: Final = ("source: ", "estimate: ")
"""How a provenance text starts: ``source: `` (data and method) or ``estimate: `` (reasoning)."""

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
        elif not isinstance(text, str) or not text.startswith(PROVENANCE_PREFIXES) or len(text.split()) < 3:
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
