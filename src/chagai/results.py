"""Typed results: what the services answer, as the command line's ``--json`` and the web API return them.

Each result is a pydantic model the API uses directly as its response model, so the OpenAPI document describes
exactly what a service gives. A figure that is undefined (an IRR with no sign change, a DSCR without debt) is NaN
in Python and ``null`` in JSON (:data:`Number`), never NaN or an infinity.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, PlainSerializer

from chagai.cases.schema import Claim, MoneyBasis, Share
from chagai.formatting import figure_text, percent_text


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


Number = Annotated[float, PlainSerializer(_finite_or_none, return_type=float | None, when_used="json")]
"""A float that is ``null`` in JSON when it is NaN or infinite (undefined, or outside what was searched)."""


class Result(BaseModel):
    """Base of the results: frozen, and no field beyond those declared."""

    model_config = ConfigDict(frozen=True, extra="forbid")


# ---------------------------------------------------------------------------------------------------------
# appraisal


class Figure(Result):
    """A number with its name, unit and basis (what it includes, at what rate, in which dollars)."""

    key: str
    label: str
    value: Number = Field(description="null when undefined")
    unit: str
    basis: str = ""


class Stakeholder(Result):
    """What one party puts in and takes out, valued at the scenario's rate [US$m]."""

    party: str
    label: str
    level: str
    kind: str
    npv: Number
    irr: Number
    irr_note: str
    payback_year: Number
    paid_in: Number
    received: Number


class FacilityTerms(Result):
    """A loan as the appraisal runs it: amount [US$m], the real rate run and the rate quoted [fraction]."""

    id: str
    lender: str = Field(description="the lender's label")
    kind: str
    amount: Number
    rate: Number = Field(description="the real rate the model runs, as the cash flows [fraction]")
    quoted_rate: Number = Field(description="the rate the source quotes [fraction]")
    rate_basis: str = Field(description="how the source quotes the rate (nominal or real)")
    grace_years: Number
    tenor_years: Number
    repayment: str
    status: str


class Lenders(Result):
    """Debt capacity and cover ratios of the loan package."""

    facilities: list[FacilityTerms]
    total_debt: Number
    debt_rate: Number
    min_dscr: Number
    min_dscr_year: int | None
    average_dscr: Number
    llcr: Number
    llcr_year: int | None
    plcr: Number
    default_year: int | None
    max_shortfall: Number
    final_maturity: int | None
    basis: str = Field(default="", description="how DSCR, LLCR and PLCR are measured: money basis, CFADS, years, rate")
    rate_basis: str = Field(default="", description="how the quoted loan rates became the real rates used (and shown)")


class SaleValue(Result):
    """What a stake sale of the scenario is worth to its buyer and its seller, at the appraisal's rate [US$m].

    The price is a transfer in the sale year: the buyer pays it, the seller (each selling party pro rata to the
    share it gives up) receives it. The seller's gain is against holding: its NPV with the sale minus its NPV in
    the same scenario without this sale. An indifference price is the price at which that party's NPV (buyer) or
    gain (seller) is zero; the seller's government receipts add the taxes the sold share pays afterwards
    (dividend withholding on a private buyer).
    """

    share: float
    seller: str
    buyer: str
    year: int
    price: Number = Field(description="null when the sale has no price")
    buyer_npv: Number
    buyer_irr: Number
    buyer_irr_note: str
    buyer_indifference_price: Number
    seller_npv_with_sale: Number
    seller_npv_holding: Number
    seller_gain: Number
    seller_indifference_price: Number
    seller_government_gain: Number = Field(
        description="change in the PV of the seller's government's receipts (null: a private seller)"
    )
    basis: str


class ProgressivityPoint(Result):
    """Government take at one price level."""

    price_factor: Number
    price: Number
    pre_tax_irr: Number
    aetr: Number


class GovernmentItem(Result):
    """Receipts of each government from one item [US$m, undiscounted unless the item says PV]."""

    item: str
    federal: Number
    provincial: Number


VerdictStatus = Literal["agree", "disagree", "cannot check"]
"""What the model says of a claim."""


class Verdict(Result):
    """What the model says of a claim, and by which rule."""

    status: VerdictStatus
    model_value: Number | None = Field(description="the model's figure in the claim's unit")
    difference: Number | None = Field(
        description="model / claim - 1, against the nearest end of a range (scale relative); model - claim in years "
        "(scale years); null when the claim is zero"
    )
    basis: str = Field(description="what the model's figure is, or why there is none")
    period: str = Field(default="", description="the basis the claim was read on: year 2029, run-rate, life ...")
    bound: Literal["about", "at-least", "at-most"] = "about"
    tolerance: Number | None = Field(
        default=None, description="how far the model may be and still agree: a fraction (relative) or years"
    )
    scale: Literal["relative", "years"] = Field(default="relative", description="the unit of difference and tolerance")
    rule: str = Field(default="", description="when the claim agrees, in words")

    @property
    def model_text(self) -> str:
        """The model's figure as a reader sees it, in the claim's unit: ``2,649``, ``2030`` or ``n/a``."""
        if self.model_value is None:
            return "n/a"
        if self.scale == "years":
            return f"{self.model_value:.0f}"
        return figure_text(self.model_value)

    @property
    def difference_text(self) -> str:
        """The difference as a reader sees it: ``-15%``, ``+2 yr``, ``0%`` or empty."""
        if self.difference is None:
            return ""
        if not math.isfinite(self.difference):
            return "n/a (the claim is zero)"
        if self.scale == "years":
            return f"{self.difference:+g} yr" if self.difference else "0 yr"
        return f"{self.difference:+.0%}" if round(self.difference, 2) else "0%"

    @property
    def tolerance_text(self) -> str:
        """The tolerance as a reader sees it: ``±15%``, ``0%`` (a strict bound), ``±1 yr`` or empty."""
        if self.tolerance is None:
            return ""
        if self.scale == "years":
            return f"±{self.tolerance:g} yr" if self.bound == "about" else f"{self.tolerance:g} yr"
        text = percent_text(self.tolerance)
        return f"±{text}" if self.bound == "about" else text


