"""Money bases and named fiscal terms: price decks in other years' dollars, nominal loan rates, ``regime=NAME``.

Hand numbers: US CPI-U annual averages 313.689 (2024) and 321.943 (2025), so 2024 dollars are 2025 dollars times
321.943 / 313.689 = 1.026312...; a nominal rate of 12.2% at 2% expected inflation is a real rate of exactly 10%
(1.122 / 1.02 = 1.1).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from chagai.cases.compile import Scenario, compile_case
from chagai.cases.io import load_case_text
from chagai.cases.money import dollars_factor, real_rate, us_cpi
from chagai.errors import InputError
from chagai.services.appraise import appraise
from tests.core.test_hand_case import CASE, LOAN, YEARS

CPI_2024, CPI_2025 = 313.689, 321.943


def _row(result, name: str) -> np.ndarray:  # type: ignore[no-untyped-def]
    years = list(result.years)
    return np.array([result.line(name)[years.index(y)] for y in YEARS])


# --- the price index ------------------------------------------------------------------------------------


def test_bundled_cpi_is_the_bls_series_with_its_source() -> None:
    cpi = us_cpi()
    assert cpi.series == "CUUR0000SA0"
    assert cpi.source.publisher == "U.S. Bureau of Labor Statistics"
    assert cpi.source.url
    assert cpi.source.confidence == "H"
    assert (cpi.annual[2024], cpi.annual[2025]) == (CPI_2024, CPI_2025)
    assert sorted(cpi.annual) == list(range(cpi.first_year, cpi.last_year + 1))


def test_dollars_of_one_year_in_another() -> None:
    assert dollars_factor(2024, 2025) == pytest.approx(CPI_2025 / CPI_2024, rel=1e-15)
    assert dollars_factor(2025, 2024) == pytest.approx(CPI_2024 / CPI_2025, rel=1e-15)
    assert dollars_factor(2019, 2019) == 1.0
    # past the index: extended at the expected inflation
    assert dollars_factor(2025, 2027, inflation=0.02) == pytest.approx(1.02**2, rel=1e-15)
    assert dollars_factor(2027, 2024, inflation=0.02) == pytest.approx(CPI_2024 / (CPI_2025 * 1.0404), rel=1e-15)
    with pytest.raises(InputError, match=r"money\.inflation"):
        dollars_factor(2025, 2027)
    with pytest.raises(InputError, match="from 2000 on"):
        dollars_factor(1990, 2025)


def test_real_rate_is_the_exact_fisher_relation() -> None:
    assert real_rate(0.122, 0.02) == pytest.approx(0.10, abs=1e-15)
    assert real_rate(0.08, 0.023) == pytest.approx(1.08 / 1.023 - 1, abs=1e-15)
    assert real_rate(0.05, 0.0) == pytest.approx(0.05, abs=1e-15)
    with pytest.raises(ValueError, match="inflation above -100%"):
        real_rate(0.05, -1.0)


# --- price decks ----------------------------------------------------------------------------------------


def test_a_deck_in_2024_dollars_is_converted_to_the_base_year() -> None:
    """The hand mine's copper at 10,000 US$/t in 2024 dollars is 10,263.1 US$/t in 2025 dollars: revenue 205.26."""
    case = load_case_text(CASE.replace("year: 2025}]", "money_year: 2024}]"))
    compiled = compile_case(case)
    factor = CPI_2025 / CPI_2024
    assert compiled.prices[0, 0] * compiled.price_display_factor[0] == pytest.approx(10_000 * factor, rel=1e-12)
    assert any("real 2024 dollars x 1.0263 = real 2025 dollars" in n for n in compiled.notes)
    result = appraise(case, Scenario(), solve=False)
    np.testing.assert_allclose(_row(result, "gross_revenue")[1:6], [200 * factor] * 5, rtol=1e-12)
    # a nominal 2024 figure (an average of 2024 quotes) is the same 2024 dollars
    nominal = load_case_text(CASE.replace("year: 2025}]", "money_year: 2024, basis: nominal}]"))
    assert compile_case(nominal).prices[0, 0] == compiled.prices[0, 0]
    # in the base year's own dollars nothing changes and nothing is said
    same = compile_case(load_case_text(CASE))
    assert same.prices[0, 0] == 10_000
    assert not any("price deck" in n for n in same.notes)


