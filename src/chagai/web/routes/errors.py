"""Errors of the JSON API, as JSON: the route class that shapes them, and the error responses routes document.

404 with the projects a name was close to; 422 with every problem of a request, each naming the field, the value
sent, what was expected and how to fix it; 401 and 403 for writes without an editor token; 409 when other
writers kept changing a project; 413 when a body is too large; 429 when too many simulations wait.

An error repeats the value sent only in the bounded, JSON-encodable form every issue keeps
(:func:`chagai.errors.bounded`): a 2 MB text, a number that is not finite, a lone surrogate or a deeply nested
list can all be reported, cheaply, and never make the error itself fail. Invalid requests are turned into their
reply in the threadpool, off the event loop.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, cast

from fastapi import APIRouter, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from chagai.cases.issues import issues_from_validation
from chagai.errors import MISSING, InputError, Issue, NotFoundError, RegistryError, clipped
from chagai.web import jobs
from chagai.web.deps import registry_of, require_admin, require_editor
from chagai.web.schemas import ErrorOut

_TEXT_LIMIT = 2_000  # what an error's own words (detail, expected, fix) may hold [characters]


def _api_path(path: str) -> str:
    """An issue's field as the API names it (the command line's ``--sell year`` is the body's ``sell.year``)."""
    if path.startswith("--"):
        path = "body." + path[2:].replace(" ", ".", 1)
    return clipped(path) or "(document)"


def issues_json(issues: list[Issue]) -> list[dict[str, Any]]:
    """Issues as the API reports them: field, value, missing, expected, fix.

    The value is the bounded, JSON-encodable form every issue keeps (:func:`chagai.errors.bounded`).
    """
    return [
        {
            "field": _api_path(issue.path),
            "value": None if issue.value is MISSING else issue.value,
            "missing": issue.value is MISSING,
            "expected": clipped(issue.expected, _TEXT_LIMIT),
            "fix": clipped(issue.fix, _TEXT_LIMIT),
        }
        for issue in issues
    ]


def error_response(code: int, detail: str, issues: list[Issue] | None = None) -> JSONResponse:
    """An error as JSON: ``{"detail": ..., "issues": [...]}`` (see :class:`~chagai.web.schemas.ErrorOut`)."""
    body = {"detail": clipped(detail, _TEXT_LIMIT), "issues": issues_json(issues or [])}
    return JSONResponse(body, status_code=code)


class _RequestErrors:
    """A request's validation errors, shaped as the pydantic error the issue builder reads."""

    def __init__(self, errors: list[Any]) -> None:
        self._errors = errors

    def errors(self, include_url: bool = True) -> list[Any]:
        return self._errors


def _invalid(exc: RequestValidationError, root: type[BaseModel]) -> JSONResponse:
    errors = cast(ValidationError, _RequestErrors(list(exc.errors())))
    issues = list(issues_from_validation(errors, root))
    return error_response(
        422, f"the request is invalid: {len(issues)} problem{'s' if len(issues) != 1 else ''}", issues
    )


_UNREADABLE = Issue(
    "body",
    None,
    "a JSON document in UTF-8 text, its lists and objects nested at most a few hundred levels deep",
    "send the body as JSON (Content-Type: application/json) encoded in UTF-8",
)


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
                await run_in_threadpool(require_editor, request, registry_of(request))
            try:
                return await handler(request)
            except RequestValidationError as exc:  # its values may be large: shaped off the event loop
                return await run_in_threadpool(_invalid, exc, root)
            except InputError as exc:
                count = len(exc.issues)
                where = f"{exc.origin}: " if exc.origin else ""
                detail = f"{where}the input is invalid: {count} problem{'s' if count != 1 else ''}"
                return error_response(422, detail, exc.issues)
            except NotFoundError as exc:
                return error_response(404, str(exc))
            except RegistryError as exc:
                return error_response(409, str(exc))
            except jobs.QueueFull as exc:
                return error_response(429, str(exc))
            except HTTPException as exc:
                if exc.status_code != 400:  # 401 and 403 keep their own answer and headers
                    raise
                return error_response(400, "the body cannot be read", [_UNREADABLE])

        return route


def _needs_editor(dependant: Dependant) -> bool:
    """Whether a route depends (directly or not) on an editor's token."""
    return any(d.call in (require_editor, require_admin) or _needs_editor(d) for d in dependant.dependencies)


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "the body cannot be read (not UTF-8 text, or JSON nested too deep)"},
    404: {"model": ErrorOut, "description": "no such project (the message suggests close names) or record"},
    413: {"model": ErrorOut, "description": "the body is larger than the server accepts (CHAGAI_MAX_BODY_BYTES)"},
    422: {"model": ErrorOut, "description": "invalid input: every problem with its field, value, expectation, fix"},
}
"""Errors any route may answer."""
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    401: {"model": ErrorOut, "description": "no token, or an unknown or revoked one"},
    403: {"model": ErrorOut, "description": "the token's role may not do this"},
    409: {"model": ErrorOut, "description": "other writers kept changing the project; try again"},
}
"""Errors a route that writes to the registry may answer."""


def api_router() -> APIRouter:
    """A router of the API: its routes answer errors as JSON and document :data:`ERRORS`."""
    return APIRouter(route_class=ApiRoute, responses=ERRORS)
