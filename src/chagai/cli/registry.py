"""Commands over the registry: list, show, edit and trace projects; the fiscal regimes; the database itself."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from chagai.cases.schema import STATUSES
from chagai.cli import render
from chagai.cli.options import By, case_of, date_of, overrides_of, registry


def projects(
    status: Annotated[str | None, typer.Option(help=f"only this status ({', '.join(STATUSES)})")] = None,
    commodity: Annotated[str | None, typer.Option(help="only projects producing this commodity, e.g. copper")] = None,
    region: Annotated[str | None, typer.Option(help="only this region or province, e.g. Balochistan")] = None,
    at: Annotated[str | None, typer.Option(help="status and operator on this date (YYYY-MM-DD)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """List the projects in the registry: Project | Resource | Operator/Partner | Status."""
    from chagai.registry import repo
    from chagai.services import registry_views

    on = date_of(at)
    if status is not None and status not in STATUSES:
        msg = f"{status!r} is not a status; expected one of {', '.join(STATUSES)}"
        raise typer.BadParameter(msg)
    with registry() as opened, opened.session() as session:
        cases = repo.all_cases(session)
    rows = registry_views.project_rows(cases, on, status=status, commodity=commodity, region=region)
    if as_json:
        render.print_json_text(json.dumps([row.model_dump(mode="json") for row in rows]))
        return
    render.projects(rows, on, [] if rows else registry_views.filter_hints(cases, commodity, region))


def show(
    project: Annotated[str, typer.Argument(help="project id, name or alias, e.g. 'Reco Diq'")],
    at: Annotated[str | None, typer.Option(help="owners on this date (YYYY-MM-DD); default today")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the case as JSON")] = False,
) -> None:
    """Show one project: facts, owners on a date, loans, fiscal regime, claims and sources."""
    on = date_of(at)
    case = case_of(project)
    if as_json:
        render.print_json_text(case.model_dump_json(exclude_none=True))
        return
    render.project(case, on)


def edit(
    project: Annotated[str, typer.Argument(help="project id, name or alias")],
    assignments: Annotated[
        list[str], typer.Option("--set", help="path=value, e.g. statuses[2].note='slowed' (repeatable)")
    ],
    by: By = None,
) -> None:
    """Change fields of a stored project; the change is validated and recorded in its history."""
    from chagai.registry import repo
    from chagai.registry.edits import edit_fields

    parsed = overrides_of(assignments)
    with registry() as opened:
        with opened.session() as session:
            pid = repo.resolve(session, project)
        edit_fields(opened, pid, parsed, by)
    render.out.print(f"updated {pid}: {', '.join(parsed)}")


def history(project: Annotated[str, typer.Argument(help="project id, name or alias")]) -> None:
    """Show who changed what in a project, and when."""
    from chagai.registry import repo

    with registry() as opened, opened.session() as session:
        pid = repo.resolve(session, project)
        changes = repo.history(session, pid)
    render.history(pid, changes)


def regimes() -> None:
    """List the fiscal regime presets with their legal instruments and effective dates."""
    from chagai.cases.regimes import all_regimes

    render.regimes(all_regimes())


def db_init(
    reset: Annotated[bool, typer.Option(help="remove every stored project and its history first")] = False,
) -> None:
    """Create the registry (if needed) and load the bundled cases and fiscal regimes."""
    from chagai.registry import repo
    from chagai.registry.db import open_registry

    with open_registry() as opened:
        result = repo.init_registry(opened, reset=reset)
        where = opened.engine.url.render_as_string(hide_password=True)
    render.out.print(
        f"registry {where}: {len(result.created)} created, {len(result.updated)} updated, "
        f"{len(result.unchanged)} unchanged"
    )


def db_info() -> None:
    """Show where the registry is and what it holds."""
    from chagai.registry import repo
    from chagai.registry.db import open_registry

    with open_registry() as opened, opened.session() as session:
        ids = repo.project_ids(session)
        where = opened.engine.url.render_as_string(hide_password=True)
    render.out.print(f"url: {where}")
    render.out.print(f"projects ({len(ids)}): {', '.join(ids)}")
