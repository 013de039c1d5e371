"""Fiscal regimes as named, versioned presets, each tied to a legal instrument and an effective date.

A regime is a data file in ``cases/data/regimes/``; a case refers to it by id and may override single terms
(``fiscal.overrides``), which are validated against the same schema. Lookup errors list the valid ids.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from importlib import resources
from typing import Any, Literal

from pydantic import Field, ValidationError

from chagai.cases.schema import Duration, Fraction, Money, MoneyRate, Slug, Source, Sourced, StrictModel, Year
from chagai.errors import NotFoundError

Payee = Literal["federal", "provincial"]
"""Which level of government receives a payment."""


class Royalty(Sourced):
    """A royalty: ``rate`` times a base, paid to one government."""

    id: Slug
    name: str
    payee: Payee
    base: Literal["gross", "nsr", "wellhead"] = Field(
        description="gross sales, net smelter return (after selling costs), or gas value at the wellhead"
    )
    rate: Fraction


class AdvanceRoyalty(Sourced):
    """Fixed payments before commercial production, credited against royalties once production starts."""

    payee: Payee
    schedule: list[float] = Field(min_length=1, description="US$m in years 1, 2, ...; the last repeats")
    cap: Money
    first_year: Year | None = Field(default=None, description="calendar year of the first payment")
    credited: bool = True


class Depreciation(Sourced):
    """How capital is written off for income tax."""

    method: Literal["straight-line", "declining-balance", "units-of-production"]
    rate: Fraction | None = Field(default=None, description="per year, for straight-line or declining-balance")
    life: Duration | None = None


class ProfitShare(Sourced):
    """A split of the project's profit between the state owner and the contractor (Saindak-style)."""

    state_share: Fraction
    state_party_level: Payee = "federal"
    provincial_pass_through: Fraction | None = Field(
        default=None, description="share of the state's profit that the federal owner passes to the province"
    )
    social_uplift: Fraction | None = Field(default=None, description="share of net profit for local welfare")


class TaxHoliday(Sourced):
    """Years, counted from the first year of production, in which income tax is not charged.

    The annual model charges no income tax, super tax or minimum tax in those years (they move with a delay, as
    production does); the loss carry-forward runs through them as in any year.
    """

    years: Duration


class FiscalTerms(StrictModel):
    """Every term the model applies; absent terms do not apply."""

    royalties: list[Royalty] = Field(default_factory=list)
    advance_royalty: AdvanceRoyalty | None = None
    income_tax_rate: Fraction | None = None
    income_tax_holiday: TaxHoliday | None = None
    super_tax_rate: Fraction | None = None
    minimum_tax_rate: Fraction | None = Field(default=None, description="on turnover")
    depreciation: Depreciation | None = None
    loss_carry_forward_years: int | None = Field(default=None, ge=0, description="absent: unlimited")
    dividend_withholding: Fraction | None = None
    interest_withholding: Fraction | None = None
    presumptive_tax_rate: Fraction | None = Field(default=None, description="on sales, in lieu of income tax")
    profit_share: ProfitShare | None = None
    rent: MoneyRate | None = None
    income_tax_payee: Payee = "federal"


class Regime(StrictModel):
    """A fiscal regime: the terms a legal instrument set, from its effective date."""

    id: Slug
    name: str
    family: Slug = Field(description="regimes that succeed each other share a family")
    version: str
    jurisdiction: str
    instrument: str = Field(description="the law, agreement or policy that sets the terms")
    effective: dt.date
    ends: dt.date | None = None
    supersedes: Slug | None = None
    applies_to: str
    terms: FiscalTerms
    notes: list[str] = Field(default_factory=list)
    sources: list[Source] = Field(min_length=1)


@cache
def _bundled() -> dict[str, Regime]:
    import yaml

    folder = resources.files("chagai.cases") / "data" / "regimes"
    regimes: dict[str, Regime] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            regime = Regime.model_validate(yaml.safe_load(entry.read_text(encoding="utf-8")))
            regimes[regime.id] = regime
    return regimes


def regime_ids() -> list[str]:
    """Ids of every bundled regime, sorted."""
    return sorted(_bundled())


def all_regimes() -> list[Regime]:
    """Every bundled regime, by id."""
    return [_bundled()[k] for k in regime_ids()]


def get_regime(regime_id: str) -> Regime:
    """The bundled regime with this id.

    Raises
    ------
    NotFoundError
        If there is none; the message lists the valid ids.
    """
    try:
        return _bundled()[regime_id]
    except KeyError:
        msg = f"unknown fiscal regime {regime_id!r}; valid regimes: {', '.join(regime_ids())}"
        raise NotFoundError(msg) from None


def terms_with_overrides(regime: Regime, overrides: dict[str, Any]) -> FiscalTerms:
    """The regime's terms with ``overrides`` (top-level term names) replacing the preset's values.

    Raises
    ------
    pydantic.ValidationError
        If an override names no term or gives an invalid value.
    """
    data = regime.terms.model_dump(mode="json", exclude_none=True)
    data.update(overrides)
    return FiscalTerms.model_validate(data)


__all__ = [
    "AdvanceRoyalty",
    "Depreciation",
    "FiscalTerms",
    "ProfitShare",
    "Regime",
    "Royalty",
    "TaxHoliday",
    "ValidationError",
    "all_regimes",
    "get_regime",
    "regime_ids",
    "terms_with_overrides",
]
