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
from chagai.core.lines import Line
from chagai.services.appraise import appraise

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
     rate: {value: 10, unit: "%", estimate: test}, rate_basis: real, grace: {value: 1, unit: yr, estimate: test},
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


def _hand(overrides: dict, extra: str = "", scenario: Scenario | None = None):  # type: ignore[no-untyped-def]
    from chagai.cases.overrides import apply_overrides

    case = apply_overrides(load_case_text(CASE + extra), overrides)
    return appraise(case, scenario or Scenario(discount_rate=0.10), solve=False)


EST = {"estimate": "test"}


def test_declining_balance_and_units_of_production() -> None:
    db = _hand(
        {
            "fiscal.overrides.depreciation": {
                "method": "declining-balance",
                "rate": {"value": 0.4, "unit": "fraction", **EST},
                **EST,
            }
        }
    )
    pool, expected = 100.0, []
    for _ in range(5):
        expected.append(0.4 * pool)
        pool -= expected[-1]
    np.testing.assert_allclose(_row(db, "depreciation")[1:6], expected)
    uop = _hand({"fiscal.overrides.depreciation": {"method": "units-of-production", **EST}})
    # 2 Mt a year out of 10 Mt: 1/5, 1/4, 1/3, 1/2, 1 of what is left
    np.testing.assert_allclose(_row(uop, "depreciation")[1:6], [20, 20, 20, 20, 20])


def test_minimum_tax_and_super_tax() -> None:
    result = _hand(
        {
            "fiscal.overrides.super_tax_rate": {"value": 0.10, "unit": "fraction", **EST},
            "fiscal.overrides.minimum_tax_rate": {"value": 0.0125, "unit": "fraction", **EST},
            "costs.opex_per_tonne_milled.value": 95,  # opex 190: taxable 200 - 10 - 190 - 25 = -25 (2027-30)
        }
    )
    np.testing.assert_allclose(_row(result, "taxable_income")[1:5], [-25] * 4)
    # losses: no income tax, but the minimum tax on turnover (1.25% of 200 = 2.5); no super tax
    np.testing.assert_allclose(_row(result, "income_tax")[1:5], [2.5] * 4)
    np.testing.assert_allclose(_row(result, "super_tax")[1:5], [0] * 4)
    # 2031: taxable 0 (no depreciation left) -> minimum tax again
    assert _row(result, "taxable_income")[5] == pytest.approx(0.0)


def test_loss_carry_forward_limit() -> None:
    # opex 120: taxable 2027-30 = 200 - 10 - 120 - 25 = 45; a loss in 2026 only if costs hit before revenue
    unlimited = _hand({"costs.fixed_opex": {"value": 0, "unit": "US$m/yr", **EST}})
    assert _row(unlimited, "losses_used").sum() == pytest.approx(0.0)
    # capital spent in 2027 while producing is depreciated at once at 100%: a 300 loss in 2027 used later
    big = _hand(
        {
            "fiscal.overrides.depreciation": {
                "method": "straight-line",
                "rate": {"value": 1, "unit": "fraction", **EST},
                **EST,
            },
            "costs.capex[0].profile": {"start_year": 2027, "shares": [1.0], **EST},
            "costs.capex[0].amount.value": 400,
        }
    )
    # 2027: 200 - 10 - 40 - 400 = -250; 2028-31: 150 each; the loss is used 150 + 100
    np.testing.assert_allclose(_row(big, "taxable_income")[1:6], [-250, 150, 150, 150, 150])
    np.testing.assert_allclose(_row(big, "losses_used")[1:6], [0, 150, 100, 0, 0])
    limited = _hand(
        {
            "fiscal.overrides.depreciation": {
                "method": "straight-line",
                "rate": {"value": 1, "unit": "fraction", **EST},
                **EST,
            },
            "fiscal.overrides.loss_carry_forward_years": 1,
            "costs.capex[0].profile": {"start_year": 2027, "shares": [1.0], **EST},
            "costs.capex[0].amount.value": 400,
        }
    )
    np.testing.assert_allclose(_row(limited, "losses_used")[1:6], [0, 150, 0, 0, 0])  # 100 expires


