"""Guards of the HTTP layer: body size, bounded and JSON-safe error echoes, security headers, caps and refusals.

Every bad request gets a 4xx answer in JSON naming the field, never a 500, and never costs the server more than a
bounded amount of work.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from chagai.config import refresh_settings
from chagai.errors import SHOWN_LIMIT, bounded
from chagai.web.guards import DATA_POLICY, PAGE_POLICY, REPORT_POLICY
from tests.web.conftest import running_server

JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """A client of a server over a registry of the bundled cases (no job runner: simulations only queue)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('limits') / 'registry.sqlite'}"
    with running_server(url, run_jobs=False) as base, httpx.Client(base_url=base, timeout=60) as c:
        yield c


def problems(response: httpx.Response) -> dict[str, dict[str, Any]]:
    """The issues of an error reply by field (the reply must be JSON, as every error of the API is)."""
    return {issue["field"]: issue for issue in response.json()["issues"]}


# ---------------------------------------------------------------------------------------------------------
# the echo of a value in an error


def test_echo_is_json_and_bounded_whatever_was_sent() -> None:
    deep: list[Any] = []
    node = deep
    for _ in range(10_000):  # deeper than any recursion could walk
        node.append([])
        node = node[0]
    values = [
        math.nan,
        math.inf,
        -math.inf,
        "\ud800 lone surrogate",
        "x" * 10_000_000,
        10**5000,
        deep,
        {f"k{i}": "y" * 1000 for i in range(100_000)},
        list(range(1_000_000)),
        b"\xff" * 5_000,
    ]
    for value in values:
        shown = bounded(value)
        text = json.dumps(shown, allow_nan=False)  # strict JSON: no NaN, no lone surrogate left
        text.encode("utf-8")
        assert len(text) < 20 * SHOWN_LIMIT
    assert bounded(math.nan) == "NaN"
    assert bounded(-math.inf) == "-Infinity"
    assert len(bounded("x" * 10_000_000)) == SHOWN_LIMIT
    assert bounded({"a": 1, "b": [1, 2.5, None]}) == {"a": 1, "b": [1, 2.5, None]}  # small values as they are
    assert len(bounded(list(range(1_000_000)))) <= SHOWN_LIMIT


# ---------------------------------------------------------------------------------------------------------
# request bodies


