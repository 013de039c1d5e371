"""Simulations as background jobs whose state lives in the registry.

:func:`submit_simulation` checks a request at once (unknown project, bad scenario or overrides: an error before
anything is queued) and stores it as a ``queued`` run. A :class:`JobRunner` thread in each server process claims
queued runs one at a time (an atomic ``queued -> running`` update, so several processes or machines never run
the same job), runs :func:`chagai.services.simulate.simulate` and stores its progress, a heartbeat and, at the end,
the results or the error. The model's compiled loops release the GIL, and a job uses one core fewer than the
machine has (``CHAGAI_JOB_THREADS`` overrides) at a lower CPU priority than the requests (on Linux), so pages
keep loading while it runs.

A job runs on the case as it was when it was submitted: the submission stores the case's document and hash with
the job, so an edit made while the job waits does not change what it computes (its result's ``inputs_hash``
and the job's ``parameters.case_hash`` say which case it ran on).

Limits: one client (its token, else its address) may submit :func:`job_rate` simulations a minute
(``CHAGAI_JOB_RATE``; more are refused with :class:`RateLimited`, which says when to try again), and finished jobs
with their results are pruned :func:`retention_days` after they finished (``CHAGAI_JOB_RETENTION_DAYS``), when a
runner starts and every :data:`PRUNE_EVERY` seconds while it runs.

A job is never lost or stuck: when a server starts, a ``running`` run whose process is gone (same machine, that
process no longer exists) or whose heartbeat is older than :data:`STALE_AFTER` is marked ``failed`` with
:data:`INTERRUPTED`; ``queued`` runs simply wait for the next runner, which resumes them. A server stopped
politely (Ctrl-C) puts its running job back in the queue, to be run again from the start when a server runs.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import sys
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from sqlalchemy import delete, func, select, update

from chagai import __version__
from chagai.cases.compile import Scenario
from chagai.cases.io import case_document, case_from_data, case_hash
from chagai.cases.schema import Case
from chagai.config import JOB_RATE as JOB_RATE_SETTING
from chagai.config import MAX_PATHS as MAX_PATHS_SETTING
from chagai.config import settings
from chagai.errors import ChagaiError, InputError, Issue, NotFoundError
from chagai.registry import models, repo
from chagai.registry.db import Registry
from chagai.results import RiskSettings
from chagai.services.inputs import compiled_case
from chagai.services.simulate import check_settings, max_threads, simulate

log = logging.getLogger("chagai.web.jobs")

KIND = "simulation"
"""``runs.kind`` of a simulation job."""
STATUSES = ("queued", "running", "done", "failed")
"""Every status a job can have; ``done`` and ``failed`` are final."""
MAX_PATHS = 2_000_000
"""Most paths one job may ask for when ``CHAGAI_MAX_PATHS`` is unset."""


def max_paths() -> int:
    """Most paths one job may ask for: ``CHAGAI_MAX_PATHS``, else :data:`MAX_PATHS`."""
    return settings().max_paths or MAX_PATHS


def path_cap_issue(field: str, paths: int) -> Issue:
    """The issue of a request for more paths than :func:`max_paths` (or fewer than one): the cap and its setting."""
    cap = max_paths()
    fix = f"ask for fewer paths (the server's cap is {cap:,}: its operator may change it with {MAX_PATHS_SETTING})"
    return Issue(field, paths, f"a whole number of paths from 1 to {cap:,}", fix)


CHUNK_SIZE = 50_000
"""Paths per chunk of a job (the progress moves once a chunk; results do not depend on it)."""
MAX_WAITING = 100
"""Most jobs that may wait in the queue (all servers); a request beyond it is refused until some have run."""
HEARTBEAT = 1.0
"""Seconds between two heartbeats (and progress writes) of a running job [s]."""
STALE_AFTER = 60.0
"""A running job whose heartbeat is older than this is taken as dead [s]."""
POLL = 1.0
"""Seconds an idle runner waits before looking for queued jobs again (a submit in the same process wakes it) [s]."""
NICENESS = 10
"""How much lower the job thread's CPU priority is than the requests' (Linux), so pages keep loading."""
INTERRUPTED = "the server stopped during the job; start it again"
"""Error of a job whose server died while it ran."""
DEFAULT_RETENTION_DAYS = 30
"""Days a finished job is kept when ``CHAGAI_JOB_RETENTION_DAYS`` is unset [d]."""
DEFAULT_RATE = 10
"""Simulations one client may submit a minute when ``CHAGAI_JOB_RATE`` is unset [1/min]."""
RATE_WINDOW = 60.0
"""The window the submission rate is counted over [s]."""
PRUNE_EVERY = 3600.0
"""Seconds between two prunings of old finished jobs by a running runner [s]."""

_LIVE: set[str] = set()
"""Owners of the runners started in this process and not yet stopped."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(when: dt.datetime | None) -> dt.datetime | None:
    """SQLite gives back naive datetimes (stored in UTC)."""
    return when.replace(tzinfo=dt.UTC) if when is not None and when.tzinfo is None else when


