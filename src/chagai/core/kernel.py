"""The annual model of one project, written once, read like a spreadsheet, compiled for Monte Carlo.

:func:`run_block` computes a block of paths (draws) year by year: production, revenue, costs, royalties, income
tax, the loans, and the equity waterfall to every stake. Every statement is written for each path of the block in
an inner loop, so compiled code works on contiguous rows; a path's arithmetic is exactly that of a single run.
:func:`run_path` is the block of one path, :func:`run_paths` a plain driver over draws. Inputs come from
:func:`chagai.cases.compile.compile_case` as a :class:`Params` tuple (fixed for every draw) and per-draw arrays
(prices, availability, capex overrun, delay). A single path's arrays have time on their last axis; a block's add
the paths as a last axis after time. Year index 0 is the valuation year. Money is in US$ million; quantities in
canonical units (t, MMscf).

The functions use only what numba compiles (loops, scalars, arrays, tuples), so the same code runs as plain
Python (the reference and the baseline of the benchmarks) and compiled (:mod:`chagai.core.jit`).

Cash identity, every year and every path::

    pre-tax net cash flow = royalties + taxes + other government levies + profit share + social uplift
                            + lenders' net receipts (incl. interest withholding) + equity cash flow
"""

from __future__ import annotations

import math
from enum import IntEnum
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from chagai.core.jit import jit

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

# ---------------------------------------------------------------------------------------------------------
# Line items of the annual table: index in the output's second axis, name and unit.


class L(IntEnum):
    """Index of each line of the annual table (the second axis of the kernel's output)."""

    throughput = 0
    product = 1
    gross_revenue = 2
    selling_costs = 3
    nsr = 4
    opex = 5
    sustaining_capex = 6
    initial_capex = 7
    closure = 8
    pre_tax_ncf = 9
    royalties_federal = 10
    royalties_provincial = 11
    advance_royalty = 12
    advance_royalty_credit = 13
    depreciation = 14
    taxable_income = 15
    losses_used = 16
    income_tax = 17
    super_tax = 18
    presumptive_tax = 19
    rent = 20
    profit_share_state = 21
    profit_share_provincial = 22
    social_uplift = 23
    post_tax_ncf = 24
    post_tax_ncf_unlevered = 25
    debt_drawdown = 26
    interest_paid = 27
    interest_capitalised = 28
    principal = 29
    fees = 30
    debt_service = 31
    debt_balance = 32
    cfads = 33
    dscr = 34
    shortfall = 35
    interest_withholding = 36
    lenders_net = 37
    equity_cash_flow = 38
    dividend_withholding = 39
    government_federal = 40
    government_provincial = 41
    community = 42


LINES: tuple[tuple[str, str], ...] = (
    ("throughput", "t or MMscf"),
    ("product", "t"),
    ("gross_revenue", "US$m"),
    ("selling_costs", "US$m"),
    ("nsr", "US$m"),
    ("opex", "US$m"),
    ("sustaining_capex", "US$m"),
    ("initial_capex", "US$m"),
    ("closure", "US$m"),
    ("pre_tax_ncf", "US$m"),
    ("royalties_federal", "US$m"),
    ("royalties_provincial", "US$m"),
    ("advance_royalty", "US$m"),
    ("advance_royalty_credit", "US$m"),
    ("depreciation", "US$m"),
    ("taxable_income", "US$m"),
    ("losses_used", "US$m"),
    ("income_tax", "US$m"),
    ("super_tax", "US$m"),
    ("presumptive_tax", "US$m"),
    ("rent", "US$m"),
    ("profit_share_state", "US$m"),
    ("profit_share_provincial", "US$m"),
    ("social_uplift", "US$m"),
    ("post_tax_ncf", "US$m"),
    ("post_tax_ncf_unlevered", "US$m"),
    ("debt_drawdown", "US$m"),
    ("interest_paid", "US$m"),
    ("interest_capitalised", "US$m"),
    ("principal", "US$m"),
    ("fees", "US$m"),
    ("debt_service", "US$m"),
    ("debt_balance", "US$m"),
    ("cfads", "US$m"),
    ("dscr", "ratio"),
    ("shortfall", "US$m"),
    ("interest_withholding", "US$m"),
    ("lenders_net", "US$m"),
    ("equity_cash_flow", "US$m"),
    ("dividend_withholding", "US$m"),
    ("government_federal", "US$m"),
    ("government_provincial", "US$m"),
    ("community", "US$m"),
)
assert [name for name, _ in LINES] == [m.name for m in L]
N_LINES = len(LINES)
ZEROED_LINES = (
    L.closure,
    L.royalties_federal,
    L.royalties_provincial,
    L.debt_drawdown,
    L.interest_paid,
    L.interest_capitalised,
    L.principal,
    L.fees,
    L.debt_balance,
    L.dividend_withholding,
)
"""Lines that :func:`run_block` sums into (zeroed first); it writes every other line of every year in full."""

# integer codes shared with the compiler
KIND_MINE, KIND_GAS = 0, 1
BASE_GROSS, BASE_NSR = 0, 1
PAYEE_FEDERAL, PAYEE_PROVINCIAL = 0, 1
DEP_STRAIGHT_LINE, DEP_DECLINING_BALANCE, DEP_UNITS_OF_PRODUCTION = 0, 1, 2
REPAY_ANNUITY, REPAY_EQUAL_PRINCIPAL, REPAY_SCULPTED = 0, 1, 2
STAKE_PAID, STAKE_FUNDED, STAKE_FREE_CARRIED = 0, 1, 2
LEVEL_PRIVATE, LEVEL_FEDERAL, LEVEL_PROVINCIAL = 0, 1, 2
IN_SERVICE = 1e-9
"""Debt service above which a year has a DSCR (and counts as a repayment year) [US$m]."""
PER_MILLION = 1e-6  # US$ to US$ million (a product: divisions are the slowest arithmetic in the loops)


