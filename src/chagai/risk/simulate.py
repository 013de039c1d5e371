"""The simulate service: a case, a scenario and risk settings in, distributions of every answer out."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from chagai import __version__
from chagai.cases.compile import DELAY_MARGIN, Compiled, Scenario, compile_case
from chagai.cases.io import case_hash
from chagai.cases.schema import Case
from chagai.core import kernel as k
from chagai.core import measures
from chagai.errors import InputError, Issue, NotFoundError
from chagai.risk import montecarlo as mc
from chagai.risk.prices import PriceModels, bundled_price_models
from chagai.risk.quantiles import column_histograms, column_percentiles
from chagai.risk.security import SecurityProfile, bundled_security_profiles, profile_for_case_kind

PERCENTILES = (10, 50, 90)
HISTOGRAM_RANGE = (0.5, 99.5)
"""Percentiles bounding a histogram's bins; values beyond them are counted in the end bins [%]."""
NO_FLOWS = 1e-9
"""A party whose NPV never exceeds this in magnitude has no flows and is left out of the results [US$m]."""


def _has_flows(smallest: float, largest: float) -> bool:
    """Whether a party has flows, from its smallest and largest NPV over the valid paths (NaN when none)."""
    return abs(smallest) > NO_FLOWS or abs(largest) > NO_FLOWS


@dataclass(frozen=True)
class RiskSettings:
    """Which risks a run draws, and how prices trend.

    ``price_trend``:

    * ``deck`` keeps each price's expected (mean) level at the case's deck price in every year: a mean-reverting
      log price reverts to a level set year by year so that E[P_t] = deck (its median lies below the deck, by
      the factor exp(-var_t / 2)); a GBM price has drift 0 (mean at the deck, median deck exp(-sigma^2 t / 2)).
    * ``calibrated`` uses the calibrated models: a mean-reverting price's median reverts to the calibrated
      long-run price (its mean lies above it, by exp(var_t / 2)); a GBM price's mean grows at the calibrated
      drift, E[P_t] = deck exp(drift t).
    """

    prices: bool = True
    security: bool = True
    schedule: bool = True
    price_trend: str = "deck"
    volatility_factor: float = 1.0
    profile: str | None = None

    @classmethod
    def parse(cls, text: str) -> RiskSettings:
        """Read ``prices=off,security=on,trend=calibrated,volatility=1.5,profile=balochistan-mine``."""
        values = dict(part.split("=", 1) for part in filter(None, (p.strip() for p in text.split(","))) if "=" in part)
        known = {"prices", "security", "schedule", "trend", "volatility", "profile"}
        unknown = sorted(set(values) - known)
        if unknown or (text.strip() and not values):
            issue = Issue("--risk", text, f"key=value pairs with keys among {', '.join(sorted(known))}", "fix it")
            raise InputError([issue])

        def flag(name: str) -> bool:
            value = values.get(name, "on").lower()
            if value not in ("on", "off", "true", "false", "1", "0"):
                raise InputError([Issue(f"--risk {name}", value, "on or off", "write on or off")])
            return value in ("on", "true", "1")

        trend = values.get("trend", "deck")
        if trend not in ("deck", "calibrated"):
            raise InputError([Issue("--risk trend", trend, "deck or calibrated", "choose one")])
        return cls(
            prices=flag("prices"),
            security=flag("security"),
            schedule=flag("schedule"),
            price_trend=trend,
            volatility_factor=float(values.get("volatility", 1.0)),
            profile=values.get("profile"),
        )


@dataclass
class Distribution:
    """Summary of one metric over the valid paths."""

    key: str
    label: str
    unit: str
    mean: float
    p10: float
    p50: float
    p90: float
    defined: int

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {k_: (None if isinstance(v, float) and math.isnan(v) else v) for k_, v in self.__dict__.items()}


