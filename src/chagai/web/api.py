"""The JSON API (OpenAPI at ``/api/openapi.json``, interactive documentation at ``/api/docs``).

A thin layer over the registry and the services, as the command line is: reading is open; creating or changing
projects, stakes, claims and sources needs an editor token (:mod:`chagai.web.auth`), and every change is
written whole or not at all, with who made it and when (:mod:`chagai.registry.edits`). Appraisals run at once;
simulations run in the background as jobs kept in the registry (:mod:`chagai.web.jobs`).

Errors are JSON: 404 with the projects a name was close to; 422 with every problem of a request, each naming the
field, the value sent, what was expected and how to fix it; 401 and 403 for writes without an editor token.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any, cast

from fastapi import APIRouter, Body, Depends, Query, Request, Response, status
from fastapi import Path as PathParam
from fastapi.dependencies.models import Dependant
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, JsonValue, ValidationError
from starlette.concurrency import run_in_threadpool

from chagai.cases.compile import Scenario
from chagai.cases.issues import issues_from_validation
from chagai.cases.schema import Case, Claim, Source, Stake, Status, normalise_name
from chagai.errors import MISSING, InputError, Issue, NotFoundError, RegistryError
from chagai.registry import edits, repo
from chagai.registry.db import Registry
from chagai.registry.exporters import bods_statements, geojson
from chagai.results import Appraisal as AppraisalResult
from chagai.results import (
    ChangeOut,
    ClaimCheck,
    ClaimOut,
    Comparison,
    FacilityOut,
    ProjectDetail,
    ProjectRow,
    StakeOut,
)
from chagai.services import registry_views
from chagai.services.appraise import Appraisal, comparison
from chagai.web import jobs
from chagai.web.auth import Principal, api_principal, require_admin, require_editor
from chagai.web.cache import ModelCache, json_bytes
from chagai.web.schemas import (
    AppraisalRequest,
    ErrorOut,
    FieldEdit,
    JobAccepted,
    JobOut,
    SimulationRequest,
)

# ---------------------------------------------------------------------------------------------------------
# errors as JSON


def _value(value: Any) -> Any:
    try:
        return jsonable_encoder(value)
    except (TypeError, ValueError):
        return repr(value)


def _api_path(path: str) -> str:
    """An issue's field as the API names it (the command line's ``--sell`` is the body's ``sell``)."""
    if path.startswith("--"):
        return "body." + path[2:]
    return path or "(document)"


def issues_json(issues: list[Issue]) -> list[dict[str, Any]]:
    """Issues as the API reports them: field, value, missing, expected, fix."""
    return [
        {
            "field": _api_path(issue.path),
            "value": None if issue.value is MISSING else _value(issue.value),
            "missing": issue.value is MISSING,
            "expected": issue.expected,
            "fix": issue.fix,
        }
        for issue in issues
    ]


def _error(code: int, detail: str, issues: list[Issue] | None = None) -> JSONResponse:
    body = {"detail": detail, "issues": issues_json(issues or [])}
    return JSONResponse(jsonable_encoder(body), status_code=code)


class _RequestErrors:
    """A request's validation errors, shaped as the pydantic error the issue builder reads."""

    def __init__(self, errors: list[Any]) -> None:
        self._errors = errors

    def errors(self, include_url: bool = True) -> list[Any]:
        return self._errors


def _invalid(exc: RequestValidationError, root: type[BaseModel]) -> JSONResponse:
    errors = cast(ValidationError, _RequestErrors(list(exc.errors())))
    issues = list(issues_from_validation(errors, root))
    return _error(422, f"the request is invalid: {len(issues)} problem{'s' if len(issues) != 1 else ''}", issues)


