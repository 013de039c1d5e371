"""One measure layer: the Monte Carlo without randomness gives the appraisal's figures, for every measure and party.

With no price volatility, no security events and no schedule risk every path is the deterministic case, so the
Monte Carlo's mean of each measure must be the appraisal's figure (both come from :mod:`chagai.core.measures`), on
generated cases with priced stake sales, delays, overruns and outages.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from chagai.cases.compile import Scenario
from chagai.cases.io import case_from_data
from chagai.core import measures
from chagai.results import RiskSettings
from chagai.services.appraise import appraise
from chagai.services.simulate import simulate

from ..core.test_model_properties import cases

STILL = RiskSettings(prices=False, security=False, schedule=False)
PATHS = 130  # a full block and a remainder

FIGURE_OF = {
    "npv_pre_tax": "npv_pre_tax",
    "npv_post_tax": "npv_post_tax",
    "npv_equity": "npv_equity",
    "pv_federal": "government_federal_pv",
    "pv_provincial": "government_provincial_pv",
    "aetr": "aetr",
    "local_share": "local_share_pv",
    "revenue": "revenue_total",
}


def _same(ours: float, theirs: float) -> bool:
    if math.isnan(ours) or math.isnan(theirs):
        return math.isnan(ours) and math.isnan(theirs)
    return abs(ours - theirs) <= 1e-9 * max(1.0, abs(theirs))


@given(cases())
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_still_monte_carlo_is_the_appraisal(generated: tuple[dict, Scenario]) -> None:
    doc, scenario = generated
    case = case_from_data(doc)
    a = appraise(case, scenario, solve=False)
    sim = simulate(case, PATHS, seed=5, scenario=scenario, settings=STILL, irr_sample=PATHS)
    assert sim.valid.all()
    means = {d.key: d.mean for d in sim.distributions}
    for name, _, _ in measures.MEASURES:
        ours = means[name]
        theirs = a.lenders.min_dscr if name == "min_dscr" and a.lenders else a.measures.values[name]
        assert _same(ours, theirs), (name, ours, theirs)
        if name in FIGURE_OF:
            assert _same(ours, a.figure(FIGURE_OF[name]).value), name
    by_party = {s.party: s for s in sim.stakeholders}
    for s in a.stakeholders:
        if abs(s.npv) > 1e-9:
            assert _same(by_party[s.party].mean, s.npv), (s.party, by_party[s.party].mean, s.npv)
        irr = by_party[s.party].irr if s.party in by_party else None
        if math.isfinite(s.irr):
            assert irr is not None, s.party
            assert _same(irr.p50, s.irr), (s.party, irr, s.irr)
    project_irr = next(d for d in sim.distributions if d.key == "irr_post_tax")
    assert _same(project_irr.p50, a.figure("irr_post_tax").value)
    default = a.lenders.default_year if a.lenders else None
    assert sim.probabilities.default == (1.0 if default is not None else 0.0)
    if default is not None:
        assert sim.first_default_year == {default: PATHS}


def test_the_buyers_npv_is_the_same_in_the_appraisal_and_the_monte_carlo() -> None:
    """The founding question: 15% bought for US$540m is worth the same to the buyer however it is measured."""
    from chagai.cases.compile import StakeSale
    from chagai.cases.library import bundled_case

    reko = bundled_case("reko-diq")
    scenario = Scenario(sales=(StakeSale.parse("15%:federal->manara@2027=540"),))
    a = appraise(reko, scenario, solve=False)
    sim = simulate(reko, PATHS, seed=5, scenario=scenario, settings=STILL, irr_sample=PATHS)
    manara = next(s for s in sim.stakeholders if s.party == "manara")
    assert manara.mean == pytest.approx(next(s.npv for s in a.stakeholders if s.party == "manara"), rel=1e-12)
    assert manara.mean == pytest.approx(a.sales[0].buyer_npv, rel=1e-12)
    assert np.isfinite(a.sales[0].buyer_indifference_price)
