"""Finance stage: the loans (drawdown, capitalised interest, fees, repayment), CFADS, DSCR and lenders' receipts.

Definitions (DOMAIN.md), each year ``t`` of each path of a block (paths on the last axis), money in [US$m]:

* drawdown: in the years before production, each loan funds ``debt_fraction`` [-] of the year's initial capital
  pro rata to its commitment, within its commitment; an upfront fee [-] on the commitment in the year of the
  first drawdown, a commitment fee [-] on the undrawn commitment each year before production;
* interest = balance x rate [1/yr]: capitalised (added to the balance) before production, paid from it;
* repayment from ``grace`` years after the first drawdown (not before first production) over ``tenor`` years:
  annuity (level interest + principal), equal principal, or sculpted: debt service proportional to the CFADS
  of the project without debt, DS_t = CFADS_t / target DSCR, the loan capped at the PV at its rate of that
  service, never lending against negative CFADS;
* CFADS = post-tax NCF + initial capital + closure, from first production; debt service = interest + principal +
  fees (from first production); DSCR_t = CFADS_t / debt service_t [ratio] in the years with debt service above
  :data:`chagai.core.terms.IN_SERVICE`; shortfall = max(0, debt service - CFADS);
* interest withholding = rate [-] x interest; lenders' net = - drawdown + interest - withholding + principal +
  fees.
"""

from __future__ import annotations

import numpy as np

from chagai.core.jit import jit
from chagai.core.lines import PRODUCTION_LEVIES, Line
from chagai.core.terms import F64, I64, IN_SERVICE, REPAY_EQUAL_PRINCIPAL, REPAY_SCULPTED, LoanTerms


@jit
def pre_interest_cfads(out: F64, first_production: I64, unlevered_tax: F64, cfads: F64) -> None:
    """CFADS [US$m] with the taxes of the project without debt (``unlevered_tax``: income, super, presumptive).

    NSR - opex - sustaining - royalties - rent - those taxes, from first production: the base on which debt is
    sculpted (no financing cost is deducted before it is known).
    """
    n, nb = out.shape[1], out.shape[2]
    for b in range(nb):
        for t in range(first_production[b], n):
            value = out[Line.nsr, t, b] - out[Line.opex, t, b] - out[Line.sustaining_capex, t, b]
            for line in PRODUCTION_LEVIES:
                value -= out[line, t, b]
            cfads[t, b] = value - unlevered_tax[0, t, b] - unlevered_tax[1, t, b] - unlevered_tax[2, t, b]


@jit
def size_sculpted(loans: LoanTerms, cfads: F64, first_production: I64, amount: F64) -> None:
    """Cap each sculpted loan's ``amount`` (F, B) [US$m] at what the CFADS can carry.

    The capacity is the PV at the loan's rate of CFADS / target DSCR over its tenor from first production;
    sculpted loans share it pro rata to their commitments; negative CFADS carries nothing.
    """
    n, nb = cfads.shape
    sculpted_total = 0.0
    for f in range(amount.shape[0]):
        if loans.profile[f] == REPAY_SCULPTED:
            sculpted_total += loans.amount[f]
    if sculpted_total <= 0:
        return
    for f in range(amount.shape[0]):
        if loans.profile[f] != REPAY_SCULPTED:
            continue
        for b in range(nb):
            fp = first_production[b]
            capacity = 0.0
            end = min(fp + loans.tenor[f], n)
            for k in range(fp, end):
                capacity += max(cfads[k, b], 0.0) / loans.target_dscr[f] / (1.0 + loans.rate[f]) ** float(k - fp + 1)
            amount[f, b] = min(amount[f, b], capacity * amount[f, b] / sculpted_total)


