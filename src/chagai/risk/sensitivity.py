"""What drives the answer: tornado, Sobol indices, breakeven distribution and information-gap robustness.

Every analysis here re-runs the annual model of one compiled case (:func:`chagai.core.model.run_with`, one
compiled path, about 30 microseconds) through an :class:`Evaluator`, which applies a set of *factors* to the
case and returns the figures users ask about:

``npv_post_tax``
    Project NPV after royalties, taxes and levies, before debt, at the scenario's rate [US$m].
``aetr``
    PV(federal + provincial government receipts) / PV(pre-tax net cash flow) at the same rate; NaN when the PV of
    the pre-tax net cash flow is not positive [fraction].
``local_share``
    PV(provincial receipts) / PV(pre-tax net cash flow), the discounted local share; NaN likewise [fraction].
``min_dscr``
    Lowest CFADS / debt service over the years with debt service above 1e-9 US$m; NaN without debt [ratio].
``npv_<party>``
    Each party's NPV of its net equity cash flow (less any stake purchase of the scenario), for every party with
    flows in the base case [US$m].

Money is in US$ million in the case's real dollars; NPVs discount year t by ``(1 + r) ** -t`` with year 0 the
valuation year (end-year flows), as :func:`chagai.services.appraise` does.

The factors, each with a base value (the deterministic appraisal's own input, so the base run reproduces
``appraise``) and a low/high range taken from the input's own uncertainty:

* ``<commodity>_price`` (``copper_price``, ``gold_price``, ``silver_price``, ``gas_price``): multiplier on the
  whole price path of that commodity. Range: the P10 and P90 of the calibrated price model
  (:func:`chagai.risk.prices.bundled_price_models`, World Bank Pink Sheet 1960-2025) ten years ahead,
  ``exp(-+1.2816 sd)`` with ``sd`` the standard deviation of the log price from
  :func:`chagai.risk.prices.log_moments`. Only the spread is used: the range is centred on the case's deck, as the
  Monte Carlo's default ``deck`` trend keeps it.
* ``capex``: the capital overrun factor on initial and expansion capital. Range: P10-P90 of the security
  profile's lognormal overrun (:func:`chagai.risk.security.profile_for_case_kind`), ``median exp(-+1.2816 sigma)``.
* ``delay``: years the schedule slips. Range: 0 to the P90 of the profile's pause model (pauses drawn in each
  construction year with the regime's probability, each adding ``delay_years``), computed exactly.
* ``availability``: share of capacity that runs each year. Range: ``1 - 2 L`` to 1, with ``L`` the profile's
  long-run expected output loss (:func:`chagai.risk.security.expected_output_loss`); ``1 - L`` is the middle.
* ``opex``: multiplier on variable and fixed operating cost, 0.85-1.15 (estimate: a feasibility-study cost
  estimate is typically quoted at about +-15%).
* ``grade``: multiplier on the payable yield of every commodity (grade x recovery x payability) and the
  concentrate yield, 0.9-1.1 (estimate: +-10% reconciliation of a reserve model's grade).
* ``discount_rate``: the scenario's rate -+2 percentage points, 0.08-0.12 at the default 10% (estimate: the
  spread of real required returns quoted for mining projects).

Wherever the base lies outside a range (a scenario that already sets an overrun, say), the range is widened to
include it. A factor whose range is empty (the delay of a producing gas field) is left out.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from scipy.optimize import brentq

from chagai.cases.compile import Compiled
from chagai.core.measures import PathMeasures
from chagai.core.model import run_with
from chagai.errors import InputError, Issue, NotFoundError
from chagai.risk.prices import PriceModels, bundled_price_models, log_moments
from chagai.risk.security import (
    SecurityProfile,
    expected_output_loss,
    profile_for_case_kind,
)

if TYPE_CHECKING:
    from chagai.risk.simulate import Simulation

F64 = npt.NDArray[np.float64]

Z90 = 1.2815515655446004
"""Standard normal quantile of 0.90: P10 and P90 lie at -+Z90 standard deviations."""
PRICE_HORIZON = 10
"""Years ahead at which the price range is the calibrated model's P10-P90 [yr]."""
OPEX_RANGE = (0.85, 1.15)
"""Low and high multiplier on operating cost (estimate, +-15% feasibility-study accuracy) [-]."""
GRADE_RANGE = (0.9, 1.1)
"""Low and high multiplier on payable yields (estimate, +-10% grade reconciliation) [-]."""
RATE_SPREAD = 0.02
"""Discount rate range: the scenario's rate -+ this (estimate; 0.08-0.12 at 10%) [1/yr]."""
BREAKEVEN_BRACKET = (0.01, 20.0)
"""Price factors searched for a breakeven, as in :func:`chagai.services.appraise` [-]."""

OUTPUTS: tuple[str, ...] = ("npv_post_tax", "aetr", "local_share", "min_dscr")
"""The case-level outputs of :meth:`Evaluator.evaluate` (party NPVs come on top, as ``npv_<party>``)."""
OUTPUT_LABELS: Mapping[str, tuple[str, str]] = {
    "npv_post_tax": ("Project NPV after tax (unlevered)", "US$m"),
    "aetr": ("Government take, discounted (AETR)", "fraction"),
    "local_share": ("Provincial (local) share, discounted", "fraction"),
    "min_dscr": ("Minimum DSCR", "ratio"),
}

