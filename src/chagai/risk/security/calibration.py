"""Calibration of the bundled security profiles from the conflict data and ``security-calibration.yaml``.

The data file (:func:`bundled_calibration_path`) holds what is not fitted: the third-party files and windows to fit,
the sourced figures and labelled estimates, each with its provenance, the value or the derivation of every profile
parameter, and the provenance texts. Texts are templates: ``{name}`` or ``{name:format}`` is replaced by a figure,
another text or one of the :data:`PLACEHOLDERS` the calibration computes:

* the regime chain: the maximum-likelihood fit (:func:`~chagai.risk.security.markov.fit_markov`) to the years the
  UCDP/PRIO conflict was active, its transition counts and its stationary share;
* the attack rates: the mean GTD-derived attack counts in the conflict-active and the calm years
  (:func:`regime_means`), all attacks and attacks on gas infrastructure;
* values derived from these and the figures: event rates and pause probabilities split by regime at a long-run mean
  (:func:`split_by_regime`), the share of direct attacks, the spread of the capital overrun.

A parameter written ``derived: name`` takes the value of that name (one of :data:`DERIVED`).
"""

from __future__ import annotations

import math
import string
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from graphlib import CycleError, TopologicalSorter
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Final, Literal

import pandas as pd
from pydantic import AfterValidator, BaseModel, ConfigDict, FiniteFloat, StrictInt, ValidationError, model_validator

from chagai.cases.io import parse_yaml
from chagai.cases.issues import issues_from_validation
from chagai.cases.schema import invalid
from chagai.errors import MISSING, InputError, Issue
from chagai.risk.security.markov import fit_markov
from chagai.risk.security.profile import PARAMETER_UNITS, PARAMETERS, PROVENANCE_PREFIXES, SecurityProfile
from chagai.risk.security.readers import load_attack_counts, load_ucdp_active_years

DerivedName = Literal[
    "p_calm_to_active",
    "p_active_to_calm",
    "stationary_active",
    "start_active_from_chain",
    "attacks_mean_calm",
    "attacks_mean_active",
    "attack_ratio",
    "gas_attacks_mean_calm",
    "gas_attacks_mean_active",
    "gas_attack_ratio",
    "notable_rate_calm",
    "notable_rate_active",
    "pause_probability_calm",
    "pause_probability_active",
    "direct_attack_share",
    "capex_span_sigma",
]
"""Name of a value the calibration derives, which a parameter may take with ``derived: name``."""

DERIVED: Final[tuple[str, ...]] = typing.get_args(DerivedName)
"""The values the calibration derives (see :func:`derived_values`)."""

PLACEHOLDERS: Final[tuple[str, ...]] = (
    *DERIVED,
    "conflict_id",
    "first_year",
    "last_year",
    "active_years",
    "n_transitions",
    "n_calm_calm",
    "n_calm_active",
    "n_active_calm",
    "n_active_active",
    "n_calm",
    "n_active",
    "std_error_calm_to_active",
    "std_error_active_to_calm",
    "attacks_file",
    "attacks_years_calm",
    "attacks_years_active",
    "gas_attacks_years_calm",
    "gas_attacks_years_active",
)
"""Names a text may use besides the figures and the texts (see :func:`derived_values`)."""

FIGURES: Final = (
    "notable_events_per_year",
    "notable_events_2018_2026",
    "direct_site_attacks_2018_2026",
    "pause_probability_per_year",
    "phase1_capex_feasibility",
    "phase1_capex_lenders",
)
"""Figures the derivations use, each needed in the data file.

``notable_events_per_year`` [events/yr] and ``pause_probability_per_year`` [1/yr] are the long-run means the event
rates and pause probabilities are split around; ``direct_site_attacks_2018_2026`` over ``notable_events_2018_2026``
[events] is the share of direct attacks; ``phase1_capex_feasibility`` to ``phase1_capex_lenders`` [US$bn] is the
span taken as plus or minus one standard deviation of the log overrun.
"""

ALL_ATTACKS: Final = "balochistan_attacks"
"""Count column whose active/calm ratio splits the mine's event rates and pause probabilities by regime."""
GAS_ATTACKS: Final = "gas_target_attacks"
"""Count column whose means by regime are the gas field's event rates."""


# --------------------------------------------------------------------------------------------------- data file


def _provenance(text: str) -> str:
    if not text.startswith(PROVENANCE_PREFIXES):
        kind = "provenance"
        raise invalid(
            kind,
            "no provenance",
            {
                "expected": "text starting 'source: ' (data and method) or 'estimate: ' (reasoning)",
                "fix": "prefix the text and give the data or the reasoning",
            },
        )
    return text


