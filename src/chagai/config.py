"""The settings chagai reads from the environment: every ``CHAGAI_*`` variable, read and checked in one place.

:func:`settings` reads the variables the first time it is called and keeps the result, a frozen
:class:`Settings`; every part of chagai that depends on the environment asks it. A variable that is unset or
empty takes its default. A value that cannot be used raises :class:`~chagai.errors.InputError` naming the
variable, the value, what was expected and how to fix it. Code that changes the environment after the first call
(tests) calls :func:`refresh_settings` to read it again.

============================  ======================================================================================
variable                      meaning (default)
============================  ======================================================================================
``CHAGAI_DATABASE_URL``       SQLAlchemy URL of the registry (``registry.sqlite`` in the user's data directory)
``CHAGAI_DATA_DIR``           folder of the third-party data the calibrations read (``../shared/data``)
``CHAGAI_JOB_THREADS``        threads a web simulation job uses (one fewer than numba may use, at least one)
``CHAGAI_NUMBA_CACHE``        folder of numba's compiled-code cache (the user's cache directory)
``CHAGAI_USER``               who is recorded as making a change to the registry (the login name)
``CHAGAI_MAX_BODY_BYTES``     largest request body the web server reads, in bytes (2097152: 2 MB)
``CHAGAI_MAX_PATHS``          most Monte Carlo paths one simulation request may ask the web API for (2000000)
``CHAGAI_JOB_RETENTION_DAYS`` days a finished simulation job and its results are kept (30)
``CHAGAI_JOB_RATE``           simulations one client may submit per minute to the web API (10)
============================  ======================================================================================
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final, TypeVar

from chagai.errors import InputError, Issue

T = TypeVar("T")

DATABASE_URL: Final = "CHAGAI_DATABASE_URL"
"""Environment variable naming the registry's database URL."""
DATA_DIR: Final = "CHAGAI_DATA_DIR"
"""Environment variable naming the folder of the third-party calibration data."""
JOB_THREADS: Final = "CHAGAI_JOB_THREADS"
"""Environment variable giving the threads a web simulation job uses."""
NUMBA_CACHE: Final = "CHAGAI_NUMBA_CACHE"
"""Environment variable naming the folder of numba's compiled-code cache."""
USER: Final = "CHAGAI_USER"
"""Environment variable naming who makes changes to the registry."""
MAX_BODY_BYTES: Final = "CHAGAI_MAX_BODY_BYTES"
"""Environment variable giving the largest request body the web server reads [bytes]."""
MAX_PATHS: Final = "CHAGAI_MAX_PATHS"
"""Environment variable giving the most paths a simulation request to the web API may ask for."""
JOB_RETENTION_DAYS: Final = "CHAGAI_JOB_RETENTION_DAYS"
"""Environment variable giving the days a finished simulation job is kept."""
JOB_RATE: Final = "CHAGAI_JOB_RATE"
"""Environment variable giving the simulations one client may submit per minute."""


@dataclass(frozen=True)
class Settings:
    """What the environment sets; ``None`` where a variable is unset or empty (the caller's default applies).

    Parameters
    ----------
    database_url
        SQLAlchemy URL of the registry (``CHAGAI_DATABASE_URL``) [-].
    data_dir
        Folder of the third-party data the calibrations read (``CHAGAI_DATA_DIR``) [-].
    job_threads
        Threads a web simulation job uses, 1 or more (``CHAGAI_JOB_THREADS``) [threads].
    numba_cache
        Folder of numba's compiled-code cache (``CHAGAI_NUMBA_CACHE``) [-].
    user
        Who is recorded as making a change to the registry (``CHAGAI_USER``) [-].
    max_body_bytes
        Largest request body the web server reads, 1 or more (``CHAGAI_MAX_BODY_BYTES``) [bytes].
    max_paths
        Most Monte Carlo paths one simulation request to the web API may ask for, 1 or more
        (``CHAGAI_MAX_PATHS``) [paths].
    job_retention_days
        Days a finished (done or failed) simulation job and its results are kept before they are pruned, 1 or
        more (``CHAGAI_JOB_RETENTION_DAYS``) [d].
    job_rate
        Simulations one client (its token, else its address) may submit per minute, 1 or more
        (``CHAGAI_JOB_RATE``) [1/min].
    """

    database_url: str | None = None
    data_dir: Path | None = None
    job_threads: int | None = None
    numba_cache: Path | None = None
    user: str | None = None
    max_body_bytes: int | None = None
    max_paths: int | None = None
    job_retention_days: int | None = None
    job_rate: int | None = None


def _positive_whole_number(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        msg = "not a whole number of 1 or more"
        raise ValueError(msg)
    return int(text)


def settings_from(environment: Mapping[str, str]) -> Settings:
    """Read the settings from ``environment`` (a mapping like :data:`os.environ`).

    Raises
    ------
    InputError
        If a value cannot be used; every bad variable is listed, with the value, what was expected and the fix.
    """
    issues: list[Issue] = []

    def read(name: str, parse: Callable[[str], T], expected: str, fix: str) -> T | None:
        text = environment.get(name, "").strip()
        if not text:
            return None
        try:
            return parse(text)
        except ValueError:
            issues.append(Issue(name, text, expected, fix))
            return None

    result = Settings(
        database_url=read(DATABASE_URL, str, "a SQLAlchemy URL", "unset it to use the SQLite file"),
        data_dir=read(DATA_DIR, Path, "a folder", "give the folder of the third-party data"),
        job_threads=read(
            JOB_THREADS,
            _positive_whole_number,
            "a whole number of threads, 1 or more",
            f"set {JOB_THREADS}=2 (for example), or unset it to use one fewer than the cores numba may use",
        ),
        numba_cache=read(NUMBA_CACHE, Path, "a folder", "give a writable folder"),
        user=read(USER, str, "a name", "give the name to record"),
        max_body_bytes=read(
            MAX_BODY_BYTES,
            _positive_whole_number,
            "a whole number of bytes, 1 or more",
            f"set {MAX_BODY_BYTES}=2097152 (for example), or unset it to accept bodies up to 2 MB",
        ),
        max_paths=read(
            MAX_PATHS,
            _positive_whole_number,
            "a whole number of paths, 1 or more",
            f"set {MAX_PATHS}=2000000 (for example), or unset it to allow 2,000,000 paths",
        ),
        job_retention_days=read(
            JOB_RETENTION_DAYS,
            _positive_whole_number,
            "a whole number of days, 1 or more",
            f"set {JOB_RETENTION_DAYS}=30 (for example), or unset it to keep finished jobs 30 days",
        ),
        job_rate=read(
            JOB_RATE,
            _positive_whole_number,
            "a whole number of submissions per minute, 1 or more",
            f"set {JOB_RATE}=10 (for example), or unset it to allow 10 a minute",
        ),
    )
    if issues:
        raise InputError(issues, origin="environment")
    return result


@cache
def settings() -> Settings:
    """The settings of this process, read from the environment at the first call.

    Raises
    ------
    InputError
        If a ``CHAGAI_*`` variable holds a value that cannot be used.
    """
    return settings_from(os.environ)


def refresh_settings() -> Settings:
    """Read the environment again (after a test changed it) and return the new settings."""
    settings.cache_clear()
    return settings()
