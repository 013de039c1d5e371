"""What the routes and pages depend on, as FastAPI dependencies (``Annotated[..., Depends(...)]``).

The server's registry, model cache and job runner, who is asking, and the project a path names: each route
declares those it needs.

The app keeps its registry, cache and runner on ``app.state`` (:func:`chagai.web.app.create_app` and its lifespan
set them); this module is the only one that reads them. Looking them up needs no worker thread, so those
dependencies are coroutines, answered in the event loop.

Reading is open. Creating or editing projects, stakes, claims and sources needs a token of role ``editor`` or
``admin`` (``chagai token create --name NAME --role editor``), sent as ``Authorization: Bearer <token>``. The
plaintext is shown once, when the token is created; the registry keeps only its SHA-256 hash, so a copy of the
database gives no usable token. A revoked token is refused at once (every request checks the registry).

The API reads only the ``Authorization`` header, never a cookie, so a page of another site cannot make a
browser send a write on its user's behalf: the API needs no CSRF token. The HTML forms use their own session and
CSRF protection (:mod:`chagai.web.session`) over the same :func:`~chagai.registry.tokens.verify_token`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Request, status
from fastapi import Path as PathParam
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select

from chagai.cases.compile import Scenario
from chagai.cases.schema import Case
from chagai.registry import models, repo
from chagai.registry.db import Registry
from chagai.registry.tokens import Principal, verify_token
from chagai.services.appraise import Appraisal
from chagai.web.cache import ModelCache
from chagai.web.jobs import JobRunner

# ---------------------------------------------------------------------------------------------------------
# the server's registry, model cache and job runner


def registry_of(request: Request) -> Registry:
    """The registry the app serves."""
    registry: Registry = request.app.state.registry
    return registry


def model_cache_of(request: Request) -> ModelCache:
    """The app's cache of cases and appraisals."""
    cache: ModelCache = request.app.state.cache
    return cache


def job_runner_of(request: Request) -> JobRunner | None:
    """The app's runner of simulation jobs (``None`` while the app is not started, or when it runs no jobs)."""
    runner: JobRunner | None = getattr(request.app.state, "jobs", None)
    return runner


async def _registry(request: Request) -> Registry:
    return registry_of(request)


async def _model_cache(request: Request) -> ModelCache:
    return model_cache_of(request)


async def _job_runner(request: Request) -> JobRunner | None:
    return job_runner_of(request)


RegistryDep = Annotated[Registry, Depends(_registry)]
"""The registry the app serves."""
ModelCacheDep = Annotated[ModelCache, Depends(_model_cache)]
"""The app's cache of cases and appraisals, by content."""
JobRunnerDep = Annotated[JobRunner | None, Depends(_job_runner)]
"""The app's runner of simulation jobs, if it runs any."""

# ---------------------------------------------------------------------------------------------------------
# who is asking: tokens over HTTP

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="A chagai token: `Authorization: Bearer <token>`. Create one with "
    "`chagai token create --name NAME --role editor`.",
)

_MISSING = (
    "this request changes the registry and needs a token: send 'Authorization: Bearer <token>' "
    "(an administrator creates one with `chagai token create --name NAME --role editor`)"
)
_INVALID = "the token is unknown or has been revoked: ask an administrator for a new one (`chagai token create`)"


def _bearer_value(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def api_principal(request: Request, registry: RegistryDep) -> Principal | None:
    """The holder of the request's bearer token (``None`` without a valid one). Cookies are never read."""
    value = _bearer_value(request)
    return verify_token(registry, value) if value else None


def client_of(request: Request, principal: Principal | None) -> str:
    """Who a request counts against in rate limits: its token (``token:<id>``), else its address (``ip:<host>``)."""
    if principal is not None:
        return f"token:{principal.token_id}"
    return f"ip:{request.client.host if request.client is not None else 'unknown'}"


def _refuse(code: int, detail: str) -> HTTPException:
    return HTTPException(code, detail=detail, headers={"WWW-Authenticate": "Bearer"} if code == 401 else None)


def require_editor(
    request: Request,
    registry: RegistryDep,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)] = None,
) -> Principal:
    """The editor or admin making the request: 401 without a valid token, 403 for a viewer's token."""
    known = getattr(request.state, "principal", None)
    if isinstance(known, Principal):
        return known
    value = _bearer_value(request)
    if value is None:
        raise _refuse(status.HTTP_401_UNAUTHORIZED, _MISSING)
    principal = verify_token(registry, value)
    if principal is None:
        raise _refuse(status.HTTP_401_UNAUTHORIZED, _INVALID)
    if not principal.can_edit:
        msg = f"the token of {principal.name!r} has the role {principal.role!r}: it may read, not write"
        raise _refuse(status.HTTP_403_FORBIDDEN, msg)
    request.state.principal = principal
    return principal


