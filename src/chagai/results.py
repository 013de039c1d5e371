"""Typed results: what the services answer, as the command line's ``--json`` and the web API return them.

Each result is a pydantic model the API uses directly as its response model, so the OpenAPI document describes
exactly what a service gives. A figure that is undefined (an IRR with no sign change, a DSCR without debt) is NaN
in Python and ``null`` in JSON (:data:`Number`), never NaN or an infinity.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    PlainSerializer,
    PrivateAttr,
    computed_field,
)

from chagai.cases.schema import Claim, MoneyBasis, Share
from chagai.errors import InputError, Issue
from chagai.formatting import figure_text, percent_text

if TYPE_CHECKING:
    import numpy as np

    from chagai.cases.compile import Compiled
    from chagai.cases.schema import Case
    from chagai.risk.montecarlo import SimulationArrays
    from chagai.risk.prices import PriceModels
    from chagai.risk.security import SecurityProfile
    from chagai.risk.sensitivity.evaluator import Evaluator


def _no_values() -> np.ndarray:
    """An empty array of draws (numpy is loaded only when a result holds arrays)."""
    import numpy as np

    return np.zeros(0)


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _nan_for_null(value: Any) -> Any:
    """An undefined number read back from JSON (``null``) is NaN again."""
    return math.nan if value is None else value


Number = Annotated[
    float,
    BeforeValidator(_nan_for_null),
    PlainSerializer(_finite_or_none, return_type=float | None, when_used="json"),
]
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


class RiskSettings(BaseModel):
    """Which risks a Monte Carlo run draws, and how prices trend.

    ``price_trend``:

    * ``deck`` keeps each price's expected (mean) level at the case's deck price in every year: a mean-reverting
      log price reverts to a level set year by year so that E[P_t] = deck (its median lies below the deck, by
      the factor exp(-var_t / 2)); a GBM price has drift 0 (mean at the deck, median deck exp(-sigma^2 t / 2)).
    * ``calibrated`` uses the calibrated models: a mean-reverting price's median reverts to the calibrated
      long-run price (its mean lies above it, by exp(var_t / 2)); a GBM price's mean grows at the calibrated
      drift, E[P_t] = deck exp(drift t).
    """

    model_config = ConfigDict(frozen=True)

    prices: bool = True
    security: bool = True
    schedule: bool = True
    price_trend: str = "deck"
    volatility_factor: float = 1.0
    profile: str | None = None

    @classmethod
    def parse(cls, text: str) -> RiskSettings:
        """Read ``prices=off,security=on,trend=calibrated,volatility=1.5,profile=balochistan-mine``."""
        values = dict(part.split("=", 1) for part in filter(None, (p.strip() for p in text.split(","))) if "=" in part)
        known = {"prices", "security", "schedule", "trend", "volatility", "profile"}
        unknown = sorted(set(values) - known)
        if unknown or (text.strip() and not values):
            issue = Issue("--risk", text, f"key=value pairs with keys among {', '.join(sorted(known))}", "fix it")
            raise InputError([issue])

        def flag(name: str) -> bool:
            value = values.get(name, "on").lower()
            if value not in ("on", "off", "true", "false", "1", "0"):
                raise InputError([Issue(f"--risk {name}", value, "on or off", "write on or off")])
            return value in ("on", "true", "1")

        trend = values.get("trend", "deck")
        if trend not in ("deck", "calibrated"):
            raise InputError([Issue("--risk trend", trend, "deck or calibrated", "choose one")])
        return cls(
            prices=flag("prices"),
            security=flag("security"),
            schedule=flag("schedule"),
            price_trend=trend,
            volatility_factor=float(values.get("volatility", 1.0)),
            profile=values.get("profile"),
        )


class Distribution(BaseModel):
    """Summary of one result over the valid paths of a run: mean, P10, P50, P90 in ``unit``."""

    key: str
    label: str
    unit: str
    mean: Number
    p10: Number
    p50: Number
    p90: Number
    defined: int = Field(description="number of paths where the result is defined")


class IrrPercentiles(BaseModel):
    """IRR percentiles of a stakeholder over the sampled paths [fraction]."""

    p10: Number
    p50: Number
    p90: Number
    defined: int


class SimulationStakeholder(BaseModel):
    """NPV distribution of one stakeholder [US$m], probability of a loss, IRR percentiles."""

    party: str
    label: str
    level: str
    unit: str
    mean: Number
    p10: Number
    p50: Number
    p90: Number
    defined: int
    p_loss: Number = Field(description="share of the valid paths where the stakeholder's NPV is negative")
    irr: IrrPercentiles | None = None


class Probabilities(BaseModel):
    """Shares of the valid paths where the project or its loans fare badly."""

    npv_post_tax_below_zero: Number
    min_dscr_below_1: Number
    default: Number = Field(description="CFADS short of debt service in some year")


class FailedPath(BaseModel):
    """A path that failed, with its drawn inputs."""

    path: int
    status: str
    delay_years: Number
    capex_factor: Number
    mean_availability: Number
    active_share: Number


class Failures(BaseModel):
    """Paths that failed, with the inputs of the first few."""

    count: int
    examples: list[FailedPath]


class Histogram(BaseModel):
    """A result's distribution over the valid paths: bin edges [unit] and the number of paths in each bin."""

    key: str
    label: str
    unit: str
    edges: list[float]
    counts: list[int]


