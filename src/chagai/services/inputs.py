"""The inputs of every service: a project resolved to its case, the scenario's overrides applied, compiled.

"Resolve the project, apply the overrides, compile" is written here once; every service and front end that runs
the model starts from :func:`compiled_case` (or :func:`case_of` when it only needs the case).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from chagai.cases.schema import Case
from chagai.errors import InputError, Issue
from chagai.registry import repo
from chagai.registry.db import Registry

if TYPE_CHECKING:
    from chagai.cases.compile import Compiled, Scenario

ProjectRef = str | Case
"""A project: its id, name or alias in the registry, or a case."""


def case_of(project: ProjectRef, registry: Registry | None = None) -> Case:
    """The case of a project.

    Parameters
    ----------
    project
        A case (returned as it is), or the id, name or alias of a project in the registry.
    registry
        The registry to look the project up in (default: the configured one, filled with the bundled cases if
        it is empty, :func:`~chagai.registry.repo.ready_registry`; closed after).

    Raises
    ------
    NotFoundError
        If no project of the registry matches the name; the message suggests close names.
    """
    if isinstance(project, Case):
        return project
    if registry is None:
        with repo.ready_registry() as opened:
            return case_of(project, opened)
    with registry.session() as session:
        return repo.get_case(session, repo.resolve(session, project))


def compiled_case(
    project: ProjectRef,
    scenario: Scenario | None = None,
    overrides: Mapping[str, Any] | None = None,
    registry: Registry | None = None,
) -> Compiled:
    """A project compiled under a scenario with input overrides.

    Parameters
    ----------
    project
        A case, or the id, name or alias of a project in the registry (see :func:`case_of`).
    scenario
        Schedule, cost, price and ownership changes and the valuation basis (default: the case as it is, 10%).
    overrides
        ``path: value`` changes to case inputs (``prices.copper: 9000``), validated like an edit; added to the
        scenario's own.
    registry
        The registry a project name is looked up in (default: the configured one).

    Raises
    ------
    InputError
        If an override changes the project's id (a run appraises the project it names, under its own id), or the
        scenario or the changed case is invalid.
    """
    from chagai.cases.compile import Scenario, compile_case  # the compiler loads the model: only when compiling

    scenario = (scenario or Scenario()).with_overrides(overrides)
    if issues := _id_overrides(scenario):
        raise InputError(issues)
    return compile_case(case_of(project, registry), scenario)


def _id_overrides(scenario: Scenario) -> list[Issue]:
    """Issues for the overrides that would change the project's id: refused, as an edit that renames is."""
    return [
        Issue(
            f"--set {path}",
            value,
            "no change to the project's id: a run appraises the project it names, under its own id",
            "remove the override of `id`; to appraise another project, name that project",
        )
        for path, value in scenario.overrides
        if re.split(r"[.\[]", path.strip(), maxsplit=1)[0].strip() == "id"
    ]
