"""chagai from Python: names resolve through the registry, answers are the services' own, tables are DataFrames."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
import pytest

import chagai
from chagai.cases.compile import Scenario, StakeSale
from chagai.cases.currency import Presentation
from chagai.cases.library import bundled_case
from chagai.errors import InputError, NotFoundError
from chagai.services.appraise import appraise


def test_an_alias_gives_the_appraisal_and_its_cash_flow_as_a_dataframe() -> None:
    reko = chagai.appraise("Reco Diq")  # an alias, looked up in a registry filled at first use
    frame = reko.cashflow()
    assert isinstance(frame, pd.DataFrame)
    assert frame.index.name == "year"
    assert "gross_revenue [US$m]" in frame.columns
    direct = appraise(bundled_case("reko-diq"))
    pd.testing.assert_frame_equal(frame, direct.cashflow())
    assert reko.figure("npv_post_tax").value == direct.figure("npv_post_tax").value


def test_scenario_overrides_sales_and_rate_are_those_of_the_command_line() -> None:
    ours = chagai.appraise("saindak", "delay=2", overrides={"prices.copper": 8000}, rate=0.08).figure("npv_post_tax")
    direct = appraise(bundled_case("saindak"), Scenario(delay=2, discount_rate=0.08), {"prices.copper": 8000}).figure(
        "npv_post_tax"
    )
    assert ours.value == direct.value
    sale = "15%:federal->manara@2027=540"
    sold = chagai.appraise("reko-diq", sell=[sale])
    assert sold.compiled.scenario.sales == (StakeSale.parse(sale),)
    assert sold.sales


def test_an_appraisal_shows_itself_in_a_notebook() -> None:
    reko = chagai.appraise("reko-diq")
    assert repr(reko).startswith("<Appraisal of Reko Diq (reko-diq)")
    assert "13,739 US$m" in repr(reko)
    page = reko._repr_html_()
    assert "<table>" in page
    assert "Government take, discounted (AETR)" in page


def test_projects_is_the_registry_as_a_dataframe() -> None:
    table = chagai.projects()
    assert {"reko-diq", "saindak", "sui"} <= set(table.index)
    assert table.loc["sui", "status"] == "depleting"


def test_an_unknown_name_suggests_close_ones() -> None:
    with pytest.raises(NotFoundError, match="reko-diq"):
        chagai.appraise("Reko Dik mine")


def test_importing_chagai_loads_nothing_heavy() -> None:
    script = (
        "import sys, chagai\nprint(sorted(m for m in ('numpy', 'numba', 'pandas', 'sqlalchemy') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=os.environ, check=True)
    assert done.stdout.strip() == "[]"


def test_the_python_page_examples_run() -> None:
    from pathlib import Path

    page = (Path(__file__).parents[1] / "docs" / "python.md").read_text(encoding="utf-8")
    blocks = page.split("```python\n")[1:]
    assert len(blocks) == 4
    namespace: dict[str, object] = {}
    for block in blocks:
        exec(block.split("```")[0], namespace)  # the examples share a session, as in a notebook


def test_the_cash_flow_in_rupees_nominal_and_fiscal_years() -> None:
    reko = chagai.appraise("reko-diq")
    dollars = reko.cashflow()
    rupees = reko.cashflow(currency="PKR", nominal=True, fiscal_year="jul")
    assert rupees.index.name == "fiscal_year"
    assert len(rupees) == len(dollars) + 1
    # a dollar of 2026 (in 2025 dollars) is 280.5 x 1.06 rupees of 2026, half of it in FY2026 and half in FY2027
    revenue = dollars["gross_revenue [US$m]"]
    flows = revenue * reko.presented(Presentation("PKR", True)).factors(dollars.index.to_numpy())
    assert rupees["gross_revenue [PKRm]"].sum() == pytest.approx(flows.sum())
    assert flows[2026] == pytest.approx(revenue[2026] * 280.5 * 1.06)
    assert rupees.loc[2027, "gross_revenue [PKRm]"] == pytest.approx(0.5 * flows[2026] + 0.5 * flows[2027])
    assert "2025: 280.5" in rupees.attrs["basis"]
    assert "July-June" in rupees.attrs["basis"]
    with pytest.raises(InputError, match="currency"):
        reko.cashflow(currency="EUR")
