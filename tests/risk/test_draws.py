"""The Monte Carlo's draws, as the compiled code draws them, against their analytic distributions.

Every test here draws with :func:`chagai.risk.montecarlo.draw_inputs`, the compiled block code each run uses, and
compares the sample with the model's exact moments or distribution function. Bands are ``Z`` standard errors
sized from the number of draws (and, for the tabulated outage totals, the table's resolution); seeds are fixed,
so each test is deterministic.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from functools import cache

import numpy as np
import pytest
from scipy.special import gammainc
from scipy.stats import norm, poisson

from chagai.cases.compile import Compiled, compile_case
from chagai.cases.library import bundled_case
from chagai.core.calendar import DAYS_PER_YEAR
from chagai.results import RiskSettings
from chagai.risk import montecarlo
from chagai.risk.inputs import risk_inputs
from chagai.risk.prices import bundled_price_models
from chagai.risk.security import (
    OUTAGE_TABLE_CELLS,
    SecurityProfile,
    active_probability,
    bundled_security_profiles,
    expected_output_loss,
    mean_event_rate,
    outage_quantiles,
    pause_distribution,
    profile_for_case_kind,
    stationary_active,
)

Z = 5.0
"""Half-width of every band, in standard errors."""
N_PATHS = 200_000
"""Paths drawn for each sample of prices and of the overrun."""
SEED = 20260301


@cache
def _compiled(case_id: str) -> Compiled:
    return compile_case(bundled_case(case_id))


def _run_draws(case_id: str, trend: str) -> tuple[montecarlo.RiskInputs, montecarlo.Draws]:
    """The draws of a run of a bundled case with the bundled models and profile, under ``trend``."""
    compiled = _compiled(case_id)
    profile = profile_for_case_kind(compiled.case.kind)
    inputs = risk_inputs(compiled, RiskSettings(price_trend=trend), bundled_price_models(), profile)
    return inputs, montecarlo.draw_inputs(inputs, compiled.prices, SEED, N_PATHS)


def _fixed_price(
    n_years: int, profile: SecurityProfile, start: int, years: int, max_delay: int
) -> montecarlo.RiskInputs:
    """Risk inputs of one commodity at a constant price and the profile's security and schedule risk."""
    zero = np.zeros(1)
    prices = montecarlo.PriceProcess(
        np.zeros(1, dtype=np.int64), zero, zero, zero, zero, np.eye(1), np.zeros(1, dtype=np.bool_)
    )
    security = np.array([profile.values()[name] for name in montecarlo.SEC_FIELDS], dtype=np.float64)
    return montecarlo.RiskInputs(prices, security, start, years, max_delay, n_years)


def _band(sample: float, expected: float, standard_error: float, extra: float = 0.0) -> None:
    assert abs(sample - expected) <= Z * standard_error + extra, (sample, expected, standard_error)


# --------------------------------------------------------------------------------------------------- prices


def _analytic_log_moments(case_id: str, trend: str) -> tuple[np.ndarray, np.ndarray]:
    """Mean (C, T) and covariance (T, C, C) of y_t = ln(P_t / deck) from the calibrated models' parameters.

    Mean-reverting, b = 1 - kappa: variance sigma^2 (1 - b^(2t)) / (1 - b^2); mean m (1 - b^t) with
    m = ln(long_run / deck) (trend calibrated) or -variance / 2 (trend deck: the mean price at the deck).
    GBM: variance sigma^2 t; mean (drift - sigma^2 / 2) t (calibrated) or -sigma^2 t / 2 (deck: drift 0).
    Covariance of commodities c, d: rho sigma_c sigma_d (1 - (b_c b_d)^t) / (1 - b_c b_d) (t when b_c b_d = 1).
    """
    compiled = _compiled(case_id)
    models = bundled_price_models().for_commodities(compiled.commodities)
    t = np.arange(len(compiled.years), dtype=np.float64)
    n_c = len(compiled.commodities)
    b, sigma, mean = np.ones(n_c), np.empty(n_c), np.empty((n_c, t.size))
    for c, name in enumerate(compiled.commodities):
        model = models.models[name]
        sigma[c] = model.sigma
        if model.kind == "gbm":
            drift = model.drift if trend == "calibrated" else 0.0
            mean[c] = (drift - 0.5 * model.sigma**2) * t
        else:
            b[c] = 1.0 - model.kappa
            variance = model.sigma**2 * (1.0 - b[c] ** (2 * t)) / (1.0 - b[c] ** 2)
            assert model.long_run is not None
            level = math.log(model.long_run / compiled.prices[c, 0])
            mean[c] = level * (1.0 - b[c] ** t) if trend == "calibrated" else -0.5 * variance
    cov = np.empty((t.size, n_c, n_c))
    for c, d in itertools.product(range(n_c), repeat=2):
        bb = b[c] * b[d]
        memory = t if bb == 1.0 else (1.0 - bb**t) / (1.0 - bb)
        cov[:, c, d] = models.correlation[c, d] * sigma[c] * sigma[d] * memory
    return mean, cov