def lower_priority() -> None:
    """Give the calling thread (and the threads it starts) a lower CPU priority, on Linux; elsewhere nothing."""
    if sys.platform.startswith("linux"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICENESS)
        except OSError:
            log.warning("cannot lower the priority of the simulation jobs")


def job_threads() -> int:
    """Threads a job uses: ``CHAGAI_JOB_THREADS``, else one fewer than numba may use (at least one)."""
    chosen = settings().job_threads
    if chosen is not None:
        return min(chosen, max_threads())
    return max(1, max_threads() - 1)


def retention_days() -> int:
    """Days a finished job is kept: ``CHAGAI_JOB_RETENTION_DAYS``, else :data:`DEFAULT_RETENTION_DAYS`."""
    return settings().job_retention_days or DEFAULT_RETENTION_DAYS


def job_rate() -> int:
    """Simulations one client may submit a minute: ``CHAGAI_JOB_RATE``, else :data:`DEFAULT_RATE`."""
    return settings().job_rate or DEFAULT_RATE


# ---------------------------------------------------------------------------------------------------------
# requests


def prepare_case(
    registry: Registry, project: str, overrides: Mapping[str, Any] | None, scenario: Scenario
) -> tuple[Case, Case]:
    """The stored case of ``project`` as it is now, and that case with ``overrides``, checked to compile.

    Raises
    ------
    NotFoundError
        If no project matches.
    InputError
        If an override or the scenario is invalid for this case.
    """
    with registry.session() as session:
        stored = repo.get_case(session, repo.resolve(session, project))
    case = compiled_case(stored, scenario, overrides, registry).case  # overrides credited to themselves
    return stored, case


def _recent_submissions(registry: Registry, client: str, since: dt.datetime) -> list[dt.datetime]:
    """When ``client`` submitted its simulations since ``since``, oldest first."""
    with registry.session() as session:
        times = session.scalars(
            select(models.Run.created_at)
            .where(models.Run.kind == KIND, models.Run.client == client, models.Run.created_at >= since)
            .order_by(models.Run.created_at)
        )
        return [when for when in (_aware(t) for t in times) if when is not None]


def check_rate(registry: Registry, client: str) -> None:
    """Refuse a submission by ``client`` beyond :func:`job_rate` in the last :data:`RATE_WINDOW` seconds.

    Raises
    ------
    RateLimited
        With the seconds to wait before a submission is accepted again.
    """
    rate, now = job_rate(), _now()
    recent = _recent_submissions(registry, client, now - dt.timedelta(seconds=RATE_WINDOW))
    if len(recent) < rate:
        return
    freed = recent[len(recent) - rate] + dt.timedelta(seconds=RATE_WINDOW)  # when the window holds one fewer
    wait = max(1, int((freed - now).total_seconds() + 0.999))
    msg = (
        f"{len(recent)} simulations were submitted by this client in the last minute, the most allowed is {rate} "
        f"({JOB_RATE_SETTING}); try again in {wait} s"
    )
    raise RateLimited(msg, wait)


def _scenario_document(scenario: Scenario) -> dict[str, Any]:
    return asdict(scenario)


def _scenario_from(document: Mapping[str, Any]) -> Scenario:
    from chagai.cases.compile import StakeSale

    data = dict(document)
    data["sales"] = tuple(StakeSale(**s) for s in data.get("sales", ()))
    data["commodity_factors"] = tuple(tuple(pair) for pair in data.get("commodity_factors", ()))
    return Scenario(**data)