class ApiRoute(APIRoute):
    """A route whose errors (chagai's own and invalid requests) become JSON with the right status."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The route's handler, wrapped to check the token first and to turn errors into JSON responses."""
        handler = super().get_route_handler()
        annotation = getattr(getattr(self.body_field, "field_info", None), "annotation", None)
        root = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else BaseModel
        writes = _needs_editor(self.dependant)

        async def route(request: Request) -> Response:
            if writes:  # refuse a write without a valid token before even reading its body
                await run_in_threadpool(require_editor, request)
            try:
                return await handler(request)
            except RequestValidationError as exc:
                return _invalid(exc, root)
            except InputError as exc:
                count = len(exc.issues)
                where = f"{exc.origin}: " if exc.origin else ""
                detail = f"{where}the input is invalid: {count} problem{'s' if count != 1 else ''}"
                return _error(422, detail, exc.issues)
            except NotFoundError as exc:
                return _error(404, str(exc))
            except RegistryError as exc:
                return _error(409, str(exc))
            except jobs.QueueFull as exc:
                return _error(429, str(exc))

        return route


def _needs_editor(dependant: Dependant) -> bool:
    """Whether a route depends (directly or not) on an editor's token."""
    return any(d.call in (require_editor, require_admin) or _needs_editor(d) for d in dependant.dependencies)


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "the body cannot be read (not UTF-8 text)"},
    404: {"model": ErrorOut, "description": "no such project (the message suggests close names) or record"},
    422: {"model": ErrorOut, "description": "invalid input: every problem with its field, value, expectation, fix"},
}
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    401: {"model": ErrorOut, "description": "no token, or an unknown or revoked one"},
    403: {"model": ErrorOut, "description": "the token's role may not do this"},
    409: {"model": ErrorOut, "description": "other writers kept changing the project; try again"},
}

router = APIRouter(route_class=ApiRoute, responses=ERRORS)

Editor = Annotated[Principal, Depends(require_editor)]
Admin = Annotated[Principal, Depends(require_admin)]
ProjectId = Annotated[
    str, PathParam(min_length=1, max_length=200, description="project id, name or alias", examples=["reko-diq"])
]
RecordId = Annotated[str, PathParam(min_length=1, max_length=80, description="id of the record", examples=["x"])]


def _registry(request: Request) -> Registry:
    registry: Registry = request.app.state.registry
    return registry


def _cache(request: Request) -> ModelCache:
    cache: ModelCache = request.app.state.cache
    return cache


def _case(request: Request, project: str) -> Case:
    return _cache(request).case(_registry(request), project)[2]


# ---------------------------------------------------------------------------------------------------------
# registry: reading


@router.get("/projects", response_model=list[ProjectRow], tags=["registry"])
def list_projects(
    request: Request,
    status_: Annotated[Status | None, Query(alias="status", description="only this status on the date")] = None,
    commodity: Annotated[str | None, Query(max_length=40, description="e.g. copper, natural-gas")] = None,
    region: Annotated[str | None, Query(max_length=100, description="province or district, e.g. Balochistan")] = None,
    on: Annotated[dt.date | None, Query(description="status and operator on this date (default: today)")] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="search ids, names and aliases ('Reco Diq' finds reko-diq)")
    ] = None,
) -> list[ProjectRow]:
    """The registry's projects: Project | Resource | Operator/Partner | Status, filtered."""
    cases = _cache(request).all_cases(_registry(request))
    if q is not None and q.strip():
        with _registry(request).session() as session:
            found = _search(session, q)
        cases = [c for c in cases if c.id in found]
    return registry_views.project_rows(cases, on or dt.date.today(), status=status_, commodity=commodity, region=region)


def _search(session: Any, text: str) -> set[str]:
    """Ids of the projects whose id, name or an alias matches ``text`` (exactly, in part, or nearly)."""
    wanted = normalise_name(text)
    if not wanted:
        return set()
    try:
        return {repo.resolve(session, text)}
    except NotFoundError:
        pass
    names = repo.project_names(session)
    found = {pid for name, pid in names.items() if wanted in name}
    return found or {names[n] for n in repo.close_names(wanted, names)}


