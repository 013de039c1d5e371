"""Errors of the JSON API, as JSON: the route class that shapes them, and the error responses routes document.

404 with the projects a name was close to; 422 with every problem of a request, each naming the field, the value
sent, what was expected and how to fix it; 401 and 403 for writes without an editor token; 409 when other
writers kept changing a project; 413 when a body is too large; 429 when too many simulations wait.

An error repeats the value sent only in a bounded, JSON-encodable form (:func:`echo`): a 2 MB text, a number that
is not finite, a lone surrogate or a deeply nested list can all be reported, cheaply, and never make the error
itself fail. Invalid requests are turned into their reply in the threadpool, off the event loop.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import reprlib
from collections.abc import Callable, Coroutine, Mapping
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
from chagai.errors import MISSING, InputError, Issue, NotFoundError, RegistryError
from chagai.web import jobs
from chagai.web.deps import registry_of, require_admin, require_editor
from chagai.web.schemas import ErrorOut

ECHO_CHARACTERS = 200
"""Most characters of a text an error repeats; a longer one is cut and its length given [characters]."""
ECHO_ENTRIES = 10
"""Most entries of a list or mapping an error repeats; the others are counted [entries]."""
ECHO_DEPTH = 4
"""Most levels of nested lists and mappings an error repeats; deeper ones are summarised [levels]."""
_TEXT_LIMIT = 2_000  # what an error's own words (detail, expected, fix) may hold [characters]
_LONG_INT_BITS = 600  # whole numbers beyond about 180 digits are described, not printed


def _text(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters (with its length), lone surrogates written as escapes."""
    if len(text) > limit:
        text = f"{text[:limit]}... ({len(text):,} characters)"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: no UTF-8 encoder accepts it
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def _scalar(value: Any) -> Any:
    """A JSON-encodable form of a value that is not a container."""
    if value is None or isinstance(value, bool | str):
        return _text(value, ECHO_CHARACTERS) if isinstance(value, str) else value
    if isinstance(value, int):
        if value.bit_length() <= _LONG_INT_BITS:
            return value
        digits = int(value.bit_length() * math.log10(2)) + 1
        return f"{'-' if value < 0 else ''}(a whole number of about {digits:,} digits)"
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray):
        return _text(bytes(value[: ECHO_CHARACTERS + 1]).decode("utf-8", "backslashreplace"), ECHO_CHARACTERS)
    return _text(_REPR.repr(value), ECHO_CHARACTERS)


def _entries(value: Any) -> list[tuple[Any, Any]] | None:
    """The entries of a mapping (key, value) or of a list (None, item); None for anything else."""
    if isinstance(value, Mapping):
        return list(itertools.islice(value.items(), ECHO_ENTRIES))
    if isinstance(value, list | tuple | set | frozenset):
        return [(None, item) for item in itertools.islice(value, ECHO_ENTRIES)]
    return None


def echo(value: Any, depth: int = ECHO_DEPTH) -> Any:
    """``value`` as an error repeats it: JSON-encodable, and small whatever the size of what was sent.

    Texts are cut to :data:`ECHO_CHARACTERS` characters (``"... (N characters)"``), lone surrogates escaped;
    numbers that are not finite become ``"NaN"``, ``"Infinity"``, ``"-Infinity"``; a whole number too long to
    print is described; lists and mappings keep :data:`ECHO_ENTRIES` entries (the rest are counted) over
    :data:`ECHO_DEPTH` levels (deeper ones are summarised). Nothing larger than that is ever walked.
    """
    entries = _entries(value)
    if entries is None:
        return _scalar(value)
    size = len(value)
    kind = "mapping" if isinstance(value, Mapping) else "list"
    if depth <= 0:
        return f"(a {kind} of {size:,} entries)"
    more = f"... ({size:,} entries in all)"
    if isinstance(value, Mapping):
        shown = {_text(str(key), ECHO_CHARACTERS): echo(item, depth - 1) for key, item in entries}
        if size > len(entries):
            shown["..."] = more
        return shown
    items = [echo(item, depth - 1) for _, item in entries]
    return [*items, more] if size > len(entries) else items


_REPR = reprlib.Repr()
_REPR.maxlevel = 2
_REPR.maxstring = _REPR.maxother = _REPR.maxlong = ECHO_CHARACTERS


def _api_path(path: str) -> str:
    """An issue's field as the API names it (the command line's ``--sell year`` is the body's ``sell.year``)."""
    if path.startswith("--"):
        path = "body." + path[2:].replace(" ", ".", 1)
    return _text(path, ECHO_CHARACTERS) or "(document)"


def issues_json(issues: list[Issue]) -> list[dict[str, Any]]:
    """Issues as the API reports them: field, value (see :func:`echo`), missing, expected, fix."""
    return [
        {
            "field": _api_path(issue.path),
            "value": None if issue.value is MISSING else echo(issue.value),
            "missing": issue.value is MISSING,
            "expected": _text(issue.expected, _TEXT_LIMIT),
            "fix": _text(issue.fix, _TEXT_LIMIT),
        }
        for issue in issues
    ]


def error_response(code: int, detail: str, issues: list[Issue] | None = None) -> JSONResponse:
    """An error as JSON: ``{"detail": ..., "issues": [...]}`` (see :class:`~chagai.web.schemas.ErrorOut`)."""
    body = {"detail": _text(detail, _TEXT_LIMIT), "issues": issues_json(issues or [])}
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
