"""The uncertain inputs of a case: each factor's base value and its range (see :mod:`chagai.risk.sensitivity`)."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from chagai.cases.compile import Compiled
from chagai.results import Factor, RiskSettings
from chagai.risk.inputs import risk_inputs
from chagai.risk.prices import PriceModels, bundled_price_models, log_moments
from chagai.risk.security import SecurityProfile, expected_output_loss

Z90 = 1.2815515655446004
"""Standard normal quantile of 0.90: P10 and P90 lie at -+Z90 standard deviations."""
PRICE_HORIZON = 10
"""Years ahead at which the price range is the calibrated model's P10-P90 [yr]."""
OPEX_RANGE = (0.85, 1.15)
"""Low and high multiplier on operating cost (estimate, +-15% feasibility-study accuracy) [-]."""
GRADE_RANGE = (0.9, 1.1)
"""Low and high multiplier on payable yields (estimate, +-10% grade reconciliation) [-]."""
RATE_SPREAD = 0.02
"""Discount rate range: the scenario's rate -+ this (estimate; 0.08-0.12 at 10%) [1/yr]."""

_PRICE_NAMES = {"natural-gas": "gas"}


def _factor(
    name: str, label: str, unit: str, base: float, low: float, high: float, source: str, integer: bool = False
) -> Factor:
    """A factor from its fields in the order :class:`~chagai.results.Factor` lists them."""
    return Factor(name=name, label=label, unit=unit, base=base, low=low, high=high, source=source, integer=integer)


def price_factor_name(commodity: str) -> str:
    """Name of the price factor of a commodity (``copper`` -> ``copper_price``, ``natural-gas`` -> ``gas_price``)."""
    return f"{_PRICE_NAMES.get(commodity, commodity.replace('-', '_'))}_price"


def construction_window(compiled: Compiled) -> tuple[int, int, int]:
    """First year index a delay moves, number of construction years and the cap on the delay, as the Monte Carlo.

    Returns
    -------
    start, years, max_delay
        Year index, [yr], [yr].
    """
    inputs = risk_inputs(compiled, RiskSettings(prices=False, security=False, schedule=False), None, None)
    return inputs.construction_start, inputs.construction_years, inputs.max_delay


def delay_distribution(compiled: Compiled, profile: SecurityProfile) -> dict[int, float]:
    """Exact probability of each delay [yr] under the profile's pause model.

    The regime chain starts in the valuation year; each construction year brings a pause with the probability of
    its regime; the delay is the number of pauses times ``delay_years``, rounded and capped as the Monte Carlo
    does (:mod:`chagai.risk.montecarlo`). Computed by dynamic programming over (regime, pauses so far).
    """
    start, years, max_delay = construction_window(compiled)
    p_pause = np.array([profile.delay_probability_calm, profile.delay_probability_active])
    dist = np.zeros((2, years + 1))  # [regime, pauses]
    dist[1, 0] = profile.start_active_probability
    dist[0, 0] = 1.0 - profile.start_active_probability
    for t in range(start + years):
        if t > 0:
            calm, active = dist[0].copy(), dist[1].copy()
            dist[1] = active * (1.0 - profile.p_active_to_calm) + calm * profile.p_calm_to_active
            dist[0] = active * profile.p_active_to_calm + calm * (1.0 - profile.p_calm_to_active)
        if t >= start:
            moved = dist * p_pause[:, None]
            dist = dist - moved
            dist[:, 1:] += moved[:, :-1]
    counts = dist.sum(axis=0)
    out: dict[int, float] = {}
    for pauses, probability in enumerate(counts):
        delay = min(int(pauses * profile.delay_years + 0.5), max_delay)
        out[delay] = out.get(delay, 0.0) + float(probability)
    return dict(sorted(out.items()))


def _quantile(distribution: Mapping[int, float], q: float) -> int:
    total = 0.0
    for value, probability in distribution.items():
        total += probability
        if total >= q - 1e-12:
            return value
    return max(distribution)


def _span(base: float, low: float, high: float) -> tuple[float, float]:
    return min(low, base), max(high, base)


