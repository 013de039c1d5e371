"""A five-year mine small enough to check with a pocket calculator; every expected number is worked out here.

Ore 2 Mt/yr for 5 years (2027-2031) at 1% copper, full recovery and payability, copper at 10,000 US$/t:
20,000 t a year, revenue 200 US$m a year. Opex 20 US$/t milled = 40 US$m a year. Capital 100 US$m in 2026,
closure 10 US$m in 2032. General Pakistani mineral terms with super tax and minimum tax switched off: royalty 5%
of gross sales to the province, corporate income tax 29%, straight-line depreciation at 25% from the first year
of production, dividend withholding 15%, interest withholding 20%. Owners: a company 60% (paid), the province
40% (paid).
"""

from __future__ import annotations

import numpy as np
import pytest

from chagai.cases.compile import Scenario
from chagai.cases.io import load_case_text
from chagai.services import appraise

CASE = """
id: hand-mine
name: Hand Mine
kind: mine
commodities: [copper]
as_of: 2026-01-01
location: {lat: 29, lon: 62, precision: approximate, country: Pakistan, region: Balochistan, estimate: test}
money: {base_year: 2025}
statuses: [{status: construction, start: 2025-01-01, estimate: test}]
parties:
  - {id: company, name: Company, kind: company}
  - {id: province, name: Province, kind: government, government_level: provincial}
  - {id: bank, name: Bank, kind: lender}
roles: [{party: company, role: operator, estimate: test}]
stakes:
  - {party: company, share: {exact: 0.6}, kind: paid, start: 2025-01-01, estimate: test}
  - {party: province, share: {exact: 0.4}, kind: paid, start: 2025-01-01, estimate: test}
production:
  type: mine
  product: ore
  ore_reserve: {value: 10, unit: Mt, estimate: test}
  grades: {copper: {value: 1, unit: "%", estimate: test}}
  recoveries: {copper: {value: 1, unit: fraction, estimate: test}}
  phases:
    - {id: main, name: Main, throughput: {value: 2, unit: Mt/yr, estimate: test}, start_year: 2027,
       start_year_estimate: test}
costs:
  opex_per_tonne_milled: {value: 20, unit: US$/t, estimate: test}
  closure: {value: 10, unit: US$m, estimate: test}
  capex: [{phase: main, amount: {value: 100, unit: US$m, estimate: test},
           profile: {start_year: 2026, shares: [1.0], estimate: test}}]
fiscal:
  regime: pakistan-minerals-2013
  overrides:
    super_tax_rate: {value: 0, unit: fraction, estimate: test}
    minimum_tax_rate: {value: 0, unit: fraction, estimate: test}
  overrides_estimate: test
prices: [{commodity: copper, price: {value: 10000, unit: US$/t, estimate: test}, year: 2025}]
sources: [{id: none, title: Hand calculation, publisher: chagai tests}]
"""

LOAN = """
financing:
  - {id: loan, lender: bank, kind: commercial, amount: {value: 50, unit: US$m, estimate: test},
     rate: {value: 10, unit: "%", estimate: test}, grace: {value: 1, unit: yr, estimate: test},
     tenor: {value: 2, unit: yr, estimate: test}, repayment: annuity, estimate: test}
"""

YEARS = list(range(2026, 2033))


def _row(result, name: str) -> np.ndarray:  # type: ignore[no-untyped-def]
    years = list(result.years)
    return np.array([result.line(name)[years.index(y)] for y in YEARS])


