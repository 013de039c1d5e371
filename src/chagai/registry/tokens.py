"""API tokens kept in the registry: who may write to it through the web API.

A token has a role (``viewer``, ``editor`` or ``admin``). Its plaintext is shown once, when it is created; the
registry keeps only its SHA-256 hash, so a copy of the database gives no usable token. A revoked token is refused
at once. The command line creates, lists and revokes tokens; the web checks them (:mod:`chagai.web.auth`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select

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
