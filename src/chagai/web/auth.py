"""API tokens: who may write to the registry.

Reading is open. Creating or editing projects, stakes, claims and sources needs a token of role ``editor`` or
``admin`` (``chagai token create --name NAME --role editor``), sent as ``Authorization: Bearer <token>``. The
plaintext is shown once, when the token is created; the registry keeps only its SHA-256 hash, so a copy of the
database gives no usable token. A revoked token is refused at once (every request checks the registry).

The API reads only the ``Authorization`` header, never a cookie, so a page of another site cannot make a
browser send a write on its user's behalf: the API needs no CSRF token. The HTML forms use their own session and
CSRF protection (:mod:`chagai.web.session`) over the same :func:`verify_token`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select

from chagai.errors import InputError, Issue, NotFoundError
from chagai.registry import models as m
from chagai.registry.db import Registry

ROLES = ("viewer", "editor", "admin")
"""Roles of tokens: viewers may only read (as anyone may), editors may write, admins may also delete projects."""

TOKEN_PREFIX = "chg_"
"""Start of every token's plaintext (lets secret scanners recognise a leaked token)."""


@dataclass(frozen=True)
class Principal:
    """The holder of a valid token."""

    token_id: str
    name: str
    role: str

    @property
    def can_edit(self) -> bool:
        """Whether the token may change the registry."""
        return self.role in ("editor", "admin")

    @property
    def is_admin(self) -> bool:
        """Whether the token may also delete projects."""
        return self.role == "admin"


@dataclass(frozen=True)
class TokenInfo:
    """What the registry knows of a token (never its secret)."""

    id: str
    name: str
    role: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None

    @property
    def active(self) -> bool:
        """Whether the token is still accepted."""
        return self.revoked_at is None


def hash_secret(plaintext: str) -> str:
    """The SHA-256 (hex) under which a token is stored."""
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def create_token(registry: Registry, name: str, role: str) -> tuple[str, str]:
    """Create a token for ``name`` with ``role``; return ``(token_id, plaintext)``.

    The plaintext is returned only here: the registry stores its hash.

    Raises
    ------
    InputError
        If the name is empty or too long, or the role is not one of :data:`ROLES`.
    """
    issues = []
    if not name.strip() or len(name) > 100:
        issues.append(Issue("name", name, "1 to 100 characters", "name the person or system the token is for"))
    if role not in ROLES:
        issues.append(Issue("role", role, f"one of {', '.join(ROLES)}", "choose a role"))
    if issues:
        raise InputError(issues)
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token_id = secrets.token_hex(6)
    with registry.session() as session, session.begin():
        session.add(m.Token(id=token_id, name=name.strip(), role=role, secret_hash=hash_secret(plaintext)))
    return token_id, plaintext


def revoke_token(registry: Registry, token_id: str) -> None:
    """Revoke a token (revoking it again changes nothing).

    Raises
    ------
    NotFoundError
        If no token has this id.
    """
    with registry.session() as session, session.begin():
        row = session.get(m.Token, token_id)
        if row is None:
            known = ", ".join(session.scalars(select(m.Token.id).order_by(m.Token.created_at))) or "(none)"
            msg = f"no token has the id {token_id!r}; tokens: {known} (see `chagai token list`)"
            raise NotFoundError(msg)
        if row.revoked_at is None:
            row.revoked_at = dt.datetime.now(dt.UTC)


def list_tokens(registry: Registry) -> list[TokenInfo]:
    """Every token, oldest first (revoked ones too)."""
    with registry.session() as session:
        rows = session.scalars(select(m.Token).order_by(m.Token.created_at, m.Token.id))
        return [TokenInfo(r.id, r.name, r.role, r.created_at, r.revoked_at) for r in rows]


def verify_token(registry: Registry, plaintext: str) -> Principal | None:
    """The holder of ``plaintext``, or ``None`` when the token is unknown or revoked."""
    if not plaintext or len(plaintext) > 200:
        return None
    with registry.session() as session:
        row = session.scalar(select(m.Token).where(m.Token.secret_hash == hash_secret(plaintext)))
        if row is None or row.revoked_at is not None:
            return None
        return Principal(row.id, row.name, row.role)


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
