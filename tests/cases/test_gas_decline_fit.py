"""A gas case's decline fitted to its history: the history rates are annual means, matched as annual volumes."""

from __future__ import annotations

import numpy as np

from chagai.cases.compile import compile_case
from chagai.cases.io import case_document, case_from_data
from chagai.cases.library import bundled_case
from chagai.core.decline import DAYS_PER_YEAR, annual_volumes


def test_history_of_annual_means_gives_back_its_curve_in_the_forecast() -> None:
    """Sui's history replaced by the annual mean rates of a known exponential decline from the start of 2006:
    the compiled gas volumes are that curve's exact annual volumes (not half a year of decline below them).
    """
    qi, di = 900.0, 0.062  # MMscf/d at the start of 2006, 1/yr
    data = case_document(bundled_case("sui"))
    history = data["production"]["history"]
    for point in history:
        mean = annual_volumes(qi, di, 0.0, np.array([point["year"] - 2006.0]))[0] / DAYS_PER_YEAR
        point["rate"] = {"value": float(mean), "unit": "MMcfd", "estimate": "a synthetic annual mean"}
    decline = data["production"]["decline"]
    assert decline["model"] == "exponential"
    assert decline["fit"]
    compiled = compile_case(case_from_data(data))
    years = compiled.years
    expected = annual_volumes(qi, di, 0.0, years - 2006.0)  # MMscf/yr
    gas = compiled.params.production.capacity
    producing = gas > 0
    assert producing[:10].all()
    np.testing.assert_allclose(gas[producing], expected[producing], rtol=1e-8)
    assert any("annual volumes" in note for note in compiled.notes)
