"""The measures of a run of the annual model: one compiled function for the appraisal, Monte Carlo, sensitivity.

:func:`measure_block` reads a block of annual tables (paths on the last axis, as :func:`chagai.core.kernel.run_block`
writes them) and fills, for each path, the measures of :data:`MEASURES`, each party's NPV, the first year of
default and the year of the minimum DSCR. The deterministic appraisal runs it on a block of one path, the Monte
Carlo on every block it draws and sensitivity on each of its runs, so a figure is computed one way wherever it is
shown.

Definitions (DOMAIN.md), money in US$m of the case's base year, rates as decimals:

* NPV / PV of a line: sum over years t of line_t (1 + r)^-t, year 0 = valuation year (end-year discounting);
* AETR: PV of the governments' receipts (federal + provincial) / PV of the pre-tax net cash flow, NaN when that
  PV is not positive; the local share: PV of the provincial receipts over the same denominator;
* DSCR in service: the years whose debt service exceeds :data:`IN_SERVICE` [US$m]; the minimum DSCR is over
  those years (NaN without debt) and its year index is kept;
* default: the first year whose shortfall (debt service not covered by CFADS) exceeds :data:`DEFAULT_SHORTFALL`.
"""

from __future__ import annotations

import math

import numpy as np

from chagai.core import kernel
from chagai.core.jit import jit
from chagai.core.lines import Line
from chagai.core.metrics import F64, IRR_MAX_RATE, IRR_MIN_RATE, discount_factors, npv_1d
from chagai.core.roots import brent_next, brent_start, brent_store

MEASURES: tuple[tuple[str, str, str], ...] = (
    ("npv_pre_tax", "US$m", "project NPV before tax"),
    ("npv_post_tax", "US$m", "project NPV after tax, unlevered (taxes of the project without debt)"),
    ("npv_equity", "US$m", "equity NPV, all owners"),
    ("pv_federal", "US$m", "PV of federal government receipts"),
    ("pv_provincial", "US$m", "PV of provincial government receipts"),
    ("aetr", "fraction", "government take, discounted (AETR)"),
    ("local_share", "fraction", "provincial share, discounted"),
    ("min_dscr", "ratio", "minimum DSCR over the repayment years"),
    ("revenue", "US$m", "gross revenue, life of project, undiscounted"),
)
"""Name, unit and description of each measure, in the order of the second axis of :func:`measure_block`'s
``measures``."""
M_NPV_PRE, M_NPV_POST, M_NPV_EQ, M_PV_FED, M_PV_PROV, M_AETR, M_LOCAL, M_MIN_DSCR, M_REVENUE = range(len(MEASURES))
N_MEASURES = len(MEASURES)

IN_SERVICE = kernel.IN_SERVICE
"""Debt service above which a year counts for the DSCR [US$m] (the kernel's own threshold)."""
DEFAULT_SHORTFALL = 1e-6
"""Shortfall above which a year is a default [US$m]."""
LARGEST_RESULT = 1e30
"""Results beyond this (in absolute value) are numerical failures: they would not even fit a float32 store."""

_DISCOUNTED_LINES = np.array(
    [
        Line.pre_tax_ncf,
        Line.post_tax_ncf_unlevered,
        Line.equity_cash_flow,
        Line.government_federal,
        Line.government_provincial,
    ],
    dtype=np.int64,
)  # fmt: skip
"""The lines whose present values are the first five sums of :func:`measure_block`."""


@jit
def storable(x: float) -> bool:
    """Whether ``x`` is a finite result within :data:`LARGEST_RESULT` (false for NaN and infinities)."""
    return abs(x) < LARGEST_RESULT