@router.get("/projects.geojson", tags=["exports"], responses={200: {"content": {"application/geo+json": {}}}})
def projects_geojson(request: Request) -> Response:
    """Every project as a point (GeoJSON FeatureCollection)."""
    cases = _cache(request).all_cases(_registry(request))
    return Response(json_bytes(geojson(cases)), media_type="application/geo+json")


@router.get("/projects/{project}", response_model=ProjectDetail, tags=["registry"])
def get_project(request: Request, project: ProjectId) -> ProjectDetail:
    """One project: facts, aliases, status history, location, parties, and links to its records and exports."""
    return registry_views.project_detail(_case(request, project))


@router.get("/projects/{project}/case", tags=["registry"], response_model=Case, response_model_exclude_none=True)
def get_case_document(request: Request, project: ProjectId) -> Case:
    """The whole case, as a case file holds it (what PUT /api/projects/{project} accepts)."""
    return _case(request, project)


@router.get("/projects/{project}/aliases", response_model=list[str], tags=["registry"])
def get_aliases(request: Request, project: ProjectId) -> list[str]:
    """Other names the project is known by."""
    return list(_case(request, project).aliases)


@router.get("/projects/{project}/stakes", response_model=list[StakeOut], tags=["registry"])
def get_stakes(
    request: Request,
    project: ProjectId,
    on: Annotated[dt.date | None, Query(description="only the stakes held on this date (default: every stake)")] = None,
    include_proposed: Annotated[bool, Query(description="with a date: also proposed stakes")] = False,
) -> list[StakeOut]:
    """Who holds what: every dated stake, or those in force on a date."""
    return registry_views.stakes(_case(request, project), on, include_proposed)


@router.get("/projects/{project}/facilities", response_model=list[FacilityOut], tags=["registry"])
def get_facilities(request: Request, project: ProjectId) -> list[FacilityOut]:
    """Loans and guarantees, amounts in US$ million and rates as decimals."""
    return registry_views.facilities(_case(request, project))


@router.get("/projects/{project}/sources", response_model=list[Source], tags=["registry"])
def get_sources(request: Request, project: ProjectId) -> list[Source]:
    """The published statements the project's case cites."""
    return list(_case(request, project).sources)


@router.get("/projects/{project}/claims", response_model=list[ClaimOut], tags=["registry"])
def get_claims(request: Request, project: ProjectId) -> list[ClaimOut]:
    """Sourced claims about the project, each with the model's verdict (agree, disagree, cannot check)."""
    case = _case(request, project)
    checks: list[ClaimCheck] = []
    reason = "the project has no production and cost inputs in the registry: the model cannot run it"
    if case.has_economics and case.claims:
        try:
            appraisal = _cache(request).appraisal(_registry(request), case.id)
        except InputError as exc:
            reason = f"the model cannot run the case: {exc.issues[0]}"
        else:
            checks = appraisal.claims
    return registry_views.claim_views(case.claims, checks, reason)


@router.get("/projects/{project}/history", response_model=list[ChangeOut], tags=["registry"])
def get_history(request: Request, project: ProjectId) -> list[ChangeOut]:
    """Who changed which field of the project, when, from what to what (oldest first)."""
    with _registry(request).session() as session:
        return registry_views.change_views(repo.history(session, repo.resolve(session, project)))


# ---------------------------------------------------------------------------------------------------------
# registry: writing (editor token)


def _resolve(request: Request, project: str) -> str:
    with _registry(request).session() as session:
        return repo.resolve(session, project)


def _claim_out(request: Request, case: Case, claim_id: str) -> ClaimOut:
    return next(c for c in get_claims(request, case.id) if c.id == claim_id)


