"""The random inputs of a compiled case: its price processes, security and schedule risks, construction window."""

from __future__ import annotations

import math

import numpy as np

from chagai.cases.compile import DELAY_MARGIN, Compiled
from chagai.errors import InputError, Issue
from chagai.results import RiskSettings
from chagai.risk import montecarlo
from chagai.risk.prices import PriceModels
from chagai.risk.security import SecurityProfile


def _price_process(compiled: Compiled, models: PriceModels | None, settings: RiskSettings) -> montecarlo.PriceProcess:
    n_c = len(compiled.commodities)
    kind = np.zeros(n_c, dtype=np.int64)
    kappa, sigma, drift, level = (np.zeros(n_c) for _ in range(4))
    mean_level = np.zeros(n_c, dtype=np.bool_)
    chol = np.eye(n_c)
    if models is not None and settings.prices:
        if not (math.isfinite(settings.volatility_factor) and settings.volatility_factor >= 0):
            raise InputError([Issue("--risk volatility", settings.volatility_factor, "a number >= 0", "use 1")])
        chosen = models.for_commodities(compiled.commodities)
        chol = chosen.cholesky()
        for c, commodity in enumerate(compiled.commodities):
            m = chosen.models[commodity]
            sigma[c] = m.sigma * settings.volatility_factor
            if m.kind == "gbm":
                kind[c] = 1
                drift[c] = m.drift if settings.price_trend == "calibrated" else 0.0  # deck: E[P_t] = deck
            else:
                kappa[c] = m.kappa
                deck = compiled.prices[c, 0]
                if settings.price_trend == "calibrated" and m.long_run and deck > 0:
                    level[c] = math.log(m.long_run / deck)  # the median's long-run level
                else:
                    mean_level[c] = True  # level 0: E[P_t] = deck every year
    return montecarlo.PriceProcess(kind, kappa, sigma, drift, level, np.ascontiguousarray(chol), mean_level)


def _security_vector(profile: SecurityProfile | None, settings: RiskSettings) -> np.ndarray:
    values = dict.fromkeys(montecarlo.SEC_FIELDS, 0.0)
    values["overrun_median"] = 1.0
    values["delay_years"] = 1.0
    if profile is not None:
        p = profile.values()
        chosen = (montecarlo.OUTAGE_FIELDS if settings.security else ()) + (
            montecarlo.SCHEDULE_FIELDS if settings.schedule else ()
        )
        for name in chosen:
            values[name] = p[name]
    return np.array([values[name] for name in montecarlo.SEC_FIELDS], dtype=np.float64)


def risk_inputs(
    compiled: Compiled, settings: RiskSettings, models: PriceModels | None, profile: SecurityProfile | None
) -> montecarlo.RiskInputs:
    """The compiled case's random inputs under ``settings``."""
    params = compiled.params
    capacity = params.production.capacity
    first_production = int(np.argmax(capacity > 0)) if np.any(capacity > 0) else len(capacity)
    start = params.production.shift_from
    construction = max(0, first_production - start) if start < len(capacity) else 0
    return montecarlo.RiskInputs(
        prices=_price_process(compiled, models, settings),
        security=_security_vector(profile, settings),
        construction_start=int(start),
        construction_years=int(construction),
        max_delay=max(0, DELAY_MARGIN - 2),  # the horizon keeps DELAY_MARGIN years after the base end
        n_years=len(capacity),
        scenario_delay=compiled.scenario.delay,
        scenario_overrun=compiled.scenario.overrun,
        scenario_availability=compiled.scenario.availability,
    )
