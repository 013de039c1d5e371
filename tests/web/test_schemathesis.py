"""Generated requests against the OpenAPI schema of a live server: no server error, and answers as documented.

Every operation is called with requests schemathesis derives from the schema (its examples, then random and
invalid ones): anonymously, and with an editor token, on SQLite and on PostgreSQL. Writes without a token must
be refused (401) whatever their body.

By default each operation gets a few fixed examples (a short, repeatable run for CI). For a longer search set
``CHAGAI_SCHEMATHESIS_SECONDS`` (``make fuzz`` sets 180): each backend then gets that many seconds, shared by its
two tests, spent in rounds of fresh random requests over every operation until the time is out.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from chagai.registry.db import open_registry
from chagai.registry.tokens import create_token
from tests.web.conftest import running_server

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
WRITES = ("POST", "PUT", "PATCH", "DELETE")
COMPUTATIONS = {("POST", "/api/appraisals"), ("POST", "/api/simulations")}
"""Operations that write nothing to the registry (an appraisal, a background simulation): open to everyone."""
WHOLE_CASES = {("POST", "/api/projects"), ("PUT", "/api/projects/{project}")}
"""Operations whose body is a whole case: slow to generate, so fewer examples."""
BUDGET = float(os.environ.get("CHAGAI_SCHEMATHESIS_SECONDS") or 0)
"""Seconds of generated requests per backend (0: one repeatable round of a few examples per operation)."""
ROUND = 5
"""How many times more examples each operation gets per round when a time budget is set."""


def _settings(examples: int, fixed: bool) -> settings:
    return settings(
        max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None, derandomize=fixed
    )


@pytest.fixture(scope="module")
def server(shared_database_url: str) -> Iterator[str]:
    """A server that queues the simulations asked for but does not run them (they are the fuzzer's, not ours)."""
    with running_server(shared_database_url, run_jobs=False) as url:
        yield url


@pytest.fixture(scope="module")
def api(server: str) -> Any:
    return schemathesis.openapi.from_url(f"{server}/api/openapi.json")


@pytest.fixture(scope="module")
def editor(shared_database_url: str, server: str) -> Iterator[str]:
    with open_registry(shared_database_url) as registry:
        yield create_token(registry, "schemathesis", "editor")[1]


def _strategy(api: Any, operation: Any) -> st.SearchStrategy[schemathesis.Case]:
    """The schema's own examples, then valid and invalid requests derived from the schema."""
    return st.one_of(
        *api.get_strategies_from_examples(operation),
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )


def _each_operation(
    api: Any, methods: tuple[str, ...], examples: Callable[[str, str], int], test: Callable[[schemathesis.Case], None]
) -> None:
    """Run ``test`` on generated requests of every operation; report every operation that fails.

    Without a time budget, one round of fixed examples; with one, rounds of new random examples until half the
    budget is spent (the other half is the other test's), each failure reported once.
    """
    failures: list[str] = []
    operations = [result.ok() for result in api.get_all_operations()]
    chosen = [op for op in operations if op.method.upper() in methods]
    assert chosen
    stop = time.monotonic() + BUDGET / 2
    rounds = 0
    while rounds == 0 or time.monotonic() < stop:
        rounds += 1
        for operation in chosen:
            count = examples(operation.method.upper(), operation.path)

            @_settings(count * ROUND if BUDGET else count, fixed=not BUDGET)
            @given(case=_strategy(api, operation))
            def run(case: schemathesis.Case) -> None:
                test(case)

            try:
                run()
            except Exception as exc:  # collected, then reported together
                if (failure := f"{operation.label}: {exc}") not in failures:
                    failures.append(failure)
            if time.monotonic() > stop and BUDGET:
                break
    assert not failures, "\n\n".join(failures)


def test_anonymous_requests(api: Any) -> None:
    """Any request: never a server error, answers as documented; writes without a token are refused."""

    def check(case: schemathesis.Case) -> None:
        response = case.call_and_validate(checks=CHECKS)
        method = case.method.upper()
        if method in WRITES and (method, case.operation.path) not in COMPUTATIONS:
            assert response.status_code == 401, (method, case.formatted_path, response.status_code)

    def examples(method: str, path: str) -> int:
        return 2 if method in WRITES and (method, path) not in COMPUTATIONS else 5

    _each_operation(api, ("GET", *WRITES), examples, check)


def test_editor_requests(api: Any, editor: str) -> None:
    """Writes with an editor token: bad bodies are refused with 4xx, never a server error."""

    def check(case: schemathesis.Case) -> None:
        case.call_and_validate(checks=CHECKS, headers={"Authorization": f"Bearer {editor}"})

    _each_operation(api, WRITES, lambda method, path: 2 if (method, path) in WHOLE_CASES else 5, check)
