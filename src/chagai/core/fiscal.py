"""Fiscal stage: royalties, rent, depreciation, income taxes, profit share and the post-tax net cash flow.

Definitions (DOMAIN.md), each year ``t`` of each path of a block (paths on the last axis), money in [US$m]:

* royalty = rate [-] x max(base, 0), the base gross revenue or NSR; several at once, each to its payee;
* advance royalty: the schedule's payment in the years before production, capped in total [US$m]; credited
  against the payee's royalty from first production until used up;
* rent [US$m/yr] while producing;
* tax depreciation of capital placed in service (pre-production capital, with capitalised interest and fees, in
  the first production year): straight line at ``rate`` [1/yr], declining balance at ``rate`` on the pool, or units
  of production (pool x throughput / reserve left);
* taxable income = revenue - selling costs - opex - royalties - advance royalty - rent - closure - depreciation
  - interest paid - fees (from first production); losses are carried forward (within ``loss_years`` when set);
* income tax = max(rate x base, minimum tax rate x gross revenue); super tax = rate x base, where base = taxable
  income - losses used; none in the tax holiday years from first production; presumptive tax = rate x gross
  revenue in lieu of both;
* profit share: surplus = revenue - selling costs - opex - sustaining - levies; social uplift = rate x surplus,
  state share = rate x (surplus - uplift), the provincial pass-through a part of the state share (when positive);
* post-tax NCF = pre-tax NCF - levies - profit share - social uplift; unlevered: with the taxes (and profit share)
  of the project without debt.
"""

from __future__ import annotations

import math

import numpy as np

from chagai.core.jit import jit
from chagai.core.lines import INCOME_TAXES, LEVIES, PRODUCTION_LEVIES, Line
from chagai.core.terms import (
    BASE_GROSS,
    DEP_DECLINING_BALANCE,
    DEP_STRAIGHT_LINE,
    F64,
    I64,
    PAYEE_FEDERAL,
    FiscalRules,
)


@jit
def charge_rent(rules: FiscalRules, out: F64) -> None:
    """Rent [US$m/yr] in every year with throughput, into ``out[Line.rent]``."""
    n, nb = out.shape[1], out.shape[2]
    for t in range(n):
        milled, rent = out[Line.throughput, t], out[Line.rent, t]
        for b in range(nb):
            rent[b] = rules.rent if milled[b] > 0 else 0.0


@jit
def royalties(rules: FiscalRules, out: F64, first_production: I64) -> None:
    """Royalties by payee, the advance royalty before production and its credit against the royalty after.

    Each royalty is rate x max(base, 0) [US$m], its base gross revenue or NSR. The advance schedule's payment
    [US$m] falls in the years before each path's ``first_production`` (B,), capped so the total paid (with what
    was paid before year 0, ``advance_credit_start``) stays within ``advance_cap``; from first production the
    payments are credited against the advance payee's royalty until used up.
    """
    n, nb = out.shape[1], out.shape[2]
    out[Line.royalties_federal, :, :] = 0.0
    out[Line.royalties_provincial, :, :] = 0.0
    paid_advance = np.full(nb, rules.advance_credit_start)  # paid before year 0: counts against the cap
    credit = np.full(nb, rules.advance_credit_start)
    n_advance = rules.advance_schedule.shape[0]
    credit_line = Line.royalties_federal if rules.advance_payee == PAYEE_FEDERAL else Line.royalties_provincial
    for t in range(n):
        for r in range(rules.royalty_rate.shape[0]):
            line = Line.royalties_federal if rules.royalty_payee[r] == PAYEE_FEDERAL else Line.royalties_provincial
            base_line = Line.gross_revenue if rules.royalty_base[r] == BASE_GROSS else Line.nsr
            rate = rules.royalty_rate[r]
            for b in range(nb):
                out[line, t, b] += rate * max(out[base_line, t, b], 0.0)
        k = t - rules.advance_first
        advance, used = out[Line.advance_royalty, t], out[Line.advance_royalty_credit, t]
        if k >= 0 and n_advance > 0:  # the schedule's payment, capped, in the years before production
            scheduled = rules.advance_schedule[min(k, n_advance - 1)]
            for b in range(nb):
                due = min(scheduled, max(0.0, rules.advance_cap - paid_advance[b])) if t < first_production[b] else 0.0
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


