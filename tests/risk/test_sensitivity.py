"""Sensitivity analyses: Sobol indices against the analytic Ishigami values, tornado, breakeven and info-gap."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest

from chagai.cases.compile import Scenario, compile_case
from chagai.cases.library import bundled_case
from chagai.errors import InputError
from chagai.risk.sensitivity.breakeven import breakeven_distribution
from chagai.risk.sensitivity.evaluator import Evaluator
from chagai.risk.sensitivity.info_gap import information_gap
from chagai.risk.sensitivity.sobol import sobol, sobol_indices
from chagai.risk.sensitivity.tornado import tornado
from chagai.services.appraise import appraise

from ..conftest import SHARED_DATA, shared_data


@pytest.fixture(scope="module")
def reko() -> Evaluator:
    return Evaluator(compile_case(bundled_case("reko-diq")))


def _golden() -> dict[str, object]:
    shared_data()  # skips, counted, when the third-party data is not here
    data = json.loads((SHARED_DATA / "golden_cases.json").read_text(encoding="utf-8"))
    golden: dict[str, object] = data["sensitivity_salib_ishigami"]
    return golden


def test_sobol_indices_of_the_ishigami_function_match_the_analytic_values() -> None:
    golden = _golden()
    a, b = float(golden["a"]), float(golden["b"])  # type: ignore[arg-type]
    stated = str(golden["src"])
    atol = float(re.search(r"atol\s*([0-9.eE+-]+)", stated).group(1))  # type: ignore[union-attr]
    rtol = float(re.search(r"rtol\s*([0-9.eE+-]+)", stated).group(1))  # type: ignore[union-attr]

    def ishigami(x: np.ndarray) -> np.ndarray:
        return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])

    result = sobol_indices(ishigami, [(-math.pi, math.pi)] * 3, n=8192, seed=7, output="ishigami")
    assert result.runs == 8192 * 5
    s1 = [row.S1 for row in result.indices]
    st = [row.ST for row in result.indices]
    np.testing.assert_allclose(s1, golden["S1_analytic"], atol=atol, rtol=rtol)
    np.testing.assert_allclose(st, golden["ST_analytic"], atol=atol, rtol=rtol)


def test_sobol_indices_refuse_a_sample_size_that_is_not_a_power_of_two() -> None:
    with pytest.raises(InputError, match="power of two"):
        sobol_indices(lambda x: x[:, 0], [(0.0, 1.0)], n=1000)


def test_evaluate_at_the_base_reproduces_the_appraisal(reko: Evaluator) -> None:
    base = appraise(bundled_case("reko-diq"), solve=False)
    outputs = reko.evaluate(reko.base)
    assert outputs["npv_post_tax"] == pytest.approx(base.figure("npv_post_tax").value, abs=1e-6)
    assert outputs["aetr"] == pytest.approx(base.figure("aetr").value, abs=1e-9)
    assert outputs["local_share"] == pytest.approx(base.figure("local_share_pv").value, abs=1e-9)
    assert base.lenders is not None
    assert outputs["min_dscr"] == pytest.approx(base.lenders.min_dscr, rel=1e-9)
    for holder in base.stakeholders:
        assert outputs[f"npv_{holder.party}"] == pytest.approx(holder.npv, abs=1e-6)


def test_unknown_factor_is_refused(reko: Evaluator) -> None:
    with pytest.raises(InputError, match="platinum_price"):
        reko.evaluate({"platinum_price": 1.2})


def test_tornado_of_reko_diq_puts_the_copper_price_at_the_top(reko: Evaluator) -> None:
    bars = tornado(reko)
    npv = [b for b in bars if b.output == "npv_post_tax"]
    assert len(npv) == len(reko.factors)
    assert "copper_price" in [b.factor for b in npv[:2]]
    swings = [b.swing for b in npv]
    assert swings == sorted(swings, reverse=True)
    assert all(b.swing >= 0 for b in bars)
    copper = next(b for b in npv if b.factor == "copper_price")
    assert copper.at_low < copper.base < copper.at_high  # NPV rises with the copper price
    capex = next(b for b in npv if b.factor == "capex")
    assert capex.at_high < capex.base < capex.at_low  # and falls with the overrun
    assert {b.output for b in bars} == {"npv_post_tax", "aetr", "local_share", "min_dscr"}


def test_sobol_of_reko_diq_npv_and_refusal_of_an_undefined_output(reko: Evaluator) -> None:
    result = sobol(reko, output="npv_post_tax", n=64, seed=7)
    assert result.runs == 64 * (len(reko.factors) + 2)
    assert result.indices[0].factor == "copper_price"
    assert {row.factor for row in result.indices} == set(reko.factors)
    saindak = Evaluator(compile_case(bundled_case("saindak")))  # no loans: no DSCR
    with pytest.raises(InputError, match="min_dscr"):
        sobol(saindak, output="min_dscr", n=64)


def test_breakeven_distribution_is_ordered_and_positive(reko: Evaluator) -> None:
    result = breakeven_distribution(reko, n=100, seed=3)
    assert 0 < result.p10 <= result.p50 <= result.p90
    assert result.defined == 100
    assert math.isfinite(result.deterministic)
    again = breakeven_distribution(reko, n=100, seed=3)
    assert again.p50 == result.p50


def test_information_gap_ranks_every_factor(reko: Evaluator) -> None:
    rows = information_gap(reko)
    for output in ("aetr", "min_dscr"):
        group = [r for r in rows if r.output == output]
        assert {r.factor for r in group} == set(reko.factors)
        assert [r.rank for r in group] == list(range(1, len(group) + 1))
        horizons = [r.horizon for r in group]
        assert all(h >= 0 and (math.isfinite(h) or h == math.inf) for h in horizons)
        assert horizons == sorted(horizons)


def test_information_gap_finds_the_horizon_where_the_npv_turns_negative() -> None:
    low_deck = Evaluator(compile_case(bundled_case("reko-diq"), Scenario(price_factor=0.6)))
    rows = information_gap(low_deck, outputs=("npv_post_tax",))
    (copper,) = [r for r in rows if r.factor == "copper_price"]
    assert copper.direction == "low"
    assert 0 < copper.horizon < 1 - copper.input_at_horizon + 1e-9
    assert copper.share_of_range < 1
    at_edge = low_deck.evaluate({"copper_price": copper.input_at_horizon})["npv_post_tax"]
    assert at_edge == pytest.approx(0.0, abs=1.0)