@router.post(
    "/projects",
    status_code=status.HTTP_201_CREATED,
    response_model=ProjectDetail,
    tags=["registry"],
    responses=WRITE_ERRORS,
)
def create_project(request: Request, principal: Editor, case: Annotated[Case, Body()]) -> ProjectDetail:
    """Create a project from a whole case document (as a case file holds it)."""
    return registry_views.project_detail(edits.create_project(_registry(request), case, principal.name))


@router.put("/projects/{project}", response_model=ProjectDetail, tags=["registry"], responses=WRITE_ERRORS)
def replace_project(
    request: Request, project: ProjectId, principal: Editor, case: Annotated[Case, Body()]
) -> ProjectDetail:
    """Replace a project's whole case (the id stays); every changed field is recorded."""
    changed = edits.replace_case(_registry(request), _resolve(request, project), case, principal.name)
    return registry_views.project_detail(changed)


@router.patch("/projects/{project}", response_model=ProjectDetail, tags=["registry"], responses=WRITE_ERRORS)
def edit_project(request: Request, project: ProjectId, principal: Editor, body: FieldEdit) -> ProjectDetail:
    """Change fields by path, as ``chagai edit --set``: ``{"set": {"statuses[3].note": "...", "stakes[2].end": ...}}``.

    Every change is applied before the whole case is validated; the edit is written whole or not at all.
    """
    changed = edits.edit_fields(_registry(request), _resolve(request, project), body.assignments, principal.name)
    return registry_views.project_detail(changed)