@jit
def measure_block(
    lines: F64,
    party: F64,
    parties: np.ndarray,
    discount: F64,
    measures: F64,
    party_npv: F64,
    default_index: np.ndarray,
    min_dscr_index: np.ndarray,
    finite: np.ndarray,
) -> None:
    """Measure every path of a block of annual tables (row ``b`` of each output is column ``b`` of ``lines``).

    Parameters
    ----------
    lines
        (N_LINES, T, B) the annual tables [see :data:`chagai.core.kernel.LINES`].
    party
        (P, T, B) each party's net equity cash flow [US$m].
    parties
        Indices of the parties whose NPV is wanted; column ``c`` of ``party_npv`` is party ``parties[c]``.
    discount
        (T,) discount factor of each year [-] (:func:`chagai.core.metrics.discount_factors`).
    measures
        (B, N_MEASURES) filled with the :data:`MEASURES`.
    party_npv
        (B, len(parties)) filled with the parties' NPVs [US$m].
    default_index, min_dscr_index
        (B,) filled with the year index of the first default and of the minimum DSCR (-1: none).
    finite
        (B,) filled with whether every sum is a finite result (see :func:`storable`).
    """
    n, m = lines.shape[1], lines.shape[2]
    sums = np.zeros((6, m))  # PV pre-tax, post-tax, equity, federal, provincial; revenue
    npv = np.zeros((parties.shape[0], m))
    min_dscr = np.full(m, np.inf)
    min_at = np.full(m, -1)
    first_default = np.full(m, -1)
    for t in range(n):
        d = discount[t]
        for i in range(5):  # short loops over one row each, so every one of them vectorises
            total, row = sums[i], lines[_DISCOUNTED_LINES[i], t]
            for b in range(m):
                total[b] += row[b] * d
        total, row = sums[5], lines[Line.gross_revenue, t]
        for b in range(m):
            total[b] += row[b]
        service, dscr = lines[Line.debt_service, t], lines[Line.dscr, t]
        for b in range(m):
            lower = (service[b] > IN_SERVICE) & (dscr[b] < min_dscr[b])
            min_at[b] = t if lower else min_at[b]
            min_dscr[b] = dscr[b] if lower else min_dscr[b]
        shortfall = lines[Line.shortfall, t]
        for b in range(m):
            first_default[b] = t if (first_default[b] < 0) & (shortfall[b] > DEFAULT_SHORTFALL) else first_default[b]
        for c in range(parties.shape[0]):
            row = party[parties[c], t]
            for b in range(m):
                npv[c, b] += row[b] * d
    for b in range(m):
        npv_pre, pv_fed, pv_prov = sums[0, b], sums[3, b], sums[4, b]
        ok = True
        for i in range(6):
            ok = ok and storable(sums[i, b])
        for c in range(parties.shape[0]):
            ok = ok and storable(npv[c, b])
        finite[b] = ok
        measures[b, M_NPV_PRE] = npv_pre
        measures[b, M_NPV_POST] = sums[1, b]
        measures[b, M_NPV_EQ] = sums[2, b]
        measures[b, M_PV_FED] = pv_fed
        measures[b, M_PV_PROV] = pv_prov
        measures[b, M_AETR] = (pv_fed + pv_prov) / npv_pre if npv_pre > 0 else np.nan
        measures[b, M_LOCAL] = pv_prov / npv_pre if npv_pre > 0 else np.nan
        measures[b, M_MIN_DSCR] = min_dscr[b] if min_dscr[b] < np.inf else np.nan
        measures[b, M_REVENUE] = sums[5, b]
        for c in range(parties.shape[0]):
            party_npv[b, c] = npv[c, b]
        default_index[b] = first_default[b]
        min_dscr_index[b] = min_at[b]


class PathMeasures:
    """The measures of one path (an annual table and its parties' flows), from :func:`measure_block`.

    Attributes
    ----------
    values
        Each measure of :data:`MEASURES` by name [its unit].
    party_npv
        Each party's NPV by party index [US$m].
    default_index, min_dscr_index
        Year index of the first default and of the minimum DSCR, or None.
    """

    def __init__(self, lines: F64, party_net: F64, rate: float) -> None:
        n = lines.shape[1]
        parties = np.arange(party_net.shape[0], dtype=np.int64)
        measures = np.empty((1, N_MEASURES))
        party_npv = np.empty((1, parties.size))
        default_index = np.empty(1, dtype=np.int64)
        min_dscr_index = np.empty(1, dtype=np.int64)
        finite = np.empty(1, dtype=np.bool_)
        measure_block(
            np.ascontiguousarray(lines).reshape((lines.shape[0], n, 1)),
            np.ascontiguousarray(party_net).reshape((party_net.shape[0], n, 1)),
            parties,
            discount_factors(rate, n),
            measures,
            party_npv,
            default_index,
            min_dscr_index,
            finite,
        )
        self.values = {name: float(measures[0, i]) for i, (name, _, _) in enumerate(MEASURES)}
        self.party_npv = party_npv[0].copy()
        self.default_index = int(default_index[0]) if default_index[0] >= 0 else None
        self.min_dscr_index = int(min_dscr_index[0]) if min_dscr_index[0] >= 0 else None


IRR_GRID = np.expm1(np.linspace(math.log1p(IRR_MIN_RATE), math.log1p(IRR_MAX_RATE), 201))
"""Rates at which :func:`irr_value` looks for sign changes of the NPV: 201, geometric in 1 + rate, over the range
of :func:`chagai.core.metrics.irr`: -0.99 (excluded) to 10 [1/yr]."""
_IRR_GRID_FACTORS = 1.0 / (1.0 + IRR_GRID)
_IRR_GRID_STEP4 = (_IRR_GRID_FACTORS * _IRR_GRID_FACTORS) * (_IRR_GRID_FACTORS * _IRR_GRID_FACTORS)
_IRR_FIRST_POSITIVE = int(np.argmax(IRR_GRID > 0.0))  # the cell ending at this rate holds rate zero
IRR_NEAR_CELLS = 16
"""Cells of :data:`IRR_GRID` from rate zero up (to a rate of about 0.7) where :func:`irr_value` looks first [-]."""
IRR_XTOL = 1e-12
"""Absolute accuracy of :func:`irr_value`'s roots; a relative 4 machine epsilons comes on top [1/yr]."""
_IRR_RTOL = 4.0 * float(np.finfo(np.float64).eps)


