"""The calibration data file of the security profiles (``security-calibration.yaml``): its model and its checks.

The file holds what the calibration (:mod:`chagai.risk.security.calibration`) does not fit: the third-party files
and windows to fit, the sourced figures and labelled estimates, each with its provenance, the value or the
derivation of every profile parameter, and the provenance texts. Texts are templates: ``{name}`` or
``{name:format}`` is replaced by a figure, another text or one of the :data:`PLACEHOLDERS` the calibration
computes. A parameter written ``derived: name`` takes the value of that name (one of :data:`DERIVED`).
"""

from __future__ import annotations

import string
import typing
from collections.abc import Iterable, Mapping
from functools import cache
from graphlib import CycleError, TopologicalSorter
from importlib import resources
from pathlib import Path
from typing import Annotated, Final, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, FiniteFloat, StrictInt, ValidationError, model_validator

from chagai.cases.io import parse_yaml
from chagai.cases.issues import issues_from_validation
from chagai.cases.schema import invalid
from chagai.errors import MISSING, InputError, Issue
from chagai.risk.security.profile import PARAMETER_UNITS, PARAMETERS, PROVENANCE_PREFIXES

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
"""The values the calibration derives (see :func:`chagai.risk.security.calibration.derived_values`)."""

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
"""Names a text may use besides the figures and the texts (:func:`~chagai.risk.security.calibration.derived_values`)."""

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
