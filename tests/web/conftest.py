"""A live chagai server on a free loopback port, over a fresh registry on SQLite or on PostgreSQL."""

from __future__ import annotations

import html
import re
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy import create_engine, text

from chagai.web.app import create_app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_server(database_url: str, run_jobs: bool = True) -> Iterator[str]:
    """A chagai server (with its lifespan: warm model, job runner) in a thread of this process."""
    app = create_app(database_url, run_jobs=run_jobs)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the chagai server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=60)
        app.state.registry.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def web_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty registry URL on each backend (the app fills it with the bundled cases)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'web-registry.sqlite'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def live_server(web_database_url: str) -> Iterator[str]:
    """The base URL of a chagai server running in a thread of this process."""
    with running_server(web_database_url) as url:
        yield url


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def shared_database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A registry shared by the tests of one module, on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('web') / 'registry.sqlite'}"
        return
    admin_url = str(request.getfixturevalue("postgres_server"))
    name = f"chagai_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def shared_server(shared_database_url: str) -> Iterator[str]:
    """A server shared by the tests of one module (for tests that only read, or write only their own records)."""
    with running_server(shared_database_url) as url:
        yield url


def form_token(client: httpx.Client, path: str) -> str:
    """The CSRF token of the form on the page at ``path``."""
    page = client.get(path)
    assert page.status_code == 200
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None, "the page has no form token"
    return html.unescape(found.group(1))