_KEPT_ON_THE_RUN = "the paths of a run are kept only by the run itself, not by its JSON form"


class Simulation(BaseModel):
    """The result of a Monte Carlo run, with what is needed to replay it.

    The object a run returns also keeps its compiled case and every path's results (:attr:`arrays`, for charts
    and the draws file); a simulation read back from JSON has the summaries only.
    """

    project: ProjectName
    chagai_version: str
    inputs_hash: str
    seed: int
    paths: int
    chunk_size: int
    threads: int
    wall_seconds: Number
    risk: RiskSettings
    security_profile: str | None
    basis: str
    distributions: list[Distribution]
    stakeholders: list[SimulationStakeholder]
    irr_sample_paths: int
    probabilities: Probabilities = Field(
        description="npv_post_tax_below_zero, min_dscr_below_1, default (each a share of the paths)"
    )
    first_default_year: dict[int, int] = Field(description="number of paths whose loans first default in each year")
    failures: Failures
    histograms: list[Histogram] = Field(default_factory=list)

    _compiled: Compiled | None = PrivateAttr(default=None)
    _arrays: SimulationArrays | None = PrivateAttr(default=None)
    _valid: np.ndarray | None = PrivateAttr(default=None)
    _profile: SecurityProfile | None = PrivateAttr(default=None)
    _price_models: PriceModels | None = PrivateAttr(default=None)

    def keep_run(
        self,
        compiled: Compiled,
        arrays: SimulationArrays,
        valid: np.ndarray,
        profile: SecurityProfile | None,
        price_models: PriceModels | None,
    ) -> Simulation:
        """Keep the run's compiled case, per-path results, valid paths, security profile, price models; return self."""
        self._compiled, self._arrays, self._valid = compiled, arrays, valid
        self._profile, self._price_models = profile, price_models
        return self

    @property
    def compiled(self) -> Compiled:
        """The simulated case, compiled under the scenario."""
        if self._compiled is None:
            raise AttributeError(_KEPT_ON_THE_RUN)
        return self._compiled

    @property
    def case(self) -> Case:
        """The simulated case."""
        return self.compiled.case

    @property
    def arrays(self) -> SimulationArrays:
        """Every path's inputs and results."""
        if self._arrays is None:
            raise AttributeError(_KEPT_ON_THE_RUN)
        return self._arrays

    @property
    def valid(self) -> np.ndarray:
        """Mask of the paths that ran without failure."""
        if self._valid is None:
            raise AttributeError(_KEPT_ON_THE_RUN)
        return self._valid

    def distribution(self, key: str) -> Distribution:
        """The distribution of one result, by key (``npv_post_tax``, ``min_dscr``, ``irr_post_tax`` ...)."""
        for distribution in self.distributions:
            if distribution.key == key:
                return distribution
        raise KeyError(key)

    @property
    def profile(self) -> SecurityProfile | None:
        """The security profile the run drew from (none when it drew no security or schedule risk)."""
        return self._profile

    @property
    def price_models(self) -> PriceModels | None:
        """The price models the run drew from (none when prices were not drawn)."""
        return self._price_models


class Factor(BaseModel):
    """One uncertain input of the model, its base value and its range.

    Parameters
    ----------
    name
        Key in the mapping the sensitivity evaluator takes (``copper_price``, ``capex`` ...).
    label
        What it is, in words.
    unit
        Unit of its values (``x`` for a multiplier).
    base
        Value in the deterministic appraisal.
    low, high
        Ends of its range of uncertainty, ``low <= base <= high``.
    source
        Where the range comes from (``source: ...``) or why it was chosen (``estimate: ...``).
    integer
        Whether the model takes whole values only (the delay, in years).
    """

    model_config = ConfigDict(frozen=True)

    name: str
    label: str
    unit: str
    base: Number
    low: Number
    high: Number
    source: str
    integer: bool = False


