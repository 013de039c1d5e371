"""Outputs in rupees, nominal money and July-June fiscal years (chagai.cases.currency)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from chagai.cases.currency import (
    Kind,
    MoneyView,
    Presentation,
    fiscal_years,
    pkr_rates,
    present_table,
    to_fiscal_years,
)
from chagai.cases.library import bundled_case
from chagai.errors import InputError

US_INFLATION = 0.023


def view(currency: str = "PKR", nominal: bool = True, fiscal_year: str = "calendar") -> MoneyView:
    return MoneyView(Presentation(currency, nominal, fiscal_year), 2025, US_INFLATION, True)


def test_one_us_dollar_million_in_rupees_by_hand() -> None:
    years = np.array([2024, 2025, 2026, 2027])
    # 2024: 2025 dollars deflated by the CPI-U (313.689 / 321.943) at 2024's average of 278.9 rupees;
    # 2025: the base year, 280.5 rupees; later, by parity: 280.5 x 1.06^n whatever the US inflation
    # (nominal dollars 1.023^n at a rate 280.5 x (1.06 / 1.023)^n).
    expected = [313.689 / 321.943 * 278.9, 280.5, 280.5 * 1.06, 280.5 * 1.06**2]
    np.testing.assert_allclose(view().factors(years), expected, rtol=1e-12)
    # real rupees of 2025: every year at 2025's rate
    np.testing.assert_allclose(view(nominal=False).factors(years), [280.5] * 4, rtol=1e-12)
    # nominal dollars: the CPI-U, then the case's inflation
    np.testing.assert_allclose(view("USD").factors(years), [313.689 / 321.943, 1.0, 1.023, 1.023**2], rtol=1e-12)
    assert view("USD", nominal=False).presentation.is_model_basis


def test_every_bundled_rate_and_assumption_has_its_provenance() -> None:
    rates = pkr_rates()
    assert rates.first_year <= 2019
    assert rates.last_year >= 2025
    assert set(range(rates.first_year, rates.last_year + 1)) == set(rates.rates)
    for key, provenance in rates.provenance.items():
        cited = [s.strip() for s in provenance.replace("; estimate", "").split(",") if s.strip() != "estimate"]
        assert all(c in rates.sources for c in cited), key
        assert provenance, key
    assert 0.05 <= rates.pakistan_inflation <= 0.07  # the government's medium-term target range
    assert all(s.url for s in rates.sources.values())


def test_fiscal_years_split_each_calendar_year_in_halves() -> None:
    years = np.array([2030, 2031, 2032])
    np.testing.assert_array_equal(fiscal_years(years), [2030, 2031, 2032, 2033])
    flows = np.array([100.0, 200.0, 40.0])
    np.testing.assert_allclose(to_fiscal_years(flows, Kind.FLOW), [50.0, 150.0, 120.0, 20.0])
    balances = np.array([0.0, 100.0, 60.0])  # at 31 December; FY N ends on 30 June N
    np.testing.assert_allclose(to_fiscal_years(balances, Kind.STOCK), [0.0, 50.0, 80.0, 60.0])
    ratios = np.array([np.nan, 2.0, 1.0])  # no debt service in 2030
    np.testing.assert_allclose(to_fiscal_years(ratios, Kind.LEVEL), [np.nan, 2.0, 1.5, 1.0])


def test_a_table_converts_each_kind_of_column() -> None:
    years = np.array([2025, 2026])
    columns = {
        "revenue": ("US$m", np.array([1.0, 1.0])),
        "throughput": ("t", np.array([10.0, 20.0])),
        "price_copper": ("US$/t", np.array([9000.0, 9000.0])),
        "dscr": ("ratio", np.array([1.5, 2.5])),
        "debt_balance": ("US$m", np.array([10.0, 0.0])),
    }
    shown, out = present_table(columns, {"debt_balance"}, years, view(fiscal_year="jul"))
    np.testing.assert_array_equal(shown, [2025, 2026, 2027])
    np.testing.assert_allclose(out["revenue [PKRm]"], [140.25, 140.25 + 148.665, 148.665])
    np.testing.assert_allclose(out["throughput [t]"], [5.0, 15.0, 10.0])
    np.testing.assert_allclose(out["price_copper [PKR/t]"], [9000 * 280.5, 9000 * (280.5 + 297.33) / 2, 9000 * 297.33])
    np.testing.assert_allclose(out["dscr [ratio]"], [1.5, 2.0, 2.5])
    np.testing.assert_allclose(out["debt_balance [PKRm]"], [2805.0, 1402.5, 0.0])


def test_present_values_convert_at_the_valuation_years_rate_and_ignore_nominal() -> None:
    assert view().present_value(1.0, 2025) == pytest.approx(280.5)
    # rupees of 2026: a 2025 dollar is 1.023 dollars of 2026, at 2026's rate of 280.5 x 1.06 / 1.023
    assert view(nominal=False).present_value(1.0, 2026) == pytest.approx(280.5 * 1.06)
    assert view(nominal=True).present_value(1.0, 2026) == view(nominal=False).present_value(1.0, 2026)
    assert view("USD").present_value(7.0, 2030) == 7.0


def test_the_basis_names_the_rate_its_source_and_the_rules() -> None:
    text = view(fiscal_year="jul").basis(2026)
    for part in ("280.5", "arynews-2025-09-24", "6.0%", "brecorder-2021-11-sbp-target", "purchasing-power parity"):
        assert part in text
    assert "FY N = 1 July N-1 to 30 June N" in text
    assert "NPVs are present values at 2026" in text
    real = view(nominal=False).basis()
    assert "real 2025 rupees" in real
    assert "280.5" in real


def test_a_case_without_inflation_uses_the_bundled_figure_and_says_so() -> None:
    saindak = bundled_case("saindak")
    assert saindak.money.inflation is None
    shown = MoneyView.of(saindak, Presentation.of("usd", True))
    assert shown.us_inflation == pkr_rates().us_inflation
    assert "bundled estimate" in shown.basis()


def test_bad_values_are_refused_naming_field_value_and_choices() -> None:
    with pytest.raises(InputError) as caught:
        Presentation.of("EUR", False, "april")
    text = str(caught.value)
    for part in ("currency", "EUR", "USD, PKR", "fiscal_year", "april", "jul"):
        assert part in text
    with pytest.raises(InputError, match="first average rupee rate"):
        pkr_rates().rate(1990, US_INFLATION)
    with pytest.raises(InputError, match="us-cpi-u index covers"):
        view().factors(np.array([1990]))


flows = arrays(np.float64, st.integers(1, 30), elements=st.floats(-1e4, 1e4, allow_nan=False))


@given(flows, st.sampled_from(["USD", "PKR"]), st.booleans(), st.sampled_from(["calendar", "jul"]))
def test_conversion_is_linear(values: np.ndarray, currency: str, nominal: bool, fiscal: str) -> None:
    years = np.arange(2020, 2020 + len(values))
    chosen = view(currency, nominal, fiscal)

    def money(x: np.ndarray) -> np.ndarray:
        return present_table({"x": ("US$m", x)}, set(), years, chosen)[1][f"x [{chosen.unit('US$m')}]"]

    np.testing.assert_allclose(money(2.5 * values - values[::-1]), 2.5 * money(values) - money(values[::-1]), atol=1e-6)


@given(flows)
def test_fiscal_years_conserve_flow_totals_and_order(values: np.ndarray) -> None:
    fy = to_fiscal_years(values, Kind.FLOW)
    assert len(fy) == len(values) + 1
    assert fy.sum() == pytest.approx(values.sum(), abs=1e-6)
    bigger = to_fiscal_years(values + np.abs(values) + 1.0, Kind.FLOW)
    assert np.all(bigger >= fy)


@given(flows)
def test_levels_and_stocks_stay_within_their_calendar_range(values: np.ndarray) -> None:
    for kind in (Kind.LEVEL, Kind.STOCK):
        fy = to_fiscal_years(values, kind)
        assert np.all(fy >= values.min() - 1e-9)
        assert np.all(fy <= values.max() + 1e-9)


@given(flows, flows.map(np.abs), st.booleans(), st.sampled_from(["calendar", "jul"]))
def test_more_dollars_never_give_fewer_rupees(values: np.ndarray, more: np.ndarray, nominal: bool, fiscal: str) -> None:
    years = np.arange(2024, 2024 + len(values))
    extra = np.resize(more, len(values))
    chosen = view("PKR", nominal, fiscal)

    def rupees(x: np.ndarray) -> np.ndarray:
        return present_table({"x": ("US$m", x)}, set(), years, chosen)[1]["x [PKRm]"]

    assert np.all(rupees(values + extra) >= rupees(values) - 1e-6)
