"""The annual model of one project: the stages in order, run on a block of paths, compiled for Monte Carlo.

:func:`run_block` computes a block of paths (draws) year by year, stage by stage: production
(:mod:`~chagai.core.production`), royalties and taxes (:mod:`~chagai.core.fiscal`), the loans
(:mod:`~chagai.core.finance`), the equity waterfall to every stake (:mod:`~chagai.core.waterfall`) and the
governments' receipts (:mod:`~chagai.core.government`). Every statement is written for each path of the block in
an inner loop, so compiled code works on contiguous rows; a path's arithmetic is exactly that of a single run.
:func:`run_path` is the block of one path. Inputs come from :func:`chagai.cases.compile.compile_case` as a
:class:`Params` tuple (fixed for every draw) and per-draw arrays (prices, availability, capex overrun, delay). A
single path's arrays have time on their last axis; a block's add the paths as a last axis after time. Year index
0 is the valuation year. Money is in US$ million; quantities in canonical units (t, MMscf).

The functions use only what numba compiles (loops, scalars, arrays, tuples), so the same code runs as plain
Python (the reference and the baseline of the benchmarks) and compiled (:mod:`chagai.core.jit`).

Cash identity, every year and every path::

    pre-tax net cash flow = royalties + taxes + other government levies + profit share + social uplift
                            + lenders' net receipts (incl. interest withholding) + equity cash flow
"""

from __future__ import annotations

import numpy as np

from chagai.core import finance, fiscal, government, production, waterfall
from chagai.core.jit import jit
from chagai.core.lines import LEVIES, LINES, N_LINES, Line
from chagai.core.production import shifted_row
from chagai.core.terms import (
    BASE_GROSS,
    BASE_NSR,
    DEP_DECLINING_BALANCE,
    DEP_STRAIGHT_LINE,
    DEP_UNITS_OF_PRODUCTION,
    F64,
    I64,
    IN_SERVICE,
    KIND_GAS,
    KIND_MINE,
    LEVEL_FEDERAL,
    LEVEL_PRIVATE,
    LEVEL_PROVINCIAL,
    PAYEE_FEDERAL,
    PAYEE_PROVINCIAL,
    REPAY_ANNUITY,
    REPAY_EQUAL_PRINCIPAL,
    REPAY_SCULPTED,
    STAKE_FREE_CARRIED,
    STAKE_FUNDED,
    STAKE_PAID,
    FiscalRules,
    LoanTerms,
    Params,
    ProductionTerms,
    StakeTerms,
)

__all__ = [
    "BASE_GROSS",
    "BASE_NSR",
    "DEP_DECLINING_BALANCE",
    "DEP_STRAIGHT_LINE",
    "DEP_UNITS_OF_PRODUCTION",
    "IN_SERVICE",
    "KIND_GAS",
    "KIND_MINE",
    "LEVEL_FEDERAL",
    "LEVEL_PRIVATE",
    "LEVEL_PROVINCIAL",
    "LEVIES",
    "LINES",
    "N_LINES",
    "PAYEE_FEDERAL",
    "PAYEE_PROVINCIAL",
    "REPAY_ANNUITY",
    "REPAY_EQUAL_PRINCIPAL",
    "REPAY_SCULPTED",
    "STAKE_FREE_CARRIED",
    "STAKE_FUNDED",
    "STAKE_PAID",
    "FiscalRules",
    "Line",
    "LoanTerms",
    "Params",
    "ProductionTerms",
    "StakeTerms",
    "run_block",
    "run_path",
    "shifted_row",
]


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
        Years by which the schedule from ``params.production.shift_from`` on slips [yr].
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
    """Compute a block of B paths of the annual model at once, stage by stage (paths on the last axis).

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
        (B,) years by which the schedule from ``params.production.shift_from`` on slips [yr].
    out
        (N_LINES, T, B) filled with the annual table (see :data:`LINES`).
    party_net
        (P, T, B) filled with each party's net equity cash flow (after withholding, contributions and carries).
    """
    n, nb = price.shape[1], price.shape[2]
    rules = params.fiscal
    reserve_left = np.empty((n, nb))
    first_production = np.empty(nb, dtype=np.int64)
    last_production = np.empty(nb, dtype=np.int64)

    production.produce(
        params.production, price, availability, capex_factor, delay, out, reserve_left, first_production,
        last_production,
    )  # fmt: skip
    if params.production.economic_limit:
        production.stop_at_economic_limit(out, first_production, last_production)
    production.close(params.production.closure_cost, out, first_production, last_production)
    production.pre_tax_cash_flow(out)

    fiscal.charge_rent(rules, out)
    fiscal.royalties(rules, out, first_production)
    # taxes as if the project had no debt (the unlevered after-tax cash flow and the base for sculpting);
    # without loans they are the taxes paid, so they are not computed twice
    with_loans = params.loans.amount.shape[0] > 0
    unlevered_tax = np.empty((3, n, nb) if with_loans else (3, 0, nb))
    if with_loans:
        fiscal.unlevered_taxes(rules, out, first_production, reserve_left, unlevered_tax)
    finance.borrow_and_repay(params.loans, out, first_production, unlevered_tax)
    fiscal.taxes(rules, out, first_production, reserve_left)
    fiscal.post_tax_cash_flow(rules, out, unlevered_tax)
    finance.debt_service(rules.interest_withholding, out, first_production)

    waterfall.equity_cash_flow(out)
    waterfall.split_equity(params.stakes, rules.dividend_withholding, out, party_net)
    government.receipts(rules.income_tax_payee, params.stakes, out, party_net)
