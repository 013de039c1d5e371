"""Breakeven price distribution: the primary commodity's price at which the project NPV after tax is zero."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np
from scipy.optimize import brentq

from chagai.cases.compile import Compiled
from chagai.core.measures import PathMeasures
from chagai.errors import InputError, Issue
from chagai.results import BreakevenDistribution, RiskSettings
from chagai.risk import montecarlo
from chagai.risk.inputs import risk_inputs
from chagai.risk.sensitivity.evaluator import Evaluator, evaluator_of
from chagai.risk.sensitivity.factors import price_factor_name

BREAKEVEN_BRACKET = (0.01, 20.0)
"""Price factors searched for a breakeven, as in :func:`chagai.services.appraise.appraise` [-]."""


def breakeven_distribution(
    target: Compiled | Evaluator,
    n: int = 500,
    seed: int = 7,
    *,
    security: bool = True,
    schedule: bool = True,
) -> BreakevenDistribution:
    """P10/P50/P90 of the after-tax breakeven price of the case's primary commodity over the non-price risks.

    For each of the first ``n`` paths of the Monte Carlo with ``seed`` (its capital overrun, delay and
    availability, drawn by its own compiled code: :func:`chagai.risk.montecarlo.draw_inputs`), the primary
    commodity's price path is scaled by the factor at which the project NPV after tax at the scenario's rate is
    zero (Brent's method on the factor in [0.01, 20]); the breakeven is that factor
    times the deck price of the valuation year. Other prices stay on the deck. A draw whose NPV is positive over
    the whole bracket (the other products pay for the mine) has breakeven ``-inf``, one negative over it ``+inf``;
    both take part in the percentiles at their end of the ranking.

    Parameters
    ----------
    target
        A compiled case (the security profile for its kind), or an evaluator (its case and profile).
    n
        Number of draws.
    seed
        Seed of the Monte Carlo run whose paths are used.
    security, schedule
        Whether the draws include the security outages, and the delay and capital overrun (as a Monte Carlo's
        risk settings say).
    """
    ev = evaluator_of(target)
    if n < 1:
        raise InputError([Issue("n", n, "1 or more draws", "give a positive number")])
    compiled = ev.compiled
    primary = compiled.commodities[0]
    name = price_factor_name(primary)
    display = float(compiled.prices[0, 0] * compiled.price_display_factor[0])
    start = time.perf_counter()
    runs0 = ev.runs
    still_prices = RiskSettings(prices=False, security=security, schedule=schedule)
    risk = risk_inputs(compiled, still_prices, None, ev.profile if (security or schedule) else None)
    drawn = montecarlo.draw_inputs(risk, compiled.prices, seed, n)
    delays, capexes, paths = drawn.delay, drawn.capex_factor, np.ascontiguousarray(drawn.availability.T)
    low, high = BREAKEVEN_BRACKET

    def root(fn: Callable[[float], float]) -> float:
        f_low, f_high = fn(low), fn(high)
        if not (math.isfinite(f_low) and math.isfinite(f_high)):
            return math.nan
        if f_low > 0 and f_high > 0:
            return -math.inf  # pays even at the lowest price searched
        if f_low < 0 and f_high < 0:
            return math.inf  # never pays within the prices searched
        return float(brentq(fn, low, high, xtol=1e-6))

    def base_npv(factor: float) -> float:
        return PathMeasures(*ev.run({name: factor}), ev.rate).values["npv_post_tax"]

    deterministic = root(base_npv) * display
    factors = np.empty(n)
    for i in range(n):

        def npv_at(factor: float, i: int = i) -> float:
            run = ev.run({name: factor}, availability=paths[i], capex=float(capexes[i]), delay=int(delays[i]))
            return PathMeasures(*run, ev.rate).values["npv_post_tax"]

        factors[i] = root(npv_at)
    prices = factors * display
    known = prices[~np.isnan(prices)]
    finite = known[np.isfinite(known)]
    below, above = int(np.sum(known == -math.inf)), int(np.sum(known == math.inf))
    p10, p50, p90 = (
        (float(v) for v in np.percentile(known, (10, 50, 90), method="inverted_cdf")) if known.size else (math.nan,) * 3
    )
    risks = [r for r, on in (("security outages", security), ("delay and capital overrun", schedule)) if on]
    profile = ev.profile.id if ev.profile else "none"
    basis = (
        f"{primary} price (whole deck path scaled; other prices on the deck) at which the project NPV after tax at "
        f"{ev.rate:.0%} is zero, over the first {n:,} paths of the Monte Carlo with seed {seed} (its draws of "
        f"{' and '.join(risks) or 'no risk'}, security profile {profile}, on top of the scenario's delay, overrun "
        f"and availability); price in {compiled.price_units[0]}, real {compiled.case.money.base_year}; "
        f"draws with no breakeven within {low:g}-{high:g} x deck: {below} pay at any price searched (ranked lowest, "
        f"-inf), {above} at none (ranked highest, +inf), {n - known.size} undefined (left out); percentiles are "
        "sample values (inverted CDF), the mean is over the draws with a breakeven"
    )
    distribution = BreakevenDistribution(
        commodity=primary,
        unit=compiled.price_units[0],
        deck_price=display,
        deterministic=deterministic,
        p10=p10,
        p50=p50,
        p90=p90,
        mean=float(finite.mean()) if finite.size else math.nan,
        n=n,
        defined=int(finite.size),
        below=below,
        above=above,
        seed=seed,
        seconds=time.perf_counter() - start,
        runs=ev.runs - runs0,
        basis=basis,
    )
    return distribution.keep_values(prices)