def test_norwegian_cash_flow_tax_identity() -> None:
    """Golden case (neqsim): full expensing at 78% -> tax = 0.78 * (R - opex - capex) = 390 for 1000/200/300."""
    # the known-answer case's figures (neqsim's Norwegian cash-flow tax example: revenue 1000, opex 200, capex 300,
    # 78% with full expensing, tax 390), held here so the test runs without the third-party data folder
    golden = {"revenue": 1000.0, "opex": 200.0, "capex": 300.0, "total_tax": 390.0}
    result = _hand(
        {
            "production.ore_reserve.value": 2,  # one year of production, 2027
            "prices.copper": golden["revenue"] / 20_000 * 1e6,  # 20,000 t -> revenue 1000
            "costs.opex_per_tonne_milled.value": golden["opex"] / 2,  # 2 Mt -> opex 200
            "costs.capex[0].amount.value": golden["capex"],
            "costs.closure.value": 0,
            "fiscal.overrides.income_tax_rate": {"value": 0.78, "unit": "fraction", **EST},
            "fiscal.overrides.depreciation": {
                "method": "straight-line",
                "rate": {"value": 1, "unit": "fraction", **EST},
                **EST,
            },
            "fiscal.overrides.royalties": [],
        }
    )
    assert _row(result, "income_tax").sum() == pytest.approx(golden["total_tax"])


def test_profit_share_with_presumptive_tax() -> None:
    """Saindak 2022 terms: 6.5% royalty, 1% presumptive tax, 0.5% EPZ, rent 0.7, 53% of the surplus to the state
    after a 6.5% social uplift, 60% of the state's share passed to the province."""
    result = _hand(
        {
            "fiscal.regime": "saindak-2022",
            "fiscal.overrides": {},
            "roles[+]": {"party": "company", "role": "lessee", **EST},
        }
    )
    gross = 200.0
    levies = gross * (0.065 + 0.01 + 0.005) + 0.7
    surplus = gross - 40 - levies
    social = 0.065 * surplus
    state = 0.53 * (surplus - social)
    assert _row(result, "presumptive_tax")[1] == pytest.approx(2.0)
    assert _row(result, "income_tax")[1] == pytest.approx(0.0)
    assert _row(result, "profit_share_state")[1] == pytest.approx(state)
    assert _row(result, "profit_share_provincial")[1] == pytest.approx(0.6 * state)
    assert _row(result, "social_uplift")[1] == pytest.approx(social)
    # the lessee keeps the rest: the company holds the residual, the stakes' owners get the profit share
    company = next(s for s in result.stakeholders if s.party == "company")
    assert company.received == pytest.approx(5 * (surplus - social - state))  # no dividend withholding in these terms


def test_sculpted_loan_follows_cfads() -> None:
    sculpted = LOAN.replace("repayment: annuity", "repayment: sculpted, target_dscr: 1.5").replace(
        "tenor: {value: 2", "tenor: {value: 4"
    )
    small = appraise(load_case_text(CASE + sculpted), Scenario(), solve=False)
    dscr = _row(small, "dscr")
    paying = _row(small, "debt_service") > 1e-9
    assert paying.sum() == 4
    # a small loan: debt service follows CFADS, so the DSCR is (nearly) the same every repayment year
    assert np.ptp(dscr[paying]) / dscr[paying].mean() < 0.02
    # a loan larger than CFADS / target can carry is cut to that capacity: DSCR at the target, never below
    big = sculpted.replace("amount: {value: 50", "amount: {value: 400")
    from chagai.cases.overrides import apply_overrides

    case = apply_overrides(load_case_text(CASE + big), {"costs.capex[0].amount.value": 400})
    result = appraise(case, Scenario(), solve=False)
    drawn = _row(result, "debt_drawdown").sum()
    assert 100 < drawn < 400
    dscr = _row(result, "dscr")[_row(result, "debt_service") > 1e-9]
    assert dscr.min() >= 1.5 - 1e-6
    assert dscr.max() < 1.5 * 1.15  # the interest tax shield lifts CFADS a little above the sizing base
    assert result.line("debt_balance")[-1] == pytest.approx(0.0, abs=1e-9)
    assert result.lenders is not None
    assert result.lenders.default_year is None