def test_unlevered_hand_case() -> None:
    result = appraise(load_case_text(CASE), Scenario(discount_rate=0.10), solve=False)
    assert result.years[0] == 2026
    np.testing.assert_allclose(_row(result, "gross_revenue"), [0, 200, 200, 200, 200, 200, 0])
    np.testing.assert_allclose(_row(result, "opex"), [0, 40, 40, 40, 40, 40, 0])
    np.testing.assert_allclose(_row(result, "royalties_provincial"), [0, 10, 10, 10, 10, 10, 0])
    np.testing.assert_allclose(_row(result, "depreciation"), [0, 25, 25, 25, 25, 0, 0])
    # taxable: 200 - 10 - 40 - 25 = 125 (2027-30), 150 in 2031, -10 (closure) in 2032
    np.testing.assert_allclose(_row(result, "taxable_income"), [0, 125, 125, 125, 125, 150, -10])
    np.testing.assert_allclose(_row(result, "income_tax"), [0, 36.25, 36.25, 36.25, 36.25, 43.5, 0])
    np.testing.assert_allclose(_row(result, "pre_tax_ncf"), [-100, 160, 160, 160, 160, 160, -10])
    post = np.array([-100, 113.75, 113.75, 113.75, 113.75, 106.5, -10])
    np.testing.assert_allclose(_row(result, "post_tax_ncf"), post)
    np.testing.assert_allclose(_row(result, "equity_cash_flow"), post)
    # dividends: company 60% less 15% withholding; the province 40%, no withholding
    withholding = np.where(post > 0, 0.6 * post * 0.15, 0.0)
    np.testing.assert_allclose(_row(result, "dividend_withholding"), withholding)
    provincial = np.array([0, 10, 10, 10, 10, 10, 0]) + 0.4 * post
    np.testing.assert_allclose(_row(result, "government_provincial"), provincial)
    federal = np.array([0, 36.25, 36.25, 36.25, 36.25, 43.5, 0]) + withholding
    np.testing.assert_allclose(_row(result, "government_federal"), federal)
    pre = np.array([-100, 160, 160, 160, 160, 160, -10])
    take = (federal.sum() + provincial.sum()) / pre.sum()
    assert result.figure("government_take").value == pytest.approx(take)
    discount = 1.1 ** -np.arange(7)
    assert result.figure("npv_pre_tax").value == pytest.approx((pre * discount).sum())
    assert result.figure("aetr").value == pytest.approx(
        ((federal + provincial) * discount).sum() / (pre * discount).sum()
    )
    assert result.figure("local_share").value == pytest.approx(provincial.sum() / pre.sum())
    company = next(s for s in result.stakeholders if s.party == "company")
    company_flows = np.where(post > 0, 0.6 * post * 0.85, 0.6 * post)
    assert company.npv == pytest.approx((company_flows * discount).sum())
    # effective royalty rate: lowest (royalty + tax + withholding) / revenue in a production year
    fiscal = np.array([10 + 36.25 + 0.09 * 113.75] * 4 + [10 + 43.5 + 0.09 * 106.5])
    assert result.figure("effective_royalty_rate").value == pytest.approx((fiscal / 200).min())


def test_loan_hand_case() -> None:
    result = appraise(load_case_text(CASE + LOAN), Scenario(discount_rate=0.10), solve=False)
    # debt funds 50% of the 2026 capital; no interest in 2026 (opening balance 0)
    np.testing.assert_allclose(_row(result, "debt_drawdown"), [50, 0, 0, 0, 0, 0, 0])
    payment = 50 * 0.1 / (1 - 1.1**-2)  # 28.8095
    interest = np.array([0, 5.0, 0.1 * (50 - (payment - 5.0)), 0, 0, 0, 0])
    principal = np.array([0, payment - 5.0, 50 - (payment - 5.0), 0, 0, 0, 0])
    np.testing.assert_allclose(_row(result, "interest_paid"), interest, atol=1e-9)
    np.testing.assert_allclose(_row(result, "principal"), principal, atol=1e-9)
    np.testing.assert_allclose(_row(result, "debt_service")[1:3], [payment, payment])
    tax = 0.29 * (np.array([0, 125, 125, 125, 125, 150, 0]) - interest)
    np.testing.assert_allclose(_row(result, "income_tax"), tax)
    cfads = np.array([0, 200 - 40 - 10, 150, 150, 150, 150, 0]) - tax
    np.testing.assert_allclose(_row(result, "cfads")[1:6], cfads[1:6])
    dscr = cfads[1:3] / payment
    assert result.lenders is not None
    assert result.lenders.min_dscr == pytest.approx(dscr.min())
    assert result.lenders.min_dscr_year == 2027 + int(np.argmin(dscr))
    assert result.lenders.default_year is None
    np.testing.assert_allclose(_row(result, "interest_withholding"), 0.2 * interest)
    lenders = np.array([-50, 0, 0, 0, 0, 0, 0]) + 0.8 * interest + principal
    np.testing.assert_allclose(_row(result, "lenders_net"), lenders, atol=1e-9)
    # LLCR at first repayment: PV at 10% of CFADS 2027-2028 (to final maturity) / balance 50
    llcr = (cfads[1] / 1.1 + cfads[2] / 1.1**2) / 50
    assert result.lenders.llcr == pytest.approx(llcr)


def test_free_carried_and_funded_stakes(pocket_text: str) -> None:
    """The province's 15% free carry pays nothing; its 25% funded stake is paid by the federation."""
    result = appraise(load_case_text(pocket_text), Scenario(), solve=False)
    flows = {p.id: result.party_net[i] for i, p in enumerate(result.compiled.parties)}
    negative = result.line("equity_cash_flow") < 0
    assert np.all(flows["province"][negative] >= -1e-12)  # never contributes
    assert np.all(flows["federation"][negative] < 0)  # pays the funded stake's share
