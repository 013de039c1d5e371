"""API tokens kept in the registry: who may write to it through the web API; and the browser sessions they open.

A token has a role (``viewer``, ``editor`` or ``admin``). Its plaintext is shown once, when it is created; the
registry keeps only its SHA-256 hash, so a copy of the database gives no usable token. A revoked token is refused
at once. The command line creates, lists and revokes tokens; the web checks them (:mod:`chagai.web.deps`).

Logging in to the pages with a token opens a session (:func:`open_session`): a new random secret for the browser's
cookie, of which the registry keeps only the hash, with the session's CSRF token and its expiry. The cookie never
holds the token itself. Logging out deletes the session; revoking a token deletes every session it opened.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select

from chagai.errors import InputError, Issue, NotFoundError
from chagai.registry import models
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
        session.add(models.Token(id=token_id, name=name.strip(), role=role, secret_hash=hash_secret(plaintext)))
    return token_id, plaintext


def revoke_token(registry: Registry, token_id: str) -> None:
    """Revoke a token (revoking it again changes nothing).

    Raises
    ------
    NotFoundError
        If no token has this id.
    """
    with registry.session() as session, session.begin():
        row = session.get(models.Token, token_id)
        if row is None:
            known = ", ".join(session.scalars(select(models.Token.id).order_by(models.Token.created_at))) or "(none)"
            msg = f"no token has the id {token_id!r}; tokens: {known} (see `chagai token list`)"
            raise NotFoundError(msg)
        if row.revoked_at is None:
            row.revoked_at = dt.datetime.now(dt.UTC)
        session.execute(delete(models.LoginSession).where(models.LoginSession.token_id == token_id))


def list_tokens(registry: Registry) -> list[TokenInfo]:
    """Every token, oldest first (revoked ones too)."""
    with registry.session() as session:
        rows = session.scalars(select(models.Token).order_by(models.Token.created_at, models.Token.id))
        return [TokenInfo(r.id, r.name, r.role, r.created_at, r.revoked_at) for r in rows]


def verify_token(registry: Registry, plaintext: str) -> Principal | None:
    """The holder of ``plaintext``, or ``None`` when the token is unknown or revoked."""
    if not plaintext or len(plaintext) > 200:
        return None
    with registry.session() as session:
        row = session.scalar(select(models.Token).where(models.Token.secret_hash == hash_secret(plaintext)))
        if row is None or row.revoked_at is not None:
            return None
        return Principal(row.id, row.name, row.role)


# ---------------------------------------------------------------------------------------------------------
# browser sessions

SESSION_LIFETIME = dt.timedelta(hours=12)
"""How long a login lasts before the user must log in again."""


@dataclass(frozen=True)
class LoginSession:
    """An open browser session: who it belongs to, and the CSRF token its forms must carry."""

    principal: Principal
    csrf: str


def _aware(when: dt.datetime) -> dt.datetime:
    """SQLite gives back naive datetimes (stored in UTC)."""
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when


def open_session(registry: Registry, plaintext: str) -> tuple[str, LoginSession] | None:
    """Open a session for the holder of the token ``plaintext``; return ``(secret, session)``, or ``None``.

    ``secret`` is what the browser's cookie holds (the registry keeps its hash). ``None`` when the token is
    unknown or revoked. Sessions past their expiry are removed at the same time.
    """
    found = verify_token(registry, plaintext)
    if found is None:
        return None
    secret = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = dt.datetime.now(dt.UTC)
    with registry.session() as session, session.begin():
        session.execute(delete(models.LoginSession).where(models.LoginSession.expires_at < now))
        session.add(
            models.LoginSession(
                id=hash_secret(secret),
                token_id=found.token_id,
                csrf=csrf,
                created_at=now,
                expires_at=now + SESSION_LIFETIME,
            )
        )
    return secret, LoginSession(found, csrf)


def session_of(registry: Registry, secret: str) -> LoginSession | None:
    """The open session whose cookie holds ``secret`` (``None`` if unknown, ended, expired or its token revoked)."""
    if not secret or len(secret) > 200:
        return None
    with registry.session() as session:
        found = session.execute(
            select(models.LoginSession, models.Token)
            .join(models.Token, models.Token.id == models.LoginSession.token_id)
            .where(models.LoginSession.id == hash_secret(secret))
        ).first()
        if found is None:
            return None
        row, token = found
        if token.revoked_at is not None or _aware(row.expires_at) <= dt.datetime.now(dt.UTC):
            return None
        return LoginSession(Principal(token.id, token.name, token.role), row.csrf)


def close_session(registry: Registry, secret: str) -> None:
    """End the session whose cookie holds ``secret`` (closing an unknown or ended session changes nothing)."""
    if not secret or len(secret) > 200:
        return
    with registry.session() as session, session.begin():
        session.execute(delete(models.LoginSession).where(models.LoginSession.id == hash_secret(secret)))
