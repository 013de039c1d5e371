"""The ``chagai`` command line: a thin layer of tables and options over the registry and the services."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from typer.core import TyperGroup

from chagai import __version__
from chagai.cases.io import dump_case, load_case_file
from chagai.cases.overrides import parse_assignment
from chagai.cases.regimes import all_regimes
from chagai.cases.schema import STATUSES, Case
from chagai.errors import ChagaiError, InputError
from chagai.registry import repo
from chagai.registry.db import Registry, open_registry
from chagai.registry.exporters import bods_statements, geojson, operator_label, resource_label

err = Console(stderr=True)
out = Console()


class _Commands(TyperGroup):
    """Command group that turns chagai's own errors into a clear message and an exit code, never a traceback."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except InputError as exc:
            err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        except ChagaiError as exc:
            err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None


app = typer.Typer(
    cls=_Commands,
    help="Economics, fiscal terms, financing and risk of extractive projects.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Create and inspect the registry database.", no_args_is_help=True)
app.add_typer(db_app, name="db")

By = Annotated[str | None, typer.Option("--by", help="who makes the change (default: CHAGAI_USER or login)")]


def _registry() -> Registry:
    """Open the registry, loading the bundled cases the first time it is used."""
    registry = open_registry()
    try:
        if registry.is_empty():
            err.print("[dim]The registry is empty: loading the bundled cases (chagai db init).[/dim]")
            repo.init_registry(registry)
    except BaseException:
        registry.close()
        raise
    return registry


def _date(text: str | None) -> dt.date:
    if text is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        msg = f"{text!r} is not a date; expected YYYY-MM-DD, e.g. 2026-01-01"
        raise typer.BadParameter(msg) from None


def _pct(value: float) -> str:
    return f"{100 * value:.2f}%".replace(".00%", "%")


# ---------------------------------------------------------------------------------------------------------
# registry views


def _status_text(case: Case, on: dt.date) -> str:
    entry = case.status_on(on)
    if entry is None:
        return "-"
    text = entry.status.capitalize()
    return f"{text}. {entry.note}" if entry.note else text