def test_a_deck_past_the_index_needs_the_expected_inflation() -> None:
    future = CASE.replace("year: 2025}]", "money_year: 2027}]")
    with pytest.raises(InputError, match=r"prices\[0\].money_year"):
        load_case_text(future)
    case = load_case_text(
        future.replace(
            "money: {base_year: 2025}", "money: {base_year: 2025, inflation: {value: 2, unit: '%/yr', estimate: test}}"
        )
    )
    compiled = compile_case(case)
    assert compiled.prices[0, 0] == pytest.approx(10_000 / 1.02**2, rel=1e-12)
    assert any("extended past its last year" in n for n in compiled.notes)


def test_the_reko_diq_feasibility_deck_is_in_2025_dollars() -> None:
    from chagai.cases.library import bundled_case

    compiled = compile_case(bundled_case("reko-diq"), Scenario(deck="fs-2024"))
    shown = compiled.prices[:, 0] * np.array(compiled.price_display_factor)
    # 4.03 US$/lb and 2,045 US$/oz of 2024 are 4.1360 US$/lb and 2,098.81 US$/oz of 2025
    np.testing.assert_allclose(shown, [4.13604, 2098.809], rtol=2e-6)
    assert compiled.price_units == ["US$/lb", "US$/oz"]


# --- loan rates -----------------------------------------------------------------------------------------

INFLATION_2 = "money: {base_year: 2025, inflation: {value: 2, unit: '%/yr', estimate: test}}"


def test_a_nominal_loan_rate_is_converted_to_a_real_one() -> None:
    """12.2% nominal at 2% inflation is 10% real: the hand case's real-10% loan, line for line."""
    real = appraise(load_case_text(CASE + LOAN), Scenario(), solve=False)
    nominal_loan = LOAN.replace('value: 10, unit: "%"', 'value: 12.2, unit: "%"').replace(" rate_basis: real,", "")
    nominal = appraise(
        load_case_text(CASE.replace("money: {base_year: 2025}", INFLATION_2) + nominal_loan), Scenario(), solve=False
    )
    for line in ("interest_paid", "principal", "debt_service", "dscr", "equity_cash_flow"):
        np.testing.assert_allclose(_row(nominal, line), _row(real, line), rtol=1e-12, atol=1e-12)
    assert _row(real, "interest_paid")[1] == pytest.approx(5.0)  # 10% of the 50 drawn
    assert nominal.compiled.loan_rates == {"loan": pytest.approx(0.10, abs=1e-15)}
    assert nominal.lenders is not None
    assert real.lenders is not None
    assert nominal.lenders.debt_rate == pytest.approx(0.10, abs=1e-15)
    assert nominal.lenders.facilities[0].quoted_rate == pytest.approx(0.122)
    assert nominal.lenders.facilities[0].rate == pytest.approx(0.10)
    basis = nominal.lenders.rate_basis
    assert "quoted nominal" in basis
    assert "2.00%/yr" in basis
    assert "12.20% -> 10.00%" in basis
    assert real.lenders.rate_basis == "loan rates are given as real rates"
    assert nominal.result().model_dump()["lenders"]["rate_basis"] == basis


def test_a_nominal_loan_without_expected_inflation_is_refused() -> None:
    case = load_case_text(CASE + LOAN.replace(" rate_basis: real,", ""))
    with pytest.raises(InputError) as info:
        compile_case(case)
    (issue,) = info.value.issues
    assert issue.path == "financing[0].rate_basis"
    assert "money.inflation" in issue.expected
    assert "rate_basis: real" in issue.fix


# --- named fiscal terms ---------------------------------------------------------------------------------

ALTERNATIVE = """
fiscal:
  regime: pakistan-minerals-2013
  overrides:
    super_tax_rate: {value: 0, unit: fraction, estimate: test}
    minimum_tax_rate: {value: 0, unit: fraction, estimate: test}
  overrides_estimate: test
  alternatives:
    no-tax:
      description: the same royalty, no income tax
      regime: pakistan-minerals-2013
      overrides:
        income_tax_rate: {value: 0, unit: fraction, estimate: test}
        super_tax_rate: {value: 0, unit: fraction, estimate: test}
        minimum_tax_rate: {value: 0, unit: fraction, estimate: test}
      overrides_estimate: test
"""


def _with_alternative() -> str:
    start = CASE.index("fiscal:")
    end = CASE.index("prices:")
    return CASE[:start] + ALTERNATIVE.lstrip() + CASE[end:]


