"""The appraisal's breakdowns agree with one another."""

from __future__ import annotations

import pytest

from chagai.cases.library import bundled_case
from chagai.services.appraise import appraise


@pytest.mark.parametrize("project", ["reko-diq", "saindak", "sui"])
def test_fiscal_receipts_by_level_add_up_to_the_fiscal_receipts(project: str) -> None:
    from chagai.services.appraise import _fiscal_receipts, fiscal_receipts_by_level

    a = appraise(bundled_case(project))
    federal, provincial = fiscal_receipts_by_level(a)
    assert federal + provincial == pytest.approx(float(_fiscal_receipts(a).sum()), rel=1e-12)
