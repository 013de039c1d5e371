"""Every kind of bad input gives an error naming the field path, the value and what was expected, and writes
nothing to the registry."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import inspect, select
from typer.testing import CliRunner, Result

from chagai.cases.io import load_case_text
from chagai.cli import app
from chagai.config import refresh_settings
from chagai.errors import InputError
from chagai.registry import models
from chagai.registry.db import open_registry
from tests.documents import Mutation, set_at


def _delete(path: list[Any]) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        node: Any = doc
        for step in path[:-1]:
            node = node[step]
        del node[path[-1]]

    return mutate


def _duplicate_source(doc: dict[str, Any]) -> None:
    doc["sources"].append(copy.deepcopy(doc["sources"][0]))


# (kind, mutation or raw text, expected issue path, words the expectation must contain, value shown)
BAD_INPUTS: list[tuple[str, Mutation | str, str, str, str]] = [
    ("malformed YAML", "id: pocket-mine\nname: [unclosed\nkind: mine\n", "line 3, column 5", "well-formed YAML", ""),
    ("document is a list", "- id: pocket-mine\n- name: x\n", "(document)", "a mapping of case fields", "list"),
    ("empty document", "", "(document)", "a mapping of case fields", "nothing"),
    ("missing field", _delete(["name"]), "name", "required", "(missing)"),
    ("misspelt field", lambda d: d.update(nmae="x"), "nmae", "did you mean 'name'", "'x'"),
    (
        "text where a number goes",
        set_at(["production", "ore_reserve", "value"], "lots"),
        "production.ore_reserve.value",
        "a number",
        "'lots'",
    ),
    (
        "wrong unit",
        set_at(["production", "phases", 0, "throughput", "unit"], "US$m"),
        "production.phases[0].throughput.unit",
        "a unit of mass_rate",
        "'US$m'",
    ),
    ("unknown claim unit", set_at(["claims", 0, "unit"], "bananas"), "claims[0].unit", "a known unit", "'bananas'"),
    ("negative tonnage", set_at(["production", "ore_reserve", "value"], -5), "production.ore_reserve", ">= 0", "-5"),
    (
        "grade above 100%",
        set_at(["production", "grades", "copper", "value"], 150),
        "production.grades.copper",
        "between 0.0 and 1.0",
        "150",
    ),
    (
        "recovery above 1",
        set_at(["production", "recoveries", "copper", "value"], 1.2),
        "production.recoveries.copper",
        "between 0.0 and 1.0",
        "1.2",
    ),
    (
        "stakes summing to 103%",
        set_at(["stakes", 0, "share", "exact"], 0.63),
        "stakes",
        "sum to 100% on every date",
        "103.00%",
    ),
    (
        "stakes leaving a gap",
        set_at(["stakes", 1, "start"], "2027-06-01"),
        "stakes",
        "sum to 100% on every date",
        "50.00% in force on 2027-01-01",
    ),
    (
        "stake ends before it starts",
        set_at(["stakes", 0, "end"], "2017-01-01"),
        "stakes[0]",
        "end on or after start",
        "2017-01-01",
    ),
    (
        "status history out of order",
        set_at(["statuses", 2, "start"], "2019-01-01"),
        "statuses[2].start",
        "after the previous status",
        "2019-01-01",
    ),
    (
        "unknown fiscal regime",
        set_at(["fiscal", "regime"], "atlantis-1999"),
        "fiscal.regime",
        "reko-diq-2022",
        "atlantis-1999",
    ),
    (
        "unknown source id",
        set_at(["prices", 1, "price", "source"], ["nope"]),
        "prices[1].price.source[0]",
        "an entry in `sources`",
        "nope",
    ),
    (
        "figure without source or estimate",
        set_at(["costs", "opex_per_tonne_milled"], {"value": 10, "unit": "US$/t"}),
        "costs.opex_per_tonne_milled",
        "estimate: <reasoning>",
        "'value': 10",
    ),
    ("id with spaces and capitals", set_at(["id"], "Pocket Mine"), "id", "lower-case", "'Pocket Mine'"),
    ("latitude out of range", set_at(["location", "lat"], 123), "location.lat", "<= 90", "123"),
    (
        "stake held by an unknown party",
        set_at(["stakes", 3, "party"], "ghost"),
        "stakes[3].party",
        "`parties`",
        "ghost",
    ),
    ("repeated source id", _duplicate_source, "sources[1].id", "unique", "test-source"),
    (
        "status outside the vocabulary",
        set_at(["statuses", 0, "status"], "active"),
        "statuses[0].status",
        "'exploration'",
        "'active'",
    ),
    ("unknown facility kind", set_at(["financing", 0, "kind"], "bank"), "financing[0].kind", "'ECA'", "'bank'"),
    ("impossible date", set_at(["as_of"], "2026-13-45"), "as_of", "a date", "2026-13-45"),
    (
        "share range upside down",
        set_at(["stakes", 5, "share"], {"minimum": 0.2, "maximum": 0.1}),
        "stakes[5].share",
        "minimum <= maximum",
        "0.2",
    ),
    (
        "capex profile not summing to 1",
        set_at(["costs", "capex", 0, "profile", "shares"], [0.5, 0.6]),
        "costs.capex[0].profile.shares",
        "shares summing to 1",
        "0.6",
    ),
    ("mine inputs on a gas field", set_at(["kind"], "gas-field"), "production.type", "'gas_field'", "mine"),
    (
        "unknown fiscal override",
        lambda d: d["fiscal"].update(overrides={"royalty_rate": 0.1}, overrides_estimate="x"),
        "fiscal.overrides.royalty_rate",
        "one of the fields",
        "0.1",
    ),
    ("funded stake without its funder", _delete(["stakes", 3, "funded_by"]), "stakes[3]", "funded_by", "province"),
    (
        "web address without scheme",
        set_at(["sources", 0, "url"], "www.example.org"),
        "sources[0].url",
        "http",
        "www.example.org",
    ),
    (
        "case money in nominal dollars",
        set_at(["money", "basis"], "nominal"),
        "money.basis",
        "not implemented: give real dollars of a base year",
        "'nominal'",
    ),
    (
        "one deck in two money years",
        set_at(["prices", 1, "year"], 2024),
        "prices[1]",
        "the money year and basis of the deck's other prices (real 2025 dollars)",
        "real 2024 dollars",
    ),
    (
        "price in dollars of a year outside the index",
        set_at(["prices", 1, "year"], 1990),
        "prices[1].money_year",
        "a year the us-cpi-u index covers",
        "1990",
    ),
    (
        "fiscal alternative on an unknown regime",
        lambda d: d["fiscal"].update(alternatives={"statutory": {"regime": "atlantis-1999", "description": "x"}}),
        "fiscal.alternatives.statutory.regime",
        "reko-diq-2022",
        "atlantis-1999",
    ),
    (
        "fiscal alternative named base",
        lambda d: d["fiscal"].update(alternatives={"base": {"regime": "reko-diq-2022", "description": "x"}}),
        "fiscal.alternatives",
        "alternative names other than 'base'",
        "",
    ),
    (
        "NUL character in the name",
        set_at(["name"], "Pocket\x00Mine"),
        "name",
        "text on one line without control characters (found U+0000 at character 7)",
        "Pocket",
    ),
    (
        "bell character in an alias",
        set_at(["aliases", 1], "Poket\x07Mine"),
        "aliases[1]",
        "found U+0007",
        "Poket",
    ),
    (
        "C1 control character in a source title",
        set_at(["sources", 0, "title"], "An invented\x85 source"),
        "sources[0].title",
        "(tabs and line breaks allowed) without control characters (found U+0085",
        "An invented",
    ),
    (
        "lone surrogate in a YAML text",
        'id: pocket-mine\nname: "Pocket \\uD800 Mine"\n',
        "line 2, column 17",
        "well-formed YAML",
        "Pocket",
    ),
    (
        "name longer than the registry holds",
        set_at(["name"], "Pocket " * 40),
        "name",
        "at most 200 characters",
        "Pocket Pocket",
    ),
    (
        "district longer than the registry holds",
        set_at(["location", "district"], "d" * 101),
        "location.district",
        "at most 100 characters",
        "ddd",
    ),
    (
        "claim statement of more than ten thousand characters",
        set_at(["claims", 0, "statement"], "long " * 2001),
        "claims[0].statement",
        "at most 10000 characters",
        "long long",
    ),
    (
        "infinite target DSCR",
        set_at(["financing", 0, "target_dscr"], float("inf")),
        "financing[0].target_dscr",
        "a finite number",
        "Infinity",
    ),
    (
        "billion laughs",
        "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        + "".join(f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)),
        "(document)",
        "a document of at most 200,000 values",
        "once aliases are expanded",
    ),
    (
        "too many aliases",
        "a: &a 1\nb: [" + ", ".join(["*a"] * 101) + "]\n",
        "(document)",
        "at most 100 aliases",
        "more than 100 aliases",
    ),
    (
        "a value that contains itself",
        "a: &a [1, *a]\n",
        "line 1, column 4",
        "no recursive aliases",
        "contains itself",
    ),
    (
        "a key given twice",
        "id: pocket-mine\nname: Pocket\nkind: mine\nname: Other\n",
        "line 4, column 1",
        "each key once in a mapping (it is already given on line 2)",
        "'name'",
    ),
    (
        "a whole number of five thousand digits",
        "id: pocket-mine\nmoney: {base_year: " + "9" * 5000 + "}\n",
        "line 2, column 20",
        "a number of at most 300 digits",
        "9999",
    ),
    (
        "sculpted loan without target DSCR",
        set_at(["financing", 0, "repayment"], "sculpted"),
        "financing[0]",
        "target_dscr",
        "sculpted",
    ),
]


def _bad_text(pocket_text: str, mutation: Mutation | str) -> str:
    if isinstance(mutation, str):
        return mutation
    doc = yaml.safe_load(pocket_text)
    mutation(doc)
    return yaml.safe_dump(doc, sort_keys=False)


def test_there_are_at_least_twenty_kinds() -> None:
    assert len({kind for kind, *_ in BAD_INPUTS}) >= 20


@pytest.mark.parametrize(("kind", "mutation", "path", "expected", "shown"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_names_path_value_and_expectation(
    pocket_text: str, kind: str, mutation: Mutation | str, path: str, expected: str, shown: str
) -> None:
    with pytest.raises(InputError) as info:
        load_case_text(_bad_text(pocket_text, mutation), "bad.yaml")
    issues = info.value.issues
    matching = [i for i in issues if (i.path or "(document)") == path]
    assert matching, f"{kind}: no issue at {path!r}; got {[i.path for i in issues]}"
    text = str(matching[0])
    assert expected in text, text
    assert shown in text, text
    assert "Fix:" in text
    assert str(info.value).startswith("bad.yaml: ")


def test_a_valid_case_has_no_issues(pocket_text: str) -> None:
    assert load_case_text(pocket_text).id == "pocket-mine"


def test_every_problem_is_reported_at_once(pocket_text: str) -> None:
    doc = yaml.safe_load(pocket_text)
    set_at(["production", "ore_reserve", "value"], -5)(doc)
    set_at(["location", "lat"], 123)(doc)
    _delete(["name"])(doc)
    with pytest.raises(InputError) as info:
        load_case_text(yaml.safe_dump(doc))
    assert {"production.ore_reserve", "location.lat", "name"} <= {i.path for i in info.value.issues}


# ---------------------------------------------------------------------------------------------------------
# nothing is half-written


def _snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    registry = open_registry(url)
    try:
        tables = {}
        with registry.session() as session:
            for table in models.Base.metadata.sorted_tables:
                rows = session.execute(select(table)).all()
                tables[table.name] = sorted(tuple(map(repr, r)) for r in rows)
        assert set(tables) <= set(inspect(registry.engine).get_table_names())
        return tables
    finally:
        registry.close()


def _invoke(args: list[str], env: dict[str, str]) -> Result:
    """Run the CLI in this process with ``env`` set (the settings are read again, and again after)."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        refresh_settings()
        result = CliRunner().invoke(app, args)
    refresh_settings()
    return result