@jit
def sculpted_principal(
    cfads: F64, t: int, start: int, tenor: int, rate: float, target: float, balance: float, interest: float
) -> float:
    """Principal [US$m] of year ``t`` so that debt service follows CFADS / target over the rest of the tenor.

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
def borrow_and_repay(loans: LoanTerms, out: F64, first_production: I64, unlevered_tax: F64) -> None:
    """Drawdown, interest (capitalised or paid), fees, principal and balance of the loans [US$m].

    ``unlevered_tax`` (3, T, B) holds the taxes of the project without debt (the base for sculpting); it has no
    years when there are no loans. The lines ``debt_drawdown``, ``interest_paid``, ``interest_capitalised``,
    ``principal``, ``fees`` and ``debt_balance`` are written.
    """
    n, nb = out.shape[1], out.shape[2]
    for line in (
        Line.debt_drawdown,
        Line.interest_paid,
        Line.interest_capitalised,
        Line.principal,
        Line.fees,
        Line.debt_balance,
    ):
        out[line, :, :] = 0.0
    n_fac = loans.amount.shape[0]
    balance = np.zeros((n_fac, nb))
    drawn = np.zeros((n_fac, nb))
    first_draw = np.full((n_fac, nb), -1)
    level_payment = np.zeros((n_fac, nb))
    amount = np.empty((n_fac, nb))
    for f in range(n_fac):
        for b in range(nb):
            amount[f, b] = loans.amount[f]
    any_sculpted = False
    for f in range(n_fac):
        any_sculpted = any_sculpted or loans.profile[f] == REPAY_SCULPTED
    cfads_pre = np.zeros((n, nb) if any_sculpted else (0, nb))  # CFADS before the interest tax shield
    if any_sculpted:
        pre_interest_cfads(out, first_production, unlevered_tax, cfads_pre)
        size_sculpted(loans, cfads_pre, first_production, amount)
    total_commitment = np.zeros(nb)
    for f in range(n_fac):
        for b in range(nb):
            total_commitment[b] += amount[f, b]
    debt_per_commitment = np.zeros(nb)  # share of a year's capex each committed US$ of debt funds
    for b in range(nb):
        if total_commitment[b] > 0:
            debt_per_commitment[b] = loans.debt_fraction / total_commitment[b]
    longest_tenor = 1
    for f in range(n_fac):
        longest_tenor = max(longest_tenor, loans.tenor[f])
    annuity_denominator = np.empty((n_fac, longest_tenor + 1))  # 1 - (1 + rate)^-years, by years left
    for f in range(n_fac):
        for years in range(1, longest_tenor + 1):
            annuity_denominator[f, years] = 1.0 - (1.0 + loans.rate[f]) ** (-float(years))
    interest_due = np.empty(nb)
    paying = np.empty(nb, dtype=np.bool_)
    since = np.empty(nb, dtype=np.int64)  # years since repayment started
    principal_due = np.empty(nb)
    draw = np.empty(nb)
    last_first_production = 0
    for b in range(nb):
        last_first_production = max(last_first_production, first_production[b])
    for t in range(n):
        capitalised, paid = out[Line.interest_capitalised, t], out[Line.interest_paid, t]
        drawdown, fees, repaid = out[Line.debt_drawdown, t], out[Line.fees, t], out[Line.principal, t]
        initial = out[Line.initial_capex, t]
        for f in range(n_fac):
            owed, taken, committed, first = balance[f], drawn[f], amount[f], first_draw[f]
            # a loan repaid on every path (and past every path's drawdown years) adds nothing more
            if t >= last_first_production:
                outstanding = 0
                for b in range(nb):
                    outstanding += owed[b] != 0.0
                if outstanding == 0:
                    continue
            rate = loans.rate[f]
            tenor = max(loans.tenor[f], 1)
            profile = loans.profile[f]
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
                upfront = loans.upfront_fee[f]
                for b in range(nb):
                    starts = (draw[b] > 0) & (first[b] < 0)
                    if upfront != 0.0:
                        fees[b] += upfront * committed[b] if starts else 0.0
                    first[b] = t if starts else first[b]
                for b in range(nb):
                    taken[b] += draw[b]
                    owed[b] += draw[b]
                    drawdown[b] += draw[b]
                commitment_fee = loans.commitment_fee[f]
                if commitment_fee != 0.0:
                    for b in range(nb):
                        drawing = (t < first_production[b]) & (total_commitment[b] > 0)
                        fees[b] += commitment_fee * max(0.0, committed[b] - taken[b]) if drawing else 0.0
            # repayment: where each path stands in its schedule, the profile's principal, then the payment
            for b in range(nb):
                start = max(first[b] + loans.grace[f], first_production[b])
                paying[b] = (first[b] >= 0) & (owed[b] > 1e-9) & (t >= start)
                since[b] = t - start
            if profile == REPAY_EQUAL_PRINCIPAL:
                for b in range(nb):
                    principal_due[b] = owed[b] / max(tenor - since[b], 1)
            elif profile == REPAY_SCULPTED:
                for b in range(nb):
                    if paying[b]:
                        principal_due[b] = sculpted_principal(
                            cfads_pre[:, b],
                            t,
                            t - since[b],
                            tenor,
                            rate,
                            loans.target_dscr[f],
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
                out[Line.debt_balance, t, b] += balance[f, b]


@jit
def debt_service(interest_withholding: float, out: F64, first_production: I64) -> None:
    """CFADS, debt service, DSCR, shortfall, interest withholding and the lenders' net receipts [US$m].

    ``interest_withholding`` is the tax rate withheld on interest [-]; the post-tax NCF and the loans' lines
    must be written.
    """
    n, nb = out.shape[1], out.shape[2]
    for t in range(n):
        cfads, initial, closure = out[Line.cfads, t], out[Line.initial_capex, t], out[Line.closure, t]
        post_tax = out[Line.post_tax_ncf, t]
        for b in range(nb):
            cfads[b] = post_tax[b] + initial[b] + closure[b] if t >= first_production[b] else 0.0
        service, interest = out[Line.debt_service, t], out[Line.interest_paid, t]
        principal, fees = out[Line.principal, t], out[Line.fees, t]
        for b in range(nb):
            service[b] = interest[b] + principal[b] + (fees[b] if t >= first_production[b] else 0.0)
        dscr, shortfall = out[Line.dscr, t], out[Line.shortfall, t]
        for b in range(nb):
            dscr[b] = cfads[b] / service[b] if service[b] > IN_SERVICE else np.nan
        for b in range(nb):
            shortfall[b] = max(0.0, service[b] - cfads[b]) if service[b] > IN_SERVICE else 0.0
        withheld, drawdown = out[Line.interest_withholding, t], out[Line.debt_drawdown, t]
        for b in range(nb):
            withheld[b] = interest_withholding * interest[b]
        lenders = out[Line.lenders_net, t]
        for b in range(nb):
            lenders[b] = -drawdown[b] + interest[b] - withheld[b] + principal[b] + fees[b]