def build_factors(
    compiled: Compiled, price_models: PriceModels | None = None, profile: SecurityProfile | None = None
) -> list[Factor]:
    """The uncertain inputs of a compiled case with their bases and ranges (see the module docstring).

    Parameters
    ----------
    compiled
        The case and scenario.
    price_models
        Calibrated price models (default: the bundled ones).
    profile
        Security profile (default: the one for the case's kind; none for a kind without one, and then the capex,
        delay and availability factors are left out).
    """
    models = price_models if price_models is not None else bundled_price_models()
    scenario = compiled.scenario
    factors: list[Factor] = []
    for commodity in compiled.commodities:
        name = price_factor_name(commodity)
        model = models.models.get(commodity)
        if model is None:
            low, high = 0.75, 1.25
            source = f"estimate: +-25%, no calibrated price model for {commodity}"
        else:
            _, sd = log_moments(model, 0.0, PRICE_HORIZON)
            spread = float(sd) * Z90
            low, high = math.exp(-spread), math.exp(spread)
            source = (
                f"source: P10-P90 of the calibrated {commodity} price model ({model.kind}, kappa {model.kappa:.4f}/yr, "
                f"sigma {model.sigma:.4f}) {PRICE_HORIZON} years ahead, exp(-+{Z90:.4f} x sd {float(sd):.4f}), centred "
                f"on the deck; {model.source}"
            )
        factors.append(_factor(name, f"{commodity} price", "x deck", 1.0, low, high, source))
    if profile is not None:
        median, sigma = profile.overrun_median, profile.overrun_sigma
        low, high = _span(scenario.overrun, median * math.exp(-Z90 * sigma), median * math.exp(Z90 * sigma))
        factors.append(
            _factor(
                "capex",
                "capital cost overrun",
                "x capex",
                scenario.overrun,
                low,
                high,
                f"source: P10-P90 of the lognormal overrun of security profile {profile.id} (median {median:g}, "
                f"log sd {sigma:.4f}); {profile.provenance.get('overrun_sigma', '')}",
            )
        )
        delays = delay_distribution(compiled, profile)
        p90 = _quantile(delays, 0.9)
        low, high = _span(float(scenario.delay), float(scenario.delay), float(scenario.delay + p90))
        if high > low:
            factors.append(
                _factor(
                    "delay",
                    "schedule delay",
                    "yr",
                    float(scenario.delay),
                    low,
                    high,
                    f"source: 0 to the P90 ({p90} yr) of the pause model of security profile {profile.id} (pause "
                    f"probability {profile.delay_probability_calm:.3f} calm / {profile.delay_probability_active:.3f} "
                    f"active per construction year, {profile.delay_years:g} yr each), exact distribution",
                    integer=True,
                )
            )
        loss = expected_output_loss(profile)
        low, high = _span(scenario.availability, max(0.0, 1.0 - 2.0 * loss), 1.0)
        if high > low:
            factors.append(
                _factor(
                    "availability",
                    "availability (security outages)",
                    "fraction",
                    scenario.availability,
                    low,
                    high,
                    f"source: 1 - 2 L to 1, L = {loss:.4f} the long-run expected output loss of security profile "
                    f"{profile.id} (event rates, outage days and losses; chagai.risk.security.expected_output_loss)",
                )
            )
    factors += [
        _factor(
            "opex",
            "operating cost",
            "x opex",
            1.0,
            *OPEX_RANGE,
            "estimate: +-15%, the usual accuracy of a feasibility-study operating cost estimate",
        ),
        _factor(
            "grade",
            "grade / payable yield",
            "x yield",
            1.0,
            *GRADE_RANGE,
            "estimate: +-10%, a typical reconciliation range of a reserve model's grade (gas: heat content)",
        ),
    ]
    rate = scenario.discount_rate
    factors.append(
        _factor(
            "discount_rate",
            "discount rate",
            "1/yr",
            rate,
            max(rate - RATE_SPREAD, 0.0),
            rate + RATE_SPREAD,
            "estimate: the scenario's rate -+2 percentage points (0.08-0.12 at 10%), the spread of real required "
            "returns quoted for mining projects",
        )
    )
    return factors
