"""Request and response bodies of the JSON API (pydantic), which the OpenAPI document describes.

Requests forbid unknown fields (a misspelt ``overun`` is an error, not silently ignored) and bound every number
to what the model can run. Responses mirror the services' own ``as_dict`` forms, or are the typed results of
:mod:`chagai.results` (simulations); a figure that is undefined (an IRR with no sign change, a DSCR without debt)
is ``null``, never NaN. Records of a case (claims, sources,
stakes, whole cases) are the case schema's own models, so the API accepts exactly what a case file does.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from chagai.cases.compile import Scenario, StakeSale
from chagai.cases.schema import Claim, Commodity, MoneyBasis, Share, Slug
from chagai.errors import InputError, Issue
from chagai.results import RiskSettings, Simulation
from chagai.web.jobs import MAX_PATHS

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class Request(BaseModel):
    """Base of request bodies: unknown fields are errors."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


# ---------------------------------------------------------------------------------------------------------
# errors


class IssueOut(BaseModel):
    """One problem with a request: the field, the value sent, what was expected and how to fix it."""

    field: str = Field(description="where: body.value, query.on, claims[3].source ...")
    value: Any = Field(default=None, description="the value sent (null when the field is missing)")
    missing: bool = Field(default=False, description="whether the field was missing")
    expected: str
    fix: str


class ErrorOut(BaseModel):
    """An error: a message, and for invalid input every problem found."""

    detail: str
    issues: list[IssueOut] = Field(default_factory=list)


# ---------------------------------------------------------------------------------------------------------
# scenarios


class ScenarioIn(Request):
    """Changes to the case for one run (all optional; the default is the case as it is, at 10%)."""

    delay: int = Field(0, ge=0, le=10, description="years the construction schedule slips [yr]")
    overrun: float = Field(1.0, ge=0.1, le=5.0, description="multiplier on initial and expansion capital [-]")
    deck: Slug = Field("base", description="price deck of the case")
    price_factor: float = Field(1.0, gt=0, le=20.0, description="multiplier on every price of the deck [-]")
    commodity_factors: dict[Commodity, Annotated[float, Field(gt=0, le=20.0)]] = Field(
        default_factory=dict, description='multiplier on one commodity\'s price, e.g. {"copper": 1.2} [-]'
    )
    availability: float = Field(1.0, ge=0.0, le=1.0, description="share of capacity that runs each year [fraction]")
    discount_rate: float = Field(0.10, ge=0.0, le=1.0, description="real discount rate [fraction]")
    valuation_year: int | None = Field(
        None, ge=2000, le=2100, description="year 0 of the NPVs (default: the year of the case's facts) [year]"
    )
    regime: Slug = Field(
        "base", description="fiscal terms: base, or a named alternative of the case (e.g. statutory) [-]"
    )

    def to_scenario(self, sell: list[str]) -> Scenario:
        """The model's scenario, with the stake sales read from ``sell``.

        Raises
        ------
        InputError
            If a sale is malformed or names a buyer that is not an id.
        """
        sales = []
        issues = []
        for i, text in enumerate(sell):
            try:
                sale = StakeSale.parse(text)
            except InputError as exc:
                issues += [dataclasses.replace(issue, path=f"body.sell[{i}]") for issue in exc.issues]
                continue
            for role, name in (("buyer", sale.buyer), ("seller", sale.seller)):
                if not _SLUG.match(name):
                    expected = f"a {role} id of lower-case letters, digits and hyphens (e.g. manara)"
                    issues.append(Issue(f"body.sell[{i}]", text, expected, f"write the {role} as an id"))
            sales.append(sale)
        if issues:
            raise InputError(issues)
        return Scenario(
            delay=self.delay,
            overrun=self.overrun,
            deck=self.deck,
            price_factor=self.price_factor,
            commodity_factors=tuple(sorted(self.commodity_factors.items())),
            availability=self.availability,
            sales=tuple(sales),
            valuation_year=self.valuation_year,
            discount_rate=self.discount_rate,
            regime=self.regime,
        )


Overrides = Annotated[
    dict[str, Any],
    Field(
        default_factory=dict,
        max_length=50,
        alias="set",
        description='changes to case inputs for this run, by path: {"prices.copper": 9000} (as `--set`)',
        examples=[{"prices.copper": 9000}],
    ),
]
Sales = Annotated[
    list[Annotated[str, Field(max_length=200)]],
    Field(
        default_factory=list,
        max_length=10,
        description="stake sales SHARE:SELLER->BUYER@YEAR[=PRICE_US$m], e.g. 15%:federal->manara@2027",
        examples=[["15%:federal->manara@2027"]],
    ),
]
ProjectName = Annotated[
    str, Field(min_length=1, max_length=200, description="project id, name or alias", examples=["reko-diq"])
]


