"""Monte Carlo of the whole annual model: prices, security outages, delay and overrun, path by path, compiled.

Each path draws its own inputs from a generator seeded by (run seed, path index) (:mod:`chagai.risk.rng`):

* **prices**: y_t = ln(P_t / P_deck) with y_0 = 0 (the valuation year is at the deck's price) and, from year 1,
  y_t = y_{t-1} + kappa (m - y_{t-1}) + sigma e_t (mean-reverting) or y_t = y_{t-1} + drift - sigma^2/2 + sigma e_t
  (GBM), e_t correlated across commodities (Cholesky of the calibrated correlation); m = 0 reverts to the deck,
  m = ln(long-run / deck) to the calibrated long-run price;
* **security regime**: a two-state Markov chain (calm / conflict-active) year by year;
* **outages**: a Poisson number of events a year at the regime's rate; each takes an exponential number of days
  at a partial loss (or, for the severe share, the whole output); availability = 1 - lost share of the year;
* **schedule**: each construction year (from the first year a delay moves to the planned first production) may
  bring a pause of ``delay_years`` with the regime's probability; the delay moves construction, production and
  debt together;
* **capital overrun**: lognormal, median and sigma from the profile, its normal score correlated with the
  number of pauses.

Then the annual model (:func:`chagai.core.kernel.run_path`) runs on those inputs and the path's metrics are
stored. Paths run in parallel (numba ``prange``) in chunks, so memory stays flat whatever the number of paths.
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

from chagai.core import kernel as k
from chagai.core.jit import jit, parallel_jit
from chagai.risk import rng

# metrics stored per path (second axis of the metrics array)
METRICS: tuple[tuple[str, str, str], ...] = (
    ("npv_pre_tax", "US$m", "project NPV before tax"),
    ("npv_post_tax", "US$m", "project NPV after tax, unlevered"),
    ("npv_equity", "US$m", "equity NPV, all owners"),
    ("pv_federal", "US$m", "PV of federal government receipts"),
    ("pv_provincial", "US$m", "PV of provincial government receipts"),
    ("aetr", "fraction", "government take, discounted (AETR)"),
    ("local_share", "fraction", "provincial share, discounted"),
    ("min_dscr", "ratio", "minimum DSCR over the repayment years"),
    ("revenue", "US$m", "gross revenue, life of project, undiscounted"),
)
M_NPV_PRE, M_NPV_POST, M_NPV_EQ, M_PV_FED, M_PV_PROV, M_AETR, M_LOCAL, M_MIN_DSCR, M_REVENUE = range(len(METRICS))
N_METRICS = len(METRICS)

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


@dataclass(frozen=True)
class PriceProcess:
    """Price dynamics of the case's commodities, in the order of the compiled case."""

    kind: np.ndarray  # (C,) 0 mean-reverting, 1 GBM
    kappa: np.ndarray  # (C,) [1/yr]
    sigma: np.ndarray  # (C,) [1/sqrt(yr)]
    drift: np.ndarray  # (C,) [1/yr]
    level: np.ndarray  # (C,) m = ln(long-run / deck), 0 to revert to the deck
    cholesky: np.ndarray  # (C, C)


class RiskArrays(NamedTuple):
    """The random inputs' parameters as the compiled code takes them (see :class:`RiskInputs`)."""

    base_price: np.ndarray  # (C,) the deck's price [US$ per payable unit]
    kind: np.ndarray  # (C,) 0 mean-reverting, 1 GBM
    kappa: np.ndarray
    sigma: np.ndarray
    drift: np.ndarray
    level: np.ndarray
    cholesky: np.ndarray  # (C, C)
    security: np.ndarray  # (len(SEC_FIELDS),)
    construction_start: int
    construction_years: int
    max_delay: int


