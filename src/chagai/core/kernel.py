"""The annual model of one project, written once, read like a spreadsheet, compiled for Monte Carlo.

:func:`run_path` computes one path (one draw) year by year: production, revenue, costs, royalties, income tax,
the loans, and the equity waterfall to every stake. :func:`run_paths` runs it over draws. Inputs come from
:func:`chagai.cases.compile.compile_case` as a :class:`Params` tuple (fixed for every draw) and per-draw arrays
(prices, availability, capex overrun, delay). Every array has time on its last axis; year index 0 is the
valuation year. Money is in US$ million; quantities in canonical units (t, MMscf).

The functions use only what numba compiles (loops, scalars, arrays, tuples), so the same code runs as plain
Python (the reference and the baseline of the benchmarks) and compiled (:mod:`chagai.core.compiled`).

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
    debt_drawdown = 25
    interest_paid = 26
    interest_capitalised = 27
    principal = 28
    fees = 29
    debt_service = 30
    debt_balance = 31
    cfads = 32
    dscr = 33
    shortfall = 34
    interest_withholding = 35
    lenders_net = 36
    equity_cash_flow = 37
    dividend_withholding = 38
    government_federal = 39
    government_provincial = 40
    community = 41


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

# integer codes shared with the compiler
KIND_MINE, KIND_GAS = 0, 1
BASE_GROSS, BASE_NSR = 0, 1
PAYEE_FEDERAL, PAYEE_PROVINCIAL = 0, 1
DEP_STRAIGHT_LINE, DEP_DECLINING_BALANCE, DEP_UNITS_OF_PRODUCTION = 0, 1, 2
REPAY_ANNUITY, REPAY_EQUAL_PRINCIPAL, REPAY_SCULPTED = 0, 1, 2
STAKE_PAID, STAKE_FUNDED, STAKE_FREE_CARRIED = 0, 1, 2
LEVEL_PRIVATE, LEVEL_FEDERAL, LEVEL_PROVINCIAL = 0, 1, 2


class Params(NamedTuple):
    """Everything fixed across draws, in canonical units; year index 0 is the valuation year.

    Schedules (``capacity``, ``capex``) are the undelayed base case; a draw's delay shifts them from
    ``shift_from`` on.
    """

    kind: int  # KIND_MINE or KIND_GAS
    capacity: F64  # (T,) throughput capacity [t ore/yr or MMscf/yr]
    reserve: float  # ore or gas left at the start of year 0 [t or MMscf]; inf when not limiting
    yields: F64  # (C,) payable units per unit of throughput [t/t, MMBtu/MMscf ...]
    product_yield: float  # tonnes of product (concentrate) per unit of throughput [t/t]
    selling_cost: float  # per tonne of product [US$/t]
    opex_per_unit: float  # [US$ per t or MMscf]
    fixed_opex: float  # while producing [US$m/yr]
    sustaining_per_unit: float  # [US$ per t or MMscf]
    sustaining_fixed: float  # while producing [US$m/yr]
    closure_cost: float  # paid the year after production ends [US$m]
    capex: F64  # (T,) initial and expansion capital, base case [US$m]
    shift_from: int  # first year index a delay moves
    end_index: int  # last year index production may run (lease end, economic limit)
    royalty_rate: F64  # (R,)
    royalty_base: I64  # (R,) BASE_GROSS or BASE_NSR
    royalty_payee: I64  # (R,) PAYEE_*
    advance_schedule: F64  # (K,) advance royalty by year of the schedule [US$m]
    advance_first: int  # year index of the schedule's first payment (negative: before year 0)
    advance_cap: float  # [US$m]
    advance_credit_start: float  # advance royalties paid before year 0, still to credit [US$m]
    advance_payee: int
    cit_rate: float
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
    fac_amount: F64  # (F,) committed [US$m]
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
    government_parties: I64  # indices of the parties whose level is federal or provincial


@jit
def shifted(base: F64, t: int, delay: int, shift_from: int, hold: bool) -> float:
    """The base schedule's value for year ``t`` once everything from ``shift_from`` on moves ``delay`` years.

    In the years the delay opens, a held schedule (capacity) keeps its level of the year before ``shift_from``;
    an unheld one (capital spending) is zero.
    """
    if t < shift_from or delay == 0:
        return float(base[t])
    source = t - delay
    if source >= shift_from:
        return float(base[source])
    return float(base[shift_from - 1]) if hold and shift_from > 0 else 0.0


@jit
def _depreciation(params: Params, additions: F64, throughput: F64, reserve_left: F64, out_dep: F64) -> None:
    """Tax depreciation of the year's in-service additions, by the regime's method."""
    n = additions.shape[0]
    rate = params.dep_rate
    if params.dep_method == DEP_STRAIGHT_LINE:
        life = math.ceil(1.0 / rate - 1e-9) if rate > 0 else n
        last_share = 1.0 - rate * (life - 1)
        for t in range(n):
            total = 0.0
            for age in range(life):
                v = t - age
                if v < 0:
                    break
                total += additions[v] * (rate if age < life - 1 else last_share)
            out_dep[t] = total
    else:
        pool = 0.0
        for t in range(n):
            pool += additions[t]
            if params.dep_method == DEP_DECLINING_BALANCE:
                dep = pool * rate
            elif reserve_left[t] > 0:
                dep = pool * min(1.0, throughput[t] / reserve_left[t])
            else:
                dep = pool if throughput[t] > 0 else 0.0
            out_dep[t] = dep
            pool -= dep


@jit
def _income_tax(params: Params, taxable: F64, gross: F64, out: F64) -> None:
    """Income tax with loss carry-forward, super tax and minimum tax; presumptive tax in lieu where set."""
    n = taxable.shape[0]
    losses = np.zeros(n)  # unused loss by the year it arose
    unlimited_pool = 0.0
    for t in range(n):
        out[L.taxable_income, t] = taxable[t]
        if params.presumptive_rate > 0:
            out[L.presumptive_tax, t] = params.presumptive_rate * gross[t]
            continue
        income = taxable[t]
        used = 0.0
        if income > 0:
            if params.loss_years < 0:
                used = min(income, unlimited_pool)
                unlimited_pool -= used
            else:
                for v in range(max(0, t - params.loss_years), t):
                    take = min(income - used, losses[v])
                    losses[v] -= take
                    used += take
        elif params.loss_years < 0:
            unlimited_pool -= income
        else:
            losses[t] = -income
        base = max(0.0, income - used)
        out[L.losses_used, t] = used
        cit = params.cit_rate * base
        minimum = params.minimum_tax_rate * gross[t]
        out[L.income_tax, t] = max(cit, minimum)
        out[L.super_tax, t] = params.super_tax_rate * base


@jit
def run_path(
    params: Params, price: F64, availability: F64, capex_factor: float, delay: int, out: F64, party_net: F64
) -> None:
    """Compute one path of the annual model.

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
    n = out.shape[1]
    out[:, :] = 0.0
    party_net[:, :] = 0.0
    n_commodities = price.shape[0]

    # --- production, revenue, operating costs ---------------------------------------------------------
    remaining = params.reserve
    reserve_left = np.zeros(n)
    first_production = -1
    last_production = -1
    for t in range(n):
        reserve_left[t] = remaining
        cap = shifted(params.capacity, t, delay, params.shift_from, True) * availability[t]
        milled = min(cap, remaining) if t <= params.end_index else 0.0
        milled = max(milled, 0.0)
        remaining -= milled
        out[L.throughput, t] = milled
        if milled > 0:
            if first_production < 0:
                first_production = t
            last_production = t
        gross = 0.0
        for c in range(n_commodities):
            gross += milled * params.yields[c] * price[c, t] / 1e6
        product = milled * params.product_yield
        selling = product * params.selling_cost / 1e6
        out[L.product, t] = product
        out[L.gross_revenue, t] = gross
        out[L.selling_costs, t] = selling
        out[L.nsr, t] = gross - selling
        if milled > 0:
            out[L.opex, t] = milled * params.opex_per_unit / 1e6 + params.fixed_opex
            out[L.sustaining_capex, t] = milled * params.sustaining_per_unit / 1e6 + params.sustaining_fixed
            out[L.rent, t] = params.rent
        out[L.initial_capex, t] = shifted(params.capex, t, delay, params.shift_from, False) * capex_factor
    if last_production >= 0 and params.closure_cost > 0:
        out[L.closure, min(last_production + 1, n - 1)] += params.closure_cost
    if first_production < 0:
        first_production = n  # never produces within the horizon

    for t in range(n):
        out[L.pre_tax_ncf, t] = (
            out[L.gross_revenue, t]
            - out[L.selling_costs, t]
            - out[L.opex, t]
            - out[L.sustaining_capex, t]
            - out[L.initial_capex, t]
            - out[L.closure, t]
        )

    # --- royalties, advance royalties and their credit -----------------------------------------------
    paid_advance = params.advance_credit_start  # paid before year 0: counts against the cap
    credit = params.advance_credit_start
    for t in range(n):
        for r in range(params.royalty_rate.shape[0]):
            base = out[L.gross_revenue, t] if params.royalty_base[r] == BASE_GROSS else out[L.nsr, t]
            amount = params.royalty_rate[r] * max(base, 0.0)
            if params.royalty_payee[r] == PAYEE_FEDERAL:
                out[L.royalties_federal, t] += amount
            else:
                out[L.royalties_provincial, t] += amount
        k = t - params.advance_first
        if t < first_production and k >= 0 and params.advance_schedule.shape[0] > 0:
            due = params.advance_schedule[min(k, params.advance_schedule.shape[0] - 1)]
            due = min(due, max(0.0, params.advance_cap - paid_advance))
            out[L.advance_royalty, t] = due
            paid_advance += due
            credit += due
        if t >= first_production and credit > 0:
            line = L.royalties_federal if params.advance_payee == PAYEE_FEDERAL else L.royalties_provincial
            used = min(credit, out[line, t])
            out[line, t] -= used
            out[L.advance_royalty_credit, t] = used
            credit -= used

    # --- loans: drawdown pro rata with equity before production, capitalised interest, repayment -----
    n_fac = params.fac_amount.shape[0]
    balance = np.zeros(n_fac)
    drawn = np.zeros(n_fac)
    first_draw = np.full(n_fac, -1)
    level_payment = np.zeros(n_fac)
    cfads_pre = np.zeros(n)  # CFADS before the interest tax shield, for sculpting
    amount = params.fac_amount.copy()
    any_sculpted = False
    for f in range(n_fac):
        any_sculpted = any_sculpted or params.fac_profile[f] == REPAY_SCULPTED
    if any_sculpted:
        _pre_interest_cfads(params, out, first_production, reserve_left, cfads_pre)
        _size_sculpted(params, cfads_pre, first_production, amount)
    total_commitment = 0.0
    for f in range(n_fac):
        total_commitment += amount[f]
    for t in range(n):
        for f in range(n_fac):
            rate = params.fac_rate[f]
            interest = balance[f] * rate
            if t < first_production:
                out[L.interest_capitalised, t] += interest
                balance[f] += interest
            else:
                out[L.interest_paid, t] += interest
            # drawdown
            if t < first_production and total_commitment > 0:
                need = out[L.initial_capex, t] * params.debt_fraction * amount[f] / total_commitment
                draw = min(need, amount[f] - drawn[f])
                if draw > 0:
                    if first_draw[f] < 0:
                        first_draw[f] = t
                        out[L.fees, t] += params.fac_upfront_fee[f] * amount[f]
                    drawn[f] += draw
                    balance[f] += draw
                    out[L.debt_drawdown, t] += draw
                if t < first_production:
                    out[L.fees, t] += params.fac_commitment_fee[f] * max(0.0, amount[f] - drawn[f])
            # repayment
            if first_draw[f] >= 0 and balance[f] > 1e-9:
                start = max(first_draw[f] + params.fac_grace[f], first_production)
                tenor = max(params.fac_tenor[f], 1)
                if t >= start:
                    k = t - start
                    if params.fac_profile[f] == REPAY_EQUAL_PRINCIPAL:
                        principal = balance[f] / max(tenor - k, 1)
                    elif params.fac_profile[f] == REPAY_SCULPTED:
                        principal = _sculpted_principal(
                            cfads_pre, t, start, tenor, rate, params.fac_target_dscr[f], balance[f], interest
                        )
                    else:
                        if k == 0 or level_payment[f] == 0.0:
                            remaining_years = max(tenor - k, 1)
                            level_payment[f] = (
                                balance[f] / remaining_years
                                if rate < 1e-9
                                else balance[f] * rate / (1.0 - (1.0 + rate) ** (-remaining_years))
                            )
                        principal = level_payment[f] - interest
                    principal = min(max(principal, 0.0), balance[f])
                    if k >= tenor - 1:
                        principal = balance[f]
                    balance[f] -= principal
                    out[L.principal, t] += principal
        total_balance = 0.0
        for f in range(n_fac):
            total_balance += balance[f]
        out[L.debt_balance, t] = total_balance

    # --- income tax -------------------------------------------------------------------------------------
    dep = np.zeros(n)
    taxable = _taxable_income(params, out, first_production, reserve_left, True, dep)
    for t in range(n):
        out[L.depreciation, t] = dep[t]
    _income_tax(params, taxable, out[L.gross_revenue], out)

    # --- profit share (Saindak-style), post-tax cash flow, CFADS, DSCR --------------------------------
    for t in range(n):
        levies = (
            out[L.royalties_federal, t]
            + out[L.royalties_provincial, t]
            + out[L.advance_royalty, t]
            + out[L.income_tax, t]
            + out[L.super_tax, t]
            + out[L.presumptive_tax, t]
            + out[L.rent, t]
        )
        if params.ps_state_share > 0:
            surplus = (
                out[L.gross_revenue, t] - out[L.selling_costs, t] - out[L.opex, t] - out[L.sustaining_capex, t] - levies
            )
            if surplus > 0:
                social = params.ps_social * surplus
                state = params.ps_state_share * (surplus - social)
                out[L.social_uplift, t] = social
                out[L.profit_share_state, t] = state
                out[L.profit_share_provincial, t] = params.ps_pass_through * state
        take = levies + out[L.profit_share_state, t] + out[L.social_uplift, t]
        out[L.post_tax_ncf, t] = out[L.pre_tax_ncf, t] - take
        cfads = out[L.post_tax_ncf, t] + out[L.initial_capex, t] + out[L.closure, t]
        out[L.cfads, t] = cfads if t >= first_production else 0.0
        service = out[L.interest_paid, t] + out[L.principal, t]
        if t >= first_production:
            service += out[L.fees, t]
        out[L.debt_service, t] = service
        if service > 1e-9:
            out[L.dscr, t] = out[L.cfads, t] / service
            out[L.shortfall, t] = max(0.0, service - out[L.cfads, t])
        else:
            out[L.dscr, t] = np.nan
        withheld = params.wht_interest * out[L.interest_paid, t]
        out[L.interest_withholding, t] = withheld
        out[L.lenders_net, t] = (
            -out[L.debt_drawdown, t] + out[L.interest_paid, t] - withheld + out[L.principal, t] + out[L.fees, t]
        )
        out[L.equity_cash_flow, t] = (
            out[L.post_tax_ncf, t]
            + out[L.debt_drawdown, t]
            - out[L.interest_paid, t]
            - out[L.principal, t]
            - out[L.fees, t]
        )

    _waterfall(params, out, party_net)

    # --- government receipts -------------------------------------------------------------------------
    for t in range(n):
        federal = (
            out[L.royalties_federal, t]
            + out[L.presumptive_tax, t]
            + out[L.interest_withholding, t]
            + out[L.dividend_withholding, t]
            + out[L.rent, t]
            + out[L.profit_share_state, t]
            - out[L.profit_share_provincial, t]
        )
        provincial = out[L.royalties_provincial, t] + out[L.advance_royalty, t] + out[L.profit_share_provincial, t]
        taxes = out[L.income_tax, t] + out[L.super_tax, t]
        if params.income_tax_payee == PAYEE_FEDERAL:
            federal += taxes
        else:
            provincial += taxes
        for p in range(params.government_parties.shape[0]):
            g = params.government_parties[p]
            if params.party_level[g] == LEVEL_FEDERAL:
                federal += party_net[g, t]
            else:
                provincial += party_net[g, t]
        out[L.government_federal, t] = federal
        out[L.government_provincial, t] = provincial
        out[L.community, t] = out[L.social_uplift, t]


