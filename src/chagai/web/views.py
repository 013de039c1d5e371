"""What every page shares: the templates, and rendering with the user and the security headers.

Templates are autoescaped everywhere: text users enter (claims, sources, names) is always shown as text.
"""

from __future__ import annotations

import gzip
import hashlib
from functools import cache
from importlib import resources
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined
from plotly.offline import get_plotlyjs

from chagai import __version__
from chagai.errors import Issue
from chagai.formatting import format_value
from chagai.web import session

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
