"""Reading the registry: projects, their cases, aliases, stakes, facilities, sources, claims and history."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Query, Response

from chagai.cases.schema import Case, Source, Status, normalise_name
from chagai.errors import InputError, NotFoundError
from chagai.registry import repo
from chagai.registry.db import Registry
from chagai.results import ChangeOut, ClaimCheck, ClaimOut, FacilityOut, ProjectDetail, ProjectRow, StakeOut
from chagai.services import registry_views
from chagai.web.cache import ModelCache
from chagai.web.deps import ModelCacheDep, ProjectDep, RegistryDep, etag
from chagai.web.routes.errors import api_router

router = api_router()


@router.get("/projects", response_model=list[ProjectRow], tags=["registry"])
def list_projects(
    registry: RegistryDep,
    cache: ModelCacheDep,
    status_: Annotated[Status | None, Query(alias="status", description="only this status on the date")] = None,
    commodity: Annotated[str | None, Query(max_length=40, description="e.g. copper, natural-gas")] = None,
    region: Annotated[str | None, Query(max_length=100, description="province or district, e.g. Balochistan")] = None,
    on: Annotated[dt.date | None, Query(description="status and operator on this date (default: today)")] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="search ids, names and aliases ('Reco Diq' finds reko-diq)")
    ] = None,
) -> list[ProjectRow]:
    """The registry's projects: Project | Resource | Operator/Partner | Status, filtered."""
    cases = cache.all_cases(registry)
    if q is not None and q.strip():
        with registry.session() as session:
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


@router.get("/projects/{project}", response_model=ProjectDetail, tags=["registry"])
def get_project(project: ProjectDep, response: Response) -> ProjectDetail:
    """One project: facts, aliases, status history, location, parties, and links to its records and exports.

    Its ``ETag`` header is the case's content hash: send it back as ``If-Match`` with a PUT or PATCH.
    """
    detail = registry_views.project_detail(project.case())
    response.headers["ETag"] = etag(detail.content_hash)
    return detail


@router.get("/projects/{project}/case", tags=["registry"], response_model=Case, response_model_exclude_none=True)
def get_case_document(project: ProjectDep) -> Case:
    """The whole case, as a case file holds it (what PUT /api/projects/{project} accepts)."""
    return project.case()


@router.get("/projects/{project}/aliases", response_model=list[str], tags=["registry"])
def get_aliases(project: ProjectDep) -> list[str]:
    """Other names the project is known by."""
    return list(project.case().aliases)


@router.get("/projects/{project}/stakes", response_model=list[StakeOut], tags=["registry"])
def get_stakes(
    project: ProjectDep,
    on: Annotated[dt.date | None, Query(description="only the stakes held on this date (default: every stake)")] = None,
    include_proposed: Annotated[bool, Query(description="with a date: also proposed stakes")] = False,
) -> list[StakeOut]:
    """Who holds what: every dated stake, or those in force on a date."""
    return registry_views.stakes(project.case(), on, include_proposed)


@router.get("/projects/{project}/facilities", response_model=list[FacilityOut], tags=["registry"])
def get_facilities(project: ProjectDep) -> list[FacilityOut]:
    """Loans and guarantees, amounts in US$ million and rates as decimals."""
    return registry_views.facilities(project.case())


@router.get("/projects/{project}/sources", response_model=list[Source], tags=["registry"])
def get_sources(project: ProjectDep) -> list[Source]:
    """The published statements the project's case cites."""
    return list(project.case().sources)


def claims_with_verdicts(case: Case, registry: Registry, cache: ModelCache) -> list[ClaimOut]:
    """The case's claims, each with the model's verdict on its base appraisal (or why the model cannot check)."""
    checks: list[ClaimCheck] = []
    reason = "the project has no production and cost inputs in the registry: the model cannot run it"
    if case.has_economics and case.claims:
        try:
            appraisal = cache.appraisal(registry, case.id)
        except InputError as exc:
            reason = f"the model cannot run the case: {exc.issues[0]}"
        else:
            checks = appraisal.claims
    return registry_views.claim_views(case.claims, checks, reason)


@router.get("/projects/{project}/claims", response_model=list[ClaimOut], tags=["registry"])
def get_claims(project: ProjectDep) -> list[ClaimOut]:
    """Sourced claims about the project, each with the model's verdict (agree, disagree, cannot check)."""
    return claims_with_verdicts(project.case(), project.registry, project.cache)


@router.get("/projects/{project}/history", response_model=list[ChangeOut], tags=["registry"])
def get_history(project: ProjectDep, registry: RegistryDep) -> list[ChangeOut]:
    """Who changed which field of the project, when, from what to what (oldest first)."""
    with registry.session() as session:
        return registry_views.change_views(repo.history(session, repo.resolve(session, project.name)))
