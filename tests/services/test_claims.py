"""Claims checked against the model: each rule (year, history, run rate, product, bound, tolerance, includes), the
schema's errors, the Reko Diq claims of the EXIM announcement, and the nameplate years (hypothesis)."""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from chagai.cases.compile import Scenario
from chagai.cases.io import load_case_text
from chagai.cases.library import bundled_case
from chagai.cases.schema import Case, Claim, MineProduction
from chagai.core.lines import Line
from chagai.errors import InputError
from chagai.services.appraise import Appraisal, appraise
from chagai.services.claims import ClaimCheck, _phase_years, check_claims, porphyry_deposits

from ..conftest import FIXTURES, SHARED_DATA

REKO = appraise(bundled_case("reko-diq"), Scenario(availability=0.93), solve=False)
POCKET_TEXT = (FIXTURES / "pocket-mine.yaml").read_text(encoding="utf-8")


def _claim(**fields: Any) -> Claim:
    base: dict[str, Any] = {"id": "c", "statement": "a hand-made claim", "source": ["test-source"]}
    return Claim.model_validate(base | fields)


def _with_claims(case: Case, *claims: Claim) -> Case:
    """``case`` with only these claims (they cite the pocket mine's invented source, added when missing)."""
    out = case.model_copy(deep=True)
    out.claims = list(claims)
    if "test-source" not in {s.id for s in out.sources}:
        out.sources = [*out.sources, *load_case_text(POCKET_TEXT, "pocket-mine.yaml").sources]
    return out


def _check(case: Case, claim: Claim, scenario: Scenario | None = None) -> ClaimCheck:
    (check,) = check_claims(appraise(_with_claims(case, claim), scenario, solve=False))
    return check


def _check_on(appraisal: Appraisal, claim: Claim) -> ClaimCheck:
    """A hand-made claim checked against an appraisal already run (the model is not run again)."""
    case = _with_claims(appraisal.case, claim)
    compiled = dataclasses.replace(appraisal.compiled, case=case)
    (check,) = check_claims(dataclasses.replace(appraisal, compiled=compiled))
    return check


@pytest.fixture(scope="module")
def pocket() -> Appraisal:
    return appraise(load_case_text(POCKET_TEXT, "pocket-mine.yaml"), solve=False)


# ---------------------------------------------------------------------------------------------------------
# tolerance: explicit, defaulted, carried into the verdict


def test_the_default_tolerance_is_shown_with_the_rule(pocket: Appraisal) -> None:
    revenue = float(pocket.line("gross_revenue")[1])  # 2027, a full year
    check = _check_on(pocket, _claim(metric="exports-annual", value=revenue / 1.1, unit="US$m/yr"))
    assert check.status == "agree"
    assert check.tolerance == 0.15
    assert check.tolerance_text == "±15%"
    assert check.difference == pytest.approx(0.1)
    assert check.difference_text == "+10%"
    assert check.rule.startswith("agree when the model is within 15% of ")
    data = check.model_dump()
    assert data["tolerance"] == 0.15
    assert data["bound"] == "about"
    assert data["scale"] == "relative"
    assert data["rule"] == check.rule


def test_a_claims_own_tolerance_decides_its_verdict(pocket: Appraisal) -> None:
    revenue = float(pocket.line("gross_revenue")[1])
    claim = _claim(metric="exports-annual", value=revenue / 1.1, unit="US$m/yr", tolerance=0.05)
    check = _check_on(pocket, claim)
    assert check.status == "disagree"
    assert check.tolerance == 0.05
    assert check.tolerance_text == "±5%"
    assert "within 5%" in check.rule


def test_a_difference_equal_to_the_tolerance_agrees(pocket: Appraisal) -> None:
    revenue = float(pocket.line("gross_revenue")[1])
    assert _check_on(pocket, _claim(metric="exports-annual", value=revenue / 1.15, unit="US$m/yr")).status == "agree"


