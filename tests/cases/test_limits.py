"""Limits on input: bounded echoes of bad values, YAML that cannot explode, names in any script."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml

from chagai.cases.io import MAX_YAML_BYTES, load_case_file, load_case_text, parse_yaml
from chagai.cases.schema import normalise_name
from chagai.errors import SHOWN_LIMIT, InputError, Issue, bounded, shown


@pytest.mark.parametrize(
    "value",
    [
        "x" * 10_000_000,
        10**5000,
        -(10**5000),
        ["y" * 1_000_000] * 1_000,
        {"k" * 1_000: list(range(10_000))},
        "lone \ud800 surrogate",
        float("nan"),
        float("inf"),
    ],
    ids=["10 MB text", "5000 digits", "-5000 digits", "big list", "big mapping", "surrogate", "nan", "inf"],
)
def test_an_issue_keeps_a_bounded_json_encodable_value(value: object) -> None:
    issue = Issue("field", value, "something", "fix it")
    assert len(json.dumps(issue.value, allow_nan=False).encode("utf-8")) <= 4 * SHOWN_LIMIT
    assert len(str(issue)) < 400


def test_nested_and_self_referencing_values_are_shown_by_their_start() -> None:
    deep: list[object] = []
    inner = deep
    for _ in range(5_000):
        inner.append([])
        inner = inner[0]  # type: ignore[assignment]
    looped: list[object] = []
    looped.append(looped)
    for value in (deep, looped):
        assert len(shown(value)) <= SHOWN_LIMIT
        assert isinstance(Issue("x", value, "e", "f").value, str)


def test_small_values_are_kept_as_they_are() -> None:
    for value in (None, True, 3, 2.5, "short", [1, "a"], {"a": 1}):
        assert bounded(value) == value
    assert bounded("z" * 500) == "z" * (SHOWN_LIMIT - 3) + "..."
    assert bounded(float("nan")) == "NaN"
    assert math.isinf(float(bounded(float("-inf"))))


def test_aliases_within_the_limits_still_load() -> None:
    text = "base: &base {unit: US$m, estimate: test}\nfirst: {<<: *base, value: 1}\nsecond: *base\n"
    assert parse_yaml(text) == {
        "base": {"unit": "US$m", "estimate": "test"},
        "first": {"unit": "US$m", "estimate": "test", "value": 1},
        "second": {"unit": "US$m", "estimate": "test"},
    }


def test_a_duplicate_key_deep_in_a_case_names_the_key_and_its_line(pocket_text: str) -> None:
    text = pocket_text.replace("money: {base_year: 2025}", "money: {base_year: 2025, base_year: 2024}")
    with pytest.raises(InputError) as info:
        load_case_text(text, "dup.yaml")
    (issue,) = info.value.issues
    line = 1 + pocket_text.splitlines().index("money: {base_year: 2025}")
    assert issue.path.startswith(f"line {line}, ")
    assert issue.value == "base_year"


# ---------------------------------------------------------------------------------------------------------
# names in any script


@pytest.mark.parametrize(
    ("written", "typed"),
    [
        ("ریکو ڈک", "ریکوڈک"),
        ("山达克", " 山达克 "),
        ("Saïndak", "SAINDAK"),
        ("São Gonçalo", "sao goncalo"),
        ("Straße", "STRASSE"),
        ("Ｒｅｋｏ Ｄｉｑ", "reko-diq"),
    ],
)
def test_a_name_is_found_however_it_is_typed(written: str, typed: str) -> None:
    assert normalise_name(written) == normalise_name(typed)
    assert normalise_name(written)


def test_different_names_in_other_scripts_stay_different() -> None:
    names = ["ریکو ڈک", "سیندک", "山达克", "雷科迪克", "Йошкар", "Иошкар", "が", "か", "कुम", "कम"]
    assert len({normalise_name(n) for n in names}) == len(names)
    assert normalise_name("reko-diq") == "rekodiq"  # ASCII names fold as they always did


def test_a_case_may_carry_urdu_and_chinese_aliases(pocket_text: str) -> None:
    doc = yaml.safe_load(pocket_text)
    doc["aliases"] = ["پاکٹ مائن", "口袋矿", "Pöcket Copper"]
    case = load_case_text(yaml.safe_dump(doc, allow_unicode=True))
    assert case.aliases == doc["aliases"]


def test_an_alias_repeated_in_another_spelling_is_refused(pocket_text: str) -> None:
    doc = yaml.safe_load(pocket_text)
    doc["aliases"] = ["口袋矿", " 口袋 矿 "]
    with pytest.raises(InputError) as info:
        load_case_text(yaml.safe_dump(doc, allow_unicode=True))
    assert [i.path for i in info.value.issues] == ["aliases[1]"]


def test_a_case_file_too_large_to_be_a_case_is_refused_unread(tmp_path: Path) -> None:
    huge = tmp_path / "huge.yaml"
    with huge.open("w", encoding="utf-8") as handle:
        handle.write("notes: |\n")
        line = "  " + "x" * 998 + "\n"
        handle.writelines(line for _ in range(MAX_YAML_BYTES // len(line) + 1))
    with pytest.raises(InputError, match="a case file of at most 5,000,000 bytes"):
        load_case_file(huge)
    with pytest.raises(InputError, match="a document of at most 5,000,000 characters"):
        parse_yaml(huge.read_text(encoding="utf-8"))