@jit
def depreciation(rules: FiscalRules, additions: F64, throughput: F64, reserve_left: F64, out_dep: F64) -> None:
    """Tax depreciation [US$m] of each year's in-service ``additions`` [US$m], by the rules' method (arrays (T, B)).

    Straight line: each addition is written off at ``depreciation_rate`` [1/yr] a year, the last year taking
    what is left; declining balance: the pool x rate each year; units of production: the pool x throughput /
    reserve left [t or MMscf] (the whole pool in a year that produces with no reserve counted).
    """
    n, nb = additions.shape
    rate = rules.depreciation_rate
    if rules.depreciation_method == DEP_STRAIGHT_LINE:
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
                if rules.depreciation_method == DEP_DECLINING_BALANCE:
                    dep = pool[b] * rate
                elif reserve_left[t, b] > 0:
                    dep = pool[b] * min(1.0, throughput[t, b] / reserve_left[t, b])
                else:
                    dep = pool[b] if throughput[t, b] > 0 else 0.0
                out_dep[t, b] = dep
                pool[b] -= dep


@jit
def income_tax(
    rules: FiscalRules,
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
    against each year's income [US$m] are written into the other four. A loss is carried forward for
    ``loss_years`` (unlimited when negative) and used first-in first-out. In the ``tax_holiday_years`` from each
    path's ``first_production`` (B,), income, super and minimum tax are zero; losses are carried and used as in
    any year.
    """
    n, nb = taxable.shape
    losses = np.zeros((n, nb)) if rules.loss_years >= 0 else np.zeros((0, nb))  # unused loss by year it arose
    unlimited_pool = np.zeros(nb)
    for t in range(n):
        for b in range(nb):
            if rules.presumptive_rate > 0:
                presumptive[t, b] = rules.presumptive_rate * gross[t, b]
                losses_used[t, b] = 0.0
                income_tax[t, b] = 0.0
                super_tax[t, b] = 0.0
                continue
            income = taxable[t, b]
            used = 0.0
            if income > 0:
                if rules.loss_years < 0:
                    used = min(income, unlimited_pool[b])
                    unlimited_pool[b] -= used
                else:
                    for v in range(max(0, t - rules.loss_years), t):
                        take = min(income - used, losses[v, b])
                        losses[v, b] -= take
                        used += take
            elif rules.loss_years < 0:
                unlimited_pool[b] -= income
            else:
                losses[t, b] = -income
            base = max(0.0, income - used)
            losses_used[t, b] = used
            charged = 0.0 if t - first_production[b] < rules.tax_holiday_years else 1.0
            cit = rules.income_tax_rate * base
            minimum = rules.minimum_tax_rate * gross[t, b]
            income_tax[t, b] = charged * max(cit, minimum)
            super_tax[t, b] = charged * rules.super_tax_rate * base
            presumptive[t, b] = 0.0


@jit
def taxable_income(
    rules: FiscalRules, out: F64, first_production: I64, reserve_left: F64, financing: bool, dep: F64
) -> F64:
    """Taxable income each year (T, B) [US$m], and tax depreciation into ``dep`` [US$m].

    Capital spent before production (with capitalised interest and fees when ``financing``) is placed in service
    in the first production year; later capital in the year it is spent. With ``financing`` false, financing
    costs are left out altogether (the taxes of the project without debt).
    """
    n, nb = out.shape[1], out.shape[2]
    additions = np.zeros((n, nb))
    held = np.zeros(nb)
    for t in range(n):
        for b in range(nb):
            spend = out[Line.initial_capex, t, b] + out[Line.sustaining_capex, t, b]
            before = t < first_production[b]
            if financing:
                spend += out[Line.interest_capitalised, t, b]
                spend += out[Line.fees, t, b] if before else 0.0
            if before:
                held[b] += spend
            else:
                additions[t, b] += spend + held[b]
                held[b] = 0.0
    depreciation(rules, additions, out[Line.throughput], reserve_left, dep)
    taxable = np.empty((n, nb))
    for t in range(n):
        for b in range(nb):
            value = out[Line.gross_revenue, t, b] - out[Line.selling_costs, t, b] - out[Line.opex, t, b]
            for line in PRODUCTION_LEVIES:
                value -= out[line, t, b]
            value -= out[Line.closure, t, b]
            value -= dep[t, b]
            if financing:
                value -= out[Line.interest_paid, t, b] + (out[Line.fees, t, b] if t >= first_production[b] else 0.0)
            taxable[t, b] = value
    return taxable


@jit
def unlevered_taxes(rules: FiscalRules, out: F64, first_production: I64, reserve_left: F64, taxes: F64) -> None:
    """The taxes of the project without debt into ``taxes`` (3, T, B): income, super and presumptive [US$m]."""
    n, nb = out.shape[1], out.shape[2]
    dep = np.empty((n, nb))
    taxable = taxable_income(rules, out, first_production, reserve_left, False, dep)
    income_tax(
        rules,
        taxable,
        out[Line.gross_revenue],
        first_production,
        taxes[0],
        taxes[1],
        taxes[2],
        dep,  # scratch for the losses used here
    )


@jit
def taxes(rules: FiscalRules, out: F64, first_production: I64, reserve_left: F64) -> None:
    """Depreciation, taxable income, losses used, income, super and presumptive tax of the project with its debt."""
    n, nb = out.shape[1], out.shape[2]
    dep = np.empty((n, nb))
    taxable = taxable_income(rules, out, first_production, reserve_left, True, dep)
    for t in range(n):
        for b in range(nb):
            out[Line.depreciation, t, b] = dep[t, b]
        for b in range(nb):
            out[Line.taxable_income, t, b] = taxable[t, b]
    income_tax(
        rules,
        taxable,
        out[Line.gross_revenue],
        first_production,
        out[Line.income_tax],
        out[Line.super_tax],
        out[Line.presumptive_tax],
        out[Line.losses_used],
    )


@jit
def _surplus(out: F64, t: int, levies: F64, surplus: F64) -> None:
    """Year ``t``'s surplus of each path for a profit share: revenue - selling costs - opex - sustaining - levies."""
    for b in range(surplus.shape[0]):
        surplus[b] = (
            out[Line.gross_revenue, t, b]
            - out[Line.selling_costs, t, b]
            - out[Line.opex, t, b]
            - out[Line.sustaining_capex, t, b]
            - levies[b]
        )


@jit
def post_tax_cash_flow(rules: FiscalRules, out: F64, unlevered_tax: F64) -> None:
    """Profit share, social uplift and the post-tax net cash flow, with the debt's taxes and without [US$m].

    ``unlevered_tax`` (3, T, B) holds the income, super and presumptive tax of the project without debt; with no
    loans it has no years (shape (3, 0, B)) and the unlevered cash flow is the levered one.
    """
    n, nb = out.shape[1], out.shape[2]
    with_loans = unlevered_tax.shape[1] > 0
    levies = np.empty(nb)
    surplus = np.empty(nb)
    for t in range(n):
        levies[:] = 0.0
        for line in LEVIES:  # short loops over one year's rows, each with few arrays, so every one vectorises
            row = out[line, t]
            for b in range(nb):
                levies[b] += row[b]
        social, state = out[Line.social_uplift, t], out[Line.profit_share_state, t]
        provincial = out[Line.profit_share_provincial, t]
        if rules.profit_share > 0:
            _surplus(out, t, levies, surplus)
            for b in range(nb):
                social[b] = rules.social_uplift * surplus[b] if surplus[b] > 0 else 0.0
            for b in range(nb):
                state[b] = rules.profit_share * (surplus[b] - social[b]) if surplus[b] > 0 else 0.0
            for b in range(nb):
                provincial[b] = rules.profit_share_pass_through * state[b] if surplus[b] > 0 else 0.0
        else:
            social[:] = 0.0
            state[:] = 0.0
            provincial[:] = 0.0
        post_tax, pre_tax = out[Line.post_tax_ncf, t], out[Line.pre_tax_ncf, t]
        for b in range(nb):
            post_tax[b] = pre_tax[b] - (levies[b] + state[b] + social[b])
        unlevered = out[Line.post_tax_ncf_unlevered, t]
        if not with_loans:
            for b in range(nb):
                unlevered[b] = post_tax[b]
            continue
        # the same levies and profit share with the taxes of the project without debt
        for b in range(nb):
            surplus[b] = unlevered_tax[0, t, b] + unlevered_tax[1, t, b] + unlevered_tax[2, t, b]
        for line in INCOME_TAXES:
            row = out[line, t]
            for b in range(nb):
                surplus[b] -= row[b]
        for b in range(nb):
            levies[b] += surplus[b]
        if rules.profit_share > 0:
            _surplus(out, t, levies, surplus)
            for b in range(nb):
                uplift = rules.social_uplift * surplus[b] if surplus[b] > 0 else 0.0
                share = rules.profit_share * (surplus[b] - uplift) if surplus[b] > 0 else 0.0
                unlevered[b] = pre_tax[b] - (levies[b] + share + uplift)
        else:
            for b in range(nb):
                unlevered[b] = pre_tax[b] - levies[b]
