"""Simulation jobs: run in the background, kept in the registry, never lost or stuck when a server dies."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from chagai.cases.compile import Scenario
from chagai.cases.io import case_hash
from chagai.config import refresh_settings, settings_from
from chagai.errors import InputError
from chagai.registry import edits, models, repo
from chagai.registry.db import Registry, open_registry
from chagai.registry.tokens import create_token
from chagai.services.simulate import simulate
from chagai.web import jobs
from tests.web.conftest import free_port, running_server


def wait_for(client: httpx.Client, url: str, statuses: set[str], timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        state: dict[str, Any] = client.get(url).json()
        if state["status"] in statuses:
            return state
        if time.monotonic() > deadline:
            pytest.fail(f"job still {state['status']} after {timeout} s: {state}")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def registry(shared_database_url: str) -> Iterator[Registry]:
    """A registry without a server: jobs stay queued unless a test runs them."""
    with open_registry(shared_database_url) as reg:
        repo.init_registry(reg)
        yield reg


def test_a_job_runs_in_the_background_and_equals_a_direct_run(live_server: str, web_database_url: str) -> None:
    body = {"project": "saindak", "paths": 20_000, "seed": 11, "scenario": {"overrun": 1.1}}
    with httpx.Client(base_url=live_server, timeout=60) as client:
        # bad requests are refused at once, and queue nothing
        too_many = client.post("/api/simulations", json={"project": "saindak", "paths": 3_000_000, "seed": -1})
        assert too_many.status_code == 422
        assert {i["field"] for i in too_many.json()["issues"]} == {"body.paths", "body.seed"}
        assert client.post("/api/simulations", json={"project": "atlantis"}).status_code == 404
        deck = client.post("/api/simulations", json={"project": "saindak", "scenario": {"deck": "nope"}})
        assert deck.status_code == 422
        profile = client.post("/api/simulations", json={"project": "saindak", "risk": {"profile": "mars-mine"}})
        assert profile.status_code == 422
        assert profile.json()["issues"][0]["field"] == "risk.profile"
        assert client.get("/api/simulations/no-such-job").status_code == 404
        assert client.get("/api/simulations").json() == []
        accepted = client.post("/api/simulations", json=body)
        assert accepted.status_code == 202, accepted.text
        job = accepted.json()
        assert job["status"] == "queued"
        done = wait_for(client, job["status_url"], {"done", "failed"})
        listed = client.get("/api/simulations", params={"project": "Saindak"}).json()
    assert done["status"] == "done", done["error"]
    assert done["progress"] == 1.0
    assert [j["id"] for j in listed] == [job["id"]]
    results = done["results"]
    with open_registry(web_database_url) as reg, reg.session() as s:
        case = repo.get_case(s, "saindak")
    direct = simulate(case, 20_000, 11, Scenario(overrun=1.1), chunk_size=jobs.CHUNK_SIZE).model_dump(mode="json")
    # a new server on the same registry shows the same job and results
    with running_server(web_database_url) as other, httpx.Client(base_url=other, timeout=60) as client:
        assert client.get(job["status_url"]).json() == done
    # the same numbers, bit for bit (only the run's timing and thread count differ)
    timing = {"wall_seconds", "threads"}
    assert {k: v for k, v in results.items() if k not in timing} == {k: v for k, v in direct.items() if k not in timing}
    assert results["stakeholders"]
    assert results["probabilities"]["default"] is not None


def _run_row(registry: Registry, owner: str, heartbeat: dt.datetime) -> str:
    run_id = jobs.submit_simulation(registry, "saindak", 1000, 1)
    with registry.session() as s, s.begin():
        row = s.get(models.Run, run_id)
        assert row is not None
        row.status, row.owner, row.started_at, row.heartbeat_at = "running", owner, heartbeat, heartbeat
    return run_id


def test_jobs_of_dead_or_silent_servers_are_marked_failed(registry: Registry) -> None:
    now = dt.datetime.now(dt.UTC)
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # a process id that existed and is gone
    host = socket.gethostname()
    dead = _run_row(registry, f"{host}:{child.pid}:aaaa", now)
    silent = _run_row(registry, "another-machine:123:bbbb", now - dt.timedelta(seconds=jobs.STALE_AFTER + 5))
    alive = _run_row(registry, "another-machine:456:cccc", now)
    queued = jobs.submit_simulation(registry, "saindak", 1000, 2)
    assert sorted(jobs.recover_interrupted(registry)) == sorted([dead, silent])
    for run_id in (dead, silent):
        state = jobs.job_status(registry, run_id)
        assert (state["status"], state["error"]) == ("failed", jobs.INTERRUPTED)
    assert jobs.job_status(registry, alive)["status"] == "running"
    assert jobs.job_status(registry, queued)["status"] == "queued"


def test_a_stopped_runner_puts_its_job_back_and_the_next_one_finishes_it(registry: Registry) -> None:
    run_id = jobs.submit_simulation(registry, "saindak", 3 * jobs.CHUNK_SIZE, 5)
    first = jobs.JobRunner(registry, threads=1)
    first.start()
    deadline = time.monotonic() + 120
    while jobs.job_status(registry, run_id)["status"] != "running" or first.current != run_id:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    first.stop()
    assert jobs.job_status(registry, run_id)["status"] == "queued"
    second = jobs.JobRunner(registry)
    second.start()
    try:
        while (state := jobs.job_status(registry, run_id))["status"] not in ("done", "failed"):
            assert time.monotonic() < deadline + 120
            time.sleep(0.1)
    finally:
        second.stop()
    assert state["status"] == "done", state["error"]
    assert state["results"]["paths"] == 3 * jobs.CHUNK_SIZE


def _serve(database_url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CHAGAI_DATABASE_URL": database_url, "CHAGAI_JOB_THREADS": "1"}
    command = [sys.executable, "-c", "from chagai.cli import main; main()", "serve", "--port", str(port)]
    with log.open("ab") as out:
        return subprocess.Popen([*command, "--log-level", "warning"], env=env, stdout=out, stderr=subprocess.STDOUT)


def _wait_until_up(process: subprocess.Popen[bytes], base: str, log: Path) -> None:
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(f"{base}/api/projects", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"chagai serve did not start:\n{log.read_text(errors='replace')}")
        time.sleep(0.1)


def test_a_server_killed_during_a_job_restarts_with_the_job_failed_and_the_queue_resumed(tmp_path: Path) -> None:
    """``chagai serve`` on a SQLite registry, killed (SIGKILL) while a job runs and another waits."""
    database_url = f"sqlite:///{tmp_path / 'served.sqlite'}"
    log = tmp_path / "serve.log"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = _serve(database_url, port, log)
    try:
        _wait_until_up(server, base, log)
        with httpx.Client(base_url=base, timeout=30) as client:
            big = client.post("/api/simulations", json={"project": "reko-diq", "paths": 2_000_000}).json()
            small = client.post("/api/simulations", json={"project": "saindak", "paths": 2_000, "seed": 3}).json()
            wait_for(client, big["status_url"], {"running"})
            assert client.get(small["status_url"]).json()["status"] == "queued"
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait(30)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = _serve(database_url, port, log)
    try:
        _wait_until_up(server, base, log)
        with httpx.Client(base_url=base, timeout=30) as client:
            interrupted = client.get(big["status_url"]).json()
            assert interrupted["status"] == "failed"
            assert interrupted["error"] == jobs.INTERRUPTED
            assert interrupted["finished_at"] is not None
            resumed = wait_for(client, small["status_url"], {"running", "done", "failed"})
            assert resumed["status"] in ("running", "done"), resumed["error"]
    finally:
        server.terminate()
        server.wait(60)


def _run_until_done(registry: Registry, run_id: str) -> dict[str, Any]:
    """Start a runner, wait for job ``run_id`` to finish, stop the runner; the job's final state."""
    runner = jobs.JobRunner(registry, threads=1)
    runner.start()
    deadline = time.monotonic() + 240
    try:
        while (state := jobs.job_status(registry, run_id))["status"] not in ("done", "failed"):
            assert time.monotonic() < deadline, state
            time.sleep(0.1)
    finally:
        runner.stop()
    return state


