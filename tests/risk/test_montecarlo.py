"""The Monte Carlo engine: reproducible, consistent with the deterministic model, honest about failures."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from chagai.cases.compile import Scenario
from chagai.cases.library import bundled_case
from chagai.risk import montecarlo as mc
from chagai.risk.security import bundled_security_profiles
from chagai.risk.simulate import RiskSettings, simulate
from chagai.services import appraise


@pytest.fixture(scope="module")
def reko():  # type: ignore[no-untyped-def]
    return bundled_case("reko-diq")


def _same(a: mc.SimulationArrays, b: mc.SimulationArrays) -> None:
    np.testing.assert_array_equal(a.status, b.status)
    np.testing.assert_array_equal(a.metrics, b.metrics)
    np.testing.assert_array_equal(a.party_npv, b.party_npv)
    np.testing.assert_array_equal(a.default_year, b.default_year)
    np.testing.assert_array_equal(a.inputs, b.inputs)


def test_results_depend_only_on_the_seed(reko) -> None:  # type: ignore[no-untyped-def]
    one = simulate(reko, 30_000, seed=11, chunk_size=10_000, threads=1).arrays
    two = simulate(reko, 30_000, seed=11, chunk_size=30_000, threads=2).arrays
    _same(one, two)
    other = simulate(reko, 30_000, seed=12, chunk_size=10_000, threads=2).arrays
    assert not np.array_equal(one.metrics, other.metrics)


def test_chunk_sizes_of_ten_thousand_and_a_hundred_thousand_agree(reko) -> None:  # type: ignore[no-untyped-def]
    small = simulate(reko, 200_000, seed=3, chunk_size=10_000).arrays
    large = simulate(reko, 200_000, seed=3, chunk_size=100_000).arrays
    _same(small, large)


def test_zero_volatility_equals_the_deterministic_appraisal(reko) -> None:  # type: ignore[no-untyped-def]
    scenario = Scenario(discount_rate=0.10)
    sim = simulate(
        reko,
        2_000,
        seed=5,
        scenario=scenario,
        settings=RiskSettings(security=False, schedule=False, volatility_factor=0.0),
    )
    base = appraise(reko, scenario, solve=False)
    metrics = sim.arrays.metrics.astype(np.float64)
    # the mean is accumulated in float64 during the run: equal to the deterministic appraisal to 1e-9
    means = {d.key: d.mean for d in sim.distributions}
    assert means["npv_post_tax"] == pytest.approx(base.figure("npv_post_tax").value, abs=1e-9, rel=1e-12)
    assert means["pv_provincial"] == pytest.approx(base.figure("government_provincial_pv").value, abs=1e-9, rel=1e-12)
    barrick = next(s for s in sim.stakeholders if s["party"] == "barrick")
    base_barrick = next(s for s in base.stakeholders if s.party == "barrick")
    assert barrick["mean"] == pytest.approx(base_barrick.npv, abs=1e-9, rel=1e-12)
    assert np.ptp(metrics[:, mc.M_NPV_POST]) == 0.0  # (stored per path in float32)
    compiled = sim.compiled
    from chagai.risk.simulate import risk_inputs

    inputs = risk_inputs(compiled, sim.risk, sim.price_models, None)
    n = len(compiled.years)
    out_metrics = np.empty((1, mc.N_METRICS))
    party = np.empty((1, compiled.params.party_level.shape[0]))
    mc.simulate_chunk(
        compiled.params,
        inputs.arrays(compiled.prices[:, 0]),
        5,
        0,
        1.1 ** -np.arange(n, dtype=np.float64),
        int(compiled.years[0]),
        np.arange(compiled.params.party_level.shape[0]),
        out_metrics,
        party,
        np.empty(1, dtype=np.int8),
        np.empty(1, dtype=np.int64),
        np.empty((1, mc.N_FIXED_INPUTS)),
    )
    assert out_metrics[0, mc.M_NPV_POST] == pytest.approx(base.figure("npv_post_tax").value, abs=1e-9, rel=1e-12)
    assert out_metrics[0, mc.M_PV_PROV] == pytest.approx(base.figure("government_provincial_pv").value, abs=1e-9)


def test_a_failing_path_is_counted_and_reported_never_zeroed(reko) -> None:  # type: ignore[no-untyped-def]
    profile = dataclasses.replace(bundled_security_profiles()["balochistan-mine"], overrun_sigma=400.0)
    sim = simulate(reko, 5_000, seed=9, settings=RiskSettings(), profile=profile)
    failed = ~sim.valid
    assert failed.any(), "an overrun of exp(400 z) overflows on some paths"
    assert np.all(np.isnan(sim.arrays.metrics[failed]))
    report = sim.as_dict()["failures"]
    assert report["count"] == int(failed.sum())
    example = report["examples"][0]
    assert example["status"] in mc.STATUS_TEXT.values()
    assert {"capex_factor", "delay_years", "path"} <= set(example)
    # statistics use only the valid paths
    assert sim.distributions[0].defined == int((~failed).sum())


def test_risks_move_the_distribution(reko) -> None:  # type: ignore[no-untyped-def]
    calm = simulate(reko, 20_000, seed=1, settings=RiskSettings(security=False, schedule=False))
    risky = simulate(reko, 20_000, seed=1)
    assert risky.probabilities["default"] >= calm.probabilities["default"]
    assert risky.arrays.inputs[:, 0].mean() > 0  # delays happen
    assert calm.arrays.inputs[:, 0].max() == 0
    assert 0.5 < risky.arrays.inputs[:, 2].mean() < 1.0  # availability below one


def test_fast_irr_follows_the_documented_rule() -> None:
    from chagai.core.metrics import irr

    cases = [
        [-150000, 15000, 25000, 35000, 45000, 60000],
        [-100, 100, 0, -7],
        [-5, 10.5, 1, -8, 1],
        [-100, 39, 59, 55, 20],
        [10, 20, -5],
        [-1, -2, -3],
    ]
    for flows in cases:
        fast = mc.irr_fast(np.array(flows, dtype=np.float64))
        reference = irr(np.array(flows, dtype=np.float64)).value
        if flows[0] > 0:
            assert np.isnan(fast)  # nothing invested
        elif np.isnan(reference):
            assert np.isnan(fast)
        else:
            assert fast == pytest.approx(reference, abs=1e-8), flows


def test_irr_percentiles_come_from_a_stated_sample(reko) -> None:  # type: ignore[no-untyped-def]
    sim = simulate(reko, 3_000, seed=2, irr_sample=1_000)
    assert sim.irr_paths == 1_000
    irr = next(d for d in sim.distributions if d.key == "irr_post_tax")
    assert 0.05 < irr.p50 < 0.5
    barrick = next(s for s in sim.stakeholders if s["party"] == "barrick")
    assert barrick["irr"]["p10"] <= barrick["irr"]["p50"] <= barrick["irr"]["p90"]


def test_histograms_count_every_valid_path(reko) -> None:  # type: ignore[no-untyped-def]
    sim = simulate(reko, 3_000, seed=4)
    histograms = {h["key"]: h for h in sim.as_dict()["histograms"]}
    assert {"npv_post_tax", "pv_provincial", "min_dscr", "npv_barrick"} <= set(histograms)
    valid = sim.valid
    npv = sim.arrays.metrics[valid, mc.M_NPV_POST]
    assert sum(histograms["npv_post_tax"]["counts"]) == int(np.isfinite(npv).sum())
    edges = histograms["npv_post_tax"]["edges"]
    assert edges[0] == pytest.approx(float(np.nanpercentile(npv, 0.5)), rel=1e-6)
    assert edges[-1] == pytest.approx(float(np.nanpercentile(npv, 99.5)), rel=1e-6)
    aetr = sim.arrays.metrics[valid, mc.M_AETR]
    assert sum(histograms["aetr"]["counts"]) == int(np.isfinite(aetr).sum())