def test_a_range_agrees_inside_and_measures_from_its_nearest_end(pocket: Appraisal) -> None:
    revenue = float(pocket.line("gross_revenue")[1])
    inside = _check_on(pocket, _claim(metric="exports-annual", value=revenue * 0.9, high=revenue * 1.1, unit="US$m/yr"))
    assert (inside.status, inside.difference) == ("agree", 0.0)
    above = _check_on(pocket, _claim(metric="exports-annual", value=revenue / 2, high=revenue / 1.5, unit="US$m/yr"))
    assert above.difference == pytest.approx(0.5)
    assert above.status == "disagree"


# ---------------------------------------------------------------------------------------------------------
# bounds


def test_a_lower_bound_agrees_only_when_the_model_reaches_it(pocket: Appraisal) -> None:
    total = float(pocket.line("post_tax_ncf").sum())
    over = _check_on(pocket, _claim(metric="free-cash-flow-lom", value=total * 0.95, unit="US$m", bound="at-least"))
    short = _check_on(pocket, _claim(metric="free-cash-flow-lom", value=total * 1.05, unit="US$m", bound="at-least"))
    assert over.status == "agree"
    assert short.status == "disagree"  # 5% short: inside 15% of an 'about' claim, but a bound is strict
    assert short.tolerance == 0.0
    assert short.tolerance_text == "0%"
    assert short.claimed.startswith("≥ ")
    assert "at least" in short.rule


def test_an_upper_bound_agrees_only_when_the_model_stays_under_it(pocket: Appraisal) -> None:
    total = float(pocket.line("post_tax_ncf").sum())
    under = _check_on(pocket, _claim(metric="free-cash-flow-lom", value=total * 1.05, unit="US$m", bound="at-most"))
    over = _check_on(pocket, _claim(metric="free-cash-flow-lom", value=total * 0.95, unit="US$m", bound="at-most"))
    assert (under.status, over.status) == ("agree", "disagree")
    assert over.claimed.startswith("≤ ")


def test_a_bound_may_allow_a_stated_tolerance(pocket: Appraisal) -> None:
    total = float(pocket.line("post_tax_ncf").sum())
    claim = _claim(metric="free-cash-flow-lom", value=total * 1.05, unit="US$m", bound="at-least", tolerance=0.1)
    check = _check_on(pocket, claim)
    assert check.status == "agree"
    assert "less 10%" in check.rule


def test_over_75bn_of_free_cash_flow_is_a_lower_bound() -> None:
    check = next(c for c in REKO.claims if c.claim_id == "free-cash-flow-lom")
    assert check.bound == "at-least"
    assert check.model_value is not None
    assert check.status == ("agree" if check.model_value >= 75 else "disagree")  # no tolerance below a bound
    assert check.rule == "agree when the model is at least 75 US$bn"


# ---------------------------------------------------------------------------------------------------------
# years: the claim's own year, history, calendar years


def test_a_claim_with_a_year_is_read_in_that_year(pocket: Appraisal) -> None:
    years = list(pocket.years)
    for year in (2026, 2028):
        revenue = float(pocket.line("gross_revenue")[years.index(year)])
        check = _check_on(pocket, _claim(metric="exports-annual", value=revenue, unit="US$m", year=year))
        assert check.period == f"year {year}"
        assert check.model_value == pytest.approx(revenue)
        assert f"in {year}" in check.basis


def test_a_year_claim_on_another_basis_says_which_years_the_model_measured() -> None:
    check = next(c for c in REKO.claims if c.claim_id == "exports-first-year-finmin")
    assert check.period == "run-rate, phase 1"
    assert "the claim is about 2029, the model's figure is for 2032-2035" in check.basis
    first = _check_on(REKO, _claim(metric="exports-first-year", value=2.8, unit="US$bn", year=2029, basis="first-year"))
    assert "the first production year, at 50% of the phase 1 nameplate" in first.basis
    assert "the claim is about 2029, the model's figure is for 2030" in first.basis
    assert first.status == "disagree"


