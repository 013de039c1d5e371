"""The case schema: one extractive project with every assumption's unit and source.

A case is what a user writes (YAML) and what the registry stores. Each numeric input is a *quantity*: a value,
the unit it was written in, and either ``source`` (ids of entries in the case's ``sources``) or
``estimate`` (the reasoning behind a figure no source gives). The unit must belong to the dimension the field
expects (a throughput in ``Mt/yr`` or ``kt/d``, never in ``US$m``); the model converts to canonical units only
when a case is compiled, so a case exported from the registry is the case that was imported.

Money is in US$ million in the real dollars of ``money.base_year`` unless ``money.basis`` says nominal.
Stake shares and fiscal rates given as plain numbers are decimals (0.25 for 25%).

Checks that involve several fields (stakes summing to 100%, references between sections, dates in order) live
in :mod:`chagai.cases.checks`; this module checks each field on its own.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from chagai.cases.units import DIMENSIONS

SCHEMA_VERSION = 1
"""Version of the case format written by this release."""

NAME_LIMIT = 200
"""Most characters of a name, an alias, a publisher or a label (the registry's columns hold 200)."""
SHORT_LIMIT = 100
"""Most characters of a short name, a country, a region or a district (the registry's columns hold 100)."""
TEXT_LIMIT = 10_000
"""Most characters of a free text: a note, a description, a statement, an estimate's reasoning."""
URL_LIMIT = 2_000
"""Most characters of a web address."""

_CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
CONTROL_IN_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
"""Characters refused in a one-line text: C0 and C1 control characters, DEL and lone surrogates."""


def _refuse_control(text: str, pattern: re.Pattern[str], allowed: str) -> str:
    found = pattern.search(text)
    if found is not None:
        char = found.group()
        raise invalid(
            "control_character",
            "control character U+{code} at character {position}",
            {
                "code": f"{ord(char):04X}",
                "position": found.start() + 1,
                "got": text,
                "expected": f"{allowed} without control characters (found U+{ord(char):04X} at character "
                f"{found.start() + 1})",
                "fix": "remove the control character (often pasted with the text): retype the text",
            },
        )
    return text


def _one_line(text: str) -> str:
    return _refuse_control(text, CONTROL_IN_LINE, "text on one line")


def _free_text(text: str) -> str:
    return _refuse_control(text, _CONTROL_IN_TEXT, "text (tabs and line breaks allowed)")


Label = Annotated[str, StringConstraints(min_length=1, max_length=NAME_LIMIT), AfterValidator(_one_line)]
"""A name, alias, publisher or label: one line of at most :data:`NAME_LIMIT` characters."""

ShortLabel = Annotated[str, StringConstraints(min_length=1, max_length=SHORT_LIMIT), AfterValidator(_one_line)]
"""A short name, country, region or district: one line of at most :data:`SHORT_LIMIT` characters."""

Text = Annotated[str, StringConstraints(max_length=TEXT_LIMIT), AfterValidator(_free_text)]
"""Free text (a note, a description, reasoning): at most :data:`TEXT_LIMIT` characters; tabs and line breaks
allowed, other control characters (NUL, C0, C1, lone surrogates) refused everywhere."""

Reference = Annotated[str, StringConstraints(max_length=80), AfterValidator(_one_line)]
"""The id of another entry in the case (checked against the entries by :mod:`chagai.cases.checks`)."""

UnitName = Annotated[str, StringConstraints(max_length=20), AfterValidator(_one_line)]
"""The name of a unit (checked against the known units)."""

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=80)]
"""Identifier: lower-case letters and digits in words joined by single hyphens (``reko-diq``)."""

