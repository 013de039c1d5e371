"""Server-rendered pages (jinja2), with small progressive JavaScript from ``static/``.

Every page works without JavaScript; with it, forms marked ``data-fragment`` fetch a server-rendered fragment
(the request carries the ``X-Chagai-Fragment`` header) and swap it in place, and charts are drawn from the plotly
JSON the pages embed. Reading is open; the pages that write (claims, sources, login) are in
:mod:`chagai.web.editor`, behind an editor's session and a CSRF token (:mod:`chagai.web.session`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from chagai import services
from chagai.cases.checks import quantities
from chagai.cases.issues import issues_from_validation
from chagai.cases.schema import STATUSES, Case, Party, normalise_name
from chagai.errors import ChagaiError, InputError, Issue, NotFoundError
from chagai.registry import repo
from chagai.registry.db import Registry
from chagai.registry.exporters import operator_label, resource_label
from chagai.report.html import appraisal_charts, compare_figures, figure_json
from chagai.results import ProjectRow
from chagai.services import registry_views
from chagai.web import editor, jobs, session
from chagai.web.cache import ModelCache, appraisal_key
from chagai.web.charts import default_years, histogram, owner_ranges, registry_map
from chagai.web.deps import (
    JobRunnerDep,
    ModelCacheDep,
    RegistryDep,
    cached_appraisal,
    client_of,
    stored_case,
    stored_cases,
)
from chagai.web.forms import ScenarioForm, price_fields
from chagai.web.jobs import JobRunner
from chagai.web.views import error_page, plotly_bundle, redirect, render, wants_fragment

router = APIRouter(include_in_schema=False)
router.include_router(editor.router)

DEFAULT_COMPARISON = ("saindak", "reko-diq", "sui")
"""Projects the comparison page shows when none are chosen: the founding article's three."""
YEAR = 365 * 24 * 3600
"""A year [s], how long browsers may keep plotly.js."""
FORM_NAMES = {"--sell": "Stake sale", "--scenario": "Scenario", "--set": "Other changes"}
"""The scenario form's names of the command line's options, for messages about them."""


# ---------------------------------------------------------------------------------------------------------
# static