def test_a_queued_job_runs_on_the_case_as_it_was_submitted(registry: Registry) -> None:
    with registry.session() as s:
        submitted = repo.get_case(s, "saindak")
    run_id = jobs.submit_simulation(registry, "Saindak", 2_000, 13)  # no runner yet: the job waits
    assert jobs.job_status(registry, run_id)["parameters"]["case_hash"] == case_hash(submitted)
    edits.edit_fields(registry, "saindak", {"costs.opex_per_tonne_milled.value": 45.0}, "editor-after-submission")
    with registry.session() as s:
        edited = repo.get_case(s, "saindak")
    assert case_hash(edited) != case_hash(submitted)
    state = _run_until_done(registry, run_id)
    assert state["status"] == "done", state["error"]
    results = state["results"]
    assert results["inputs_hash"] == case_hash(submitted) == state["inputs_hash"]
    timing = {"wall_seconds", "threads", "chunk_size"}
    old = simulate(submitted, 2_000, 13, chunk_size=jobs.CHUNK_SIZE).model_dump(mode="json")
    new = simulate(edited, 2_000, 13, chunk_size=jobs.CHUNK_SIZE).model_dump(mode="json")
    assert {k: v for k, v in results.items() if k not in timing} == {k: v for k, v in old.items() if k not in timing}
    figures = timing | {"inputs_hash"}
    assert {k: v for k, v in results.items() if k not in figures} != {k: v for k, v in new.items() if k not in figures}