class AppraisalRequest(Request):
    """What to appraise: a project, a scenario, input changes and stake sales."""

    project: ProjectName
    scenario: ScenarioIn = Field(default_factory=ScenarioIn)
    overrides: Overrides
    sell: Sales
    solve: bool = Field(True, description="also breakeven prices, METR and the progressivity curve")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "project": "Reco Diq",
                    "scenario": {"delay": 2, "overrun": 1.2},
                    "set": {"prices.copper": 9000},
                    "sell": ["15%:federal->manara@2027"],
                }
            ]
        }
    )


class RiskIn(Request):
    """Which risks a simulation draws."""

    prices: bool = Field(True, description="correlated stochastic price paths")
    security: bool = Field(True, description="security regime and outages")
    schedule: bool = Field(True, description="construction delay and capital overrun")
    price_trend: Literal["deck", "calibrated"] = Field(
        "deck",
        description="deck: the mean price stays at the case's deck; calibrated: the median price reverts to the "
        "calibrated long-run level (GBM: the mean grows at the calibrated drift)",
    )
    volatility_factor: float = Field(1.0, ge=0.0, le=5.0, description="multiplier on every price volatility [-]")
    profile: Slug | None = Field(None, description="security profile (default: the one for the case's kind)")

    def to_settings(self) -> RiskSettings:
        """The model's risk settings."""
        return RiskSettings(
            prices=self.prices,
            security=self.security,
            schedule=self.schedule,
            price_trend=self.price_trend,
            volatility_factor=self.volatility_factor,
            profile=self.profile,
        )


class SimulationRequest(Request):
    """A Monte Carlo run to start in the background."""

    project: ProjectName
    paths: int = Field(100_000, ge=1, le=MAX_PATHS, description="number of paths")
    seed: int = Field(7, ge=0, le=2**63 - 1, description="random seed (the same seed gives the same result)")
    scenario: ScenarioIn = Field(default_factory=ScenarioIn)
    overrides: Overrides
    sell: Sales
    risk: RiskIn = Field(default_factory=RiskIn)


# ---------------------------------------------------------------------------------------------------------
# registry views


class ProjectRow(BaseModel):
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


class StatusOut(BaseModel):
    """A status the project entered on a date."""

    status: str
    start: dt.date
    note: str | None = None
    source: list[str] = Field(default_factory=list)
    estimate: str | None = None


class PartyOut(BaseModel):
    """A company, government, state company, lender or buyer of the project."""

    id: str
    name: str
    short_name: str | None
    label: str
    kind: str
    country: str | None
    government_level: str | None


class LocationOut(BaseModel):
    """Where the project is (WGS84)."""

    lat: float
    lon: float
    precision: str
    country: str
    region: str
    district: str | None


class ProjectDetail(BaseModel):
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


class StakeOut(BaseModel):
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


class FacilityOut(BaseModel):
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


class CheckOut(BaseModel):
    """What the model says of a claim, and by which rule."""

    status: Literal["agree", "disagree", "cannot check"]
    model_value: float | None = Field(description="the model's figure in the claim's unit")
    difference: float | None = Field(
        description="model / claim - 1, against the nearest end of a range (scale relative); model - claim in years "
        "(scale years)"
    )
    basis: str = Field(description="what the model's figure is, or why there is none")
    period: str = Field(default="", description="the basis the claim was read on: year 2029, run-rate, life ...")
    bound: Literal["about", "at-least", "at-most"] = "about"
    tolerance: float | None = Field(
        default=None, description="how far the model may be and still agree: a fraction (relative) or years"
    )
    scale: Literal["relative", "years"] = Field(default="relative", description="the unit of difference and tolerance")
    rule: str = Field(default="", description="when the claim agrees, in words")


class ClaimOut(Claim):
    """A claim with the model's verdict (base case, 10%)."""

    check: CheckOut


class ChangeOut(BaseModel):
    """One recorded change of a project: who changed which field, when, from what to what."""

    id: int
    batch: str
    at: dt.datetime
    actor: str
    action: str
    path: str
    old: Any = None
    new: Any = None


class FieldEdit(Request):
    """Changes to fields of a project by path, as ``chagai edit --set`` (validated as a whole)."""

    assignments: dict[str, Any] = Field(
        alias="set",
        min_length=1,
        max_length=50,
        description='path: value, e.g. {"statuses[3].note": "review to mid-2027", "stakes[2].end": "2027-06-30"}',
        examples=[{"statuses[0].note": "exploration licence granted"}],
    )


# ---------------------------------------------------------------------------------------------------------
# appraisal


class ProjectRef(BaseModel):
    """A project's id and name."""

    id: str
    name: str


class FigureOut(BaseModel):
    """A headline figure with its unit and basis (``value`` is null when undefined)."""

    key: str
    label: str
    value: float | None
    unit: str
    basis: str


class StakeholderOut(BaseModel):
    """What one party puts in and takes out, valued at the scenario's rate [US$m]."""

    party: str
    label: str
    level: str
    kind: str
    npv: float | None
    irr: float | None
    irr_note: str
    payback_year: float | None
    paid_in: float | None
    received: float | None