_PRICE_NAMES = {"natural-gas": "gas"}


def _clean(value: Any) -> Any:
    """JSON-ready value: NaN and infinities become None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# --------------------------------------------------------------------------------------------------- factors


@dataclass(frozen=True)
class Factor:
    """One uncertain input of the model, its base value and its range.

    Parameters
    ----------
    name
        Key in the mapping :meth:`Evaluator.evaluate` takes (``copper_price``, ``capex`` ...).
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

    name: str
    label: str
    unit: str
    base: float
    low: float
    high: float
    source: str
    integer: bool = False

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {key: _clean(value) for key, value in self.__dict__.items()}


def price_factor_name(commodity: str) -> str:
    """Name of the price factor of a commodity (``copper`` -> ``copper_price``, ``natural-gas`` -> ``gas_price``)."""
    return f"{_PRICE_NAMES.get(commodity, commodity.replace('-', '_'))}_price"


def construction_window(compiled: Compiled) -> tuple[int, int, int]:
    """First year index a delay moves, number of construction years and the cap on the delay, as the Monte Carlo.

    Returns
    -------
    start, years, max_delay
        Year index, [yr], [yr].
    """
    from chagai.risk.simulate import RiskSettings, risk_inputs

    inputs = risk_inputs(compiled, RiskSettings(prices=False, security=False, schedule=False), None, None)
    return inputs.construction_start, inputs.construction_years, inputs.max_delay


def delay_distribution(compiled: Compiled, profile: SecurityProfile) -> dict[int, float]:
    """Exact probability of each delay [yr] under the profile's pause model.

    The regime chain starts in the valuation year; each construction year brings a pause with the probability of
    its regime; the delay is the number of pauses times ``delay_years``, rounded and capped as the Monte Carlo
    does (:mod:`chagai.risk.montecarlo`). Computed by dynamic programming over (regime, pauses so far).
    """
    start, years, max_delay = construction_window(compiled)
    p_pause = np.array([profile.delay_probability_calm, profile.delay_probability_active])
    dist = np.zeros((2, years + 1))  # [regime, pauses]
    dist[1, 0] = profile.start_active_probability
    dist[0, 0] = 1.0 - profile.start_active_probability
    for t in range(start + years):
        if t > 0:
            calm, active = dist[0].copy(), dist[1].copy()
            dist[1] = active * (1.0 - profile.p_active_to_calm) + calm * profile.p_calm_to_active
            dist[0] = active * profile.p_active_to_calm + calm * (1.0 - profile.p_calm_to_active)
        if t >= start:
            moved = dist * p_pause[:, None]
            dist = dist - moved
            dist[:, 1:] += moved[:, :-1]
    counts = dist.sum(axis=0)
    out: dict[int, float] = {}
    for pauses, probability in enumerate(counts):
        delay = min(int(pauses * profile.delay_years + 0.5), max_delay)
        out[delay] = out.get(delay, 0.0) + float(probability)
    return dict(sorted(out.items()))


def _quantile(distribution: Mapping[int, float], q: float) -> int:
    total = 0.0
    for value, probability in distribution.items():
        total += probability
        if total >= q - 1e-12:
            return value
    return max(distribution)


def _span(base: float, low: float, high: float) -> tuple[float, float]:
    return min(low, base), max(high, base)


def build_factors(
    compiled: Compiled, price_models: PriceModels | None = None, profile: SecurityProfile | None = None
) -> list[Factor]:
    """The uncertain inputs of a compiled case with their bases and ranges (see the module docstring).

    Parameters
    ----------
    compiled
        The case and scenario.
    price_models
        Calibrated price models (default: the bundled ones).
    profile
        Security profile (default: the one for the case's kind; none for a kind without one, and then the capex,
        delay and availability factors are left out).
    """
    models = price_models if price_models is not None else bundled_price_models()
    scenario = compiled.scenario
    factors: list[Factor] = []
    for commodity in compiled.commodities:
        name = price_factor_name(commodity)
        model = models.models.get(commodity)
        if model is None:
            low, high = 0.75, 1.25
            source = f"estimate: +-25%, no calibrated price model for {commodity}"
        else:
            _, sd = log_moments(model, 0.0, PRICE_HORIZON)
            spread = float(sd) * Z90
            low, high = math.exp(-spread), math.exp(spread)
            source = (
                f"source: P10-P90 of the calibrated {commodity} price model ({model.kind}, kappa {model.kappa:.4f}/yr, "
                f"sigma {model.sigma:.4f}) {PRICE_HORIZON} years ahead, exp(-+{Z90:.4f} x sd {float(sd):.4f}), centred "
                f"on the deck; {model.source}"
            )
        factors.append(Factor(name, f"{commodity} price", "x deck", 1.0, low, high, source))
    if profile is not None:
        median, sigma = profile.overrun_median, profile.overrun_sigma
        low, high = _span(scenario.overrun, median * math.exp(-Z90 * sigma), median * math.exp(Z90 * sigma))
        factors.append(
            Factor(
                "capex",
                "capital cost overrun",
                "x capex",
                scenario.overrun,
                low,
                high,
                f"source: P10-P90 of the lognormal overrun of security profile {profile.id} (median {median:g}, "
                f"log sd {sigma:.4f}); {profile.provenance.get('overrun_sigma', '')}",
            )
        )
        delays = delay_distribution(compiled, profile)
        p90 = _quantile(delays, 0.9)
        low, high = _span(float(scenario.delay), float(scenario.delay), float(scenario.delay + p90))
        if high > low:
            factors.append(
                Factor(
                    "delay",
                    "schedule delay",
                    "yr",
                    float(scenario.delay),
                    low,
                    high,
                    f"source: 0 to the P90 ({p90} yr) of the pause model of security profile {profile.id} (pause "
                    f"probability {profile.delay_probability_calm:.3f} calm / {profile.delay_probability_active:.3f} "
                    f"active per construction year, {profile.delay_years:g} yr each), exact distribution",
                    integer=True,
                )
            )
        loss = expected_output_loss(profile)
        low, high = _span(scenario.availability, max(0.0, 1.0 - 2.0 * loss), 1.0)
        if high > low:
            factors.append(
                Factor(
                    "availability",
                    "availability (security outages)",
                    "fraction",
                    scenario.availability,
                    low,
                    high,
                    f"source: 1 - 2 L to 1, L = {loss:.4f} the long-run expected output loss of security profile "
                    f"{profile.id} (event rates, outage days and losses; chagai.risk.security.expected_output_loss)",
                )
            )
    factors += [
        Factor(
            "opex",
            "operating cost",
            "x opex",
            1.0,
            *OPEX_RANGE,
            "estimate: +-15%, the usual accuracy of a feasibility-study operating cost estimate",
        ),
        Factor(
            "grade",
            "grade / payable yield",
            "x yield",
            1.0,
            *GRADE_RANGE,
            "estimate: +-10%, a typical reconciliation range of a reserve model's grade (gas: heat content)",
        ),
    ]
    rate = scenario.discount_rate
    factors.append(
        Factor(
            "discount_rate",
            "discount rate",
            "1/yr",
            rate,
            max(rate - RATE_SPREAD, 0.0),
            rate + RATE_SPREAD,
            "estimate: the scenario's rate -+2 percentage points (0.08-0.12 at 10%), the spread of real required "
            "returns quoted for mining projects",
        )
    )
    return factors