@pytest.fixture(scope="module")
def populated_registry(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A registry holding the bundled cases and the pocket mine."""
    url = f"sqlite:///{tmp_path_factory.mktemp('bad') / 'registry.sqlite'}"
    env = {"CHAGAI_DATABASE_URL": url, "CHAGAI_USER": "setup"}
    assert _invoke(["db", "init"], env).exit_code == 0
    fixture = Path(__file__).parents[1] / "fixtures" / "pocket-mine.yaml"
    assert _invoke(["import", str(fixture)], env).exit_code == 0
    return url


@pytest.mark.parametrize(("kind", "mutation", "path", "expected", "shown"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_import_leaves_registry_unchanged(
    populated_registry: str,
    pocket_text: str,
    tmp_path: Path,
    kind: str,
    mutation: Mutation | str,
    path: str,
    expected: str,
    shown: str,
) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(
        pocket_text.replace("pocket-mine", "second-mine").replace("Pocket", "Second").replace("Poket", "Secnd")
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text(_bad_text(pocket_text, mutation))
    before = _snapshot(populated_registry)
    result = _invoke(["import", str(good), str(bad)], {"CHAGAI_DATABASE_URL": populated_registry})
    assert result.exit_code == 2, result.output
    assert path in result.output
    assert "Traceback" not in result.output
    assert _snapshot(populated_registry) == before


def test_a_name_taken_by_another_project_is_refused(populated_registry: str, pocket_text: str, tmp_path: Path) -> None:
    clash = tmp_path / "clash.yaml"
    clash.write_text(
        pocket_text.replace("id: pocket-mine", "id: other-mine").replace("name: Pocket Mine", "name: Other")
    )
    before = _snapshot(populated_registry)
    result = _invoke(["import", str(clash)], {"CHAGAI_DATABASE_URL": populated_registry})
    assert result.exit_code == 2
    assert "already known by this name" in result.output
    assert "pocket-mine" in result.output
    assert _snapshot(populated_registry) == before
