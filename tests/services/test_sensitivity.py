"""The sensitivity service: every analysis of a project, its JSON form, and the breakevens of a Monte Carlo run."""

from __future__ import annotations

import json
import math

import pytest
from typer.testing import CliRunner

from chagai.cases.compile import Scenario
from chagai.cases.library import bundled_case
from chagai.cli import app
from chagai.results import RiskSettings, Sensitivity, SobolRefusal
from chagai.services.appraise import appraise
from chagai.services.sensitivity import sensitivity, simulation_breakeven, tornado
from chagai.services.simulate import simulate


def test_breakeven_distribution_of_a_simulation_follows_its_risk_settings() -> None:
    case = bundled_case("reko-diq")
    sim = simulate(case, 200, seed=1, settings=RiskSettings(security=False, schedule=False))
    result = simulation_breakeven(sim, n=20, seed=1)
    assert result.p10 == result.p90 == pytest.approx(result.deterministic)
    assert simulation_breakeven(simulate(case, 200, seed=1), n=20, seed=1).p90 > result.p90


def test_cli_sensitivity_prints_every_analysis() -> None:
    result = CliRunner().invoke(app, ["sensitivity", "reko-diq", "--sobol-n", "64", "--draws", "50"])
    assert result.exit_code == 0, result.output
    for text in ("Tornado", "Sobol", "Breakeven copper price", "Information gap", "model runs"):
        assert text in result.output
    refused = CliRunner().invoke(app, ["sensitivity", "reko-diq", "--sobol-n", "100"])
    assert refused.exit_code == 2
    assert "power of two" in refused.output
    assert "Traceback" not in refused.output


def test_sensitivity_of_a_project_under_a_scenario_and_its_json_form() -> None:
    case = bundled_case("saindak")  # no loans: the Sobol analysis of the minimum DSCR is refused
    report = sensitivity(
        case, Scenario(discount_rate=0.08), {"prices.copper": 9000}, sobol_n=16, breakeven_draws=10,
        sobol_outputs=("npv_post_tax", "min_dscr"),
    )  # fmt: skip
    assert report.evaluator.rate == 0.08
    assert report.evaluator.compiled.scenario.overrides == (("prices.copper", "9000"),)
    assert isinstance(report.sobol["min_dscr"], SobolRefusal)
    assert "min_dscr" in report.sobol["min_dscr"].refused
    assert report.runs == report.evaluator.runs
    data = json.loads(report.model_dump_json())
    assert data["sobol"]["min_dscr"] == {"refused": report.sobol["min_dscr"].refused}
    assert data["base_outputs"]["min_dscr"] is None  # NaN without debt
    assert {row["crosses"] for row in data["information_gap"]} <= {True, False}
    assert Sensitivity.model_validate(data).tornado == report.tornado  # the JSON reads back as the same result


def test_tornado_of_a_project_is_that_of_its_compiled_case() -> None:
    case = bundled_case("reko-diq")
    assert tornado(case) == tornado(appraise(case, solve=False).compiled)
    assert math.isfinite(tornado(case, outputs=("aetr",))[0].swing)
