"""Tokens over HTTP: who may write to the registry through the API (:mod:`chagai.registry.tokens` keeps them).

Reading is open. Creating or editing projects, stakes, claims and sources needs a token of role ``editor`` or
``admin`` (``chagai token create --name NAME --role editor``), sent as ``Authorization: Bearer <token>``. The
plaintext is shown once, when the token is created; the registry keeps only its SHA-256 hash, so a copy of the
database gives no usable token. A revoked token is refused at once (every request checks the registry).

The API reads only the ``Authorization`` header, never a cookie, so a page of another site cannot make a
browser send a write on its user's behalf: the API needs no CSRF token. The HTML forms use their own session and
CSRF protection (:mod:`chagai.web.session`) over the same :func:`~chagai.registry.tokens.verify_token`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from chagai.registry.tokens import Principal, verify_token

__all__ = ["Principal", "api_principal", "require_admin", "require_editor", "verify_token"]

# ---------------------------------------------------------------------------------------------------------
# FastAPI dependencies

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


def api_principal(request: Request) -> Principal | None:
    """The holder of the request's bearer token (``None`` without a valid one). Cookies are never read."""
    value = _bearer_value(request)
    return verify_token(request.app.state.registry, value) if value else None


def _refuse(code: int, detail: str) -> HTTPException:
    return HTTPException(code, detail=detail, headers={"WWW-Authenticate": "Bearer"} if code == 401 else None)


def require_editor(
    request: Request, _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)] = None
) -> Principal:
    """The editor or admin making the request: 401 without a valid token, 403 for a viewer's token."""
    known = getattr(request.state, "principal", None)
    if isinstance(known, Principal):
        return known
    value = _bearer_value(request)
    if value is None:
        raise _refuse(status.HTTP_401_UNAUTHORIZED, _MISSING)
    principal = verify_token(request.app.state.registry, value)
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