class ClaimCheck(Verdict):
    """The verdict on one claim: the model's figure beside the claim, the difference, the tolerance and the rule."""

    claim_id: str
    statement: str
    metric: str
    claimed: str
    unit: str
    source: list[str]

    def verdict(self) -> Verdict:
        """The verdict alone, without the claim it is on."""
        return Verdict.model_validate(self.model_dump(include=set(Verdict.model_fields)))


class ProjectName(Result):
    """A project's id and name."""

    id: str
    name: str


class SaleTerms(Result):
    """A stake sale of the scenario."""

    share: float
    seller: str
    buyer: str
    year: int
    price: Number | None
    new_buyer: bool = Field(default=False, description="the buyer is not a party of the case")


class Override(Result):
    """An input changed for the run (never credited to the replaced value's source)."""

    path: str
    value: str


class ScenarioRun(Result):
    """The scenario as run."""

    delay: int
    overrun: float
    deck: str
    price_factor: float
    regime: str = Field(default="base", description="the fiscal terms run: base or a named alternative")
    sales: list[SaleTerms]
    overrides: list[Override] = Field(description="input changes of the run (path and value, as YAML)")
    changes: list[str] = Field(description="everything the scenario changes, in words")
    discount_rate: float
    valuation_year: int


class AnnualTable(Result):
    """The annual table: one list per line item (unit in the name), one value per year."""

    years: list[int]
    columns: dict[str, list[Number]]


class Appraisal(Result):
    """An appraisal: figures with their basis, stakeholders, lenders, government receipts, claims, annual table."""

    project: ProjectName
    chagai_version: str
    inputs_hash: str
    scenario: ScenarioRun
    basis: str
    figures: list[Figure]
    stakeholders: list[Stakeholder]
    lenders: Lenders | None
    progressivity: list[ProgressivityPoint]
    claims: list[ClaimCheck]
    sales: list[SaleValue]
    notes: list[str]
    annual: AnnualTable
    government: list[GovernmentItem] = Field(description="each government's receipts by item")


class CompareRow(Result):
    """One measure across the compared projects."""

    key: str
    label: str
    unit: str
    values: list[Number | str | None]


class Comparison(Result):
    """Projects side by side under the same basis."""

    projects: list[ProjectName]
    basis: str
    rows: list[CompareRow]


# ---------------------------------------------------------------------------------------------------------
# registry views


class ProjectRow(Result):
    """One row of the registry table: Project | Resource | Operator/Partner | Status."""

    id: str
    project: str
    resource: str
    operator: str
    status: str | None
    status_text: str
    region: str
    district: str | None
    economics: bool = Field(description="whether the project can be appraised (production and costs known)")


class StatusOut(Result):
    """A status the project entered on a date."""

    status: str
    start: dt.date
    note: str | None = None
    source: list[str] = Field(default_factory=list)
    estimate: str | None = None


class PartyOut(Result):
    """A company, government, state company, lender or buyer of the project."""

    id: str
    name: str
    short_name: str | None
    label: str
    kind: str
    country: str | None
    government_level: str | None


class LocationOut(Result):
    """Where the project is (WGS84)."""

    lat: float
    lon: float
    precision: str
    country: str
    region: str
    district: str | None


class ProjectDetail(Result):
    """One project: identity, status history, location, parties, and links to its records and exports."""

    id: str
    name: str
    aliases: list[str]
    kind: str
    commodities: list[str]
    resource: str
    operator: str
    description: str | None
    as_of: dt.date
    status: StatusOut | None = Field(description="the status in force today")
    status_history: list[StatusOut]
    location: LocationOut
    money: MoneyBasis
    fiscal_regime: str | None
    has_economics: bool
    parties: list[PartyOut]
    content_hash: str = Field(description="SHA-256 of the case's content")
    links: dict[str, str]


class StakeOut(Result):
    """A dated equity interest (``index`` is its position among the case's stakes, as edits name it)."""

    index: int
    party: str
    party_label: str
    share: Share
    share_low: float
    share_high: float
    kind: str
    start: dt.date
    end: dt.date | None
    funded_by: str | None
    from_party: str | None
    carry_rate: float | None = Field(description="interest on the funder's contributions [fraction]")
    source: list[str]
    estimate: str | None
    note: str | None


class FacilityOut(Result):
    """A loan or guarantee, with its amount in US$ million and its rate as a decimal."""

    id: str
    lender: str
    lender_label: str
    kind: str
    instrument: str
    seniority: str
    amount_usd_m: float
    rate: float
    grace_years: float
    tenor_years: float
    repayment: str
    target_dscr: float | None
    status: str
    source: list[str]
    estimate: str | None
    note: str | None


class ClaimOut(Claim):
    """A claim with the model's verdict (base case, 10%)."""

    check: Verdict


class ChangeOut(Result):
    """One recorded change of a project: who changed which field, when, from what to what."""

    id: int
    batch: str
    at: dt.datetime
    actor: str
    action: str
    path: str
    old: JsonValue = None
    new: JsonValue = None


# ---------------------------------------------------------------------------------------------------------
# simulation and sensitivity
#
# The results of the Monte Carlo (services.simulate) and of the sensitivity report (services.sensitivity) go
# here.
