"""Case files in and out: check them, import them into the registry, export projects in open formats."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from chagai.cli import render
from chagai.cli.options import By, in_existing_folder, registry
from chagai.errors import InputError

EXPORT_FORMATS = ("yaml", "json", "bods", "geojson")


def validate(files: Annotated[list[Path], typer.Argument(help="case files (YAML)")]) -> None:
    """Check case files without writing anything; every problem is listed with its field path."""
    from chagai.cases.io import load_case_file

    failed = 0
    for path in files:
        try:
            case = load_case_file(path)
        except InputError as exc:
            failed += 1
            render.problem("invalid", exc)
        else:
            render.out.print(f"[green]valid[/green] {path}: {case.id} ({case.name})")
    if failed:
        raise typer.Exit(2)


def import_(
    files: Annotated[list[Path], typer.Argument(help="case files (YAML); all are written or none")],
    by: By = None,
) -> None:
    """Import case files into the registry in one transaction (a bad file writes nothing)."""
    from chagai.cases.io import load_case_file
    from chagai.registry import repo

    cases = [load_case_file(p) for p in files]
    with registry() as opened:
        result = repo.import_cases(opened, cases, by)
    for label, ids in (("created", result.created), ("updated", result.updated), ("unchanged", result.unchanged)):
        if ids:
            render.out.print(f"{label}: {', '.join(ids)}")
    render.out.print(f"{result.changes} change(s) recorded")


def export(
    project: Annotated[str | None, typer.Argument(help="project id, name or alias (omit with --all)")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="yaml, json, bods or geojson")] = "yaml",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", callback=in_existing_folder, help="file to write (default: print)")
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="every project (json, bods or geojson)")] = False,
) -> None:
    """Export a project as a case file (YAML or JSON), its ownership as BODS JSON, or projects as GeoJSON."""
    from chagai.cases.io import dump_case
    from chagai.registry import repo
    from chagai.registry.exporters import bods_statements, geojson

    if fmt not in EXPORT_FORMATS:
        msg = f"--format {fmt!r}: expected one of {', '.join(EXPORT_FORMATS)}"
        raise typer.BadParameter(msg)
    if (project is None) == (not all_):
        msg = "name one project, or give --all"
        raise typer.BadParameter(msg)
    if all_ and fmt == "yaml":
        msg = "--all writes one document: use --format json, bods or geojson"
        raise typer.BadParameter(msg)
    with registry() as opened, opened.session() as session:
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
        output.write_text(text, encoding="utf-8")
        render.wrote(output)
