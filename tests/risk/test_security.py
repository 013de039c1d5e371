"""Security and schedule risk: Markov fit, calibration from the shared data, bundled profiles, regime paths."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from chagai.errors import InputError, NotFoundError
from chagai.risk.security import (
    GTD_COLUMNS,
    PARAMETERS,
    SecurityProfile,
    bundled_calibration,
    bundled_calibration_path,
    bundled_security_path,
    bundled_security_profiles,
    calibrate_security,
    fit_markov,
    load_attack_counts,
    load_ucdp_active_years,
    mean_delay_probability,
    mean_event_rate,
    profile_for_case_kind,
    read_calibration,
    security_profile,
    stationary_active,
    write_profiles,
)
from chagai.risk.security.calibration import derived_values
from chagai.risk.security.calibration_file import PLACEHOLDERS

from ..conftest import SHARED_DATA, shared_data

CALIBRATION = bundled_calibration()
UCDP = SHARED_DATA / CALIBRATION.conflict.file
GTD = SHARED_DATA / CALIBRATION.attacks.file
CONFLICT_325 = CALIBRATION.conflict.conflict_id

# PROVENANCE.md: Balochistan conflict 325 active 1974-77, 2004, 2006-09, 2011-16, 2019-23
ACTIVE_325 = {
    *range(1974, 1978),
    2004,
    *range(2006, 2010),
    *range(2011, 2017),
    *range(2019, 2024),
}


def _chain(p01: float, p10: float, n: int, seed: int) -> set[int]:
    """Active years 0..n-1 of a two-state chain drawn year by year (independent of the Monte Carlo's code)."""
    u = np.random.default_rng(seed).random(n)
    active: set[int] = set()
    state = u[0] < p01 / (p01 + p10)
    for t in range(n):
        if t > 0:
            state = (u[t] >= p10) if state else (u[t] < p01)
        if state:
            active.add(t)
    return active


# ------------------------------------------------------------------------------------------------ Markov fit


@pytest.mark.parametrize(("p01", "p10"), [(0.2, 0.35), (0.05, 0.5), (0.6, 0.1)])
def test_markov_mle_recovers_a_known_chain(p01: float, p10: float) -> None:
    n = 200_000
    fit = fit_markov(_chain(p01, p10, n, seed=7), 0, n - 1)
    assert fit.n_transitions == n - 1
    assert fit.counts.sum() == n - 1
    assert fit.p_calm_to_active == pytest.approx(p01, abs=4 * fit.std_error_calm_to_active)
    assert fit.p_active_to_calm == pytest.approx(p10, abs=4 * fit.std_error_active_to_calm)
    assert fit.stationary_active == pytest.approx(p01 / (p01 + p10), abs=0.01)
    assert fit.notes == ()


def test_markov_counts_on_ucdp_are_the_hand_counted_transitions() -> None:
    shared_data()  # skips, counted, when the third-party data is not here
    active = load_ucdp_active_years(UCDP, CONFLICT_325)
    assert active == ACTIVE_325
    fit = fit_markov(active, 1974, 2023)
    # by hand, 1974-2023 (49 transitions):
    #   active -> calm: 1977->78, 2004->05, 2009->10, 2016->17                        = 4
    #   calm -> active: 2003->04, 2005->06, 2010->11, 2018->19                        = 4
    #   active -> active: 1974-77 (3), 2006-09 (3), 2011-16 (5), 2019-23 (4)          = 15
    #   calm -> calm: 30 calm years (1978-2003, 2005, 2010, 2017, 2018), minus the 4 = 26
    np.testing.assert_array_equal(fit.counts, [[26, 4], [4, 15]])
    assert fit.n_transitions == 49
    assert fit.p_calm_to_active == 4 / 30
    assert fit.p_active_to_calm == 4 / 19
    assert fit.stationary_active == pytest.approx((4 / 30) / (4 / 30 + 4 / 19), rel=1e-15)
    assert fit.notes == ()


def test_markov_zero_counts_are_reported() -> None:
    never = fit_markov(set(), 2000, 2010)
    assert never.p_calm_to_active == 0.0
    assert math.isnan(never.p_active_to_calm)
    assert math.isnan(never.stationary_active)
    assert any("absorbing" in n for n in never.notes)
    assert any("undefined" in n for n in never.notes)
    # a pseudocount shrinks the boundary estimate away from 0 and says so
    smoothed = fit_markov(set(), 2000, 2010, pseudocount=1.0)
    assert smoothed.p_calm_to_active == pytest.approx(1 / 12)
    assert smoothed.p_active_to_calm == pytest.approx(0.5)
    assert any("pseudocount" in n for n in smoothed.notes)
    # active only in the last year: the active row is empty
    last = fit_markov({2010}, 2000, 2010)
    assert last.p_calm_to_active == pytest.approx(0.1)
    assert math.isnan(last.p_active_to_calm)
    # every calm year followed by an active one, and years outside the window
    flip = fit_markov({2001, 2003, 1990}, 2000, 2003)
    assert flip.p_calm_to_active == 1.0
    assert flip.p_active_to_calm == 1.0
    assert flip.stationary_active == 0.5
    assert any("outside" in n for n in flip.notes)


def test_markov_bad_window_lists_every_problem() -> None:
    with pytest.raises(InputError) as info:
        fit_markov({2000}, 2005, 2005, pseudocount=-1.0)
    assert len(info.value.issues) == 2


@given(
    first=st.integers(1900, 2000),
    length=st.integers(2, 60),
    flags=st.lists(st.booleans(), min_size=60, max_size=60),
)
def test_markov_counts_add_up(first: int, length: int, flags: list[bool]) -> None:
    years = range(first, first + length)
    active = {y for y, f in zip(years, flags, strict=False) if f}
    fit = fit_markov(active, first, first + length - 1)
    assert fit.n_transitions == length - 1
    leaving_active = sum(1 for y in years[:-1] if y in active)
    assert fit.counts[1].sum() == leaving_active
    assert fit.counts[0].sum() == length - 1 - leaving_active
    arriving_active = sum(1 for y in years[1:] if y in active)
    assert fit.counts[:, 1].sum() == arriving_active
    for p in (fit.p_calm_to_active, fit.p_active_to_calm):
        assert math.isnan(p) or 0.0 <= p <= 1.0


# ---------------------------------------------------------------------------------------------------- readers


def test_attack_counts() -> None:
    shared_data()  # skips, counted, when the third-party data is not here
    counts = load_attack_counts(GTD)
    assert list(counts.columns) == list(GTD_COLUMNS)
    assert counts.index.min() == 2007
    assert counts.index.max() == 2018
    # PROVENANCE.md: 140 gas-infrastructure attacks over 133 months (Dec 2007 - Dec 2018)
    assert counts["gas_target_attacks"].sum() == 140


def test_readers_reject_bad_files(tmp_path: Path) -> None:
    shared_data()  # skips, counted, when the third-party data is not here
    with pytest.raises(InputError, match="conflict_id"):
        load_ucdp_active_years(UCDP, conflict_id=1)
    bad = tmp_path / "bad.csv"
    bad.write_text("year,balochistan_attacks\n2008,-1\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_attack_counts(bad)
    assert len(info.value.issues) == 4  # the four missing columns
    bad.write_text("year,conflict\n2008,1\n", encoding="utf-8")
    with pytest.raises(InputError, match="conflict_id"):
        load_ucdp_active_years(bad, CONFLICT_325)


# ------------------------------------------------------------------------------------------------ calibration


@pytest.fixture(scope="module")
def calibrated() -> dict[str, SecurityProfile]:
    shared_data()  # skips, counted, when the third-party data is not here
    return calibrate_security(SHARED_DATA)


def test_mine_profile_calibration(calibrated: dict[str, SecurityProfile]) -> None:
    mine = calibrated["balochistan-mine"]
    assert mine.p_calm_to_active == 4 / 30
    assert mine.p_active_to_calm == 4 / 19
    assert mine.start_active_probability == 1.0
    # GTD all attacks 2008-2018: UCDP-active 2008-09, 2011-16 vs calm 2010, 2017-18
    mean_active = (89 + 138 + 175 + 296 + 504 + 397 + 272 + 207) / 8
    mean_calm = (132 + 235 + 123) / 3
    assert mean_active == 259.75
    assert mine.event_rate_active / mine.event_rate_calm == pytest.approx(mean_active / mean_calm, rel=1e-12)
    assert mean_event_rate(mine) == pytest.approx(1.5, rel=1e-12)
    assert mine.delay_probability_active / mine.delay_probability_calm == pytest.approx(mean_active / mean_calm)
    assert mean_delay_probability(mine) == pytest.approx(0.08, rel=1e-12)
    assert (mine.outage_days_mean, mine.outage_loss) == (7.0, 0.5)
    assert 14.0 <= mine.severe_days_mean <= 42.0  # 2-6 weeks
    assert mine.overrun_median == 1.15
    assert mine.overrun_sigma == pytest.approx(math.log(7.7 / 5.57) / 2)
    assert mine.overrun_delay_correlation == 0.5


def test_gas_profile_calibration(calibrated: dict[str, SecurityProfile]) -> None:
    gas = calibrated["balochistan-gas"]
    mine = calibrated["balochistan-mine"]
    assert (gas.p_calm_to_active, gas.p_active_to_calm) == (mine.p_calm_to_active, mine.p_active_to_calm)
    assert gas.event_rate_active == (12 + 28 + 37 + 16 + 9 + 19 + 9 + 2) / 8
    assert gas.event_rate_calm == pytest.approx((4 + 3 + 1) / 3)
    assert 2.0 <= gas.outage_days_mean <= 3.0
    assert 0.0 < gas.outage_loss < 1.0
    assert gas.delay_probability_calm == gas.delay_probability_active == 0.0
    assert gas.overrun_median == 1.0
    assert gas.overrun_sigma <= 0.15


def test_bundled_yaml_equals_a_fresh_calibration(calibrated: dict[str, SecurityProfile], tmp_path: Path) -> None:
    assert bundled_security_profiles() == calibrated
    fresh = tmp_path / "security.yaml"
    write_profiles(calibrated, fresh)
    assert fresh.read_text(encoding="utf-8") == bundled_security_path().read_text(encoding="utf-8")


def test_every_profile_field_has_provenance() -> None:
    labels = {"id", "description", "provenance"}
    numeric = [f.name for f in dataclasses.fields(SecurityProfile) if f.name not in labels]
    assert numeric == list(PARAMETERS)
    for profile in bundled_security_profiles().values():
        assert set(profile.provenance) == set(numeric), profile.id
        for name in numeric:
            text = profile.provenance[name]
            assert text.startswith(("source: ", "estimate: ")), (profile.id, name)
            assert len(text) > 40, (profile.id, name)
        assert profile.description


def test_profile_validation_lists_every_problem(calibrated: dict[str, SecurityProfile]) -> None:
    mine = calibrated["balochistan-mine"]
    provenance = {k: v for k, v in mine.provenance.items() if k != "overrun_sigma"}
    provenance["unknown"] = "source: nowhere at all"
    with pytest.raises(InputError) as info:
        dataclasses.replace(
            mine, p_calm_to_active=1.5, event_rate_calm=-1.0, overrun_delay_correlation=2.0, provenance=provenance
        )
    paths = {issue.path for issue in info.value.issues}
    assert paths == {
        "p_calm_to_active",
        "event_rate_calm",
        "overrun_delay_correlation",
        "provenance.overrun_sigma",
        "provenance.unknown",
    }
    with pytest.raises(InputError, match="estimate"):
        dataclasses.replace(mine, provenance={**mine.provenance, "delay_years": "my guess"})


def test_profile_for_case_kind() -> None:
    assert profile_for_case_kind("mine").id == "balochistan-mine"
    assert profile_for_case_kind("gas-field").id == "balochistan-gas"
    with pytest.raises(NotFoundError, match=r"balochistan-gas.*balochistan-mine"):
        profile_for_case_kind("quarry")
    with pytest.raises(NotFoundError, match="valid profiles"):
        security_profile("nowhere")


# ----------------------------------------------------------------------------------------------- regime paths


def test_stationary_of_a_frozen_chain_is_its_start() -> None:
    gas = profile_for_case_kind("gas-field")
    frozen = dataclasses.replace(gas, p_calm_to_active=0.0, p_active_to_calm=0.0, start_active_probability=0.3)
    assert stationary_active(frozen) == 0.3


# ----------------------------------------------------------------------------------------- calibration data file


def _calibration_document() -> dict[str, Any]:
    return dict(yaml.safe_load(bundled_calibration_path().read_text(encoding="utf-8")))


def test_calibration_file_errors_name_the_field() -> None:
    document = _calibration_document()
    del document["figures"]["pause_probability_per_year"]
    document["figures"]["phase1_capex_lenders"]["provenance"] = "my guess"
    mine = document["profiles"]["balochistan-mine"]["parameters"]
    mine["outage_loss"]["derived"] = "notable_rate_calm"
    mine["severe_probability"]["derived"] = "share_of_something"
    mine["delay_years"]["provenance"] = "estimate: {unknown_name} years"
    del mine["overrun_median"]
    mine["p_calm_to_active"] = document["common"]["p_calm_to_active"]
    with pytest.raises(InputError) as info:
        read_calibration(yaml.safe_dump(document), "calibration.yaml")
    paths = {issue.path for issue in info.value.issues}
    assert paths == {
        "figures.phase1_capex_lenders.provenance",
        "profiles.balochistan-mine.parameters.outage_loss",
        "profiles.balochistan-mine.parameters.severe_probability.derived",
    }
    # once the fields are valid, the checks across the file run: missing figures and parameters, unknown names
    document = _calibration_document()
    del document["figures"]["pause_probability_per_year"]
    mine = document["profiles"]["balochistan-mine"]["parameters"]
    mine["delay_years"]["provenance"] = "estimate: {unknown_name} years"
    del mine["overrun_median"]
    mine["p_calm_to_active"] = document["common"]["p_calm_to_active"]
    mine["overrun_mean"] = {"value": 1.2, "provenance": "estimate: a misspelt parameter"}
    with pytest.raises(InputError) as info:
        read_calibration(yaml.safe_dump(document), "calibration.yaml")
    paths = {issue.path for issue in info.value.issues}
    assert paths == {
        "figures.pause_probability_per_year",
        "profiles.balochistan-mine.parameters.delay_years.provenance",
        "profiles.balochistan-mine.parameters.overrun_median",
        "profiles.balochistan-mine.parameters.p_calm_to_active",
        "profiles.balochistan-mine.parameters.overrun_mean",
        # these use the missing figure
        "profiles.balochistan-mine.parameters.delay_probability_calm.provenance",
        "profiles.balochistan-mine.parameters.delay_probability_active.provenance",
    }
    assert "calibration.yaml" in str(info.value)


def test_calibration_texts_use_only_what_the_calibration_derives() -> None:
    shared_data()  # skips, counted, when the third-party data is not here
    assert set(derived_values(SHARED_DATA, CALIBRATION)) == set(PLACEHOLDERS)


def test_every_calibration_figure_has_provenance_and_unit() -> None:
    for name, figure in CALIBRATION.figures.items():
        assert figure.provenance.startswith(("source: ", "estimate: ")), name
        assert figure.unit, name


def test_calibration_texts_may_come_in_any_order_but_not_in_a_circle() -> None:
    document = _calibration_document()
    document["texts"] = dict(reversed(list(document["texts"].items())))
    assert read_calibration(yaml.safe_dump(document)).texts == CALIBRATION.texts
    document["texts"]["gtd"] += " {gas_text}"
    with pytest.raises(InputError, match="circle"):
        read_calibration(yaml.safe_dump(document))