def test_a_year_after_the_model_cannot_be_checked(pocket: Appraisal) -> None:
    check = _check_on(pocket, _claim(metric="exports-annual", value=90, unit="US$m", year=2150))
    assert check.status == "cannot check"
    assert "the model ends in" in check.basis


def test_a_past_year_is_history_and_not_the_models_future(pocket: Appraisal) -> None:
    check = _check_on(pocket, _claim(metric="ore-milled", value=2, unit="Mt/yr", year=2021))
    assert check.status == "cannot check"
    assert check.period == "history 2021"
    assert check.model_value is None
    assert "records nothing for 2021" in check.basis
    assert "future years are not a record of the past" in check.basis


def test_historical_claims_are_checked_against_the_recorded_history() -> None:
    sui = bundled_case("sui")
    recorded = next(h for h in sui.production.history if h.year == 2016)  # type: ignore[union-attr]
    rate = recorded.rate.to("MMscf/d")
    a = appraise(sui, solve=False)
    match = _check_on(a, _claim(metric="gas-production", value=rate * 1.05, unit="MMcfd", year=2016))
    assert match.status == "agree"
    assert match.period == "history 2016"
    assert match.model_value == pytest.approx(rate)
    assert "recorded production in 2016" in match.basis
    unrecorded = _check_on(a, _claim(metric="gas-production", value=600, unit="MMcfd", year=2010))
    assert unrecorded.status == "cannot check"
    assert "records nothing for 2010" in unrecorded.basis
    explicit = _check_on(a, _claim(metric="gas-production", value=rate, unit="MMcfd", year=2016, basis="history"))
    assert explicit.status == "agree"


def test_saindaks_2021_figures_are_history_the_model_cannot_check() -> None:
    checks = {c.claim_id: c for c in appraise(bundled_case("saindak"), solve=False).claims}
    for claim_id in ("blister-2021", "profit-2021", "ore-processed-2021"):
        assert checks[claim_id].status == "cannot check"
        assert "records nothing for 2021" in checks[claim_id].basis


def test_a_calendar_year_claim_is_compared_in_years(pocket: Appraisal) -> None:
    start = int(pocket.years[np.flatnonzero(pocket.line("throughput") > 0)[0]])
    late = _check_on(pocket, _claim(metric="first-production-year", value=start - 2, unit="year", bound="at-most"))
    assert late.status == "disagree"
    assert late.scale == "years"
    assert late.difference == 2
    assert late.difference_text == "+2 yr"
    assert late.tolerance_text == "0 yr"
    assert late.model_text == str(start)
    on_time = _check_on(pocket, _claim(metric="first-production-year", value=start, unit="year", bound="at-most"))
    assert on_time.status == "agree"
    near = _check_on(pocket, _claim(metric="first-production-year", value=start - 1, unit="year", tolerance=1))
    assert (near.status, near.tolerance_text) == ("agree", "±1 yr")


def test_production_by_2028_disagrees_with_the_delayed_case() -> None:
    check = next(c for c in REKO.claims if c.claim_id == "article-production-by-2028")
    assert (check.status, check.model_value, check.difference_text) == ("disagree", 2030, "+2 yr")


# ---------------------------------------------------------------------------------------------------------
# design rate, product, contained metal


def test_a_design_rate_is_read_at_the_phase_nameplate_not_in_ramp_up() -> None:
    check = _check_on(REKO, _claim(metric="exports-annual", value=2.6, unit="US$bn/yr"))
    at_nameplate = _phase_years(REKO, 1)
    assert check.model_value == pytest.approx(REKO.line("gross_revenue")[at_nameplate].mean() / 1e3)
    ramp_up = int(np.flatnonzero(REKO.line("throughput") > 0)[0])
    assert ramp_up not in at_nameplate
    assert check.period == "run-rate, phase 1"