@jit
def _npv_on_grid(flows: np.ndarray, out: np.ndarray, first: int, last: int) -> None:
    """NPV of ``flows`` at rates ``first .. last - 1`` of :data:`IRR_GRID`, into the same places of ``out``.

    The four Horner chains of :func:`chagai.core.metrics.npv_1d` with the rates innermost, so the compiler
    evaluates several rates at once; the arithmetic of ``npv_1d``, so the values are those it gives at each rate.
    """
    n, m = flows.shape[0], last - first
    top = n - n % 4
    chains = np.zeros((4, m))
    for lag in range(n - top):
        chains[lag, :] = flows[top + lag]
    for j in range(top - 4, -1, -4):
        for lag in range(4):
            flow, chain = flows[j + lag], chains[lag]
            for i in range(m):
                chain[i] = chain[i] * _IRR_GRID_STEP4[first + i] + flow
    for i in range(m):
        step = _IRR_GRID_FACTORS[first + i]
        out[first + i] = ((chains[3, i] * step + chains[2, i]) * step + chains[1, i]) * step + chains[0, i]


@jit
def _brent(flows: np.ndarray, x_low: float, x_high: float, f_low: float, f_high: float) -> float:
    """Root of the NPV between two rates where it changes sign (:mod:`chagai.core.roots`, scipy's ``brentq``).

    ``f_low`` and ``f_high`` are the NPVs at ``x_low`` and ``x_high``, of opposite signs; the root is within
    :data:`IRR_XTOL` plus 4 machine epsilons of the rate.
    """
    state, _ = brent_start(x_low, f_low, x_high, f_high)
    x = x_high
    for _ in range(100):
        x, done = brent_next(state, IRR_XTOL, _IRR_RTOL)
        if done:
            break
        brent_store(state, npv_1d(x, flows))
    return x


@jit
def _root_in_cell(flows: np.ndarray, npv: np.ndarray, i: int) -> float:
    """The root between grid rates ``i - 1`` and ``i`` (NPVs ``npv``): the lower rate when its NPV is zero."""
    if npv[i - 1] == 0.0:
        return float(IRR_GRID[i - 1])
    return _brent(flows, IRR_GRID[i - 1], IRR_GRID[i], npv[i - 1], npv[i])


@jit
def _changes_sign(npv: np.ndarray, i: int) -> bool:
    """Whether the NPV has a root between grid rates ``i - 1`` (included) and ``i`` (excluded)."""
    return bool((npv[i - 1] == 0.0 and i > 1) or npv[i - 1] * npv[i] < 0.0)  # the range excludes its lowest rate


@jit
def irr_value(flows: np.ndarray) -> float:
    """The IRR every figure shows (appraisal, Monte Carlo): the rule of :func:`chagai.core.metrics.irr`, one scan.

    Roots are looked for in the cells of :data:`IRR_GRID` (201 rates, geometric in 1 + rate from -0.99 to 10)
    where the NPV changes sign (or is zero at the cell's lower rate) and refined by Brent's method to
    :data:`IRR_XTOL`. The smallest positive root is taken, else the root nearest zero; NaN when the flows start
    positive (nothing invested) or the NPV changes sign nowhere on the grid.

    A cell's root lies above those of the cells below it, so the cells are searched from the one holding rate
    zero upwards, then downwards from it, and only the root that decides is refined. The NPV is evaluated on the
    :data:`IRR_NEAR_CELLS` cells above zero first, where most IRRs lie, and on the other rates only when needed.
    """
    first = 0
    while first < flows.shape[0] and abs(flows[first]) <= 1e-9:
        first += 1
    if first == flows.shape[0] or flows[first] > 0:
        return np.nan
    last = flows.shape[0]
    while flows[last - 1] == 0.0:  # trailing zeros change no NPV
        last -= 1
    flows = flows[:last]
    n_grid = IRR_GRID.shape[0]
    npv = np.empty(n_grid)
    near_last = min(_IRR_FIRST_POSITIVE + IRR_NEAR_CELLS, n_grid)
    _npv_on_grid(flows, npv, _IRR_FIRST_POSITIVE - 1, near_last)
    nearest_zero = np.nan  # a root at or below zero in the cell holding zero
    for i in range(_IRR_FIRST_POSITIVE, n_grid):
        if i == near_last:
            _npv_on_grid(flows, npv, near_last, n_grid)
        if _changes_sign(npv, i):
            root = _root_in_cell(flows, npv, i)
            if root > 0.0:
                return root
            nearest_zero = root
    if not math.isnan(nearest_zero):
        return nearest_zero
    _npv_on_grid(flows, npv, 0, _IRR_FIRST_POSITIVE - 1)
    for i in range(_IRR_FIRST_POSITIVE - 1, 0, -1):
        if _changes_sign(npv, i):
            return _root_in_cell(flows, npv, i)
    return np.nan
