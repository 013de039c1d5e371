"""Simulations: Monte Carlo runs as background jobs kept in the registry (:mod:`chagai.web.jobs`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import HTTPException, Query, Request, status
from fastapi import Path as PathParam

from chagai.web import jobs
from chagai.web.deps import JobRunnerDep, OptionalPrincipal, RegistryDep, client_of
from chagai.web.routes.errors import api_router
from chagai.web.schemas import ErrorOut, JobAccepted, JobOut, SimulationRequest

router = api_router()


def _status_url(run_id: str) -> str:
    return f"/api/simulations/{run_id}"


@router.post(
    "/simulations",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobAccepted,
    tags=["model"],
    responses={
        429: {
            "model": ErrorOut,
            "description": "too many simulations are waiting, or this client submitted too many in the last minute "
            "(Retry-After says when to try again)",
        }
    },
)
def start_simulation(
    request: Request, registry: RegistryDep, runner: JobRunnerDep, principal: OptionalPrincipal, body: SimulationRequest
) -> dict[str, Any]:
    """Start a Monte Carlo run in the background; follow it at ``status_url``.

    No token is needed: a simulation reads the registry and keeps only its own result. The request is checked
    at once (422 for a bad scenario or override), and the job survives a server restart: a queued job is run by
    the next server, a job whose server died while it ran is reported failed. The job runs on the case as it
    is now, whatever edits follow. One client (its token, else its address) may submit ``CHAGAI_JOB_RATE``
    simulations a minute (429 with ``Retry-After`` beyond).
    """
    try:
        run_id = jobs.submit_simulation(
            registry,
            body.project,
            body.paths,
            body.seed,
            body.scenario.to_scenario(body.sell),
            body.overrides,
            body.risk.to_settings(),
            actor=principal.name if principal else None,
            client=client_of(request, principal),
        )
    except jobs.RateLimited as exc:
        headers = {"Retry-After": str(exc.retry_after)}
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, detail=str(exc), headers=headers) from None
    if runner is not None:
        runner.wake()
    return {"id": run_id, "status": "queued", "status_url": _status_url(run_id)}


@router.get("/simulations", response_model=list[JobOut], tags=["model"])
def list_simulations(
    registry: RegistryDep,
    project: Annotated[str | None, Query(min_length=1, max_length=200, description="only this project's jobs")] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="most jobs to list")] = 20,
) -> list[dict[str, Any]]:
    """The latest simulation jobs, newest first (without their results)."""
    return [{**j, "status_url": _status_url(j["id"])} for j in jobs.list_jobs(registry, project, limit)]


@router.get("/simulations/{run_id}", response_model=JobOut, tags=["model"])
def get_simulation(
    registry: RegistryDep,
    run_id: Annotated[str, PathParam(min_length=1, max_length=64, description="the id POST /api/simulations gave")],
) -> dict[str, Any]:
    """A simulation job: status (queued, running, done, failed), progress 0..1, error, and results when done."""
    return {**jobs.job_status(registry, run_id), "status_url": _status_url(run_id)}
