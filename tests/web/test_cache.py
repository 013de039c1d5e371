"""The server's cache answers every new scenario exactly as ``services.appraise`` does, from the parts it keeps."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chagai.cases.compile import Scenario, StakeSale
from chagai.errors import ChagaiError
from chagai.registry.db import Registry
from chagai.registry.repo import init_registry
from chagai.services.appraise import appraise
from chagai.web.api import appraisal_document
from chagai.web.cache import ModelCache, json_bytes

from ..cases.test_compiled_under import CASES, scenarios

OVERRIDES: dict[str, list[dict[str, Any] | None]] = {
    "reko-diq": [None, {"prices.copper": 9000}, {"costs.fixed_opex.value": 10}],
    "saindak": [None, {"costs.fixed_opex.value": 30}, {"no.such.field": 1}],
    "sui": [None, {"prices.natural-gas": 4.5}],
}


@pytest.fixture
def filled(registry: Registry) -> Registry:
    """A registry holding the bundled cases."""
    init_registry(registry)
    return registry


def expected(project: str, scenario: Scenario, overrides: dict[str, Any] | None, solve: bool) -> Any:
    """The JSON of the service's appraisal, or the error it raises."""
    try:
        return json_bytes(appraisal_document(appraise(CASES[project], scenario, overrides, solve)))
    except ChagaiError as exc:
        return (type(exc).__name__, str(exc))


def answered(
    cache: ModelCache, registry: Registry, project: str, scenario: Scenario, overrides: Any, solve: bool
) -> Any:
    try:
        return cache.appraisal_response(registry, project, scenario, overrides, solve, appraisal_document)
    except ChagaiError as exc:
        return (type(exc).__name__, str(exc))


def test_every_scenario_kind_equals_the_service(filled: Registry) -> None:
    sale = (StakeSale.parse("15%:federal->manara@2027"),)
    kinds = [
        Scenario(),
        Scenario(delay=2),
        Scenario(overrun=1.3),
        Scenario(availability=0.8),
        Scenario(price_factor=0.9, discount_rate=0.08),
        Scenario(commodity_factors=(("gold", 1.2),)),
        Scenario(discount_rate=0.0),
        Scenario(valuation_year=2028),
        Scenario(deck="fs-2024"),
        Scenario(deck="no-such-deck"),
        Scenario(sales=sale),
        Scenario(sales=sale, delay=1, overrun=0.9, price_factor=1.4, discount_rate=0.25),
    ]
    requests = [
        (project, scenario, overrides, solve)
        for project in CASES
        for scenario in kinds
        for overrides in OVERRIDES[project]
        for solve in (True, False)
    ]
    random.Random(7).shuffle(requests)  # kept parts made for one request serve others
    cache = ModelCache()
    for project, scenario, overrides, solve in requests:
        got = answered(cache, filled, project, scenario, overrides, solve)
        assert got == expected(project, scenario, overrides, solve), (project, scenario, overrides, solve)
    assert cache.compiled.hits > 0


@pytest.mark.parametrize("project", sorted(CASES))
@given(data=st.data())
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_generated_scenarios_equal_the_service(filled: Registry, project: str, data: st.DataObject) -> None:
    cache = ModelCache()
    for _ in range(3):
        scenario = data.draw(scenarios(project))
        solve = data.draw(st.booleans())
        got = answered(cache, filled, project, scenario, None, solve)
        assert got == expected(project, scenario, None, solve)