@dataclass
class Simulation:
    """The result of a Monte Carlo run, with everything needed to replay it."""

    compiled: Compiled
    risk: RiskSettings
    profile: SecurityProfile | None
    price_models: PriceModels | None
    arrays: mc.SimulationArrays
    distributions: list[Distribution] = field(default_factory=list)
    stakeholders: list[dict[str, Any]] = field(default_factory=list)
    probabilities: dict[str, float] = field(default_factory=dict)
    default_years: dict[int, int] = field(default_factory=dict)
    failures: list[dict[str, Any]] = field(default_factory=list)
    irr_paths: int = 0

    @property
    def case(self) -> Case:
        """The simulated case."""
        return self.compiled.case

    @property
    def valid(self) -> np.ndarray:
        """Mask of the paths that ran without failure."""
        mask: np.ndarray = self.arrays.status == mc.STATUS_OK
        return mask

    @property
    def basis(self) -> str:
        """How money is stated and discounted."""
        s = self.compiled.scenario
        return (
            f"{self.arrays.n_paths:,} paths, seed {self.arrays.seed}; NPV at {s.discount_rate:.0%} real "
            f"{self.case.money.base_year} US$m, year 0 = {self.compiled.valuation_year}"
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        a = self.arrays
        return {
            "project": {"id": self.case.id, "name": self.case.name},
            "chagai_version": __version__,
            "inputs_hash": case_hash(self.case),
            "seed": a.seed,
            "paths": a.n_paths,
            "chunk_size": a.chunk_size,
            "threads": a.threads,
            "wall_seconds": a.wall_seconds,
            "risk": self.risk.__dict__,
            "security_profile": self.profile.id if self.profile else None,
            "basis": self.basis,
            "distributions": [d.as_dict() for d in self.distributions],
            "stakeholders": self.stakeholders,
            "irr_sample_paths": self.irr_paths,
            "probabilities": self.probabilities,
            "first_default_year": {str(y): c for y, c in self.default_years.items()},
            "failures": {"count": int((~self.valid).sum()), "examples": self.failures},
            "histograms": self.histograms(),
        }

    def histograms(self, bins: int = 40) -> list[dict[str, Any]]:
        """Bin edges and path counts of the main results over the valid paths.

        One entry per result: the project's NPV after tax, each government's PV, the government take, the
        minimum DSCR and each owner's NPV, with its key, label and unit. Values beyond the central 99% (ratios
        over a near-zero NPV can be huge) are counted in the outermost bins, so every path is counted and the
        bins stay readable; the label says so when it happens.
        """
        a, valid = self.arrays, self.valid
        metrics = [measures.M_NPV_POST, measures.M_PV_FED, measures.M_PV_PROV, measures.M_AETR, measures.M_MIN_DSCR]
        metric_names = [(measures.MEASURES[i][0], measures.MEASURES[i][2], measures.MEASURES[i][1]) for i in metrics]
        owners = [self.compiled.parties[p] for p in a.parties]
        owner_names = [(f"npv_{party.id}", f"NPV of {party.label}", "US$m") for party in owners]
        return _histograms(a.metrics, valid, metrics, metric_names, bins) + _histograms(
            a.party_npv, valid, list(range(len(owners))), owner_names, bins, parties=True
        )

    def draws(self) -> Any:
        """Every path's inputs and results as a pandas DataFrame (one row per path)."""
        import pandas as pd

        a = self.arrays
        data: dict[str, Any] = {"path": np.arange(a.n_paths), "status": a.status}
        for i, name in enumerate(mc.INPUTS):
            data[name] = a.inputs[:, i]
        for i, (name, _, _) in enumerate(measures.MEASURES):
            data[name] = a.metrics[:, i]
        for column, p in enumerate(a.parties):
            data[f"npv_{self.compiled.parties[p].id}"] = a.party_npv[:, column]
        data["first_default_year"] = a.default_year
        return pd.DataFrame(data)


def _histograms(
    values: np.ndarray,
    valid: np.ndarray,
    columns: list[int],
    names: list[tuple[str, str, str]],
    bins: int,
    parties: bool = False,
) -> list[dict[str, Any]]:
    """Histograms of some columns of a run's results (key, label and unit in ``names``), as ``np.histogram``.

    Over the valid paths' finite values, a column's edges span its values, or the central :data:`HISTOGRAM_RANGE`
    with the values beyond it counted in the end bins when there are any; a column without a finite value is left
    out, and so is a party without flows (``parties``).
    """
    q, defined = column_percentiles(values, valid, (0, *HISTOGRAM_RANGE, 100), columns)
    kept = [i for i in range(len(columns)) if defined[i] and (not parties or _has_flows(q[i, 0], q[i, -1]))]
    edges = np.empty((len(kept), bins + 1))
    clipped = np.zeros(len(kept), dtype=bool)
    for row, i in enumerate(kept):
        smallest, low, high, largest = q[i]
        clipped[row] = high > low and (smallest < low or largest > high)
        first, last = (low, high) if clipped[row] else (smallest, largest)
        if first == last:  # np.histogram's bins around a single value
            first, last = first - 0.5, last + 0.5
        edges[row] = np.linspace(first, last, bins + 1)
    counts = column_histograms(values, valid, edges, [columns[i] for i in kept])
    out = []
    for row, i in enumerate(kept):
        key, label, unit = names[i]
        if clipped[row]:
            label = f"{label} (central 99%, the rest in the end bins)"
        out.append(
            {"key": key, "label": label, "unit": unit, "edges": edges[row].tolist(), "counts": counts[row].tolist()}
        )
    return out


def _price_process(compiled: Compiled, models: PriceModels | None, settings: RiskSettings) -> mc.PriceProcess:
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
    return mc.PriceProcess(kind, kappa, sigma, drift, level, np.ascontiguousarray(chol), mean_level)


def _security_vector(profile: SecurityProfile | None, settings: RiskSettings) -> np.ndarray:
    values = dict.fromkeys(mc.SEC_FIELDS, 0.0)
    values["overrun_median"] = 1.0
    values["delay_years"] = 1.0
    if profile is not None:
        p = profile.values()
        chosen = (mc.OUTAGE_FIELDS if settings.security else ()) + (mc.SCHEDULE_FIELDS if settings.schedule else ())
        for name in chosen:
            values[name] = p[name]
    return np.array([values[name] for name in mc.SEC_FIELDS], dtype=np.float64)


def risk_inputs(
    compiled: Compiled, settings: RiskSettings, models: PriceModels | None, profile: SecurityProfile | None
) -> mc.RiskInputs:
    """The compiled case's random inputs under ``settings``."""
    params = compiled.params
    capacity = params.production.capacity
    first_production = int(np.argmax(capacity > 0)) if np.any(capacity > 0) else len(capacity)
    start = params.production.shift_from
    construction = max(0, first_production - start) if start < len(capacity) else 0
    return mc.RiskInputs(
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


def _distribution(
    key: str, label: str, unit: str, mean: float, percentiles: Sequence[float] | np.ndarray, defined: int
) -> Distribution:
    """A result's distribution from its mean, its :data:`PERCENTILES` and the number of paths where it is defined."""
    if defined == 0:
        return Distribution(key, label, unit, math.nan, math.nan, math.nan, math.nan, 0)
    p10, p50, p90 = (float(value) for value in percentiles)
    return Distribution(key, label, unit, float(mean), p10, p50, p90, int(defined))


def _share(condition: np.ndarray, valid: np.ndarray, n_valid: int) -> float:
    """Share of the ``n_valid`` valid paths (at least one) where ``condition`` holds."""
    hits = condition if n_valid == valid.size else condition & valid
    return int(np.count_nonzero(hits)) / n_valid


RATIOS_OF_MEANS: dict[int, tuple[tuple[int, ...], str]] = {
    measures.M_AETR: (
        (measures.M_PV_FED, measures.M_PV_PROV),
        "mean PV of government receipts / mean PV of pre-tax cash flow",
    ),
    measures.M_LOCAL: ((measures.M_PV_PROV,), "mean PV of provincial receipts / mean PV of pre-tax cash flow"),
}
"""The shares whose mean is the ratio of the mean PVs (numerator metrics over ``npv_pre_tax``), and its label."""


def ratio_of_means(metric_means: np.ndarray, numerators: Sequence[int]) -> float:
    """Mean PV of the ``numerators`` metrics over mean pre-tax NPV; NaN unless the mean pre-tax NPV is positive.

    The expected take: sum over the valid paths of the receipts' PV over the sum of the pre-tax NPV. The mean of
    the per-path ratios is no such thing: a path whose pre-tax NPV is near zero makes its ratio huge.
    """
    denominator = float(metric_means[measures.M_NPV_PRE])
    if not denominator > 0.0:
        return math.nan
    return float(sum(float(metric_means[i]) for i in numerators)) / denominator


def summarise(sim: Simulation) -> None:
    """Fill the distributions, per-stakeholder results, probabilities and failure report of a run.

    Percentiles are those of the values stored per path (float32) over the valid paths, as ``np.percentile``
    gives them (:func:`chagai.risk.quantiles.column_percentiles`); means are accumulated in float64 during the run.
    The mean of a share (AETR, local share) is the ratio of the mean PVs over every valid path
    (:data:`RATIOS_OF_MEANS`, said so in its label); its percentiles are those of the per-path shares, defined
    where the path's pre-tax NPV is positive.
    """
    a = sim.arrays
    valid = sim.valid
    n_valid = int(np.count_nonzero(valid))
    metric_means, party_means = a.exact_means()
    metric_q, metric_defined = column_percentiles(a.metrics, valid, PERCENTILES)
    sim.distributions = []
    for i, (name, unit, label) in enumerate(measures.MEASURES):
        mean = metric_means[i]
        if i in RATIOS_OF_MEANS:
            numerators, basis = RATIOS_OF_MEANS[i]
            mean = ratio_of_means(metric_means, numerators)
            label = f"{label}; mean: {basis}"
        sim.distributions.append(_distribution(name, label, unit, mean, metric_q[i], int(metric_defined[i])))
    # the smallest and largest NPV (percentiles 0 and 100) tell which parties have flows at all
    party_q, party_defined = column_percentiles(a.party_npv, valid, (0, *PERCENTILES, 100))
    levels = {k.LEVEL_PRIVATE: "private", k.LEVEL_FEDERAL: "federal", k.LEVEL_PROVINCIAL: "provincial"}
    sim.stakeholders = []
    for column, p in enumerate(a.parties):
        if not _has_flows(party_q[column, 0], party_q[column, -1]):
            continue
        party = sim.compiled.parties[p]
        key, label, defined = f"npv_{party.id}", f"NPV of {party.label}", int(party_defined[column])
        d = _distribution(key, label, "US$m", party_means[column], party_q[column, 1:-1], defined)
        sim.stakeholders.append(
            {
                "party": party.id,
                "label": party.label,
                "level": levels[int(sim.compiled.params.stakes.party_level[p])],
                **{key: value for key, value in d.as_dict().items() if key not in ("key", "label")},
                "p_loss": _share(a.party_npv[:, column] < 0, valid, n_valid),
            }
        )
    defaulted = a.default_year >= 0
    sim.probabilities = {
        "npv_post_tax_below_zero": _share(a.metrics[:, measures.M_NPV_POST] < 0, valid, n_valid)
        if n_valid
        else math.nan,
        "min_dscr_below_1": (
            _share(a.metrics[:, measures.M_MIN_DSCR] < 1.0, valid, n_valid)
            if metric_defined[measures.M_MIN_DSCR]
            else 0.0
        ),
        "default": _share(defaulted, valid, n_valid) if n_valid else math.nan,
    }
    per_year = np.bincount(a.default_year[defaulted & valid])
    sim.default_years = {int(y): int(per_year[y]) for y in np.flatnonzero(per_year)}
    failed = np.flatnonzero(~valid)
    sim.failures = [
        {
            "path": int(i),
            "status": mc.STATUS_TEXT.get(int(a.status[i]), str(int(a.status[i]))),
            **{name: float(a.inputs[i, j]) for j, name in enumerate(mc.INPUTS)},
        }
        for i in failed[:20]
    ]


def simulate(
    case: Case,
    n_paths: int = 10_000,
    seed: int = 7,
    scenario: Scenario | None = None,
    settings: RiskSettings | None = None,
    chunk_size: int = 100_000,
    threads: int | None = None,
    progress: Callable[[int, int], Any] | None = None,
    price_models: PriceModels | None = None,
    profile: SecurityProfile | None = None,
    irr_sample: int = 20_000,
) -> Simulation:
    """Monte Carlo of the whole annual model of ``case`` (see :mod:`chagai.risk.montecarlo`).

    ``price_models`` and ``profile`` default to the bundled calibrations (the profile for the case's kind).
    """
    settings = settings or RiskSettings()
    scenario = scenario or Scenario()
    compiled = compile_case(case, scenario)
    models = price_models if price_models is not None else bundled_price_models()
    if profile is None and (settings.security or settings.schedule):
        profiles = bundled_security_profiles()
        if settings.profile is None:
            profile = profile_for_case_kind(case.kind)
        elif settings.profile in profiles:
            profile = profiles[settings.profile]
        else:
            msg = f"unknown security profile {settings.profile!r}; valid profiles: {', '.join(sorted(profiles))}"
            raise NotFoundError(msg)
    inputs = risk_inputs(compiled, settings, models if settings.prices else None, profile)
    arrays = mc.run_simulation(
        compiled.params,
        np.ascontiguousarray(compiled.prices),
        inputs,
        scenario.discount_rate,
        compiled.valuation_year,
        n_paths,
        seed,
        chunk_size=chunk_size,
        threads=threads,
        progress=progress,
    )
    sim = Simulation(compiled, settings, profile, models if settings.prices else None, arrays)
    summarise(sim)
    _irr_sample(sim, inputs, seed, irr_sample)
    return sim


def _sample_percentiles(values: np.ndarray) -> list[float]:
    """The :data:`PERCENTILES` of a sample (``np.percentile``), NaN for an empty one."""
    if values.size == 0:
        return [math.nan] * len(PERCENTILES)
    return [float(v) for v in np.percentile(values, PERCENTILES)]


def _irr_sample(sim: Simulation, inputs: mc.RiskInputs, seed: int, size: int) -> None:
    """IRR percentiles from the first ``size`` valid paths (an IRR per path costs a root search).

    The project's IRR after tax, and the IRR of each stakeholder in the results (the parties with flows).
    """
    paths = np.flatnonzero(sim.valid)[:size].astype(np.int64)
    sim.irr_paths = int(paths.size)
    if paths.size == 0:
        return
    compiled = sim.compiled
    index = {party.id: p for p, party in enumerate(compiled.parties)}
    parties = np.array([index[row["party"]] for row in sim.stakeholders], dtype=np.int64)
    project = np.empty(paths.size)
    party_irr = np.empty((paths.size, parties.size))
    mc.irr_chunk(compiled.params, inputs.arrays(compiled.prices), seed, paths, parties, project, party_irr)
    label = f"project IRR after tax (first {paths.size:,} valid paths)"
    finite = project[np.isfinite(project)]
    mean = float(finite.mean()) if finite.size else math.nan
    sim.distributions.append(
        _distribution("irr_post_tax", label, "fraction", mean, _sample_percentiles(finite), int(finite.size))
    )
    for column, row in enumerate(sim.stakeholders):
        values = party_irr[:, column]
        finite = values[np.isfinite(values)]
        if finite.size:
            p10, p50, p90 = _sample_percentiles(finite)
            row["irr"] = {"p10": p10, "p50": p50, "p90": p90, "defined": int(finite.size)}
        else:
            row["irr"] = None


def save_draws(sim: Simulation, path: Path) -> Path:
    """Write every path's inputs and results to a parquet file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sim.draws().to_parquet(path, index=False)
    return path
