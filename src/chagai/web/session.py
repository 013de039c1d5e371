"""Who is using the pages, and proof that a form that writes was sent from them.

An editor logs in by pasting a token; the session cookie holds that token and every request verifies it again
(:func:`chagai.registry.tokens.verify_token`), so revoking a token ends its sessions at once. Forms that write carry a
CSRF token: a random value kept in a cookie and repeated in a hidden field (double submit), compared in constant
time. Both cookies are ``HttpOnly`` and ``SameSite=Strict``.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from chagai.registry.tokens import Principal, verify_token
from chagai.web.deps import registry_of

SESSION_COOKIE = "chagai_session"
"""Cookie that holds the token of a logged-in user."""
CSRF_COOKIE = "chagai_csrf"
"""Cookie that holds the CSRF token of a browser."""
CSRF_FIELD = "csrf_token"
"""Form field that repeats the CSRF token."""
SESSION_SECONDS = 12 * 3600
"""How long a login lasts in the browser [s]."""


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def csrf_token(request: Request) -> str:
    """The browser's CSRF token (a new one, set on the response by :func:`finish`, when it has none)."""
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not token or len(token) < 32:
        token = secrets.token_urlsafe(32)
        request.state.new_csrf = token
    return str(token)


def csrf_refusal(request: Request, form: Mapping[str, Any]) -> str | None:
    """Why a form that writes is refused (``None`` when its CSRF token and origin are right)."""
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.url.netloc:
        return f"the form was sent from another site ({origin}); send it from this site's own page"
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = form.get(CSRF_FIELD)
    if not cookie:
        return "this browser has no form token yet (cookies may be blocked); reload the page and send the form again"
    if not isinstance(sent, str) or not sent:
        return "the form carries no form token; send it from this site's own page"
    if not hmac.compare_digest(cookie.encode(), sent.encode()):
        return "the form's token does not match this browser's; reload the page and send the form again"
    return None


def principal(request: Request) -> Principal | None:
    """The logged-in user, verified again on every request (``None`` when logged out or the token is revoked)."""
    if hasattr(request.state, "principal"):
        cached: Principal | None = request.state.principal
        return cached
    token = request.cookies.get(SESSION_COOKIE)
    found = verify_token(registry_of(request), token) if token else None
    request.state.principal = found
    if token and found is None:
        request.state.drop_session = True
    return found


def log_in(request: Request, response: Response, token: str) -> None:
    """Keep ``token`` in the session cookie, and start a new CSRF token for the new session."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        path="/",
    )
    request.state.drop_session = False
    request.state.new_csrf = secrets.token_urlsafe(32)


def log_out(request: Request) -> None:
    """End the session on the response that :func:`finish` completes."""
    request.state.drop_session = True
    request.state.new_csrf = secrets.token_urlsafe(32)


def finish(request: Request, response: Response) -> Response:
    """Set the cookies a request decided on, and the headers every page carries."""
    new = getattr(request.state, "new_csrf", None)
    if new:
        response.set_cookie(
            CSRF_COOKIE, new, httponly=True, samesite="strict", secure=_secure(request), path="/", max_age=86400 * 30
        )
    if getattr(request.state, "drop_session", False):
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict", secure=_secure(request))
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response