def test_a_claim_names_the_phase_of_its_design_rate() -> None:
    phase2 = _check_on(REKO, _claim(metric="copper-production", value=380, unit="kt/yr", phase="phase-2"))
    assert phase2.period == "run-rate, phase 2"
    expected = REKO.line("throughput")[_phase_years(REKO, 2)].mean() * 0.0048 * 0.89 / 1e3
    assert phase2.model_value == pytest.approx(expected)
    unknown = _check_on(REKO, _claim(metric="copper-production", value=380, unit="kt/yr", phase="phase-9"))
    assert unknown.status == "cannot check"
    assert "no phase 'phase-9'" in unknown.basis


def test_concentrate_is_compared_with_concentrate_never_with_metal() -> None:
    saindak = {c.claim_id: c for c in appraise(bundled_case("saindak"), solve=False).claims}
    assert saindak["concentrate-expansion"].status == "cannot check"
    assert "product is blister, not concentrate" in saindak["concentrate-expansion"].basis
    concentrate = _check_on(REKO, _claim(metric="concentrate-production", value=800, unit="kt/yr"))
    assert concentrate.model_value == pytest.approx(REKO.line("product")[_phase_years(REKO, 1)].mean() / 1e3)
    blister = _check_on(REKO, _claim(metric="blister-production", value=200, unit="kt/yr"))
    assert blister.status == "cannot check"


def test_contained_metal_is_reserve_times_grade() -> None:
    check = next(c for c in REKO.claims if c.claim_id == "reserve-contained-copper")
    assert check.model_value == pytest.approx(3000 * 0.0048)
    assert "before recovery" in check.basis


# ---------------------------------------------------------------------------------------------------------
# what a cost includes


def test_a_cost_including_financing_adds_interest_during_construction_and_fees() -> None:
    bare = _check_on(REKO, _claim(metric="phase1-capex", value=5.6, unit="US$bn"))
    financed = _check_on(REKO, _claim(metric="phase1-capex", value=7, unit="US$bn", includes=["financing"]))
    build = np.flatnonzero(REKO.years <= 2030)
    added = REKO.line("interest_capitalised")[build].sum() + REKO.line("fees")[build].sum()
    assert added > 100
    assert bare.model_value is not None
    assert financed.model_value is not None
    assert financed.model_value == pytest.approx(bare.model_value + added / 1e3)
    assert "interest during construction" in financed.basis


def test_a_cost_including_contingency_adds_the_scenarios_overrun() -> None:
    case = bundled_case("reko-diq")
    claim = _claim(metric="phase1-capex", value=7, unit="US$bn", includes=["contingency"])
    check = _check(case, claim, Scenario(overrun=1.2))
    assert check.model_value == pytest.approx(5.57 * 1.2)
    assert "x1.20" in check.basis


def test_a_metric_refuses_what_it_cannot_include(pocket: Appraisal) -> None:
    check = _check_on(pocket, _claim(metric="exports-annual", value=90, unit="US$m/yr", includes=["financing"]))
    assert check.status == "cannot check"
    assert "cannot include financing" in check.basis


def test_an_owners_equity_is_its_part_of_the_negative_equity_cash_flow() -> None:
    check = _check_on(REKO, _claim(metric="equity-contribution-bmrl", value=250, unit="US$m"))
    build = np.flatnonzero(REKO.years <= 2030)
    funder = [p.id for p in REKO.compiled.parties].index("government-of-pakistan")
    flows = REKO.party_net[funder][build]
    paid_by_funder = -flows[flows < 0].sum()  # the federal government pays BMRL's funded 15% (not its recovery)
    assert check.model_value == pytest.approx(paid_by_funder)
    assert check.period == "build, phase 1"