def require_admin(principal: Annotated[Principal, Depends(require_editor)]) -> Principal:
    """The admin making the request: 403 for an editor's token (deleting a whole project needs an admin)."""
    if not principal.is_admin:
        msg = (
            f"the token of {principal.name!r} has the role {principal.role!r}; deleting a project needs an admin token"
        )
        raise _refuse(status.HTTP_403_FORBIDDEN, msg)
    return principal


OptionalPrincipal = Annotated[Principal | None, Depends(api_principal)]
"""Who sent the request, when it carries a valid bearer token."""
Editor = Annotated[Principal, Depends(require_editor)]
"""The editor or admin sending the request (401 or 403 otherwise)."""
Admin = Annotated[Principal, Depends(require_admin)]
"""The admin sending the request (401 or 403 otherwise)."""

# ---------------------------------------------------------------------------------------------------------
# stored projects, read through the cache

ProjectPath = Annotated[
    str, PathParam(min_length=1, max_length=200, description="project id, name or alias", examples=["reko-diq"])
]
"""The project a path names, by id, name or alias."""


def stored_case(cache: ModelCache, registry: Registry, project: str) -> Case:
    """The stored case of ``project`` (an id; names and aliases resolve too), read once per content.

    Raises
    ------
    NotFoundError
        If no project matches (the message suggests close names).
    """
    return cache.case(registry, project)[2]


def stored_cases(cache: ModelCache, registry: Registry) -> list[Case]:
    """Every stored case, by id, each read once per content (the server's cache keeps them)."""
    with registry.session() as s:
        stored = s.execute(select(models.Project.id, models.Project.content_hash).order_by(models.Project.id)).all()

        def load(project_id: str) -> Callable[[], Case]:
            return lambda: repo.get_case(s, project_id)

        return [cache.cases.get_or_make((pid, content), load(pid)) for pid, content in stored]


def cached_appraisal(
    cache: ModelCache,
    registry: Registry,
    case: Case,
    scenario: Scenario | None = None,
    overrides: dict[str, Any] | None = None,
) -> Appraisal:
    """The appraisal of a stored case under a scenario, kept by the server's cache."""
    return cache.appraisal(registry, case.id, scenario or Scenario(), overrides or {})


@dataclass(frozen=True)
class PathProject:
    """The project a path names (by id, name or alias), resolved when a route asks for it.

    Each way of resolving it raises :class:`~chagai.errors.NotFoundError` (404, suggesting close names) when no
    project matches. Routes resolve it themselves, after the request is validated: a request that is both invalid
    and names no project is answered 422, as any invalid request.
    """

    name: str
    registry: Registry
    cache: ModelCache

    def case(self) -> Case:
        """The project's stored case, read once per content."""
        return stored_case(self.cache, self.registry, self.name)

    def resolved_id(self) -> str:
        """The project's id, resolved in the registry."""
        with self.registry.session() as session:
            return repo.resolve(session, self.name)

    def appraisal(self) -> Appraisal:
        """The appraisal of the project as recorded (its base scenario), kept by the server's cache."""
        return self.cache.appraisal(self.registry, self.name)


async def path_project(project: ProjectPath, registry: RegistryDep, cache: ModelCacheDep) -> PathProject:
    """The project the path names, to be resolved by the route."""
    return PathProject(project, registry, cache)


ProjectDep = Annotated[PathProject, Depends(path_project)]
"""The project the path names."""


# ---------------------------------------------------------------------------------------------------------
# versions of a project: ETag and If-Match


def etag(content_hash: str) -> str:
    """The ETag of a project's case: its content hash (``ProjectDetail.content_hash``), quoted (a strong validator)."""
    return f'"{content_hash}"'


def _if_match(
    if_match: Annotated[
        str | None,
        Header(
            max_length=2000,
            description="write only if the project is still as read: the ETag a GET of the project gave "
            '(`"<content_hash>"`); 412 when it changed since',
        ),
    ] = None,
) -> frozenset[str] | None:
    """The content hashes an ``If-Match`` header accepts (``None`` without one, or for ``*``: any content)."""
    if if_match is None or if_match.strip() in ("", "*"):
        return None
    tags = (tag.strip() for tag in if_match.split(","))
    # a weak tag (W/"...") never matches in If-Match (strong comparison); a bare hash is taken as its quoted form
    return frozenset(tag.strip('"') for tag in tags if tag and not tag.startswith("W/"))


IfMatch = Annotated[frozenset[str] | None, Depends(_if_match)]
"""The content hashes the request's ``If-Match`` accepts, or ``None`` (write whatever the project holds)."""