@router.delete("/projects/{project}", status_code=status.HTTP_204_NO_CONTENT, tags=["registry"], responses=WRITE_ERRORS)
def delete_project(request: Request, project: ProjectId, principal: Admin) -> Response:
    """Remove a project (admin token); its last content stays in the history."""
    repo.delete_project(_registry(request), _resolve(request, project), principal.name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put("/projects/{project}/stakes", response_model=list[StakeOut], tags=["registry"], responses=WRITE_ERRORS)
def replace_stakes(
    request: Request, project: ProjectId, principal: Editor, stakes: Annotated[list[Stake], Body(max_length=200)]
) -> list[StakeOut]:
    """Replace the dated stakes (end some and start others in one edit: the stakes in force must sum to 100%)."""
    changed = edits.set_stakes(_registry(request), _resolve(request, project), stakes, principal.name)
    return registry_views.stakes(changed, None, True)


@router.post(
    "/projects/{project}/claims",
    status_code=status.HTTP_201_CREATED,
    response_model=ClaimOut,
    tags=["registry"],
    responses=WRITE_ERRORS,
)
def add_claim(request: Request, project: ProjectId, principal: Editor, claim: Annotated[Claim, Body()]) -> ClaimOut:
    """Add a sourced claim; its sources must be among the project's sources."""
    changed = edits.add_claim(_registry(request), _resolve(request, project), claim, principal.name)
    return _claim_out(request, changed, claim.id)


@router.put("/projects/{project}/claims/{claim_id}", response_model=ClaimOut, tags=["registry"], responses=WRITE_ERRORS)
def update_claim(
    request: Request, project: ProjectId, claim_id: RecordId, principal: Editor, claim: Annotated[Claim, Body()]
) -> ClaimOut:
    """Replace a claim (the body's id must be the claim's own)."""
    changed = edits.update_claim(_registry(request), _resolve(request, project), claim_id, claim, principal.name)
    return _claim_out(request, changed, claim_id)


@router.delete(
    "/projects/{project}/claims/{claim_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["registry"],
    responses=WRITE_ERRORS,
)
def delete_claim(request: Request, project: ProjectId, claim_id: RecordId, principal: Editor) -> Response:
    """Remove a claim (refused while a decision of the case names it)."""
    edits.delete_claim(_registry(request), _resolve(request, project), claim_id, principal.name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/projects/{project}/sources",
    status_code=status.HTTP_201_CREATED,
    response_model=Source,
    tags=["registry"],
    responses=WRITE_ERRORS,
)
def add_source(request: Request, project: ProjectId, principal: Editor, source: Annotated[Source, Body()]) -> Source:
    """Add a source (title, publisher, date, link, confidence)."""
    edits.add_source(_registry(request), _resolve(request, project), source, principal.name)
    return source


@router.put("/projects/{project}/sources/{source_id}", response_model=Source, tags=["registry"], responses=WRITE_ERRORS)
def update_source(
    request: Request, project: ProjectId, source_id: RecordId, principal: Editor, source: Annotated[Source, Body()]
) -> Source:
    """Replace a source (the body's id must be the source's own)."""
    edits.update_source(_registry(request), _resolve(request, project), source_id, source, principal.name)
    return source


@router.delete(
    "/projects/{project}/sources/{source_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["registry"],
    responses=WRITE_ERRORS,
)
def delete_source(request: Request, project: ProjectId, source_id: RecordId, principal: Editor) -> Response:
    """Remove a source (refused while anything in the case cites it)."""
    edits.delete_source(_registry(request), _resolve(request, project), source_id, principal.name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# ---------------------------------------------------------------------------------------------------------
# appraisal and comparison


def appraisal_document(a: Appraisal) -> JsonValue:
    """An appraisal as the API returns it: its typed result, JSON-ready."""
    return a.result().model_dump(mode="json")


@router.post("/appraisals", response_model=AppraisalResult, tags=["model"])
def create_appraisal(request: Request, body: AppraisalRequest) -> Response:
    """Appraise a project under a scenario: what each government receives and each owner earns.

    The answer holds every figure with its basis, the stakeholders, the lenders' cover ratios (can the loans be
    repaid?), each government's receipts by item, the claims checked and the annual table.

    No token is needed: an appraisal reads the registry and writes nothing. Results are kept by the project's
    content and the request, so a repeated request is answered at once.
    """
    scenario = body.scenario.to_scenario(body.sell)
    content = _cache(request).appraisal_response(
        _registry(request), body.project, scenario, body.overrides, body.solve, appraisal_document
    )
    return Response(content, media_type="application/json")


@router.get("/compare", response_model=Comparison, tags=["model"])
def compare(
    request: Request,
    ids: Annotated[
        str,
        Query(
            min_length=1,
            max_length=500,
            description="comma-separated project ids, names or aliases",
            examples=["saindak,reko-diq,sui"],
        ),
    ],
    rate: Annotated[float, Query(ge=0.0, le=1.0, description="real discount rate [fraction]")] = 0.10,
) -> Comparison:
    """Projects side by side: local (provincial) share, government take, returns, lenders' cover."""
    names = [n.strip() for n in ids.split(",") if n.strip()]
    if not 1 <= len(names) <= 10:
        raise InputError([Issue("query.ids", ids, "1 to 10 project names, separated by commas", "list the projects")])
    scenario = Scenario(discount_rate=rate)
    results = [_cache(request).appraisal(_registry(request), n, scenario, solve=True) for n in names]
    return comparison(results)


# ---------------------------------------------------------------------------------------------------------
# exports


@router.get(
    "/projects/{project}/report.html",
    response_class=Response,
    tags=["exports"],
    responses={200: {"content": {"text/html": {"schema": {"type": "string"}}}, "description": "the report"}},
)
def report_html(
    request: Request,
    project: ProjectId,
    paths: Annotated[int, Query(ge=0, le=20_000, description="Monte Carlo paths in the report (0: none)")] = 0,
    seed: Annotated[int, Query(ge=0, le=2**63 - 1, description="seed of the Monte Carlo")] = 7,
) -> HTMLResponse:
    """The self-contained HTML report of the base case (as ``chagai report``)."""
    from chagai.report.html import build_report
    from chagai.services.simulate import simulate

    appraisal = _cache(request).appraisal(_registry(request), project)
    simulation = simulate(appraisal.case, paths, seed, appraisal.compiled.scenario) if paths else None
    return HTMLResponse(build_report(appraisal, simulation))


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/projects/{project}/workbook.xlsx", tags=["exports"], responses={200: {"content": {XLSX: {}}}})
def workbook(request: Request, project: ProjectId) -> Response:
    """The appraisal of the base case as an Excel workbook (as ``chagai export-xlsx``)."""
    from chagai.report.xlsx import write_workbook

    appraisal = _cache(request).appraisal(_registry(request), project)
    with tempfile.TemporaryDirectory(prefix="chagai-") as folder:
        path = write_workbook(appraisal, Path(folder) / f"{appraisal.case.id}.xlsx")
        content = path.read_bytes()
    headers = {"Content-Disposition": f'attachment; filename="{appraisal.case.id}.xlsx"'}
    return Response(content, media_type=XLSX, headers=headers)


@router.get("/projects/{project}/cashflow.csv", tags=["exports"], responses={200: {"content": {"text/csv": {}}}})
def cashflow_csv(request: Request, project: ProjectId) -> Response:
    """The annual cash-flow table of the base case, every line item (as ``chagai cashflow -o``)."""
    appraisal = _cache(request).appraisal(_registry(request), project)
    text = appraisal.table_csv()
    headers = {"Content-Disposition": f'attachment; filename="{appraisal.case.id}-cashflow.csv"'}
    return Response(text, media_type="text/csv", headers=headers)


@router.get("/projects/{project}/bods.json", tags=["exports"], response_model=list[dict[str, JsonValue]])
def bods_json(request: Request, project: ProjectId) -> Response:
    """The project's ownership over time as Beneficial Ownership Data Standard (0.4) statements."""
    return Response(json_bytes(bods_statements(_case(request, project))), media_type="application/json")


# ---------------------------------------------------------------------------------------------------------
# simulations


def _status_url(run_id: str) -> str:
    return f"/api/simulations/{run_id}"


@router.post(
    "/simulations",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobAccepted,
    tags=["model"],
    responses={429: {"model": ErrorOut, "description": "too many simulations are waiting; try again later"}},
)
def start_simulation(request: Request, body: SimulationRequest) -> dict[str, Any]:
    """Start a Monte Carlo run in the background; follow it at ``status_url``.

    No token is needed: a simulation reads the registry and keeps only its own result. The request is checked
    at once (422 for a bad scenario or override), and the job survives a server restart: a queued job is run by
    the next server, a job whose server died while it ran is reported failed.
    """
    run_id = jobs.submit_simulation(
        _registry(request),
        body.project,
        body.paths,
        body.seed,
        body.scenario.to_scenario(body.sell),
        body.overrides,
        body.risk.to_settings(),
        actor=principal.name if (principal := api_principal(request)) else None,
    )
    runner = getattr(request.app.state, "jobs", None)
    if runner is not None:
        runner.wake()
    return {"id": run_id, "status": "queued", "status_url": _status_url(run_id)}


@router.get("/simulations", response_model=list[JobOut], tags=["model"])
def list_simulations(
    request: Request,
    project: Annotated[str | None, Query(min_length=1, max_length=200, description="only this project's jobs")] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="most jobs to list")] = 20,
) -> list[dict[str, Any]]:
    """The latest simulation jobs, newest first (without their results)."""
    return [{**j, "status_url": _status_url(j["id"])} for j in jobs.list_jobs(_registry(request), project, limit)]


@router.get("/simulations/{run_id}", response_model=JobOut, tags=["model"])
def get_simulation(
    request: Request,
    run_id: Annotated[str, PathParam(min_length=1, max_length=64, description="the id POST /api/simulations gave")],
) -> dict[str, Any]:
    """A simulation job: status (queued, running, done, failed), progress 0..1, error, and results when done."""
    return {**jobs.job_status(_registry(request), run_id), "status_url": _status_url(run_id)}
