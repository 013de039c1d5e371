"""The JSON API on a live server, with the registry on SQLite and on PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import io
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, text

from chagai.cases.compile import Scenario, StakeSale
from chagai.cases.io import case_hash, load_case_file
from chagai.registry import edits, models, repo
from chagai.registry.db import Registry, open_registry
from chagai.registry.tokens import create_token, list_tokens, revoke_token, verify_token
from chagai.services.appraise import appraise

FIXTURE = Path(__file__).parents[1] / "fixtures" / "pocket-mine.yaml"

CLAIM = {
    "id": "output-2030",
    "statement": "Saindak will produce 16 kt of blister copper a year.",
    "metric": "blister-production",
    "value": 16000,
    "unit": "t/yr",
    "source": ["saindak-history"],
    "confidence": "L",
}


@pytest.fixture(scope="module")
def registry(shared_database_url: str, shared_server: str) -> Iterator[Registry]:
    """The server's registry, opened beside it (tokens are created and rows inspected through it)."""
    with open_registry(shared_database_url) as reg:
        yield reg


@pytest.fixture(scope="module")
def client(shared_server: str) -> Iterator[httpx.Client]:
    """A client of the server shared by this module's tests (each test writes only records of its own)."""
    with httpx.Client(base_url=shared_server, timeout=60) as c:
        yield c


reader = client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def snapshot(registry: Registry, project: str) -> tuple[str, int]:
    """The stored content hash of a project and the number of recorded changes."""
    with registry.session() as s:
        content = s.scalar(select(models.Project.content_hash).where(models.Project.id == project))
        changes = s.scalar(select(func.count()).select_from(models.Change)) or 0
    assert content is not None
    return content, changes


# ---------------------------------------------------------------------------------------------------------
# reading


def test_projects_list_filters_and_searches_aliases(reader: httpx.Client) -> None:
    rows = reader.get("/api/projects", params={"on": "2026-03-31"}).json()
    assert {"reko-diq", "saindak", "sui"} <= {r["id"] for r in rows}
    reko = next(r for r in rows if r["id"] == "reko-diq")
    assert reko["resource"] == "Copper & Gold"
    assert "Barrick" in reko["operator"]
    assert reko["status"] == "development"
    assert [r["id"] for r in reader.get("/api/projects", params={"status": "depleting"}).json()] == ["sui"]
    assert [r["id"] for r in reader.get("/api/projects", params={"commodity": "natural-gas"}).json()] == ["sui"]
    assert [r["id"] for r in reader.get("/api/projects", params={"q": "Reco Diq"}).json()] == ["reko-diq"]
    assert [r["id"] for r in reader.get("/api/projects", params={"q": "saind"}).json()] == ["saindak"]
    assert reader.get("/api/projects", params={"q": "no such mine anywhere"}).json() == []
    bad = reader.get("/api/projects", params={"status": "active", "on": "2026-13-01"})
    assert bad.status_code == 422
    fields = {i["field"] for i in bad.json()["issues"]}
    assert "query.on" in fields


def test_project_detail_and_records(reader: httpx.Client) -> None:
    detail = reader.get("/api/projects/Reco Diq").json()
    assert detail["id"] == "reko-diq"
    assert "Reko Dik" in detail["aliases"]
    assert [e["status"] for e in detail["status_history"]][:2] == ["exploration", "suspended"]
    assert reader.get("/api/projects/reko-diq/aliases").json() == detail["aliases"]
    stakes = reader.get("/api/projects/reko-diq/stakes", params={"on": "2026-01-01"}).json()
    assert sum(s["share_low"] for s in stakes) == pytest.approx(1.0)
    assert {s["party"] for s in stakes} >= {"barrick", "bmrl"}
    everything = reader.get("/api/projects/reko-diq/stakes").json()
    assert len(everything) >= len(stakes)
    facilities = reader.get("/api/projects/reko-diq/facilities").json()
    exim = next(f for f in facilities if f["lender"] == "us-exim")
    assert exim["amount_usd_m"] == pytest.approx(1250)
    sources = reader.get("/api/projects/reko-diq/sources").json()
    case = reader.get("/api/projects/reko-diq/case").json()
    assert [s["id"] for s in sources] == [s["id"] for s in case["sources"]]
    claims = reader.get("/api/projects/reko-diq/claims").json()
    assert {c["check"]["status"] for c in claims} <= {"agree", "disagree", "cannot check"}
    assert any(c["check"]["model_value"] is not None for c in claims)
    bound = next(c for c in claims if c["id"] == "free-cash-flow-lom")
    assert bound["bound"] == "at-least"
    assert (bound["check"]["bound"], bound["check"]["tolerance"]) == ("at-least", 0.0)
    assert bound["check"]["rule"].startswith("agree when the model is at least")
    assert all(c["check"]["rule"] and c["check"]["tolerance"] is not None for c in claims)
    missing = reader.get("/api/projects/reko-dik-mine")
    assert missing.status_code == 404
    assert "reko-diq" in missing.json()["detail"]