def test_a_scenario_chooses_named_fiscal_terms() -> None:
    case = load_case_text(_with_alternative())
    base = appraise(case, Scenario(), solve=False)
    untaxed = appraise(case, Scenario(regime="no-tax"), solve=False)
    # the hand case: income tax 29% of the taxable income; none under the alternative; royalties alike
    assert _row(base, "income_tax").sum() > 0
    assert _row(untaxed, "income_tax").sum() == 0
    np.testing.assert_allclose(_row(untaxed, "royalties_provincial"), _row(base, "royalties_provincial"))
    gain = _row(untaxed, "post_tax_ncf") - _row(base, "post_tax_ncf")
    np.testing.assert_allclose(gain, _row(base, "income_tax"), rtol=1e-12, atol=1e-12)
    assert untaxed.result().scenario.regime == "no-tax"
    assert any(n.startswith("fiscal terms 'no-tax'") for n in untaxed.compiled.notes)


def test_an_unknown_fiscal_name_lists_the_valid_ones() -> None:
    case = load_case_text(_with_alternative())
    with pytest.raises(InputError) as info:
        compile_case(case, Scenario(regime="statutory"))
    (issue,) = info.value.issues
    assert issue.path == "--scenario regime"
    assert issue.value == "statutory"
    assert "base, no-tax" in issue.expected
    with pytest.raises(InputError, match="base"):
        compile_case(load_case_text(CASE), Scenario(regime="no-tax"))


def test_scenario_text_and_compiled_part_carry_the_fiscal_name() -> None:
    assert Scenario.parse("delay=1,regime=statutory") == Scenario(delay=1, regime="statutory")
    assert Scenario.parse("").regime == "base"
    assert Scenario(regime="no-tax", delay=2).compiled_part() == Scenario(regime="no-tax")
    compiled = compile_case(load_case_text(_with_alternative()))
    with pytest.raises(ValueError, match="fiscal terms"):
        compiled.under(dataclasses.replace(compiled.scenario, regime="no-tax"))


def test_reko_diq_under_its_reported_terms_and_the_statutory_regime() -> None:
    """The FIPPA 2022 terms as reported (20% income tax, no super tax, no withholding) against the general law."""
    from chagai.cases.library import bundled_case

    case = bundled_case("reko-diq")
    assert case.fiscal is not None
    assert case.fiscal.names == ["base", "statutory"]
    reported = appraise(case, Scenario(), solve=False)
    statutory = appraise(case, Scenario(regime="statutory"), solve=False)
    terms, law = reported.compiled.terms, statutory.compiled.terms
    assert terms is not None
    assert law is not None
    assert (terms.income_tax_rate.canonical(), law.income_tax_rate.canonical()) == (0.20, 0.29)  # type: ignore[union-attr]
    assert terms.income_tax_holiday is not None
    assert law.income_tax_holiday is None
    # the same royalties, before tax the same project
    for line in ("gross_revenue", "royalties_provincial", "royalties_federal", "advance_royalty", "pre_tax_ncf"):
        np.testing.assert_allclose(statutory.line(line), reported.line(line), rtol=1e-12, atol=1e-9)
    # the general law takes more: income tax at 29/20 of the reported rate on the same base, plus super tax and
    # withholding; the owners' after-tax value falls and the governments' take rises
    taxed = reported.line("income_tax") > 0  # after the 15-year holiday
    np.testing.assert_allclose(
        statutory.line("income_tax")[taxed], reported.line("income_tax")[taxed] * 29 / 20, rtol=1e-9
    )
    assert statutory.line("super_tax").sum() > 0 == reported.line("super_tax").sum()
    assert reported.line("dividend_withholding").sum() == 0
    assert reported.line("interest_withholding").sum() == 0
    assert statutory.line("dividend_withholding").sum() > 0
    assert statutory.line("interest_withholding").sum() > 0
    figure = {r: {f.key: f.value for f in a.figures} for r, a in (("fippa", reported), ("law", statutory))}
    assert figure["law"]["npv_post_tax"] < figure["fippa"]["npv_post_tax"]
    assert figure["law"]["government_take"] > figure["fippa"]["government_take"]
    assert figure["law"]["aetr"] > figure["fippa"]["aetr"]
    assert figure["law"]["government_federal_total"] > figure["fippa"]["government_federal_total"]
    # the holiday: no income tax in the first 15 years of production, taxed after; none under the general law
    assert any("holiday of 15 years" in n for n in reported.compiled.notes)
    assert not any("holiday" in n for n in statutory.compiled.notes)
    first = int(np.flatnonzero(reported.line("throughput") > 0)[0])
    assert not np.any(reported.line("income_tax")[first : first + 15] > 0)
    after = reported.line("income_tax")[first + 15 :]
    assert np.any(after > 0)
    assert statutory.line("income_tax")[first : first + 15].sum() > 0
