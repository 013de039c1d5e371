"""Writing to the registry: whole cases, fields, stakes, claims and sources.

An editor's token is needed (deleting a project needs an admin's). Every change is written whole or not at all,
with who made it and when (:mod:`chagai.registry.edits`). A project's replies carry its ``ETag`` (its content
hash); a PUT or PATCH sent with ``If-Match`` is written only if the project still has that content, else it is
answered 412 and nothing is written (a stale copy never overwrites a newer change).
"""

from __future__ import annotations

from typing import Annotated, Any, NamedTuple

from fastapi import Body, Depends, HTTPException, Response, status
from fastapi import Path as PathParam

from chagai.cases.schema import Case, Claim, Source, Stake
from chagai.registry import edits, repo
from chagai.registry.db import Registry
from chagai.registry.edits import ChangedSinceRead
from chagai.results import ClaimOut, ProjectDetail, StakeOut
from chagai.services import registry_views
from chagai.web.cache import ModelCache
from chagai.web.deps import (
    Admin,
    Editor,
    IfMatch,
    ModelCacheDep,
    PathProject,
    ProjectDep,
    ProjectPath,
    RegistryDep,
    etag,
    stored_case,
)
from chagai.web.routes.errors import WRITE_ERRORS, api_router
from chagai.web.routes.projects import claims_with_verdicts
from chagai.web.schemas import ErrorOut, FieldEdit

router = api_router()

VERSIONED_WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **WRITE_ERRORS,
    412: {"model": ErrorOut, "description": "the project changed since it was read (If-Match): read it again"},
}
"""Errors of a write that honours ``If-Match``."""


def _stale(exc: ChangedSinceRead) -> HTTPException:
    """412 for a write whose ``If-Match`` no longer matches, with the project's current ETag."""
    detail = (
        f'project {exc.project_id!r} changed since it was read: its ETag is now "{exc.current}" and nothing was '
        f"written. Read it again (GET /api/projects/{exc.project_id}), reapply your change to what you read, and "
        "send it with If-Match set to the new ETag"
    )
    return HTTPException(status.HTTP_412_PRECONDITION_FAILED, detail=detail, headers={"ETag": f'"{exc.current}"'})


RecordId = Annotated[str, PathParam(min_length=1, max_length=80, description="id of the record", examples=["x"])]


class ProjectRecord(NamedTuple):
    """A claim or source a path names: its project, and its own id."""

    project: PathProject
    record_id: str


async def claim_path(
    project: ProjectPath, claim_id: RecordId, registry: RegistryDep, cache: ModelCacheDep
) -> ProjectRecord:
    """The path's project and claim (the project first, as the path names them)."""
    return ProjectRecord(PathProject(project, registry, cache), claim_id)


async def source_path(
    project: ProjectPath, source_id: RecordId, registry: RegistryDep, cache: ModelCacheDep
) -> ProjectRecord:
    """The path's project and source (the project first, as the path names them)."""
    return ProjectRecord(PathProject(project, registry, cache), source_id)


ClaimPath = Annotated[ProjectRecord, Depends(claim_path)]
"""The claim a path names, in its project."""
SourcePath = Annotated[ProjectRecord, Depends(source_path)]
"""The source a path names, in its project."""


def _claim_out(registry: Registry, cache: ModelCache, project_id: str, claim_id: str) -> ClaimOut:
    """The stored claim ``claim_id`` of the project, with the model's verdict."""
    case = stored_case(cache, registry, project_id)
    return next(c for c in claims_with_verdicts(case, registry, cache) if c.id == claim_id)


@router.post(
    "/projects",
    status_code=status.HTTP_201_CREATED,
    response_model=ProjectDetail,
    tags=["registry"],
    responses=WRITE_ERRORS,
)
def create_project(registry: RegistryDep, principal: Editor, case: Annotated[Case, Body()]) -> ProjectDetail:
    """Create a project from a whole case document (as a case file holds it)."""
    return registry_views.project_detail(edits.create_project(registry, case, principal.name))


@router.put("/projects/{project}", response_model=ProjectDetail, tags=["registry"], responses=VERSIONED_WRITE_ERRORS)
def replace_project(
    registry: RegistryDep,
    principal: Editor,
    project: ProjectDep,
    case: Annotated[Case, Body()],
    if_match: IfMatch,
    response: Response,
) -> ProjectDetail:
    """Replace a project's whole case (the id stays); every changed field is recorded.

    With ``If-Match`` (the ETag a GET gave), the case is replaced only if nobody changed the project since.
    """
    try:
        changed = edits.replace_case(registry, project.resolved_id(), case, principal.name, if_content=if_match)
    except ChangedSinceRead as exc:
        raise _stale(exc) from None
    detail = registry_views.project_detail(changed)
    response.headers["ETag"] = etag(detail.content_hash)
    return detail


