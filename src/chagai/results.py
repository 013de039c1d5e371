"""Typed results of the services: what the command line prints, the report shows and the JSON API returns.

Numbers that may be undefined (a percentile over no path, a share whose denominator is not positive, a breakeven
outside the prices searched) are NaN or infinite in memory and ``null`` in JSON.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, PrivateAttr, computed_field

from chagai.errors import InputError, Issue

if TYPE_CHECKING:
    from chagai.cases.compile import Compiled
    from chagai.cases.schema import Case
    from chagai.risk.montecarlo import SimulationArrays
    from chagai.risk.prices import PriceModels
    from chagai.risk.security import SecurityProfile
    from chagai.risk.sensitivity.evaluator import Evaluator

# ---------------------------------------------------------------------------------------------------------
# Simulation and sensitivity


def _nan_for_null(value: Any) -> Any:
    """An undefined number read back from JSON (``null``) is NaN again."""
    return math.nan if value is None else value


def _null_for_undefined(value: float) -> float | None:
    """NaN and infinities are written as ``null``."""
    return value if math.isfinite(value) else None


Real = Annotated[
    float,
    BeforeValidator(_nan_for_null),
    PlainSerializer(_null_for_undefined, return_type=float | None),
]
"""A number that may be undefined: NaN or infinite in memory, ``null`` in JSON."""


class ProjectRef(BaseModel):
    """A project's id and name."""

    id: str
    name: str


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
    mean: Real
    p10: Real
    p50: Real
    p90: Real
    defined: int = Field(description="number of paths where the result is defined")


class IrrPercentiles(BaseModel):
    """IRR percentiles of a stakeholder over the sampled paths [fraction]."""

    p10: Real
    p50: Real
    p90: Real
    defined: int


class SimulationStakeholder(BaseModel):
    """NPV distribution of one stakeholder [US$m], probability of a loss, IRR percentiles."""

    party: str
    label: str
    level: str
    unit: str
    mean: Real
    p10: Real
    p50: Real
    p90: Real
    defined: int
    p_loss: Real = Field(description="share of the valid paths where the stakeholder's NPV is negative")
    irr: IrrPercentiles | None = None


class Probabilities(BaseModel):
    """Shares of the valid paths where the project or its loans fare badly."""

    npv_post_tax_below_zero: Real
    min_dscr_below_1: Real
    default: Real = Field(description="CFADS short of debt service in some year")


class FailedPath(BaseModel):
    """A path that failed, with its drawn inputs."""

    path: int
    status: str
    delay_years: Real
    capex_factor: Real
    mean_availability: Real
    active_share: Real


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

    project: ProjectRef
    chagai_version: str
    inputs_hash: str
    seed: int
    paths: int
    chunk_size: int
    threads: int
    wall_seconds: Real
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
    base: Real
    low: Real
    high: Real
    source: str
    integer: bool = False


class TornadoBar(BaseModel):
    """One factor moved from its low to its high value, the others at base, and what one output does."""

    model_config = ConfigDict(frozen=True)

    factor: str
    label: str
    unit: str
    low_value: Real
    high_value: Real
    output: str
    base: Real
    at_low: Real
    at_high: Real
    swing: Real


class SobolIndex(BaseModel):
    """First-order and total Sobol index of one input, with the half-width of their 95% bootstrap intervals."""

    model_config = ConfigDict(frozen=True)

    factor: str
    S1: Real
    S1_conf: Real
    ST: Real
    ST_conf: Real


class SobolResult(BaseModel):
    """Variance-based sensitivity of one output (Saltelli sampling, SALib), inputs uniform over their ranges."""

    model_config = ConfigDict(frozen=True)

    output: str
    indices: list[SobolIndex]
    n: int
    runs: int
    seconds: Real
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
    deck_price: Real
    deterministic: Real
    p10: Real
    p50: Real
    p90: Real
    mean: Real
    n: int
    defined: int
    below: int
    above: int
    seed: int
    seconds: Real
    runs: int
    basis: str

    _values: np.ndarray = PrivateAttr(default_factory=lambda: np.zeros(0))

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
    base_input: Real
    base_output: Real
    critical: Real
    criterion: str
    horizon: Real
    direction: str | None
    input_at_horizon: Real
    share_of_range: Real
    margin_used: Real
    swing: Real
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

    project: ProjectRef
    basis: str
    factors: list[Factor]
    base_outputs: dict[str, Real]
    tornado: list[TornadoBar]
    sobol: dict[str, SobolResult | SobolRefusal]
    breakeven: BreakevenDistribution
    information_gap: list[InfoGapRow]
    runs: int
    seconds: Real

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