class Params(NamedTuple):
    """Everything fixed across draws, in canonical units; year index 0 is the valuation year.

    Schedules (``capacity``, ``capex``) are the undelayed base case; a draw's delay shifts them from
    ``shift_from`` on.
    """

    kind: int  # KIND_MINE or KIND_GAS
    capacity: F64  # (T,) throughput capacity [t ore/yr or MMscf/yr]
    reserve: float  # ore or gas left at the start of year 0 [t or MMscf]; inf when not limiting
    yields: F64  # (C, K) payable units per unit of throughput in the k-th year of production, the last column
    # for every later year [t/t, MMBtu/MMscf ...]
    product_yield: F64  # (K,) tonnes of product (concentrate) per unit of throughput, by year of production [t/t]
    selling_cost: float  # per tonne of product [US$/t]
    opex_per_unit: float  # [US$ per t or MMscf]
    fixed_opex: float  # while producing [US$m/yr]
    sustaining_per_unit: float  # [US$ per t or MMscf]
    sustaining_fixed: float  # while producing [US$m/yr]
    closure_cost: float  # paid the year after production ends [US$m]
    capex: F64  # (T,) initial and expansion capital, base case [US$m]
    shift_from: int  # first year index a delay moves
    end_index: int  # last year index production may run (lease end, a fixed end year)
    economic_limit: bool  # stop production after the last year whose operating cash flow is positive
    royalty_rate: F64  # (R,)
    royalty_base: I64  # (R,) BASE_GROSS or BASE_NSR
    royalty_payee: I64  # (R,) PAYEE_*
    advance_schedule: F64  # (K,) advance royalty by year of the schedule [US$m]
    advance_first: int  # year index of the schedule's first payment (negative: before year 0)
    advance_cap: float  # [US$m]
    advance_credit_start: float  # advance royalties paid before year 0, still to credit [US$m]
    advance_payee: int
    cit_rate: float
    tax_holiday_years: int  # years from first production with no income, super or minimum tax
    super_tax_rate: float
    minimum_tax_rate: float
    presumptive_rate: float
    income_tax_payee: int
    dep_method: int
    dep_rate: float
    loss_years: int  # -1: unlimited carry-forward
    wht_dividend: float
    wht_interest: float
    rent: float  # [US$m/yr] while producing
    ps_state_share: float  # profit share to the state owner (0: none)
    ps_pass_through: float  # part of the state's share passed to the province
    ps_social: float  # social uplift, share of net profit
    fac_amount: F64  # (F,) committed [US$m]; one facility per distinct set of terms
    fac_rate: F64  # (F,)
    fac_grace: I64  # (F,) years from first drawdown to first repayment
    fac_tenor: I64  # (F,) repayment years
    fac_profile: I64  # (F,) REPAY_*
    fac_target_dscr: F64  # (F,)
    fac_upfront_fee: F64  # (F,)
    fac_commitment_fee: F64  # (F,)
    debt_fraction: float  # share of pre-production capex funded by debt (base case)
    stake_share: F64  # (S, T) share of each stake line in force each year
    stake_kind: I64  # (S,) STAKE_*
    stake_party: I64  # (S,) party index of the holder
    stake_payer: I64  # (S,) party index that pays the line's contributions
    stake_carry_rate: F64  # (S,) interest on a carry; NaN: contributions not repaid
    stake_withholding: F64  # (S,) 1 where dividend withholding applies
    party_level: I64  # (P,) LEVEL_*
    government_parties: I64  # indices of the federal or provincial parties with equity flows (holders, payers)
    transfer_party: I64  # (X,) party index of each payment between parties (stake sale prices)
    transfer_year: I64  # (X,) year index of each payment
    transfer_amount: F64  # (X,) received (> 0) or paid (< 0) by the party [US$m]