@dataclass(frozen=True)
class RiskInputs:
    """Everything random about a run, ready for the compiled kernel."""

    prices: PriceProcess
    security: np.ndarray  # (len(SEC_FIELDS),)
    construction_start: int  # first year index a delay moves
    construction_years: int  # years of construction in the base schedule
    max_delay: int  # cap on the total delay [yr], so the schedule stays in the horizon

    def arrays(self, base_price: np.ndarray) -> RiskArrays:
        """The parameters for the compiled code, with the deck's prices of year 0."""
        p = self.prices
        return RiskArrays(
            np.ascontiguousarray(base_price, dtype=np.float64),
            p.kind,
            p.kappa,
            p.sigma,
            p.drift,
            p.level,
            p.cholesky,
            self.security,
            self.construction_start,
            self.construction_years,
            self.max_delay,
        )


@jit
def _draw_path(
    params: k.Params,
    risk: RiskArrays,
    seed: int,
    path: int,
    price: np.ndarray,
    availability: np.ndarray,
    inputs: np.ndarray,
) -> tuple[float, int]:
    """Draw one path's inputs into ``price`` (C, T) and ``availability`` (T,); return (capex factor, delay)."""
    n_c, n = price.shape
    sec = risk.security
    base_price, chol = risk.base_price, risk.cholesky
    pp_kind, pp_kappa, pp_sigma, pp_drift, pp_level = risk.kind, risk.kappa, risk.sigma, risk.drift, risk.level
    construction_start, construction_years = risk.construction_start, risk.construction_years
    max_delay = risk.max_delay
    state = rng.path_state(seed, path)
    # security regime and outages
    active = rng.uniform(state) < sec[S_START]
    active_years = 0
    pauses = 0
    lost_total = 0.0
    zero_calm = math.exp(-sec[S_RATE_CALM])
    zero_active = math.exp(-sec[S_RATE_ACTIVE])
    for t in range(n):
        if t > 0:
            u = rng.uniform(state)
            active = u >= sec[S_P10] if active else u < sec[S_P01]
        if active:
            active_years += 1
        if active:
            events = rng.poisson(state, sec[S_RATE_ACTIVE], zero_active)
        else:
            events = rng.poisson(state, sec[S_RATE_CALM], zero_calm)
        lost = 0.0
        for _ in range(events):
            if rng.uniform(state) < sec[S_SEVERE]:
                lost += -math.log(rng.uniform(state)) * sec[S_SEVERE_DAYS] / 365.0
            else:
                lost += -math.log(rng.uniform(state)) * sec[S_DAYS] * sec[S_LOSS] / 365.0
        availability[t] = max(0.0, 1.0 - lost)
        lost_total += min(lost, 1.0)
        if construction_start <= t < construction_start + construction_years:
            p = sec[S_DELAY_ACTIVE] if active else sec[S_DELAY_CALM]
            if rng.uniform(state) < p:
                pauses += 1
    delay = min(int(pauses * sec[S_DELAY_YEARS] + 0.5), max_delay)
    # capital overrun, correlated with the pauses
    p_bar = 0.5 * (sec[S_DELAY_CALM] + sec[S_DELAY_ACTIVE])
    spread = math.sqrt(max(construction_years * p_bar * (1.0 - p_bar), 1e-12))
    z_delay = (pauses - construction_years * p_bar) / spread if construction_years > 0 else 0.0
    rho = sec[S_OVERRUN_CORR]
    z = rho * z_delay + math.sqrt(max(0.0, 1.0 - rho * rho)) * rng.normal(state)
    capex_factor = sec[S_OVERRUN_MEDIAN] * math.exp(sec[S_OVERRUN_SIGMA] * z)
    # prices
    y = np.zeros(n_c)
    shocks = np.zeros(n_c)
    for c in range(n_c):
        price[c, 0] = base_price[c]
    for t in range(1, n):
        rng.normals(state, shocks)
        for c in range(n_c):
            e = 0.0
            for j in range(c + 1):
                e += chol[c, j] * shocks[j]
            if pp_kind[c] == 0:
                y[c] = y[c] + pp_kappa[c] * (pp_level[c] - y[c]) + pp_sigma[c] * e
            else:
                y[c] = y[c] + pp_drift[c] - 0.5 * pp_sigma[c] * pp_sigma[c] + pp_sigma[c] * e
            price[c, t] = base_price[c] * math.exp(y[c])
    inputs[0] = delay
    inputs[1] = capex_factor
    inputs[2] = 1.0 - lost_total / n
    inputs[3] = active_years / n
    return capex_factor, delay