@router.get("/static/plotly.min.js")
def plotly_js(request: Request) -> Response:
    """plotly.js from the installed plotly package (no CDN), compressed when the browser accepts it."""
    plain, packed, digest = plotly_bundle()
    headers = {"Cache-Control": f"public, max-age={YEAR}, immutable", "ETag": f'"{digest}"', "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == f'"{digest}"':
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        return Response(packed, media_type="text/javascript", headers={**headers, "Content-Encoding": "gzip"})
    return Response(plain, media_type="text/javascript", headers=headers)


# ---------------------------------------------------------------------------------------------------------
# the registry


def _search(cases: list[Case], query: str, rows: list[ProjectRow], match: str | None) -> list[ProjectRow]:
    """Rows whose project matches ``query``: the project it resolves to, else names that contain it."""
    if match is not None:
        return [r for r in rows if r.id == match]
    needle = normalise_name(query)
    names = {c.id: [c.id, c.name, *c.aliases] for c in cases}
    return [r for r in rows if any(needle in normalise_name(n) for n in names[r.id])]


def _map(cache: ModelCache, cases: list[Case], rows: list[ProjectRow]) -> str:
    """The registry's map of ``rows`` (plotly JSON), kept by what it shows: each point's name, place and status."""
    by_id = {c.id: c for c in cases}
    shown = tuple((r.id, r.status, by_id[r.id].name, by_id[r.id].location.lon, by_id[r.id].location.lat) for r in rows)
    return cache.view(("registry map", shown), lambda: registry_map(cases, rows))


@router.get("/", response_class=HTMLResponse)
def registry_page(
    request: Request,
    registry: RegistryDep,
    cache: ModelCacheDep,
    q: str = "",
    status: str = "",
    commodity: str = "",
    region: str = "",
) -> Response:
    """The registry as the founding article's table, with filters, an alias-aware search and a map."""
    query = q.strip()
    match: str | None = None
    cases = stored_cases(cache, registry)
    not_found = ""
    if query:
        with registry.session() as s:
            try:
                match = repo.resolve(s, query)
            except NotFoundError as exc:
                not_found = str(exc)
    rows = registry_views.project_rows(cases, dt.date.today(), status or None, commodity or None, region or None)
    if query:
        rows = _search(cases, query, rows, match)
    by_id = {c.id: c for c in cases}
    alias_note = ""
    if match is not None and normalise_name(query) not in (normalise_name(match), normalise_name(by_id[match].name)):
        alias_note = f"“{query}” is another name of {by_id[match].name}."
    context: dict[str, Any] = {
        "title": "Registry",
        "rows": rows,
        "q": query,
        "status": status,
        "commodity": commodity,
        "region": region,
        "statuses": STATUSES,
        "commodities": sorted({c for case in cases for c in case.commodities}),
        "regions": sorted({case.location.region for case in cases}),
        "alias_note": alias_note,
        "not_found": not_found if query and not rows else "",
        "total": len(cases),
        "map": _map(cache, cases, rows),
    }
    if wants_fragment(request):
        return render(request, "_registry_results.html", **context)
    return render(request, "registry.html", **context)


# ---------------------------------------------------------------------------------------------------------
# a project


def _appraisal_context(
    registry: Registry, cache: ModelCache, case: Case, form: ScenarioForm
) -> tuple[int, dict[str, Any]]:
    """The appraisal under the form's scenario, the case as recorded beside it, and the charts."""
    context: dict[str, Any] = {"form": form, "prices": price_fields(case), "case": case, "issues": []}
    if not case.has_economics:
        context["a"] = None
        return 200, context
    try:
        scenario, overrides = form.parse(case)
        changed = form.describe(case, scenario, overrides)
        a = cached_appraisal(cache, registry, case, scenario, overrides)
    except InputError as exc:
        context.update(a=None, issues=[replace(i, path=FORM_NAMES.get(i.path, i.path)) for i in exc.issues])
        return 422, context
    except ChagaiError as exc:
        context.update(a=None, issues=[Issue("scenario", "", "a scenario the model can run", str(exc))])
        return 422, context
    except ValidationError as exc:  # a record the scenario makes (a new buyer) is invalid
        context.update(a=None, issues=list(issues_from_validation(exc, Party, "Stake sale")))
        return 422, context
    base = cached_appraisal(cache, registry, case) if changed else None
    context.update(
        a=a,
        base=base,
        changed=changed,
        figures={f.key: f for f in a.figures},
        base_figures={f.key: f for f in base.figures} if base else {},
        base_npv={s.party: s.npv for s in base.stakeholders} if base else {},
        government_rows=services.government_items(a),
        charts=cache.view(("appraisal charts", appraisal_key(a)), lambda: appraisal_charts(a)),
        checks={c.claim_id: c for c in a.claims},
    )
    return 200, context


@router.get("/projects/{project}", response_class=HTMLResponse)
def project_page(request: Request, project: str, registry: RegistryDep, cache: ModelCacheDep) -> Response:
    """A project: facts with sources, ownership, the appraisal under a scenario, claims and sources."""
    try:
        case = stored_case(cache, registry, project)
    except NotFoundError as exc:
        return error_page(request, 404, "No such project", str(exc))
    if case.id != project:
        query = f"?{request.url.query}" if request.url.query else ""
        return redirect(request, f"/projects/{case.id}{query}")
    form = ScenarioForm.from_params(request.query_params, case)
    status, context = _appraisal_context(registry, cache, case, form)
    if wants_fragment(request):
        return render(request, "_appraisal.html", status, **context)
    today = dt.date.today()
    context.update(
        title=case.name,
        resource=resource_label(case),
        operator=operator_label(case, today),
        status_text=registry_views.status_text(case, today),
        assumptions=list(quantities(case)),
        sources_by_id={s.id: s for s in case.sources},
        party_labels={p.id: p.label for p in case.parties},
    )
    return render(request, "project.html", status, **context)


def _risk_charts(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The charts of a finished Monte Carlo's results as (id, heading, plotly JSON)."""
    paths = int(results["paths"])
    charts = [("mc-owners", "NPV by owner", owner_ranges(results["stakeholders"], paths))]
    if results.get("first_default_year"):
        charts.append(("mc-default", "Year of the first default", default_years(results["first_default_year"], paths)))
    for i, data in enumerate(results.get("histograms") or []):
        charts.append((f"mc-histogram-{i}", str(data.get("label", "distribution")), histogram(data)))
    return charts


def _risk_context(
    registry: Registry, cache: ModelCache, case: Case, job: str, **extra: Any
) -> tuple[int, dict[str, Any]]:
    """The Monte Carlo form, and the state (and results, with charts) of the job ``job`` when given.

    A finished job's results never change, so its charts are kept by the job's id and the time it finished.
    """
    context: dict[str, Any] = {
        "title": f"{case.name}: Monte Carlo",
        "case": case,
        "state": None,
        "results": None,
        "charts": [],
        "issues": [],
        "paths": 20_000,
        "seed": 7,
        "max_paths": jobs.max_paths(),
    }
    context.update(extra)
    if not job:
        return 200, context
    try:
        state = jobs.job_status(registry, job)
    except NotFoundError as exc:
        context["issues"] = [Issue("job", job, "the id of a run of this project", str(exc))]
        return 404, context
    if state["project"] != case.id:
        context["issues"] = [Issue("job", job, f"a run of {case.name}", f"it is a run of {state['project']}")]
        return 404, context
    results = state["results"] if state["status"] == "done" else None
    context.update(state=state, results=results, paths=state["paths"], seed=state["seed"])
    if results:
        context["charts"] = cache.view(
            ("risk charts", state["id"], state["finished_at"]), lambda: _risk_charts(results)
        )
    return 200, context


@router.get("/projects/{project}/risk", response_class=HTMLResponse)
def risk_page(request: Request, project: str, registry: RegistryDep, cache: ModelCacheDep, job: str = "") -> Response:
    """The Monte Carlo of a project: paths and seed, a progress bar, then the distributions."""
    try:
        case = stored_case(cache, registry, project)
    except NotFoundError as exc:
        return error_page(request, 404, "No such project", str(exc))
    code, context = _risk_context(registry, cache, case, job.strip())
    if wants_fragment(request):
        return render(request, "_risk_results.html", code, **context)
    return render(request, "risk.html", code, **context)


def _start(
    request: Request,
    project: str,
    form: FormData,
    registry: Registry,
    cache: ModelCache,
    runner: JobRunner | None,
) -> Response:
    """Queue a Monte Carlo from the form (the page without JavaScript) and follow it on the risk page."""
    refusal = session.csrf_refusal(request, form)
    if refusal:
        return error_page(request, 403, "Form refused", f"The form was refused: {refusal}.")
    try:
        case = stored_case(cache, registry, project)
    except NotFoundError as exc:
        return error_page(request, 404, "No such project", str(exc))
    paths_text, seed_text = str(form.get("paths") or ""), str(form.get("seed") or "")
    issues = []
    if not paths_text.strip().isdigit():
        issues.append(Issue("Paths", paths_text, "a whole number of paths, e.g. 20000", "write digits only"))
    if not seed_text.strip().isdigit():
        issues.append(Issue("Seed", seed_text, "a whole number >= 0, e.g. 7", "write digits only"))
    try:
        if issues:
            raise InputError(issues)
        user = session.principal(request)
        run_id = jobs.submit_simulation(
            registry,
            case.id,
            int(paths_text),
            int(seed_text),
            actor=user.name if user else None,
            client=client_of(request, user),
        )
    except InputError as exc:
        _, context = _risk_context(registry, cache, case, "", issues=exc.issues, paths=paths_text, seed=seed_text)
        return render(request, "risk.html", 422, **context)
    except (jobs.RateLimited, jobs.QueueFull) as exc:
        return error_page(request, 429, "Too many simulations", str(exc))
    if runner is not None:
        runner.wake()
    return redirect(request, f"/projects/{case.id}/risk?job={run_id}")


@router.post("/projects/{project}/risk", response_class=HTMLResponse)
async def start_simulation(
    request: Request, project: str, registry: RegistryDep, cache: ModelCacheDep, runner: JobRunnerDep
) -> Response:
    """Start a Monte Carlo from the form (CSRF-checked); with JavaScript the page uses the JSON API instead."""
    form = await request.form()
    return await run_in_threadpool(_start, request, project, form, registry, cache, runner)


# ---------------------------------------------------------------------------------------------------------
# comparison


@router.get("/compare", response_class=HTMLResponse)
def compare_page(
    request: Request, registry: RegistryDep, cache: ModelCacheDep, ids: Annotated[list[str] | None, Query()] = None
) -> Response:
    """Projects side by side: what each government gets, government take, local share, cover."""
    cases = [c for c in stored_cases(cache, registry) if c.has_economics]
    by_id = {c.id: c for c in cases}
    chosen = [i for i in (ids or DEFAULT_COMPARISON) if i in by_id]
    unknown = [i for i in ids or [] if i not in by_id]
    context: dict[str, Any] = {"title": "Compare", "cases": cases, "chosen": chosen, "unknown": unknown}
    appraisals = [cached_appraisal(cache, registry, by_id[i]) for i in chosen]
    context.update(
        appraisals=appraisals,
        rows=services.comparison_rows(appraisals) if appraisals else [],
        charts=cache.view(
            ("compare charts", *map(appraisal_key, appraisals)),
            lambda: [(i, h, figure_json(f)) for i, h, f in compare_figures(appraisals)] if appraisals else [],
        ),
        labels={a.case.id: (resource_label(a.case), operator_label(a.case)) for a in appraisals},
        basis=appraisals[0].basis if appraisals else "",
    )
    return render(request, "compare.html", 404 if unknown and not chosen else 200, **context)