def submit_simulation(
    registry: Registry,
    project_id: str,
    paths: int,
    seed: int,
    scenario: Scenario | None = None,
    overrides: Mapping[str, Any] | None = None,
    risk: RiskSettings | None = None,
    actor: str | None = None,
    client: str | None = None,
) -> str:
    """Check a simulation request and queue it; return the run id.

    ``project_id`` may also be a name or an alias. The job runs in the background (:class:`JobRunner`), on the
    case as stored now; follow it with :func:`job_status`. ``client`` (``token:<id>`` or ``ip:<address>``) is
    held to :func:`job_rate` submissions a minute.

    Raises
    ------
    NotFoundError
        If no project matches.
    InputError
        If the paths, seed, scenario, overrides or risk settings are invalid; nothing is queued then.
    QueueFull
        If :data:`MAX_WAITING` jobs are already waiting.
    RateLimited
        If ``client`` submitted :func:`job_rate` simulations in the last minute.
    """
    scenario = scenario or Scenario()
    risk = risk or RiskSettings()
    issues = []
    if not 1 <= paths <= max_paths():
        issues.append(path_cap_issue("paths", paths))
    if not 0 <= seed < 2**63:
        issues.append(Issue("seed", seed, "a whole number from 0 to 2^63 - 1", "choose another seed"))
    if issues:
        raise InputError(issues)
    if client is not None:  # first: a refused client costs one query, not a compiled case
        check_rate(registry, client)
    check_settings(risk)
    stored, case = prepare_case(registry, project_id, overrides, scenario)
    with registry.session() as session:
        waiting = session.scalar(
            select(func.count()).select_from(models.Run).where(models.Run.kind == KIND, models.Run.status == "queued")
        )
    if (waiting or 0) >= MAX_WAITING:
        msg = f"{waiting} simulations are waiting to run; try again when some have finished"
        raise QueueFull(msg)
    run_id = uuid.uuid4().hex
    resolved = stored.id
    parameters = {
        "project": resolved,
        "case_hash": case_hash(stored),
        "paths": paths,
        "seed": seed,
        "scenario": _scenario_document(scenario),
        "overrides": dict(overrides or {}),
        "risk": risk.model_dump(),
    }
    with registry.session() as session, session.begin():
        session.add(
            models.Run(
                id=run_id,
                project_id=resolved,
                kind=KIND,
                status="queued",
                created_at=_now(),
                chagai_version=__version__,
                inputs_hash=case_hash(case),
                seed=seed,
                parameters=parameters,
                actor=actor,
                progress=0.0,
                case=case_document(stored),
                client=client,
            )
        )
    return run_id


def job_status(registry: Registry, run_id: str) -> dict[str, Any]:
    """A job's state: status (queued, running, done or failed), progress 0..1, error, results and times.

    Raises
    ------
    NotFoundError
        If no simulation job has this id.
    """
    with registry.session() as session:
        row = session.get(models.Run, run_id) if len(run_id) <= 36 else None
        if row is None or row.kind != KIND:
            msg = f"no simulation job has the id {run_id!r} (ids are given by POST /api/simulations)"
            raise NotFoundError(msg)
        return _status(row)


def _status(row: models.Run) -> dict[str, Any]:
    times = {
        name: (when.isoformat() if when is not None else None)
        for name, when in (
            ("created_at", _aware(row.created_at)),
            ("started_at", _aware(row.started_at)),
            ("finished_at", _aware(row.finished_at)),
            ("heartbeat_at", _aware(row.heartbeat_at)),
        )
    }
    parameters = row.parameters
    return {
        "id": row.id,
        "project": row.project_id,
        "status": row.status,
        "progress": row.progress if row.progress is not None else (1.0 if row.status == "done" else 0.0),
        "paths": int(parameters.get("paths", 0)),
        "seed": row.seed,
        "parameters": parameters,
        "chagai_version": row.chagai_version,
        "inputs_hash": row.inputs_hash,
        **times,
        "error": row.error,
        "results": row.results,
    }