@router.patch("/projects/{project}", response_model=ProjectDetail, tags=["registry"], responses=VERSIONED_WRITE_ERRORS)
def edit_project(
    registry: RegistryDep,
    principal: Editor,
    project: ProjectDep,
    body: FieldEdit,
    if_match: IfMatch,
    response: Response,
) -> ProjectDetail:
    """Change fields by path, as ``chagai edit --set``: ``{"set": {"statuses[3].note": "...", "stakes[2].end": ...}}``.

    Every change is applied before the whole case is validated; the edit is written whole or not at all. With
    ``If-Match`` (the ETag a GET gave), it is written only if nobody changed the project since.
    """
    try:
        changed = edits.edit_fields(
            registry, project.resolved_id(), body.assignments, principal.name, if_content=if_match
        )
    except ChangedSinceRead as exc:
        raise _stale(exc) from None
    detail = registry_views.project_detail(changed)
    response.headers["ETag"] = etag(detail.content_hash)
    return detail


@router.delete("/projects/{project}", status_code=status.HTTP_204_NO_CONTENT, tags=["registry"], responses=WRITE_ERRORS)
def delete_project(
    registry: RegistryDep,
    principal: Admin,
    project: ProjectDep,
) -> Response:
    """Remove a project (admin token); its last content stays in the history."""
    repo.delete_project(registry, project.resolved_id(), principal.name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put("/projects/{project}/stakes", response_model=list[StakeOut], tags=["registry"], responses=WRITE_ERRORS)
def replace_stakes(
    registry: RegistryDep,
    principal: Editor,
    project: ProjectDep,
    stakes: Annotated[list[Stake], Body(max_length=200)],
) -> list[StakeOut]:
    """Replace the dated stakes (end some and start others in one edit: the stakes in force must sum to 100%)."""
    changed = edits.set_stakes(registry, project.resolved_id(), stakes, principal.name)
    return registry_views.stakes(changed, None, True)


@router.post(
    "/projects/{project}/claims",
    status_code=status.HTTP_201_CREATED,
    response_model=ClaimOut,
    tags=["registry"],
    responses=WRITE_ERRORS,
)
def add_claim(
    registry: RegistryDep,
    cache: ModelCacheDep,
    principal: Editor,
    project: ProjectDep,
    claim: Annotated[Claim, Body()],
) -> ClaimOut:
    """Add a sourced claim; its sources must be among the project's sources."""
    changed = edits.add_claim(registry, project.resolved_id(), claim, principal.name)
    return _claim_out(registry, cache, changed.id, claim.id)


@router.put("/projects/{project}/claims/{claim_id}", response_model=ClaimOut, tags=["registry"], responses=WRITE_ERRORS)
def update_claim(
    registry: RegistryDep,
    cache: ModelCacheDep,
    principal: Editor,
    target: ClaimPath,
    claim: Annotated[Claim, Body()],
) -> ClaimOut:
    """Replace a claim (the body's id must be the claim's own)."""
    changed = edits.update_claim(registry, target.project.resolved_id(), target.record_id, claim, principal.name)
    return _claim_out(registry, cache, changed.id, target.record_id)


@router.delete(
    "/projects/{project}/claims/{claim_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["registry"],
    responses=WRITE_ERRORS,
)
def delete_claim(registry: RegistryDep, principal: Editor, target: ClaimPath) -> Response:
    """Remove a claim (refused while a decision of the case names it)."""
    edits.delete_claim(registry, target.project.resolved_id(), target.record_id, principal.name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/projects/{project}/sources",
    status_code=status.HTTP_201_CREATED,
    response_model=Source,
    tags=["registry"],
    responses=WRITE_ERRORS,
)
def add_source(
    registry: RegistryDep, principal: Editor, project: ProjectDep, source: Annotated[Source, Body()]
) -> Source:
    """Add a source (title, publisher, date, link, confidence)."""
    edits.add_source(registry, project.resolved_id(), source, principal.name)
    return source


@router.put("/projects/{project}/sources/{source_id}", response_model=Source, tags=["registry"], responses=WRITE_ERRORS)
def update_source(
    registry: RegistryDep,
    principal: Editor,
    target: SourcePath,
    source: Annotated[Source, Body()],
) -> Source:
    """Replace a source (the body's id must be the source's own)."""
    edits.update_source(registry, target.project.resolved_id(), target.record_id, source, principal.name)
    return source


@router.delete(
    "/projects/{project}/sources/{source_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["registry"],
    responses=WRITE_ERRORS,
)
def delete_source(registry: RegistryDep, principal: Editor, target: SourcePath) -> Response:
    """Remove a source (refused while anything in the case cites it)."""
    edits.delete_source(registry, target.project.resolved_id(), target.record_id, principal.name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
