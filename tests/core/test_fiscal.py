"""The fiscal stage, rule by rule, on a one-path block with hand numbers (:mod:`chagai.core.fiscal`)."""

from __future__ import annotations

import numpy as np
import pytest

from chagai.core import fiscal
from chagai.core.lines import Line
from chagai.core.terms import (
    BASE_GROSS,
    BASE_NSR,
    DEP_DECLINING_BALANCE,
    DEP_STRAIGHT_LINE,
    DEP_UNITS_OF_PRODUCTION,
    PAYEE_FEDERAL,
    PAYEE_PROVINCIAL,
)

from .blocks import block, fiscal_rules, path, row


def column(*values: float) -> np.ndarray:
    """A (T, 1) array of one path."""
    return np.array(values, dtype=np.float64).reshape(-1, 1)


def test_royalty_on_gross_revenue_and_on_nsr_each_to_its_payee() -> None:
    rules = fiscal_rules(
        royalty_rate=np.array([0.05, 0.01]),
        royalty_base=np.array([BASE_GROSS, BASE_NSR]),
        royalty_payee=np.array([PAYEE_PROVINCIAL, PAYEE_FEDERAL]),
    )
    out = block(3, gross_revenue=[100, 200, 10], nsr=[80, 150, -5])
    fiscal.royalties(rules, out, path(0))
    assert row(out, Line.royalties_provincial) == pytest.approx([5.0, 10.0, 0.5])  # 5% x 100, 5% x 200, 5% x 10
    assert row(out, Line.royalties_federal) == pytest.approx(
        [0.8, 1.5, 0.0]
    )  # 1% x 80, 1% x 150; no royalty on NSR < 0


def test_advance_royalty_is_capped_and_credited_against_the_royalty() -> None:
    rules = fiscal_rules(
        royalty_rate=np.array([0.05]),
        royalty_base=np.array([BASE_GROSS]),
        royalty_payee=np.array([PAYEE_PROVINCIAL]),
        advance_schedule=np.array([4.0]),
        advance_first=0,
        advance_cap=10.0,
        advance_payee=PAYEE_PROVINCIAL,
    )
    out = block(6, gross_revenue=[0, 0, 0, 100, 100, 100])
    fiscal.royalties(rules, out, path(3))
    assert row(out, Line.advance_royalty) == pytest.approx(
        [4, 4, 2, 0, 0, 0]
    )  # 4 a year until the cap of 10: 4 + 4 + 2
    assert row(out, Line.advance_royalty_credit) == pytest.approx([0, 0, 0, 5, 5, 0])  # the 10 against 5% x 100 a year
    assert row(out, Line.royalties_provincial) == pytest.approx([0, 0, 0, 0, 0, 5])  # 5 - 5, 5 - 5, then 5


def test_advance_royalty_paid_before_the_valuation_year_counts_against_the_cap() -> None:
    rules = fiscal_rules(advance_schedule=np.array([4.0]), advance_cap=10.0, advance_credit_start=8.0)
    out = block(3)
    fiscal.royalties(rules, out, path(3))
    assert row(out, Line.advance_royalty) == pytest.approx([2, 0, 0])  # 10 - 8 left under the cap


def test_rent_in_the_years_with_throughput() -> None:
    out = block(3, throughput=[0, 5, 0])
    fiscal.charge_rent(fiscal_rules(rent=2.0), out)
    assert row(out, Line.rent) == [0.0, 2.0, 0.0]


@pytest.mark.parametrize(
    ("method", "rate", "expected"),
    [
        (DEP_STRAIGHT_LINE, 0.3, [30, 30, 30, 10, 0]),  # 30% a year for 4 years, the last taking what is left: 10
        (DEP_DECLINING_BALANCE, 0.25, [25, 18.75, 14.0625, 10.546875, 7.91015625]),  # 25% of 100, 75, 56.25 ...
    ],
)
def test_depreciation_straight_line_and_declining_balance(method: int, rate: float, expected: list[float]) -> None:
    rules = fiscal_rules(depreciation_method=method, depreciation_rate=rate)
    dep = np.empty((5, 1))
    fiscal.depreciation(rules, column(100, 0, 0, 0, 0), column(0, 0, 0, 0, 0), column(0, 0, 0, 0, 0), dep)
    assert dep[:, 0].tolist() == pytest.approx(expected)


def test_depreciation_units_of_production() -> None:
    rules = fiscal_rules(depreciation_method=DEP_UNITS_OF_PRODUCTION)
    dep = np.empty((3, 1))
    fiscal.depreciation(rules, column(100, 0, 0), column(10, 10, 20), column(40, 30, 20), dep)
    # 100 x 10/40 = 25; 75 x 10/30 = 25; 50 x 20/20 = 50 (the reserve runs out)
    assert dep[:, 0].tolist() == pytest.approx([25, 25, 50])


def test_taxable_income_places_pre_production_capital_in_service_at_first_production() -> None:
    rules = fiscal_rules(depreciation_method=DEP_STRAIGHT_LINE, depreciation_rate=0.5)
    out = block(
        3,
        initial_capex=[60, 40, 0],
        gross_revenue=[0, 0, 100],
        opex=[0, 0, 10],
        interest_capitalised=[0, 6, 0],
        fees=[1, 0, 2],
        interest_paid=[0, 0, 5],
    )
    dep = np.empty((3, 1))
    with_debt = fiscal.taxable_income(rules, out, path(2), column(0, 0, 0), True, dep)
    # capital 60 + 40, capitalised interest 6 and the fee of 1 before production: 107 in service in year 2, 50%
    assert dep[:, 0].tolist() == pytest.approx([0, 0, 53.5])
    assert with_debt[:, 0].tolist() == pytest.approx([0, 0, 29.5])  # 100 - 10 - 53.5 - interest 5 - fee 2
    without_debt = fiscal.taxable_income(rules, out, path(2), column(0, 0, 0), False, dep)
    assert without_debt[:, 0].tolist() == pytest.approx([0, 0, 40])  # 100 - 10 - 50% x 100