PartialDate = Annotated[str, StringConstraints(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")]
"""A date known to the year, month or day: ``2025``, ``2025-05`` or ``2025-05-15``."""

Year = Annotated[int, Field(ge=1900, le=2200)]
"""A calendar year."""

Commodity = Literal[
    "copper", "gold", "silver", "molybdenum", "lead", "zinc", "iron-ore", "barytes", "lithium", "natural-gas"
]
"""Commodities chagai knows, by canonical name."""

STATUSES = ("exploration", "development", "construction", "operating", "depleting", "suspended", "closed")
Status = Literal["exploration", "development", "construction", "operating", "depleting", "suspended", "closed"]
"""Project status vocabulary (after the Global Energy Monitor trackers)."""

StakeKind = Literal["paid", "funded-by-another-party", "free-carried", "proposed"]
"""How a stake is paid for: by its holder, by another party on its behalf, carried free, or only proposed."""

Confidence = Literal["H", "M", "L"]
"""H: official or several agreeing reports; M: one reputable report; L: unverified, conflicting or weak."""


class StrictModel(BaseModel):
    """Base of every schema model: unknown fields are errors, values are checked on assignment too."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False, allow_inf_nan=False)


def invalid(kind: str, message: str, context: dict[str, Any]) -> PydanticCustomError:
    """Build a validation error whose context says what was expected and how to fix it.

    ``context`` must hold ``expected`` and ``fix``, may hold ``got`` (the value to show, when the input as a
    whole would say too much), and other keys fill ``{placeholders}`` in ``message``.
    """
    return PydanticCustomError(kind, message, context)


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class Sourced(StrictModel):
    """Something that carries its provenance: source ids, or the reasoning of an estimate (or both)."""

    source: list[Reference] = Field(default_factory=list, description="ids of entries in the case's sources")
    estimate: Text | None = Field(default=None, description="reasoning behind a figure no source gives")

    _source_list = field_validator("source", mode="before")(_as_list)

    @model_validator(mode="after")
    def _has_provenance(self) -> Sourced:
        if not self.source and not (self.estimate and self.estimate.strip()):
            raise invalid(
                "provenance_missing",
                "no source and no estimate",
                {
                    "expected": "`source: [id, ...]` naming entries in `sources`, or `estimate: <reasoning>`",
                    "fix": "cite where the figure comes from, or mark it as an estimate and say why",
                },
            )
        return self


class Quantity(Sourced):
    """A number with its unit and provenance.

    Subclasses fix the dimension(s) the unit must belong to and the allowed range of the value in the
    canonical unit.
    """

    dimensions: ClassVar[tuple[str, ...]] = ()
    minimum: ClassVar[float | None] = 0.0
    maximum: ClassVar[float | None] = None

    value: float
    unit: UnitName

    @field_validator("value")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise invalid("not_finite", "not a finite number", {"expected": "a finite number", "fix": "give a number"})
        return value

    @field_validator("unit")
    @classmethod
    def _known_unit(cls, unit: str) -> str:
        allowed = [u for d in cls.dimensions for u in DIMENSIONS[d].factors]
        if unit not in allowed:
            names = " or ".join(cls.dimensions)
            raise invalid(
                "wrong_unit",
                "unit {unit!r} is not a unit of {dimension}",
                {
                    "unit": unit,
                    "dimension": names,
                    "expected": f"a unit of {names}: {', '.join(allowed)}",
                    "fix": f"write the value in one of: {', '.join(allowed)}",
                },
            )
        return unit

    @model_validator(mode="after")
    def _in_range(self) -> Quantity:
        canonical = self.canonical()
        low, high = self.minimum, self.maximum
        if (low is not None and canonical < low) or (high is not None and canonical > high):
            unit = DIMENSIONS[self.dimension].canonical
            bounds = f"between {low} and {high}" if high is not None else f">= {low}"
            raise invalid(
                "out_of_range",
                "{value} {unit} is out of range",
                {
                    "value": self.value,
                    "unit": self.unit,
                    "got": f"{self.value} {self.unit}",
                    "expected": f"a value {bounds} (in {unit})",
                    "fix": "check the sign and the unit of the figure",
                },
            )
        return self

    @property
    def dimension(self) -> str:
        """The dimension the unit belongs to (the first of the field's dimensions that accepts it)."""
        return next(d for d in self.dimensions if self.unit in DIMENSIONS[d].factors)

    def canonical(self) -> float:
        """The value converted to the canonical unit of its dimension."""
        return self.value * DIMENSIONS[self.dimension].factor(self.unit)

    def to(self, unit: str) -> float:
        """The value converted to ``unit`` (of the same dimension)."""
        return self.canonical() / DIMENSIONS[self.dimension].factor(unit)


class Fraction(Quantity):
    """A share or rate between 0 and 1 [fraction or %]."""

    dimensions = ("fraction",)
    maximum = 1.0


class Mass(Quantity):
    """A mass of ore or metal [t, kt, Mt, lb ...]."""

    dimensions = ("mass",)


class MassRate(Quantity):
    """A mass per year [t/yr, Mt/yr, t/d ...]."""

    dimensions = ("mass_rate",)


class Grade(Quantity):
    """Metal content of ore or concentrate [%, g/t, ppm]."""

    dimensions = ("grade",)
    maximum = 1.0


class GoldMass(Quantity):
    """Precious metal [oz, koz, Moz, t]."""

    dimensions = ("gold_mass",)


class Money(Quantity):
    """An amount of money [US$m, US$bn ...]."""

    dimensions = ("money",)


class MoneyRate(Quantity):
    """Money per year [US$m/yr ...]."""

    dimensions = ("money_rate",)


class CostPerMass(Quantity):
    """Cost per tonne handled [US$/t]."""

    dimensions = ("cost_per_mass",)


class Price(Quantity):
    """A commodity price [US$/t, US$/lb, US$/oz, US$/MMBtu, US$/Mscf]."""

    dimensions = ("price_per_mass", "price_per_energy", "price_per_gas_volume")


class GasVolume(Quantity):
    """A volume of gas [MMscf, bcf, Tcf]."""

    dimensions = ("gas_volume",)


class GasRate(Quantity):
    """A gas production rate [MMscf/d, MMcfd, bcf/yr]."""

    dimensions = ("gas_rate",)


class HeatingValue(Quantity):
    """Energy content of gas [MMBtu/Mscf, Btu/scf]."""

    dimensions = ("energy_per_gas_volume",)


class Duration(Quantity):
    """A length of time [yr, months, d]."""

    dimensions = ("duration",)


class RatePerYear(Quantity):
    """A rate per year, such as a decline rate [1/yr, %/yr]."""

    dimensions = ("rate_per_year",)
    maximum = 10.0


class Ratio(Quantity):
    """A dimensionless ratio such as a strip ratio [ratio, w/o]."""

    dimensions = ("ratio",)


class Count(Quantity):
    """A count of people or things [count, jobs]."""

    dimensions = ("count",)


class UnitGasCost(Quantity):
    """Cost per volume of gas [US$/Mscf]."""

    dimensions = ("price_per_gas_volume",)


# ---------------------------------------------------------------------------------------------------------
# Identity, provenance, ownership


class Source(StrictModel):
    """A published statement the case relies on."""

    id: Slug
    title: Annotated[Text, Field(min_length=1)]
    publisher: Label
    date: PartialDate | None = None
    url: (
        Annotated[str, StringConstraints(pattern=r"^https?://\S+$", max_length=URL_LIMIT), AfterValidator(_one_line)]
        | None
    ) = None
    confidence: Confidence | None = None
    note: Text | None = None

    @field_validator("date", mode="before")
    @classmethod
    def _date_text(cls, value: Any) -> Any:
        return value.isoformat() if isinstance(value, dt.date) else str(value) if isinstance(value, int) else value


class Location(Sourced):
    """Where the project is (WGS84)."""

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    precision: Literal["exact", "approximate"]
    country: ShortLabel
    region: ShortLabel = Field(description="province or state")
    district: ShortLabel | None = None


class InflationRate(Quantity):
    """Expected inflation of the currency, per year [%/yr, 1/yr]."""

    dimensions = ("rate_per_year",)
    minimum = -0.5
    maximum = 1.0


class MoneyBasis(StrictModel):
    """How money in the case is expressed: US$ million in the real dollars of ``base_year``.

    ``inflation`` is the expected inflation of the US dollar over the life of the project. The model needs it to
    bring nominal figures into the case's real dollars: loan rates quoted nominally (as lenders quote them) and
    prices of a year past the bundled consumer price index.
    """

    currency: Literal["USD"] = "USD"
    unit: Literal["million"] = "million"
    basis: Literal["real", "nominal"] = "real"
    base_year: Year
    inflation: InflationRate | None = Field(
        default=None, description="expected US$ inflation per year, to convert nominal loan rates and prices"
    )

    @field_validator("basis")
    @classmethod
    def _real_only(cls, basis: str) -> str:
        if basis != "real":
            raise invalid(
                "not_implemented",
                "not implemented: give real dollars of a base year",
                {
                    "expected": "`basis: real` (a nominal basis is not implemented: give real dollars of a base year)",
                    "fix": "convert the case's money to real dollars of a base year (loan rates and price decks "
                    "keep their own nominal or real basis and are converted by the model)",
                },
            )
        return basis


class StatusEntry(Sourced):
    """A status the project entered on a date; it lasts until the next entry."""

    status: Status
    start: dt.date
    note: Text | None = None


class PartyOwner(Sourced):
    """A holder of shares in a party (ownership one level up, e.g. the SOEs behind a holding company)."""

    party: Slug
    share: float = Field(gt=0, le=1)


class Party(StrictModel):
    """A company, government, state company, lender or buyer that appears in the case."""

    id: Slug
    name: Label
    short_name: ShortLabel | None = None
    kind: Literal["company", "state-company", "government", "lender", "buyer"]
    country: ShortLabel | None = None
    government_level: Literal["federal", "provincial"] | None = Field(
        default=None, description="for governments and their companies: whose receipts they are"
    )
    owners: list[PartyOwner] = Field(default_factory=list)
    source: list[Reference] = Field(default_factory=list)

    _source_list = field_validator("source", mode="before")(_as_list)

    @property
    def label(self) -> str:
        """Short name for tables."""
        return self.short_name or self.name


class Share(StrictModel):
    """An exact share, or a range when only bounds are known (as in Beneficial Ownership Data Standard)."""

    exact: float | None = Field(default=None, ge=0, le=1)
    minimum: float | None = Field(default=None, ge=0, le=1)
    maximum: float | None = Field(default=None, ge=0, le=1)

    @model_validator(mode="after")
    def _exact_or_range(self) -> Share:
        has_range = self.minimum is not None or self.maximum is not None
        if (self.exact is None) == (not has_range):
            raise invalid(
                "share_form",
                "give either exact or a minimum/maximum range",
                {"expected": "`exact: 0.25` or `minimum: 0.10, maximum: 0.20`", "fix": "use one form"},
            )
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise invalid(
                "share_order",
                "minimum {minimum} is above maximum {maximum}",
                {
                    "minimum": self.minimum,
                    "maximum": self.maximum,
                    "got": f"minimum {self.minimum}, maximum {self.maximum}",
                    "expected": "minimum <= maximum",
                    "fix": "swap the bounds",
                },
            )
        return self

    @property
    def low(self) -> float:
        """Lower bound of the share (the exact share when known)."""
        return self.exact if self.exact is not None else (self.minimum or 0.0)

    @property
    def high(self) -> float:
        """Upper bound of the share (the exact share when known)."""
        if self.exact is not None:
            return self.exact
        return self.maximum if self.maximum is not None else 1.0

    @property
    def central(self) -> float:
        """The exact share, or the middle of the range."""
        return 0.5 * (self.low + self.high)


class Stake(Sourced):
    """A party's equity interest in the project over a period."""

    party: Slug
    share: Share
    kind: StakeKind
    start: dt.date
    end: dt.date | None = Field(default=None, description="last day held; open when absent")
    funded_by: Slug | None = Field(default=None, description="who pays the holder's contributions")
    carry_rate: Fraction | None = Field(
        default=None,
        description="for a funded stake: interest on the funder's contributions, repaid from the holder's "
        "dividends; absent: the funder is not repaid",
    )
    from_party: Slug | None = Field(default=None, description="for a proposed or dated transfer: the seller")
    note: Text | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Stake:
        if self.end is not None and self.end < self.start:
            raise invalid(
                "dates_out_of_order",
                "end {end} is before start {start}",
                {
                    "start": str(self.start),
                    "end": str(self.end),
                    "got": f"start {self.start}, end {self.end}",
                    "expected": "end on or after start",
                    "fix": "correct the dates or remove `end` for a stake still held",
                },
            )
        if (self.kind == "funded-by-another-party") != (self.funded_by is not None):
            raise invalid(
                "funded_by",
                "`funded_by` goes with kind funded-by-another-party, and only with it",
                {
                    "got": f"party {self.party}, kind {self.kind}, funded_by {self.funded_by}",
                    "expected": "kind funded-by-another-party with `funded_by: <party id>`",
                    "fix": "name the funding party, or change the kind",
                },
            )
        return self

    def in_force(self, on: dt.date) -> bool:
        """Whether the stake is held on ``on``."""
        return self.start <= on and (self.end is None or on <= self.end)


class Role(Sourced):
    """A role a party plays in the project (operator, lessee ...) over a period."""

    party: Slug
    role: Literal["operator", "lessee", "owner-lessor", "contractor", "offtaker"]
    start: dt.date | None = None
    end: dt.date | None = None


# ---------------------------------------------------------------------------------------------------------
# Production, costs


class RampUp(Sourced):
    """Share of nameplate throughput reached in the first years of a phase."""

    factors: list[Annotated[float, Field(gt=0, le=1)]] = Field(min_length=1)


class Phase(StrictModel):
    """A processing phase: the plant throughput once it is built, and when it starts."""

    id: Slug
    name: Label
    throughput: MassRate
    start_year: Year
    start_year_source: list[Reference] = Field(default_factory=list)
    start_year_estimate: Text | None = None
    ramp_up: RampUp | None = None

    _source_list = field_validator("start_year_source", mode="before")(_as_list)


class GradePeriod(StrictModel):
    """The grades of the ore milled in some years of production (an early higher-grade period, say)."""

    production_years: int = Field(ge=1, le=100, description="years of production the period lasts, in order")
    grades: dict[Commodity, Grade] = Field(min_length=1, description="grade of each commodity it gives")


class MineProduction(StrictModel):
    """Inputs of a mine: reserve, grades, recoveries, payability and phases.

    ``grades`` are the life-of-mine averages; ``grade_schedule`` may give the grades of the first years of
    production period by period (counted from the first production year, so a delay moves them too). A commodity a
    period does not name keeps its life-of-mine grade; after the last period the ore left is at the grade that
    keeps the life-of-mine average over the reserve (the compiled case states it).
    """

    type: Literal["mine"] = "mine"
    product: Literal["concentrate", "blister", "dore", "ore"]
    ore_reserve: Mass
    strip_ratio: Ratio | None = None
    grades: dict[Commodity, Grade]
    recoveries: dict[Commodity, Fraction]
    payabilities: dict[Commodity, Fraction] = Field(default_factory=dict)
    concentrate_grade: Grade | None = None
    phases: list[Phase] = Field(min_length=1)
    mine_life: Duration | None = None
    grade_schedule: list[GradePeriod] = Field(default_factory=list)


class DeclinePoint(Sourced):
    """A measured (or reported) production rate in a year."""

    year: Year
    rate: GasRate


class Decline(Sourced):
    """Arps decline parameters: q(t) = qi / (1 + b Di t)^(1/b); b = 0 exponential, b = 1 harmonic.

    ``fit: true`` asks the model to fit ``qi``, ``di`` (and ``b`` when ``b`` is absent) to the history points;
    given values are used as written otherwise.
    """

    model: Literal["exponential", "hyperbolic", "harmonic"]
    b: float | None = Field(default=None, ge=0, le=2)
    di: RatePerYear | None = None
    qi: GasRate | None = None
    reference_year: Year | None = None
    fit: bool = False


class GasProduction(StrictModel):
    """Inputs of a gas field: production history and decline."""

    type: Literal["gas_field"] = "gas_field"
    history: list[DeclinePoint] = Field(min_length=1)
    decline: Decline
    heating_value: HeatingValue | None = None
    original_reserves: GasVolume | None = None
    remaining_reserves: GasVolume | None = None
    economic_limit: GasRate | None = None
    end_year: Year | None = None


class CapexProfile(Sourced):
    """How an amount is spread over consecutive years starting in ``start_year`` (shares sum to 1)."""

    start_year: Year
    shares: list[Annotated[float, Field(ge=0, le=1)]] = Field(min_length=1)


class CapexItem(StrictModel):
    """Initial capital of one phase and its spending profile."""

    phase: Slug
    amount: Money
    profile: CapexProfile


class Costs(StrictModel):
    """Operating, sustaining, closure and initial capital costs."""

    opex_per_tonne_milled: CostPerMass | None = None
    opex_per_gas_volume: UnitGasCost | None = None
    fixed_opex: MoneyRate | None = None
    selling_cost_per_tonne_product: CostPerMass | None = Field(
        default=None, description="treatment, refining, freight and port per tonne of concentrate or product"
    )
    sustaining_capex_per_tonne_milled: CostPerMass | None = None
    sustaining_capex: MoneyRate | None = None
    closure: Money | None = None
    capex: list[CapexItem] = Field(default_factory=list)


# ---------------------------------------------------------------------------------------------------------
# Fiscal, financing, prices, claims


class FiscalTermsChoice(StrictModel):
    """Fiscal terms by regime preset id, with case-specific overrides of single terms."""

    regime: Slug
    overrides: dict[str, Any] = Field(default_factory=dict)
    overrides_source: list[Reference] = Field(default_factory=list)
    overrides_estimate: Text | None = None

    _source_list = field_validator("overrides_source", mode="before")(_as_list)


class FiscalAlternative(FiscalTermsChoice):
    """Other fiscal terms the case can be appraised under, by name (``--scenario regime=<name>``)."""

    description: Annotated[Text, Field(min_length=1)] = Field(
        description="what these terms are and when they would apply"
    )


BASE_TERMS = "base"
"""Name of the case's own fiscal terms among its alternatives (``--scenario regime=base``)."""


class FiscalReference(FiscalTermsChoice):
    """The fiscal regime that applies, by preset id, with case-specific overrides of its terms.

    ``alternatives`` name other terms the case may be appraised under, where sources conflict or a law could
    apply instead (the statutory regime without a negotiated incentive, say); a scenario chooses one by name.
    """

    alternatives: dict[Slug, FiscalAlternative] = Field(default_factory=dict)

    @field_validator("alternatives")
    @classmethod
    def _base_is_reserved(cls, alternatives: dict[str, FiscalAlternative]) -> dict[str, FiscalAlternative]:
        if BASE_TERMS in alternatives:
            raise invalid(
                "reserved_name",
                "{name!r} names the case's own fiscal terms",
                {
                    "name": BASE_TERMS,
                    "expected": f"alternative names other than {BASE_TERMS!r}",
                    "fix": "rename the alternative (e.g. statutory)",
                },
            )
        return alternatives

    def choice(self, name: str) -> FiscalTermsChoice:
        """The terms named ``name``: the case's own (``base``) or one of its alternatives.

        Raises
        ------
        KeyError
            If there is no such name.
        """
        return self if name == BASE_TERMS else self.alternatives[name]

    @property
    def names(self) -> list[str]:
        """The names a scenario may choose: ``base`` and the alternatives."""
        return [BASE_TERMS, *sorted(self.alternatives)]


class Facility(Sourced):
    """A loan or guarantee in the project's financing plan."""

    id: Slug
    lender: Slug
    kind: Literal["ECA", "DFI", "commercial"]
    instrument: Literal["loan", "guarantee"] = "loan"
    seniority: Literal["senior", "subordinated"] = "senior"
    amount: Money
    currency: Literal["USD"] = "USD"
    rate: Fraction
    rate_basis: Literal["nominal", "real"] = Field(
        default="nominal",
        description="nominal: the rate as lenders quote it, converted to the case's real dollars with "
        "`money.inflation`; real: already a real rate",
    )
    upfront_fee: Fraction | None = None
    commitment_fee: Fraction | None = None
    grace: Duration
    tenor: Duration = Field(description="repayment period after the grace period")
    repayment: Literal["annuity", "equal-principal", "sculpted"]
    target_dscr: float | None = Field(default=None, gt=0)
    max_gearing: Fraction | None = Field(
        default=None, description="most of the pre-production capital the loans may fund (debt / capital)"
    )
    status: Literal["proposed", "approved", "committed", "signed", "drawn"] = "approved"
    note: Text | None = None

    @model_validator(mode="after")
    def _sculpted_needs_target(self) -> Facility:
        if self.repayment == "sculpted" and self.target_dscr is None:
            raise invalid(
                "target_dscr",
                "a sculpted repayment needs target_dscr",
                {
                    "got": f"repayment {self.repayment}, no target_dscr",
                    "expected": "`target_dscr: 1.3` (say)",
                    "fix": "give the lenders' target DSCR",
                },
            )
        return self


class PriceAssumption(StrictModel):
    """A commodity price in a named deck, in the dollars of ``money_year``.

    The model holds the price flat in real terms and converts it to the real dollars of the case's base year
    with the US consumer price index (:mod:`chagai.cases.money`). ``basis`` says what the figure is: ``real``, a
    price already stated in constant dollars of ``money_year``; ``nominal``, a current-dollar figure of
    ``money_year`` (an average of that year's market quotes, say). Every price of one deck shares its money year
    and basis. ``year`` is read as ``money_year`` (the name of earlier releases).
    """

    commodity: Commodity
    deck: Slug = "base"
    price: Price
    basis: Literal["real", "nominal"] = "real"
    money_year: Year = Field(
        validation_alias=AliasChoices("money_year", "year"), description="the year whose dollars the price is in"
    )


ClaimBasis = Literal["year", "first-year", "first-full-year", "run-rate", "build", "life", "history"]
"""What a claimed figure covers: one calendar year (``year``), the first production year, the first year after it,
a phase's design rate (``run-rate``: the mean of the years at its nameplate), a phase's construction (``build``),
the whole life, or a past year checked against the case's recorded history (``history``)."""

ClaimBound = Literal["about", "at-least", "at-most"]
"""How a claimed figure binds: about that value (within the tolerance), or a lower or an upper bound."""

ClaimInclude = Literal["financing", "contingency", "project-debt"]
"""What a claimed cost includes beyond the case's capital: interest during construction and fees (``financing``),
the scenario's overrun (``contingency``), or, for an owner's funding, its share of what the project debt pays
(``project-debt``)."""

CLAIM_TOLERANCE = 0.15
"""Default tolerance of a claim ``about`` a value: the model agrees within 15% of it [fraction]."""
CLAIM_BOUND_TOLERANCE = 0.0
"""Default tolerance of a bound (``at-least``, ``at-most``): the bound is strict [fraction]."""
CLAIM_YEAR_TOLERANCE = 0.0
"""Default tolerance of a claim stated as a calendar year (unit ``year``) [years]."""


class Claim(StrictModel):
    """A statement a source makes about the project that the model can check.

    ``basis``, ``phase``, ``bound``, ``tolerance`` and ``includes`` say how: the verdict compares the model's figure
    for the same period, on the same footing, under the stated rule. Left out, the basis is the claim's ``year`` when
    it has one (a year before the model's first is checked against the case's history), else the metric's own;
    the bound is ``about``; the tolerance is 15% about a value, 0 for a bound and 0 years for a calendar year.
    """

    id: Slug
    statement: Annotated[Text, Field(min_length=1)]
    metric: Slug = Field(description="what is claimed, e.g. exports-first-full-year")
    value: float
    high: float | None = Field(default=None, description="upper end when the claim is a range")
    unit: UnitName
    year: Year | None = Field(default=None, description="the calendar year the claimed figure is for")
    basis: ClaimBasis | None = Field(
        default=None,
        description="what the figure covers: year, first-year, first-full-year, run-rate, build, life or history "
        "(default: the claim's year when it has one, else the metric's own)",
    )
    phase: Slug | None = Field(
        default=None,
        description="the production phase (its id) a run-rate or build claim is about (default: the first)",
    )
    bound: ClaimBound | None = Field(
        default=None, description="about (default), at-least ('over US$75bn') or at-most ('up to', 'by 2028')"
    )
    tolerance: float | None = Field(
        default=None,
        ge=0,
        description=f"how far the model may be from the claim and still agree: a fraction of the claimed value "
        f"(default {CLAIM_TOLERANCE:g} about a value, {CLAIM_BOUND_TOLERANCE:g} for a bound), or years for a claim "
        f"in unit `year` (default {CLAIM_YEAR_TOLERANCE:g})",
    )
    includes: list[ClaimInclude] | None = Field(
        default=None, description="what a claimed cost includes: financing, contingency, project-debt"
    )
    source: list[Reference] = Field(min_length=1)
    confidence: Confidence | None = None
    note: Text | None = None

    _source_list = field_validator("source", mode="before")(_as_list)
    _includes_list = field_validator("includes", mode="before")(_as_list)

    @field_validator("basis")
    @classmethod
    def _basis_needs_year(cls, basis: str | None, info: ValidationInfo) -> str | None:
        if basis in ("year", "history") and "year" in info.data and info.data["year"] is None:
            raise invalid(
                "basis_needs_year",
                "basis {basis!r} needs the claim's year",
                {
                    "basis": basis,
                    "got": f"basis: {basis}, no year",
                    "expected": "`year: 2029` (the year the figure is for) with this basis",
                    "fix": "add `year`, or choose another basis (first-year, run-rate, life ...)",
                },
            )
        return basis

    @field_validator("bound")
    @classmethod
    def _bound_is_one_value(cls, bound: str | None, info: ValidationInfo) -> str | None:
        if bound in ("at-least", "at-most") and info.data.get("high") is not None:
            raise invalid(
                "bound_with_range",
                "a bound ({bound}) is one value, not a range",
                {
                    "bound": bound,
                    "got": f"bound: {bound}, high: {info.data['high']}",
                    "expected": "`high` only with `bound: about`",
                    "fix": "drop `high` (a bound is its `value`), or drop `bound` to claim a range",
                },
            )
        return bound

    @field_validator("tolerance")
    @classmethod
    def _tolerance_is_a_fraction(cls, tolerance: float | None, info: ValidationInfo) -> float | None:
        if tolerance is None or info.data.get("unit") == "year":
            return tolerance
        if not tolerance < 1:
            raise invalid(
                "tolerance_not_a_fraction",
                "tolerance {tolerance} is not a fraction",
                {
                    "tolerance": tolerance,
                    "expected": "a fraction of the claimed value below 1, e.g. 0.15 for 15%",
                    "fix": "write the tolerance as a decimal (0.15, not 15)",
                },
            )
        return tolerance

    @field_validator("includes")
    @classmethod
    def _includes_once(cls, includes: list[str] | None) -> list[str] | None:
        if includes is not None and len(set(includes)) < len(includes):
            raise invalid(
                "includes_repeated",
                "an item of includes is repeated",
                {"got": ", ".join(includes), "expected": "each item once", "fix": "remove the repeated item"},
            )
        return includes

    @field_validator("unit")
    @classmethod
    def _known_unit(cls, unit: str) -> str:
        allowed = sorted({u for d in DIMENSIONS.values() for u in d.factors})
        if unit not in allowed:
            raise invalid(
                "unknown_unit",
                "unknown unit {unit!r}",
                {"unit": unit, "expected": "a known unit", "fix": f"use one of: {', '.join(allowed)}"},
            )
        return unit


class Decision(StrictModel):
    """Which figure the case takes where sources conflict, and why."""

    topic: Text
    choice: Text
    reason: Text
    alternatives: list[Slug] = Field(default_factory=list, description="claim ids of the figures not taken")


# ---------------------------------------------------------------------------------------------------------
# The case


class Case(StrictModel):
    """One project: identity, ownership over time, inputs of the model, claims and sources."""

    schema_version: Literal[1] = 1
    id: Slug
    name: Label
    aliases: list[Label] = Field(default_factory=list)
    kind: Literal["mine", "gas-field", "quarry"]
    commodities: list[Commodity] = Field(min_length=1)
    resource_label: Label | None = Field(default=None, description="how tables name the resource")
    description: Text | None = None
    as_of: dt.date
    location: Location
    money: MoneyBasis
    statuses: list[StatusEntry] = Field(min_length=1)
    parties: list[Party] = Field(min_length=1)
    roles: list[Role] = Field(default_factory=list)
    stakes: list[Stake] = Field(min_length=1)
    production: Annotated[MineProduction | GasProduction, Field(discriminator="type")] | None = None
    costs: Costs | None = None
    fiscal: FiscalReference | None = None
    financing: list[Facility] = Field(default_factory=list)
    prices: list[PriceAssumption] = Field(default_factory=list)
    claims: list[Claim] = Field(default_factory=list)
    decisions: list[Decision] = Field(default_factory=list)
    sources: list[Source] = Field(min_length=1)

    def status_on(self, on: dt.date) -> StatusEntry | None:
        """The status in force on ``on`` (``None`` before the first entry)."""
        current = None
        for entry in sorted(self.statuses, key=lambda e: e.start):
            if entry.start <= on:
                current = entry
        return current

    @property
    def current_status(self) -> StatusEntry:
        """The latest status entry."""
        return max(self.statuses, key=lambda e: e.start)

    def party(self, party_id: str) -> Party:
        """The party with this id."""
        for p in self.parties:
            if p.id == party_id:
                return p
        raise KeyError(party_id)

    def stakes_on(self, on: dt.date, include_proposed: bool = False) -> list[Stake]:
        """Stakes held on ``on`` (proposed stakes only when asked)."""
        return [s for s in self.stakes if s.in_force(on) and (include_proposed or s.kind != "proposed")]

    def operators_on(self, on: dt.date) -> list[Party]:
        """Parties with the operator role on ``on`` (roles without dates count as current)."""
        return [
            self.party(r.party)
            for r in self.roles
            if r.role == "operator" and (r.start is None or r.start <= on) and (r.end is None or on <= r.end)
        ]

    @property
    def has_economics(self) -> bool:
        """Whether the case carries the inputs of an appraisal (production and costs)."""
        return self.production is not None and self.costs is not None


def normalise_name(text: str) -> str:
    """Fold a project name or alias for lookup: case, width, spacing, punctuation and Latin accents do not matter.

    The text is brought to Unicode's compatibility form (NFKC) and case-folded; accents on Latin letters are
    dropped (``Saïndak`` finds ``Saindak``); letters, digits and the marks of other scripts are kept, whatever
    the script, so that ``ریکو ڈک`` and ``山达克`` are names of their own, and everything else is dropped.
    """
    folded: list[str] = []
    for char in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(char) and folded and folded[-1] < "\u0250":
            continue  # an accent on a Latin letter
        folded.append(char)
    text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", "".join(folded)).casefold())
    return "".join(c for c in text if c.isalnum() or unicodedata.category(c).startswith("M"))
