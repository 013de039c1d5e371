"""The simulate service: a project, a scenario and risk settings in, distributions of every answer out."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from chagai import __version__, results
from chagai.cases.compile import Scenario
from chagai.cases.io import case_hash
from chagai.errors import InputError, Issue, NotFoundError
from chagai.registry.db import Registry
from chagai.results import RiskSettings, Simulation
from chagai.risk import montecarlo
from chagai.risk.inputs import risk_inputs
from chagai.risk.prices import PriceModels, bundled_price_models
from chagai.risk.security import SecurityProfile, bundled_security_profiles, profile_for_case_kind
from chagai.risk.summary import draws_table, path_values, summarise, valid_paths
from chagai.services.inputs import ProjectRef, compiled_case

__all__ = ["check_settings", "max_threads", "path_values", "save_draws", "simulate"]


def max_threads() -> int:
    """Threads a run may use at most (numba's thread count)."""
    return montecarlo.max_threads()


def check_settings(settings: RiskSettings) -> None:
    """Refuse risk settings that name an unknown security profile.

    Raises
    ------
    InputError
        If ``settings.profile`` is not a bundled security profile.
    """
    profiles = bundled_security_profiles()
    if settings.profile is not None and settings.profile not in profiles:
        valid = ", ".join(sorted(profiles))
        raise InputError([Issue("risk.profile", settings.profile, f"one of {valid}", "choose a profile or omit it")])


def _security_profile(settings: RiskSettings, case_kind: str) -> SecurityProfile:
    """The profile ``settings`` name, else the bundled one for the case's kind."""
    profiles = bundled_security_profiles()
    if settings.profile is None:
        return profile_for_case_kind(case_kind)
    if settings.profile in profiles:
        return profiles[settings.profile]
    msg = f"unknown security profile {settings.profile!r}; valid profiles: {', '.join(sorted(profiles))}"
    raise NotFoundError(msg)


def simulate(
    project: ProjectRef,
    n_paths: int = 10_000,
    seed: int = 7,
    scenario: Scenario | None = None,
    settings: RiskSettings | None = None,
    chunk_size: int = 100_000,
    threads: int | None = None,
    progress: Callable[[int, int], Any] | None = None,
    price_models: PriceModels | None = None,
    profile: SecurityProfile | None = None,
    irr_sample: int = 20_000,
    *,
    overrides: Mapping[str, Any] | None = None,
    registry: Registry | None = None,
) -> Simulation:
    """Monte Carlo of the whole annual model of a project (see :mod:`chagai.risk.montecarlo`).

    Parameters
    ----------
    project
        A case, or the id, name or alias of a project in the registry.
    n_paths, seed
        Number of paths and the seed (the same seed gives the same result, whatever the chunks and threads).
    scenario, overrides
        The scenario and input changes the case is compiled under (:func:`chagai.services.inputs.compiled_case`).
    settings
        Which risks are drawn (default: all, prices trending at the deck).
    chunk_size, threads, progress
        Paths per chunk (memory), threads (default: all), and a callback given the paths done and the total.
    price_models, profile
        Calibrated price models and security profile (default: the bundled ones, the profile for the case's kind
        or the one ``settings`` names).
    irr_sample
        Valid paths whose IRRs are computed (an IRR per path costs a root search).
    registry
        Where a project name is looked up (default: the configured registry).
    """
    settings = settings or RiskSettings()
    compiled = compiled_case(project, scenario, overrides, registry)
    models = price_models if price_models is not None else bundled_price_models()
    if profile is None and (settings.security or settings.schedule):
        profile = _security_profile(settings, compiled.case.kind)
    drawn_models = models if settings.prices else None
    inputs = risk_inputs(compiled, settings, drawn_models, profile)
    arrays = montecarlo.run_simulation(
        compiled.params,
        np.ascontiguousarray(compiled.prices),
        inputs,
        compiled.scenario.discount_rate,
        compiled.valuation_year,
        n_paths,
        seed,
        chunk_size=chunk_size,
        threads=threads,
        progress=progress,
    )
    summary = summarise(compiled, arrays, inputs, seed, irr_sample)
    case, chosen = compiled.case, compiled.scenario
    basis = (
        f"{arrays.n_paths:,} paths, seed {arrays.seed}; NPV at {chosen.discount_rate:.0%} real "
        f"{case.money.base_year} US$m, year 0 = {compiled.valuation_year}"
    )
    simulation = Simulation(
        project=results.ProjectName(id=case.id, name=case.name),
        chagai_version=__version__,
        inputs_hash=case_hash(case),
        seed=arrays.seed,
        paths=arrays.n_paths,
        chunk_size=arrays.chunk_size,
        threads=arrays.threads,
        wall_seconds=arrays.wall_seconds,
        risk=settings,
        security_profile=profile.id if profile else None,
        basis=basis,
        **summary._asdict(),
    )
    return simulation.keep_run(compiled, arrays, valid_paths(arrays), profile, drawn_models)


def save_draws(simulation: Simulation, path: Path) -> Path:
    """Write every path's inputs and results to a parquet file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draws_table(simulation.compiled, simulation.arrays).to_parquet(path, index=False)
    return path