@jit
def shifted_row(base: F64, t: int, delay: I64, shift_from: int, hold: bool, out: F64) -> None:
    """Each path's value (``out[b]``) of the base schedule for year ``t``, delayed by the path's ``delay[b]``.

    Everything from ``shift_from`` on moves by the delay. In the years the delay opens, a held schedule
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
def _depreciation(params: Params, additions: F64, throughput: F64, reserve_left: F64, out_dep: F64) -> None:
    """Tax depreciation of each year's in-service additions, by the regime's method (arrays are (T, B))."""
    n, nb = additions.shape
    rate = params.dep_rate
    if params.dep_method == DEP_STRAIGHT_LINE:
        life = math.ceil(1.0 / rate - 1e-9) if rate > 0 else n
        last_share = 1.0 - rate * (life - 1)
        for t in range(n):
            for b in range(nb):
                out_dep[t, b] = 0.0
            for age in range(min(life, t + 1)):
                share = rate if age < life - 1 else last_share
                for b in range(nb):
                    out_dep[t, b] += additions[t - age, b] * share
    else:
        pool = np.zeros(nb)
        for t in range(n):
            for b in range(nb):
                pool[b] += additions[t, b]
                if params.dep_method == DEP_DECLINING_BALANCE:
                    dep = pool[b] * rate
                elif reserve_left[t, b] > 0:
                    dep = pool[b] * min(1.0, throughput[t, b] / reserve_left[t, b])
                else:
                    dep = pool[b] if throughput[t, b] > 0 else 0.0
                out_dep[t, b] = dep
                pool[b] -= dep


@jit
def _income_tax(
    params: Params,
    taxable: F64,
    gross: F64,
    first_production: I64,
    income_tax: F64,
    super_tax: F64,
    presumptive: F64,
    losses_used: F64,
) -> None:
    """Income tax with loss carry-forward, super tax and minimum tax; presumptive tax in lieu where set.

    Every array is (T, B): ``taxable`` income and ``gross`` revenue in [US$m]; the taxes and the losses used
    against each year's income are written into the other four. In the ``tax_holiday_years`` from each path's
    ``first_production`` (B,), income, super and minimum tax are zero; losses are carried and used as in any year.
    """
    n, nb = taxable.shape
    losses = np.zeros((n, nb)) if params.loss_years >= 0 else np.zeros((0, nb))  # unused loss by year it arose
    unlimited_pool = np.zeros(nb)
    for t in range(n):
        for b in range(nb):
            if params.presumptive_rate > 0:
                presumptive[t, b] = params.presumptive_rate * gross[t, b]
                losses_used[t, b] = 0.0
                income_tax[t, b] = 0.0
                super_tax[t, b] = 0.0
                continue
            income = taxable[t, b]
            used = 0.0
            if income > 0:
                if params.loss_years < 0:
                    used = min(income, unlimited_pool[b])
                    unlimited_pool[b] -= used
                else:
                    for v in range(max(0, t - params.loss_years), t):
                        take = min(income - used, losses[v, b])
                        losses[v, b] -= take
                        used += take
            elif params.loss_years < 0:
                unlimited_pool[b] -= income
            else:
                losses[t, b] = -income
            base = max(0.0, income - used)
            losses_used[t, b] = used
            charged = 0.0 if t - first_production[b] < params.tax_holiday_years else 1.0
            cit = params.cit_rate * base
            minimum = params.minimum_tax_rate * gross[t, b]
            income_tax[t, b] = charged * max(cit, minimum)
            super_tax[t, b] = charged * params.super_tax_rate * base
            presumptive[t, b] = 0.0


@jit
def _stop_at_economic_limit(out: F64, first_production: I64, last_production: I64) -> None:
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
                out[L.gross_revenue, t, b]
                - out[L.selling_costs, t, b]
                - out[L.opex, t, b]
                - out[L.sustaining_capex, t, b]
            )
            limit[b] = t if (out[L.throughput, t, b] > 0) & (margin > 0) else limit[b]
    for b in range(nb):
        if last_production[b] <= limit[b]:
            continue
        for t in range(limit[b] + 1, n):
            for line in (L.throughput, L.product, L.gross_revenue, L.selling_costs, L.nsr, L.opex):
                out[line, t, b] = 0.0
            out[L.sustaining_capex, t, b] = 0.0
            out[L.rent, t, b] = 0.0
        last_production[b] = limit[b] if limit[b] >= 0 else min(first_production[b], n - 1) - 1
        if limit[b] < 0 and last_production[b] < 0:
            last_production[b] = 0  # closes at the start of the horizon


@jit
def run_path(
    params: Params, price: F64, availability: F64, capex_factor: float, delay: int, out: F64, party_net: F64
) -> None:
    """Compute one path of the annual model (:func:`run_block` on a block of one path).

    Parameters
    ----------
    params
        The case, compiled.
    price
        (C, T) price of each commodity [US$ per payable unit].
    availability
        (T,) share of capacity that can run each year (security outages) [fraction].
    capex_factor
        Multiplier on initial and expansion capital (overrun) [-].
    delay
        Years by which the schedule from ``params.shift_from`` on slips [yr].
    out
        (N_LINES, T) filled with the annual table (see :data:`LINES`).
    party_net
        (P, T) filled with each party's net equity cash flow (after withholding, contributions and carries).
    """
    n_c, n = price.shape
    run_block(
        params,
        np.ascontiguousarray(price).reshape((n_c, n, 1)),
        np.ascontiguousarray(availability).reshape((n, 1)),
        np.full(1, capex_factor),
        np.full(1, delay),
        out.reshape((N_LINES, n, 1)),
        party_net.reshape((party_net.shape[0], n, 1)),
    )


@jit
def run_block(
    params: Params, price: F64, availability: F64, capex_factor: F64, delay: I64, out: F64, party_net: F64
) -> None:
    """Compute a block of B paths of the annual model at once, year by year (paths on the last axis).

    Each statement is written for every path of the block in an inner loop, so the compiled code works on
    contiguous rows (and vectorises where it can); the arithmetic of each path is exactly that of a single one.

    Parameters
    ----------
    params
        The case, compiled.
    price
        (C, T, B) price of each commodity [US$ per payable unit].
    availability
        (T, B) share of capacity that can run each year (security outages) [fraction].
    capex_factor
        (B,) multiplier on initial and expansion capital (overrun) [-].
    delay
        (B,) years by which the schedule from ``params.shift_from`` on slips [yr].
    out
        (N_LINES, T, B) filled with the annual table (see :data:`LINES`).
    party_net
        (P, T, B) filled with each party's net equity cash flow (after withholding, contributions and carries).
    """
    n_c, n, nb = price.shape
    for line in ZEROED_LINES:  # the lines summed into; every other line is written in full below
        out[line, :, :] = 0.0
    party_net[:, :, :] = 0.0

    # --- production, revenue, operating costs ---------------------------------------------------------
    remaining = np.full(nb, params.reserve)
    reserve_left = np.empty((n, nb))
    first_production = np.full(nb, -1)
    last_production = np.full(nb, -1)
    capacity = np.empty(nb)
    for t in range(n):
        shifted_row(params.capacity, t, delay, params.shift_from, True, capacity)
        milled = out[L.throughput, t]
        running = t <= params.end_index
        for b in range(nb):
            reserve_left[t, b] = remaining[b]
            milled[b] = max(min(capacity[b] * availability[t, b], remaining[b]) if running else 0.0, 0.0)
            remaining[b] -= milled[b]
        for b in range(nb):
            first_production[b] = t if (milled[b] > 0) & (first_production[b] < 0) else first_production[b]
            last_production[b] = t if milled[b] > 0 else last_production[b]
        gross = out[L.gross_revenue, t]
        gross[:] = 0.0
        product, selling, nsr = out[L.product, t], out[L.selling_costs, t], out[L.nsr, t]
        n_grades = params.yields.shape[1]
        if n_grades == 1:  # one grade for the life of the asset
            for c in range(n_c):
                payable = params.yields[c, 0]
                for b in range(nb):
                    gross[b] += milled[b] * payable * price[c, t, b] * PER_MILLION
            for b in range(nb):
                product[b] = milled[b] * params.product_yield[0]
        else:  # grades by year of production, counted from each path's first production year
            for b in range(nb):
                age = min(max(t - first_production[b], 0), n_grades - 1)
                for c in range(n_c):
                    gross[b] += milled[b] * params.yields[c, age] * price[c, t, b] * PER_MILLION
                product[b] = milled[b] * params.product_yield[age]
        for b in range(nb):
            selling[b] = product[b] * params.selling_cost * PER_MILLION
        for b in range(nb):
            nsr[b] = gross[b] - selling[b]
        opex, sustaining, rent = out[L.opex, t], out[L.sustaining_capex, t], out[L.rent, t]
        for b in range(nb):
            opex[b] = milled[b] * params.opex_per_unit * PER_MILLION + params.fixed_opex if milled[b] > 0 else 0.0
        for b in range(nb):
            sustaining[b] = (
                milled[b] * params.sustaining_per_unit * PER_MILLION + params.sustaining_fixed if milled[b] > 0 else 0.0
            )
        for b in range(nb):
            rent[b] = params.rent if milled[b] > 0 else 0.0
        initial = out[L.initial_capex, t]
        shifted_row(params.capex, t, delay, params.shift_from, False, initial)
        for b in range(nb):
            initial[b] *= capex_factor[b]
    if params.economic_limit:
        _stop_at_economic_limit(out, first_production, last_production)
    for b in range(nb):
        if last_production[b] >= 0 and params.closure_cost > 0:
            out[L.closure, min(last_production[b] + 1, n - 1), b] += params.closure_cost
        if first_production[b] < 0:
            first_production[b] = n  # never produces within the horizon

    for t in range(n):
        for b in range(nb):
            out[L.pre_tax_ncf, t, b] = (
                out[L.gross_revenue, t, b]
                - out[L.selling_costs, t, b]
                - out[L.opex, t, b]
                - out[L.sustaining_capex, t, b]
                - out[L.initial_capex, t, b]
                - out[L.closure, t, b]
            )

    # --- royalties, advance royalties and their credit -----------------------------------------------
    paid_advance = np.full(nb, params.advance_credit_start)  # paid before year 0: counts against the cap
    credit = np.full(nb, params.advance_credit_start)
    n_advance = params.advance_schedule.shape[0]
    credit_line = L.royalties_federal if params.advance_payee == PAYEE_FEDERAL else L.royalties_provincial
    for t in range(n):
        for r in range(params.royalty_rate.shape[0]):
            line = L.royalties_federal if params.royalty_payee[r] == PAYEE_FEDERAL else L.royalties_provincial
            base_line = L.gross_revenue if params.royalty_base[r] == BASE_GROSS else L.nsr
            rate = params.royalty_rate[r]
            for b in range(nb):
                out[line, t, b] += rate * max(out[base_line, t, b], 0.0)
        k = t - params.advance_first
        advance, used = out[L.advance_royalty, t], out[L.advance_royalty_credit, t]
        if k >= 0 and n_advance > 0:  # the schedule's payment, capped, in the years before production
            scheduled = params.advance_schedule[min(k, n_advance - 1)]
            for b in range(nb):
                due = min(scheduled, max(0.0, params.advance_cap - paid_advance[b])) if t < first_production[b] else 0.0
                advance[b] = due
                paid_advance[b] += due
                credit[b] += due
        else:
            advance[:] = 0.0
        credited = out[credit_line, t]  # from production on, the credit is set against the royalty
        for b in range(nb):
            use = min(credit[b], credited[b]) if (t >= first_production[b]) & (credit[b] > 0) else 0.0
            credited[b] -= use
            used[b] = use
            credit[b] -= use

    # --- loans: drawdown pro rata with equity before production, capitalised interest, repayment -----
    n_fac = params.fac_amount.shape[0]
    balance = np.zeros((n_fac, nb))
    drawn = np.zeros((n_fac, nb))
    first_draw = np.full((n_fac, nb), -1)
    level_payment = np.zeros((n_fac, nb))
    amount = np.empty((n_fac, nb))
    for f in range(n_fac):
        for b in range(nb):
            amount[f, b] = params.fac_amount[f]
    any_sculpted = False
    for f in range(n_fac):
        any_sculpted = any_sculpted or params.fac_profile[f] == REPAY_SCULPTED
    # taxes as if the project had no debt (the unlevered after-tax cash flow and the base for sculpting);
    # without loans they are the taxes paid, so they are not computed twice
    unlevered_tax = np.empty((3, n, nb) if n_fac > 0 else (3, 0, nb))
    if n_fac > 0:
        dep = np.empty((n, nb))
        taxable = _taxable_income(params, out, first_production, reserve_left, False, dep)
        _income_tax(
            params,
            taxable,
            out[L.gross_revenue],
            first_production,
            unlevered_tax[0],
            unlevered_tax[1],
            unlevered_tax[2],
            dep,  # scratch for the losses used here
        )
    cfads_pre = np.zeros((n, nb) if any_sculpted else (0, nb))  # CFADS before the interest tax shield
    if any_sculpted:
        _pre_interest_cfads(out, first_production, unlevered_tax, cfads_pre)
        _size_sculpted(params, cfads_pre, first_production, amount)
    total_commitment = np.zeros(nb)
    for f in range(n_fac):
        for b in range(nb):
            total_commitment[b] += amount[f, b]
    debt_per_commitment = np.zeros(nb)  # share of a year's capex each committed US$ of debt funds
    for b in range(nb):
        if total_commitment[b] > 0:
            debt_per_commitment[b] = params.debt_fraction / total_commitment[b]
    longest_tenor = 1
    for f in range(n_fac):
        longest_tenor = max(longest_tenor, params.fac_tenor[f])
    annuity_denominator = np.empty((n_fac, longest_tenor + 1))  # 1 - (1 + rate)^-years, by years left
    for f in range(n_fac):
        for years in range(1, longest_tenor + 1):
            annuity_denominator[f, years] = 1.0 - (1.0 + params.fac_rate[f]) ** (-float(years))
    interest_due = np.empty(nb)
    paying = np.empty(nb, dtype=np.bool_)
    since = np.empty(nb, dtype=np.int64)  # years since repayment started
    principal_due = np.empty(nb)
    draw = np.empty(nb)
    last_first_production = 0
    for b in range(nb):
        last_first_production = max(last_first_production, first_production[b])
    for t in range(n):
        capitalised, paid = out[L.interest_capitalised, t], out[L.interest_paid, t]
        drawdown, fees, repaid = out[L.debt_drawdown, t], out[L.fees, t], out[L.principal, t]
        initial = out[L.initial_capex, t]
        for f in range(n_fac):
            owed, taken, committed, first = balance[f], drawn[f], amount[f], first_draw[f]
            # a facility repaid on every path (and past every path's drawdown years) adds nothing more
            if t >= last_first_production:
                outstanding = 0
                for b in range(nb):
                    outstanding += owed[b] != 0.0
                if outstanding == 0:
                    continue
            rate = params.fac_rate[f]
            tenor = max(params.fac_tenor[f], 1)
            profile = params.fac_profile[f]
            # interest: capitalised before production, paid from it
            for b in range(nb):
                interest_due[b] = owed[b] * rate
            for b in range(nb):
                capitalised[b] += interest_due[b] if t < first_production[b] else 0.0
            for b in range(nb):
                paid[b] += 0.0 if t < first_production[b] else interest_due[b]
            for b in range(nb):
                owed[b] += interest_due[b] if t < first_production[b] else 0.0
            # drawdown: pro rata with equity in the years before production
            if t < last_first_production:
                for b in range(nb):
                    need = initial[b] * committed[b] * debt_per_commitment[b]
                    drawing = (t < first_production[b]) & (total_commitment[b] > 0)
                    wanted = min(need, committed[b] - taken[b]) if drawing else 0.0
                    draw[b] = wanted if wanted > 0 else 0.0
                upfront = params.fac_upfront_fee[f]
                for b in range(nb):
                    starts = (draw[b] > 0) & (first[b] < 0)
                    if upfront != 0.0:
                        fees[b] += upfront * committed[b] if starts else 0.0
                    first[b] = t if starts else first[b]
                for b in range(nb):
                    taken[b] += draw[b]
                    owed[b] += draw[b]
                    drawdown[b] += draw[b]
                commitment_fee = params.fac_commitment_fee[f]
                if commitment_fee != 0.0:
                    for b in range(nb):
                        drawing = (t < first_production[b]) & (total_commitment[b] > 0)
                        fees[b] += commitment_fee * max(0.0, committed[b] - taken[b]) if drawing else 0.0
            # repayment: where each path stands in its schedule, the profile's principal, then the payment
            for b in range(nb):
                start = max(first[b] + params.fac_grace[f], first_production[b])
                paying[b] = (first[b] >= 0) & (owed[b] > 1e-9) & (t >= start)
                since[b] = t - start
            if profile == REPAY_EQUAL_PRINCIPAL:
                for b in range(nb):
                    principal_due[b] = owed[b] / max(tenor - since[b], 1)
            elif profile == REPAY_SCULPTED:
                for b in range(nb):
                    if paying[b]:
                        principal_due[b] = _sculpted_principal(
                            cfads_pre[:, b],
                            t,
                            t - since[b],
                            tenor,
                            rate,
                            params.fac_target_dscr[f],
                            owed[b],
                            interest_due[b],
                        )
            else:
                level = level_payment[f]
                for b in range(nb):
                    remaining_years = min(max(tenor - since[b], 1), longest_tenor)
                    fresh = paying[b] & ((since[b] == 0) | (level[b] == 0.0))
                    if rate < 1e-9:
                        payment = owed[b] / remaining_years
                    else:
                        payment = owed[b] * rate / annuity_denominator[f, remaining_years]
                    level[b] = payment if fresh else level[b]
                for b in range(nb):
                    principal_due[b] = level[b] - interest_due[b]
            for b in range(nb):
                principal = min(max(principal_due[b], 0.0), owed[b])
                principal = owed[b] if since[b] >= tenor - 1 else principal
                principal = principal if paying[b] else 0.0
                owed[b] -= principal
                repaid[b] += principal
        for f in range(n_fac):
            for b in range(nb):
                out[L.debt_balance, t, b] += balance[f, b]

    # --- income tax -------------------------------------------------------------------------------------
    dep = np.empty((n, nb))
    taxable = _taxable_income(params, out, first_production, reserve_left, True, dep)
    for t in range(n):
        for b in range(nb):
            out[L.depreciation, t, b] = dep[t, b]
        for b in range(nb):
            out[L.taxable_income, t, b] = taxable[t, b]
    _income_tax(
        params,
        taxable,
        out[L.gross_revenue],
        first_production,
        out[L.income_tax],
        out[L.super_tax],
        out[L.presumptive_tax],
        out[L.losses_used],
    )

    # --- profit share (Saindak-style), post-tax cash flow, CFADS, DSCR --------------------------------
    # short loops over one year's rows, each with few arrays, so every one of them vectorises
    levies = np.empty(nb)
    surplus = np.empty(nb)
    for t in range(n):
        for b in range(nb):
            levies[b] = (
                out[L.royalties_federal, t, b]
                + out[L.royalties_provincial, t, b]
                + out[L.advance_royalty, t, b]
                + out[L.income_tax, t, b]
                + out[L.super_tax, t, b]
                + out[L.presumptive_tax, t, b]
                + out[L.rent, t, b]
            )
        social, state = out[L.social_uplift, t], out[L.profit_share_state, t]
        provincial = out[L.profit_share_provincial, t]
        if params.ps_state_share > 0:
            _surplus(out, t, levies, surplus)
            for b in range(nb):
                social[b] = params.ps_social * surplus[b] if surplus[b] > 0 else 0.0
            for b in range(nb):
                state[b] = params.ps_state_share * (surplus[b] - social[b]) if surplus[b] > 0 else 0.0
            for b in range(nb):
                provincial[b] = params.ps_pass_through * state[b] if surplus[b] > 0 else 0.0
        else:
            social[:] = 0.0
            state[:] = 0.0
            provincial[:] = 0.0
        post_tax, pre_tax = out[L.post_tax_ncf, t], out[L.pre_tax_ncf, t]
        for b in range(nb):
            post_tax[b] = pre_tax[b] - (levies[b] + state[b] + social[b])
        unlevered = out[L.post_tax_ncf_unlevered, t]
        if n_fac > 0:  # the same levies and profit share with the taxes of the project without debt
            for b in range(nb):
                levies[b] += (
                    unlevered_tax[0, t, b]
                    + unlevered_tax[1, t, b]
                    + unlevered_tax[2, t, b]
                    - out[L.income_tax, t, b]
                    - out[L.super_tax, t, b]
                    - out[L.presumptive_tax, t, b]
                )
            if params.ps_state_share > 0:
                _surplus(out, t, levies, surplus)
                for b in range(nb):
                    uplift = params.ps_social * surplus[b] if surplus[b] > 0 else 0.0
                    share = params.ps_state_share * (surplus[b] - uplift) if surplus[b] > 0 else 0.0
                    unlevered[b] = pre_tax[b] - (levies[b] + share + uplift)
            else:
                for b in range(nb):
                    unlevered[b] = pre_tax[b] - levies[b]
        else:
            for b in range(nb):
                unlevered[b] = post_tax[b]
        cfads, initial, closure = out[L.cfads, t], out[L.initial_capex, t], out[L.closure, t]
        for b in range(nb):
            cfads[b] = post_tax[b] + initial[b] + closure[b] if t >= first_production[b] else 0.0
        service, interest = out[L.debt_service, t], out[L.interest_paid, t]
        principal, fees = out[L.principal, t], out[L.fees, t]
        for b in range(nb):
            service[b] = interest[b] + principal[b] + (fees[b] if t >= first_production[b] else 0.0)
        dscr, shortfall = out[L.dscr, t], out[L.shortfall, t]
        for b in range(nb):
            dscr[b] = cfads[b] / service[b] if service[b] > IN_SERVICE else np.nan
        for b in range(nb):
            shortfall[b] = max(0.0, service[b] - cfads[b]) if service[b] > IN_SERVICE else 0.0
        withheld, drawdown = out[L.interest_withholding, t], out[L.debt_drawdown, t]
        for b in range(nb):
            withheld[b] = params.wht_interest * interest[b]
        lenders = out[L.lenders_net, t]
        for b in range(nb):
            lenders[b] = -drawdown[b] + interest[b] - withheld[b] + principal[b] + fees[b]
        equity = out[L.equity_cash_flow, t]
        for b in range(nb):
            equity[b] = post_tax[b] + drawdown[b] - interest[b] - principal[b] - fees[b]

    _waterfall(params, out, party_net)
    for x in range(params.transfer_party.shape[0]):  # payments between parties: a stake's price
        row = party_net[params.transfer_party[x], params.transfer_year[x]]
        payment = params.transfer_amount[x]
        for b in range(nb):
            row[b] += payment

    # --- government receipts -------------------------------------------------------------------------
    taxes_federal = params.income_tax_payee == PAYEE_FEDERAL
    for t in range(n):
        for b in range(nb):
            federal = (
                out[L.royalties_federal, t, b]
                + out[L.presumptive_tax, t, b]
                + out[L.interest_withholding, t, b]
                + out[L.dividend_withholding, t, b]
                + out[L.rent, t, b]
                + out[L.profit_share_state, t, b]
                - out[L.profit_share_provincial, t, b]
            )
            provincial = (
                out[L.royalties_provincial, t, b] + out[L.advance_royalty, t, b] + out[L.profit_share_provincial, t, b]
            )
            taxes = out[L.income_tax, t, b] + out[L.super_tax, t, b]
            if taxes_federal:
                federal += taxes
            else:
                provincial += taxes
            out[L.government_federal, t, b] = federal
            out[L.government_provincial, t, b] = provincial
            out[L.community, t, b] = out[L.social_uplift, t, b]
        for p in range(params.government_parties.shape[0]):
            g = params.government_parties[p]
            line = L.government_federal if params.party_level[g] == LEVEL_FEDERAL else L.government_provincial
            for b in range(nb):
                out[line, t, b] += party_net[g, t, b]


@jit
def _surplus(out: F64, t: int, levies: F64, surplus: F64) -> None:
    """Year ``t``'s surplus of each path for a profit share: revenue - selling costs - opex - sustaining - levies."""
    for b in range(surplus.shape[0]):
        surplus[b] = (
            out[L.gross_revenue, t, b]
            - out[L.selling_costs, t, b]
            - out[L.opex, t, b]
            - out[L.sustaining_capex, t, b]
            - levies[b]
        )


