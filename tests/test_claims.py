"""Claims checked against the model: the nameplate years and the measure of each metric (hypothesis)."""

from __future__ import annotations

import dataclasses
from collections import defaultdict

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from chagai.cases.compile import Scenario
from chagai.cases.library import bundled_case
from chagai.cases.schema import MineProduction
from chagai.claims import _phase_years, check_claims
from chagai.core import kernel as k
from chagai.services import appraise

REKO = appraise(bundled_case("reko-diq"), Scenario(availability=0.93), solve=False)


@given(st.lists(st.sampled_from([0.0, -2e-6, -1e-6, -9.9e-7, 0.0, 5e-7, 1e-6, 1.01e-6, 3e-3, -1.0]), min_size=1))
@settings(max_examples=200, deadline=None)
def test_nameplate_years_are_those_isclose_finds(offsets: list[float]) -> None:
    production = REKO.case.production
    assert isinstance(production, MineProduction)
    levels = [p.throughput.to("t/yr") for p in sorted(production.phases, key=lambda p: p.start_year)]
    n = len(REKO.years)
    for phase, level in enumerate(levels, start=1):
        nameplate = level * REKO.compiled.scenario.availability
        lines = REKO.lines.copy()
        lines[k.L.throughput] = nameplate * (1.0 + np.resize(np.array(offsets), n))
        moved = dataclasses.replace(REKO, lines=lines)
        expected = np.flatnonzero(np.isclose(lines[k.L.throughput], nameplate, rtol=1e-6))
        np.testing.assert_array_equal(_phase_years(moved, phase), expected)


def test_claims_on_one_metric_share_its_measure() -> None:
    by_metric = defaultdict(set)
    for check in check_claims(REKO):
        by_metric[check.metric].add((check.model_value, check.basis.split("; the claim is about")[0]))
    assert len(by_metric["phase1-capex"]) == 1
    assert all(len(measures) == 1 for measures in by_metric.values())
