"""The simulate service: reproducible, consistent with the deterministic model, honest about failures."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from chagai.cases.compile import Scenario
from chagai.cases.library import bundled_case
from chagai.core import measures
from chagai.results import RiskSettings
from chagai.risk import montecarlo
from chagai.risk.inputs import risk_inputs
from chagai.risk.security import bundled_security_profiles
from chagai.risk.summary import PERCENTILES
from chagai.services.appraise import appraise
from chagai.services.simulate import simulate


@pytest.fixture(scope="module")
def reko():  # type: ignore[no-untyped-def]
    return bundled_case("reko-diq")


def _same(a: montecarlo.SimulationArrays, b: montecarlo.SimulationArrays) -> None:
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
    barrick = next(s for s in sim.stakeholders if s.party == "barrick")
    base_barrick = next(s for s in base.stakeholders if s.party == "barrick")
    assert barrick.mean == pytest.approx(base_barrick.npv, abs=1e-9, rel=1e-12)
    assert np.ptp(metrics[:, measures.M_NPV_POST]) == 0.0  # (stored per path in float32)
    compiled = sim.compiled
    inputs = risk_inputs(compiled, sim.risk, sim.price_models, None)
    n = len(compiled.years)
    out_metrics = np.empty((1, measures.N_MEASURES))
    party = np.empty((1, compiled.params.stakes.party_level.shape[0]))
    montecarlo.simulate_chunk(
        compiled.params,
        inputs.arrays(compiled.prices),
        5,
        0,
        1.1 ** -np.arange(n, dtype=np.float64),
        int(compiled.years[0]),
        np.arange(compiled.params.stakes.party_level.shape[0]),
        out_metrics,
        party,
        np.empty(1, dtype=np.int8),
        np.empty(1, dtype=np.int64),
        np.empty((1, montecarlo.N_FIXED_INPUTS)),
    )
    assert out_metrics[0, measures.M_NPV_POST] == pytest.approx(base.figure("npv_post_tax").value, abs=1e-9, rel=1e-12)
    assert out_metrics[0, measures.M_PV_PROV] == pytest.approx(base.figure("government_provincial_pv").value, abs=1e-9)


def test_a_failing_path_is_counted_and_reported_never_zeroed(reko) -> None:  # type: ignore[no-untyped-def]
    profile = dataclasses.replace(bundled_security_profiles()["balochistan-mine"], overrun_sigma=400.0)
    sim = simulate(reko, 5_000, seed=9, settings=RiskSettings(), profile=profile)
    failed = ~sim.valid
    assert failed.any(), "an overrun of exp(400 z) overflows on some paths"
    assert np.all(np.isnan(sim.arrays.metrics[failed]))
    report = sim.model_dump()["failures"]
    assert report["count"] == int(failed.sum())
    example = report["examples"][0]
    assert example["status"] in montecarlo.STATUS_TEXT.values()
    assert {"capex_factor", "delay_years", "path"} <= set(example)
    # statistics use only the valid paths
    assert sim.distributions[0].defined == int((~failed).sum())


def test_risks_move_the_distribution(reko) -> None:  # type: ignore[no-untyped-def]
    calm = simulate(reko, 20_000, seed=1, settings=RiskSettings(security=False, schedule=False))
    risky = simulate(reko, 20_000, seed=1)
    assert risky.probabilities.default >= calm.probabilities.default
    assert risky.arrays.inputs[:, 0].mean() > 0  # delays happen
    assert calm.arrays.inputs[:, 0].max() == 0
    assert 0.5 < risky.arrays.inputs[:, 2].mean() < 1.0  # availability below one


def test_irr_percentiles_come_from_a_stated_sample(reko) -> None:  # type: ignore[no-untyped-def]
    sim = simulate(reko, 3_000, seed=2, irr_sample=1_000)
    assert sim.irr_sample_paths == 1_000
    irr = next(d for d in sim.distributions if d.key == "irr_post_tax")
    assert 0.05 < irr.p50 < 0.5
    barrick = next(s for s in sim.stakeholders if s.party == "barrick")
    assert barrick.irr is not None
    assert barrick.irr.p10 <= barrick.irr.p50 <= barrick.irr.p90


def test_histograms_count_every_valid_path(reko) -> None:  # type: ignore[no-untyped-def]
    sim = simulate(reko, 3_000, seed=4)
    histograms = {h.key: h.model_dump() for h in sim.histograms}
    assert {"npv_post_tax", "pv_provincial", "min_dscr", "npv_barrick"} <= set(histograms)
    valid = sim.valid
    npv = sim.arrays.metrics[valid, measures.M_NPV_POST]
    assert sum(histograms["npv_post_tax"]["counts"]) == int(np.isfinite(npv).sum())
    edges = histograms["npv_post_tax"]["edges"]
    assert edges[0] == pytest.approx(float(np.nanpercentile(npv, 0.5)), rel=1e-6)
    assert edges[-1] == pytest.approx(float(np.nanpercentile(npv, 99.5)), rel=1e-6)
    aetr = sim.arrays.metrics[valid, measures.M_AETR]
    assert sum(histograms["aetr"]["counts"]) == int(np.isfinite(aetr).sum())


def _numpy_summary(sim) -> dict:  # type: ignore[no-untyped-def]
    """The statistics of a run computed with numpy from its stored arrays."""
    a, valid = sim.arrays, sim.valid
    out = {}
    for i, (name, _, _) in enumerate(measures.MEASURES):
        values = a.metrics[valid, i].astype(np.float64)
        finite = values[np.isfinite(values)]
        out[name] = (*np.percentile(finite, PERCENTILES), finite.size)
    for column, p in enumerate(a.parties):
        values = a.party_npv[valid, column]
        out[sim.compiled.parties[p].id] = (*np.percentile(values.astype(np.float64), PERCENTILES), np.mean(values < 0))
    return out


def test_summary_statistics_are_numpys_on_the_stored_results(reko) -> None:  # type: ignore[no-untyped-def]
    profile = dataclasses.replace(bundled_security_profiles()["balochistan-mine"], overrun_sigma=400.0)
    sim = simulate(reko, 20_000, seed=13, profile=profile)
    valid = sim.valid
    assert 0 < int(valid.sum()) < valid.size, "some paths fail, not all"
    expected = _numpy_summary(sim)
    for d in sim.distributions[: len(measures.MEASURES)]:
        assert (d.p10, d.p50, d.p90, d.defined) == expected[d.key]
    for s in sim.stakeholders:
        assert (s.p10, s.p50, s.p90, s.p_loss) == expected[s.party]
    a = sim.arrays
    npv = a.metrics[valid, measures.M_NPV_POST]
    dscr = a.metrics[valid, measures.M_MIN_DSCR]
    defaults = a.default_year[valid]
    assert sim.probabilities.model_dump() == {
        "npv_post_tax_below_zero": np.mean(npv < 0),
        "min_dscr_below_1": np.sum(dscr[np.isfinite(dscr)] < 1.0) / valid.sum(),
        "default": np.mean(defaults >= 0),
    }
    years, counts = np.unique(defaults[defaults >= 0], return_counts=True)
    assert sim.first_default_year == dict(zip(years.tolist(), counts.tolist(), strict=True))


def test_mean_shares_are_ratios_of_the_mean_present_values(reko) -> None:  # type: ignore[no-untyped-def]
    """Mean AETR = sum of PV(government) / sum of PV(pre-tax cash flow) over the valid paths (local share alike)."""
    sim = simulate(reko, 20_000, seed=13, irr_sample=0)
    ok = sim.arrays.metrics[sim.valid].astype(np.float64)
    pre, federal, provincial = ok[:, measures.M_NPV_PRE], ok[:, measures.M_PV_FED], ok[:, measures.M_PV_PROV]
    assert np.any(pre <= 0), "paths without a positive pre-tax NPV count in the ratio, as in no per-path share"
    by_key = {d.key: d for d in sim.distributions}
    aetr, local = by_key["aetr"], by_key["local_share"]
    # the run's float64 sums against those of the stored float32 values
    assert aetr.mean == pytest.approx((federal.sum() + provincial.sum()) / pre.sum(), rel=1e-6)
    assert local.mean == pytest.approx(provincial.sum() / pre.sum(), rel=1e-6)
    assert "mean PV of government receipts / mean PV of pre-tax cash flow" in aetr.label
    assert "mean PV of provincial receipts / mean PV of pre-tax cash flow" in local.label
    per_path = ok[:, measures.M_AETR]
    per_path = per_path[np.isfinite(per_path)]
    assert aetr.defined == per_path.size < pre.size  # percentiles: per path, where the pre-tax NPV is positive
    assert (aetr.p10, aetr.p50, aetr.p90) == tuple(np.percentile(per_path, PERCENTILES))
    assert aetr.p10 <= aetr.mean <= aetr.p90
    assert abs(per_path.mean() - aetr.mean) > 0.01  # not the mean of the per-path ratios
    assert sim.model_dump()["distributions"][measures.M_AETR]["mean"] == aetr.mean
    # over the valid paths only; with a negative mean pre-tax NPV the ratio is undefined, not a number
    profile = dataclasses.replace(bundled_security_profiles()["balochistan-mine"], overrun_sigma=400.0)
    failing = simulate(reko, 5_000, seed=9, profile=profile, irr_sample=0)
    assert not failing.valid.all()
    means, _ = failing.arrays.exact_means()
    assert means[measures.M_NPV_PRE] == pytest.approx(
        failing.arrays.metrics[failing.valid, measures.M_NPV_PRE].mean(), rel=1e-5
    )
    assert means[measures.M_NPV_PRE] < 0
    assert math.isnan(next(d.mean for d in failing.distributions if d.key == "aetr"))
    assert failing.model_dump(mode="json")["distributions"][measures.M_AETR]["mean"] is None


@pytest.mark.parametrize("case_id", ["reko-diq", "saindak"])
def test_deck_trend_keeps_the_mean_revenue_at_the_decks(case_id: str) -> None:
    """Revenue is linear in the prices: with only prices drawn, its mean is the revenue at the deck (5 s.e.)."""
    case = bundled_case(case_id)
    sim = simulate(case, 20_000, seed=21, settings=RiskSettings(security=False, schedule=False), irr_sample=0)
    at_deck = float(appraise(case, solve=False).line("gross_revenue").sum())
    revenue = sim.arrays.metrics[:, measures.M_REVENUE].astype(np.float64)
    mean = next(d.mean for d in sim.distributions if d.key == "revenue")
    assert abs(mean - at_deck) <= 5 * revenue.std() / math.sqrt(revenue.size)
    calibrated = simulate(
        case, 2_000, seed=21, settings=RiskSettings(security=False, schedule=False, price_trend="calibrated")
    )
    assert next(d.mean for d in calibrated.distributions if d.key == "revenue") != pytest.approx(mean, rel=0.01)


def test_means_are_float64_sums_of_the_valid_results(reko) -> None:  # type: ignore[no-untyped-def]
    profile = dataclasses.replace(bundled_security_profiles()["balochistan-mine"], overrun_sigma=400.0)
    sim = simulate(reko, 3_000, seed=9, profile=profile, chunk_size=1_000)
    compiled, a = sim.compiled, sim.arrays
    inputs = risk_inputs(compiled, sim.risk, sim.price_models, profile)
    n = a.n_paths
    metrics, party = np.empty((n, measures.N_MEASURES)), np.empty((n, a.parties.size))
    status, default_year, drawn = np.empty(n, dtype=np.int8), np.empty(n, dtype=np.int64), np.empty((n, 4))
    discount = (1.0 + compiled.scenario.discount_rate) ** -np.arange(len(compiled.years), dtype=np.float64)
    montecarlo.simulate_chunk(
        compiled.params, inputs.arrays(compiled.prices), 9, 0, discount, compiled.valuation_year, a.parties,
        metrics, party, status, default_year, drawn,
    )  # fmt: skip
    ok = status == montecarlo.STATUS_OK
    assert not ok.all()
    with np.errstate(over="ignore"):  # an invalid draw's input beyond float32 is stored as infinite
        np.testing.assert_array_equal(a.metrics, metrics.astype(np.float32))
        np.testing.assert_array_equal(a.inputs, drawn.astype(np.float32))
    np.testing.assert_array_equal(a.party_npv, party.astype(np.float32))
    np.testing.assert_array_equal(a.status, status)
    np.testing.assert_array_equal(a.default_year, default_year)
    metric_means, party_means = a.exact_means()
    np.testing.assert_allclose(metric_means, np.nanmean(metrics[ok], axis=0), rtol=1e-13)
    np.testing.assert_allclose(party_means, party[ok].mean(axis=0), rtol=1e-13)
    np.testing.assert_array_equal(a.metric_counts, np.isfinite(metrics[ok]).sum(axis=0))


def test_histograms_are_numpys_on_the_clipped_results(reko) -> None:  # type: ignore[no-untyped-def]
    sim = simulate(reko, 20_000, seed=4)
    a, valid = sim.arrays, sim.valid
    columns = {
        measures.MEASURES[i][0]: a.metrics[valid, i]
        for i in (measures.M_NPV_POST, measures.M_PV_FED, measures.M_PV_PROV, measures.M_AETR)
    }
    columns["min_dscr"] = a.metrics[valid, measures.M_MIN_DSCR]
    for column, p in enumerate(a.parties):
        if np.any(np.abs(a.party_npv[valid, column]) > 1e-9):  # parties with flows
            columns[f"npv_{sim.compiled.parties[p].id}"] = a.party_npv[valid, column]
    histograms = sim.histograms
    assert [h.key for h in histograms] == list(columns)
    for h in histograms:
        values = columns[h.key].astype(np.float64)
        finite = values[np.isfinite(values)]
        low, high = np.percentile(finite, [0.5, 99.5])
        clipped = high > low and (finite.min() < low or finite.max() > high)
        counts, edges = np.histogram(np.clip(finite, low, high) if clipped else finite, bins=40)
        assert h.counts == counts.tolist()
        assert h.edges == edges.tolist()
        assert h.label.endswith("(central 99%, the rest in the end bins)") == clipped


def test_drawn_inputs_are_those_a_run_uses() -> None:
    sim = simulate(bundled_case("reko-diq"), 3_000, seed=5, chunk_size=1_000, irr_sample=0)
    compiled = sim.compiled
    inputs = risk_inputs(compiled, sim.risk, sim.price_models, sim.profile)
    draws = montecarlo.draw_inputs(inputs, compiled.prices, 5, 3_000)
    np.testing.assert_array_equal(draws.inputs.astype(np.float32), sim.arrays.inputs)
    assert draws.valid.all()
    part = montecarlo.draw_inputs(inputs, compiled.prices, 5, 333, first_path=1_234)
    paths = slice(1_234, 1_567)
    np.testing.assert_array_equal(part.price, draws.price[:, :, paths])
    np.testing.assert_array_equal(part.availability, draws.availability[:, paths])
    for name in ("capex_factor", "delay", "inputs", "valid"):
        np.testing.assert_array_equal(getattr(part, name), getattr(draws, name)[paths])
    with pytest.raises(ValueError, match="n_paths"):
        montecarlo.draw_inputs(inputs, compiled.prices, 5, -1)