RUNS = [(case_id, trend) for case_id in ("reko-diq", "saindak", "sui") for trend in ("deck", "calibrated")]


@pytest.mark.parametrize(("case_id", "trend"), RUNS)
def test_prices_have_the_analytic_moments_correlations_and_mean(case_id: str, trend: str) -> None:
    """Year by year and commodity by commodity, the drawn prices against the calibrated process.

    The log price relative to the deck: mean, variance, the share below its normal quantiles (1% to 99%) and the
    correlation across commodities. The price: its mean is the deck's in every year under trend=deck, and
    deck exp(mean_t + var_t / 2) under trend=calibrated.
    """
    _, draws = _run_draws(case_id, trend)
    deck = _compiled(case_id).prices[:, 0]
    mean, cov = _analytic_log_moments(case_id, trend)
    variance = np.einsum("tcc->ct", cov)
    expected_price = np.exp(mean + 0.5 * variance)  # of P_t / deck
    if trend == "deck":
        np.testing.assert_allclose(expected_price, 1.0, rtol=1e-12)
    n_c, n_years, n = draws.price.shape
    y = np.log(draws.price / deck[:, None, None])  # (C, T, n)
    assert np.all(y[:, 0] == 0.0)  # the valuation year is at the deck
    for c in range(n_c):
        ratio = draws.price[c] / deck[c]
        price_mean, log_mean, log_var = ratio.mean(axis=1), y[c].mean(axis=1), y[c].var(axis=1, ddof=1)
        for t in range(1, n_years):
            v = variance[c, t]
            _band(log_mean[t], mean[c, t], math.sqrt(v / n))
            _band(log_var[t], v, v * math.sqrt(2.0 / (n - 1)))
            for q in (0.01, 0.1, 0.5, 0.9, 0.99):  # normal, tails too
                threshold = mean[c, t] + norm.ppf(q) * math.sqrt(v)
                _band(float(np.mean(y[c, t] < threshold)), q, math.sqrt(q * (1 - q) / n))
            sd = expected_price[c, t] * math.sqrt(math.expm1(v))  # of a lognormal
            _band(price_mean[t], expected_price[c, t], sd / math.sqrt(n))
    for c, d in itertools.combinations(range(n_c), 2):
        for t in range(1, n_years):
            rho = cov[t, c, d] / math.sqrt(variance[c, t] * variance[d, t])
            _band(float(np.corrcoef(y[c, t], y[d, t])[0, 1]), rho, (1.0 - rho * rho) / math.sqrt(n))


def test_a_mean_level_holds_the_mean_price_exactly() -> None:
    """E[exp(y_t)] = exp(level) in every year from the recursion of the log-price's mean and variance."""
    one = np.ones(3)
    process = montecarlo.PriceProcess(
        np.array([0, 0, 1]),
        np.array([0.08, 1.6, 0.0]),
        np.array([0.2, 0.3, 0.25]),
        np.array([0.0, 0.0, 0.03]),
        np.array([0.0, math.log(1.3), 0.0]),
        np.eye(3),
        np.array([True, True, False]),
    )
    steps = process.log_steps(40)
    assert steps.shape == (3, 40)
    assert np.all(steps[:, 0] == 0.0)
    mean, variance = np.zeros(3), np.zeros(3)
    keep = one - process.kappa
    for t in range(1, 40):
        mean = keep * mean + steps[:, t]
        variance = keep**2 * variance + process.sigma**2
        np.testing.assert_allclose(mean[:2] + variance[:2] / 2, process.level[:2], atol=1e-13)
        assert mean[2] + variance[2] / 2 == pytest.approx(0.03 * t, abs=1e-12)  # GBM: E[P_t] grows at the drift
    median = dataclasses.replace(process, mean_level=np.zeros(3, dtype=np.bool_)).log_steps(5)
    np.testing.assert_allclose(median[1, 1:], 1.6 * math.log(1.3))  # kappa m: the median reverts to exp(m)


