"""Browser sessions: the cookie holds a server-side session's secret (never the token), logging out or revoking the
token ends it, and a form's CSRF token is bound to its session."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import func, select, update

from chagai.registry import models
from chagai.registry.db import Registry, open_registry
from chagai.registry.tokens import close_session, create_token, hash_secret, open_session, revoke_token, session_of
from tests.web.conftest import form_token

EDITOR_FORM = 'id="add-claim"'
"""What the claims page shows only to a logged-in editor."""


@pytest.fixture(scope="module")
def server_registry(shared_database_url: str, shared_server: str) -> Iterator[Registry]:
    with open_registry(shared_database_url) as reg:
        yield reg


def _browser(server: str, **cookies: str) -> httpx.Client:
    return httpx.Client(base_url=server, timeout=60, follow_redirects=False, cookies=cookies)


def _log_in(client: httpx.Client, token: str) -> str:
    """Log in with ``token``; the session cookie's value."""
    answer = client.post("/login", data={"token": token, "csrf_token": form_token(client, "/login"), "next": "/"})
    assert answer.status_code == 303, answer.text
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "samesite=strict" in cookie.lower()
    return str(client.cookies["chagai_session"])


def _is_editor(server: str, session_cookie: str) -> bool:
    with _browser(server, chagai_session=session_cookie) as other:
        return EDITOR_FORM in other.get("/projects/saindak/claims").text


def _source(csrf: str, title: str) -> dict[str, str]:
    return {"csrf_token": csrf, "title": title, "publisher": "Session Test Weekly", "date": "2026-03"}


def _sessions_of(registry: Registry, token_id: str) -> int:
    with registry.session() as s:
        count = s.scalar(
            select(func.count()).select_from(models.LoginSession).where(models.LoginSession.token_id == token_id)
        )
        return int(count or 0)


def test_the_session_cookie_is_not_the_token_and_logging_out_ends_it(
    shared_server: str, server_registry: Registry
) -> None:
    token_id, token = create_token(server_registry, "Session Editor", "editor")
    with _browser(shared_server) as client:
        secret = _log_in(client, token)
        assert secret != token
        assert token not in secret
        assert EDITOR_FORM in client.get("/projects/saindak/claims").text
        with server_registry.session() as s:
            row = s.get(models.LoginSession, hash_secret(secret))
        assert row is not None
        assert row.token_id == token_id  # the registry keeps the secret's hash, never the secret
        assert _is_editor(shared_server, secret)
        logout = client.post("/logout", data={"csrf_token": form_token(client, "/logout")})
        assert logout.status_code == 303
    # the cookie, kept by someone, is useless once its session ended
    assert not _is_editor(shared_server, secret)
    assert _sessions_of(server_registry, token_id) == 0
    # a cookie holding the token itself logs no one in
    assert not _is_editor(shared_server, token)


def test_a_csrf_token_of_another_session_is_refused(shared_server: str, server_registry: Registry) -> None:
    _, token = create_token(server_registry, "Two Browsers", "editor")
    with _browser(shared_server) as first, _browser(shared_server) as second:
        _log_in(first, token)
        _log_in(second, token)
        mine, theirs = form_token(first, "/projects/saindak/claims"), form_token(second, "/projects/saindak/claims")
        assert mine != theirs
        crossed = first.post("/projects/saindak/sources", data=_source(theirs, "Sent with another session's token"))
        assert crossed.status_code == 403
        assert "does not match" in crossed.text
        own = first.post("/projects/saindak/sources", data=_source(mine, "Sent with its own session's token"))
        assert own.status_code == 303, own.text
        sources = first.get("/api/projects/saindak/sources").json()
    titles = {s["title"] for s in sources}
    assert "Sent with its own session's token" in titles
    assert "Sent with another session's token" not in titles


def test_revoking_a_token_ends_its_sessions(shared_server: str, server_registry: Registry) -> None:
    token_id, token = create_token(server_registry, "Revoked Editor", "editor")
    with _browser(shared_server) as client:
        secret = _log_in(client, token)
        csrf = form_token(client, "/projects/saindak/claims")
        assert _sessions_of(server_registry, token_id) == 1
        revoke_token(server_registry, token_id)
        assert _sessions_of(server_registry, token_id) == 0
        assert EDITOR_FORM not in client.get("/projects/saindak/claims").text
        refused = client.post("/projects/saindak/sources", data=_source(csrf, "After the revocation"))
        assert refused.status_code in (401, 403)
    assert not _is_editor(shared_server, secret)
    with server_registry.session() as s:
        titles = set(s.scalars(select(models.Source.title).where(models.Source.project_id == "saindak")))
    assert "After the revocation" not in titles


def test_a_session_ends_at_its_expiry_and_cannot_be_opened_with_a_bad_token(registry: Registry) -> None:
    token_id, token = create_token(registry, "Registry Editor", "editor")
    assert open_session(registry, "chg_not-a-token") is None
    opened = open_session(registry, token)
    assert opened is not None
    secret, session = opened
    assert session.principal.token_id == token_id
    assert session_of(registry, secret) == session
    assert session_of(registry, secret + "x") is None
    with registry.session() as s, s.begin():
        past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        s.execute(update(models.LoginSession).values(expires_at=past))
    assert session_of(registry, secret) is None
    # opening another session clears the expired ones; closing it ends it
    again = open_session(registry, token)
    assert again is not None
    assert _sessions_of(registry, token_id) == 1
    close_session(registry, again[0])
    assert session_of(registry, again[0]) is None
    assert _sessions_of(registry, token_id) == 0
