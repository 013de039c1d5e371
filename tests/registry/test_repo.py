"""The registry on SQLite and PostgreSQL: atomic, idempotent imports, lossless round trips, history."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from chagai.cases.io import dump_case, load_case_text
from chagai.cases.library import bundled_cases
from chagai.errors import InputError, NotFoundError
from chagai.registry import repo
from chagai.registry.db import Registry, open_registry, table_names
from chagai.registry.edits import edit_fields
from chagai.registry.exporters import bods_statements, geojson
from chagai.registry.models import Base


def test_migrations_build_exactly_the_models(registry: Registry) -> None:
    with registry.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    assert {"projects", "stakes", "facilities", "change_log", "runs", "fiscal_regimes"} <= set(
        table_names(registry.engine)
    )


def test_bundled_cases_round_trip_through_the_registry(registry: Registry) -> None:
    cases = bundled_cases()
    result = repo.init_registry(registry)
    assert sorted(result.created) == sorted(c.id for c in cases)
    with registry.session() as session:
        for case in cases:
            exported = repo.get_case(session, case.id)
            assert exported == case
            # export -> import -> export changes nothing either
            assert load_case_text(dump_case(exported)) == case
    again = repo.import_cases(registry, [load_case_text(dump_case(c)) for c in cases])
    assert again.created == again.updated == []
    assert again.changes == 0


def test_import_is_idempotent_and_records_history(registry: Registry, pocket_text: str) -> None:
    case = load_case_text(pocket_text)
    first = repo.import_cases(registry, [case], actor="alice")
    assert first.created == ["pocket-mine"]
    second = repo.import_cases(registry, [case], actor="alice")
    assert second.unchanged == ["pocket-mine"]
    assert second.changes == 0
    with registry.session() as session:
        assert len(repo.history(session, "pocket-mine")) == 1


def test_edit_records_who_when_and_what(registry: Registry, pocket_text: str) -> None:
    repo.import_cases(registry, [load_case_text(pocket_text)], actor="alice")
    before = dt.datetime.now(dt.UTC)
    edit_fields(
        registry,
        "pocket-mine",
        {"costs.opex_per_tonne_milled.value": "12.5", "statuses[2].note": "commercial production"},
        actor="bob",
    )
    with registry.session() as session:
        changes = repo.history(session, "pocket-mine")
        case = repo.get_case(session, "pocket-mine")
    assert case.costs is not None
    assert case.costs.opex_per_tonne_milled is not None
    assert case.costs.opex_per_tonne_milled.value == 12.5
    edits = {c.path: c for c in changes if c.action == "update"}
    assert set(edits) == {"costs.opex_per_tonne_milled.value", "statuses[2].note"}
    opex = edits["costs.opex_per_tonne_milled.value"]
    assert (opex.old, opex.new) == (10.0, 12.5)
    assert opex.actor == "bob (edit)"
    at = opex.at if opex.at.tzinfo else opex.at.replace(tzinfo=dt.UTC)
    assert at >= before - dt.timedelta(seconds=5)


def test_invalid_edit_writes_nothing(registry: Registry, pocket_text: str) -> None:
    repo.import_cases(registry, [load_case_text(pocket_text)])
    with pytest.raises(InputError) as info:
        edit_fields(registry, "pocket-mine", {"stakes[0].share.exact": "0.9"})
    assert info.value.issues[0].path == "stakes"
    with pytest.raises(InputError) as info:
        edit_fields(registry, "pocket-mine", {"costs.no_such_cost": "1"})
    assert "costs.no_such_cost" in str(info.value)
    with registry.session() as session:
        assert repo.get_case(session, "pocket-mine") == load_case_text(pocket_text)
        assert len(repo.history(session, "pocket-mine")) == 1


def test_a_batch_with_a_clash_writes_nothing(registry: Registry, pocket_text: str) -> None:
    good = load_case_text(pocket_text)
    twin = load_case_text(pocket_text.replace("id: pocket-mine", "id: twin-mine"))
    with pytest.raises(InputError):
        repo.import_cases(registry, [good, twin])
    with registry.session() as session:
        assert repo.project_ids(session) == []


def test_aliases_resolve(registry: Registry, pocket_text: str) -> None:
    repo.init_registry(registry)
    repo.import_cases(registry, [load_case_text(pocket_text)])
    with registry.session() as session:
        assert repo.resolve(session, "Reco Diq") == "reko-diq"
        assert repo.resolve(session, "reco-dig") == "reko-diq"
        assert repo.resolve(session, "RekoDiq") == "reko-diq"
        assert repo.resolve(session, "poket mine") == "pocket-mine"
        with pytest.raises(NotFoundError, match="Did you mean: reko-diq"):
            repo.resolve(session, "Reko Dq")


def test_delete_keeps_the_last_content_in_history(registry: Registry, pocket_text: str) -> None:
    repo.import_cases(registry, [load_case_text(pocket_text)])
    repo.delete_project(registry, "pocket-mine", actor="carol")
    with registry.session() as session:
        assert repo.project_ids(session) == []
        last = repo.history(session, "pocket-mine")[-1]
    assert last.action == "delete"
    assert last.old["id"] == "pocket-mine"


def test_bods_statements_carry_dated_shares(pocket_text: str) -> None:
    case = load_case_text(pocket_text)
    statements = bods_statements(case)
    assert len({s["statementId"] for s in statements}) == len(statements)
    relationships = [s for s in statements if s["recordType"] == "relationship"]
    minco = [s for s in relationships if s["recordDetails"]["interestedParty"].endswith("-minco")]
    shares = sorted((i["startDate"], i["share"]["exact"]) for s in minco for i in s["recordDetails"]["interests"])
    assert shares == [("2018-01-01", 60.0), ("2027-01-01", 50.0)]
    # proposed stakes are not ownership
    assert all("proposed" not in s["recordDetails"]["interests"][0].get("details", "") for s in relationships)
    json.dumps(statements)  # serialisable


def test_geojson_points_are_lon_lat(pocket_text: str) -> None:
    collection = geojson([load_case_text(pocket_text)])
    feature = collection["features"][0]
    assert feature["geometry"] == {"type": "Point", "coordinates": [62.0, 29.0]}
    assert feature["properties"]["status"] == "operating"
    assert feature["properties"]["operator"] == "MinCo (Canada)"


def test_a_bad_database_url_is_a_clear_error() -> None:
    from chagai.errors import RegistryError

    with pytest.raises(RegistryError, match="not a database URL chagai can use"):
        open_registry("nonsense://")
    with pytest.raises(RegistryError, match="cannot open the registry"):
        open_registry("postgresql+psycopg://nobody@127.0.0.1:1/none")