@jit
def _taxable_income(
    params: Params, out: F64, first_production: I64, reserve_left: F64, financing: bool, dep: F64
) -> F64:
    """Taxable income each year (T, B), and tax depreciation into ``dep``.

    Capital spent before production (with capitalised interest and fees when ``financing``) is placed in service
    in the first production year; later capital in the year it is spent. With ``financing`` false, financing
    costs are left out altogether (the base on which debt is sculpted).
    """
    n, nb = out.shape[1], out.shape[2]
    additions = np.zeros((n, nb))
    held = np.zeros(nb)
    for t in range(n):
        for b in range(nb):
            spend = out[L.initial_capex, t, b] + out[L.sustaining_capex, t, b]
            before = t < first_production[b]
            if financing:
                spend += out[L.interest_capitalised, t, b]
                spend += out[L.fees, t, b] if before else 0.0
            if before:
                held[b] += spend
            else:
                additions[t, b] += spend + held[b]
                held[b] = 0.0
    _depreciation(params, additions, out[L.throughput], reserve_left, dep)
    taxable = np.empty((n, nb))
    for t in range(n):
        for b in range(nb):
            value = (
                out[L.gross_revenue, t, b]
                - out[L.selling_costs, t, b]
                - out[L.opex, t, b]
                - out[L.royalties_federal, t, b]
                - out[L.royalties_provincial, t, b]
                - out[L.advance_royalty, t, b]
                - out[L.rent, t, b]
                - out[L.closure, t, b]
                - dep[t, b]
            )
            if financing:
                value -= out[L.interest_paid, t, b] + (out[L.fees, t, b] if t >= first_production[b] else 0.0)
            taxable[t, b] = value
    return taxable


