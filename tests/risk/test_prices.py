"""Price models: fits recover known parameters, bundled figures are reproducible, analytic moments hold."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from chagai.config import refresh_settings
from chagai.errors import InputError, NotFoundError
from chagai.risk import calibrate as cal
from chagai.risk.prices import PriceModel, PriceModels, bundled_price_models, log_moments

from ..conftest import SHARED_DATA, shared_data


def _ar1_series(kappa: float, m: float, sigma: float, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y = np.empty(n)
    y[0] = m
    for t in range(1, n):
        y[t] = y[t - 1] + kappa * (m - y[t - 1]) + sigma * rng.standard_normal()
    return y


def _model(kind: str = "mean-reverting", **kw: object) -> PriceModel:
    base: dict[str, object] = {
        "commodity": "copper",
        "kind": kind,
        "kappa": 0.3 if kind == "mean-reverting" else 0.0,
        "sigma": 0.25,
        "drift": 0.0 if kind == "mean-reverting" else 0.02,
        "long_run": 9000.0 if kind == "mean-reverting" else None,
        "unit": "US$/t",
        "fit_start": 1960,
        "fit_end": 2025,
        "n_obs": 65,
        "source": "test",
    }
    base.update(kw)
    return PriceModel(**base)  # type: ignore[arg-type]


# --- fits ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kappa", "m", "sigma", "seed"), [(0.3, 1.0, 0.2, 1), (0.08, 8.5, 0.25, 2), (0.6, -1.0, 0.1, 3)]
)
def test_ar1_fit_recovers_known_parameters(kappa: float, m: float, sigma: float, seed: int) -> None:
    y = _ar1_series(kappa, m, sigma, 40_001, seed)
    k_hat, m_hat, s_hat, n = cal.fit_mean_reverting(y)
    assert n == 40_000
    assert k_hat == pytest.approx(kappa, abs=0.012)
    assert m_hat == pytest.approx(m, abs=0.05)
    assert s_hat == pytest.approx(sigma, rel=0.01)


def test_ar1_fit_is_exact_on_a_noiseless_ar1() -> None:
    # y_t - m = b^t (y_0 - m): an AR(1) without noise, so OLS recovers b and m exactly
    kappa, m = 0.25, 2.0
    y = m + (1 - kappa) ** np.arange(30) * 1.5
    k_hat, m_hat, s_hat, _ = cal.fit_mean_reverting(y)
    assert k_hat == pytest.approx(kappa, abs=1e-9)
    assert m_hat == pytest.approx(m, abs=1e-9)
    assert s_hat == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize(("drift", "sigma", "seed"), [(0.02, 0.15, 4), (0.0, 0.3, 5), (-0.03, 0.1, 6)])
def test_gbm_fit_recovers_known_parameters(drift: float, sigma: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    steps = drift - 0.5 * sigma**2 + sigma * rng.standard_normal(40_000)
    y = np.concatenate([[np.log(2000.0)], np.log(2000.0) + np.cumsum(steps)])
    d_hat, s_hat, n = cal.fit_gbm(y)
    assert n == 40_000
    assert s_hat == pytest.approx(sigma, rel=0.01)
    assert d_hat == pytest.approx(drift, abs=3 * sigma / math.sqrt(n) + 1e-3)


def test_fits_reject_gaps_and_short_series() -> None:
    with pytest.raises(InputError, match="gap-free"):
        cal.fit_mean_reverting([1.0, 2.0, math.nan, 1.5, 1.2])
    with pytest.raises(InputError, match="at least 4"):
        cal.fit_mean_reverting([1.0, 2.0, 1.5])


# --- bundled parameters and the shared data -----------------------------------------------------------------------


def test_bundled_parameters_equal_a_fresh_calibration() -> None:
    shared_data()  # skips, counted, when the third-party data is not here
    fresh = cal.calibrate(SHARED_DATA)
    shipped = bundled_price_models()
    assert shipped.commodities == fresh.commodities == ("copper", "gold", "silver", "natural-gas")
    assert shipped.basis == fresh.basis
    for name in fresh.commodities:
        a, b = shipped.models[name], fresh.models[name]
        assert (a.kind, a.unit, a.fit_start, a.fit_end, a.n_obs, a.source) == (
            b.kind,
            b.unit,
            b.fit_start,
            b.fit_end,
            b.n_obs,
            b.source,
        )
        for attr in ("kappa", "sigma", "drift"):
            assert getattr(a, attr) == pytest.approx(getattr(b, attr), rel=1e-9, abs=1e-12)
        if b.long_run is None:
            assert a.long_run is None
        else:
            assert a.long_run == pytest.approx(b.long_run, rel=1e-9)
    np.testing.assert_allclose(shipped.correlation, fresh.correlation, rtol=0, atol=1e-9)


def test_bundled_kinds_follow_the_domain() -> None:
    models = bundled_price_models()
    assert models.models["copper"].kind == "mean-reverting"
    assert models.models["silver"].kind == "mean-reverting"
    assert models.models["natural-gas"].kind == "mean-reverting"
    assert models.models["gold"].kind == "gbm"
    assert "Henry Hub" in models.models["natural-gas"].source
    for model in models.models.values():
        assert "CC BY 4.0" in model.source
        assert model.fit_start == 1960
        assert model.fit_end == 2025


def test_correlation_is_symmetric_positive_definite_with_unit_diagonal() -> None:
    corr = bundled_price_models().correlation
    assert corr.shape == (4, 4)
    np.testing.assert_array_equal(corr, corr.T)
    np.testing.assert_array_equal(np.diag(corr), 1.0)
    assert np.all(np.linalg.eigvalsh(corr) > 0)
    assert np.all(np.abs(corr) <= 1.0)
    lower = bundled_price_models().cholesky()
    np.testing.assert_allclose(lower @ lower.T, corr, atol=1e-12)


def test_deflator_ratios_agree_across_commodities() -> None:
    shared_data()  # skips, counted, when the third-party data is not here
    ratios = cal.deflator_ratios(SHARED_DATA)
    values = np.array(list(ratios.values()))
    assert values.max() / values.min() - 1 < 0.02
    factor = cal.deflator(SHARED_DATA)
    assert factor == pytest.approx(float(np.median([ratios[c] for c in ("copper", "gold", "silver")])))
    assert 1.1 < factor < 1.25


def test_long_run_is_in_real_2025_canonical_units() -> None:
    # the copper level in real 2010 US$/t times the deflator; silver converted from US$/oz to US$/t
    shared_data()  # skips, counted, when the third-party data is not here
    models = cal.calibrate(SHARED_DATA, commodities=["copper", "silver"])
    annual = cal.read_annual_real(SHARED_DATA)
    factor = cal.deflator(SHARED_DATA)
    _, m_cu, _, _ = cal.fit_mean_reverting(np.log(annual["copper"].loc[1960:2025].to_numpy()))
    assert models.models["copper"].long_run == pytest.approx(math.exp(m_cu) * factor, rel=1e-12)
    _, m_ag, _, _ = cal.fit_mean_reverting(np.log(annual["silver"].loc[1960:2025].to_numpy()))
    assert models.models["silver"].long_run == pytest.approx(math.exp(m_ag) * factor * 1e6 / 31.1034768, rel=1e-12)


def test_unknown_commodity_lists_the_valid_ones() -> None:
    shared_data()  # skips, counted, when the third-party data is not here
    with pytest.raises(NotFoundError, match="copper, gold, silver, natural-gas"):
        bundled_price_models().for_commodities(["copper", "lithium"])
    with pytest.raises(NotFoundError, match="lithium"):
        cal.calibrate(SHARED_DATA, commodities=["lithium"])


def test_missing_data_folder_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="CHAGAI_DATA_DIR"):
        cal.calibrate(tmp_path)


def test_default_data_dir_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    shared_data()  # skips, counted, when the third-party data is not here
    monkeypatch.setenv("CHAGAI_DATA_DIR", str(SHARED_DATA))
    refresh_settings()
    assert cal.default_data_dir() == SHARED_DATA
    assert cal.calibrate(commodities=["gold"]).models["gold"] == cal.calibrate(SHARED_DATA).models["gold"]


def test_fit_window_outside_the_data_is_an_input_error() -> None:
    shared_data()  # skips, counted, when the third-party data is not here
    with pytest.raises(InputError, match="choose a fit window inside the data"):
        cal.calibrate(SHARED_DATA, start=1950)


# --- PriceModels --------------------------------------------------------------------------------------------------


def test_subset_keeps_the_matching_correlation_block() -> None:
    models = bundled_price_models()
    sub = models.for_commodities(["natural-gas", "copper"])
    assert sub.commodities == ("natural-gas", "copper")
    assert sub.correlation[0, 1] == models.correlation[3, 0]
    assert sub.models["copper"] == models.models["copper"]


def test_scaled_multiplies_only_sigma() -> None:
    models = bundled_price_models()
    scaled = models.scaled(1.5)
    for name in models.commodities:
        assert scaled.models[name].sigma == pytest.approx(1.5 * models.models[name].sigma)
        assert scaled.models[name].kappa == models.models[name].kappa
        assert scaled.models[name].drift == models.models[name].drift
    np.testing.assert_array_equal(scaled.correlation, models.correlation)
    with pytest.raises(InputError, match="volatility_factor"):
        models.scaled(0.0)


def test_as_dict_round_trips(tmp_path: Path) -> None:
    models = bundled_price_models()
    assert PriceModels.from_dict(models.as_dict()) == models
    path = tmp_path / "prices.yaml"
    cal.write_parameters(models, path)
    import yaml

    assert PriceModels.from_dict(yaml.safe_load(path.read_text(encoding="utf-8"))) == models


def test_invalid_models_list_every_problem() -> None:
    with pytest.raises(InputError) as info:
        _model(kappa=-0.1, sigma=-1.0, long_run=None)
    text = str(info.value)
    assert "kappa" in text
    assert "sigma" in text
    assert "long_run" in text
    with pytest.raises(InputError, match="not positive definite"):
        PriceModels(
            commodities=("copper", "gold"),
            models={"copper": _model(), "gold": _model("gbm", commodity="gold")},
            correlation=np.array([[1.0, 1.2], [1.2, 1.0]]),
        )


def test_correlation_is_read_only() -> None:
    with pytest.raises(ValueError, match="read-only"):
        bundled_price_models().correlation[0, 1] = 0.0


# --- analytic moments (the compiled draws are tested against them in test_draws.py) --------------------------


def test_log_moments_limits() -> None:
    model = _model(kappa=0.3, sigma=0.2, long_run=5000.0)
    mean0, sd0 = log_moments(model, math.log(9000.0), 0)
    assert float(mean0) == pytest.approx(math.log(9000.0))
    assert float(sd0) == 0.0
    mean, sd = log_moments(model, math.log(9000.0), 500)
    assert float(mean) == pytest.approx(math.log(5000.0))
    assert float(sd) == pytest.approx(0.2 / math.sqrt(1 - 0.7**2))


# --- backtest -----------------------------------------------------------------------------------------------------


def test_backtest_runs_and_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    shared_data()  # skips, counted, when the third-party data is not here
    result = cal.backtest(SHARED_DATA)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ""
    assert set(result.coverage) == {"copper", "gold", "silver", "natural-gas"}
    for share in result.coverage.values():
        assert 0.0 <= share <= 1.0
    assert 0.0 <= result.overall_coverage <= 1.0
    assert result.fit_end == 2015
    for model in result.models.models.values():
        assert model.fit_end == 2015
    rows = cal.report(result)
    assert len(rows) == 4 * 11
    assert {r["year"] for r in rows} == set(range(2016, 2027))
    for row in rows:
        assert row["p10"] < row["p50"] < row["p90"]
        assert row["inside"] == (row["p10"] <= row["observed"] <= row["p90"])
    assert any("2026M01" in note for note in result.notes)
    summary = cal.coverage_report(result)
    assert summary[-1]["commodity"] == "all"
    assert summary[-1]["coverage"] == result.overall_coverage


def test_backtest_observations_match_the_data() -> None:
    shared_data()  # skips, counted, when the third-party data is not here
    result = cal.backtest(SHARED_DATA, commodities=["copper"], test_years=[2020, 2026])
    factor = cal.deflator(SHARED_DATA)
    annual = cal.read_annual_real(SHARED_DATA)
    monthly = cal.read_monthly_nominal(SHARED_DATA)
    by_year = {r.year: r for r in result.rows}
    assert by_year[2020].observed == pytest.approx(annual.loc[2020, "copper"] * factor)
    mean_2026 = monthly.loc[monthly.index.str.startswith("2026M"), "copper"].mean()
    assert by_year[2026].observed == pytest.approx(mean_2026)  # deflated to 2010 and back with one factor


def test_backtest_rejects_years_inside_the_fit() -> None:
    shared_data()  # skips, counted, when the third-party data is not here
    with pytest.raises(InputError, match="held-out"):
        cal.backtest(SHARED_DATA, fit_end=2015, test_years=[2015, 2016])


def test_report_of_models_has_one_row_per_commodity() -> None:
    rows = cal.report(bundled_price_models())
    assert [r["commodity"] for r in rows] == ["copper", "gold", "silver", "natural-gas"]
    assert rows[0]["rho:copper"] == 1.0
    assert rows[1]["half_life"] == math.inf
