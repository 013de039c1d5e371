"""One-path blocks and default terms for the tests of the kernel's stages: every term zero unless a test sets it."""

from __future__ import annotations

from typing import Any

import numpy as np

from chagai.core.lines import N_LINES, Line
from chagai.core.terms import (
    DEP_STRAIGHT_LINE,
    PAYEE_FEDERAL,
    PAYEE_PROVINCIAL,
    FiscalRules,
    LoanTerms,
    StakeTerms,
)


def block(years: int, **lines: list[float]) -> np.ndarray:
    """An annual table of one path, (N_LINES, T, 1), zero but for the lines given (by name, one value a year)."""
    out = np.zeros((N_LINES, years, 1))
    for name, values in lines.items():
        out[Line[name], :, 0] = values
    return out


def row(out: np.ndarray, line: Line) -> list[float]:
    """A line of a one-path table, as a list (one value a year)."""
    return [float(x) for x in out[line, :, 0]]


def path(*values: int) -> np.ndarray:
    """A (B,) integer array of one path (first production year, ...)."""
    return np.array(values, dtype=np.int64)


def fiscal_rules(**changes: Any) -> FiscalRules:
    """Fiscal rules with no levy at all, but for ``changes``."""
    rules = FiscalRules(
        royalty_rate=np.zeros(0),
        royalty_base=np.zeros(0, dtype=np.int64),
        royalty_payee=np.zeros(0, dtype=np.int64),
        advance_schedule=np.zeros(0),
        advance_first=0,
        advance_cap=0.0,
        advance_credit_start=0.0,
        advance_payee=PAYEE_PROVINCIAL,
        income_tax_rate=0.0,
        tax_holiday_years=0,
        super_tax_rate=0.0,
        minimum_tax_rate=0.0,
        presumptive_rate=0.0,
        income_tax_payee=PAYEE_FEDERAL,
        depreciation_method=DEP_STRAIGHT_LINE,
        depreciation_rate=1.0,
        loss_years=-1,
        dividend_withholding=0.0,
        interest_withholding=0.0,
        rent=0.0,
        profit_share=0.0,
        profit_share_pass_through=0.0,
        social_uplift=0.0,
    )
    return rules._replace(**changes)


def one_loan(**terms: Any) -> LoanTerms:
    """One loan (arrays of one) with the terms given; no fees, target DSCR 1, all pre-production capital by debt."""
    values = {
        "amount": 100.0,
        "rate": 0.1,
        "grace": 0,
        "tenor": 2,
        "profile": 0,
        "target_dscr": 1.0,
        "upfront_fee": 0.0,
        "commitment_fee": 0.0,
    } | terms
    debt_fraction = float(values.pop("debt_fraction", 1.0))
    ints = {"grace", "tenor", "profile"}
    arrays = {k: np.array([v], dtype=np.int64 if k in ints else np.float64) for k, v in values.items()}
    return LoanTerms(**arrays, debt_fraction=debt_fraction)


def stakes(
    shares: list[list[float]],
    kinds: list[int],
    holders: list[int],
    payers: list[int],
    levels: list[int],
    carry_rates: list[float] | None = None,
    withholding: list[float] | None = None,
    government: list[int] | None = None,
    transfers: tuple[list[int], list[int], list[float]] = ([], [], []),
) -> StakeTerms:
    """Stake lines (one row of ``shares`` per line, one value a year) and the parties' levels."""
    n_lines = len(kinds)
    return StakeTerms(
        share=np.array(shares, dtype=np.float64),
        kind=np.array(kinds, dtype=np.int64),
        holder=np.array(holders, dtype=np.int64),
        payer=np.array(payers, dtype=np.int64),
        carry_rate=np.array(carry_rates if carry_rates is not None else [np.nan] * n_lines, dtype=np.float64),
        withholding=np.array(withholding if withholding is not None else [0.0] * n_lines, dtype=np.float64),
        party_level=np.array(levels, dtype=np.int64),
        government_parties=np.array(government or [], dtype=np.int64),
        transfer_party=np.array(transfers[0], dtype=np.int64),
        transfer_year=np.array(transfers[1], dtype=np.int64),
        transfer_amount=np.array(transfers[2], dtype=np.float64),
    )