LARGEST_RESULT = 1e30
"""Results beyond this (in absolute value) are numerical failures: they would not even fit the float32 store."""


@jit
def _storable(x: float) -> bool:
    return math.isfinite(x) and abs(x) < LARGEST_RESULT


@jit
def _path_metrics(
    params: k.Params,
    lines: np.ndarray,
    party: np.ndarray,
    discount: np.ndarray,
    metrics: np.ndarray,
    party_npv: np.ndarray,
    years0: int,
) -> tuple[int, int]:
    """Fill one path's metrics; return (status, first default year or -1)."""
    n = lines.shape[1]
    npv_pre = 0.0
    npv_post = 0.0
    npv_eq = 0.0
    pv_fed = 0.0
    pv_prov = 0.0
    revenue = 0.0
    min_dscr = np.inf
    default_year = -1
    for t in range(n):
        d = discount[t]
        npv_pre += lines[k.L.pre_tax_ncf, t] * d
        npv_post += lines[k.L.post_tax_ncf, t] * d
        npv_eq += lines[k.L.equity_cash_flow, t] * d
        pv_fed += lines[k.L.government_federal, t] * d
        pv_prov += lines[k.L.government_provincial, t] * d
        revenue += lines[k.L.gross_revenue, t]
        if lines[k.L.debt_service, t] > 1e-9:
            ratio = lines[k.L.dscr, t]
            if ratio < min_dscr:
                min_dscr = ratio
        if default_year < 0 and lines[k.L.shortfall, t] > 1e-6:
            default_year = years0 + t
    for p in range(party.shape[0]):
        total = 0.0
        for t in range(n):
            total += party[p, t] * discount[t]
        party_npv[p] = total
    metrics[M_NPV_PRE] = npv_pre
    metrics[M_NPV_POST] = npv_post
    metrics[M_NPV_EQ] = npv_eq
    metrics[M_PV_FED] = pv_fed
    metrics[M_PV_PROV] = pv_prov
    metrics[M_AETR] = (pv_fed + pv_prov) / npv_pre if npv_pre > 0 else np.nan
    metrics[M_LOCAL] = pv_prov / npv_pre if npv_pre > 0 else np.nan
    metrics[M_MIN_DSCR] = min_dscr if min_dscr < np.inf else np.nan
    metrics[M_REVENUE] = revenue
    finite = _storable(npv_pre) and _storable(npv_post) and _storable(npv_eq)
    finite = finite and _storable(pv_fed) and _storable(pv_prov) and _storable(revenue)
    for p in range(party.shape[0]):
        finite = finite and _storable(party_npv[p])
    return (STATUS_OK if finite else STATUS_NUMERICAL), default_year


@parallel_jit
def simulate_chunk(
    params: k.Params,
    risk: RiskArrays,
    seed: int,
    first_path: int,
    discount: np.ndarray,
    years0: int,
    metrics: np.ndarray,
    party_npv: np.ndarray,
    status: np.ndarray,
    default_year: np.ndarray,
    inputs: np.ndarray,
) -> None:
    """Run paths ``first_path .. first_path + len(status) - 1``; row j of each output is path first_path + j."""
    n_paths = status.shape[0]
    n_c = risk.base_price.shape[0]
    n = discount.shape[0]
    n_parties = party_npv.shape[1]
    for j in prange(n_paths):
        price = np.empty((n_c, n))
        availability = np.empty(n)
        lines = np.empty((k.N_LINES, n))
        party = np.empty((n_parties, n))
        capex_factor, delay = _draw_path(
            params,
            risk,
            seed,
            first_path + j,
            price,
            availability,
            inputs[j],
        )
        valid = _storable(capex_factor) and capex_factor >= 0.0
        for c in range(n_c):
            for t in range(n):
                valid = valid and _storable(price[c, t]) and price[c, t] >= 0.0
        if not valid:
            status[j] = STATUS_INVALID_DRAW
            for m in range(metrics.shape[1]):
                metrics[j, m] = np.nan
            for p in range(n_parties):
                party_npv[j, p] = np.nan
            default_year[j] = -1
            continue
        k.run_path(params, price, availability, capex_factor, delay, lines, party)
        st, dy = _path_metrics(params, lines, party, discount, metrics[j], party_npv[j], years0)
        status[j] = st
        default_year[j] = dy
        if st != STATUS_OK:  # results that cannot be trusted are not results: marked, never zeroed
            for m in range(metrics.shape[1]):
                metrics[j, m] = np.nan
            for p in range(n_parties):
                party_npv[j, p] = np.nan


