"""The finance stage, rule by rule, on a one-path block with hand numbers (:mod:`chagai.core.finance`).

The loan of these tests: 100 committed at 10%, drawn in full in year 0 (all pre-production capital is debt),
production from year 2. Interest of year 1, 10% x 100 = 10, is capitalised: 110 is owed when repayment starts.
An annuity on 110 at 10% over 2 years pays 110 x 0.1 / (1 - 1.1^-2) = 110 x 1.21 / 2.1 = 63.380952 a year.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from chagai.core import finance
from chagai.core.lines import Line
from chagai.core.terms import REPAY_ANNUITY, REPAY_EQUAL_PRINCIPAL, REPAY_SCULPTED

from .blocks import block, one_loan, path, row

ANNUITY = 110 * 1.21 / 2.1  # 63.380952...


def _run(years: int, loan_terms: dict[str, float], **lines: list[float]) -> np.ndarray:
    out = block(years, **({"initial_capex": [100] + [0] * (years - 1)} | lines))
    finance.borrow_and_repay(one_loan(**loan_terms), out, path(2), np.zeros((3, years, 1)))
    return out


def test_drawdown_capitalised_interest_and_annuity_repayment() -> None:
    out = _run(4, {"profile": REPAY_ANNUITY})
    assert row(out, Line.debt_drawdown) == [100, 0, 0, 0]
    assert row(out, Line.interest_capitalised) == pytest.approx([0, 10, 0, 0])  # 10% x 100 before production
    assert row(out, Line.interest_paid) == pytest.approx([0, 0, 11, 11 - (ANNUITY - 11) * 0.1])  # 10% x 110, x 57.62
    assert row(out, Line.principal) == pytest.approx([0, 0, ANNUITY - 11, 110 - (ANNUITY - 11)])  # 52.38, then 57.62
    assert row(out, Line.debt_balance) == pytest.approx([100, 110, 110 - (ANNUITY - 11), 0])
    service = np.add(row(out, Line.interest_paid), row(out, Line.principal))
    assert service[2:].tolist() == pytest.approx([ANNUITY, ANNUITY])  # level service


def test_grace_delays_the_first_repayment() -> None:
    out = _run(5, {"profile": REPAY_ANNUITY, "grace": 3})
    # repayment starts 3 years after the first drawdown (year 3): interest only in year 2
    assert row(out, Line.principal)[:3] == [0, 0, 0]
    assert row(out, Line.interest_paid)[2] == pytest.approx(11)
    assert row(out, Line.principal)[3:] == pytest.approx([ANNUITY - 11, 110 - (ANNUITY - 11)])


def test_equal_principal_repayment() -> None:
    out = _run(4, {"profile": REPAY_EQUAL_PRINCIPAL})
    assert row(out, Line.principal) == pytest.approx([0, 0, 55, 55])  # 110 / 2 a year
    assert row(out, Line.interest_paid) == pytest.approx([0, 0, 11, 5.5])  # 10% x 110, 10% x 55


def test_sculpted_repayment_follows_the_cfads() -> None:
    # CFADS of 120 a year from production at a target DSCR of 1.2: service 100 a year can be carried; the
    # balance of 110 is repaid in proportion, 110 / PV(100, 100 at 10%) x 100 = 63.38 (the annuity: flat CFADS)
    out = _run(4, {"profile": REPAY_SCULPTED, "target_dscr": 1.2}, nsr=[0, 0, 120, 120])
    assert row(out, Line.principal) == pytest.approx([0, 0, ANNUITY - 11, 110 - (ANNUITY - 11)])


def test_sculpted_principal_by_hand() -> None:
    cfads = np.array([0.0, 0.0, 150.0, 90.0])
    # service proportional to CFADS / 1.2 = 125, 75 with PV 125/1.1 + 75/1.21 = 175.6198; year 2 pays
    # 125 x 110 / 175.6198 = 78.2964, of which 11 is interest
    principal = finance.sculpted_principal(cfads, 2, 2, 2, 0.1, 1.2, 110.0, 11.0)
    assert principal == pytest.approx(125 * 110 / (125 / 1.1 + 75 / 1.21) - 11)


def test_sculpted_loan_is_capped_at_what_the_cfads_carries() -> None:
    loans = one_loan(amount=200.0, profile=REPAY_SCULPTED, target_dscr=1.2)
    amount = np.array([[200.0]])
    finance.size_sculpted(loans, np.array([[0.0], [0.0], [120.0], [120.0]]), path(2), amount)
    assert amount[0, 0] == pytest.approx(100 / 1.1 + 100 / 1.21)  # PV of 120 / 1.2 over the 2-year tenor: 173.55


def test_negative_cfads_carries_no_debt() -> None:
    loans = one_loan(amount=200.0, profile=REPAY_SCULPTED, target_dscr=1.2)
    amount = np.array([[200.0]])
    finance.size_sculpted(loans, np.array([[0.0], [0.0], [-120.0], [120.0]]), path(2), amount)
    assert amount[0, 0] == pytest.approx(100 / 1.21)  # only the second year's 100, discounted 2 years


def test_upfront_and_commitment_fees() -> None:
    out = _run(4, {"upfront_fee": 0.01, "commitment_fee": 0.005}, initial_capex=[50, 50, 0, 0])
    # 1% of the 100 committed at the first drawdown + 0.5% of the 50 undrawn at the end of year 0
    assert row(out, Line.fees) == pytest.approx([1.25, 0, 0, 0])
    assert row(out, Line.debt_drawdown) == [50, 50, 0, 0]


def test_cfads_dscr_shortfall_interest_withholding_and_lenders_net() -> None:
    out = block(
        3,
        post_tax_ncf=[-100, 50, 30],
        initial_capex=[100, 0, 0],
        debt_drawdown=[100, 0, 0],
        interest_paid=[0, 10, 10],
        principal=[0, 30, 30],
        fees=[2, 0, 0],
    )
    finance.debt_service(0.1, out, path(1))
    assert row(out, Line.cfads) == [0, 50, 30]  # from first production: post-tax NCF + capital + closure
    assert row(out, Line.debt_service) == [0, 40, 40]  # interest + principal (+ fees from production)
    dscr = row(out, Line.dscr)
    assert math.isnan(dscr[0])
    assert dscr[1:] == pytest.approx([1.25, 0.75])  # 50 / 40, 30 / 40
    assert row(out, Line.shortfall) == [0, 0, 10]  # 40 - 30
    assert row(out, Line.interest_withholding) == pytest.approx([0, 1, 1])  # 10% x 10
    assert row(out, Line.lenders_net) == pytest.approx([-98, 39, 39])  # -100 + fee 2; 10 - 1 + 30
