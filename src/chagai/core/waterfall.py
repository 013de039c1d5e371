"""Waterfall stage: the equity cash flow and its split among the stake lines and parties.

Definitions (DOMAIN.md), each year ``t`` of each path of a block (paths on the last axis), money in [US$m]:

* equity cash flow = post-tax NCF + drawdown - interest - principal - fees (all owners);
* a negative equity cash flow is a contribution, paid by the paying stake lines pro rata to their shares [-]
  in force that year: a free-carried line pays nothing and its part falls on the others; a funded line's part is
  paid by its funder, who recovers it, with interest at the carry rate [1/yr], from that line's dividends when a
  carry rate is set;
* a positive one is a dividend, split by the shares in force; dividend withholding = rate [-] x the dividends of
  the lines where it applies, deducted from them;
* payments between parties (a stake's price) are added to the payer's and receiver's flows in their year.
"""

from __future__ import annotations

import math

import numpy as np

from chagai.core.jit import jit
from chagai.core.lines import Line
from chagai.core.terms import F64, STAKE_FREE_CARRIED, STAKE_FUNDED, StakeTerms


@jit
def equity_cash_flow(out: F64) -> None:
    """Equity cash flow = post-tax NCF + drawdown - interest - principal - fees [US$m], every year."""
    n, nb = out.shape[1], out.shape[2]
    for t in range(n):
        post_tax, drawdown, interest = out[Line.post_tax_ncf, t], out[Line.debt_drawdown, t], out[Line.interest_paid, t]
        principal, fees = out[Line.principal, t], out[Line.fees, t]
        equity = out[Line.equity_cash_flow, t]
        for b in range(nb):
            equity[b] = post_tax[b] + drawdown[b] - interest[b] - principal[b] - fees[b]


@jit
def split_equity(stakes: StakeTerms, dividend_withholding: float, out: F64, party_net: F64) -> None:
    """Split the equity cash flow among the stake lines in force each year, into each party's net flow.

    ``party_net`` (P, T, B) is filled with each party's net equity cash flow [US$m] (contributions, dividends
    after withholding, carries); ``out[Line.dividend_withholding]`` with the tax withheld at ``dividend_withholding``
    [-] from the dividends of the lines where it applies. Payments between parties are added last.
    """
    n, nb = out.shape[1], out.shape[2]
    out[Line.dividend_withholding, :, :] = 0.0
    party_net[:, :, :] = 0.0
    n_lines = stakes.share.shape[0]
    carry = np.zeros((n_lines, nb))
    carried = np.empty(n_lines, dtype=np.bool_)
    for s in range(n_lines):
        carried[s] = stakes.kind[s] == STAKE_FUNDED and not math.isnan(stakes.carry_rate[s])
    to_payer = np.empty(nb)  # what one stake line adds to its payer's and to its holder's flow this year
    to_holder = np.empty(nb)
    for t in range(n):
        paying = 0.0
        total = 0.0
        for s in range(n_lines):
            total += stakes.share[s, t]
            if stakes.kind[s] != STAKE_FREE_CARRIED:
                paying += stakes.share[s, t]
        per_paying = 1.0 / paying if paying > 0 else 0.0
        per_total = 1.0 / total if total > 0 else 0.0
        for s in range(n_lines):
            if carried[s]:
                grow = 1.0 + stakes.carry_rate[s]
                for b in range(nb):
                    carry[s, b] *= grow
        flows = out[Line.equity_cash_flow, t]
        withheld_row = out[Line.dividend_withholding, t]
        for s in range(n_lines):
            share = stakes.share[s, t]
            # a line's contributions are zero when it does not pay, its dividends zero when nothing is held
            contribution = per_paying if stakes.kind[s] != STAKE_FREE_CARRIED else 0.0
            withholding = dividend_withholding * stakes.withholding[s]
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
                _add_lines(party_net, stakes.payer[s], stakes.holder[s], t, to_payer, to_holder)
            elif stakes.payer[s] == stakes.holder[s] or contribution == 0.0:
                # one row takes the line's contributions and dividends (none are paid by another party)
                holder_row = party_net[stakes.holder[s], t]
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
                _add_lines(party_net, stakes.payer[s], stakes.holder[s], t, to_payer, to_holder)
    for x in range(stakes.transfer_party.shape[0]):  # payments between parties: a stake's price
        row = party_net[stakes.transfer_party[x], stakes.transfer_year[x]]
        payment = stakes.transfer_amount[x]
        for b in range(nb):
            row[b] += payment


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