@jit
def _taxable_income(
    params: Params, out: F64, first_production: int, reserve_left: F64, financing: bool, dep: F64
) -> F64:
    """Taxable income each year, and tax depreciation into ``dep``.

    Capital spent before production (with capitalised interest and fees when ``financing``) is placed in service
    in the first production year; later capital in the year it is spent. With ``financing`` false, financing
    costs are left out altogether (the base on which debt is sculpted).
    """
    n = out.shape[1]
    additions = np.zeros(n)
    held = 0.0
    for t in range(n):
        spend = out[L.initial_capex, t] + out[L.sustaining_capex, t]
        if financing:
            spend += out[L.interest_capitalised, t]
            spend += out[L.fees, t] if t < first_production else 0.0
        if t < first_production:
            held += spend
        else:
            additions[t] += spend + held
            held = 0.0
    _depreciation(params, additions, out[L.throughput], reserve_left, dep)
    taxable = np.zeros(n)
    for t in range(n):
        taxable[t] = (
            out[L.gross_revenue, t]
            - out[L.selling_costs, t]
            - out[L.opex, t]
            - out[L.royalties_federal, t]
            - out[L.royalties_provincial, t]
            - out[L.advance_royalty, t]
            - out[L.rent, t]
            - out[L.closure, t]
            - dep[t]
        )
        if financing:
            taxable[t] -= out[L.interest_paid, t] + (out[L.fees, t] if t >= first_production else 0.0)
    return taxable


