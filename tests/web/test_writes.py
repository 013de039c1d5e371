"""Writes that race: a stale copy is refused (ETag and If-Match), and a burst of concurrent edits all land."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import httpx
import pytest

from chagai.cases.io import case_hash
from chagai.registry import edits, repo
from chagai.registry.db import Registry, open_registry
from chagai.registry.tokens import create_token

BURST = 20
"""Concurrent writers to one project."""


@pytest.fixture(scope="module")
def server_registry(shared_database_url: str, shared_server: str) -> Iterator[Registry]:
    """The shared server's registry, opened beside it."""
    with open_registry(shared_database_url) as reg:
        yield reg


@pytest.fixture(scope="module")
def editor(server_registry: Registry) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_token(server_registry, 'etag-editor', 'editor')[1]}"}


def _stored(registry: Registry, project: str) -> tuple[str, int]:
    """The stored content hash of a project and the number of its recorded changes."""
    with registry.session() as s:
        return case_hash(repo.get_case(s, project)), len(repo.history(s, project))


def _together(work: Callable[[int], object], count: int) -> list[object]:
    """Run ``work(0) ... work(count - 1)`` in threads released at the same moment; their results in order."""
    start = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # reported by the test
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


def test_a_stale_put_or_patch_is_refused_with_412(
    shared_server: str, server_registry: Registry, editor: dict[str, str]
) -> None:
    with httpx.Client(base_url=shared_server, timeout=60) as client:
        read = client.get("/api/projects/sui")
        etag = read.headers["etag"]
        assert etag == f'"{read.json()["content_hash"]}"'
        document = client.get("/api/projects/sui/case").json()
        # a PATCH sent with the ETag it read is written, and answers the new ETag
        patched = client.patch(
            "/api/projects/Sui",
            json={"set": {"statuses[0].note": "first writer"}},
            headers={**editor, "If-Match": etag},
        )
        assert patched.status_code == 200, patched.text
        newer = patched.headers["etag"]
        assert newer != etag
        assert newer == f'"{patched.json()["content_hash"]}"' == client.get("/api/projects/sui").headers["etag"]
        before = _stored(server_registry, "sui")
        # the PUT of the copy read before that PATCH is refused, and writes nothing
        stale = client.put("/api/projects/sui", json=document, headers={**editor, "If-Match": etag})
        assert stale.status_code == 412, stale.text
        assert "changed since it was read" in stale.json()["detail"]
        assert "Read it again" in stale.json()["detail"]
        assert stale.headers["etag"] == newer
        stale_patch = client.patch(
            "/api/projects/sui",
            json={"set": {"statuses[0].note": "second writer"}},
            headers={**editor, "If-Match": etag},
        )
        assert stale_patch.status_code == 412
        weak = client.patch(
            "/api/projects/sui",
            json={"set": {"statuses[0].note": "weak"}},
            headers={**editor, "If-Match": f"W/{newer}"},
        )
        assert weak.status_code == 412  # If-Match compares strongly: a weak tag never matches
        assert _stored(server_registry, "sui") == before
        assert client.get("/api/projects/sui").json()["status_history"][0]["note"] == "first writer"
        # the current ETag (one of several, or "*") is accepted; without If-Match a write behaves as before
        listed = client.patch(
            "/api/projects/sui",
            json={"set": {"statuses[0].note": "listed"}},
            headers={**editor, "If-Match": f'"0000", {newer}'},
        )
        assert listed.status_code == 200, listed.text
        anyone = client.patch(
            "/api/projects/sui", json={"set": {"statuses[0].note": "any"}}, headers={**editor, "If-Match": "*"}
        )
        assert anyone.status_code == 200
        blind = client.put("/api/projects/sui", json=document, headers=editor)
        assert blind.status_code == 200
        assert blind.headers["etag"] == f'"{blind.json()["content_hash"]}"'
        assert client.get("/api/projects/sui/case").json()["statuses"][0].get("note") == document["statuses"][0].get(
            "note"
        )


def test_a_stale_edit_is_refused_by_the_registry_and_writes_nothing(registry: Registry) -> None:
    repo.init_registry(registry)
    read, changes = _stored(registry, "saindak")
    edits.edit_fields(registry, "saindak", {"statuses[0].note": "newer"}, "bob", if_content={read})
    newer, _ = _stored(registry, "saindak")
    with pytest.raises(edits.ChangedSinceRead, match="changed since it was read") as refused:
        edits.edit_fields(registry, "saindak", {"statuses[0].note": "stale"}, "carol", if_content={read})
    assert refused.value.current == newer
    assert _stored(registry, "saindak") == (newer, changes + 1)


def test_a_burst_of_concurrent_edits_all_land_in_the_registry(registry: Registry) -> None:
    repo.init_registry(registry)
    _, changes = _stored(registry, "saindak")

    def edit(i: int) -> object:
        return edits.edit_fields(registry, "saindak", {f"sources[{i}].note": f"writer {i}"}, f"writer-{i}")

    outcomes = _together(edit, BURST)
    assert [o for o in outcomes if isinstance(o, Exception)] == []
    with registry.session() as s:
        case = repo.get_case(s, "saindak")
        history = repo.history(s, "saindak")
    assert [source.note for source in case.sources[:BURST]] == [f"writer {i}" for i in range(BURST)]
    assert len(history) == changes + BURST
    assert sorted(h.path for h in history[changes:]) == sorted(f"sources[{i}].note" for i in range(BURST))


def test_a_burst_of_concurrent_patches_all_succeed_on_a_live_server(
    shared_server: str, server_registry: Registry, editor: dict[str, str]
) -> None:
    _, changes = _stored(server_registry, "saindak")

    def patch(i: int) -> object:
        with httpx.Client(base_url=shared_server, timeout=60) as client:
            body = {"set": {f"sources[{i}].note": f"client {i}"}}
            return client.patch("/api/projects/saindak", json=body, headers=editor).status_code

    statuses = _together(patch, BURST)
    assert statuses == [200] * BURST, statuses
    with server_registry.session() as s:
        case = repo.get_case(s, "saindak")
        history = repo.history(s, "saindak")
    assert [source.note for source in case.sources[:BURST]] == [f"client {i}" for i in range(BURST)]
    assert sorted(h.path for h in history[changes:]) == sorted(f"sources[{i}].note" for i in range(BURST))