# -------------------------------------------------------------------------------------------------- evaluator


class Evaluator:
    """Runs the annual model of a compiled case with factors applied, and returns the outputs.

    Parameters
    ----------
    compiled
        The case and scenario (the base of every factor).
    price_models, profile
        Where the ranges come from (see :func:`build_factors`).

    Attributes
    ----------
    factors
        The factors by name, in order.
    runs
        Number of model runs so far.
    """

    def __init__(
        self,
        compiled: Compiled,
        *,
        price_models: PriceModels | None = None,
        profile: SecurityProfile | None = None,
    ) -> None:
        self.compiled = compiled
        self.params = compiled.params
        self.prices = np.ascontiguousarray(compiled.prices, dtype=np.float64)
        self.n_years = len(compiled.years)
        self.rate = float(compiled.scenario.discount_rate)
        if not self.rate > -1.0:
            raise InputError([Issue("discount_rate", self.rate, "a rate above -1", "use e.g. 0.10")])
        if profile is None:
            try:
                profile = profile_for_case_kind(compiled.case.kind)
            except NotFoundError:
                profile = None
        self.profile = profile
        self.factors: dict[str, Factor] = {f.name: f for f in build_factors(compiled, price_models, profile)}
        self._base = {name: f.base for name, f in self.factors.items()}
        self.commodity_of = {price_factor_name(c): i for i, c in enumerate(compiled.commodities)}
        self.runs = 0
        _, party_net = self.run({})  # a priced sale's payments are in the parties' flows (the kernel's transfers)
        self.parties = [i for i in range(party_net.shape[0]) if np.any(np.abs(party_net[i]) > 1e-9)]
        self._party_keys = [f"npv_{compiled.parties[p].id}" for p in self.parties]
        self.base_outputs = self.evaluate({})

    @property
    def base(self) -> dict[str, float]:
        """Base value of every factor."""
        return dict(self._base)

    @property
    def outputs(self) -> list[str]:
        """Keys of the outputs :meth:`evaluate` returns."""
        return [*OUTPUTS, *(f"npv_{self.compiled.parties[p].id}" for p in self.parties)]

    def output_label(self, key: str) -> tuple[str, str]:
        """Label and unit of an output."""
        if key in OUTPUT_LABELS:
            return OUTPUT_LABELS[key]
        for p in self.parties:
            party = self.compiled.parties[p]
            if key == f"npv_{party.id}":
                return f"NPV of {party.label}", "US$m"
        raise InputError([Issue("output", key, f"one of {', '.join(self.outputs)}", "choose an output")])

    def values(self, factors: Mapping[str, float]) -> dict[str, float]:
        """Every factor's value: the base, changed by ``factors`` (checked)."""
        unknown = [name for name in factors if name not in self._base]
        if unknown:
            issue = Issue("factors", unknown, f"factors among {', '.join(self.factors)}", "correct the name")
            raise InputError([issue], origin=self.compiled.case.id)
        values = dict(self._base)
        for name, value in factors.items():
            if not math.isfinite(float(value)):
                raise InputError([Issue(name, value, "a finite number", "give a number")], origin=self.compiled.case.id)
            values[name] = float(value)
        return values

    def run(
        self,
        factors: Mapping[str, float],
        *,
        availability: F64 | None = None,
        capex: float | None = None,
        delay: int | None = None,
    ) -> tuple[F64, F64]:
        """One model run with the factors applied.

        Parameters
        ----------
        factors
            Factor values by name; the others stay at their base.
        availability
            (T,) a year-by-year availability path, in place of the ``availability`` factor [fraction].
        capex, delay
            Overrun factor [-] and delay [yr], in place of the ``capex`` and ``delay`` factors.

        Returns
        -------
        lines, party_net
            (N_LINES, T) the annual table and (P, T) each party's net equity cash flow [US$m].
        """
        return self._run(self.values(factors), availability, capex, delay)

    def _run(
        self, v: Mapping[str, float], availability: F64 | None, capex: float | None, delay: int | None
    ) -> tuple[F64, F64]:
        prices = self.prices
        scaled = [(c, v[name]) for name, c in self.commodity_of.items() if v[name] != 1.0]
        if scaled:
            prices = prices.copy()
            for c, factor in scaled:
                prices[c] *= factor
        params = self.params
        opex, grade = v.get("opex", 1.0), v.get("grade", 1.0)
        if opex != 1.0 or grade != 1.0:
            params = params._replace(
                production=params.production._replace(
                    opex_per_unit=float(params.production.opex_per_unit * opex),
                    fixed_opex=float(params.production.fixed_opex * opex),
                    yields=np.ascontiguousarray(params.production.yields * grade),
                    product_yield=np.ascontiguousarray(params.production.product_yield * grade),
                )
            )
        scenario = self.compiled.scenario
        if availability is None:
            availability = np.full(self.n_years, v.get("availability", scenario.availability))
        if capex is None:
            capex = v.get("capex", scenario.overrun)
        if delay is None:
            delay = math.floor(v.get("delay", float(scenario.delay)) + 0.5)
        self.runs += 1
        return run_with(params, prices, availability, float(capex), max(int(delay), 0))

    def measure(self, lines: F64, party_net: F64, rate: float) -> dict[str, float]:
        """The outputs of one run, by the function the appraisal and the Monte Carlo use (core.measures)."""
        measured = PathMeasures(lines, party_net, rate)
        out = {key: measured.values[key] for key in OUTPUTS}
        out.update(zip(self._party_keys, (float(measured.party_npv[p]) for p in self.parties), strict=True))
        return out

    def evaluate(self, factors: Mapping[str, float]) -> dict[str, float]:
        """Run the model once with ``factors`` applied (others at base) and return every output."""
        v = self.values(factors)
        lines, party_net = self._run(v, None, None, None)
        return self.measure(lines, party_net, v["discount_rate"])

    def output(self, factors: Mapping[str, float], key: str) -> float:
        """One output of one run."""
        return self.evaluate(factors)[key]


