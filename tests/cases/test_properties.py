"""Invariants of the case layer, checked on generated input (hypothesis)."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from chagai.cases.checks import check_case
from chagai.cases.io import dump_case, load_case_text
from chagai.cases.schema import Case
from chagai.cases.units import DIMENSIONS, convert

from ..conftest import FIXTURES

POCKET = (FIXTURES / "pocket-mine.yaml").read_text(encoding="utf-8")
UNITS = [(d.name, u) for d in DIMENSIONS.values() for u in d.factors]


@given(st.sampled_from(UNITS), st.floats(min_value=1e-6, max_value=1e9))
def test_unit_conversion_round_trips(dim_unit: tuple[str, str], value: float) -> None:
    dimension, unit = dim_unit
    canonical = convert(value, unit, dimension)
    assert canonical / DIMENSIONS[dimension].factor(unit) == pytest.approx(value, rel=1e-12)


def _pocket_with_stakes(shares: list[float], start: dt.date) -> dict:
    doc = yaml.safe_load(POCKET)
    parties = [{"id": f"holder-{i}", "name": f"Holder {i}", "kind": "company"} for i in range(len(shares))]
    doc["parties"] = doc["parties"] + parties
    doc["stakes"] = [
        {"party": f"holder-{i}", "share": {"exact": s}, "kind": "paid", "start": start.isoformat(), "estimate": "t"}
        for i, s in enumerate(shares)
    ]
    return doc


shares_strategy = st.lists(st.integers(min_value=1, max_value=1000), min_size=1, max_size=8).map(
    lambda ws: [w / sum(ws) for w in ws]
)


@given(shares_strategy, st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2050, 1, 1)))
@settings(max_examples=60, deadline=None)
def test_any_split_summing_to_one_is_accepted(shares: list[float], start: dt.date) -> None:
    case = Case.model_validate(_pocket_with_stakes(shares, start))
    assert [i for i in check_case(case) if i.path == "stakes"] == []


@given(shares_strategy, st.floats(min_value=1e-4, max_value=0.5), st.booleans())
@settings(max_examples=60, deadline=None)
def test_any_split_off_one_is_refused(shares: list[float], delta: float, up: bool) -> None:
    shares = list(shares)
    shares[0] = min(1.0, shares[0] + delta) if up else max(0.0, shares[0] - delta)
    if abs(sum(shares) - 1.0) < 1e-5:
        return
    case = Case.model_validate(_pocket_with_stakes(shares, dt.date(2020, 1, 1)))
    assert [i for i in check_case(case) if i.path == "stakes"]


@given(
    st.floats(min_value=0.01, max_value=1e4, allow_nan=False),
    st.floats(min_value=0.0, max_value=1.0),
    st.sampled_from(["US$/t", "US$/kt"]),
    st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=40).filter(str.strip),
)
@settings(max_examples=50, deadline=None)
def test_yaml_round_trip_is_lossless(opex: float, recovery: float, unit: str, note: str) -> None:
    doc = yaml.safe_load(POCKET)
    doc["costs"]["opex_per_tonne_milled"] = {"value": opex, "unit": unit, "estimate": note}
    doc["production"]["recoveries"]["copper"]["value"] = recovery
    doc["statuses"][0]["note"] = note
    case = Case.model_validate(doc)
    assert load_case_text(dump_case(case)) == case
