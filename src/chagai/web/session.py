"""Who is using the pages, and proof that a form that writes was sent from them.

An editor logs in by pasting a token. That opens a session kept in the registry
(:func:`chagai.registry.tokens.open_session`): the session cookie holds only the session's random secret, never
the token, and every request looks the session up again, so logging out (which deletes it), its expiry, or
revoking its token ends it at once. Forms that write carry a CSRF token compared in constant time: a logged-in
browser's is the one stored with its session (a token of another session is refused); a browser without a
session (the login form, the simulation form) uses a random value kept in a cookie and repeated in a hidden field
(double submit). Both cookies are ``HttpOnly`` and ``SameSite=Strict`` (``Secure`` over https).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from chagai.registry.tokens import SESSION_LIFETIME, LoginSession, Principal, close_session, session_of
from chagai.web.deps import registry_of

SESSION_COOKIE = "chagai_session"
"""Cookie that holds the secret of a logged-in browser's session (never the token)."""
CSRF_COOKIE = "chagai_csrf"
"""Cookie that holds the CSRF token of a browser without a session."""
CSRF_FIELD = "csrf_token"
"""Form field that repeats the CSRF token."""
SESSION_SECONDS = int(SESSION_LIFETIME.total_seconds())
"""How long a login lasts in the browser [s]."""


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def login_session(request: Request) -> LoginSession | None:
    """The browser's open session, looked up once per request (``None`` when logged out, expired or revoked)."""
    if hasattr(request.state, "login"):
        cached: LoginSession | None = request.state.login
        return cached
    secret = request.cookies.get(SESSION_COOKIE)
    found = session_of(registry_of(request), secret) if secret else None
    request.state.login = found
    if secret and found is None:
        request.state.drop_session = True
    return found


def principal(request: Request) -> Principal | None:
    """The logged-in user, verified again on every request (``None`` when logged out or the session ended)."""
    found = login_session(request)
    return found.principal if found is not None else None


def csrf_token(request: Request) -> str:
    """The CSRF token a form of this page carries: the session's, else the browser's (new when it has none)."""
    found = login_session(request)
    if found is not None:
        return found.csrf
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
    found = login_session(request)
    expected = found.csrf if found is not None else request.cookies.get(CSRF_COOKIE, "")
    sent = form.get(CSRF_FIELD)
    if not expected:
        return "this browser has no form token yet (cookies may be blocked); reload the page and send the form again"
    if not isinstance(sent, str) or not sent:
        return "the form carries no form token; send it from this site's own page"
    if not hmac.compare_digest(expected.encode(), sent.encode()):
        return "the form's token does not match this browser's; reload the page and send the form again"
    return None


def log_in(request: Request, response: Response, opened: tuple[str, LoginSession]) -> None:
    """Keep the secret of the session just opened (:func:`~chagai.registry.tokens.open_session`) in the cookie."""
    secret, found = opened
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        path="/",
    )
    request.state.login = found
    request.state.drop_session = False


def log_out(request: Request) -> None:
    """Delete the browser's session from the registry, and its cookie on the response :func:`finish` completes."""
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        close_session(registry_of(request), secret)
    request.state.login = None
    request.state.drop_session = True
    request.state.new_csrf = secrets.token_urlsafe(32)


def finish(request: Request, response: Response) -> Response:
    """Set the cookies a request decided on (the security headers are every response's: :mod:`chagai.web.guards`)."""
    new = getattr(request.state, "new_csrf", None)
    if new:
        response.set_cookie(
            CSRF_COOKIE, new, httponly=True, samesite="strict", secure=_secure(request), path="/", max_age=86400 * 30
        )
    if getattr(request.state, "drop_session", False):
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict", secure=_secure(request))
    return response