def _evaluator(target: Compiled | Evaluator) -> Evaluator:
    return target if isinstance(target, Evaluator) else Evaluator(target)


def _check_outputs(ev: Evaluator, outputs: Iterable[str]) -> list[str]:
    chosen = list(outputs)
    unknown = [o for o in chosen if o not in ev.outputs]
    if unknown:
        raise InputError(
            [Issue("outputs", unknown, f"outputs among {', '.join(ev.outputs)}", "choose known outputs")],
            origin=ev.compiled.case.id,
        )
    return chosen


# ---------------------------------------------------------------------------------------------------- tornado


@dataclass(frozen=True)
class TornadoBar:
    """One factor moved from its low to its high value, the others at base, and what one output does."""

    factor: str
    label: str
    unit: str
    low_value: float
    high_value: float
    output: str
    base: float
    at_low: float
    at_high: float
    swing: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {key: _clean(value) for key, value in self.__dict__.items()}


def _swing_key(bar: TornadoBar) -> float:
    return -bar.swing if math.isfinite(bar.swing) else math.inf


def tornado(target: Compiled | Evaluator, outputs: Sequence[str] = OUTPUTS) -> list[TornadoBar]:
    """One-at-a-time sensitivity: each factor at its low and high value, the others at base.

    Two model runs per factor serve every output. Bars come grouped by output (in the order asked), each group
    sorted by swing ``|at_high - at_low|``, largest first (NaN swings last). An output that is NaN in the base
    case (``min_dscr`` of a case without debt) has no bars.
    """
    ev = _evaluator(target)
    chosen = _check_outputs(ev, outputs)
    ends = {name: (ev.evaluate({name: f.low}), ev.evaluate({name: f.high})) for name, f in ev.factors.items()}
    bars: list[TornadoBar] = []
    for output in chosen:
        base = ev.base_outputs[output]
        if math.isnan(base):
            continue
        group = []
        for name, f in ev.factors.items():
            low, high = ends[name][0][output], ends[name][1][output]
            group.append(TornadoBar(name, f.label, f.unit, f.low, f.high, output, base, low, high, abs(high - low)))
        bars += sorted(group, key=_swing_key)
    return bars


# ------------------------------------------------------------------------------------------------------ Sobol


@dataclass(frozen=True)
class SobolIndex:
    """First-order and total Sobol index of one input, with the half-width of their 95% bootstrap intervals."""

    factor: str
    S1: float
    S1_conf: float
    ST: float
    ST_conf: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {key: _clean(value) for key, value in self.__dict__.items()}


