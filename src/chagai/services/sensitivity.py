"""The sensitivity service: what drives a project's answer (tornado, Sobol indices, breakevens, information gap)."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from chagai import results
from chagai.cases.compile import Compiled, Scenario
from chagai.errors import InputError, Issue
from chagai.registry.db import Registry
from chagai.results import (
    BreakevenDistribution,
    Sensitivity,
    Simulation,
    SobolRefusal,
    SobolResult,
    TornadoBar,
)
from chagai.risk.sensitivity.breakeven import BREAKEVEN_BRACKET, breakeven_distribution
from chagai.risk.sensitivity.evaluator import Evaluator
from chagai.risk.sensitivity.info_gap import information_gap
from chagai.risk.sensitivity.outputs import OUTPUT_LABELS, OUTPUTS
from chagai.risk.sensitivity.sobol import sobol
from chagai.risk.sensitivity.tornado import tornado as tornado_bars
from chagai.services.inputs import ProjectRef, compiled_case

__all__ = [
    "BREAKEVEN_BRACKET",
    "OUTPUTS",
    "OUTPUT_LABELS",
    "sensitivity",
    "simulation_breakeven",
    "tornado",
]


def _compiled(
    project: ProjectRef | Compiled,
    scenario: Scenario | None,
    overrides: Mapping[str, Any] | None,
    registry: Registry | None,
) -> Compiled:
    """A compiled case as it is, else the project compiled under the scenario and overrides."""
    if isinstance(project, Compiled):
        return project
    return compiled_case(project, scenario, overrides, registry)


def tornado(
    project: ProjectRef | Compiled,
    scenario: Scenario | None = None,
    overrides: Mapping[str, Any] | None = None,
    registry: Registry | None = None,
    outputs: Sequence[str] = OUTPUTS,
) -> list[TornadoBar]:
    """Tornado bars of a project: each factor at its low and high value, the others at base.

    ``project`` is a case, the id, name or alias of a project in the registry, or a case already compiled (used
    as it is; ``scenario`` and ``overrides`` apply to the others). See :func:`chagai.risk.sensitivity.tornado.tornado`.
    """
    return tornado_bars(_compiled(project, scenario, overrides, registry), outputs)


def simulation_breakeven(simulation: Simulation, n: int = 500, seed: int = 7) -> BreakevenDistribution:
    """Breakeven price distribution over the draws of a Monte Carlo run's non-price risks.

    The run's case, scenario and security profile, and the risks it drew (security outages, delay and overrun);
    see :func:`chagai.risk.sensitivity.breakeven.breakeven_distribution`.
    """
    evaluator = Evaluator(simulation.compiled, profile=simulation.profile)
    risk = simulation.risk
    return breakeven_distribution(evaluator, n, seed, security=risk.security, schedule=risk.schedule)


def sensitivity(
    project: ProjectRef | Compiled,
    scenario: Scenario | None = None,
    overrides: Mapping[str, Any] | None = None,
    registry: Registry | None = None,
    *,
    sobol_n: int = 512,
    seed: int = 7,
    breakeven_draws: int = 500,
    sobol_outputs: Sequence[str] = ("npv_post_tax", "aetr"),
) -> Sensitivity:
    """Every sensitivity analysis of a project (what ``chagai sensitivity`` shows).

    Tornado, Sobol indices of ``sobol_outputs``, the breakeven price distribution and the information gap, on
    the project compiled under the scenario and overrides (or a compiled case, used as it is). A Sobol analysis
    that is refused (an output NaN in some runs, or constant) is kept as the reason, in place of the result.

    Raises
    ------
    InputError
        When ``sobol_n`` is not a power of two.
    """
    if sobol_n < 2 or sobol_n & (sobol_n - 1):
        below = 1 << max(1, int(sobol_n).bit_length() - 1)
        issue = Issue("--sobol-n", sobol_n, "a power of two (Sobol' sequence)", f"use {below} or {2 * below}")
        raise InputError([issue])
    compiled = _compiled(project, scenario, overrides, registry)
    start = time.perf_counter()
    ev = Evaluator(compiled)
    bars = tornado_bars(ev)
    sobols: dict[str, SobolResult | SobolRefusal] = {}
    for output in sobol_outputs:
        try:
            sobols[output] = sobol(ev, output=output, n=sobol_n, seed=seed)
        except InputError as exc:
            sobols[output] = SobolRefusal(refused="; ".join(str(issue) for issue in exc.issues))
    breakeven = breakeven_distribution(ev, n=breakeven_draws, seed=seed)
    gaps = information_gap(ev)
    case = compiled.case
    report = Sensitivity(
        project=results.ProjectName(id=case.id, name=case.name),
        basis=(
            f"US$ million, {case.money.basis} {case.money.base_year} dollars; NPV at {ev.rate:.0%}, year 0 = "
            f"{compiled.valuation_year}, end-year flows"
        ),
        factors=list(ev.factors.values()),
        base_outputs=ev.base_outputs,
        tornado=bars,
        sobol=sobols,
        breakeven=breakeven,
        information_gap=gaps,
        runs=ev.runs,
        seconds=time.perf_counter() - start,
    )
    return report.keep_evaluator(ev)
