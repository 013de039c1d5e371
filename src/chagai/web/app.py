"""The application: the JSON API under ``/api``, the pages, and the static files, over one registry."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from chagai import __version__
from chagai.registry.db import open_registry
from chagai.registry.repo import init_registry

STATIC = Path(__file__).parent / "static"


def create_app(database_url: str | None = None) -> FastAPI:
    """The web app over the registry at ``database_url`` (default: ``CHAGAI_DATABASE_URL`` or the user's SQLite).

    An empty registry is filled with the bundled cases first, so a new user sees the projects at once.
    """
    from chagai.web import api, pages

    registry = open_registry(database_url)
    if registry.is_empty():
        init_registry(registry)
    app = FastAPI(
        title="chagai",
        version=__version__,
        description="Registry, appraisal and risk of extractive projects. Reading is open; writing needs a token.",
    )
    app.state.registry = registry
    app.include_router(api.router, prefix="/api")
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