@dataclass(frozen=True)
class SobolResult:
    """Variance-based sensitivity of one output (Saltelli sampling, SALib), inputs uniform over their ranges."""

    output: str
    indices: list[SobolIndex]
    n: int
    runs: int
    seconds: float
    seed: int
    basis: str = ""

    def index(self, factor: str) -> SobolIndex:
        """The indices of one input."""
        for row in self.indices:
            if row.factor == factor:
                return row
        raise KeyError(factor)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "output": self.output,
            "indices": [i.as_dict() for i in self.indices],
            "n": self.n,
            "runs": self.runs,
            "seconds": self.seconds,
            "seed": self.seed,
            "basis": self.basis,
        }


def sobol_indices(
    function: Callable[[F64], F64],
    bounds: Sequence[tuple[float, float]],
    n: int = 1024,
    seed: int = 7,
    names: Sequence[str] | None = None,
    output: str = "y",
) -> SobolResult:
    """First-order and total Sobol indices of ``function`` with inputs uniform over ``bounds``.

    Samples with SALib's Saltelli extension of the scrambled Sobol' sequence (:func:`SALib.sample.sobol.sample`,
    ``calc_second_order=False``: ``n (D + 2)`` rows) and estimates with :func:`SALib.analyze.sobol.analyze`
    (Saltelli 2010 / Jansen estimators, 100 bootstrap resamples for 95% intervals), both seeded.

    Parameters
    ----------
    function
        Maps an ``(R, D)`` array of inputs to the ``(R,)`` outputs.
    bounds
        ``(low, high)`` of each of the ``D`` inputs.
    n
        Base sample size, a power of two.
    seed
        Seed of the scrambling and of the bootstrap.
    names
        Input names (default ``x1 .. xD``).
    output
        Name of the output, for messages.

    Raises
    ------
    InputError
        When ``n`` is not a power of two, a range is empty, or the output is NaN in some runs or does not vary.
    """
    from SALib.analyze import sobol as salib_analyze  # type: ignore[import-untyped]
    from SALib.sample import sobol as salib_sample  # type: ignore[import-untyped]

    d = len(bounds)
    labels = list(names) if names is not None else [f"x{i + 1}" for i in range(d)]
    issues = []
    if n < 2 or n & (n - 1):
        below = 1 << max(1, int(n).bit_length() - 1)
        issues.append(Issue("n", n, "a power of two of 2 or more (Sobol' sequence)", f"use {below} or {2 * below}"))
    if len(labels) != d or d < 1:
        issues.append(Issue("names", labels, f"{d} names, one per input (at least one)", "align names and bounds"))
    for name, (low, high) in zip(labels, bounds, strict=False):
        if not (math.isfinite(low) and math.isfinite(high) and high > low):
            issues.append(Issue(f"bounds.{name}", (low, high), "low < high, both finite", "widen the range"))
    if issues:
        raise InputError(issues, origin=f"Sobol indices of {output}")
    problem = {"num_vars": d, "names": labels, "bounds": [[float(lo), float(hi)] for lo, hi in bounds]}
    start = time.perf_counter()
    x = np.asarray(salib_sample.sample(problem, n, calc_second_order=False, seed=seed), dtype=np.float64)
    y = np.asarray(function(x), dtype=np.float64).reshape(-1)
    bad = int(np.count_nonzero(~np.isfinite(y)))
    if bad:
        issue = Issue(
            "output",
            output,
            f"an output defined in every run (it is NaN or infinite in {bad:,} of {y.size:,})",
            "choose another output, or narrow the ranges so it stays defined",
        )
        raise InputError([issue], origin=f"Sobol indices of {output}")
    if float(np.ptp(y)) <= 1e-9 * max(1.0, float(np.max(np.abs(y)))):
        issue = Issue("output", output, "an output that varies over the ranges", "choose another output")
        raise InputError([issue], origin=f"Sobol indices of {output}")
    result = salib_analyze.analyze(problem, y, calc_second_order=False, num_resamples=100, conf_level=0.95, seed=seed)
    seconds = time.perf_counter() - start
    rows = [
        SobolIndex(
            labels[i],
            float(result["S1"][i]),
            float(result["S1_conf"][i]),
            float(result["ST"][i]),
            float(result["ST_conf"][i]),
        )
        for i in range(d)
    ]
    return SobolResult(output, rows, n, int(x.shape[0]), seconds, seed)


def sobol(
    target: Compiled | Evaluator,
    factors: Sequence[str] | None = None,
    output: str = "npv_post_tax",
    n: int = 1024,
    seed: int = 7,
) -> SobolResult:
    """Sobol indices of one output of the case over its factors (all, or those named).

    Each factor is uniform over its low-high range; the delay is uniform over the whole years of its range (drawn
    on ``[low - 0.5, high + 0.5)`` and rounded). Rows come sorted by total index, largest first.

    Raises
    ------
    InputError
        When the output is NaN in some run (``min_dscr`` without debt, ``aetr`` with a non-positive pre-tax PV),
        does not vary, or a factor or the output is unknown.
    """
    ev = _evaluator(target)
    (output,) = _check_outputs(ev, [output])
    names = list(factors) if factors is not None else list(ev.factors)
    ev.values(dict.fromkeys(names, 1.0))  # checks the names
    chosen = [ev.factors[name] for name in names]
    bounds = [(f.low - 0.5, f.high + 0.5) if f.integer else (f.low, f.high) for f in chosen]

    def function(x: F64) -> F64:
        y = np.empty(x.shape[0])
        for i, row in enumerate(x):
            values = {
                f.name: (math.floor(float(v) + 0.5) if f.integer else float(v))
                for f, v in zip(chosen, row, strict=True)
            }
            y[i] = ev.output(values, output)
        return y

    result = sobol_indices(function, bounds, n=n, seed=seed, names=names, output=output)
    basis = (
        f"{result.runs:,} model runs (Saltelli, N = {n}, {len(names)} inputs, first and total order only), inputs "
        f"independent and uniform over their ranges, SALib seed {seed}; 95% bootstrap half-widths"
    )
    return SobolResult(output, sorted(result.indices, key=lambda r: -r.ST), n, result.runs, result.seconds, seed, basis)


