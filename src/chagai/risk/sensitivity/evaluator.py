"""The evaluator: one compiled case's annual model run with sensitivity factors applied, and its outputs."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np
import numpy.typing as npt

from chagai.cases.compile import Compiled
from chagai.core.measures import PathMeasures
from chagai.core.model import run_with
from chagai.errors import InputError, Issue, NotFoundError
from chagai.results import Factor
from chagai.risk.prices import PriceModels
from chagai.risk.security import SecurityProfile, profile_for_case_kind
from chagai.risk.sensitivity.factors import build_factors, price_factor_name
from chagai.risk.sensitivity.outputs import OUTPUT_LABELS, OUTPUTS

F64 = npt.NDArray[np.float64]


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


def evaluator_of(target: Compiled | Evaluator) -> Evaluator:
    """The evaluator itself, or a new one for a compiled case."""
    return target if isinstance(target, Evaluator) else Evaluator(target)


def check_outputs(ev: Evaluator, outputs: Iterable[str]) -> list[str]:
    """The outputs asked for, as a list, once each is known to the evaluator.

    Raises
    ------
    InputError
        If an output is not one of the evaluator's.
    """
    chosen = list(outputs)
    unknown = [o for o in chosen if o not in ev.outputs]
    if unknown:
        raise InputError(
            [Issue("outputs", unknown, f"outputs among {', '.join(ev.outputs)}", "choose known outputs")],
            origin=ev.compiled.case.id,
        )
    return chosen
