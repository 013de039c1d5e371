"""Government stage: what the federal government, the province and the community receive each year.

Definitions (DOMAIN.md), each year ``t`` of each path of a block (paths on the last axis), money in [US$m]:

* federal = federal royalties + presumptive tax + interest and dividend withholding + rent + the state's profit
  share less the part passed to the province (+ income and super tax when the federal government levies them);
* provincial = provincial royalties + advance royalty + the profit share passed on (+ income and super tax when
  the province levies them);
* community = social uplift;
* state equity: the net equity cash flow of each federal or provincial party with stakes (dividends after
  withholding less contributions, carries net of their repayment) is added to its level's receipts.
"""

from __future__ import annotations

from chagai.core.jit import jit
from chagai.core.lines import Line
from chagai.core.terms import F64, LEVEL_FEDERAL, PAYEE_FEDERAL, StakeTerms


@jit
def receipts(income_tax_payee: int, stakes: StakeTerms, out: F64, party_net: F64) -> None:
    """Federal, provincial and community receipts [US$m] into their lines, state equity included.

    ``income_tax_payee`` (``PAYEE_*``) is who levies income and super tax; ``party_net`` (P, T, B) each party's
    net equity cash flow [US$m].
    """
    n, nb = out.shape[1], out.shape[2]
    taxes_federal = income_tax_payee == PAYEE_FEDERAL
    for t in range(n):
        for b in range(nb):
            federal = (
                out[Line.royalties_federal, t, b]
                + out[Line.presumptive_tax, t, b]
                + out[Line.interest_withholding, t, b]
                + out[Line.dividend_withholding, t, b]
                + out[Line.rent, t, b]
                + out[Line.profit_share_state, t, b]
                - out[Line.profit_share_provincial, t, b]
            )
            provincial = (
                out[Line.royalties_provincial, t, b]
                + out[Line.advance_royalty, t, b]
                + out[Line.profit_share_provincial, t, b]
            )
            taxes = out[Line.income_tax, t, b] + out[Line.super_tax, t, b]
            if taxes_federal:
                federal += taxes
            else:
                provincial += taxes
            out[Line.government_federal, t, b] = federal
            out[Line.government_provincial, t, b] = provincial
            out[Line.community, t, b] = out[Line.social_uplift, t, b]
        for p in range(stakes.government_parties.shape[0]):
            g = stakes.government_parties[p]
            line = Line.government_federal if stakes.party_level[g] == LEVEL_FEDERAL else Line.government_provincial
            for b in range(nb):
                out[line, t, b] += party_net[g, t, b]
