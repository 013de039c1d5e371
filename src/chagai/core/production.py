"""Production stage: throughput, revenue, operating and capital costs, closure and the pre-tax net cash flow.

Definitions (DOMAIN.md), each year ``t`` of each path of a block (paths on the last axis):

* throughput [t ore or MMscf] = min(capacity [per yr] x availability [fraction], reserve left [t or MMscf]), zero
  after the last year production may run; the schedule from ``shift_from`` on slips by the path's delay [yr];
* gross revenue [US$m] = throughput x payable units per unit of throughput (by year of production) x price
  [US$ per payable unit]; product [t] = throughput x product yield [t/t];
* selling costs [US$m] = product [t] x selling cost [US$/t]; NSR [US$m] = gross revenue - selling costs;
* opex [US$m] = throughput x opex per unit [US$/unit] + fixed opex [US$m/yr], while producing; sustaining capital
  likewise; initial capital [US$m] = the delayed base schedule x the path's overrun factor [-];
* economic limit: production stops after the last year whose operating cash flow (revenue - selling costs - opex
  - sustaining capital) [US$m] is positive;
* closure [US$m] falls in the year after production ends;
* pre-tax net cash flow NCF_pre [US$m] = revenue - selling costs - opex - sustaining - initial capital - closure.
"""

from __future__ import annotations

import numpy as np

from chagai.core.jit import jit
from chagai.core.lines import Line
from chagai.core.terms import F64, I64, PER_MILLION, ProductionTerms


@jit
def shifted_row(base: F64, t: int, delay: I64, shift_from: int, hold: bool, out: F64) -> None:
    """Each path's value (``out[b]``) of the base schedule for year ``t``, delayed by the path's ``delay[b]``.

    Everything from ``shift_from`` on moves by the delay [yr]. In the years the delay opens, a held schedule
    (capacity) keeps its level of the year before ``shift_from``; an unheld one (capital spending) is zero.
    """
    if t < shift_from:
        out[:] = base[t]
        return
    longest = 0
    for b in range(delay.shape[0]):
        longest = max(longest, delay[b])
    out[:] = base[t]
    uniform = True
    for years in range(1, longest + 1):
        uniform = uniform and _delayed(base, t, years, shift_from, hold) == base[t]
    if uniform:  # every delay the block holds gives the same value (a steady schedule)
        return
    for years in range(1, longest + 1):  # a select per delay the block holds, so the loops vectorise
        value = _delayed(base, t, years, shift_from, hold)
        for b in range(delay.shape[0]):
            out[b] = value if delay[b] == years else out[b]


@jit
def _delayed(base: F64, t: int, years: int, shift_from: int, hold: bool) -> float:
    """The base schedule's value for year ``t`` (at or after ``shift_from``) when delayed by ``years``."""
    source = t - years
    if source < shift_from and hold:
        source = shift_from - 1  # -1 when nothing comes before shift_from: the value is then zero
    if source >= shift_from or (hold and source >= 0):
        return float(base[source])
    return 0.0


