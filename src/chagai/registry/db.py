"""Where the registry lives and how it is opened: a SQLite file by default, any SQLAlchemy URL by setting.

``CHAGAI_DATABASE_URL`` selects the database (``postgresql+psycopg://user@host/db`` for a team server); without
it the registry is ``registry.sqlite`` in the user's data directory. Opening a registry brings its schema to the
newest migration, so a new release never meets an old schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import platformdirs
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from chagai.config import DATABASE_URL, settings
from chagai.errors import RegistryError


def default_database_url() -> str:
    """The SQLite file in the user's data directory."""
    folder = Path(platformdirs.user_data_dir("chagai", appauthor=False))
    return f"sqlite:///{folder / 'registry.sqlite'}"


def database_url(url: str | None = None) -> str:
    """The URL to use: ``url`` if given, else ``CHAGAI_DATABASE_URL``, else the default SQLite file."""
    return url or settings().database_url or default_database_url()


def _enable_sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("chagai.registry") / "migrations"))
    return cfg


def create_registry_engine(url: str) -> Engine:
    """An engine for ``url`` (SQLite: the folder is created and foreign keys are enforced).

    Raises
    ------
    RegistryError
        If the URL is malformed or names a database kind no installed driver serves.
    """
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url)
            event.listen(engine, "connect", _enable_sqlite_foreign_keys)
            return engine
        return create_engine(url, pool_pre_ping=True)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        msg = (
            f"{DATABASE_URL}: {url!r} is not a database URL chagai can use ({exc}); expected e.g. "
            "sqlite:///path/registry.sqlite or postgresql+psycopg://user@127.0.0.1:5432/db"
        )
        raise RegistryError(msg) from None


def migrate(engine: Engine) -> None:
    """Bring the database's schema to the newest migration."""
    cfg = _alembic_config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


def schema_is_current(engine: Engine) -> bool:
    """Whether the database is at the newest migration."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() == head


@dataclass
class Registry:
    """An open registry: its URL, engine and session factory."""

    url: str
    engine: Engine
    sessions: sessionmaker[Session]

    def session(self) -> Session:
        """A new session (use it in a ``with`` block)."""
        return self.sessions()

    def is_empty(self) -> bool:
        """Whether no project has been stored yet."""
        from sqlalchemy import func, select

        from chagai.registry.models import Project

        with self.session() as s:
            return (s.scalar(select(func.count()).select_from(Project)) or 0) == 0

    def close(self) -> None:
        """Release the engine's connections."""
        self.engine.dispose()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def open_registry(url: str | None = None) -> Registry:
    """Open (and migrate) the registry at ``url`` or the configured default.

    Raises
    ------
    RegistryError
        If the URL is malformed or the database cannot be reached.
    """
    resolved = database_url(url)
    engine = create_registry_engine(resolved)
    try:
        if not schema_is_current(engine):
            migrate(engine)
    except OperationalError as exc:
        engine.dispose()
        shown = make_url(resolved).render_as_string(hide_password=True)
        msg = f"cannot open the registry at {shown}: {exc.orig}. Check {DATABASE_URL} and that the server is running"
        raise RegistryError(msg) from None
    return Registry(resolved, engine, sessionmaker(engine, expire_on_commit=False))


def table_names(engine: Engine) -> list[str]:
    """Tables present in the database (for diagnostics and tests)."""
    return sorted(inspect(engine).get_table_names())
