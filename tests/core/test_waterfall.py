"""The waterfall stage, rule by rule, on a one-path block with hand numbers (:mod:`chagai.core.waterfall`)."""

from __future__ import annotations

import numpy as np
import pytest

from chagai.core import waterfall
from chagai.core.lines import Line
from chagai.core.terms import LEVEL_PRIVATE, LEVEL_PROVINCIAL, STAKE_FREE_CARRIED, STAKE_FUNDED, STAKE_PAID

from .blocks import block, row, stakes


def _split(terms: object, flows: list[float], withholding: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    out = block(len(flows), equity_cash_flow=flows)
    party_net = np.zeros((len(terms.party_level), len(flows), 1))
    waterfall.split_equity(terms, withholding, out, party_net)
    return out, party_net[:, :, 0]


def test_equity_cash_flow_after_the_lenders() -> None:
    out = block(2, post_tax_ncf=[-200, 100], debt_drawdown=[150, 0], interest_paid=[0, 10], principal=[0, 20])
    out[Line.fees, 0, 0] = 5
    waterfall.equity_cash_flow(out)
    assert row(out, Line.equity_cash_flow) == [-55, 70]  # -200 + 150 - 5; 100 - 10 - 20


def test_free_carried_stake_pays_nothing_and_receives_its_dividends() -> None:
    terms = stakes(
        shares=[[0.5, 0.5], [0.4, 0.4], [0.1, 0.1]],
        kinds=[STAKE_PAID, STAKE_PAID, STAKE_FREE_CARRIED],
        holders=[0, 1, 2],
        payers=[0, 1, 2],
        levels=[LEVEL_PRIVATE, LEVEL_PRIVATE, LEVEL_PROVINCIAL],
    )
    _, party = _split(terms, [-90, 100])
    # a contribution of 90 falls on the 90% that pays: 50/90 and 40/90 of it; the dividend of 100 by the shares
    np.testing.assert_allclose(party, [[-50, 50], [-40, 40], [0, 10]], rtol=1e-12, atol=1e-12)


def test_funded_stake_repaid_with_interest_from_its_dividends() -> None:
    terms = stakes(
        shares=[[0.75] * 3, [0.25] * 3],
        kinds=[STAKE_PAID, STAKE_FUNDED],
        holders=[0, 1],
        payers=[0, 0],
        levels=[LEVEL_PRIVATE, LEVEL_PROVINCIAL],
        carry_rates=[np.nan, 0.1],
    )
    _, party = _split(terms, [-100, 100, 100])
    # year 0: the funder pays the funded 25 too; the carry is 25
    # year 1: the carry grows to 27.5; the line's dividend of 25 all goes to the funder; 2.5 left
    # year 2: the carry grows to 2.75, repaid from the dividend of 25: the holder keeps 22.25
    np.testing.assert_allclose(party, [[-100, 100, 75 + 2.75], [0, 0, 22.25]], rtol=1e-12, atol=1e-12)


def test_dividend_withholding_on_the_lines_where_it_applies() -> None:
    terms = stakes(
        shares=[[0.6], [0.4]],
        kinds=[STAKE_PAID, STAKE_PAID],
        holders=[0, 1],
        payers=[0, 1],
        levels=[LEVEL_PRIVATE, LEVEL_PROVINCIAL],
        withholding=[1.0, 0.0],
    )
    out, party = _split(terms, [100], withholding=0.1)
    assert row(out, Line.dividend_withholding) == pytest.approx([6])  # 10% of the 60 of the first line only
    assert party[:, 0].tolist() == pytest.approx([54, 40])


def test_payments_between_parties_are_added_in_their_year() -> None:
    terms = stakes(
        shares=[[1.0, 1.0]],
        kinds=[STAKE_PAID],
        holders=[0],
        payers=[0],
        levels=[LEVEL_PRIVATE, LEVEL_PRIVATE],
        transfers=([1, 0], [1, 1], [-30.0, 30.0]),
    )
    _, party = _split(terms, [10, 10])
    np.testing.assert_allclose(party, [[10, 40], [0, -30]])  # party 1 pays party 0 a price of 30 in year 1