def test_appraisal_equals_the_service(reader: httpx.Client, shared_database_url: str) -> None:
    body = {
        "project": "Reco Diq",
        "scenario": {"delay": 2, "overrun": 1.2, "discount_rate": 0.08},
        "set": {"prices.copper": 9000},
        "sell": ["15%:federal->manara@2027"],
    }
    result = reader.post("/api/appraisals", json=body)
    assert result.status_code == 200, result.text
    data = result.json()
    with open_registry(shared_database_url) as reg, reg.session() as s:
        case = repo.get_case(s, "reko-diq")
    scenario = Scenario(delay=2, overrun=1.2, discount_rate=0.08, sales=(StakeSale.parse(body["sell"][0]),))
    expected = appraise(case, scenario, {"prices.copper": 9000})
    figures = {f["key"]: f["value"] for f in data["figures"]}
    for f in expected.figures:
        assert figures[f.key] == (pytest.approx(f.value) if f.value == f.value else None), f.key
    assert {s["party"] for s in data["stakeholders"]} >= {"manara"}
    assert data["lenders"]["min_dscr"] == pytest.approx(expected.lenders.min_dscr)
    assert data["government"][-2]["item"] == "Total"
    assert data["scenario"]["delay"] == 2
    # the same request again: the same answer (from the cache)
    assert reader.post("/api/appraisals", json=body).json() == data


def test_an_appraisal_states_its_terms_overrides_and_what_a_sale_is_worth(reader: httpx.Client) -> None:
    body = {
        "project": "reko-diq",
        "scenario": {"regime": "statutory"},
        "set": {"prices.copper": 9000},
        "sell": ["15%:federal->manara@2027=540"],
    }
    result = reader.post("/api/appraisals", json=body)
    assert result.status_code == 200, result.text
    data = result.json()
    assert data["scenario"]["regime"] == "statutory"
    assert data["scenario"]["overrides"] == [{"path": "prices.copper", "value": "9000"}]
    assert any("override prices.copper = 9000" in c for c in data["scenario"]["changes"])
    (sale,) = data["sales"]
    assert sale["price"] == 540
    assert sale["buyer_indifference_price"] == pytest.approx(540 + sale["buyer_npv"] * 1.1)
    assert "LLCR" in data["lenders"]["basis"]
    unknown = reader.post("/api/appraisals", json={"project": "reko-diq", "scenario": {"regime": "no-such-terms"}})
    assert unknown.status_code == 422
    late = reader.post("/api/appraisals", json={"project": "reko-diq", "sell": ["15%:federal->manara@9999=540"]})
    assert late.status_code == 422
    assert "year" in late.text


def test_bad_appraisal_requests(reader: httpx.Client) -> None:
    unknown = reader.post("/api/appraisals", json={"project": "Reko Dik Mine"})
    assert unknown.status_code == 404
    assert "Did you mean: reko-diq" in unknown.json()["detail"]
    typo = reader.post("/api/appraisals", json={"project": "saindak", "scenario": {"overun": 1.2, "delay": -1}})
    assert typo.status_code == 422
    issues = {i["field"]: i for i in typo.json()["issues"]}
    assert "overrun" in issues["body.scenario.overun"]["fix"]
    assert issues["body.scenario.delay"]["value"] == -1
    sale = reader.post("/api/appraisals", json={"project": "saindak", "sell": ["half to someone"]})
    assert sale.status_code == 422
    assert sale.json()["issues"][0]["field"] == "body.sell[0]"
    deck = reader.post("/api/appraisals", json={"project": "saindak", "scenario": {"deck": "no-such-deck"}})
    assert deck.status_code == 422
    assert "deck" in deck.json()["issues"][0]["expected"]
    registry_only = reader.post("/api/appraisals", json={"project": "tang-kaur"})
    assert registry_only.status_code == 422