def test_equal_principal_and_gearing_cap() -> None:
    loan = LOAN.replace("repayment: annuity", "repayment: equal-principal").replace(
        "tenor: {value: 2", "tenor: {value: 4"
    )
    result = appraise(load_case_text(CASE + loan), Scenario(), solve=False)
    np.testing.assert_allclose(_row(result, "principal")[1:5], [12.5] * 4)
    np.testing.assert_allclose(_row(result, "interest_paid")[1:5], [5.0, 3.75, 2.5, 1.25])
    capped = loan.replace(
        "repayment: equal-principal",
        "repayment: equal-principal, max_gearing: {value: 0.3, unit: fraction, estimate: test}",
    )
    result = appraise(load_case_text(CASE + capped), Scenario(), solve=False)
    assert _row(result, "debt_drawdown").sum() == pytest.approx(30.0)  # 30% of the 100 of capital


def test_advance_royalties_are_paid_then_credited() -> None:
    """Reko Diq 2022 terms: advance royalties 5, 7.5, 10 a year from 2023 to production, credited afterwards."""
    result = _hand(
        {
            "fiscal.regime": "reko-diq-2022",
            "fiscal.overrides": {},
            "production.phases[0].start_year": 2029,
            "costs.capex[0].profile": {"start_year": 2028, "shares": [1.0], **EST},
        }
    )
    years = list(result.years)
    advance = dict(zip(years, result.line("advance_royalty"), strict=True))
    # 2023-25 paid 5 + 7.5 + 10 = 22.5 before the valuation year; then 10 a year until production, up to the cap
    # of 50 in all: 10, 10 and the last 7.5 in 2028; nothing once production starts in 2029
    assert [advance[y] for y in (2026, 2027, 2028, 2029)] == [10, 10, 7.5, 0]
    # all 50 are credited against the provincial royalty (5% of NSR = 10 a year) over 2029-2033
    assert result.line("advance_royalty_credit").sum() == pytest.approx(50.0)
    royalties = [result.line("royalties_provincial")[years.index(y)] for y in range(2029, 2034)]
    np.testing.assert_allclose(royalties, [0, 0, 0, 0, 0], atol=1e-12)


def _loans(repayment: str, *loans: tuple[str, float, float]) -> str:
    """A financing section of loans (id, amount in US$m, rate in %) with the terms of :data:`LOAN` otherwise."""
    return "financing:\n" + "".join(
        f"  - {{id: {id_}, lender: bank, kind: commercial, amount: {{value: {amount}, unit: US$m, estimate: test}},\n"
        f'     rate: {{value: {rate}, unit: "%", estimate: test}}, rate_basis: real,\n'
        f"     grace: {{value: 1, unit: yr, estimate: test}},\n"
        f"     tenor: {{value: 2, unit: yr, estimate: test}}, repayment: {repayment}, estimate: test}}\n"
        for id_, amount, rate in loans
    )


@pytest.mark.parametrize("repayment", ["annuity", "equal-principal", "sculpted, target_dscr: 1.5"])
def test_loans_on_the_same_terms_move_as_one(repayment: str) -> None:
    from chagai.cases.compile import compile_case
    from chagai.core.model import run_with as run

    parts = compile_case(load_case_text(CASE + _loans(repayment, ("loan-a", 30, 10), ("loan-b", 20, 10))))
    assert parts.params.loans.amount.tolist() == [50.0]  # compiled as one loan
    other = load_case_text(CASE + _loans(repayment, ("loan-a", 30, 10), ("loan-b", 20, 12)))
    assert compile_case(other).params.loans.amount.tolist() == [30.0, 20.0]
    # the kernel given the two loans apart computes what it computes for the one
    p = parts.params
    loans = p.loans._replace(**{name: np.repeat(getattr(p.loans, name), 2) for name in p.loans._fields[:-1]})
    apart = p._replace(loans=loans._replace(amount=np.array([30.0, 20.0])))
    n = len(parts.years)
    one, one_parties = run(p, parts.prices, np.ones(n), 1.0, 0)
    two, two_parties = run(apart, parts.prices, np.ones(n), 1.0, 0)
    assert one[Line.principal].sum() > 40  # the loan is drawn and repaid
    np.testing.assert_allclose(two, one, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(two_parties, one_parties, rtol=1e-12, atol=1e-12)