@jit
def _pre_interest_cfads(out: F64, first_production: I64, unlevered_tax: F64, cfads: F64) -> None:
    """CFADS with the taxes of the project without debt (``unlevered_tax``: income, super, presumptive).

    The base on which debt is sculpted: no financing cost is deducted before it is known.
    """
    n, nb = out.shape[1], out.shape[2]
    for b in range(nb):
        for t in range(first_production[b], n):
            cfads[t, b] = (
                out[L.nsr, t, b]
                - out[L.opex, t, b]
                - out[L.sustaining_capex, t, b]
                - out[L.royalties_federal, t, b]
                - out[L.royalties_provincial, t, b]
                - out[L.rent, t, b]
                - unlevered_tax[0, t, b]
                - unlevered_tax[1, t, b]
                - unlevered_tax[2, t, b]
            )


@jit
def _size_sculpted(params: Params, cfads: F64, first_production: I64, amount: F64) -> None:
    """Cap each sculpted facility at what the CFADS can carry: PV at its rate of CFADS / target over its tenor.

    Sculpted facilities share the capacity pro rata to their commitments; negative CFADS carries nothing.
    """
    n, nb = cfads.shape
    sculpted_total = 0.0
    for f in range(amount.shape[0]):
        if params.fac_profile[f] == REPAY_SCULPTED:
            sculpted_total += params.fac_amount[f]
    if sculpted_total <= 0:
        return
    for f in range(amount.shape[0]):
        if params.fac_profile[f] != REPAY_SCULPTED:
            continue
        for b in range(nb):
            fp = first_production[b]
            capacity = 0.0
            end = min(fp + params.fac_tenor[f], n)
            for k in range(fp, end):
                capacity += (
                    max(cfads[k, b], 0.0) / params.fac_target_dscr[f] / (1.0 + params.fac_rate[f]) ** float(k - fp + 1)
                )
            amount[f, b] = min(amount[f, b], capacity * amount[f, b] / sculpted_total)