@dataclass
class SimulationArrays:
    """Per-path results of a run (float32 to keep 10^7 paths in memory), and the run's settings."""

    seed: int
    n_paths: int
    chunk_size: int
    threads: int
    metrics: np.ndarray  # (n, N_METRICS) float32
    party_npv: np.ndarray  # (n, len(parties)) float32
    parties: np.ndarray  # indices (in the compiled case's parties) of the columns of party_npv
    status: np.ndarray  # (n,) int8
    default_year: np.ndarray  # (n,) int16 (-1: none)
    inputs: np.ndarray  # (n, N_FIXED_INPUTS) float32
    metric_sums: np.ndarray = field(default_factory=lambda: np.zeros(N_METRICS))  # float64, finite values only
    metric_counts: np.ndarray = field(default_factory=lambda: np.zeros(N_METRICS, dtype=np.int64))
    party_sums: np.ndarray = field(default_factory=lambda: np.zeros(0))
    party_counts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    wall_seconds: float = 0.0
    chunks: int = 0
    notes: list[str] = field(default_factory=list)

    def exact_means(self) -> tuple[np.ndarray, np.ndarray]:
        """Means of each metric and each party's NPV over the valid paths, accumulated in float64."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.metric_sums / self.metric_counts, self.party_sums / self.party_counts


def run_simulation(
    params: k.Params,
    base_price: np.ndarray,
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
    n_years = params.capacity.shape[0]
    discount = (1.0 + discount_rate) ** -np.arange(n_years, dtype=np.float64)
    n_parties = params.party_level.shape[0]
    # only parties that hold, fund or buy a stake have equity flows: store their NPVs, not every lender's zeros
    tracked = np.unique(np.concatenate([params.stake_party, params.stake_payer])).astype(np.int64)
    out = SimulationArrays(
        seed=seed,
        n_paths=n_paths,
        chunk_size=chunk_size,
        threads=threads or numba.get_num_threads(),
        metrics=np.empty((n_paths, N_METRICS), dtype=np.float32),
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
    arrays = risk.arrays(base_price)
    metrics = np.empty((chunk_size, N_METRICS))
    party_npv = np.empty((chunk_size, n_parties))
    status = np.empty(chunk_size, dtype=np.int8)
    default_year = np.empty(chunk_size, dtype=np.int64)
    inputs = np.empty((chunk_size, N_FIXED_INPUTS))
    start = time.perf_counter()
    try:
        for first in range(0, n_paths, chunk_size):
            m = min(chunk_size, n_paths - first)
            simulate_chunk(
                params,
                arrays,
                seed,
                first,
                discount,
                first_year,
                metrics[:m],
                party_npv[:m],
                status[:m],
                default_year[:m],
                inputs[:m],
            )
            # an invalid draw keeps its offending input (which may not fit float32: it is stored as inf)
            with np.errstate(over="ignore"):
                out.metrics[first : first + m] = metrics[:m]
                out.party_npv[first : first + m] = party_npv[:m][:, tracked]
                out.inputs[first : first + m] = inputs[:m]
            out.status[first : first + m] = status[:m]
            out.default_year[first : first + m] = default_year[:m]
            ok = status[:m] == STATUS_OK
            for values, sums, counts in (
                (metrics[:m][ok], out.metric_sums, out.metric_counts),
                (party_npv[:m][ok][:, tracked], out.party_sums, out.party_counts),
            ):
                finite = np.isfinite(values)
                sums += np.where(finite, values, 0.0).sum(axis=0)
                counts += finite.sum(axis=0)
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
    params: k.Params,
    risk: RiskArrays,
    seed: int,
    first_path: int,
    checksum: np.ndarray,
) -> None:
    """Draw the random inputs of paths ``first_path ..`` and nothing else: the floor a run cannot go below.

    ``checksum[j]`` keeps a number from each path so the work cannot be optimised away.
    """
    n_c = risk.base_price.shape[0]
    n = params.capacity.shape[0]
    for j in prange(checksum.shape[0]):
        price = np.empty((n_c, n))
        availability = np.empty(n)
        inputs = np.empty(N_FIXED_INPUTS)
        capex_factor, delay = _draw_path(
            params,
            risk,
            seed,
            first_path + j,
            price,
            availability,
            inputs,
        )
        checksum[j] = capex_factor + delay + price[n_c - 1, n - 1] + availability[n - 1]


@jit
def _npv_at(flows: np.ndarray, rate: float) -> float:
    total = 0.0
    factor = 1.0
    step = 1.0 / (1.0 + rate)
    for t in range(flows.shape[0]):
        total += flows[t] * factor
        factor *= step
    return total


@jit
def irr_fast(flows: np.ndarray) -> float:
    """IRR by the rule of :func:`chagai.core.metrics.irr` on a coarser grid, compiled for many paths.

    Sign changes of the NPV are looked for on 120 rates (geometric in 1 + rate from -0.9 to 5) and refined by
    bisection to 1e-10; the smallest positive root is taken, else the root nearest zero; NaN when the flows start
    positive (nothing invested) or there is no sign change.
    """
    first = 0
    while first < flows.shape[0] and abs(flows[first]) <= 1e-9:
        first += 1
    if first == flows.shape[0] or flows[first] > 0:
        return np.nan
    best_positive = np.inf
    best_other = np.nan
    n_grid = 120
    low = math.log(0.1)
    high = math.log(6.0)
    previous_rate = math.exp(low) - 1.0
    previous = _npv_at(flows, previous_rate)
    for i in range(1, n_grid + 1):
        rate = math.exp(low + (high - low) * i / n_grid) - 1.0
        value = _npv_at(flows, rate)
        if previous == 0.0 or previous * value < 0.0:
            a, b, fa = previous_rate, rate, previous
            for _ in range(200):
                mid = 0.5 * (a + b)
                fm = _npv_at(flows, mid)
                if fa * fm <= 0.0:
                    b = mid
                else:
                    a, fa = mid, fm
                if b - a < 1e-10:
                    break
            root = 0.5 * (a + b)
            if root > 0:
                best_positive = min(best_positive, root)
            elif math.isnan(best_other) or abs(root) < abs(best_other):
                best_other = root
        previous_rate, previous = rate, value
    if best_positive < np.inf:
        return best_positive
    return best_other


@parallel_jit
def irr_chunk(
    params: k.Params,
    risk: RiskArrays,
    seed: int,
    paths: np.ndarray,
    project_irr: np.ndarray,
    party_irr: np.ndarray,
) -> None:
    """Re-run the given paths (same draws) and compute the after-tax project IRR and each party's IRR."""
    n_c = risk.base_price.shape[0]
    n = params.capacity.shape[0]
    n_parties = party_irr.shape[1]
    for j in prange(paths.shape[0]):
        price = np.empty((n_c, n))
        availability = np.empty(n)
        inputs = np.empty(N_FIXED_INPUTS)
        lines = np.empty((k.N_LINES, n))
        party = np.empty((n_parties, n))
        capex_factor, delay = _draw_path(
            params,
            risk,
            seed,
            paths[j],
            price,
            availability,
            inputs,
        )
        k.run_path(params, price, availability, capex_factor, delay, lines, party)
        project_irr[j] = irr_fast(lines[k.L.post_tax_ncf])
        for p in range(n_parties):
            party_irr[j, p] = irr_fast(party[p])
