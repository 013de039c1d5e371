"""The services' inputs: a project named in the registry or given as a case, overrides applied, compiled once."""

from __future__ import annotations

import numpy as np
import pytest

from chagai.cases.compile import Scenario, compile_case
from chagai.cases.io import load_case_text
from chagai.errors import NotFoundError
from chagai.registry import repo
from chagai.registry.db import Registry
from chagai.services.inputs import case_of, compiled_case


def test_a_case_is_its_own_project(pocket_text: str) -> None:
    case = load_case_text(pocket_text)
    assert case_of(case) is case


def test_a_name_or_alias_is_resolved_in_the_registry(registry: Registry, pocket_text: str) -> None:
    repo.import_cases(registry, [load_case_text(pocket_text)])
    assert case_of("poket mine", registry).id == "pocket-mine"
    with pytest.raises(NotFoundError, match="no project matches"):
        case_of("no such mine", registry)


def test_a_name_is_resolved_in_the_default_registry_when_none_is_given(pocket_text: str) -> None:
    from chagai.registry.db import open_registry

    with open_registry() as registry:
        repo.import_cases(registry, [load_case_text(pocket_text)])
    assert case_of("pocket-mine").id == "pocket-mine"


def test_overrides_are_added_to_the_scenario_and_compiled(pocket_text: str) -> None:
    case = load_case_text(pocket_text)
    scenario = Scenario(delay=1)
    compiled = compiled_case(case, scenario, {"costs.opex_per_tonne_milled": 30})
    expected = compile_case(case, scenario.with_overrides({"costs.opex_per_tonne_milled": 30}))
    assert compiled.scenario == expected.scenario
    assert compiled.scenario.overrides == (("costs.opex_per_tonne_milled", "30"),)
    assert compiled.inputs_hash == expected.inputs_hash
    np.testing.assert_array_equal(compiled.prices, expected.prices)
    assert compiled_case(case).scenario == Scenario()
