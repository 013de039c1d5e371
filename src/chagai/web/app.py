"""The application: the JSON API under ``/api``, the pages, and the static files, over one registry.

Starting the app (its lifespan) loads the compiled model once, so the first request is as fast as the next, and
starts the background runner of simulation jobs, which first marks jobs interrupted by a dead server as failed.
What is loaded by then (modules, the compiled model, the registry's cases) lives as long as the server, so it is
taken out of the garbage collector's sight until the app stops: a full collection then scans only what requests
made since, instead of stopping the server for a tenth of a second. Stopping the app puts a running job back in
the queue.

Every request passes two guards (:mod:`chagai.web.guards`): a body larger than ``CHAGAI_MAX_BODY_BYTES`` is refused
with 413 before it is read, and every response carries the security headers.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from chagai import __version__
from chagai.errors import ChagaiError
from chagai.registry import models
from chagai.registry.db import Registry, open_registry
from chagai.registry.repo import init_registry
from chagai.web.cache import ModelCache
from chagai.web.guards import BodyLimit, SecurityHeaders
from chagai.web.jobs import JobRunner

STATIC = Path(__file__).parent / "static"

log = logging.getLogger("chagai.web")

DESCRIPTION = """Registry, appraisal and risk of extractive projects.

* **Reading is open.** Creating or changing projects, stakes, claims and sources needs a token of role `editor`
  (`chagai token create --name NAME --role editor`), sent as `Authorization: Bearer <token>`. Every change is
  recorded with who made it and when (`GET /api/projects/{project}/history`).
* **Appraisals** (`POST /api/appraisals`) run at once; **simulations** (`POST /api/simulations`) run in the
  background: poll the `status_url` for progress and results. Jobs and results are kept in the registry.
* **Errors** are JSON: 404 names close matches; 422 lists every problem with its field, the value sent (cut short
  when long), what was expected and how to fix it; 413 refuses a body larger than the server accepts (2 MB unless
  the operator sets `CHAGAI_MAX_BODY_BYTES`).
"""


WARM_PATHS = 256
"""Paths of the small simulation that loads the Monte Carlo's compiled code at start-up."""


def _warm(registry: Registry, cache: ModelCache, simulation: bool = False) -> None:
    """Appraise one project so the compiled model is loaded (or compiled, once a machine) before the first request.

    With ``simulation`` (the process that runs the jobs), also a small simulation of it, so the first job
    does not wait for the Monte Carlo's code either.
    """
    with registry.session() as session:
        ids = list(session.scalars(select(models.Project.id).order_by(models.Project.id)))
    for project in ids:
        if not cache.case(registry, project)[2].has_economics:
            continue
        try:
            appraisal = cache.appraisal(registry, project)
            if simulation:
                from chagai.services.simulate import simulate

                simulate(appraisal.case, WARM_PATHS, scenario=appraisal.compiled.scenario, irr_sample=WARM_PATHS)
        except ChagaiError:  # a case that cannot be appraised must not stop the server
            log.warning("could not warm the model on %s", project, exc_info=True)
            continue
        return


def _use_wal(registry: Registry) -> None:
    """SQLite: readers and the job runner's writes do not block each other (write-ahead log)."""
    engine = registry.engine
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA journal_mode=WAL")


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    registry: Registry = app.state.registry
    await run_in_threadpool(_warm, registry, app.state.cache, app.state.run_jobs)
    gc.collect()  # no garbage is frozen with what lives on
    gc.freeze()
    runner = JobRunner(registry) if app.state.run_jobs else None
    if runner is not None:
        await run_in_threadpool(runner.start)
    app.state.jobs = runner
    try:
        yield
    finally:
        app.state.jobs = None
        if runner is not None:
            await run_in_threadpool(runner.stop)
        gc.unfreeze()


def create_app(database_url: str | None = None, *, run_jobs: bool = True) -> FastAPI:
    """The web app over the registry at ``database_url`` (default: ``CHAGAI_DATABASE_URL`` or the user's SQLite).

    An empty registry is filled with the bundled cases first, so a new user sees the projects at once.
    ``run_jobs=False`` queues simulation jobs without running them (another server process runs them).
    """
    from chagai.web import pages, routes

    registry = open_registry(database_url)
    if registry.is_empty():
        init_registry(registry)
    _use_wal(registry)
    app = FastAPI(
        title="chagai",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        lifespan=_lifespan,
    )
    app.state.registry = registry
    app.state.cache = ModelCache()
    app.state.jobs = None
    app.state.run_jobs = run_jobs
    app.include_router(routes.router, prefix="/api")
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(BodyLimit)
    app.add_middleware(SecurityHeaders, docs_paths=("/api/docs",))
    return app
