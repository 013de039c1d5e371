"""The compiled terms of a case, fixed across draws: :class:`Params`, a named tuple of one tuple per stage.

:func:`chagai.cases.compile.compile_case` builds them in canonical units; year index 0 is the valuation year.
Codes (``KIND_*``, ``BASE_*`` ...) are integers so compiled code can read them.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

KIND_MINE, KIND_GAS = 0, 1
BASE_GROSS, BASE_NSR = 0, 1
PAYEE_FEDERAL, PAYEE_PROVINCIAL = 0, 1
DEP_STRAIGHT_LINE, DEP_DECLINING_BALANCE, DEP_UNITS_OF_PRODUCTION = 0, 1, 2
REPAY_ANNUITY, REPAY_EQUAL_PRINCIPAL, REPAY_SCULPTED = 0, 1, 2
STAKE_PAID, STAKE_FUNDED, STAKE_FREE_CARRIED = 0, 1, 2
LEVEL_PRIVATE, LEVEL_FEDERAL, LEVEL_PROVINCIAL = 0, 1, 2
IN_SERVICE = 1e-9
"""Debt service above which a year has a DSCR (and counts as a repayment year) [US$m]."""
PER_MILLION = 1e-6
"""US$ to US$ million (a product: divisions are the slowest arithmetic in the loops) [US$m/US$]."""


class ProductionTerms(NamedTuple):
    """Production, revenue and costs (:mod:`chagai.core.production`).

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


class FiscalRules(NamedTuple):
    """Royalties, taxes, withholding and profit share (:mod:`chagai.core.fiscal`); rates are decimals."""

    royalty_rate: F64  # (R,) [-]
    royalty_base: I64  # (R,) BASE_GROSS or BASE_NSR
    royalty_payee: I64  # (R,) PAYEE_*
    advance_schedule: F64  # (K,) advance royalty by year of the schedule [US$m]
    advance_first: int  # year index of the schedule's first payment (negative: before year 0)
    advance_cap: float  # [US$m]
    advance_credit_start: float  # advance royalties paid before year 0, still to credit [US$m]
    advance_payee: int  # PAYEE_*
    income_tax_rate: float  # [-]
    tax_holiday_years: int  # years from first production with no income, super or minimum tax
    super_tax_rate: float  # [-]
    minimum_tax_rate: float  # on gross revenue [-]
    presumptive_rate: float  # on gross revenue, in lieu of income tax [-]
    income_tax_payee: int  # PAYEE_*
    depreciation_method: int  # DEP_*
    depreciation_rate: float  # [1/yr]
    loss_years: int  # years a loss may be carried forward; -1: unlimited
    dividend_withholding: float  # [-]
    interest_withholding: float  # [-]
    rent: float  # while producing [US$m/yr]
    profit_share: float  # share of the surplus to the state owner (0: none) [-]
    profit_share_pass_through: float  # part of the state's share passed to the province [-]
    social_uplift: float  # share of the surplus to the community [-]


class LoanTerms(NamedTuple):
    """The loans, one per distinct set of terms (:mod:`chagai.core.finance`); arrays are (F,)."""

    amount: F64  # committed [US$m]
    rate: F64  # [1/yr]
    grace: I64  # years from first drawdown to first repayment
    tenor: I64  # repayment years
    profile: I64  # REPAY_*
    target_dscr: F64  # of a sculpted loan [-]
    upfront_fee: F64  # on the commitment [-]
    commitment_fee: F64  # on the undrawn commitment, each year before production [-]
    debt_fraction: float  # share of pre-production capex funded by debt (base case) [-]


class StakeTerms(NamedTuple):
    """The stake lines, the parties and payments between them (:mod:`chagai.core.waterfall`)."""

    share: F64  # (S, T) share of each stake line in force each year [-]
    kind: I64  # (S,) STAKE_*
    holder: I64  # (S,) party index of the holder
    payer: I64  # (S,) party index that pays the line's contributions
    carry_rate: F64  # (S,) interest on a carry [1/yr]; NaN: contributions not repaid
    withholding: F64  # (S,) 1 where dividend withholding applies
    party_level: I64  # (P,) LEVEL_*
    government_parties: I64  # indices of the federal or provincial parties with equity flows (holders, payers)
    transfer_party: I64  # (X,) party index of each payment between parties (stake sale prices)
    transfer_year: I64  # (X,) year index of each payment
    transfer_amount: F64  # (X,) received (> 0) or paid (< 0) by the party [US$m]


class Params(NamedTuple):
    """Everything fixed across draws, in canonical units, by stage; year index 0 is the valuation year."""

    production: ProductionTerms
    fiscal: FiscalRules
    loans: LoanTerms
    stakes: StakeTerms