def test_an_obligation_before_the_loans_is_a_share_of_the_whole_cost() -> None:
    check = next(c for c in REKO.claims if c.claim_id == "gob-equity-obligation")
    assert check.model_value == pytest.approx(5570 * 0.15 / 0.90)
    assert "as if there were no loans" in check.basis
    assert "its equity after the project's loans" in check.basis


# ---------------------------------------------------------------------------------------------------------
# claims the model cannot check, and the claims of the EXIM announcement


def test_jobs_and_us_content_are_not_checkable_with_a_reason() -> None:
    checks = {c.claim_id: c for c in REKO.claims}
    for claim_id, reason in (
        ("article-us-jobs", "labour"),
        ("article-jobs-balochistan", "labour"),
        ("article-us-equipment-services", "procurement"),
    ):
        assert checks[claim_id].status == "cannot check"
        assert checks[claim_id].model_value is None
        assert checks[claim_id].basis.startswith("not checkable by the model")
        assert reason in checks[claim_id].basis


def test_the_announcements_claims_are_held_with_their_source() -> None:
    case = bundled_case("reko-diq")
    cited = {c.id for c in case.claims if "news-2025-12-exim" in c.source}
    assert {
        "article-us-equipment-services",
        "article-us-jobs",
        "article-production-by-2028",
        "article-largest-deposit",
        "article-exports-first-year",
        "article-total-cost",
    } <= cited
    assert "news-2025-12-exim" in {s.id for s in case.sources}
    metrics = {c.metric for c in case.claims}
    assert {"equity-contribution-bmrl", "equity-contribution-pakistan-minerals"} <= metrics


def test_one_of_the_largest_deposits_is_ranked_in_the_usgs_compilation() -> None:
    check = next(c for c in REKO.claims if c.claim_id == "article-largest-deposit")
    assert check.status == "agree"
    assert check.model_value == pytest.approx(100 * (423 - 24) / 423)
    assert "24th of 423 deposits by contained copper" in check.basis
    assert "15th by contained gold" in check.basis
    assert "not the cash-flow model" in check.basis


def test_a_deposit_not_in_the_extract_cannot_be_ranked(pocket: Appraisal) -> None:
    check = _check_on(pocket, _claim(metric="contained-copper-percentile", value=90, unit="%", bound="at-least"))
    assert check.status == "cannot check"


def test_the_bundled_extract_is_derived_from_the_usgs_compilation() -> None:
    csv = SHARED_DATA / "usgs_porcu2008_porphyry_copper_compact.csv"
    if not csv.is_file():
        pytest.skip(f"third-party data not found ({csv.name}): the bundled extract is not re-derived")
    import pandas as pd

    data = pd.read_csv(csv, dtype={"startup_date": str}).dropna(subset=["tonnage_mt"])
    data = data.assign(cu=data.tonnage_mt * data.cu_pct, au=data.tonnage_mt * data.au_gpt)
    top = set(data.nlargest(50, "cu").deposit_id) | set(data.nlargest(50, "au").deposit_id)
    expected = {
        (r.name, r.country, float(r.tonnage_mt), float(r.cu_pct), float(r.au_gpt), str(r.startup_date).strip())
        for r in data[data.deposit_id.isin(top)].itertuples()
    }
    bundled = porphyry_deposits()
    shipped = {
        (d["name"], d["country"], float(d["ore_mt"]), float(d["cu_pct"]), float(d["au_gpt"]), d["startup"])
        for d in bundled["deposits"]
    }
    assert shipped == expected
    assert bundled["deposits_with_tonnage"] == len(data)
    assert bundled["without_startup_date"] == int((data.startup_date.str.strip() == "n.d.").sum())


def test_the_extract_names_its_source() -> None:
    path = Path(__file__).parents[2] / "src" / "chagai" / "cases" / "data" / "reference"
    text = (path / "porphyry-copper-usgs-2008.yaml").read_text(encoding="utf-8")
    assert "Open-File Report 2008-1155" in text
    assert yaml.safe_load(text)["source"]["url"].startswith("https://pubs.usgs.gov/")