class TornadoBar(BaseModel):
    """One factor moved from its low to its high value, the others at base, and what one output does."""

    model_config = ConfigDict(frozen=True)

    factor: str
    label: str
    unit: str
    low_value: Number
    high_value: Number
    output: str
    base: Number
    at_low: Number
    at_high: Number
    swing: Number


class SobolIndex(BaseModel):
    """First-order and total Sobol index of one input, with the half-width of their 95% bootstrap intervals."""

    model_config = ConfigDict(frozen=True)

    factor: str
    S1: Number
    S1_conf: Number
    ST: Number
    ST_conf: Number


class SobolResult(BaseModel):
    """Variance-based sensitivity of one output (Saltelli sampling, SALib), inputs uniform over their ranges."""

    model_config = ConfigDict(frozen=True)

    output: str
    indices: list[SobolIndex]
    n: int
    runs: int
    seconds: Number
    seed: int
    basis: str = ""

    def index(self, factor: str) -> SobolIndex:
        """The indices of one input."""
        for row in self.indices:
            if row.factor == factor:
                return row
        raise KeyError(factor)


class SobolRefusal(BaseModel):
    """Why a Sobol analysis was not run (an output NaN in some runs, or constant)."""

    refused: str


class BreakevenDistribution(BaseModel):
    """Distribution of the after-tax breakeven price of the primary commodity over the non-price risks.

    Prices are in ``unit`` (the case's display unit). ``deterministic`` is the breakeven with no risk drawn (the
    figure the appraisal reports). ``defined`` draws have a breakeven within the prices searched; ``below`` pay at
    every price searched (their breakeven, and a percentile that falls on them, is ``-inf``) and ``above`` at none
    (``+inf``). The object an analysis returns also keeps every draw's breakeven (:attr:`values`).
    """

    commodity: str
    unit: str
    deck_price: Number
    deterministic: Number
    p10: Number
    p50: Number
    p90: Number
    mean: Number
    n: int
    defined: int
    below: int
    above: int
    seed: int
    seconds: Number
    runs: int
    basis: str

    _values: np.ndarray = PrivateAttr(default_factory=_no_values)

    def keep_values(self, values: np.ndarray) -> BreakevenDistribution:
        """Keep every draw's breakeven price [unit]; return self."""
        self._values = values
        return self

    @property
    def values(self) -> np.ndarray:
        """Every draw's breakeven price [unit] (empty when read back from JSON)."""
        return self._values


class InfoGapRow(BaseModel):
    """Robustness of one output to one input (Ben-Haim info-gap, one factor at a time).

    ``horizon`` is the smallest fractional deviation ``|u - u0| / |u0|`` of the input from its base at which the
    output crosses its critical level (``inf``: not within the input's range, ``null`` in JSON with ``crosses``
    false); ``direction`` says which way (``low`` or ``high``), ``input_at_horizon`` the input value there and
    ``share_of_range`` how far into that side of the range it lies. ``margin_used`` is the largest share of the
    safety margin (base output - critical level) the input consumes anywhere in its range (1 or more: it crosses;
    ``inf`` where the output becomes undefined, e.g. an AETR with a non-positive pre-tax PV). ``swing`` is
    ``|output(high) - output(low)|`` over the range. ``rank`` 1 is the least robust input for the output.
    """

    model_config = ConfigDict(frozen=True)

    output: str
    factor: str
    label: str
    unit: str
    base_input: Number
    base_output: Number
    critical: Number
    criterion: str
    horizon: Number
    direction: str | None
    input_at_horizon: Number
    share_of_range: Number
    margin_used: Number
    swing: Number
    rank: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def crosses(self) -> bool:
        """Whether the output crosses its critical level within the input's range."""
        return math.isfinite(self.horizon)


class Sensitivity(BaseModel):
    """What drives the answer: tornado, Sobol indices, breakeven distribution and information gap of one case.

    The object an analysis returns also keeps its :attr:`evaluator` (the compiled case, factors and output labels).
    """

    project: ProjectName
    basis: str
    factors: list[Factor]
    base_outputs: dict[str, Number]
    tornado: list[TornadoBar]
    sobol: dict[str, SobolResult | SobolRefusal]
    breakeven: BreakevenDistribution
    information_gap: list[InfoGapRow]
    runs: int
    seconds: Number

    _evaluator: Evaluator | None = PrivateAttr(default=None)

    def keep_evaluator(self, evaluator: Evaluator) -> Sensitivity:
        """Keep the evaluator the analyses ran on; return self."""
        self._evaluator = evaluator
        return self

    @property
    def evaluator(self) -> Evaluator:
        """The evaluator the analyses ran on: compiled case, factors, output labels."""
        if self._evaluator is None:
            msg = "the evaluator of an analysis is kept only by the analysis itself, not by its JSON form"
            raise AttributeError(msg)
        return self._evaluator