@jit
def _sculpted_principal(
    cfads: F64, t: int, start: int, tenor: int, rate: float, target: float, balance: float, interest: float
) -> float:
    """Principal of year ``t`` so that debt service follows CFADS / target over the rest of the tenor.

    Debt service is proportional to the positive CFADS of each remaining year, scaled so that its present value
    at the loan rate equals the balance: never lending against negative CFADS, and never above CFADS / target
    once the balance is within what the CFADS can carry.
    """
    end = min(start + tenor, cfads.shape[0])
    pv = 0.0
    for k in range(t, end):
        pv += max(cfads[k], 0.0) / target / (1.0 + rate) ** float(k - t + 1)
    if pv <= 0:
        return float(balance / max(end - t, 1))
    service: float = max(cfads[t], 0.0) / target * balance / pv
    return service - interest


@jit
def _waterfall(params: Params, out: F64, party_net: F64) -> None:
    """Split the equity cash flow among the stake lines in force each year.

    Contributions (negative equity cash flow) are paid by the paying lines pro rata; a free-carried line pays
    nothing and its part falls on the others; a funded line's part is paid by its funder, who recovers it (with
    interest at the carry rate) from that line's dividends when a carry rate is set. Dividends follow the
    shares; withholding tax is deducted from dividends of lines where it applies.
    """
    n, nb = out.shape[1], out.shape[2]
    n_lines = params.stake_share.shape[0]
    carry = np.zeros((n_lines, nb))
    carried = np.empty(n_lines, dtype=np.bool_)
    for s in range(n_lines):
        carried[s] = params.stake_kind[s] == STAKE_FUNDED and not math.isnan(params.stake_carry_rate[s])
    to_payer = np.empty(nb)  # what one stake line adds to its payer's and to its holder's flow this year
    to_holder = np.empty(nb)
    for t in range(n):
        paying = 0.0
        total = 0.0
        for s in range(n_lines):
            total += params.stake_share[s, t]
            if params.stake_kind[s] != STAKE_FREE_CARRIED:
                paying += params.stake_share[s, t]
        per_paying = 1.0 / paying if paying > 0 else 0.0
        per_total = 1.0 / total if total > 0 else 0.0
        for s in range(n_lines):
            if carried[s]:
                grow = 1.0 + params.stake_carry_rate[s]
                for b in range(nb):
                    carry[s, b] *= grow
        flows = out[L.equity_cash_flow, t]
        withheld_row = out[L.dividend_withholding, t]
        for s in range(n_lines):
            share = params.stake_share[s, t]
            # a line's contributions are zero when it does not pay, its dividends zero when nothing is held
            contribution = per_paying if params.stake_kind[s] != STAKE_FREE_CARRIED else 0.0
            withholding = params.wht_dividend * params.stake_withholding[s]
            line_carry = carry[s]
            if carried[s]:  # the funder recovers the carry (with its interest) from the line's dividends
                for b in range(nb):
                    part, dividend, withheld = _line_year(flows[b], share, contribution, per_total, withholding)
                    withheld_row[b] += withheld
                    net = dividend - withheld
                    owed = line_carry[b] - part
                    repay = min(net, owed) if (owed > 0) & (not flows[b] < 0) else 0.0
                    line_carry[b] = owed - repay
                    to_payer[b] = part + repay
                    to_holder[b] = net - repay
                _add_lines(party_net, params.stake_payer[s], params.stake_party[s], t, to_payer, to_holder)
            elif params.stake_payer[s] == params.stake_party[s] or contribution == 0.0:
                # one row takes the line's contributions and dividends (none are paid by another party)
                holder_row = party_net[params.stake_party[s], t]
                for b in range(nb):
                    part, dividend, withheld = _line_year(flows[b], share, contribution, per_total, withholding)
                    withheld_row[b] += withheld
                    holder_row[b] = holder_row[b] + part + (dividend - withheld)
            else:
                for b in range(nb):
                    part, dividend, withheld = _line_year(flows[b], share, contribution, per_total, withholding)
                    withheld_row[b] += withheld
                    to_payer[b] = part
                    to_holder[b] = dividend - withheld
                _add_lines(party_net, params.stake_payer[s], params.stake_party[s], t, to_payer, to_holder)


