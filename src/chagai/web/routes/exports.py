"""Exports: the registry as GeoJSON; a project's report, workbook, cash-flow table and ownership.

The report is self-contained HTML, the workbook Excel (xlsx), the table CSV, and the ownership Beneficial
Ownership Data Standard statements (JSON).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import Query, Response
from fastapi.responses import HTMLResponse
from pydantic import JsonValue

from chagai.registry.exporters import bods_statements, geojson
from chagai.web.cache import json_bytes
from chagai.web.deps import ModelCacheDep, ProjectDep, RegistryDep
from chagai.web.guards import REPORT_POLICY
from chagai.web.routes.errors import api_router

router = api_router()

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
"""Media type of an Excel workbook."""


@router.get("/projects.geojson", tags=["exports"], responses={200: {"content": {"application/geo+json": {}}}})
def projects_geojson(registry: RegistryDep, cache: ModelCacheDep) -> Response:
    """Every project as a point (GeoJSON FeatureCollection)."""
    return Response(json_bytes(geojson(cache.all_cases(registry))), media_type="application/geo+json")


@router.get(
    "/projects/{project}/report.html",
    response_class=Response,
    tags=["exports"],
    responses={200: {"content": {"text/html": {"schema": {"type": "string"}}}, "description": "the report"}},
)
def report_html(
    project: ProjectDep,
    paths: Annotated[int, Query(ge=0, le=20_000, description="Monte Carlo paths in the report (0: none)")] = 0,
    seed: Annotated[int, Query(ge=0, le=2**63 - 1, description="seed of the Monte Carlo")] = 7,
) -> HTMLResponse:
    """The self-contained HTML report of the base case (as ``chagai report``).

    Its policy lets its own inline charts run and fetches nothing, so the report works offline as a download does.
    """
    from chagai.report.html import build_report
    from chagai.services.simulate import simulate

    appraisal = project.appraisal()
    simulation = simulate(appraisal.case, paths, seed, appraisal.compiled.scenario) if paths else None
    return HTMLResponse(build_report(appraisal, simulation), headers={"Content-Security-Policy": REPORT_POLICY})


@router.get("/projects/{project}/workbook.xlsx", tags=["exports"], responses={200: {"content": {XLSX: {}}}})
def workbook(project: ProjectDep) -> Response:
    """The appraisal of the base case as an Excel workbook (as ``chagai export-xlsx``)."""
    from chagai.report.xlsx import write_workbook

    appraisal = project.appraisal()
    with tempfile.TemporaryDirectory(prefix="chagai-") as folder:
        path = write_workbook(appraisal, Path(folder) / f"{appraisal.case.id}.xlsx")
        content = path.read_bytes()
    headers = {"Content-Disposition": f'attachment; filename="{appraisal.case.id}.xlsx"'}
    return Response(content, media_type=XLSX, headers=headers)


@router.get("/projects/{project}/cashflow.csv", tags=["exports"], responses={200: {"content": {"text/csv": {}}}})
def cashflow_csv(project: ProjectDep) -> Response:
    """The annual cash-flow table of the base case, every line item (as ``chagai cashflow -o``)."""
    appraisal = project.appraisal()
    text = appraisal.cashflow_csv()
    headers = {"Content-Disposition": f'attachment; filename="{appraisal.case.id}-cashflow.csv"'}
    return Response(text, media_type="text/csv", headers=headers)


@router.get("/projects/{project}/bods.json", tags=["exports"], response_model=list[dict[str, JsonValue]])
def bods_json(project: ProjectDep) -> Response:
    """The project's ownership over time as Beneficial Ownership Data Standard (0.4) statements."""
    return Response(json_bytes(bods_statements(project.case())), media_type="application/json")