# -------------------------------------------------------------------------------------------- security regime


def _mine() -> SecurityProfile:
    return bundled_security_profiles()["balochistan-mine"]


def test_the_regime_settles_at_the_stationary_share_after_burn_in() -> None:
    """With a pause certain in active years and impossible in calm ones, the pauses count active years.

    Counted over years 40-59, after a burn-in from an active start, the share of active years is the stationary
    p01 / (p01 + p10), and the count's distribution is the exact one of the chain.
    """
    profile = dataclasses.replace(_mine(), delay_probability_calm=0.0, delay_probability_active=1.0, delay_years=1.0)
    start, years = 40, 20
    draws = montecarlo.draw_inputs(_fixed_price(60, profile, start, years, years), np.ones((1, 60)), SEED, N_PATHS)
    active = draws.delay
    pi = profile.p_calm_to_active / (profile.p_calm_to_active + profile.p_active_to_calm)
    assert pi == pytest.approx(stationary_active(profile))
    _band(float(active.mean()) / years, pi, float(active.std()) / years / math.sqrt(active.size))
    exact = pause_distribution(profile.p_calm_to_active, profile.p_active_to_calm, 1.0, 0.0, 1.0, start, years)
    assert float(exact @ np.arange(years + 1)) / years == pytest.approx(pi, rel=1e-6)
    frequency = np.bincount(active, minlength=years + 1) / active.size
    for k in range(years + 1):
        _band(frequency[k], exact[k], math.sqrt(exact[k] * (1 - exact[k]) / active.size))


def test_the_regime_follows_its_transient_from_the_start() -> None:
    """The mean share of active years is the mean of P(active in year t) over the horizon."""
    profile = _mine()
    n_years = 30
    draws = montecarlo.draw_inputs(_fixed_price(n_years, profile, 0, 0, 0), np.ones((1, n_years)), SEED, N_PATHS)
    share = draws.inputs[:, 3]
    expected = float(active_probability(profile, np.arange(n_years)).mean())
    _band(float(share.mean()), expected, float(share.std()) / math.sqrt(share.size))


# --------------------------------------------------------------------------------------------------- outages


def _compound_poisson_cdf(t: np.ndarray, rate: float) -> np.ndarray:
    """P(E_1 + .. + E_N <= t), N Poisson(rate), E_i standard exponential: a Poisson mixture of gamma laws."""
    k = np.arange(1, int(rate + 12 * math.sqrt(rate) + 30))
    return np.asarray(math.exp(-rate) + gammainc(k[None, :], t[:, None]) @ poisson.pmf(k, rate), dtype=np.float64)


OUTAGES = [("balochistan-mine", active, severe) for active in (False, True) for severe in (True, False)] + [
    ("balochistan-gas", True, False)
]