def test_compare_and_exports(reader: httpx.Client) -> None:
    compared = reader.get("/api/compare", params={"ids": "saindak,reko-diq,sui"}).json()
    assert [p["id"] for p in compared["projects"]] == ["saindak", "reko-diq", "sui"]
    local = next(r for r in compared["rows"] if r["key"] == "local_share")
    assert len(local["values"]) == 3
    assert reader.get("/api/compare", params={"ids": "saindak,nowhere"}).status_code == 404
    report = reader.get("/api/projects/saindak/report.html")
    assert report.headers["content-type"].startswith("text/html")
    assert "Saindak" in report.text
    book = reader.get("/api/projects/saindak/workbook.xlsx")
    assert "Summary" in load_workbook(io.BytesIO(book.content)).sheetnames
    table = list(csv.reader(io.StringIO(reader.get("/api/projects/saindak/cashflow.csv").text)))
    assert table[0][0] == "year"
    assert any(h.startswith("gross_revenue") for h in table[0])
    features = reader.get("/api/projects.geojson").json()["features"]
    assert {f["id"] for f in features} >= {"reko-diq", "saindak", "sui"}
    statements = reader.get("/api/projects/reko-diq/bods.json").json()
    assert {s["recordType"] for s in statements} == {"entity", "relationship"}
    docs = reader.get("/api/docs")
    assert docs.status_code == 200
    schema = reader.get("/api/openapi.json").json()
    assert "/api/appraisals" in schema["paths"]


# ---------------------------------------------------------------------------------------------------------
# writing


def test_writes_need_an_editor_token_and_revoked_tokens_are_refused(client: httpx.Client, registry: Registry) -> None:
    url = "/api/projects/saindak/claims"
    claim = {**CLAIM, "id": "token-test"}
    refused = client.post(url, json=claim)
    assert refused.status_code == 401
    assert "chagai token create" in refused.json()["detail"]
    assert client.post(url, json=claim, headers=bearer("chg_not-a-real-token")).status_code == 401
    _, viewer = create_token(registry, "reader", "viewer")
    assert client.post(url, json=claim, headers=bearer(viewer)).status_code == 403
    client.cookies.set("chagai_session", viewer)  # the API never reads cookies: no CSRF through the API
    assert client.post(url, json=claim).status_code == 401
    client.cookies.clear()
    editor_id, editor = create_token(registry, "alice", "editor")
    created = client.post(url, json=claim, headers=bearer(editor))
    assert created.status_code == 201, created.text
    assert created.json()["check"]["status"] in ("agree", "disagree", "cannot check")
    revoke_token(registry, editor_id)
    assert verify_token(registry, editor) is None
    again = client.post(url, json={**claim, "id": "another"}, headers=bearer(editor))
    assert again.status_code == 401
    assert "revoked" in again.json()["detail"]
    assert [t.active for t in list_tokens(registry) if t.id == editor_id] == [False]
    assert client.delete("/api/projects/saindak/claims/token-test").status_code == 401


def test_tokens_are_stored_hashed(registry: Registry, shared_database_url: str) -> None:
    token_id, plaintext = create_token(registry, "bob", "editor")
    with registry.session() as s:
        rows = [tuple(str(v) for v in r) for r in s.execute(text("SELECT * FROM tokens"))]
    assert any(token_id in r for r in rows)
    assert not any(plaintext in v or plaintext[4:] in v for r in rows for v in r)
    if shared_database_url.startswith("sqlite"):
        folder = Path(shared_database_url.removeprefix("sqlite:///")).parent
        for path in folder.glob("registry.sqlite*"):
            assert plaintext[4:].encode() not in path.read_bytes()
    assert verify_token(registry, plaintext) is not None
    assert verify_token(registry, plaintext + "x") is None