@jit
def produce(
    terms: ProductionTerms,
    price: F64,
    availability: F64,
    capex_factor: F64,
    delay: I64,
    out: F64,
    reserve_left: F64,
    first_production: I64,
    last_production: I64,
) -> None:
    """Throughput, product, revenue, selling costs, NSR, opex, sustaining and initial capital of every year.

    Parameters
    ----------
    terms
        The production terms.
    price
        (C, T, B) price of each commodity [US$ per payable unit].
    availability
        (T, B) share of capacity that can run each year [fraction].
    capex_factor
        (B,) multiplier on initial and expansion capital (overrun) [-].
    delay
        (B,) years by which the schedule from ``terms.shift_from`` on slips [yr].
    out
        (N_LINES, T, B) the annual table: the lines from ``throughput`` to ``initial_capex`` are written.
    reserve_left
        (T, B) filled with the reserve left at the start of each year [t or MMscf].
    first_production, last_production
        (B,) filled with the first and last year index with throughput (-1: none).
    """
    n_c, n, nb = price.shape
    remaining = np.full(nb, terms.reserve)
    capacity = np.empty(nb)
    first_production[:] = -1
    last_production[:] = -1
    for t in range(n):
        shifted_row(terms.capacity, t, delay, terms.shift_from, True, capacity)
        milled = out[Line.throughput, t]
        running = t <= terms.end_index
        for b in range(nb):
            reserve_left[t, b] = remaining[b]
            milled[b] = max(min(capacity[b] * availability[t, b], remaining[b]) if running else 0.0, 0.0)
            remaining[b] -= milled[b]
        for b in range(nb):
            first_production[b] = t if (milled[b] > 0) & (first_production[b] < 0) else first_production[b]
            last_production[b] = t if milled[b] > 0 else last_production[b]
        gross = out[Line.gross_revenue, t]
        gross[:] = 0.0
        product, selling, nsr = out[Line.product, t], out[Line.selling_costs, t], out[Line.nsr, t]
        n_grades = terms.yields.shape[1]
        if n_grades == 1:  # one grade for the life of the asset
            for c in range(n_c):
                payable = terms.yields[c, 0]
                for b in range(nb):
                    gross[b] += milled[b] * payable * price[c, t, b] * PER_MILLION
            for b in range(nb):
                product[b] = milled[b] * terms.product_yield[0]
        else:  # grades by year of production, counted from each path's first production year
            for b in range(nb):
                age = min(max(t - first_production[b], 0), n_grades - 1)
                for c in range(n_c):
                    gross[b] += milled[b] * terms.yields[c, age] * price[c, t, b] * PER_MILLION
                product[b] = milled[b] * terms.product_yield[age]
        for b in range(nb):
            selling[b] = product[b] * terms.selling_cost * PER_MILLION
        for b in range(nb):
            nsr[b] = gross[b] - selling[b]
        opex, sustaining = out[Line.opex, t], out[Line.sustaining_capex, t]
        for b in range(nb):
            opex[b] = milled[b] * terms.opex_per_unit * PER_MILLION + terms.fixed_opex if milled[b] > 0 else 0.0
        for b in range(nb):
            sustaining[b] = (
                milled[b] * terms.sustaining_per_unit * PER_MILLION + terms.sustaining_fixed if milled[b] > 0 else 0.0
            )
        initial = out[Line.initial_capex, t]
        shifted_row(terms.capex, t, delay, terms.shift_from, False, initial)
        for b in range(nb):
            initial[b] *= capex_factor[b]


@jit
def stop_at_economic_limit(out: F64, first_production: I64, last_production: I64) -> None:
    """Stop each path's production after its economic limit: the last year its operating cash flow is positive.

    Operating cash flow = revenue - selling costs - opex - sustaining capital [US$m]; a year of loss followed by
    a profitable one (an outage, a price dip) is produced through. Production, revenue and operating costs of
    the years after the limit become zero and ``last_production`` moves to the limit (closure follows it); a
    path that never has a profitable year produces nothing and closes in its first planned production year.
    """
    n, nb = out.shape[1], out.shape[2]
    limit = np.full(nb, -1)
    for t in range(n):
        for b in range(nb):
            margin = (
                out[Line.gross_revenue, t, b]
                - out[Line.selling_costs, t, b]
                - out[Line.opex, t, b]
                - out[Line.sustaining_capex, t, b]
            )
            limit[b] = t if (out[Line.throughput, t, b] > 0) & (margin > 0) else limit[b]
    for b in range(nb):
        if last_production[b] <= limit[b]:
            continue
        for t in range(limit[b] + 1, n):
            for line in (Line.throughput, Line.product, Line.gross_revenue, Line.selling_costs, Line.nsr, Line.opex):
                out[line, t, b] = 0.0
            out[Line.sustaining_capex, t, b] = 0.0
        last_production[b] = limit[b] if limit[b] >= 0 else min(first_production[b], n - 1) - 1
        if limit[b] < 0 and last_production[b] < 0:
            last_production[b] = 0  # closes at the start of the horizon


@jit
def close(closure_cost: float, out: F64, first_production: I64, last_production: I64) -> None:
    """Closure cost [US$m] in the year after each path's last production year (the last year at most).

    ``out[Line.closure]`` is written. A path that never produces gets ``first_production`` set to
    the horizon (T), so every later stage reads it as "not yet producing".
    """
    n, nb = out.shape[1], out.shape[2]
    out[Line.closure, :, :] = 0.0
    for b in range(nb):
        if last_production[b] >= 0 and closure_cost > 0:
            out[Line.closure, min(last_production[b] + 1, n - 1), b] += closure_cost
        if first_production[b] < 0:
            first_production[b] = n  # never produces within the horizon


@jit
def pre_tax_cash_flow(out: F64) -> None:
    """NCF_pre = revenue - selling costs - opex - sustaining - initial capital - closure [US$m], every year."""
    n, nb = out.shape[1], out.shape[2]
    for t in range(n):
        for b in range(nb):
            out[Line.pre_tax_ncf, t, b] = (
                out[Line.gross_revenue, t, b]
                - out[Line.selling_costs, t, b]
                - out[Line.opex, t, b]
                - out[Line.sustaining_capex, t, b]
                - out[Line.initial_capex, t, b]
                - out[Line.closure, t, b]
            )
