"""The unlevered after-tax NPV is that of the project without debt: no interest tax shield in it."""

from __future__ import annotations

import numpy as np
import pytest

from chagai.cases.compile import Scenario
from chagai.cases.library import bundled_case
from chagai.services.appraise import appraise


def test_the_unlevered_npv_is_the_npv_of_the_project_without_its_loans() -> None:
    """Under the general tax law (no holiday, which would leave the interest nothing to shield)."""
    reko = bundled_case("reko-diq")
    law = Scenario(regime="statutory")
    levered = appraise(reko, law, solve=False)
    without_debt = appraise(reko.model_copy(update={"financing": []}), law, solve=False)
    np.testing.assert_allclose(
        levered.line("post_tax_ncf_unlevered"), without_debt.line("post_tax_ncf"), rtol=1e-12, atol=1e-9
    )
    assert levered.figure("npv_post_tax").value == pytest.approx(without_debt.figure("npv_post_tax").value, rel=1e-12)
    # the taxes the project pays with its loans are lower (interest is deducted): the shield is in the other figure
    shield = levered.figure("npv_post_tax_levered").value - levered.figure("npv_post_tax").value
    assert shield > 0
    assert levered.line("income_tax").sum() < without_debt.line("income_tax").sum()


def test_without_loans_both_after_tax_figures_agree() -> None:
    sui = appraise(bundled_case("sui"), solve=False)
    np.testing.assert_array_equal(sui.line("post_tax_ncf_unlevered"), sui.line("post_tax_ncf"))
    assert sui.figure("npv_post_tax").value == pytest.approx(sui.figure("npv_post_tax_levered").value, rel=1e-13)
