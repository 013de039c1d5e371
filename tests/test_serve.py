"""``chagai serve``: the server processes it starts, and how long each may take to start."""

from __future__ import annotations

from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

from chagai.cli import app


def test_serve_gives_each_server_process_time_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    started: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda target, **options: started.update(options, target=target))
    result = CliRunner().invoke(app, ["serve", "--workers", "2", "--port", "8123", "--log-level", "warning"])
    assert result.exit_code == 0, result.output
    assert started["target"] == "chagai.web.app:create_app"
    assert started["factory"] is True
    assert started["workers"] == 2
    assert started["port"] == 8123
    # each process loads the compiled model before it answers; uvicorn's 5 s killed slow starters on a busy machine
    assert started["timeout_worker_healthcheck"] >= 60