@app.command()
def projects(
    status: Annotated[str | None, typer.Option(help=f"only this status ({', '.join(STATUSES)})")] = None,
    commodity: Annotated[str | None, typer.Option(help="only projects producing this commodity, e.g. copper")] = None,
    region: Annotated[str | None, typer.Option(help="only this region or province, e.g. Balochistan")] = None,
    at: Annotated[str | None, typer.Option(help="status and operator on this date (YYYY-MM-DD)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """List the projects in the registry: Project | Resource | Operator/Partner | Status."""
    on = _date(at)
    if status is not None and status not in STATUSES:
        msg = f"{status!r} is not a status; expected one of {', '.join(STATUSES)}"
        raise typer.BadParameter(msg)
    with _registry() as registry, registry.session() as session:
        cases = repo.all_cases(session)
    rows: list[dict[str, Any]] = []
    for case in cases:
        entry = case.status_on(on)
        if status and (entry is None or entry.status != status):
            continue
        if commodity and commodity.lower().replace(" ", "-") not in case.commodities:
            continue
        if region and region.lower() not in (case.location.region.lower(), (case.location.district or "").lower()):
            continue
        rows.append(
            {
                "id": case.id,
                "project": case.name,
                "resource": resource_label(case),
                "operator": operator_label(case, on),
                "status": entry.status if entry else None,
                "status_text": _status_text(case, on),
                "region": case.location.region,
                "district": case.location.district,
                "economics": case.has_economics,
            }
        )
    if as_json:
        out.print_json(json.dumps(rows))
        return
    table = Table(title=f"Projects in the registry, {on.isoformat()}", show_lines=True)
    for name in ("Project", "Resource", "Operator/Partner", "Status", "Region"):
        table.add_column(name, overflow="fold")
    for row in rows:
        region_text = f"{row['district']}, {row['region']}" if row["district"] else row["region"]
        table.add_row(row["project"], row["resource"], row["operator"], row["status_text"], region_text)
    out.print(table)
    if not rows:
        err.print("No project matches the filters.")


def _owners_table(case: Case, on: dt.date) -> Table:
    table = Table(title=f"Owners on {on.isoformat()}")
    for name in ("Holder", "Share", "Kind", "Funded by", "Since", "Until", "Sources"):
        table.add_column(name)
    for s in case.stakes_on(on, include_proposed=True):
        share = _pct(s.share.exact) if s.share.exact is not None else f"{_pct(s.share.low)}-{_pct(s.share.high)}"
        kind = s.kind + (f" (from {case.party(s.from_party).label})" if s.from_party else "")
        table.add_row(
            case.party(s.party).label,
            share,
            kind,
            case.party(s.funded_by).label if s.funded_by else "",
            s.start.isoformat(),
            s.end.isoformat() if s.end else "",
            ", ".join(s.source) or f"estimate: {s.estimate}",
        )
    return table


@app.command()
def show(
    project: Annotated[str, typer.Argument(help="project id, name or alias, e.g. 'Reco Diq'")],
    at: Annotated[str | None, typer.Option(help="owners on this date (YYYY-MM-DD); default today")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the case as JSON")] = False,
) -> None:
    """Show one project: facts, owners on a date, loans, fiscal regime, claims and sources."""
    on = _date(at)
    with _registry() as registry, registry.session() as session:
        case = repo.get_case(session, repo.resolve(session, project))
    if as_json:
        out.print_json(case.model_dump_json(exclude_none=True))
        return
    status = case.status_on(on)
    facts = [
        f"[bold]{case.name}[/bold] ({case.id})"
        + (f"  also known as: {', '.join(case.aliases)}" if case.aliases else ""),
        f"Resource: {resource_label(case)}   Kind: {case.kind}   Operator: {operator_label(case, on)}",
        f"Location: {case.location.district or ''} {case.location.region}, {case.location.country} "
        f"({case.location.lat:.3f}, {case.location.lon:.3f}, {case.location.precision})",
        f"Status on {on}: {_status_text(case, on)}" + (f" (since {status.start})" if status else ""),
        f"Money: {case.money.currency} {case.money.unit}, {case.money.basis} {case.money.base_year}"
        f"   Facts as of {case.as_of}",
    ]
    if case.description:
        facts.append(case.description)
    out.print(Panel("\n".join(facts), title="Project"))
    history = Table(title="Status history")
    for name in ("From", "Status", "Note"):
        history.add_column(name)
    for entry in case.statuses:
        history.add_row(entry.start.isoformat(), entry.status, entry.note or "")
    out.print(history)
    out.print(_owners_table(case, on))
    if case.financing:
        loans = Table(title="Loans and guarantees")
        for name in ("Facility", "Lender", "Kind", "Amount", "Rate", "Grace", "Tenor", "Repayment", "Status"):
            loans.add_column(name)
        for f in case.financing:
            loans.add_row(
                f.id,
                case.party(f.lender).label,
                f"{f.kind} {f.instrument}, {f.seniority}",
                f"{f.amount.to('US$m'):,.0f} US$m",
                _pct(f.rate.canonical()),
                f"{f.grace.to('yr'):g} yr",
                f"{f.tenor.to('yr'):g} yr",
                f.repayment,
                f.status,
            )
        total = sum(f.amount.to("US$m") for f in case.financing if f.instrument == "loan")
        out.print(loans)
        out.print(f"Loans total: {total:,.0f} US$m")
    if case.fiscal:
        regime = next(r for r in all_regimes() if r.id == case.fiscal.regime)
        overrides = f"; overrides: {', '.join(sorted(case.fiscal.overrides))}" if case.fiscal.overrides else ""
        out.print(
            Panel(
                f"{regime.name} ({regime.id}), effective {regime.effective}{overrides}\n{regime.instrument}",
                title="Fiscal regime",
            )
        )
    if case.claims:
        claims = Table(title="Claims")
        for name in ("Claim", "Value", "Year", "Sources", "Conf."):
            claims.add_column(name, overflow="fold")
        for c in case.claims:
            value = f"{c.value:g}" + (f"-{c.high:g}" if c.high is not None else "") + f" {c.unit}"
            claims.add_row(c.statement, value, str(c.year or ""), ", ".join(c.source), c.confidence or "")
        out.print(claims)
    sources = Table(title="Sources")
    for name in ("Id", "Title", "Publisher", "Date", "Conf.", "Link"):
        sources.add_column(name, overflow="fold")
    for s in case.sources:
        sources.add_row(s.id, s.title, s.publisher, s.date or "", s.confidence or "", s.url or "")
    out.print(sources)


# ---------------------------------------------------------------------------------------------------------
# files in and out


@app.command()
def validate(files: Annotated[list[Path], typer.Argument(help="case files (YAML)")]) -> None:
    """Check case files without writing anything; every problem is listed with its field path."""
    failed = 0
    for path in files:
        try:
            case = load_case_file(path)
        except InputError as exc:
            failed += 1
            err.print(f"[red]invalid[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        else:
            out.print(f"[green]valid[/green] {path}: {case.id} ({case.name})")
    if failed:
        raise typer.Exit(2)


@app.command("import")
def import_(
    files: Annotated[list[Path], typer.Argument(help="case files (YAML); all are written or none")],
    by: By = None,
) -> None:
    """Import case files into the registry in one transaction (a bad file writes nothing)."""
    cases = [load_case_file(p) for p in files]
    with _registry() as registry:
        result = repo.import_cases(registry, cases, by)
    for label, ids in (("created", result.created), ("updated", result.updated), ("unchanged", result.unchanged)):
        if ids:
            out.print(f"{label}: {', '.join(ids)}")
    out.print(f"{result.changes} change(s) recorded")


@app.command()
def export(
    project: Annotated[str | None, typer.Argument(help="project id, name or alias (omit with --all)")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="yaml, json, bods or geojson")] = "yaml",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="file to write (default: print)")] = None,
    all_: Annotated[bool, typer.Option("--all", help="every project (json, bods or geojson)")] = False,
) -> None:
    """Export a project as a case file (YAML or JSON), its ownership as BODS JSON, or projects as GeoJSON."""
    formats = ("yaml", "json", "bods", "geojson")
    if fmt not in formats:
        msg = f"--format {fmt!r}: expected one of {', '.join(formats)}"
        raise typer.BadParameter(msg)
    if (project is None) == (not all_):
        msg = "name one project, or give --all"
        raise typer.BadParameter(msg)
    if all_ and fmt == "yaml":
        msg = "--all writes one document: use --format json, bods or geojson"
        raise typer.BadParameter(msg)
    with _registry() as registry, registry.session() as session:
        cases = repo.all_cases(session) if all_ else [repo.get_case(session, repo.resolve(session, project or ""))]
    data: Any
    if fmt == "yaml":
        text = dump_case(cases[0])
    else:
        if fmt == "json":
            docs = [c.model_dump(mode="json", exclude_none=True) for c in cases]
            data = docs if all_ else docs[0]
        elif fmt == "bods":
            data = [st for c in cases for st in bods_statements(c)]
        else:
            data = geojson(cases)
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {output}")


@app.command()
def edit(
    project: Annotated[str, typer.Argument(help="project id, name or alias")],
    assignments: Annotated[
        list[str], typer.Option("--set", help="path=value, e.g. statuses[2].note='slowed' (repeatable)")
    ],
    by: By = None,
) -> None:
    """Change fields of a stored project; the change is validated and recorded in its history."""
    parsed = dict(parse_assignment(a) for a in assignments)
    with _registry() as registry:
        with registry.session() as session:
            pid = repo.resolve(session, project)
        repo.edit_case(registry, pid, parsed, by)
    out.print(f"updated {pid}: {', '.join(parsed)}")


@app.command()
def history(project: Annotated[str, typer.Argument(help="project id, name or alias")]) -> None:
    """Show who changed what in a project, and when."""
    with _registry() as registry, registry.session() as session:
        pid = repo.resolve(session, project)
        changes = repo.history(session, pid)
    table = Table(title=f"History of {pid}")
    for name in ("When (UTC)", "Who", "Field", "Old", "New"):
        table.add_column(name, overflow="fold")
    for c in changes:
        shown = [json.dumps(v)[:60] if v is not None else "" for v in (c.old, c.new)]
        if c.action in ("create", "delete"):
            shown = ["", "(created)"] if c.action == "create" else ["(deleted)", ""]
        table.add_row(c.at.strftime("%Y-%m-%d %H:%M:%S"), c.actor, c.path or "(whole project)", *shown)
    out.print(table)


@app.command()
def regimes() -> None:
    """List the fiscal regime presets with their legal instruments and effective dates."""
    table = Table(title="Fiscal regimes")
    for name in ("Id", "Name", "Effective", "Ends", "Instrument"):
        table.add_column(name, overflow="fold")
    for r in all_regimes():
        table.add_row(r.id, r.name, r.effective.isoformat(), r.ends.isoformat() if r.ends else "", r.instrument)
    out.print(table)


# ---------------------------------------------------------------------------------------------------------
# database


@db_app.command("init")
def db_init(
    reset: Annotated[bool, typer.Option(help="remove every stored project and its history first")] = False,
) -> None:
    """Create the registry (if needed) and load the bundled cases and fiscal regimes."""
    with open_registry() as registry:
        result = repo.init_registry(registry, reset=reset)
        where = registry.engine.url.render_as_string(hide_password=True)
    out.print(
        f"registry {where}: {len(result.created)} created, {len(result.updated)} updated, "
        f"{len(result.unchanged)} unchanged"
    )


@db_app.command("info")
def db_info() -> None:
    """Show where the registry is and what it holds."""
    with open_registry() as registry, registry.session() as session:
        ids = repo.project_ids(session)
        where = registry.engine.url.render_as_string(hide_password=True)
    out.print(f"url: {where}")
    out.print(f"projects ({len(ids)}): {', '.join(ids)}")


@app.command()
def version() -> None:
    """Print the chagai version."""
    out.print(__version__)


def main() -> None:
    """Entry point of the ``chagai`` command."""
    app()
