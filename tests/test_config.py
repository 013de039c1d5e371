"""The settings read from the environment: defaults, types and the errors that name the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from chagai.config import Settings, refresh_settings, settings, settings_from
from chagai.errors import InputError
from chagai.registry.db import database_url
from chagai.registry.repo import current_actor
from chagai.web.jobs import job_threads


def test_unset_and_empty_variables_take_the_defaults() -> None:
    assert settings_from({}) == Settings()
    blank = {"CHAGAI_DATABASE_URL": "", "CHAGAI_JOB_THREADS": "  ", "CHAGAI_USER": ""}
    assert settings_from(blank) == Settings()


def test_values_are_read_with_their_types() -> None:
    read = settings_from(
        {
            "CHAGAI_DATABASE_URL": "sqlite:///r.sqlite",
            "CHAGAI_DATA_DIR": "data",
            "CHAGAI_JOB_THREADS": " 3 ",
            "CHAGAI_NUMBA_CACHE": "cache",
            "CHAGAI_USER": "analyst",
        }
    )
    assert read == Settings("sqlite:///r.sqlite", Path("data"), 3, Path("cache"), "analyst")


@pytest.mark.parametrize("value", ["0", "-2", "two", "1.5"])
def test_a_bad_value_names_the_variable_the_value_and_the_fix(value: str) -> None:
    with pytest.raises(InputError) as info:
        settings_from({"CHAGAI_JOB_THREADS": value})
    (issue,) = info.value.issues
    assert issue.path == "CHAGAI_JOB_THREADS"
    assert issue.value == value
    assert "1 or more" in issue.expected
    assert "unset it" in issue.fix
    assert "environment" in str(info.value)


def test_settings_are_read_once_and_refreshed_on_demand(monkeypatch: pytest.MonkeyPatch) -> None:
    first = settings()
    monkeypatch.setenv("CHAGAI_USER", "someone-else")
    monkeypatch.setenv("CHAGAI_JOB_THREADS", "1")
    monkeypatch.setenv("CHAGAI_DATABASE_URL", "sqlite:///elsewhere.sqlite")
    assert settings() is first
    assert current_actor() == "test-user"
    refresh_settings()
    assert current_actor() == "someone-else"
    assert job_threads() == 1
    assert database_url() == "sqlite:///elsewhere.sqlite"
    assert database_url("sqlite:///given.sqlite") == "sqlite:///given.sqlite"


def test_a_bad_variable_is_one_line_of_error_from_the_command_not_a_traceback(tmp_path: Path) -> None:
    command = Path(sys.executable).with_name("chagai")
    if not command.is_file():
        pytest.skip("the chagai command is not installed beside this Python")
    environment = {**os.environ, "CHAGAI_JOB_THREADS": "abc", "CHAGAI_DATABASE_URL": f"sqlite:///{tmp_path / 'r.db'}"}
    done = subprocess.run([str(command), "projects"], capture_output=True, text=True, env=environment, check=False)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "CHAGAI_JOB_THREADS: got 'abc'" in done.stderr