# ---------------------------------------------------------------------------------------------------------
# the schema: clear errors naming the field


def _load_with_claim(**fields: Any) -> InputError:
    doc = yaml.safe_load(POCKET_TEXT)
    doc["claims"][0].update(fields)
    with pytest.raises(InputError) as info:
        load_case_text(yaml.safe_dump(doc), "pocket-mine.yaml")
    return info.value


@pytest.mark.parametrize(
    ("fields", "path", "words"),
    [
        ({"basis": "year", "year": None}, "claims[0].basis", "`year: 2029`"),
        ({"basis": "history", "year": None}, "claims[0].basis", "`year: 2029`"),
        ({"basis": "someday"}, "claims[0].basis", "one of"),
        ({"bound": "at-least", "high": 100}, "claims[0].bound", "`high` only with `bound: about`"),
        ({"bound": "roughly"}, "claims[0].bound", "one of"),
        ({"tolerance": 15}, "claims[0].tolerance", "0.15 for 15%"),
        ({"tolerance": -0.1}, "claims[0].tolerance", ">= 0"),
        ({"includes": ["tips"]}, "claims[0].includes[0]", "one of"),
        ({"includes": ["financing", "financing"]}, "claims[0].includes", "each item once"),
        ({"phase": "phase-9"}, "claims[0].phase", "phase-1"),
    ],
)
def test_a_bad_claim_field_is_named(fields: dict[str, Any], path: str, words: str) -> None:
    issues = _load_with_claim(**fields).issues
    assert any(i.path == path and words in i.expected for i in issues), [(i.path, i.expected) for i in issues]


def test_tolerance_in_years_may_exceed_one(pocket: Appraisal) -> None:
    claim = _claim(metric="first-production-year", value=2020, unit="year", tolerance=6)
    assert _check_on(pocket, claim).status == "agree"


# ---------------------------------------------------------------------------------------------------------
# measures and nameplate years


@given(st.lists(st.sampled_from([0.0, -2e-6, -1e-6, -9.9e-7, 0.0, 5e-7, 1e-6, 1.01e-6, 3e-3, -1.0]), min_size=1))
@settings(max_examples=200, deadline=None)
def test_nameplate_years_are_those_isclose_finds(offsets: list[float]) -> None:
    production = REKO.case.production
    assert isinstance(production, MineProduction)
    levels = [p.throughput.to("t/yr") for p in sorted(production.phases, key=lambda p: p.start_year)]
    n = len(REKO.years)
    for phase, level in enumerate(levels, start=1):
        nameplate = level * REKO.compiled.scenario.availability
        lines = REKO.lines.copy()
        lines[Line.throughput] = nameplate * (1.0 + np.resize(np.array(offsets), n))
        moved = dataclasses.replace(REKO, lines=lines)
        expected = np.flatnonzero(np.isclose(lines[Line.throughput], nameplate, rtol=1e-6))
        np.testing.assert_array_equal(_phase_years(moved, phase), expected)


def test_claims_read_the_same_way_share_their_measure() -> None:
    by_reading = defaultdict(set)
    for check, claim in zip(REKO.claims, REKO.case.claims, strict=True):
        key = (check.metric, check.period, tuple(claim.includes or ()))
        by_reading[key].add((check.model_value, check.basis.split("; the claim is about")[0]))
    assert len(by_reading[("phase1-capex", "build, phase 1", ())]) == 1
    assert all(len(measures) == 1 for measures in by_reading.values())


def test_every_verdict_shows_figure_difference_tolerance_and_rule() -> None:
    for check in REKO.claims:
        assert check.rule.startswith("agree when the model")
        assert check.tolerance is not None
        assert check.tolerance_text
        if check.status != "cannot check":
            assert check.model_value is not None
            assert math.isfinite(check.model_value)
            assert check.difference is not None
            assert check.difference_text
