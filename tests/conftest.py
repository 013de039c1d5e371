"""Shared fixtures: case files, and registries on SQLite and on the PostgreSQL server."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from chagai.config import refresh_settings
from chagai.registry.db import Registry, open_registry

FIXTURES = Path(__file__).parent / "fixtures"


def _find_shared_data() -> Path | None:
    """The third-party data folder: CHAGAI_SHARED_DATA, else a ``shared/data`` beside the checkout or above it."""
    override = os.environ.get("CHAGAI_SHARED_DATA")
    if override:
        return Path(override)
    for folder in Path(__file__).resolve().parents:
        candidate = folder / "shared" / "data"
        if (candidate / "golden_cases.json").is_file():
            return candidate
    return None


_FOUND = _find_shared_data()
SHARED_DATA = _FOUND or Path(__file__).resolve().parents[2] / "shared" / "data"
"""Known answers and calibration data (read in place, never copied into the project)."""

SHARED_FOUND = _FOUND is not None
"""Whether the third-party data folder is here; tests that need it skip (and are counted) when it is not."""


def shared_data() -> Path:
    """The third-party data folder; in a test without it, skips the test (counted in the summary, with the reason)."""
    if not SHARED_FOUND:
        pytest.skip("the third-party data folder is not here (set CHAGAI_SHARED_DATA): golden or calibration test")
    return SHARED_DATA


def pytest_report_header() -> str:
    if _FOUND:
        return f"third-party data: {SHARED_DATA}"
    return "third-party data NOT FOUND (set CHAGAI_SHARED_DATA): the golden-value and calibration tests are skipped"


POSTGRES_ADMIN_URL = os.environ.get("CHAGAI_TEST_POSTGRES_URL", "postgresql+psycopg://root@127.0.0.1:5432/postgres")


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test touches a user's own registry: the default database lives in the test's folder."""
    monkeypatch.setenv("CHAGAI_DATABASE_URL", f"sqlite:///{tmp_path / 'default-registry.sqlite'}")
    monkeypatch.setenv("CHAGAI_USER", "test-user")
    monkeypatch.setenv("COLUMNS", "200")
    refresh_settings()


@pytest.fixture
def pocket_text() -> str:
    return (FIXTURES / "pocket-mine.yaml").read_text(encoding="utf-8")


def _postgres_reachable() -> bool:
    engine = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        return True
    except OperationalError:
        return False
    finally:
        engine.dispose()


def _start_postgres() -> None:
    """Start the machine's PostgreSQL cluster if it is installed but stopped."""
    clusters = Path("/etc/postgresql")
    if not clusters.is_dir():
        return
    for version in sorted(p.name for p in clusters.iterdir()):
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
            check=False,
            capture_output=True,
            timeout=60,
        )


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The admin URL of a reachable PostgreSQL server (started if needed; skipped only when there is none)."""
    if not _postgres_reachable():
        _start_postgres()
    if not _postgres_reachable():
        pytest.skip(f"no PostgreSQL server at {POSTGRES_ADMIN_URL}")
    return POSTGRES_ADMIN_URL


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh database on the PostgreSQL server, dropped after the test."""
    name = f"chagai_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = postgres_server.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def registry(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Registry]:
    """An empty, migrated registry on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    else:
        url = request.getfixturevalue("postgres_url")
    reg = open_registry(url)
    try:
        yield reg
    finally:
        reg.close()