def test_a_body_over_the_limit_is_refused_with_413_naming_the_setting(
    client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHAGAI_MAX_BODY_BYTES", "1000")
    refresh_settings()
    big = json.dumps({"project": "saindak", "sell": ["x" * 2000]})
    refused = client.post("/api/appraisals", content=big, headers=JSON)
    assert refused.status_code == 413
    issue = problems(refused)["body"]
    assert "1,000 bytes" in issue["expected"]
    assert "CHAGAI_MAX_BODY_BYTES" in issue["fix"]
    assert refused.headers["x-content-type-options"] == "nosniff"

    def chunks() -> Iterator[bytes]:  # a body of unknown length, streamed
        for _ in range(20):
            yield b"x" * 100

    assert client.post("/api/appraisals", content=chunks(), headers=JSON).status_code == 413
    small = client.post("/api/appraisals", json={"project": "saindak", "scenario": {"delay": 99}})
    assert small.status_code == 422  # under the limit: read and checked as usual


def read_projects(client: httpx.Client, statuses: list[int]) -> None:
    statuses.append(client.get("/api/projects").status_code)


@pytest.mark.parametrize("streamed", [False, True], ids=["content-length", "chunked"])
def test_a_10_mb_bad_body_is_refused_at_once_while_another_request_is_served(tmp_path: Path, streamed: bool) -> None:
    body = b'{"project": "' + b"x" * (10 * 1024 * 1024)  # invalid JSON, and never closed

    def content() -> bytes | Iterator[bytes]:
        if not streamed:
            return body
        return (body[i : i + 65_536] for i in range(0, len(body), 65_536))

    with running_server(f"sqlite:///{tmp_path / 'registry.sqlite'}", run_jobs=False) as url:
        timings: list[float] = []
        for _ in range(3):  # the best of three: a busy test machine may stall any one attempt
            served: list[int] = []
            with httpx.Client(base_url=url, timeout=60) as bad, httpx.Client(base_url=url, timeout=60) as other:
                reader = threading.Thread(target=read_projects, args=(other, served))
                start = time.perf_counter()
                reader.start()
                refused = bad.post("/api/appraisals", content=content(), headers=JSON)
                timings.append(time.perf_counter() - start)
                reader.join(timeout=60)
            assert refused.status_code == 413
            assert refused.json()["issues"][0]["field"] == "body"
            assert served == [200]
        assert min(timings) < 0.5, timings


# ---------------------------------------------------------------------------------------------------------
# values no error reply could encode before


@pytest.mark.parametrize(
    ("body", "field", "shown"),
    [
        (b'{"project": "saindak", "scenario": {"overrun": NaN}}', "body.scenario.overrun", "NaN"),
        (b'{"project": "saindak", "scenario": {"price_factor": Infinity}}', "body.scenario.price_factor", "Infinity"),
        (b'{"project": "saindak", "scenario": {"discount_rate": -Infinity}}', "body.scenario.discount_rate", None),
        (b'{"project": "saindak", "scenario": {"deck": "\\ud800"}}', "body.scenario.deck", "\\ud800"),
        (b'{"project": "\\udfff"}', "body.project", "\\udfff"),
    ],
    ids=["nan", "infinity", "minus-infinity", "surrogate-deck", "surrogate-project"],
)
def test_values_json_cannot_hold_get_a_422_naming_the_field(
    client: httpx.Client, body: bytes, field: str, shown: str | None
) -> None:
    response = client.post("/api/appraisals", content=body, headers=JSON)
    assert response.status_code == 422
    issue = problems(response)[field]
    if shown is not None:  # named in the reply (in any case: NaN, nan), never an unencodable value
        assert str(issue["value"]).lower() == shown.lower()


def test_a_body_that_cannot_be_read_gets_json_naming_the_body(client: httpx.Client) -> None:
    for body in (b'{"project": "\xff\xfe"}', b'{"project": "saindak", "set": {"a": ' + b"[" * 100_000 + b"]" * 100_000):
        response = client.post("/api/appraisals", content=body, headers=JSON)
        assert response.status_code == 400
        assert "UTF-8" in problems(response)["body"]["expected"]


def test_a_long_value_is_echoed_cut_short(client: httpx.Client) -> None:
    long = "z" * 1_000_000
    response = client.post("/api/appraisals", json={"project": "saindak", "set": {"prices.copper": long}})
    assert response.status_code == 422
    assert len(response.content) < 5_000
    (issue,) = response.json()["issues"]
    assert issue["value"].startswith("zzzz")
    assert len(issue["value"]) <= SHOWN_LIMIT + 50


def test_deep_override_paths_and_values_get_a_422(client: httpx.Client) -> None:
    deep_path = ".".join(["a"] * 5_000)
    response = client.post("/api/appraisals", json={"project": "saindak", "set": {deep_path: 1}})
    assert response.status_code == 422
    (issue,) = response.json()["issues"]
    assert issue["field"].startswith("body.set.a.a.a")
    assert "at most 300 characters" in issue["expected"]
    response = client.post("/api/appraisals", json={"project": "saindak", "set": {".".join(["a"] * 100): 1}})
    assert response.status_code == 422
    (issue,) = response.json()["issues"]
    assert issue["field"].startswith("body.set.a.a.a")
    assert "at most 32" in issue["expected"]
    nested = '{"project": "saindak", "set": {"prices.copper": ' + "[" * 900 + "]" * 900 + "}}"
    response = client.post("/api/appraisals", content=nested, headers=JSON)
    assert response.status_code == 422
    assert "16 levels" in problems(response)["body.set.prices.copper"]["expected"]
    edit = client.patch("/api/projects/saindak", json={"set": {deep_path: 1}})
    assert edit.status_code in (401, 422)  # an edit needs a token first; it never fails with 500


def test_overriding_the_project_id_is_refused_in_appraisals_and_simulations(client: httpx.Client) -> None:
    for value in ("saindak", "reko-diq"):
        response = client.post("/api/appraisals", json={"project": "saindak", "set": {"id": value}})
        assert response.status_code == 422
        assert "project's id" in problems(response)["body.set.id"]["expected"]
    simulation = client.post("/api/simulations", json={"project": "saindak", "paths": 10, "set": {"id": "sui"}})
    assert simulation.status_code == 422
    assert "body.set.id" in problems(simulation)


def test_the_path_cap_is_a_setting_and_named_in_the_refusal(
    client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    default = client.post("/api/simulations", json={"project": "saindak", "paths": 2_000_001})
    assert "2,000,000" in problems(default)["body.paths"]["expected"]
    monkeypatch.setenv("CHAGAI_MAX_PATHS", "500")
    refresh_settings()
    lowered = client.post("/api/simulations", json={"project": "saindak", "paths": 501})
    assert lowered.status_code == 422
    issue = problems(lowered)["body.paths"]
    assert "1 to 500" in issue["expected"]
    assert "CHAGAI_MAX_PATHS" in issue["fix"]
    assert client.post("/api/simulations", json={"project": "saindak", "paths": 500}).status_code == 202


# ---------------------------------------------------------------------------------------------------------
# headers


def test_every_response_carries_the_security_headers(client: httpx.Client) -> None:
    common = {"x-content-type-options": "nosniff", "x-frame-options": "DENY", "referrer-policy": "same-origin"}
    expected_policy = {
        "/api/projects": DATA_POLICY,
        "/api/projects/nowhere": DATA_POLICY,
        "/api/projects/saindak/cashflow.csv": DATA_POLICY,
        "/api/projects/saindak/report.html": REPORT_POLICY,
        "/": PAGE_POLICY,
    }
    for path, policy in expected_policy.items():
        response = client.get(path)
        assert response.status_code in (200, 404), path
        assert {k: response.headers.get(k) for k in common} == common, path
        assert response.headers["content-security-policy"] == policy, path
    docs = client.get("/api/docs")
    assert "frame-ancestors 'none'" in docs.headers["content-security-policy"]