@pytest.mark.parametrize(("profile_id", "active", "severe"), OUTAGES)
def test_outage_totals_follow_the_compound_poisson_law(profile_id: str, active: bool, severe: bool) -> None:
    """A year's outage total, in one regime and of one kind, against the exact compound Poisson law.

    The regime is frozen and every event is of one kind, of a mean length of a thousandth of a year at a full
    loss, so ``1000 (1 - availability)`` is the year's compound Poisson total T (in mean lengths). The sample's
    atom at 0, distribution function, mean and variance are compared with e^-rate, the exact law, rate and
    2 rate; the distribution function's band adds the table's resolution, 1 / cells.
    """
    base = bundled_security_profiles()[profile_id]
    rate = base.event_rate_active if active else base.event_rate_calm
    profile = dataclasses.replace(
        base,
        p_calm_to_active=0.0,
        p_active_to_calm=0.0,
        start_active_probability=1.0 if active else 0.0,
        severe_probability=1.0 if severe else 0.0,
        severe_days_mean=DAYS_PER_YEAR / 1000,
        outage_days_mean=DAYS_PER_YEAR / 1000,
        outage_loss=1.0,
        delay_probability_calm=0.0,
        delay_probability_active=0.0,
    )
    n_years = 20
    draws = montecarlo.draw_inputs(_fixed_price(n_years, profile, 0, 0, 0), np.ones((1, n_years)), SEED, 100_000)
    total = ((1.0 - draws.availability) * 1000.0).ravel()
    n = total.size
    resolution = 1.0 / OUTAGE_TABLE_CELLS
    atom = math.exp(-rate)
    _band(float(np.mean(total < 1e-9)), atom, math.sqrt(atom * (1 - atom) / n), resolution)
    nodes = np.round(np.array([0.25, 0.5, 0.75, 0.9, 0.99, 0.999]) * OUTAGE_TABLE_CELLS).astype(int)
    points = outage_quantiles(rate)[nodes]
    nodes = nodes[points > 0]  # beyond the atom at 0
    points = points[points > 0]
    exact = _compound_poisson_cdf(points, rate)
    np.testing.assert_allclose(exact, nodes / OUTAGE_TABLE_CELLS, atol=1e-6)  # the table's nodes: exact quantiles
    for point, p in zip(points, exact, strict=True):
        _band(float(np.mean(total <= point)), p, math.sqrt(p * (1 - p) / n), resolution)
    _band(float(total.mean()), rate, math.sqrt(2 * rate / n))
    fourth = 24 * rate + 3 * (2 * rate) ** 2  # E[(T - rate)^4]: cumulants 2 rate (2nd) and 24 rate (4th)
    _band(float(total.var()), 2 * rate, math.sqrt((fourth - (2 * rate) ** 2) / n))


@pytest.mark.parametrize("profile_id", ["balochistan-mine", "balochistan-gas"])
def test_mean_availability_follows_the_regime_and_the_event_rates(profile_id: str) -> None:
    """E[1 - availability_t] = sum over regimes of P(regime) x rate x (severe share x severe days + ...) / year."""
    profile = bundled_security_profiles()[profile_id]
    n_years = 30
    draws = montecarlo.draw_inputs(_fixed_price(n_years, profile, 0, 0, 0), np.ones((1, n_years)), SEED, N_PATHS)
    per_event = (
        profile.severe_probability * profile.severe_days_mean
        + (1 - profile.severe_probability) * profile.outage_days_mean * profile.outage_loss
    ) / DAYS_PER_YEAR
    p = active_probability(profile, np.arange(n_years))
    expected = 1.0 - per_event * (p * profile.event_rate_active + (1 - p) * profile.event_rate_calm)
    sample = draws.availability.mean(axis=1)
    sd = draws.availability.std(axis=1)
    for t in range(n_years):
        _band(float(sample[t]), float(expected[t]), float(sd[t]) / math.sqrt(N_PATHS))


@pytest.mark.parametrize("profile_id", ["balochistan-mine", "balochistan-gas"])
def test_the_sensitivity_expected_loss_is_the_monte_carlo_mean_loss(profile_id: str) -> None:
    """``expected_output_loss`` (sensitivity's middle availability) = the draws' mean lost share, one year length.

    The regime starts in its stationary distribution, so every year's mean loss is the long-run one; events are
    rare and short enough that overlaps and the cap at a whole year do not matter. Both divide the days lost by
    the one year length, ``DAYS_PER_YEAR``.
    """
    base = bundled_security_profiles()[profile_id]
    profile = dataclasses.replace(base, start_active_probability=stationary_active(base))
    n_years = 10
    draws = montecarlo.draw_inputs(_fixed_price(n_years, profile, 0, 0, 0), np.ones((1, n_years)), SEED, 100_000)
    lost = 1.0 - draws.availability
    assert float((lost >= 1.0).mean()) < 1e-4  # a whole year lost (the cap) is too rare to bias the mean
    per_path = lost.mean(axis=0)  # a path's years are correlated through the regime: one value a path
    _band(float(per_path.mean()), expected_output_loss(profile), float(per_path.std()) / math.sqrt(per_path.size))
    assert expected_output_loss(profile) == pytest.approx(
        mean_event_rate(profile)
        * (
            profile.severe_probability * profile.severe_days_mean
            + (1 - profile.severe_probability) * profile.outage_days_mean * profile.outage_loss
        )
        / DAYS_PER_YEAR,
        rel=1e-12,
    )


# ----------------------------------------------------------------------------------------- pauses and overrun


