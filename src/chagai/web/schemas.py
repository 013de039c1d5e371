"""Request and response bodies of the JSON API (pydantic), which the OpenAPI document describes.

Requests forbid unknown fields (a misspelt ``overun`` is an error, not silently ignored) and bound every number
to what the model can run. Records of a case (claims, sources, stakes, whole cases) are the case schema's own
models, so the API accepts exactly what a case file does. The answers of the services are the typed results of
:mod:`chagai.results`, which the API returns as they are; only errors and simulation jobs are shaped here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from chagai.cases.compile import Scenario, StakeSale
from chagai.cases.schema import Commodity, Slug, invalid
from chagai.errors import InputError, Issue
from chagai.results import RiskSettings, Simulation
from chagai.web.jobs import MAX_PATHS, max_paths, path_cap_issue

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


MAX_VALUE_DEPTH = 16
"""Most levels of lists and mappings one value of ``set`` may nest (a case's deepest record is far shallower)."""
MAX_PATH_CHARACTERS = 300
"""Longest path of ``set`` [characters]."""


def _shallow(value: Any) -> Any:
    """``value`` if its lists and mappings nest at most :data:`MAX_VALUE_DEPTH` levels (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > MAX_VALUE_DEPTH:
                expected = f"a value whose lists and mappings nest at most {MAX_VALUE_DEPTH} levels deep"
                kind, fix = "too_deep", "give the record as the case file has it"
                raise invalid(kind, expected, {"expected": expected, "fix": fix})
            stack += [(child, depth + 1) for child in (node.values() if isinstance(node, dict) else node)]
    return value


SetPath = Annotated[str, Field(min_length=1, max_length=MAX_PATH_CHARACTERS)]
SetValue = Annotated[Any, AfterValidator(_shallow)]

Overrides = Annotated[
    dict[SetPath, SetValue],
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
    paths: int = Field(
        100_000,
        ge=1,
        description=f"number of paths, 1 to the server's cap ({MAX_PATHS:,} unless its operator changed it)",
    )
    seed: int = Field(7, ge=0, le=2**63 - 1, description="random seed (the same seed gives the same result)")
    scenario: ScenarioIn = Field(default_factory=ScenarioIn)
    overrides: Overrides
    sell: Sales
    risk: RiskIn = Field(default_factory=RiskIn)

    @field_validator("paths")
    @classmethod
    def _within_cap(cls, paths: int) -> int:
        """The paths, if the server's cap (``CHAGAI_MAX_PATHS``) allows them."""
        if not 1 <= paths <= max_paths():
            issue = path_cap_issue("paths", paths)
            kind = "paths_cap"
            raise invalid(kind, issue.expected, {"expected": issue.expected, "fix": issue.fix})
        return paths


# ---------------------------------------------------------------------------------------------------------
# registry edits


class FieldEdit(Request):
    """Changes to fields of a project by path, as ``chagai edit --set`` (validated as a whole)."""

    assignments: dict[SetPath, SetValue] = Field(
        alias="set",
        min_length=1,
        max_length=50,
        description='path: value, e.g. {"statuses[3].note": "review to mid-2027", "stakes[2].end": "2027-06-30"}',
        examples=[{"statuses[0].note": "exploration licence granted"}],
    )


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
