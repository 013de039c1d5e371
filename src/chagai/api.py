"""chagai from Python: a script or a notebook asks the same questions as the command line, in a call each.

>>> import chagai
>>> reko = chagai.appraise("Reco Diq")        # an id, a name or an alias, looked up in the registry
>>> reko.cashflow()                           # the annual table: a pandas DataFrame, a row a year
>>> reko.cashflow(currency="PKR", nominal=True, fiscal_year="jul")   # rupees of each year, July-June years
>>> chagai.appraise("saindak", scenario="delay=2", overrides={"prices.copper": 8000}).figure("aetr").value
>>> chagai.projects()                         # the registry as a DataFrame

A project is looked up in the configured registry (``CHAGAI_DATABASE_URL``, else the user's SQLite file), which
is filled with the bundled cases the first time it is used, as the command line does. Every function returns the
objects the services return (:class:`chagai.services.appraise.Appraisal`, :class:`chagai.results.Simulation`),
which show as tables in a notebook.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from chagai.cases.compile import Scenario
    from chagai.cases.schema import Case
    from chagai.results import Simulation
    from chagai.services.appraise import Appraisal


def _scenario(scenario: str | Scenario | None, sell: Sequence[str] = (), rate: float | None = None) -> Scenario:
    from chagai.cases.compile import Scenario

    chosen = Scenario.parse(scenario) if isinstance(scenario, str) else (scenario or Scenario())
    return chosen.with_sales(sell, rate)


def appraise(
    project: str | Case,
    scenario: str | Scenario | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    sell: Sequence[str] = (),
    rate: float | None = None,
) -> Appraisal:
    """Appraise a project, as ``chagai appraise`` does.

    Parameters
    ----------
    project
        An id, name or alias in the registry (``"Reco Diq"``), or a case.
    scenario
        ``"delay=2,overrun=1.2"`` as on the command line, or a :class:`~chagai.cases.compile.Scenario`.
    overrides
        Case inputs changed for this run, by path: ``{"prices.copper": 8000}`` [the field's unit].
    sell
        Stake sales, ``"15%:federal->manara@2027=540"`` as ``--sell`` takes them.
    rate
        Real discount rate as a decimal (0.08 is 8%) [-].
    """
    from chagai.services.appraise import appraise as run

    return run(project, _scenario(scenario, sell, rate), overrides)


def simulate(
    project: str | Case,
    paths: int = 20_000,
    seed: int = 7,
    scenario: str | Scenario | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
) -> Simulation:
    """A Monte Carlo of a project (prices, security, schedule), as ``chagai simulate`` does [paths, seed]."""
    from chagai.services.simulate import simulate as run

    return run(project, paths, seed, _scenario(scenario), overrides=overrides)


def projects() -> pd.DataFrame:
    """The registry as a table: a row a project (id, name, resource, operator, status, region)."""
    import datetime as dt

    import pandas as pd

    from chagai.registry.repo import all_cases, ready_registry
    from chagai.services.registry_views import project_rows

    with ready_registry() as registry, registry.session() as session:
        cases = all_cases(session)
    rows = project_rows(cases, dt.date.today())
    return pd.DataFrame([row.model_dump() for row in rows]).set_index("id")