def test_edits_are_recorded_with_who_and_when(client: httpx.Client, registry: Registry) -> None:
    _, token = create_token(registry, "alice", "editor")
    before = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    assert client.post("/api/projects/saindak/claims", json=CLAIM, headers=bearer(token)).status_code == 201
    changed = {**CLAIM, "value": 17000}
    updated = client.put("/api/projects/saindak/claims/output-2030", json=changed, headers=bearer(token))
    assert updated.status_code == 200, updated.text
    assert updated.json()["value"] == 17000
    patched = client.patch(
        "/api/projects/saindak", json={"set": {"statuses[0].note": "built by MCC"}}, headers=bearer(token)
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["status_history"][0]["note"] == "built by MCC"
    history = client.get("/api/projects/saindak/history").json()
    edits_made = [h for h in history if h["actor"].startswith("alice")]
    paths = {h["path"] for h in edits_made}
    assert "claims[" in " ".join(paths)
    assert "statuses[0].note" in paths
    value_change = next(h for h in edits_made if h["path"].endswith(".value") and h["new"] == 17000)
    assert value_change["old"] == 16000
    assert all(dt.datetime.fromisoformat(h["at"]) >= before for h in edits_made)
    assert client.delete("/api/projects/saindak/claims/output-2030", headers=bearer(token)).status_code == 204
    assert "output-2030" not in {c["id"] for c in client.get("/api/projects/saindak/claims").json()}


def test_a_bad_claim_is_refused_with_its_field_and_changes_nothing(client: httpx.Client, registry: Registry) -> None:
    _, token = create_token(registry, "alice", "editor")
    before = snapshot(registry, "saindak")
    wrong_type = client.post(
        "/api/projects/saindak/claims", json={**CLAIM, "value": "a lot", "colour": "red"}, headers=bearer(token)
    )
    assert wrong_type.status_code == 422
    issues = {i["field"]: i for i in wrong_type.json()["issues"]}
    assert issues["body.value"]["value"] == "a lot"
    assert issues["body.value"]["expected"] == "a number"
    assert "body.colour" in issues
    unknown_source = client.post(
        "/api/projects/saindak/claims", json={**CLAIM, "source": ["nowhere-2030"]}, headers=bearer(token)
    )
    assert unknown_source.status_code == 422
    issue = unknown_source.json()["issues"][0]
    assert issue["field"].startswith("claims[")
    assert issue["field"].endswith(".source[0]")
    assert issue["value"] == "nowhere-2030"
    assert "nowhere-2030" in issue["fix"]
    duplicate = client.post("/api/projects/saindak/claims", json={**CLAIM, "id": "blister-2021"}, headers=bearer(token))
    assert duplicate.status_code == 422
    cited = client.delete("/api/projects/saindak/sources/saindak-history", headers=bearer(token))
    assert cited.status_code == 422
    assert client.delete("/api/projects/saindak/claims/no-such-claim", headers=bearer(token)).status_code == 404
    half = [
        {"party": "saindak-metals", "share": {"exact": 0.5}, "kind": "paid", "start": "1990-01-01", "estimate": "x"}
    ]
    not_whole = client.put("/api/projects/saindak/stakes", json=half, headers=bearer(token))
    assert not_whole.status_code == 422
    assert "100%" in not_whole.json()["issues"][0]["expected"]
    assert snapshot(registry, "saindak") == before


def test_stakes_sources_and_projects_are_edited_whole(client: httpx.Client, registry: Registry) -> None:
    _, token = create_token(registry, "alice", "editor")
    _, admin = create_token(registry, "root", "admin")
    pocket = load_case_file(FIXTURE).model_dump(mode="json", exclude_none=True)
    created = client.post("/api/projects", json=pocket, headers=bearer(token))
    assert created.status_code == 201, created.text
    assert created.json()["id"] == "pocket-mine"
    assert client.post("/api/projects", json=pocket, headers=bearer(token)).status_code == 422
    source = {"id": "new-report", "title": "A new report", "publisher": "Someone", "date": "2026-05", "confidence": "M"}
    assert client.post("/api/projects/pocket-mine/sources", json=source, headers=bearer(token)).status_code == 201
    renamed = client.put(
        "/api/projects/Poket Mine/sources/new-report", json={**source, "title": "Renamed"}, headers=bearer(token)
    )
    assert renamed.status_code == 200
    assert "Renamed" in {s["title"] for s in client.get("/api/projects/pocket-mine/sources").json()}
    stakes = client.get("/api/projects/pocket-mine/stakes").json()
    transfer = [
        {
            k: v
            for k, v in s.items()
            if k in ("party", "share", "kind", "start", "end", "from_party", "funded_by", "estimate", "source")
        }
        for s in stakes
    ]
    transfer[1]["end"] = "2029-12-31"
    transfer += [
        {"party": "minco", "share": {"exact": 0.3}, "kind": "paid", "start": "2030-01-01", "source": ["new-report"]},
        {"party": "federation", "share": {"exact": 0.2}, "kind": "paid", "start": "2030-01-01", "from_party": "minco",
         "source": ["new-report"]},
    ]  # fmt: skip
    replaced = client.put("/api/projects/pocket-mine/stakes", json=transfer, headers=bearer(token))
    assert replaced.status_code == 200, replaced.text
    on = client.get("/api/projects/pocket-mine/stakes", params={"on": "2031-01-01"}).json()
    shares = {}
    for s in on:
        shares[s["party"]] = shares.get(s["party"], 0) + s["share_low"]
    assert shares == pytest.approx({"minco": 0.3, "federation": 0.2, "holdco": 0.1, "province": 0.4})
    assert client.delete("/api/projects/pocket-mine/sources/new-report", headers=bearer(token)).status_code == 422
    pocket["name"] = "Pocket Mine (renamed)"
    assert client.put("/api/projects/Poket Mine", json=pocket, headers=bearer(token)).json()["name"] == pocket["name"]
    assert client.delete("/api/projects/pocket-mine", headers=bearer(token)).status_code == 403
    assert client.delete("/api/projects/pocket-mine", headers=bearer(admin)).status_code == 204
    assert client.get("/api/projects/pocket-mine").status_code == 404


def test_concurrent_edits_are_all_kept(registry: Registry) -> None:
    """Editors writing at the same time never overwrite each other's change."""
    errors: list[BaseException] = []

    def add(i: int) -> None:
        try:
            edits.add_claim(registry, "saindak", {**CLAIM, "id": f"concurrent-{i}"}, actor=f"editor-{i}")
        except BaseException as exc:  # collected and reported below
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with registry.session() as s:
        case = repo.get_case(s, "saindak")
        stored_hash = s.scalar(select(models.Project.content_hash).where(models.Project.id == "saindak"))
    assert {f"concurrent-{i}" for i in range(4)} <= {c.id for c in case.claims}
    assert stored_hash == case_hash(case)


def test_token_commands() -> None:
    from typer.testing import CliRunner

    from chagai.cli import app

    runner = CliRunner()
    created = runner.invoke(app, ["token", "create", "--name", "carol", "--role", "editor"])
    assert created.exit_code == 0, created.output
    plaintext = created.stdout.strip()
    assert plaintext.startswith("chg_")
    listed = runner.invoke(app, ["token", "list"])
    assert "carol" in listed.stdout
    assert plaintext not in listed.stdout
    with open_registry() as registry:
        principal = verify_token(registry, plaintext)
    assert principal is not None
    assert principal.can_edit
    assert runner.invoke(app, ["token", "revoke", principal.token_id]).exit_code == 0
    with open_registry() as registry:
        assert verify_token(registry, plaintext) is None
    unknown = runner.invoke(app, ["token", "revoke", "nope"])
    assert unknown.exit_code == 1
    assert "no token has the id" in unknown.output
    bad_role = runner.invoke(app, ["token", "create", "--name", "dave", "--role", "god"])
    assert bad_role.exit_code == 2
    assert "viewer, editor, admin" in bad_role.output
