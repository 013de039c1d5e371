"""The government stage on a one-path block with hand numbers (:mod:`chagai.core.government`)."""

from __future__ import annotations

import numpy as np
import pytest

from chagai.core import government
from chagai.core.lines import Line
from chagai.core.terms import (
    LEVEL_FEDERAL,
    LEVEL_PRIVATE,
    LEVEL_PROVINCIAL,
    PAYEE_FEDERAL,
    PAYEE_PROVINCIAL,
    STAKE_PAID,
)

from .blocks import block, row, stakes

LEVIES = {
    "royalties_federal": [1],
    "royalties_provincial": [5],
    "advance_royalty": [2],
    "income_tax": [10],
    "super_tax": [3],
    "presumptive_tax": [4],
    "interest_withholding": [0.5],
    "dividend_withholding": [0.7],
    "rent": [0.3],
    "profit_share_state": [6],
    "profit_share_provincial": [2],
    "social_uplift": [1],
}
TERMS = stakes(
    shares=[[0.5], [0.3], [0.2]],
    kinds=[STAKE_PAID] * 3,
    holders=[0, 1, 2],
    payers=[0, 1, 2],
    levels=[LEVEL_PRIVATE, LEVEL_FEDERAL, LEVEL_PROVINCIAL],
    government=[1, 2],
)


@pytest.mark.parametrize(
    ("payee", "federal", "provincial"),
    [
        # federal: royalty 1 + presumptive 4 + withholding 0.5 + 0.7 + rent 0.3 + profit share 6 - 2 passed on
        # = 10.5, + income and super tax 13 when federal; provincial: royalty 5 + advance 2 + profit share 2 = 9
        (PAYEE_FEDERAL, 10.5 + 13, 9),
        (PAYEE_PROVINCIAL, 10.5, 9 + 13),
    ],
)
def test_receipts_by_level(payee: int, federal: float, provincial: float) -> None:
    out = block(1, **LEVIES)
    party_net = np.zeros((3, 1, 1))
    government.receipts(payee, TERMS, out, party_net)
    assert row(out, Line.government_federal) == pytest.approx([federal])
    assert row(out, Line.government_provincial) == pytest.approx([provincial])
    assert row(out, Line.community) == [1]  # the social uplift


def test_state_equity_is_added_to_its_level() -> None:
    out = block(1, **LEVIES)
    party_net = np.array([100.0, 7.0, -3.0]).reshape(3, 1, 1)  # private, federal, provincial holders
    government.receipts(PAYEE_FEDERAL, TERMS, out, party_net)
    assert row(out, Line.government_federal) == pytest.approx([23.5 + 7])
    assert row(out, Line.government_provincial) == pytest.approx([9 - 3])  # the private party's 100 is no one's
