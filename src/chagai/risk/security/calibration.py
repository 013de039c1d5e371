"""Calibration of the bundled security profiles from the conflict data and ``security-calibration.yaml``.

:func:`derived_values` computes, from the data and the figures of the calibration file
(:mod:`chagai.risk.security.calibration_file`):

* the regime chain: the maximum-likelihood fit (:func:`~chagai.risk.security.markov.fit_markov`) to the years the
  UCDP/PRIO conflict was active, its transition counts and its stationary share;
* the attack rates: the mean GTD-derived attack counts in the conflict-active and the calm years
  (:func:`regime_means`), all attacks and attacks on gas infrastructure;
* values derived from these and the figures: event rates and pause probabilities split by regime at a long-run mean
  (:func:`split_by_regime`), the share of direct attacks, the spread of the capital overrun.

:func:`calibrate_security` fills the file's texts with them and builds the profiles.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pandas as pd

from chagai.errors import InputError, Issue
from chagai.risk.security.calibration_file import SecurityCalibration, bundled_calibration, text_order
from chagai.risk.security.markov import fit_markov
from chagai.risk.security.profile import SecurityProfile
from chagai.risk.security.readers import load_attack_counts, load_ucdp_active_years

ALL_ATTACKS: Final = "balochistan_attacks"
"""Count column whose active/calm ratio splits the mine's event rates and pause probabilities by regime."""
GAS_ATTACKS: Final = "gas_target_attacks"
"""Count column whose means by regime are the gas field's event rates."""


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