# -------------------------------------------------------------------------------------------------- breakeven


@dataclass
class BreakevenDistribution:
    """Distribution of the after-tax breakeven price of the primary commodity over the non-price risks.

    Prices are in ``unit`` (the case's display unit). ``deterministic`` is the breakeven with no risk drawn (the
    figure :func:`chagai.services.appraise` reports). ``defined`` draws have a breakeven within the prices searched;
    ``below`` pay at every price searched (their breakeven, and a percentile that falls on them, is ``-inf``) and
    ``above`` at none (``+inf``).
    """

    commodity: str
    unit: str
    deck_price: float
    deterministic: float
    p10: float
    p50: float
    p90: float
    mean: float
    n: int
    defined: int
    below: int
    above: int
    seed: int
    seconds: float
    runs: int
    basis: str
    values: F64 = field(repr=False, default_factory=lambda: np.zeros(0))

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (without the draws)."""
        return {key: _clean(value) for key, value in self.__dict__.items() if key != "values"}


def breakeven_distribution(
    source: Simulation | Compiled | Evaluator,
    n: int = 500,
    seed: int = 7,
) -> BreakevenDistribution:
    """P10/P50/P90 of the after-tax breakeven price of the case's primary commodity over the non-price risks.

    For each of the first ``n`` paths of the Monte Carlo with ``seed`` (its capital overrun, delay and
    availability, drawn by its own compiled code: :func:`chagai.risk.montecarlo.draw_inputs`), the primary
    commodity's price path is scaled by the factor at which the project NPV after tax at the scenario's rate is
    zero (Brent's method on the factor in [0.01, 20]); the breakeven is that factor
    times the deck price of the valuation year. Other prices stay on the deck. A draw whose NPV is positive over
    the whole bracket (the other products pay for the mine) has breakeven ``-inf``, one negative over it ``+inf``;
    both take part in the percentiles at their end of the ranking.

    Parameters
    ----------
    source
        A Monte Carlo :class:`~chagai.risk.simulate.Simulation` (its case, scenario, profile and which risks it
        drew), or a compiled case (the profile for its kind, every non-price risk on).
    n
        Number of draws.
    seed
        Seed of the Monte Carlo run whose paths are used.
    """
    from chagai.risk.simulate import Simulation

    security = schedule = True
    if isinstance(source, Simulation):
        ev = Evaluator(source.compiled, profile=source.profile)
        security, schedule = source.risk.security, source.risk.schedule
    else:
        ev = _evaluator(source)
    if n < 1:
        raise InputError([Issue("n", n, "1 or more draws", "give a positive number")])
    compiled = ev.compiled
    primary = compiled.commodities[0]
    name = price_factor_name(primary)
    display = float(compiled.prices[0, 0] * compiled.price_display_factor[0])
    start = time.perf_counter()
    runs0 = ev.runs
    from chagai.risk import montecarlo as mc
    from chagai.risk.simulate import RiskSettings, risk_inputs

    still_prices = RiskSettings(prices=False, security=security, schedule=schedule)
    risk = risk_inputs(compiled, still_prices, None, ev.profile if (security or schedule) else None)
    drawn = mc.draw_inputs(risk, compiled.prices, seed, n)
    delays, capexes, paths = drawn.delay, drawn.capex_factor, np.ascontiguousarray(drawn.availability.T)
    low, high = BREAKEVEN_BRACKET

    def root(fn: Callable[[float], float]) -> float:
        f_low, f_high = fn(low), fn(high)
        if not (math.isfinite(f_low) and math.isfinite(f_high)):
            return math.nan
        if f_low > 0 and f_high > 0:
            return -math.inf  # pays even at the lowest price searched
        if f_low < 0 and f_high < 0:
            return math.inf  # never pays within the prices searched
        return float(brentq(fn, low, high, xtol=1e-6))

    def base_npv(factor: float) -> float:
        return PathMeasures(*ev.run({name: factor}), ev.rate).values["npv_post_tax"]

    deterministic = root(base_npv) * display
    factors = np.empty(n)
    for i in range(n):

        def npv_at(factor: float, i: int = i) -> float:
            run = ev.run({name: factor}, availability=paths[i], capex=float(capexes[i]), delay=int(delays[i]))
            return PathMeasures(*run, ev.rate).values["npv_post_tax"]

        factors[i] = root(npv_at)
    prices = factors * display
    known = prices[~np.isnan(prices)]
    finite = known[np.isfinite(known)]
    below, above = int(np.sum(known == -math.inf)), int(np.sum(known == math.inf))
    p10, p50, p90 = (
        (float(v) for v in np.percentile(known, (10, 50, 90), method="inverted_cdf")) if known.size else (math.nan,) * 3
    )
    risks = [r for r, on in (("security outages", security), ("delay and capital overrun", schedule)) if on]
    profile = ev.profile.id if ev.profile else "none"
    basis = (
        f"{primary} price (whole deck path scaled; other prices on the deck) at which the project NPV after tax at "
        f"{ev.rate:.0%} is zero, over the first {n:,} paths of the Monte Carlo with seed {seed} (its draws of "
        f"{' and '.join(risks) or 'no risk'}, security profile {profile}, on top of the scenario's delay, overrun "
        f"and availability); price in {compiled.price_units[0]}, real {compiled.case.money.base_year}; "
        f"draws with no breakeven within {low:g}-{high:g} x deck: {below} pay at any price searched (ranked lowest, "
        f"-inf), {above} at none (ranked highest, +inf), {n - known.size} undefined (left out); percentiles are "
        "sample values (inverted CDF), the mean is over the draws with a breakeven"
    )
    return BreakevenDistribution(
        primary,
        compiled.price_units[0],
        display,
        deterministic,
        p10,
        p50,
        p90,
        float(finite.mean()) if finite.size else math.nan,
        n,
        int(finite.size),
        below,
        above,
        seed,
        time.perf_counter() - start,
        ev.runs - runs0,
        basis,
        prices,
    )


# -------------------------------------------------------------------------------------------- information gap

CRITERIA: Mapping[str, tuple[str, Callable[[float], float]]] = {
    "aetr": ("falls 5 percentage points below its base", lambda base: base - 0.05),
    "local_share": ("falls 5 percentage points below its base", lambda base: base - 0.05),
    "min_dscr": ("falls below 1.0x", lambda base: 1.0),
    "npv_post_tax": ("falls below zero", lambda base: 0.0),
}
"""Critical level of each output info-gap analysis supports: the answer fails when the output drops below it."""

_GRID = 16
_BISECTIONS = 30


@dataclass(frozen=True)
class InfoGapRow:
    """Robustness of one output to one input (Ben-Haim info-gap, one factor at a time).

    ``horizon`` is the smallest fractional deviation ``|u - u0| / |u0|`` of the input from its base at which the
    output crosses its critical level (``inf``: not within the input's range); ``direction`` says which way
    (``low`` or ``high``), ``input_at_horizon`` the input value there and ``share_of_range`` how far into that side
    of the range it lies. ``margin_used`` is the largest share of the safety margin (base output - critical level)
    the input consumes anywhere in its range (1 or more: it crosses; ``inf`` where the output becomes undefined,
    e.g. an AETR with a non-positive pre-tax PV). ``swing`` is ``|output(high) - output(low)|``
    over the range. ``rank`` 1 is the least robust input for the output.
    """

    output: str
    factor: str
    label: str
    unit: str
    base_input: float
    base_output: float
    critical: float
    criterion: str
    horizon: float
    direction: str | None
    input_at_horizon: float
    share_of_range: float
    margin_used: float
    swing: float
    rank: int

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (an infinite horizon becomes null, with ``crosses`` false)."""
        data = {key: _clean(value) for key, value in self.__dict__.items()}
        data["crosses"] = math.isfinite(self.horizon)
        return data


def _fails(value: float, critical: float) -> bool:
    return not math.isfinite(value) or value < critical


@dataclass
class _Side:
    horizon: float = math.inf
    direction: str | None = None
    value: float = math.nan
    share: float = math.inf
    worst: float = math.inf


def _scan(
    ev: Evaluator, f: Factor, output: str, critical: float, at: Callable[[str, float], dict[str, float]]
) -> _Side:
    """The smallest deviation of ``f`` (either side) at which ``output`` fails, and the worst output seen."""
    scale = abs(f.base) if abs(f.base) > 1e-12 else max(abs(f.low), abs(f.high))
    best = _Side()
    for direction, end in (("low", f.low), ("high", f.high)):
        width = abs(end - f.base)
        if width <= 0:
            continue
        sign = 1.0 if end > f.base else -1.0
        steps = (
            [float(s) for s in range(1, round(width) + 1)]
            if f.integer
            else [width * j / _GRID for j in range(1, _GRID + 1)]
        )
        previous = 0.0
        for step in steps:
            value = at(f.name, f.base + sign * step)[output]
            best.worst = min(best.worst, value) if math.isfinite(value) else -math.inf
            if _fails(value, critical):
                lo, hi = previous, step
                if not f.integer:
                    for _ in range(_BISECTIONS):
                        mid = 0.5 * (lo + hi)
                        if _fails(ev.evaluate({f.name: f.base + sign * mid})[output], critical):
                            hi = mid
                        else:
                            lo = mid
                if hi / scale < best.horizon:
                    best.horizon, best.direction = hi / scale, direction
                    best.value, best.share = f.base + sign * hi, hi / width
                break
            previous = step
    return best


def information_gap(target: Compiled | Evaluator, outputs: Sequence[str] = ("aetr", "min_dscr")) -> list[InfoGapRow]:
    """Info-gap robustness of each output to each uncertain input, ranked.

    Method (Ben-Haim, *Info-Gap Decision Theory*, 2nd ed., 2006), one factor at a time: the uncertainty model of
    input ``u`` with base ``u0`` is the fractional-error family ``U(a) = {u : |u - u0| <= a |u0|}``, cut to the
    input's range; the robustness of an output is the largest horizon ``a`` at which every ``u`` in ``U(a)`` keeps
    the output at or above its critical level (:data:`CRITERIA`: ``aetr`` and ``local_share`` 5 percentage points
    below base, ``min_dscr`` 1.0x, ``npv_post_tax`` 0). It is found on each side of the base by a scan of 16 equal
    steps to the end of the range, then 30 bisections of the first step that fails (whole years for the delay); an
    output that becomes undefined (NaN) counts as failing. For an input whose base is 0 (the delay) ``|u0|`` is
    replaced by the end of its range, so ``a = 1`` is the range end. An output that is NaN in the base case
    (``min_dscr`` without debt) has no rows.

    Inputs are ranked by horizon, smallest first (the input that moves the answer most); inputs that never make
    the output fail within their ranges (horizon ``inf``) follow, by the share of the margin they use, largest
    first.

    Returns
    -------
    list of InfoGapRow
        Grouped by output (in the order asked), each group in rank order.
    """
    ev = _evaluator(target)
    chosen = _check_outputs(ev, outputs)
    unsupported = [o for o in chosen if o not in CRITERIA]
    if unsupported:
        issue = Issue("outputs", unsupported, f"outputs among {', '.join(CRITERIA)}", "choose outputs with a criterion")
        raise InputError([issue], origin=ev.compiled.case.id)
    memo: dict[tuple[str, float], dict[str, float]] = {}

    def at(name: str, value: float) -> dict[str, float]:
        key = (name, value)
        if key not in memo:
            memo[key] = ev.evaluate({name: value})
        return memo[key]

    rows: list[InfoGapRow] = []
    for output in chosen:
        base_output = ev.base_outputs[output]
        if math.isnan(base_output):
            continue
        criterion, level = CRITERIA[output]
        critical = level(base_output)
        margin = base_output - critical
        group = []
        for name, f in ev.factors.items():
            side = _scan(ev, f, output, critical, at) if margin > 0 else _Side(0.0, None, f.base, 0.0, base_output)
            used = (base_output - side.worst) / margin if margin > 0 else math.inf
            swing = abs(at(name, f.high)[output] - at(name, f.low)[output])
            group.append((f, side, max(used, 0.0), swing))
        group.sort(key=lambda g: (g[1].horizon, -g[2], -g[3] if math.isfinite(g[3]) else math.inf))
        for rank, (f, side, used, swing) in enumerate(group, start=1):
            rows.append(
                InfoGapRow(
                    output,
                    f.name,
                    f.label,
                    f.unit,
                    f.base,
                    base_output,
                    critical,
                    criterion,
                    side.horizon,
                    side.direction,
                    side.value,
                    side.share,
                    used,
                    swing,
                    rank,
                )
            )
    return rows


# ----------------------------------------------------------------------------------------------------- report


@dataclass
class SensitivityReport:
    """Everything ``chagai sensitivity`` prints: tornado, Sobol indices, breakeven distribution, info-gap."""

    evaluator: Evaluator
    tornado: list[TornadoBar]
    sobol: dict[str, SobolResult | str]
    breakeven: BreakevenDistribution
    info_gap: list[InfoGapRow]
    runs: int
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        ev = self.evaluator
        c = ev.compiled
        return {
            "project": {"id": c.case.id, "name": c.case.name},
            "basis": (
                f"US$ million, {c.case.money.basis} {c.case.money.base_year} dollars; NPV at {ev.rate:.0%}, year 0 = "
                f"{c.valuation_year}, end-year flows"
            ),
            "factors": [f.as_dict() for f in ev.factors.values()],
            "base_outputs": {key: _clean(value) for key, value in ev.base_outputs.items()},
            "tornado": [b.as_dict() for b in self.tornado],
            "sobol": {
                key: (value.as_dict() if isinstance(value, SobolResult) else {"refused": value})
                for key, value in self.sobol.items()
            },
            "breakeven": self.breakeven.as_dict(),
            "information_gap": [r.as_dict() for r in self.info_gap],
            "runs": self.runs,
            "seconds": self.seconds,
        }


def sensitivity_report(
    compiled: Compiled,
    *,
    sobol_n: int = 512,
    seed: int = 7,
    breakeven_draws: int = 500,
    sobol_outputs: Sequence[str] = ("npv_post_tax", "aetr"),
) -> SensitivityReport:
    """Run every analysis of this module on one compiled case (what ``chagai sensitivity`` shows).

    A Sobol analysis that is refused (an output NaN in some runs, or constant) is kept as the reason, in place of
    the result.

    Raises
    ------
    InputError
        When ``sobol_n`` is not a power of two.
    """
    if sobol_n < 2 or sobol_n & (sobol_n - 1):
        below = 1 << max(1, int(sobol_n).bit_length() - 1)
        issue = Issue("--sobol-n", sobol_n, "a power of two (Sobol' sequence)", f"use {below} or {2 * below}")
        raise InputError([issue])
    start = time.perf_counter()
    ev = Evaluator(compiled)
    bars = tornado(ev)
    results: dict[str, SobolResult | str] = {}
    for output in sobol_outputs:
        try:
            results[output] = sobol(ev, output=output, n=sobol_n, seed=seed)
        except InputError as exc:
            results[output] = "; ".join(str(issue) for issue in exc.issues)
    breakeven = breakeven_distribution(ev, n=breakeven_draws, seed=seed)
    gaps = information_gap(ev)
    return SensitivityReport(ev, bars, results, breakeven, gaps, ev.runs, time.perf_counter() - start)