@jit
def _line_year(
    flow: float, share: float, contribution: float, per_total: float, withholding: float
) -> tuple[float, float, float]:
    """A stake line's part of one path's equity cash flow in a year: (contribution, dividend, tax withheld).

    A negative flow is a contribution, ``flow * share * contribution``; a positive one a dividend,
    ``flow * share * per_total``, from which ``withholding`` is withheld.
    """
    negative = flow < 0
    scaled = flow * share
    part = scaled * contribution if negative else 0.0
    dividend = 0.0 if negative else scaled * per_total
    return part, dividend, dividend * withholding


@jit
def _add_lines(party_net: F64, payer: int, holder: int, t: int, to_payer: F64, to_holder: F64) -> None:
    """Add a stake line's year to its payer's and its holder's rows (the same row when one party is both)."""
    payer_row, holder_row = party_net[payer, t], party_net[holder, t]
    if payer == holder:
        for b in range(payer_row.shape[0]):
            payer_row[b] = payer_row[b] + to_payer[b] + to_holder[b]
    else:
        for b in range(payer_row.shape[0]):
            payer_row[b] += to_payer[b]
        for b in range(holder_row.shape[0]):
            holder_row[b] += to_holder[b]


def run_paths(params: Params, prices: F64, availability: F64, capex_factor: F64, delay: I64) -> tuple[F64, F64]:
    """Run the model over draws (uncompiled driver); inputs and outputs have draws on the first axis.

    Returns
    -------
    lines
        (D, N_LINES, T) annual tables.
    party_net
        (D, P, T) net equity cash flow of each party.
    """
    draws, n = availability.shape
    lines = np.zeros((draws, N_LINES, n))
    parties = np.zeros((draws, params.party_level.shape[0], n))
    for i in range(draws):
        run_path(params, prices[i], availability[i], capex_factor[i], int(delay[i]), lines[i], parties[i])
    return lines, parties