def _pauses_by_enumeration(profile: SecurityProfile, start: int, years: int) -> np.ndarray:
    """P(k pauses), by enumerating every regime path up to the last construction year and every pause count."""
    out = np.zeros(years + 1)
    for path in itertools.product((0, 1), repeat=start + years):
        chance = profile.start_active_probability if path[0] else 1 - profile.start_active_probability
        for before, after in itertools.pairwise(path):
            to_active = profile.p_calm_to_active if before == 0 else 1 - profile.p_active_to_calm
            chance *= to_active if after else 1 - to_active
        pauses = np.array([1.0])
        for regime in path[start:]:
            p = profile.delay_probability_active if regime else profile.delay_probability_calm
            pauses = np.convolve(pauses, [1 - p, p])
        out += chance * pauses
    return out


@pytest.mark.parametrize(("start", "years"), [(0, 1), (1, 3), (2, 4), (0, 6)])
def test_pause_distribution_is_the_enumerated_one(start: int, years: int) -> None:
    profile = _mine()
    exact = _pauses_by_enumeration(profile, start, years)
    computed = pause_distribution(
        profile.p_calm_to_active,
        profile.p_active_to_calm,
        profile.start_active_probability,
        profile.delay_probability_calm,
        profile.delay_probability_active,
        start,
        years,
    )
    np.testing.assert_allclose(computed, exact, rtol=0, atol=1e-15)
    assert computed.sum() == pytest.approx(1.0, abs=1e-15)


def test_delays_and_the_overrun_of_a_run_have_the_profiles_law() -> None:
    """Reko Diq's construction pauses and capital overrun, drawn as its Monte Carlo draws them.

    Pauses (one year each): the exact distribution, by enumeration of the regime paths. Overrun: the log of the
    factor has the profile's mean ln(median) and standard deviation sigma, and correlation rho with the number of
    pauses; its distribution is the exact mixture over the pause count k of normals with mean rho z_k and
    variance 1 - rho^2 (z_k the standardised count).
    """
    inputs, draws = _run_draws("reko-diq", "deck")
    profile = _mine()
    start, years = inputs.construction_start, inputs.construction_years
    assert (start, years) == (1, 3)
    assert inputs.max_delay >= years * profile.delay_years  # no cap: the delay is the number of pauses
    exact = _pauses_by_enumeration(profile, start, years)
    n = draws.delay.size
    frequency = np.bincount(draws.delay, minlength=years + 1) / n
    assert frequency.size == years + 1
    for k in range(years + 1):
        _band(frequency[k], exact[k], math.sqrt(exact[k] * (1 - exact[k]) / n))
    log_factor = np.log(draws.capex_factor)
    sigma, rho = profile.overrun_sigma, profile.overrun_delay_correlation
    _band(float(log_factor.mean()), math.log(profile.overrun_median), sigma / math.sqrt(n))
    centred = log_factor - log_factor.mean()
    fourth = float(np.mean(centred**4))
    _band(float(log_factor.var()), sigma**2, math.sqrt((fourth - sigma**4) / n))
    _band(float(np.corrcoef(log_factor, draws.delay)[0, 1]), rho, (1 - rho * rho) / math.sqrt(n))
    count = np.arange(years + 1)
    mean = exact @ count
    z_k = (count - mean) / math.sqrt(exact @ (count - mean) ** 2)
    for q in (0.1, 0.5, 0.9):
        x = profile.overrun_median * math.exp(sigma * norm.ppf(q))
        score = math.log(x / profile.overrun_median) / sigma
        p = float(exact @ norm.cdf((score - rho * z_k) / math.sqrt(1 - rho * rho)))
        _band(float(np.mean(draws.capex_factor <= x)), p, math.sqrt(p * (1 - p) / n))


def test_pause_moments_are_the_exact_distributions() -> None:
    inputs, _ = _run_draws("reko-diq", "deck")
    exact = _pauses_by_enumeration(_mine(), inputs.construction_start, inputs.construction_years)
    count = np.arange(exact.size)
    mean, sd = inputs.pause_moments()
    assert mean == pytest.approx(exact @ count, rel=1e-13)
    assert sd == pytest.approx(math.sqrt(exact @ (count - exact @ count) ** 2), rel=1e-13)
    calm = risk_inputs(_compiled("reko-diq"), RiskSettings(schedule=False), None, _mine())
    assert calm.pause_moments() == (0.0, 0.0)  # no pauses: no pause score