class FacilityTerms(BaseModel):
    """A loan as the appraisal uses it."""

    id: str
    lender: str
    kind: str
    amount: float | None
    rate: float | None
    grace_years: float | None
    tenor_years: float | None
    repayment: str
    status: str


class LendersOut(BaseModel):
    """Debt capacity and cover ratios of the loan package."""

    facilities: list[FacilityTerms]
    total_debt: float | None
    debt_rate: float | None
    min_dscr: float | None
    min_dscr_year: int | None
    average_dscr: float | None
    llcr: float | None
    llcr_year: int | None
    plcr: float | None
    default_year: int | None
    max_shortfall: float | None
    final_maturity: int | None
    basis: str = Field(description="how DSCR, LLCR and PLCR are measured: money basis, CFADS, years, rate")


class ClaimCheckOut(BaseModel):
    """The verdict on one claim."""

    claim_id: str
    statement: str
    metric: str
    claimed: str
    unit: str
    status: Literal["agree", "disagree", "cannot check"]
    model_value: float | None = Field(description="the model's figure in the claim's unit")
    difference: float | None = Field(
        description="model / claim - 1, against the nearest end of a range (scale relative); model - claim in years "
        "(scale years)"
    )
    basis: str = Field(description="what the model's figure is, or why there is none")
    source: list[str]
    period: str = Field(description="the basis the claim was read on: year 2029, run-rate, life ...")
    bound: Literal["about", "at-least", "at-most"]
    tolerance: float | None = Field(description="how far the model may be and still agree: a fraction or years")
    scale: Literal["relative", "years"] = Field(description="the unit of difference and tolerance")
    rule: str = Field(description="when the claim agrees, in words")


class GovernmentItem(BaseModel):
    """Receipts of each government from one item [US$m, undiscounted unless the item says PV]."""

    item: str
    federal: float | None
    provincial: float | None


class SaleOut(BaseModel):
    """A stake sale of the scenario."""

    share: float
    seller: str
    buyer: str
    year: int
    price: float | None
    new_buyer: bool = Field(default=False, description="the buyer is not a party of the case")


class OverrideOut(BaseModel):
    """An input changed for the run (never credited to the replaced value's source)."""

    path: str
    value: str


class ScenarioOut(BaseModel):
    """The scenario as run."""

    delay: int
    overrun: float
    deck: str
    price_factor: float
    sales: list[SaleOut]
    overrides: list[OverrideOut] = Field(description="input changes of the run (path and value, as YAML)")
    changes: list[str] = Field(description="everything the scenario changes, in words")
    regime: str = Field(default="base", description="the fiscal terms run: base or a named alternative")
    discount_rate: float
    valuation_year: int


class SaleValueOut(BaseModel):
    """What a priced stake sale is worth to its buyer and its seller [US$m, fractions]."""

    share: float
    seller: str
    buyer: str
    year: int
    price: float | None
    buyer_npv: float | None
    buyer_irr: float | None
    buyer_irr_note: str
    buyer_indifference_price: float | None
    seller_npv_with_sale: float | None
    seller_npv_holding: float | None
    seller_gain: float | None
    seller_indifference_price: float | None
    seller_government_gain: float | None
    basis: str


class AnnualOut(BaseModel):
    """The annual table: one list per line item (unit in the name), one value per year."""

    years: list[int]
    columns: dict[str, list[float | None]]


class ProgressivityPoint(BaseModel):
    """Government take at one price level."""

    price_factor: float | None
    price: float | None
    pre_tax_irr: float | None
    aetr: float | None


class AppraisalOut(BaseModel):
    """An appraisal: figures with their basis, stakeholders, lenders, government receipts, claims, annual table."""

    project: ProjectRef
    chagai_version: str
    inputs_hash: str
    scenario: ScenarioOut
    basis: str
    figures: list[FigureOut]
    stakeholders: list[StakeholderOut]
    lenders: LendersOut | None
    government: list[GovernmentItem]
    progressivity: list[ProgressivityPoint]
    claims: list[ClaimCheckOut]
    sales: list[SaleValueOut]
    notes: list[str]
    annual: AnnualOut


class CompareRow(BaseModel):
    """One measure across the compared projects."""

    key: str
    label: str
    unit: str
    values: list[float | str | None]


class CompareOut(BaseModel):
    """Projects side by side under the same basis."""

    projects: list[ProjectRef]
    basis: str
    rows: list[CompareRow]


# ---------------------------------------------------------------------------------------------------------
# simulations


JobState = Literal["queued", "running", "done", "failed"]


class JobAccepted(BaseModel):
    """A simulation job was queued."""

    id: str
    status: JobState
    status_url: str


class JobOut(BaseModel):
    """A simulation job: its status, progress, and results once done."""

    id: str
    project: str
    status: JobState
    progress: float = Field(ge=0, le=1, description="share of the paths run")
    paths: int
    seed: int | None
    parameters: dict[str, Any]
    chagai_version: str
    inputs_hash: str
    created_at: dt.datetime | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    heartbeat_at: dt.datetime | None
    error: str | None
    results: Simulation | None
    status_url: str
