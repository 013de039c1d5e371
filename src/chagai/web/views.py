"""What every page shares: the templates, rendering with the user and the security headers, and the stored cases.

Templates are autoescaped everywhere: text users enter (claims, sources, names) is always shown as text.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined
from plotly.offline import get_plotlyjs
from sqlalchemy import select

from chagai import __version__
from chagai.cases.compile import Scenario
from chagai.cases.schema import Case
from chagai.errors import Issue
from chagai.formatting import format_value
from chagai.registry import models as m
from chagai.registry import repo
from chagai.registry.db import Registry
from chagai.services.appraise import Appraisal
from chagai.web import session
from chagai.web.cache import ModelCache

FRAGMENT_HEADER = "x-chagai-fragment"
"""Request header asking for the fragment of a page that a form updates, instead of the whole page."""


@cache
def plotly_bundle() -> tuple[bytes, bytes, str]:
    """plotly.js of the installed plotly package: plain, gzip-compressed, and a short hash of it."""
    data = get_plotlyjs().encode()
    return data, gzip.compress(data, compresslevel=6, mtime=0), hashlib.sha256(data).hexdigest()[:12]


@cache
def static_url(name: str) -> str:
    """The address of a static file, with a version that changes when the file does (so it can be cached)."""
    if name == "plotly.min.js":
        return f"/static/plotly.min.js?v={plotly_bundle()[2]}"
    data = (resources.files("chagai.web") / "static" / name).read_bytes()
    return f"/static/{name}?v={hashlib.sha256(data).hexdigest()[:12]}"


TEMPLATES = Environment(
    loader=PackageLoader("chagai.web", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
TEMPLATES.globals.update(fmt=format_value, static=static_url, version=__version__)


def registry_of(request: Request) -> Registry:
    """The app's registry."""
    registry: Registry = request.app.state.registry
    return registry


def render(request: Request, name: str, code: int = 200, **context: Any) -> HTMLResponse:
    """A page (or fragment) from ``templates/``, with the user, the CSRF token and the security headers."""
    context.setdefault("title", "")
    html = TEMPLATES.get_template(name).render(
        request=request, user=session.principal(request), csrf=session.csrf_token(request), **context
    )
    response = HTMLResponse(html, status_code=code)
    response.headers["Vary"] = "X-Chagai-Fragment, Cookie"
    response.headers["Cache-Control"] = "no-store"
    session.finish(request, response)
    return response


def error_page(
    request: Request, code: int, title: str, message: str, issues: list[Issue] | None = None
) -> HTMLResponse:
    """A page that says what went wrong and how to go on."""
    return render(request, "error.html", code, title=title, message=message, issues=issues or [])


def redirect(request: Request, url: str) -> Response:
    """See ``url`` (303), with the cookies the request decided on."""
    response = RedirectResponse(url, status_code=303)
    session.finish(request, response)
    return response


def wants_fragment(request: Request) -> bool:
    """Whether the request asks for the fragment a form updates (sent by the pages' JavaScript)."""
    return bool(request.headers.get(FRAGMENT_HEADER))


def _cache(request: Request) -> ModelCache:
    model_cache: ModelCache = request.app.state.cache
    return model_cache


def stored_case(request: Request, project: str) -> Case:
    """The stored case of ``project`` (an id; names and aliases resolve too), read once per content.

    Raises
    ------
    NotFoundError
        If no project matches (the message suggests close names).
    """
    return _cache(request).case(registry_of(request), project)[2]


def stored_cases(request: Request) -> list[Case]:
    """Every stored case, by id, each read once per content (the server's cache keeps them)."""
    registry, model_cache = registry_of(request), _cache(request)
    with registry.session() as s:
        stored = s.execute(select(m.Project.id, m.Project.content_hash).order_by(m.Project.id)).all()

        def load(project_id: str) -> Callable[[], Case]:
            return lambda: repo.get_case(s, project_id)

        return [model_cache.cases.get_or_make((pid, content), load(pid)) for pid, content in stored]


def appraisal(
    request: Request, case: Case, scenario: Scenario | None = None, overrides: dict[str, Any] | None = None
) -> Appraisal:
    """The appraisal of a stored case under a scenario, kept by the server's cache."""
    return _cache(request).appraisal(registry_of(request), case.id, scenario or Scenario(), overrides or {})