def _income_tax(rules: object, taxable: list[float], gross: list[float] | None = None, first: int = 0) -> tuple:
    n = len(taxable)
    taxes = [np.zeros((n, 1)) for _ in range(4)]
    fiscal.income_tax(rules, column(*taxable), column(*(gross or [0.0] * n)), path(first), *taxes)
    return tuple(t[:, 0].tolist() for t in taxes)  # income tax, super tax, presumptive tax, losses used


def test_loss_carry_forward_within_its_limit() -> None:
    limited = fiscal_rules(income_tax_rate=0.3, loss_years=1)
    income, _, _, used = _income_tax(limited, [-50, -30, 20, 100])
    assert used == pytest.approx([0, 0, 20, 0])  # year 2 uses 20 of year 1's 30; year 0's loss expired
    assert income == pytest.approx([0, 0, 0, 30])  # year 1's 10 left is too old in year 3: 30% x 100
    unlimited = fiscal_rules(income_tax_rate=0.3, loss_years=-1)
    income, _, _, used = _income_tax(unlimited, [-50, -30, 20, 100])
    assert used == pytest.approx([0, 0, 20, 60])  # the pool of 80: 20, then the 60 left
    assert income == pytest.approx([0, 0, 0, 12])  # 30% x (100 - 60)


def test_tax_holiday_from_first_production() -> None:
    income, _, _, _ = _income_tax(fiscal_rules(income_tax_rate=0.3, tax_holiday_years=2), [0, 10, 10, 10], first=1)
    assert income == pytest.approx([0, 0, 0, 3])  # years 1 and 2 free; 30% x 10 in year 3


def test_super_tax_on_income_after_losses() -> None:
    income, super_tax, _, _ = _income_tax(fiscal_rules(income_tax_rate=0.3, super_tax_rate=0.1), [-20, 100])
    assert income == pytest.approx([0, 24])  # 30% x (100 - 20)
    assert super_tax == pytest.approx([0, 8])  # 10% x 80


def test_minimum_tax_on_gross_revenue_when_larger() -> None:
    rules = fiscal_rules(income_tax_rate=0.3, minimum_tax_rate=0.01)
    income, _, _, _ = _income_tax(rules, [1, 50], gross=[100, 100])
    assert income == pytest.approx([1, 15])  # max(30% x 1, 1% x 100); max(30% x 50, 1)


def test_presumptive_tax_in_lieu_of_income_tax() -> None:
    income, super_tax, presumptive, _ = _income_tax(
        fiscal_rules(income_tax_rate=0.3, super_tax_rate=0.1, presumptive_rate=0.05), [50], gross=[100]
    )
    assert (income, super_tax, presumptive) == ([0.0], [0.0], pytest.approx([5.0]))  # 5% x 100


def test_post_tax_cash_flow_deducts_every_levy() -> None:
    out = block(1, pre_tax_ncf=[100], royalties_federal=[5], advance_royalty=[2], income_tax=[20], rent=[1])
    fiscal.post_tax_cash_flow(fiscal_rules(), out, np.zeros((3, 0, 1)))
    assert row(out, Line.post_tax_ncf) == pytest.approx([72])  # 100 - 5 - 2 - 20 - 1
    assert row(out, Line.post_tax_ncf_unlevered) == pytest.approx([72])  # no loans: the same


def test_profit_share_social_uplift_and_pass_through() -> None:
    rules = fiscal_rules(profit_share=0.5, profit_share_pass_through=0.4, social_uplift=0.02)
    out = block(1, gross_revenue=[100], opex=[20], pre_tax_ncf=[80], royalties_provincial=[10])
    fiscal.post_tax_cash_flow(rules, out, np.zeros((3, 0, 1)))
    # surplus = 100 - 20 - 10 = 70; uplift 2% x 70 = 1.4; state 50% x (70 - 1.4) = 34.3; province 40% x 34.3
    assert row(out, Line.social_uplift) == pytest.approx([1.4])
    assert row(out, Line.profit_share_state) == pytest.approx([34.3])
    assert row(out, Line.profit_share_provincial) == pytest.approx([13.72])
    assert row(out, Line.post_tax_ncf) == pytest.approx([34.3])  # 80 - (10 + 34.3 + 1.4)


def test_unlevered_cash_flow_has_the_taxes_of_the_project_without_debt() -> None:
    out = block(1, gross_revenue=[100], opex=[20], pre_tax_ncf=[80], income_tax=[10])
    unlevered_tax = np.array([12.0, 0.0, 0.0]).reshape(3, 1, 1)  # more tax without the interest deduction
    fiscal.post_tax_cash_flow(fiscal_rules(), out, unlevered_tax)
    assert row(out, Line.post_tax_ncf) == pytest.approx([70])  # 80 - 10
    assert row(out, Line.post_tax_ncf_unlevered) == pytest.approx([68])  # 80 - 12
