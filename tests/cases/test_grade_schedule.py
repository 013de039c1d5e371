"""A mine's grades by year of production: early periods, and a rest that keeps the life-of-mine average."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from chagai.cases.compile import Scenario, compile_case
from chagai.cases.io import case_from_data
from chagai.core.lines import Line
from chagai.core.model import run_single, run_with
from chagai.errors import InputError

from ..conftest import FIXTURES

POCKET = yaml.safe_load((FIXTURES / "pocket-mine.yaml").read_text(encoding="utf-8"))


def _with_schedule(copper: float, years: int = 2) -> dict:
    doc = yaml.safe_load(yaml.safe_dump(POCKET))
    doc["production"]["grade_schedule"] = [
        {"production_years": years, "grades": {"copper": {"value": copper, "unit": "%", "estimate": "test"}}}
    ]
    return doc


def test_early_grade_then_the_rest_keeps_the_life_of_mine_metal() -> None:
    compiled = compile_case(case_from_data(_with_schedule(0.8)), Scenario())
    lines, _ = run_single(compiled.model_inputs, compiled.prices)
    milled = lines[Line.throughput]
    per_unit = compiled.params.production.yields[0] / (0.9 * 0.96)  # copper grade [fraction] by year of production
    assert per_unit[0] == pytest.approx(0.008)
    assert per_unit[1] == pytest.approx(0.008)
    # 10 Mt at 0.5%: 2 x 2 Mt at 0.8% leaves 6 Mt at (50 kt - 32 kt) / 6 Mt = 0.3%
    assert per_unit[-1] == pytest.approx(0.003)
    producing = np.flatnonzero(milled > 0)
    ages = np.minimum(producing - producing[0], per_unit.size - 1)
    contained = float((milled[producing] * per_unit[ages]).sum())
    assert milled.sum() == pytest.approx(10e6)
    assert contained == pytest.approx(10e6 * 0.005, rel=1e-12)
    assert any("after year 2" in note for note in compiled.notes)


def test_a_delay_moves_the_early_grade_with_production() -> None:
    compiled = compile_case(case_from_data(_with_schedule(0.8)), Scenario())
    n = len(compiled.years)
    on_time, _ = run_with(compiled.params, compiled.prices, np.ones(n), 1.0, 0)
    late, _ = run_with(compiled.params, compiled.prices, np.ones(n), 1.0, 2)
    first_on_time = int(np.flatnonzero(on_time[Line.throughput] > 0)[0])
    first_late = int(np.flatnonzero(late[Line.throughput] > 0)[0])
    assert first_late > first_on_time
    revenue = late[Line.gross_revenue, first_late] / late[Line.throughput, first_late]
    assert revenue == pytest.approx(
        on_time[Line.gross_revenue, first_on_time] / on_time[Line.throughput, first_on_time]
    )


def test_a_schedule_richer_than_the_reserve_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        compile_case(case_from_data(_with_schedule(3.0, years=5)), Scenario())
    assert caught.value.issues[0].path == "production.grade_schedule"