@jit
def _pre_interest_cfads(params: Params, out: F64, first_production: int, reserve_left: F64, cfads: F64) -> None:
    """CFADS with taxes computed before any financing cost is deducted (the base for sculpting debt)."""
    n = out.shape[1]
    scratch = np.zeros((N_LINES, n))
    dep = np.zeros(n)
    taxable = _taxable_income(params, out, first_production, reserve_left, False, dep)
    _income_tax(params, taxable, out[L.gross_revenue], scratch)
    for t in range(first_production, n):
        cfads[t] = (
            out[L.nsr, t]
            - out[L.opex, t]
            - out[L.sustaining_capex, t]
            - out[L.royalties_federal, t]
            - out[L.royalties_provincial, t]
            - out[L.rent, t]
            - scratch[L.income_tax, t]
            - scratch[L.super_tax, t]
            - scratch[L.presumptive_tax, t]
        )


@jit
def _size_sculpted(params: Params, cfads: F64, first_production: int, amount: F64) -> None:
    """Cap each sculpted facility at what the CFADS can carry: PV at its rate of CFADS / target over its tenor.

    Sculpted facilities share the capacity pro rata to their commitments; negative CFADS carries nothing.
    """
    n = cfads.shape[0]
    sculpted_total = 0.0
    for f in range(amount.shape[0]):
        if params.fac_profile[f] == REPAY_SCULPTED:
            sculpted_total += amount[f]
    if sculpted_total <= 0:
        return
    for f in range(amount.shape[0]):
        if params.fac_profile[f] != REPAY_SCULPTED:
            continue
        capacity = 0.0
        end = min(first_production + params.fac_tenor[f], n)
        for k in range(first_production, end):
            capacity += (
                max(cfads[k], 0.0)
                / params.fac_target_dscr[f]
                / (1.0 + params.fac_rate[f]) ** (k - first_production + 1)
            )
        amount[f] = min(amount[f], capacity * amount[f] / sculpted_total)


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
        pv += max(cfads[k], 0.0) / target / (1.0 + rate) ** (k - t + 1)
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
    n = out.shape[1]
    n_lines = params.stake_share.shape[0]
    carry = np.zeros(n_lines)
    for t in range(n):
        flow = out[L.equity_cash_flow, t]
        for s in range(n_lines):
            if not math.isnan(params.stake_carry_rate[s]):
                carry[s] *= 1.0 + params.stake_carry_rate[s]
        if flow < 0:
            paying = 0.0
            for s in range(n_lines):
                if params.stake_kind[s] != STAKE_FREE_CARRIED:
                    paying += params.stake_share[s, t]
            if paying <= 0:
                continue
            for s in range(n_lines):
                if params.stake_kind[s] == STAKE_FREE_CARRIED:
                    continue
                part = flow * params.stake_share[s, t] / paying
                party_net[params.stake_payer[s], t] += part
                if params.stake_kind[s] == STAKE_FUNDED and not math.isnan(params.stake_carry_rate[s]):
                    carry[s] -= part
        else:
            total = 0.0
            for s in range(n_lines):
                total += params.stake_share[s, t]
            if total <= 0:
                continue
            for s in range(n_lines):
                dividend = flow * params.stake_share[s, t] / total
                withheld = dividend * params.wht_dividend * params.stake_withholding[s]
                out[L.dividend_withholding, t] += withheld
                net = dividend - withheld
                if params.stake_kind[s] == STAKE_FUNDED and carry[s] > 0:
                    repay = min(net, carry[s])
                    carry[s] -= repay
                    party_net[params.stake_payer[s], t] += repay
                    net -= repay
                party_net[params.stake_party[s], t] += net


def run_paths(params: Params, prices: F64, availability: F64, capex_factor: F64, delay: I64) -> tuple[F64, F64]:
    """Run the model over draws (uncompiled); inputs and outputs have draws on the first axis.

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