def list_jobs(registry: Registry, project: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
    """The latest simulation jobs, newest first (of one project when ``project`` is given), without results."""
    with registry.session() as session:
        stmt = select(models.Run).where(models.Run.kind == KIND)
        if project is not None:
            stmt = stmt.where(models.Run.project_id == repo.resolve(session, project))
        rows = session.scalars(stmt.order_by(models.Run.created_at.desc(), models.Run.id).limit(limit))
        return [{**_status(r), "results": None} for r in rows]


# ---------------------------------------------------------------------------------------------------------
# recovery and retention


def prune_jobs(registry: Registry, days: int | None = None) -> int:
    """Delete the simulation jobs (and their results) that finished more than ``days`` days ago; return how many.

    ``days`` defaults to :func:`retention_days`. Queued and running jobs are never pruned.
    """
    before = _now() - dt.timedelta(days=days if days is not None else retention_days())
    with registry.session() as session, session.begin():
        pruned = session.execute(
            delete(models.Run).where(
                models.Run.kind == KIND, models.Run.status.in_(("done", "failed")), models.Run.finished_at < before
            )
        )
        count = int(pruned.rowcount or 0)  # type: ignore[attr-defined]
    if count:
        log.info("pruned %d simulation jobs finished before %s", count, before.isoformat())
    return count


def _owner_is_gone(owner: str | None, me: str) -> bool:
    """Whether the process named ``owner`` (``host:pid:instance``) certainly no longer runs."""
    if not owner:
        return True
    host, _, rest = owner.partition(":")
    pid_text, _, _instance = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False  # another machine: only its heartbeat tells
    if owner == me or owner in _LIVE:
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return True  # an earlier life of this very process id
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def recover_interrupted(registry: Registry, owner: str = "") -> list[str]:
    """Mark ``failed`` every running job whose process is gone or silent; return their ids.

    ``owner`` is the calling runner (its own jobs are left alone).
    """
    stale_before = _now() - dt.timedelta(seconds=STALE_AFTER)
    failed = []
    with registry.session() as session, session.begin():
        rows = session.scalars(select(models.Run).where(models.Run.kind == KIND, models.Run.status == "running"))
        for row in rows:
            beat = _aware(row.heartbeat_at) or _aware(row.started_at) or _aware(row.created_at)
            if _owner_is_gone(row.owner, owner) or (beat is not None and beat < stale_before):
                row.status, row.error, row.finished_at = "failed", INTERRUPTED, _now()
                failed.append(row.id)
    for run_id in failed:
        log.warning("simulation job %s was interrupted (its server stopped): marked failed", run_id)
    return failed


# ---------------------------------------------------------------------------------------------------------
# the runner


class QueueFull(ChagaiError):
    """Too many simulation jobs are waiting: try again when some have run."""


class RateLimited(ChagaiError):
    """A client submitted too many simulations in the last minute; ``retry_after`` says when to try again [s]."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class _Stopped(Exception):
    """Raised inside a job's progress callback when the server is stopping."""


def _case_to_run(parameters: Mapping[str, Any], snapshot: Mapping[str, Any] | None) -> Case | str:
    """The case a job runs on: the one stored with it at submission (a job queued before snapshots: by its id).

    Raises
    ------
    ChagaiError
        If the stored case no longer has the hash it was submitted with (the job fails rather than run another).
    """
    if snapshot is None:
        return str(parameters["project"])
    case = case_from_data(dict(snapshot), str(parameters["project"]))
    expected = parameters.get("case_hash")
    if expected is not None and case_hash(case) != expected:
        msg = (
            f"the case stored with the job (hash {expected}) reads back as another (hash {case_hash(case)}); "
            "submit the simulation again"
        )
        raise ChagaiError(msg)
    return case


class JobRunner:
    """Runs queued simulation jobs one at a time in a background thread of the server process."""

    def __init__(self, registry: Registry, threads: int | None = None) -> None:
        self.registry = registry
        self.threads = threads or job_threads()
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._current: str | None = None
        self._done = 0
        self._total = 1
        self._threads: list[threading.Thread] = []
        self._pruned_at = 0.0

    def start(self) -> None:
        """Recover jobs interrupted by a dead server, prune old ones, then start the runner and heartbeat threads."""
        _LIVE.add(self.owner)
        recover_interrupted(self.registry, self.owner)
        self._prune()
        self._threads = [
            threading.Thread(target=self._loop, name="chagai-jobs", daemon=True),
            threading.Thread(target=self._heartbeat, name="chagai-jobs-heartbeat", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def wake(self) -> None:
        """Look for queued jobs now (called after a submit)."""
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the current chunk; the interrupted job goes back to the queue."""
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout)
        _LIVE.discard(self.owner)

    @property
    def current(self) -> str | None:
        """The id of the job running now, if any."""
        return self._current

    # -- threads ----------------------------------------------------------------------------------------

    def _loop(self) -> None:
        lower_priority()
        while not self._stop.is_set():
            try:
                run_id = self._claim()
            except Exception:  # the database may be briefly unreachable: try again later
                log.exception("cannot look for queued simulation jobs")
                run_id = None
            if run_id is None:
                try:
                    recover_interrupted(self.registry, self.owner)
                except Exception:
                    log.exception("cannot check for interrupted simulation jobs")
                if time.monotonic() - self._pruned_at >= PRUNE_EVERY:
                    self._prune()
                self._wake.wait(POLL)
                self._wake.clear()
                continue
            self._run(run_id)

    def _prune(self) -> None:
        """Prune finished jobs past their retention (a failure is logged: the runner goes on)."""
        self._pruned_at = time.monotonic()
        try:
            prune_jobs(self.registry)
        except Exception:
            log.exception("cannot prune old simulation jobs")

    def _heartbeat(self) -> None:
        while not self._stop.wait(HEARTBEAT):
            with self._lock:
                run_id, done, total = self._current, self._done, self._total
            if run_id is None:
                continue
            try:
                self._write(run_id, while_running=True, heartbeat_at=_now(), progress=min(0.99, done / max(total, 1)))
            except Exception:
                log.exception("cannot record the progress of simulation job %s", run_id)

    # -- steps ------------------------------------------------------------------------------------------

    def _write(self, run_id: str, *, while_running: bool = False, **values: Any) -> None:
        """Update this runner's job (``while_running``: only if it is still running, as a heartbeat)."""
        stmt = update(models.Run).where(models.Run.id == run_id, models.Run.owner == self.owner)
        if while_running:
            stmt = stmt.where(models.Run.status == "running")
        with self.registry.session() as session, session.begin():
            session.execute(stmt.values(**values))

    def _claim(self) -> str | None:
        """Atomically take the oldest queued job; ``None`` when there is none."""
        with self.registry.session() as session:
            candidates = list(
                session.scalars(
                    select(models.Run.id)
                    .where(models.Run.kind == KIND, models.Run.status == "queued")
                    .order_by(models.Run.created_at, models.Run.id)
                    .limit(5)
                )
            )
        for run_id in candidates:
            now = _now()
            with self.registry.session() as session, session.begin():
                taken = session.execute(
                    update(models.Run)
                    .where(models.Run.id == run_id, models.Run.status == "queued")
                    .values(status="running", owner=self.owner, started_at=now, heartbeat_at=now, progress=0.0)
                )
                if taken.rowcount == 1:  # type: ignore[attr-defined]
                    return run_id
        return None

    def _progress(self, done: int, total: int) -> None:
        with self._lock:
            self._done, self._total = done, total
        if self._stop.is_set():
            raise _Stopped

    def _run(self, run_id: str) -> None:
        with self._lock:
            self._current, self._done, self._total = run_id, 0, 1
        try:
            with self.registry.session() as session:
                row = session.get(models.Run, run_id)
                parameters = dict(row.parameters) if row is not None else {}
                snapshot = row.case if row is not None else None
            sim = simulate(
                _case_to_run(parameters, snapshot),
                int(parameters["paths"]),
                int(parameters["seed"]),
                _scenario_from(parameters["scenario"]),
                RiskSettings(**parameters["risk"]),
                chunk_size=CHUNK_SIZE,
                threads=self.threads,
                progress=self._progress,
                overrides=parameters.get("overrides"),
                registry=self.registry,
            )
            results = sim.model_dump(mode="json")
            self._write(run_id, status="done", progress=1.0, finished_at=_now(), heartbeat_at=_now(), results=results)
        except _Stopped:
            log.info("server stopping: simulation job %s goes back to the queue", run_id)
            self._write(run_id, status="queued", owner=None, started_at=None, heartbeat_at=None, progress=0.0)
        except ChagaiError as exc:
            self._write(run_id, status="failed", error=str(exc), finished_at=_now())
        except Exception as exc:  # a job must never take the runner down
            log.exception("simulation job %s failed", run_id)
            self._write(
                run_id, status="failed", error=f"internal error: {type(exc).__name__}: {exc}", finished_at=_now()
            )
        finally:
            with self._lock:
                self._current = None
