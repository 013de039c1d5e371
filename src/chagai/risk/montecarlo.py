"""Monte Carlo of the whole annual model: prices, security outages, delay and overrun, path by path, compiled.

Each path draws its own inputs from a generator seeded by (run seed, path index) (:mod:`chagai.risk.rng`):

* **prices**: y_t = ln(P_t / P_deck) with y_0 = 0 (the valuation year is at the deck's price) and, from year 1,
  y_t = y_{t-1} + kappa (m_t - y_{t-1}) + sigma e_t (mean-reverting) or y_t = y_{t-1} + drift - sigma^2/2 + sigma e_t
  (GBM), e_t correlated across commodities (Cholesky of the calibrated correlation). The level m_t is either a
  median level, m = ln(long-run / deck) every year (the median reverts to the calibrated long-run price), or set
  year by year so that the mean E[P_t] stays at exp(level) times the deck (``mean_level``; level 0 keeps the
  mean at the deck): :meth:`PriceProcess.log_steps`, tabulated once per run;
* **security regime**: a two-state Markov chain (calm / conflict-active) year by year;
* **outages**: a Poisson number of events a year at the regime's rate; each takes an exponential number of days
  at a partial loss (or, for the severe share, the whole output); availability = 1 - lost share of the year. The
  year's total of each kind is a compound Poisson sum drawn from one uniform number by inversion of its exact
  distribution function, tabulated once per run (:func:`chagai.risk.security.outage_quantiles`);
* **schedule**: each construction year (from the first year a delay moves to the planned first production) may
  bring a pause of ``delay_years`` with the regime's probability; the delay moves construction, production and
  debt together;
* **capital overrun**: lognormal, median and sigma from the profile, its normal score correlated with the
  number of pauses, standardised by their exact mean and standard deviation (:meth:`RiskInputs.pause_moments`),
  so the log of the factor has the profile's mean (the log of the median) and standard deviation.

Then the annual model runs on those inputs (:func:`chagai.core.kernel.run_block`, :data:`BLOCK` paths at a time,
each path's arithmetic exactly that of a single run) and the path's metrics are stored. Blocks run in parallel
(numba ``prange``) in chunks, so memory stays flat whatever the number of paths.
A path whose draw is invalid or whose results are not finite is flagged (status 1 or 2), kept out of the
statistics, counted and reported with its inputs: never turned into zeros, never dropped silently.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numba
import numpy as np
from numba import prange

from chagai.core import kernel
from chagai.core.calendar import DAYS_PER_YEAR
from chagai.core.jit import jit, parallel_jit
from chagai.core.lines import Line
from chagai.core.measures import (
    N_MEASURES,
    irr_value,
    measure_block,
    storable,
)
from chagai.core.metrics import discount_factors
from chagai.risk import rng
from chagai.risk.security import outage_quantiles, pause_distribution

# per-path inputs kept for reporting and for saved draws
INPUTS: tuple[str, ...] = ("delay_years", "capex_factor", "mean_availability", "active_share")
N_FIXED_INPUTS = len(INPUTS)

STATUS_OK, STATUS_INVALID_DRAW, STATUS_NUMERICAL = 0, 1, 2
STATUS_TEXT = {STATUS_INVALID_DRAW: "invalid draw", STATUS_NUMERICAL: "numerical error (non-finite result)"}

# security and schedule parameters, packed in one array for the compiled code
SEC_FIELDS = (
    "p_calm_to_active",
    "p_active_to_calm",
    "start_active_probability",
    "event_rate_calm",
    "event_rate_active",
    "outage_days_mean",
    "outage_loss",
    "severe_probability",
    "severe_days_mean",
    "delay_probability_calm",
    "delay_probability_active",
    "delay_years",
    "overrun_median",
    "overrun_sigma",
    "overrun_delay_correlation",
)
SEC = {name: i for i, name in enumerate(SEC_FIELDS)}
REGIME_FIELDS = SEC_FIELDS[:3]
"""The Markov regime: drawn when either security outages or schedule risk is on."""
OUTAGE_FIELDS = REGIME_FIELDS + SEC_FIELDS[3:9]
"""What the security risk draws: the regime and outages by regime."""
SCHEDULE_FIELDS = REGIME_FIELDS + SEC_FIELDS[9:]
"""What the schedule risk draws: the regime, construction pauses and the capital overrun."""
(
    S_P01,
    S_P10,
    S_START,
    S_RATE_CALM,
    S_RATE_ACTIVE,
    S_DAYS,
    S_LOSS,
    S_SEVERE,
    S_SEVERE_DAYS,
    S_DELAY_CALM,
    S_DELAY_ACTIVE,
    S_DELAY_YEARS,
    S_OVERRUN_MEDIAN,
    S_OVERRUN_SIGMA,
    S_OVERRUN_CORR,
) = range(len(SEC_FIELDS))


OUTAGE_SEVERE, OUTAGE_ORDINARY = 0, 2
"""Rows of the outage tables: severe stoppages (calm, active), then ordinary outages (calm, active)."""


@dataclass(frozen=True)
class PriceProcess:
    """Price dynamics of the case's commodities, in the order of the compiled case.

    ``level`` is read by ``mean_level``: where it is true (a mean-reverting commodity), ``exp(level)`` is the
    mean of ``P_t / P_deck`` in every year from 1 on, and the reversion level is set year by year to hold it
    (level 0: the expected price is the deck's); where it is false, ``level`` is the log level ``m`` the median
    reverts to (``ln(long-run / deck)``, the calibrated long-run price as a median, not a mean).
    """

    kind: np.ndarray  # (C,) 0 mean-reverting, 1 GBM
    kappa: np.ndarray  # (C,) [1/yr]
    sigma: np.ndarray  # (C,) [1/sqrt(yr)]
    drift: np.ndarray  # (C,) [1/yr], so E[P_t] = P_deck exp(drift t) for GBM
    level: np.ndarray  # (C,) [-], see above
    cholesky: np.ndarray  # (C, C)
    mean_level: np.ndarray  # (C,) bool, see above

    def log_steps(self, n_years: int) -> np.ndarray:
        """The constant ``a[c, t]`` of ``y_t = (1 - kappa) y_{t-1} + a[c, t] + sigma e_t``, year by year.

        GBM: ``drift - sigma^2/2``. Mean-reverting with a median level: ``kappa m``. Mean-reverting with a mean
        level: ``mu_t - (1 - kappa) mu_{t-1}`` with ``mu_t = level - v_t / 2`` (``mu_0 = 0``, as ``y_0 = 0``) and
        ``v_t = sigma^2 (1 - (1 - kappa)^(2t)) / (1 - (1 - kappa)^2)`` the variance of ``y_t``, so that
        ``E[exp(y_t)] = exp(mu_t + v_t / 2) = exp(level)``. Column 0 (the valuation year, not drawn) is 0.

        Returns
        -------
        numpy.ndarray
            (C, n_years) [-].
        """
        n_c = self.kind.shape[0]
        steps = np.zeros((n_c, n_years))
        for c in range(n_c):
            kappa, sigma, level = float(self.kappa[c]), float(self.sigma[c]), float(self.level[c])
            if self.kind[c] != 0:
                steps[c, 1:] = self.drift[c] - 0.5 * sigma * sigma
            elif not self.mean_level[c]:
                steps[c, 1:] = kappa * level
            else:
                b = 1.0 - kappa
                variance, mean_before = 0.0, 0.0
                for t in range(1, n_years):
                    variance = b * b * variance + sigma * sigma
                    mean = level - 0.5 * variance
                    steps[c, t] = mean - b * mean_before
                    mean_before = mean
        return steps


class RiskArrays(NamedTuple):
    """The random inputs' parameters as the compiled code takes them (see :class:`RiskInputs`)."""

    deck: np.ndarray  # (C, T) the deck's price path [US$ per payable unit]
    persistence: np.ndarray  # (C,) 1 - kappa (1 for GBM)
    sigma: np.ndarray  # (C,)
    log_steps: np.ndarray  # (C, T) PriceProcess.log_steps
    cholesky: np.ndarray  # (C, C)
    security: np.ndarray  # (len(SEC_FIELDS),)
    outage_quantiles: np.ndarray  # (4, cells + 1) outage totals' quantiles: OUTAGE_SEVERE/ORDINARY + regime
    construction_start: int
    construction_years: int
    max_delay: int
    scenario_delay: int  # the scenario's own delay, added to the drawn one [yr]
    scenario_overrun: float  # the scenario's capital factor, times the drawn one [-]
    scenario_availability: float  # the scenario's availability, times the drawn one [fraction]
    pause_mean: float  # exact mean and standard deviation of the number of pauses
    pause_sd: float


@dataclass(frozen=True)
class RiskInputs:
    """Everything random about a run, ready for the compiled kernel."""

    prices: PriceProcess
    security: np.ndarray  # (len(SEC_FIELDS),)
    construction_start: int  # first year index a delay moves
    construction_years: int  # years of construction in the base schedule
    max_delay: int  # cap on the total delay [yr], so the schedule stays in the horizon
    n_years: int  # years of the horizon, year 0 the valuation year
    scenario_delay: int = 0  # the scenario's delay, on top of the drawn one [yr]
    scenario_overrun: float = 1.0  # the scenario's capital factor, times the drawn one [-]
    scenario_availability: float = 1.0  # the scenario's availability, times the drawn one [fraction]

    def outage_quantiles(self) -> np.ndarray:
        """Quantile tables of a year's outage totals, severe and ordinary, calm and active (rows OUTAGE_*)."""
        sec = self.security
        severe = sec[S_SEVERE]
        rates = (
            sec[S_RATE_CALM] * severe,
            sec[S_RATE_ACTIVE] * severe,
            sec[S_RATE_CALM] * (1.0 - severe),
            sec[S_RATE_ACTIVE] * (1.0 - severe),
        )
        for rate in rates:
            if not (math.isfinite(rate) and rate >= 0.0):
                msg = f"event rates must be finite and >= 0, got {rate}"
                raise ValueError(msg)
        return np.stack([outage_quantiles(rate) for rate in rates])

    def pause_moments(self) -> tuple[float, float]:
        """Exact mean and standard deviation of the number of construction pauses (:func:`pause_distribution`)."""
        sec = self.security
        probability = pause_distribution(
            sec[S_P01],
            sec[S_P10],
            sec[S_START],
            sec[S_DELAY_CALM],
            sec[S_DELAY_ACTIVE],
            self.construction_start,
            self.construction_years,
        )
        count = np.arange(probability.shape[0])
        mean = float(probability @ count)
        variance = float(probability @ (count - mean) ** 2)
        return mean, math.sqrt(variance) if variance > 1e-12 else 0.0

    def arrays(self, deck: np.ndarray) -> RiskArrays:
        """The parameters for the compiled code, with the deck's price path (C, T) [US$ per payable unit]."""
        p = self.prices
        return RiskArrays(
            np.ascontiguousarray(deck, dtype=np.float64),
            np.ascontiguousarray(1.0 - p.kappa, dtype=np.float64),
            np.ascontiguousarray(p.sigma, dtype=np.float64),
            p.log_steps(self.n_years),
            np.ascontiguousarray(p.cholesky, dtype=np.float64),
            self.security,
            self.outage_quantiles(),
            self.construction_start,
            self.construction_years,
            self.max_delay,
            int(self.scenario_delay),
            float(self.scenario_overrun),
            float(self.scenario_availability),
            *self.pause_moments(),
        )


BLOCK = 128
"""Paths run through the annual model together (:func:`chagai.core.kernel.run_block`): one block per task."""


@jit
def _draw_block(
    risk: RiskArrays,
    seed: int,
    paths: np.ndarray,
    n: int,
    price: np.ndarray,
    availability: np.ndarray,
    capex_factor: np.ndarray,
    delay: np.ndarray,
    inputs: np.ndarray,
    valid: np.ndarray,
) -> None:
    """Draw the inputs of a block of paths: column ``b`` of every output is path ``paths[b]``.

    Fills ``price`` (C, T, B), ``availability`` (T, B), ``capex_factor`` (B,), ``delay`` (B,), ``inputs``
    (B, N_FIXED_INPUTS) and ``valid`` (B,). Each path has its own generator and draws its numbers in its own
    order (regime, outages and pauses year by year, then the overrun, then the price shocks year by year), so a
    path's inputs do not depend on the block it is drawn in; the paths of a block are interleaved only so the
    processor can work on several at once.
    """
    n_c = price.shape[0]
    m = paths.shape[0]
    sec = risk.security
    deck, chol = risk.deck, risk.cholesky
    construction_start, construction_years = risk.construction_start, risk.construction_years
    # outage totals of the two kinds (independent compound Poisson sums), tabulated by regime
    outages = risk.outage_quantiles
    severe_years = sec[S_SEVERE_DAYS] / DAYS_PER_YEAR  # share of a year lost per mean severe stoppage
    partial_years = sec[S_DAYS] * sec[S_LOSS] / DAYS_PER_YEAR  # per mean ordinary outage
    states = np.empty(m, dtype=np.uint64)
    u = np.empty(m)
    lanes = np.empty(m, dtype=np.int64)
    regime = np.empty(m, dtype=np.int64)  # 1 conflict-active, 0 calm
    active_years = np.zeros(m, dtype=np.int64)
    pauses = np.zeros(m, dtype=np.int64)
    lost_total = np.zeros(m)
    severe = np.empty(m)
    ordinary = np.empty(m)
    for b in range(m):
        rng.seed_state(states, b, seed, paths[b])
    rng.uniform_row(states, u)
    for b in range(m):
        regime[b] = 1 if u[b] < sec[S_START] else 0
    # security regime, outages and construction pauses (outage tables by regime: calm, then active)
    severe_tables = outages[OUTAGE_SEVERE : OUTAGE_SEVERE + 2]
    ordinary_tables = outages[OUTAGE_ORDINARY : OUTAGE_ORDINARY + 2]
    for t in range(n):
        if t > 0:
            rng.uniform_row(states, u)
            for b in range(m):
                active = u[b] >= sec[S_P10] if regime[b] == 1 else u[b] < sec[S_P01]
                regime[b] = 1 if active else 0
        for b in range(m):
            active_years[b] += regime[b]
        rng.quantile_row(states, severe_tables, regime, u, severe)
        rng.quantile_row(states, ordinary_tables, regime, u, ordinary)
        for b in range(m):
            lost = severe_years * severe[b] + partial_years * ordinary[b]
            availability[t, b] = risk.scenario_availability * max(0.0, 1.0 - lost)
            lost_total[b] += min(lost, 1.0)
        if construction_start <= t < construction_start + construction_years:
            rng.uniform_row(states, u)
            for b in range(m):
                p = sec[S_DELAY_ACTIVE] if regime[b] == 1 else sec[S_DELAY_CALM]
                pauses[b] += 1 if u[b] < p else 0
    # delay and capital overrun, correlated with the pauses
    pause_mean = risk.pause_mean
    per_pause_sd = 1.0 / risk.pause_sd if risk.pause_sd > 0.0 else 0.0  # no spread: no pause score
    rho = sec[S_OVERRUN_CORR]
    independent = math.sqrt(max(0.0, 1.0 - rho * rho))
    for b in range(m):
        delay[b] = risk.scenario_delay + min(int(pauses[b] * sec[S_DELAY_YEARS] + 0.5), risk.max_delay)
        z_delay = (pauses[b] - pause_mean) * per_pause_sd
        z = rho * z_delay + independent * rng.normal(states, b)
        capex_factor[b] = risk.scenario_overrun * sec[S_OVERRUN_MEDIAN] * math.exp(sec[S_OVERRUN_SIGMA] * z)
        inputs[b, 0] = delay[b]
        inputs[b, 1] = capex_factor[b]
        inputs[b, 2] = 1.0 - lost_total[b] / n
        inputs[b, 3] = active_years[b] / n
    # prices: correlated shocks, mean-reverting or geometric Brownian log prices
    y = np.zeros((n_c, m))
    shocks = np.empty((n_c, m))
    growth = np.empty(m)
    for c in range(n_c):
        for b in range(m):
            price[c, 0, b] = deck[c, 0]
    for t in range(1, n):
        for c in range(n_c):
            rng.normal_row(states, u, lanes, shocks[c])
        for c in range(n_c):
            keep, step, sigma = risk.persistence[c], risk.log_steps[c, t], risk.sigma[c]
            for b in range(m):
                e = 0.0
                for j in range(c + 1):
                    e += chol[c, j] * shocks[j, b]
                y[c, b] = keep * y[c, b] + step + sigma * e
            rng.exp_row(y[c], growth)
            for b in range(m):
                price[c, t, b] = deck[c, t] * growth[b]
    for b in range(m):
        valid[b] = storable(capex_factor[b]) & (capex_factor[b] >= 0.0)
    for c in range(n_c):
        for t in range(n):
            for b in range(m):
                valid[b] &= storable(price[c, t, b]) & (price[c, t, b] >= 0.0)


@jit
def simulate_chunk(
    params: kernel.Params,
    risk: RiskArrays,
    seed: int,
    first_path: int,
    discount: np.ndarray,
    years0: int,
    parties: np.ndarray,
    metrics: np.ndarray,
    party_npv: np.ndarray,
    status: np.ndarray,
    default_year: np.ndarray,
    inputs: np.ndarray,
    workers: int = 1,
) -> None:
    """Run paths ``first_path .. first_path + len(status) - 1``; row j of each output is path first_path + j.

    Paths go through the model in blocks of :data:`BLOCK`, shared among ``workers`` parallel workers (one per
    thread; a path's result does not depend on which worker runs it); column ``c`` of ``party_npv`` is the NPV
    of party ``parties[c]``.
    """
    _simulate_chunk(
        params.production, params.fiscal, params.loans, params.stakes, risk, seed, first_path, discount, years0,
        parties, metrics, party_npv, status, default_year, inputs, workers,
    )  # fmt: skip


@parallel_jit
def _simulate_chunk(
    production: kernel.ProductionTerms,
    fiscal: kernel.FiscalRules,
    loans: kernel.LoanTerms,
    stakes: kernel.StakeTerms,
    risk: RiskArrays,
    seed: int,
    first_path: int,
    discount: np.ndarray,
    years0: int,
    parties: np.ndarray,
    metrics: np.ndarray,
    party_npv: np.ndarray,
    status: np.ndarray,
    default_year: np.ndarray,
    inputs: np.ndarray,
    workers: int,
) -> None:
    """:func:`simulate_chunk` with the terms passed one stage at a time (a parallel loop takes no nested tuple)."""
    n_paths = status.shape[0]
    n_c = risk.deck.shape[0]
    n = discount.shape[0]
    n_parties = stakes.party_level.shape[0]
    n_full = n_paths // BLOCK
    workers = max(1, min(workers, n_full))
    for worker in prange(workers):  # each worker keeps one set of block arrays for all its blocks
        params = kernel.Params(production, fiscal, loans, stakes)
        price = np.empty((n_c, n, BLOCK))
        availability = np.empty((n, BLOCK))
        capex_factor = np.empty(BLOCK)
        delay = np.empty(BLOCK, dtype=np.int64)
        valid = np.empty(BLOCK, dtype=np.bool_)
        lines = np.empty((kernel.N_LINES, n, BLOCK))
        party = np.empty((n_parties, n, BLOCK))
        for block in range(worker, n_full, workers):
            first = block * BLOCK
            rows = slice(first, first + BLOCK)
            _simulate_block(
                params, risk, seed, first_path + first, discount, years0, parties,
                metrics[rows], party_npv[rows], status[rows], default_year[rows], inputs[rows],
                price, availability, capex_factor, delay, valid, lines, party,
            )  # fmt: skip
    rest = n_paths - n_full * BLOCK
    if rest > 0:
        first = n_full * BLOCK
        rows = slice(first, n_paths)
        _simulate_block(
            kernel.Params(production, fiscal, loans, stakes), risk, seed, first_path + first, discount, years0, parties,
            metrics[rows], party_npv[rows], status[rows], default_year[rows], inputs[rows],
            np.empty((n_c, n, rest)), np.empty((n, rest)), np.empty(rest), np.empty(rest, dtype=np.int64),
            np.empty(rest, dtype=np.bool_), np.empty((kernel.N_LINES, n, rest)), np.empty((n_parties, n, rest)),
        )  # fmt: skip


@jit
def _simulate_block(
    params: kernel.Params,
    risk: RiskArrays,
    seed: int,
    first_path: int,
    discount: np.ndarray,
    years0: int,
    parties: np.ndarray,
    metrics: np.ndarray,
    party_npv: np.ndarray,
    status: np.ndarray,
    default_year: np.ndarray,
    inputs: np.ndarray,
    price: np.ndarray,
    availability: np.ndarray,
    capex_factor: np.ndarray,
    delay: np.ndarray,
    valid: np.ndarray,
    lines: np.ndarray,
    party: np.ndarray,
) -> None:
    """Draw, run and measure the block of paths ``first_path ..`` (as many as ``status`` has rows)."""
    m = status.shape[0]
    paths = np.arange(first_path, first_path + m)
    _draw_block(risk, seed, paths, discount.shape[0], price, availability, capex_factor, delay, inputs, valid)
    kernel.run_block(params, price, availability, capex_factor, delay, lines, party)
    min_dscr_index = np.empty(m, dtype=np.int64)
    finite = np.empty(m, dtype=np.bool_)
    measure_block(lines, party, parties, discount, metrics, party_npv, default_year, min_dscr_index, finite)
    for b in range(m):  # results that cannot be trusted are not results: marked, never zeroed
        status[b] = STATUS_OK if valid[b] else STATUS_INVALID_DRAW
        if status[b] == STATUS_OK and not finite[b]:
            status[b] = STATUS_NUMERICAL
        if status[b] != STATUS_OK:
            metrics[b, :] = np.nan
            party_npv[b, :] = np.nan
            default_year[b] = -1
        elif default_year[b] >= 0:
            default_year[b] += years0


@dataclass
class SimulationArrays:
    """Per-path results of a run (float32 to keep 10^7 paths in memory), and the run's settings."""

    seed: int
    n_paths: int
    chunk_size: int
    threads: int
    metrics: np.ndarray  # (n, N_MEASURES) float32
    party_npv: np.ndarray  # (n, len(parties)) float32
    parties: np.ndarray  # indices (in the compiled case's parties) of the columns of party_npv
    status: np.ndarray  # (n,) int8
    default_year: np.ndarray  # (n,) int16 (-1: none)
    inputs: np.ndarray  # (n, N_FIXED_INPUTS) float32
    metric_sums: np.ndarray = field(default_factory=lambda: np.zeros(N_MEASURES))  # float64, finite values only
    metric_counts: np.ndarray = field(default_factory=lambda: np.zeros(N_MEASURES, dtype=np.int64))
    party_sums: np.ndarray = field(default_factory=lambda: np.zeros(0))
    party_counts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    wall_seconds: float = 0.0
    chunks: int = 0
    notes: list[str] = field(default_factory=list)

    def exact_means(self) -> tuple[np.ndarray, np.ndarray]:
        """Means of each metric and each party's NPV over the valid paths, accumulated in float64."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.metric_sums / self.metric_counts, self.party_sums / self.party_counts


@jit
def _store_chunk(
    first_row: int,
    metrics: np.ndarray,
    party_npv: np.ndarray,
    status: np.ndarray,
    default_year: np.ndarray,
    inputs: np.ndarray,
    out_metrics: np.ndarray,
    out_party_npv: np.ndarray,
    out_status: np.ndarray,
    out_default_year: np.ndarray,
    out_inputs: np.ndarray,
    metric_sums: np.ndarray,
    metric_counts: np.ndarray,
    party_sums: np.ndarray,
    party_counts: np.ndarray,
) -> None:
    """Copy a chunk's results into the run's arrays from row ``first_row`` and add its valid results to the sums.

    The float64 results are stored as float32 (a value beyond float32's range, such as an invalid draw's
    offending input, becomes infinite). The finite metrics and party NPVs of the paths with status OK are
    counted and summed in float64, path after path, and the chunk's sums added to ``metric_sums`` and
    ``party_sums``.
    """
    chunk_metric_sums = np.zeros(metrics.shape[1])
    chunk_party_sums = np.zeros(party_npv.shape[1])
    for j in range(status.shape[0]):
        row = first_row + j
        ok = status[j] == STATUS_OK
        out_status[row] = status[j]
        out_default_year[row] = default_year[j]
        for c in range(inputs.shape[1]):
            out_inputs[row, c] = inputs[j, c]
        for c in range(metrics.shape[1]):
            x = metrics[j, c]
            out_metrics[row, c] = x
            if ok and math.isfinite(x):
                chunk_metric_sums[c] += x
                metric_counts[c] += 1
        for c in range(party_npv.shape[1]):
            x = party_npv[j, c]
            out_party_npv[row, c] = x
            if ok and math.isfinite(x):
                chunk_party_sums[c] += x
                party_counts[c] += 1
    metric_sums += chunk_metric_sums
    party_sums += chunk_party_sums


def run_simulation(
    params: kernel.Params,
    deck: np.ndarray,
    risk: RiskInputs,
    discount_rate: float,
    first_year: int,
    n_paths: int,
    seed: int,
    chunk_size: int = 100_000,
    threads: int | None = None,
    progress: Callable[[int, int], Any] | None = None,
) -> SimulationArrays:
    """Run ``n_paths`` paths in chunks; results depend only on ``seed`` (not on chunk size or threads)."""
    if n_paths < 1:
        msg = f"n_paths must be at least 1, got {n_paths}"
        raise ValueError(msg)
    chunk_size = max(1, min(chunk_size, n_paths))
    n_years = params.production.capacity.shape[0]
    if risk.n_years != n_years:
        msg = f"the risk inputs are for {risk.n_years} years, the model has {n_years}: build them for this case"
        raise ValueError(msg)
    discount = discount_factors(discount_rate, n_years)
    # only parties that hold, fund or buy a stake have equity flows: store their NPVs, not every lender's zeros
    tracked = np.unique(np.concatenate([params.stakes.holder, params.stakes.payer])).astype(np.int64)
    out = SimulationArrays(
        seed=seed,
        n_paths=n_paths,
        chunk_size=chunk_size,
        threads=threads or numba.get_num_threads(),
        metrics=np.empty((n_paths, N_MEASURES), dtype=np.float32),
        party_npv=np.empty((n_paths, tracked.size), dtype=np.float32),
        parties=tracked,
        status=np.empty(n_paths, dtype=np.int8),
        default_year=np.empty(n_paths, dtype=np.int16),
        inputs=np.empty((n_paths, N_FIXED_INPUTS), dtype=np.float32),
    )
    out.party_sums = np.zeros(tracked.size)
    out.party_counts = np.zeros(tracked.size, dtype=np.int64)
    previous = numba.get_num_threads()
    if threads:
        numba.set_num_threads(min(threads, max_threads()))
    arrays = risk.arrays(deck)
    metrics = np.empty((chunk_size, N_MEASURES))
    party_npv = np.empty((chunk_size, tracked.size))
    status = np.empty(chunk_size, dtype=np.int8)
    default_year = np.empty(chunk_size, dtype=np.int64)
    inputs = np.empty((chunk_size, N_FIXED_INPUTS))
    stored = (out.metrics, out.party_npv, out.status, out.default_year, out.inputs)
    sums = (out.metric_sums, out.metric_counts, out.party_sums, out.party_counts)
    start = time.perf_counter()
    try:
        # compile (or load from the cache) before the clock starts, so the wall time is the run's own
        simulate_chunk(
            params, arrays, seed, 0, discount, first_year, tracked,
            metrics[:1], party_npv[:1], status[:1], default_year[:1], inputs[:1], 1,
        )  # fmt: skip
        _store_chunk(0, metrics[:0], party_npv[:0], status[:0], default_year[:0], inputs[:0], *stored, *sums)
        start = time.perf_counter()
        for first in range(0, n_paths, chunk_size):
            m = min(chunk_size, n_paths - first)
            simulate_chunk(
                params,
                arrays,
                seed,
                first,
                discount,
                first_year,
                tracked,
                metrics[:m],
                party_npv[:m],
                status[:m],
                default_year[:m],
                inputs[:m],
                numba.get_num_threads(),
            )
            _store_chunk(first, metrics[:m], party_npv[:m], status[:m], default_year[:m], inputs[:m], *stored, *sums)
            out.chunks += 1
            if progress is not None:
                progress(first + m, n_paths)
    finally:
        numba.set_num_threads(previous)
    out.wall_seconds = time.perf_counter() - start
    return out


def max_threads() -> int:
    """Most threads numba can use here (``NUMBA_NUM_THREADS``, else the machine's cores)."""
    return int(numba.config.NUMBA_NUM_THREADS)  # type: ignore[attr-defined]


@parallel_jit
def draw_only_chunk(
    params: kernel.Params,
    risk: RiskArrays,
    seed: int,
    first_path: int,
    checksum: np.ndarray,
) -> None:
    """Draw the random inputs of paths ``first_path ..`` and nothing else: the floor a run cannot go below.

    The draws are made exactly as :func:`simulate_chunk` makes them (same blocks, same arrays);
    ``checksum[j]`` keeps a number from each path so the work cannot be optimised away.
    """
    n_c = risk.deck.shape[0]
    n = params.production.capacity.shape[0]
    n_paths = checksum.shape[0]
    n_blocks = (n_paths + BLOCK - 1) // BLOCK
    for block in prange(n_blocks):
        first = block * BLOCK
        m = min(BLOCK, n_paths - first)
        paths = np.arange(first_path + first, first_path + first + m)
        price = np.empty((n_c, n, m))
        availability = np.empty((n, m))
        capex_factor = np.empty(m)
        delay = np.empty(m, dtype=np.int64)
        valid = np.empty(m, dtype=np.bool_)
        inputs = np.empty((m, N_FIXED_INPUTS))
        _draw_block(risk, seed, paths, n, price, availability, capex_factor, delay, inputs, valid)
        for b in range(m):
            checksum[first + b] = capex_factor[b] + delay[b] + price[n_c - 1, n - 1, b] + availability[n - 1, b]


class Draws(NamedTuple):
    """The random inputs of a run's paths, as the Monte Carlo draws them: column (or row) j is path first + j."""

    price: np.ndarray  # (C, T, n) [US$ per payable unit]
    availability: np.ndarray  # (T, n) [fraction of capacity]
    capex_factor: np.ndarray  # (n,) [-]
    delay: np.ndarray  # (n,) int64 [yr]
    inputs: np.ndarray  # (n, N_FIXED_INPUTS), the columns of INPUTS
    valid: np.ndarray  # (n,) bool


@parallel_jit
def draw_chunk(
    risk: RiskArrays,
    seed: int,
    first_path: int,
    price: np.ndarray,
    availability: np.ndarray,
    capex_factor: np.ndarray,
    delay: np.ndarray,
    inputs: np.ndarray,
    valid: np.ndarray,
) -> None:
    """Draw the random inputs of paths ``first_path ..`` into the outputs (shapes of :class:`Draws`).

    Block by block with :func:`_draw_block`, the code every run draws its paths with; a path's inputs do not
    depend on the block it is drawn in, so they are those of the path in any run of the same seed.
    """
    n_c, n, n_paths = price.shape
    n_blocks = (n_paths + BLOCK - 1) // BLOCK
    for block in prange(n_blocks):
        first = block * BLOCK
        m = min(BLOCK, n_paths - first)
        paths = np.arange(first_path + first, first_path + first + m)
        block_price = np.empty((n_c, n, m))
        block_availability = np.empty((n, m))
        block_capex = np.empty(m)
        block_delay = np.empty(m, dtype=np.int64)
        block_valid = np.empty(m, dtype=np.bool_)
        block_inputs = np.empty((m, N_FIXED_INPUTS))
        _draw_block(
            risk, seed, paths, n, block_price, block_availability, block_capex, block_delay, block_inputs, block_valid
        )
        price[:, :, first : first + m] = block_price
        availability[:, first : first + m] = block_availability
        capex_factor[first : first + m] = block_capex
        delay[first : first + m] = block_delay
        inputs[first : first + m] = block_inputs
        valid[first : first + m] = block_valid


def draw_inputs(risk: RiskInputs, deck: np.ndarray, seed: int, n_paths: int, first_path: int = 0) -> Draws:
    """The random inputs of paths ``first_path .. first_path + n_paths - 1`` of a run with ``seed``.

    Exactly the numbers :func:`run_simulation` draws for those paths (the same compiled code), without running
    the model on them: for checking the draws' statistics, or inspecting a path.
    """
    if n_paths < 0 or first_path < 0:
        msg = f"n_paths and first_path must be >= 0, got {n_paths} and {first_path}"
        raise ValueError(msg)
    arrays = risk.arrays(deck)
    n_c, n = arrays.deck.shape[0], risk.n_years
    out = Draws(
        np.empty((n_c, n, n_paths)),
        np.empty((n, n_paths)),
        np.empty(n_paths),
        np.empty(n_paths, dtype=np.int64),
        np.empty((n_paths, N_FIXED_INPUTS)),
        np.empty(n_paths, dtype=np.bool_),
    )
    draw_chunk(arrays, seed, first_path, *out)
    return out


@jit
def irr_chunk(
    params: kernel.Params,
    risk: RiskArrays,
    seed: int,
    paths: np.ndarray,
    parties: np.ndarray,
    project_irr: np.ndarray,
    party_irr: np.ndarray,
) -> None:
    """Re-run the given paths (same draws) and compute the after-tax project IRR and the chosen parties' IRRs.

    Row j of the outputs is path ``paths[j]``; column ``c`` of ``party_irr`` is the IRR of party ``parties[c]``.
    """
    _irr_chunk(
        params.production, params.fiscal, params.loans, params.stakes, risk, seed, paths, parties, project_irr,
        party_irr,
    )  # fmt: skip


@parallel_jit
def _irr_chunk(
    production: kernel.ProductionTerms,
    fiscal: kernel.FiscalRules,
    loans: kernel.LoanTerms,
    stakes: kernel.StakeTerms,
    risk: RiskArrays,
    seed: int,
    paths: np.ndarray,
    parties: np.ndarray,
    project_irr: np.ndarray,
    party_irr: np.ndarray,
) -> None:
    """:func:`irr_chunk` with the terms passed one stage at a time (a parallel loop takes no nested tuple)."""
    n_c = risk.deck.shape[0]
    n = production.capacity.shape[0]
    n_parties = stakes.party_level.shape[0]
    n_blocks = (paths.shape[0] + BLOCK - 1) // BLOCK
    for block in prange(n_blocks):
        params = kernel.Params(production, fiscal, loans, stakes)
        first = block * BLOCK
        m = min(BLOCK, paths.shape[0] - first)
        price = np.empty((n_c, n, m))
        availability = np.empty((n, m))
        capex_factor = np.empty(m)
        delay = np.empty(m, dtype=np.int64)
        valid = np.empty(m, dtype=np.bool_)
        inputs = np.empty((m, N_FIXED_INPUTS))
        _draw_block(risk, seed, paths[first : first + m], n, price, availability, capex_factor, delay, inputs, valid)
        lines = np.empty((kernel.N_LINES, n, m))
        party = np.empty((n_parties, n, m))
        kernel.run_block(params, price, availability, capex_factor, delay, lines, party)
        flows = np.empty(n)
        for b in range(m):
            for t in range(n):
                flows[t] = lines[Line.post_tax_ncf_unlevered, t, b]
            project_irr[first + b] = irr_value(flows)
            for c in range(parties.shape[0]):
                for t in range(n):
                    flows[t] = party[parties[c], t, b]
                party_irr[first + b, c] = irr_value(flows)
