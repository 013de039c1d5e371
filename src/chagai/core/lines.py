"""The lines of the annual table: one table of name, unit and description that makes the line index.

Each line is a row of the output of :func:`chagai.core.kernel.run_block` (its first axis). The class body of
:class:`Line` is the table: a member per line, in the order of the output, with its unit and what it holds; the
index of a line is its place in the table. :data:`LINES` lists (name, unit) in the same order, for readers of
the table (columns, charts).

Money is in US$ million of the case's base year; quantities in canonical units (t, MMscf).
"""

from __future__ import annotations

from enum import IntEnum
from typing import Final


class Line(IntEnum):
    """Index of each line of the annual table (its unit and description as the member's attributes)."""

    unit: str
    description: str

    def __new__(cls, unit: str, description: str) -> Line:
        """A line whose index is its place in the table."""
        index = len(cls.__members__)
        member = int.__new__(cls, index)
        member._value_ = index
        member.unit = unit
        member.description = description
        return member

    throughput = ("t or MMscf", "ore milled or gas produced, capped by the reserve left")
    product = ("t", "product (concentrate) shipped")
    gross_revenue = ("US$m", "payable units x price")
    selling_costs = ("US$m", "treatment, refining, freight and port, per tonne of product")
    nsr = ("US$m", "net smelter return: gross revenue - selling costs")
    opex = ("US$m", "variable and fixed operating cost while producing")
    sustaining_capex = ("US$m", "sustaining capital while producing")
    initial_capex = ("US$m", "initial and expansion capital, delayed and overrun")
    closure = ("US$m", "closure cost, the year after production ends")
    pre_tax_ncf = ("US$m", "revenue - selling costs - opex - capital - closure (the rent base)")
    royalties_federal = ("US$m", "royalties to the federal government, after the advance royalty credit")
    royalties_provincial = ("US$m", "royalties to the province, after the advance royalty credit")
    advance_royalty = ("US$m", "advance royalty paid before production")
    advance_royalty_credit = ("US$m", "advance royalty set against the royalty this year")
    depreciation = ("US$m", "tax depreciation")
    taxable_income = ("US$m", "income before losses brought forward")
    losses_used = ("US$m", "losses brought forward set against this year's income")
    income_tax = ("US$m", "corporate income tax (or the minimum tax when larger)")
    super_tax = ("US$m", "super tax on taxable income after losses")
    presumptive_tax = ("US$m", "presumptive tax on gross revenue, in lieu of income tax")
    rent = ("US$m", "surface rent and fixed levies while producing")
    profit_share_state = ("US$m", "profit share to the state owner")
    profit_share_provincial = ("US$m", "part of the state's profit share passed to the province")
    social_uplift = ("US$m", "social uplift paid to the community")
    post_tax_ncf = ("US$m", "pre-tax net cash flow - levies - profit share - social uplift (with the debt's taxes)")
    post_tax_ncf_unlevered = ("US$m", "post-tax net cash flow with the taxes of the project without debt")
    debt_drawdown = ("US$m", "loans drawn")
    interest_paid = ("US$m", "interest paid from first production")
    interest_capitalised = ("US$m", "interest added to the loans before production")
    principal = ("US$m", "principal repaid")
    fees = ("US$m", "upfront and commitment fees")
    debt_service = ("US$m", "interest + principal + fees from first production")
    debt_balance = ("US$m", "loans outstanding at the end of the year")
    cfads = ("US$m", "cash flow available for debt service: post-tax NCF + capital + closure")
    dscr = ("ratio", "CFADS / debt service, in the years with debt service")
    shortfall = ("US$m", "debt service not covered by the CFADS")
    interest_withholding = ("US$m", "tax withheld on interest")
    lenders_net = ("US$m", "lenders' net receipts: - drawdown + interest - withholding + principal + fees")
    equity_cash_flow = ("US$m", "post-tax NCF + drawdown - interest - principal - fees, all owners")
    dividend_withholding = ("US$m", "tax withheld on dividends")
    government_federal = ("US$m", "federal receipts: levies, withholding, profit share and state equity")
    government_provincial = ("US$m", "provincial receipts: levies, profit share passed on and state equity")
    community = ("US$m", "community receipts (social uplift)")


LINES: Final[tuple[tuple[str, str], ...]] = tuple((line.name, line.unit) for line in Line)
"""(name, unit) of each line of the annual table, in the order of its index."""
N_LINES: Final = len(LINES)
"""Number of lines of the annual table."""

PRODUCTION_LEVIES: Final = (Line.royalties_federal, Line.royalties_provincial, Line.advance_royalty, Line.rent)
"""The levies that do not depend on income (royalties after their credit, the advance royalty, rent): deducted
from taxable income and from the CFADS on which debt is sculpted."""
INCOME_TAXES: Final = (Line.income_tax, Line.super_tax, Line.presumptive_tax)
"""The taxes on income (or on sales in lieu of it), which depend on the financing through the deductions of
interest and fees."""
LEVIES: Final = PRODUCTION_LEVIES + INCOME_TAXES
"""Every levy the project pays before a profit share: deducted, with the profit share and the social uplift,
from the pre-tax net cash flow to give the post-tax one, and from the surplus a profit share is taken of."""
