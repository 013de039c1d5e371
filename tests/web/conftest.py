"""A live chagai server on a free loopback port, over a fresh registry on SQLite or on PostgreSQL."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from chagai.web.app import create_app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def web_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty registry URL on each backend (the app fills it with the bundled cases)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'web-registry.sqlite'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def live_server(web_database_url: str) -> Iterator[str]:
    """The base URL of a chagai server running in a thread of this process."""
    app = create_app(web_database_url)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the chagai server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        app.state.registry.close()
