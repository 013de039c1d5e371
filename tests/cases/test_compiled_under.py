"""A compiled case moved to another scenario (``Compiled.under``) is the case compiled for it (hypothesis)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chagai.cases.compile import Compiled, Scenario, StakeSale, compile_case
from chagai.cases.library import bundled_cases
from chagai.errors import InputError

CASES = {c.id: c for c in bundled_cases() if c.has_economics}
SALES = {
    "reko-diq": ["15%:federal->manara@2027", "10%:provincial->newco@2030=100", "60%:private->x@2028"],
    "saindak": ["20%:saindak-metals->x@2028=50"],
    "sui": ["5%:ppl->buyer@2027", "5%:nobody->buyer@2027"],
}


@st.composite
def scenarios(draw: st.DrawFn, project: str, runnable: bool = True) -> Scenario:
    """Scenarios of every kind; ``runnable=False`` also draws values the model must refuse (negative delay ...)."""
    case = CASES[project]
    decks = [*sorted({p.deck for p in case.prices}), "no-such-deck"]
    factors = draw(st.lists(st.sampled_from(case.commodities), unique=True, max_size=len(case.commodities)))
    wide = 0.0 if runnable else 1.0
    return Scenario(
        delay=draw(st.integers(0 - int(wide), 4)),
        overrun=draw(st.floats(0.7 - 2 * wide, 1.6)),
        deck=draw(st.sampled_from(decks)),
        price_factor=draw(st.floats(0.3 - wide, 3.0)),
        commodity_factors=tuple((c, draw(st.floats(0.5 - wide, 2.0))) for c in factors),
        availability=draw(st.floats(0.4, 1.0 + wide)),
        sales=tuple(StakeSale.parse(s) for s in draw(st.lists(st.sampled_from(SALES[project]), max_size=2))),
        valuation_year=draw(st.none() | st.integers(case.as_of.year - 1, case.as_of.year + 4)),
        discount_rate=draw(st.floats(0.0 - 2 * wide, 0.3)),
    )


def fields(compiled: Compiled) -> dict[str, Any]:
    return {name: getattr(compiled, name) for name in compiled.__dataclass_fields__}


def assert_same(a: Any, b: Any) -> None:
    if isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b, strict=True)
    elif isinstance(a, tuple) and hasattr(a, "_fields"):  # the kernel's parameters
        assert a._fields == b._fields
        for x, y in zip(a, b, strict=True):
            assert_same(x, y)
    else:
        assert a == b


def compiled_or_error(case: Any, scenario: Scenario) -> Compiled | str:
    try:
        return compile_case(case, scenario)
    except InputError as exc:
        return str(exc)


@pytest.mark.parametrize("project", sorted(CASES))
@given(data=st.data())
@settings(max_examples=60, deadline=None)
def test_moved_compilation_equals_a_fresh_one(project: str, data: st.DataObject) -> None:
    case = CASES[project]
    scenario = data.draw(scenarios(project, runnable=False))  # compiled only, never run
    fresh = compiled_or_error(case, scenario)
    kept = compiled_or_error(case, scenario.compiled_part())
    if scenario.problems():  # values the model cannot run are refused, whether compiled or moved to
        assert isinstance(fresh, str)
        if not isinstance(kept, str):
            with pytest.raises(InputError) as refused:
                kept.under(scenario)
            assert str(refused.value) == fresh
        return
    if isinstance(fresh, str) or isinstance(kept, str):
        assert fresh == kept  # the same error, raised by the part the scenarios share
        return
    # a kept compilation is moved from a scenario with other price levels, and from its own compiled part
    other = Scenario(price_factor=1.7, delay=3, deck=scenario.deck, sales=scenario.sales)
    other = Scenario(**{**other.__dict__, "valuation_year": scenario.valuation_year})
    for moved in (kept.under(scenario), compile_case(case, other).under(scenario)):
        expected, got = fields(fresh), fields(moved)
        assert expected.keys() == got.keys()
        for name in expected:
            assert_same(expected[name], got[name])
        assert moved.inputs_hash == fresh.inputs_hash


def test_moving_to_another_year_deck_or_sale_is_refused() -> None:
    compiled = compile_case(CASES["reko-diq"])
    for scenario in (
        Scenario(valuation_year=2030),
        Scenario(deck="fs-2024"),
        Scenario(sales=(StakeSale.parse("15%:federal->manara@2027"),)),
    ):
        with pytest.raises(ValueError, match="compile the case"):
            compiled.under(scenario)
    assert compiled.under(Scenario(delay=2, price_factor=0.5)).scenario.delay == 2
