"""SQLite and PostgreSQL refuse the same bad writes with the same issues, write nothing, and find names in any
script alike."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select

from chagai.cases.io import load_case_text
from chagai.errors import InputError, NotFoundError
from chagai.registry import edits, models, repo
from chagai.registry.db import Registry, open_registry
from tests.documents import Mutation, set_at

BAD_WRITES: list[tuple[str, Mutation]] = [
    ("NUL in the name", set_at(["name"], "Second\x00Mine")),
    ("NUL in an alias", set_at(["aliases", 0], "Second\x00Copper")),
    ("NUL in a source title", set_at(["sources", 0, "title"], "A\x00title")),
    ("NUL in a claim statement", set_at(["claims", 0, "statement"], "Exports\x00")),
    ("NUL in a note kept as JSON", set_at(["statuses", 2, "note"], "first\x00ore")),
    ("escape character in a party name", set_at(["parties", 0, "name"], "MinCo\x1b[31m Ltd")),
    ("C1 character in a publisher", set_at(["sources", 0, "publisher"], "Test\x9bPublisher")),
    ("lone surrogate in a region", set_at(["location", "region"], "Balo\ud800chistan")),
    ("name of 201 characters", set_at(["name"], "n" * 201)),
    ("alias of 201 characters", set_at(["aliases", 0], "a" * 201)),
    ("party name of 201 characters", set_at(["parties", 0, "name"], "p" * 201)),
    ("short name of 101 characters", set_at(["parties", 0, "short_name"], "s" * 101)),
    ("country of 101 characters", set_at(["location", "country"], "c" * 101)),
    ("publisher of 201 characters", set_at(["sources", 0, "publisher"], "u" * 201)),
    ("resource label of 201 characters", set_at(["resource_label"], "r" * 201)),
    ("alias spelt out beyond 200 characters", set_at(["aliases", 0], "\ufdfa" * 20)),
    ("infinite DSCR target kept as JSON", set_at(["financing", 0, "target_dscr"], float("inf"))),
    ("not-a-number claim value", set_at(["claims", 0, "value"], float("nan"))),
]


def _outcomes(registry: Registry, document: dict[str, Any]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every bad write's issues (path and expectation), through creation and through an edit."""
    edits.create_project(registry, document, "tester")
    outcomes = []
    for kind, mutation in BAD_WRITES:
        bad = copy.deepcopy(document)
        bad["id"], bad["name"], bad["aliases"] = "second-mine", "Second Mine", ["Second Copper"]
        mutation(bad)
        with pytest.raises(InputError) as created:
            edits.create_project(registry, bad, "tester")
        mutation_of_stored = copy.deepcopy(document)
        mutation(mutation_of_stored)
        with pytest.raises(InputError) as replaced:
            edits.replace_case(registry, "pocket-mine", mutation_of_stored, "tester")
        issues = [(i.path, i.expected) for i in created.value.issues + replaced.value.issues]
        outcomes.append((kind, issues))
    for actor in ("a" * 181, "tester\x00"):
        bad = copy.deepcopy(document) | {"id": "second-mine", "name": "Second Mine", "aliases": []}
        with pytest.raises(InputError) as created:
            edits.create_project(registry, bad, actor)
        with pytest.raises(InputError) as edited:
            edits.edit_fields(registry, "pocket-mine", {"name": "Renamed"}, actor)
        outcomes.append(
            (f"actor {actor[:8]!r}", [(i.path, i.expected) for i in created.value.issues + edited.value.issues])
        )
    with registry.session() as session:
        assert repo.project_ids(session) == ["pocket-mine"]
        assert session.scalar(select(func.count()).select_from(models.Change)) == 1  # the creation only
        assert repo.get_case(session, "pocket-mine").name == document["name"]
    return outcomes


@pytest.mark.postgres
def test_bad_writes_are_refused_alike_on_sqlite_and_postgresql(
    pocket_text: str, postgres_url: str, tmp_path: Path
) -> None:
    document = yaml.safe_load(pocket_text)
    results = {}
    for backend, url in (("sqlite", f"sqlite:///{tmp_path / 'parity.sqlite'}"), ("postgresql", postgres_url)):
        registry = open_registry(url)
        try:
            results[backend] = _outcomes(registry, document)
        finally:
            registry.close()
    assert results["sqlite"] == results["postgresql"]
    for kind, issues in results["sqlite"]:
        assert len(issues) >= 2, f"{kind}: refused on creation and on an edit"


def test_names_in_any_script_resolve_and_do_not_clash(registry: Registry, pocket_text: str) -> None:
    pocket = load_case_text(pocket_text)
    urdu = pocket.model_copy(update={"aliases": ["ریکو ڈک پاکٹ", "山达克口袋", "Pöcket Côpper"]})
    repo.import_cases(registry, [urdu])
    other = yaml.safe_load(pocket_text)
    other.update(id="other-mine", name="雷科迪克", aliases=["سیندک"])
    repo.import_cases(registry, [load_case_text(yaml.safe_dump(other, allow_unicode=True))])
    with registry.session() as session:
        assert repo.resolve(session, "ریکوڈک پاکٹ") == "pocket-mine"
        assert repo.resolve(session, "山达克 口袋") == "pocket-mine"
        assert repo.resolve(session, "pocket copper") == "pocket-mine"
        assert repo.resolve(session, "雷科迪克") == "other-mine"
        assert repo.resolve(session, "سیندک") == "other-mine"
        with pytest.raises(NotFoundError, match="Did you mean: pocket-mine"):
            repo.resolve(session, "山达克口")
    clash = other | {"id": "third-mine", "name": "Third", "aliases": ["山达克 口袋"]}
    with pytest.raises(InputError, match="already known by this name"):
        repo.import_cases(registry, [load_case_text(yaml.safe_dump(clash, allow_unicode=True))])
