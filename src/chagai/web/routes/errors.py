"""Errors of the JSON API, as JSON: the route class that shapes them, and the error responses routes document.

404 with the projects a name was close to; 422 with every problem of a request, each naming the field, the value
sent, what was expected and how to fix it; 401 and 403 for writes without an editor token; 409 when other
writers kept changing a project; 429 when too many simulations wait.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, cast

from fastapi import APIRouter, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool

from chagai.cases.issues import issues_from_validation
from chagai.errors import MISSING, InputError, Issue, NotFoundError, RegistryError
from chagai.web import jobs
from chagai.web.deps import registry_of, require_admin, require_editor
from chagai.web.schemas import ErrorOut


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
                await run_in_threadpool(require_editor, request, registry_of(request))
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
