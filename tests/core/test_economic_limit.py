"""Every asset stops at its economic limit: after the last year its operating cash flow is positive."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from chagai.cases.compile import Scenario, compile_case
from chagai.cases.io import case_from_data
from chagai.cases.library import bundled_case
from chagai.core.lines import Line
from chagai.core.model import run_with
from chagai.services.appraise import appraise

from ..conftest import FIXTURES

POCKET = yaml.safe_load((FIXTURES / "pocket-mine.yaml").read_text(encoding="utf-8"))


def _margin(lines: np.ndarray) -> np.ndarray:
    return lines[Line.gross_revenue] - lines[Line.selling_costs] - lines[Line.opex] - lines[Line.sustaining_capex]


def test_a_mine_stops_when_its_prices_fall_for_good() -> None:
    doc = yaml.safe_load(yaml.safe_dump(POCKET))
    doc["production"]["ore_reserve"]["value"] = 40  # 20 years at 2 Mt/yr: the reserve does not end it
    compiled = compile_case(case_from_data(doc), Scenario())
    n = len(compiled.years)
    prices = compiled.prices.copy()
    prices[:, 5:] *= 0.05  # from 2031 on the ore does not pay for its milling
    lines, _ = run_with(compiled.params, prices, np.ones(n), 1.0, 0)
    produced = np.flatnonzero(lines[Line.throughput] > 0)
    assert compiled.years[produced[-1]] == 2030
    assert np.all(lines[Line.gross_revenue, 5:] == 0.0)
    assert np.all(lines[Line.opex, 5:] == 0.0)
    assert lines[Line.closure, 5] == pytest.approx(5.0)  # closure the year after the last production
    assert _margin(lines)[produced[-1]] > 0


def test_a_loss_year_followed_by_a_profitable_one_is_produced_through() -> None:
    compiled = compile_case(case_from_data(POCKET), Scenario())
    n = len(compiled.years)
    prices = compiled.prices.copy()
    prices[:, 1] *= 0.01  # one bad year
    lines, _ = run_with(compiled.params, prices, np.ones(n), 1.0, 0)
    assert lines[Line.throughput, 1] > 0
    assert _margin(lines)[1] < 0


def test_a_mine_that_never_pays_produces_nothing_and_closes() -> None:
    doc = yaml.safe_load(yaml.safe_dump(POCKET))
    doc["costs"]["opex_per_tonne_milled"]["value"] = 10_000
    a = appraise(case_from_data(doc), solve=False)
    assert not np.any(a.line("throughput") > 0)
    assert a.line("closure").sum() == pytest.approx(5.0)


def test_sui_stops_before_running_at_a_loss() -> None:
    a = appraise(bundled_case("sui"), solve=False)
    produced = np.flatnonzero(a.line("throughput") > 0)
    last = produced[-1]
    margin = _margin(a.lines)
    assert margin[last] > 0
    assert not np.any(a.line("throughput")[last + 1 :] > 0)
    assert a.years[last] < a.years[-1]
    pre = a.line("pre_tax_ncf")
    if np.all(pre >= 0):  # a producing field with no capital left to spend: its PV is below its sum
        assert a.figure("npv_pre_tax").value <= pre.sum() + 1e-9
    # PPL is a federal state company, so all of the cash is the governments' (take 100%); without its equity, the
    # fiscal take is below 100% once the loss-making tail is gone
    assert a.figure("fiscal_take").value < 1.0
    assert a.figure("npv_pre_tax").value < pre.sum()


def test_a_fixed_end_year_is_kept() -> None:
    """A case that fixes its end year produces to it, loss or not (the economic limit is the default)."""
    case = bundled_case("sui")
    limited = appraise(case, solve=False)
    last = int(limited.years[np.flatnonzero(limited.line("throughput") > 0)[-1]])
    fixed = case.model_copy(update={"production": case.production.model_copy(update={"end_year": last + 5})})
    compiled = compile_case(fixed, Scenario())
    assert compiled.params.production.economic_limit is False
    assert limited.compiled.params.production.economic_limit is True
    beyond = appraise(fixed, solve=False)
    assert np.any(beyond.line("throughput")[beyond.years > last] > 0)