def test_a_job_whose_stored_case_does_not_read_back_fails_with_a_clear_error(registry: Registry) -> None:
    run_id = jobs.submit_simulation(registry, "saindak", 1_000, 3)
    with registry.session() as s, s.begin():
        row = s.get(models.Run, run_id)
        assert row is not None
        row.parameters = {**row.parameters, "case_hash": "0" * 64}
    state = _run_until_done(registry, run_id)
    assert state["status"] == "failed"
    assert "submit the simulation again" in state["error"]


def _finished(registry: Registry, status: str, days_ago: float) -> str:
    run_id = jobs.submit_simulation(registry, "saindak", 1_000, 1)
    when = dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago)
    with registry.session() as s, s.begin():
        row = s.get(models.Run, run_id)
        assert row is not None
        row.status, row.created_at, row.finished_at = status, when, when
        row.results = {"paths": 1_000} if status == "done" else None
    return run_id


def _exists(registry: Registry, run_id: str) -> bool:
    with registry.session() as s:
        return s.get(models.Run, run_id) is not None


def test_finished_jobs_are_pruned_after_the_retention_period(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    old_done, old_failed = _finished(registry, "done", 40), _finished(registry, "failed", 31)
    recent = _finished(registry, "done", 5)
    waiting = jobs.submit_simulation(registry, "saindak", 1_000, 2)
    with registry.session() as s, s.begin():
        row = s.get(models.Run, waiting)
        assert row is not None
        row.created_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=60)  # queued for long: never pruned
    assert jobs.retention_days() == jobs.DEFAULT_RETENTION_DAYS == 30
    assert jobs.prune_jobs(registry) == 2
    assert [_exists(registry, r) for r in (old_done, old_failed, recent, waiting)] == [False, False, True, True]
    # the setting shortens it, and a runner prunes when it starts
    monkeypatch.setenv("CHAGAI_JOB_RETENTION_DAYS", "3")
    refresh_settings()
    runner = jobs.JobRunner(registry, threads=1)
    runner.start()
    runner.stop()
    assert not _exists(registry, recent)
    assert _exists(registry, waiting)


def test_a_bad_retention_or_rate_setting_is_named() -> None:
    with pytest.raises(InputError) as bad:
        settings_from({"CHAGAI_JOB_RETENTION_DAYS": "a month", "CHAGAI_JOB_RATE": "0"})
    assert {i.path for i in bad.value.issues} == {"CHAGAI_JOB_RETENTION_DAYS", "CHAGAI_JOB_RATE"}
    chosen = settings_from({"CHAGAI_JOB_RETENTION_DAYS": "7", "CHAGAI_JOB_RATE": "4"})
    assert (chosen.job_retention_days, chosen.job_rate) == (7, 4)


def test_submissions_beyond_the_rate_are_refused_with_retry_after(
    shared_database_url: str, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHAGAI_JOB_RATE", "3")
    refresh_settings()
    _, token = create_token(registry, "rate-limited", "viewer")
    body = {"project": "saindak", "paths": 1_000}
    with running_server(shared_database_url, run_jobs=False) as url, httpx.Client(base_url=url, timeout=60) as client:
        accepted = [client.post("/api/simulations", json=body).status_code for _ in range(3)]
        refused = client.post("/api/simulations", json=body)
        # another client (a token) has its own allowance; a refused request queued nothing
        other = client.post("/api/simulations", json=body, headers={"Authorization": f"Bearer {token}"})
        listed = client.get("/api/simulations", params={"limit": 100}).json()
    assert accepted == [202, 202, 202]
    assert refused.status_code == 429, refused.text
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert "CHAGAI_JOB_RATE" in refused.json()["detail"]
    assert other.status_code == 202
    with registry.session() as s:
        clients = list(s.scalars(select(models.Run.client).where(models.Run.id.in_([j["id"] for j in listed]))))
    assert clients.count("ip:127.0.0.1") == 3