Provenance = Annotated[str, AfterValidator(_provenance)]
"""``source: ...`` (data and method) or ``estimate: ...`` (reasoning)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ConflictData(_Strict):
    """The conflict-years the regime chain is fitted to.

    Parameters
    ----------
    file
        The UCDP/PRIO Armed Conflict Dataset extract in the data folder [-].
    description
        What the file holds [-].
    conflict_id
        UCDP conflict_id of the conflict [-].
    conflict
        Who fights whom, in words [-].
    first_year, last_year
        The window of the fit [yr].
    first_simulated_year
        The first year the cases simulate (the chain is run on from ``last_year`` to it for a sensitivity) [yr].
    """

    file: str
    description: str
    conflict_id: int
    conflict: str
    first_year: int
    last_year: int
    first_simulated_year: int


class AttackData(_Strict):
    """The yearly attack counts the event rates are fitted to.

    Parameters
    ----------
    file
        The GTD-derived yearly counts in the data folder [-].
    description
        What the file holds [-].
    first_year, last_year
        The window of the means by regime [yr].
    """

    file: str
    description: str
    first_year: int
    last_year: int


class Figure(_Strict):
    """A sourced figure or a labelled estimate the derivations or the texts use.

    Parameters
    ----------
    value
        The figure [unit].
    unit
        Its unit [-].
    provenance
        ``source: ...`` or ``estimate: ...`` [-].
    """

    value: StrictInt | FiniteFloat
    unit: str
    provenance: Provenance


class ParameterEntry(_Strict):
    """The value of one profile parameter: written here, or derived by the calibration; with its provenance.

    Parameters
    ----------
    value
        The value, in the parameter's unit (:data:`~chagai.risk.security.profile.PARAMETER_UNITS`).
    derived
        Instead of ``value``: the name of the derived value to take (one of :data:`DERIVED`).
    provenance
        Template of the provenance text: ``source: ...`` or ``estimate: ...``.
    """

    value: FiniteFloat | None = None
    derived: DerivedName | None = None
    provenance: Provenance

    @model_validator(mode="after")
    def _value_or_derived(self) -> ParameterEntry:
        if (self.value is None) == (self.derived is None):
            kind = "value_or_derived"
            raise invalid(
                kind,
                "give value or derived",
                {
                    "expected": "exactly one of `value` (a number) and `derived` (a derived value's name)",
                    "fix": "keep the one that says where the value comes from",
                },
            )
        return self


class ProfileCalibration(_Strict):
    """One profile: its description and the parameters it does not share with the others.

    Parameters
    ----------
    description
        What the profile is for, in a sentence [-].
    parameters
        The parameters by name (those not under ``common``).
    """

    description: str
    parameters: dict[str, ParameterEntry]


class SecurityCalibration(_Strict):
    """Everything the calibration of the security profiles takes besides the data (``security-calibration.yaml``).

    Parameters
    ----------
    conflict
        The conflict-years of the regime fit.
    attacks
        The attack counts of the event rates.
    figures
        Sourced figures and labelled estimates, by name (at least :data:`FIGURES`).
    texts
        Text templates by name, for the provenance texts (each may use other texts, not in a circle).
    common
        The parameters every profile shares, by name.
    profiles
        The profiles by id.
    """

    conflict: ConflictData
    attacks: AttackData
    figures: dict[str, Figure]
    texts: dict[str, str]
    common: dict[str, ParameterEntry]
    profiles: dict[str, ProfileCalibration]

    def entries(self, profile_id: str) -> dict[str, ParameterEntry]:
        """The parameters of a profile, common ones included, in the order of :data:`PARAMETERS`."""
        given = {**self.common, **self.profiles[profile_id].parameters}
        return {name: given[name] for name in PARAMETERS}


def _placeholders(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]


def _template_issues(path: str, template: str, known: Iterable[str]) -> list[Issue]:
    valid = set(known)
    try:
        names = _placeholders(template)
    except ValueError as exc:
        return [Issue(path, template, "text with balanced {placeholders}", f"fix the braces ({exc})")]
    return [
        Issue(path, name, "a figure, a text or a derived value", f"use one of {', '.join(sorted(valid))}")
        for name in names
        if name not in valid
    ]


def _coverage_issues(calibration: SecurityCalibration) -> list[Issue]:
    issues: list[Issue] = []
    issues += [
        Issue(f"figures.{name}", MISSING, "a figure the calibration uses", "add it with its value and provenance")
        for name in FIGURES
        if name not in calibration.figures
    ]
    issues += [
        Issue(f"common.{name}", calibration.common[name], "a profile parameter", "remove it or fix the name")
        for name in calibration.common
        if name not in PARAMETER_UNITS
    ]
    for pid, profile in calibration.profiles.items():
        for name in profile.parameters:
            if name not in PARAMETER_UNITS:
                issues.append(
                    Issue(f"profiles.{pid}.parameters.{name}", name, "a profile parameter", "remove it or fix the name")
                )
            elif name in calibration.common:
                issues.append(
                    Issue(f"profiles.{pid}.parameters.{name}", name, "a parameter not under common", "give it once")
                )
        issues += [
            Issue(
                f"profiles.{pid}.parameters.{name}",
                MISSING,
                f"a value or a derivation [{PARAMETER_UNITS[name]}]",
                "add it here or under common",
            )
            for name in PARAMETERS
            if name not in profile.parameters and name not in calibration.common
        ]
    return issues


def text_order(texts: Mapping[str, str]) -> list[str]:
    """The names of ``texts`` in an order that fills every text after the texts it uses.

    Raises
    ------
    InputError
        If texts use each other in a circle.
    """
    uses = {name: {used for used in _placeholders(template) if used in texts} for name, template in texts.items()}
    try:
        return list(TopologicalSorter(uses).static_order())
    except CycleError as exc:
        circle = " -> ".join(exc.args[1])
        issue = Issue("texts", circle, "texts that do not use each other in a circle", "write one of them out")
        raise InputError([issue]) from None


def _all_template_issues(calibration: SecurityCalibration) -> list[Issue]:
    known = [*PLACEHOLDERS, *calibration.figures, *calibration.texts]
    issues: list[Issue] = []
    for name, template in calibration.texts.items():
        issues += _template_issues(f"texts.{name}", template, known)
    for name, entry in calibration.common.items():
        issues += _template_issues(f"common.{name}.provenance", entry.provenance, known)
    for pid, profile in calibration.profiles.items():
        for name, entry in profile.parameters.items():
            issues += _template_issues(f"profiles.{pid}.parameters.{name}.provenance", entry.provenance, known)
    return issues


def read_calibration(text: str, origin: str = "") -> SecurityCalibration:
    """The calibration data from YAML text, checked.

    Raises
    ------
    InputError
        If the text is not valid YAML, a field is missing, unknown or invalid, a parameter is missing or given twice,
        or a text uses an unknown placeholder; every problem is listed with its field path.
    """
    document = parse_yaml(text, origin)
    try:
        calibration = SecurityCalibration.model_validate(document)
    except ValidationError as exc:
        raise InputError(list(issues_from_validation(exc, SecurityCalibration)), origin) from None
    issues = _coverage_issues(calibration) + _all_template_issues(calibration)
    if issues:
        raise InputError(issues, origin)
    try:
        text_order(calibration.texts)
    except InputError as exc:
        raise InputError(exc.issues, origin) from None
    return calibration


def bundled_calibration_path() -> Path:
    """Path of the bundled calibration data file in the source tree."""
    return Path(__file__).resolve().parents[1] / "data" / "security-calibration.yaml"


@cache
def bundled_calibration() -> SecurityCalibration:
    """The bundled calibration data (``chagai/risk/data/security-calibration.yaml``), read once."""
    entry = resources.files("chagai.risk") / "data" / "security-calibration.yaml"
    return read_calibration(entry.read_text(encoding="utf-8"), "chagai/risk/data/security-calibration.yaml")


# ------------------------------------------------------------------------------------------------ derivations


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


def derived_values(data_dir: str | Path, calibration: SecurityCalibration) -> dict[str, Any]:
    """Every value the calibration derives from the data and the figures, by name (:data:`PLACEHOLDERS`).

    Numbers are the values of :data:`DERIVED` and the counts and standard errors of the regime fit; lists of years
    are text (``1974-77, 2004``).

    Raises
    ------
    InputError
        If a data file is missing columns, the regime fit has a boundary or undefined estimate, or a window is not
        covered by the data.
    """
    folder = Path(data_dir)
    conflict, attacks, figures = calibration.conflict, calibration.attacks, calibration.figures
    ucdp = folder / conflict.file
    active = load_ucdp_active_years(ucdp, conflict.conflict_id)
    fit = fit_markov(active, conflict.first_year, conflict.last_year)
    if fit.notes or not math.isfinite(fit.stationary_active):
        raise InputError(
            [
                Issue(
                    f"conflict_id {conflict.conflict_id}",
                    sorted(active),
                    "years with both regimes entered and left",
                    "; ".join(fit.notes),
                )
            ],
            origin=str(ucdp),
        )
    counts = load_attack_counts(folder / attacks.file)
    all_attacks = regime_means(counts, ALL_ATTACKS, active, attacks.first_year, attacks.last_year)
    gas_attacks = regime_means(counts, GAS_ATTACKS, active, attacks.first_year, attacks.last_year)
    pi = fit.stationary_active
    (n_cc, n_ca), (n_ac, n_aa) = (int(x) for x in fit.counts[0]), (int(x) for x in fit.counts[1])
    lam = 1.0 - fit.p_calm_to_active - fit.p_active_to_calm
    ratio = all_attacks.ratio
    notable_calm, notable_active = split_by_regime(figures["notable_events_per_year"].value, ratio, pi)
    pause_calm, pause_active = split_by_regime(figures["pause_probability_per_year"].value, ratio, pi)
    low, high = figures["phase1_capex_feasibility"].value, figures["phase1_capex_lenders"].value
    return {
        "p_calm_to_active": fit.p_calm_to_active,
        "p_active_to_calm": fit.p_active_to_calm,
        "stationary_active": pi,
        "start_active_from_chain": pi + (1.0 - pi) * lam ** (conflict.first_simulated_year - conflict.last_year),
        "attacks_mean_calm": all_attacks.mean_calm,
        "attacks_mean_active": all_attacks.mean_active,
        "attack_ratio": ratio,
        "gas_attacks_mean_calm": gas_attacks.mean_calm,
        "gas_attacks_mean_active": gas_attacks.mean_active,
        "gas_attack_ratio": gas_attacks.ratio,
        "notable_rate_calm": notable_calm,
        "notable_rate_active": notable_active,
        "pause_probability_calm": pause_calm,
        "pause_probability_active": pause_active,
        "direct_attack_share": figures["direct_site_attacks_2018_2026"].value
        / figures["notable_events_2018_2026"].value,
        "capex_span_sigma": math.log(high / low) / 2.0,
        "conflict_id": conflict.conflict_id,
        "first_year": conflict.first_year,
        "last_year": conflict.last_year,
        "active_years": _years_text(active),
        "n_transitions": fit.n_transitions,
        "n_calm_calm": n_cc,
        "n_calm_active": n_ca,
        "n_active_calm": n_ac,
        "n_active_active": n_aa,
        "n_calm": n_cc + n_ca,
        "n_active": n_ac + n_aa,
        "std_error_calm_to_active": fit.std_error_calm_to_active,
        "std_error_active_to_calm": fit.std_error_active_to_calm,
        "attacks_file": attacks.file,
        "attacks_years_calm": _years_text(all_attacks.years_calm),
        "attacks_years_active": _years_text(all_attacks.years_active),
        "gas_attacks_years_calm": _years_text(gas_attacks.years_calm),
        "gas_attacks_years_active": _years_text(gas_attacks.years_active),
    }


def _fill(path: str, template: str, context: Mapping[str, Any]) -> str:
    try:
        return template.format_map(context)
    except (ValueError, TypeError) as exc:
        raise InputError([Issue(path, template, "placeholders with formats that fit their values", str(exc))]) from None


def calibrate_security(
    data_dir: str | Path, calibration: SecurityCalibration | None = None
) -> dict[str, SecurityProfile]:
    """Calibrate the profiles from the data and the calibration file (the bundled one by default).

    With the bundled file:

    * ``balochistan-mine`` (Reko Diq, Saindak): regime chain fitted to UCDP conflict 325 over 1974-2023; event
      rates in the ratio of the GTD-derived all-attack means in active and calm years (2008-2018), at a level whose
      long-run mean is the fact sheet's 1.5 notable events a year; pauses with the same ratio and a long-run mean
      of 8% a year; overrun median 1.15.
    * ``balochistan-gas`` (Sui): the same chain; event rates = mean GTD-derived gas-infrastructure attacks in
      active and calm years; short partial outages; no construction pauses; overrun as for sustaining capital.

    Parameters
    ----------
    data_dir
        Folder holding the files the calibration names (``conflict.file`` and ``attacks.file``).
    calibration
        The calibration data (default: :func:`bundled_calibration`).

    Returns
    -------
    dict
        The profiles by id.

    Raises
    ------
    InputError
        If the data cannot be fitted, a text's format does not fit its value, or a profile is invalid.
    """
    calibration = calibration or bundled_calibration()
    derived = derived_values(data_dir, calibration)
    context: dict[str, Any] = {**derived, **{name: figure.value for name, figure in calibration.figures.items()}}
    for name in text_order(calibration.texts):
        context[name] = _fill(f"texts.{name}", calibration.texts[name], context)
    profiles: dict[str, SecurityProfile] = {}
    for pid, spec in calibration.profiles.items():
        entries = calibration.entries(pid)
        values: dict[str, Any] = {
            name: entry.value if entry.derived is None else float(derived[entry.derived])
            for name, entry in entries.items()
        }
        provenance = {
            name: _fill(f"profiles.{pid}.{name}.provenance", entry.provenance, context)
            for name, entry in entries.items()
        }
        profiles[pid] = SecurityProfile(id=pid, description=spec.description, provenance=provenance, **values)
    return profiles
