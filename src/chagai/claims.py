"""Checking sourced claims against the model: agree, disagree or cannot check, with the model's value.

Each claim names a metric (``exports-first-year``, ``phase1-copper-production`` ...). A checker computes the
model's value of that metric from an appraisal, in the canonical unit of the metric's dimension, and says what
it includes. The claim's value is converted from its own unit; values within the tolerance (or inside a claimed
range widened by it) agree.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from chagai.cases.schema import Claim, MineProduction
from chagai.cases.units import DIMENSIONS
from chagai.core.metrics import npv

if TYPE_CHECKING:
    from chagai.services import Appraisal

TOLERANCE = 0.15
"""Relative difference within which a claim agrees with the model [fraction]."""


@dataclass(frozen=True)
class ClaimCheck:
    """The verdict on one claim."""

    claim_id: str
    statement: str
    metric: str
    claimed: str
    unit: str
    status: str  # agree, disagree, cannot check
    model_value: float | None
    difference: float | None  # model / claim - 1 (against the nearest end of a range)
    basis: str
    source: list[str]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class Measure:
    """A model value in the canonical unit of ``dimension``, with what it includes."""

    value: float
    dimension: str
    basis: str


Checker = Callable[["Appraisal"], "Measure | str"]
"""The model's value of a metric (or why there is none): it depends on the appraisal only, never on a claim."""


def _line(a: Appraisal, name: str) -> np.ndarray:
    return a.line(name)


def _producing(a: Appraisal) -> np.ndarray:
    return np.flatnonzero(_line(a, "throughput") > 0)


def _phase_years(a: Appraisal, phase: int) -> np.ndarray:
    """Year indices at the full nameplate of phase ``phase`` (1-based), in production."""
    prod = a.case.production
    if not isinstance(prod, MineProduction) or len(prod.phases) < phase:
        return np.array([], dtype=int)
    level = sorted(prod.phases, key=lambda p: p.start_year)[phase - 1].throughput.to("t/yr")
    nameplate = level * a.compiled.scenario.availability
    # np.isclose(throughput, nameplate, rtol=1e-6) for a finite nameplate, without its overhead on short arrays
    return np.flatnonzero(np.abs(_line(a, "throughput") - nameplate) <= 1e-8 + 1e-6 * abs(nameplate))


def _recovered(a: Appraisal, commodity: str) -> np.ndarray:
    prod = a.case.production
    if not isinstance(prod, MineProduction) or commodity not in prod.grades:
        return np.zeros(len(a.years))
    rec = prod.recoveries[commodity].canonical() if commodity in prod.recoveries else 1.0
    return _line(a, "throughput") * prod.grades[commodity].canonical() * rec


def _mean(values: np.ndarray, idx: np.ndarray) -> float:
    return float(values[idx].mean()) if idx.size else math.nan


def _years(a: Appraisal, idx: np.ndarray) -> str:
    return f"{a.years[idx[0]]}-{a.years[idx[-1]]}" if idx.size else "no such years in the model"


def _gross_first_full_year(a: Appraisal) -> Measure | str:
    producing = _producing(a)
    if producing.size < 2:
        return "the model has no full production year"
    i = producing[1]
    return Measure(
        float(_line(a, "gross_revenue")[i]),
        "money",
        f"gross revenue (all metals, at the deck's prices) in {a.years[i]}, the first full year after "
        f"production starts in {a.years[producing[0]]}",
    )


def _gross_phase(phase: int, years: int | None = None) -> Checker:
    def check(a: Appraisal) -> Measure | str:
        idx = _phase_years(a, phase)[: years or None]
        if not idx.size:
            return f"the model never runs at the phase {phase} nameplate"
        return Measure(
            _mean(_line(a, "gross_revenue"), idx),
            "money_rate",
            f"mean gross revenue over {_years(a, idx)} at the phase {phase} nameplate (deck prices)",
        )

    return check


def _metal_phase(commodity: str, phase: int, dimension: str, years: int | None = None) -> Checker:
    def check(a: Appraisal) -> Measure | str:
        idx = _phase_years(a, phase)[: years or None]
        if not idx.size:
            return f"the model never runs at the phase {phase} nameplate"
        value = _mean(_recovered(a, commodity), idx)
        if dimension == "gold_rate":
            value = value * 1e6 / 31.1034768  # t -> oz
        return Measure(value, dimension, f"mean recovered {commodity} a year over {_years(a, idx)} (phase {phase})")

    return check


def _metal_lom(commodity: str, dimension: str) -> Checker:
    def check(a: Appraisal) -> Measure | str:
        total = float(_recovered(a, commodity).sum())
        if dimension == "gold_mass":
            total = total * 1e6 / 31.1034768
        return Measure(total, dimension, f"recovered {commodity} over the life of the mine from {a.years[0]}")

    return check


def _product_phase(a: Appraisal) -> Measure | str:
    idx = _phase_years(a, 1)
    if not idx.size:
        return "the model never runs at the phase 1 nameplate"
    return Measure(_mean(_line(a, "product"), idx), "mass_rate", f"mean concentrate a year over {_years(a, idx)}")


def _product_early(a: Appraisal) -> Measure | str:
    idx = _producing(a)[:5]
    if not idx.size:
        return "the model has no production"
    return Measure(
        _mean(_line(a, "product"), idx), "mass_rate", f"mean product (concentrate or blister) a year, {_years(a, idx)}"
    )


def _throughput_early(a: Appraisal) -> Measure | str:
    idx = _producing(a)[:5]
    if not idx.size:
        return "the model has no production"
    return Measure(_mean(_line(a, "throughput"), idx), "mass_rate", f"mean ore milled a year, {_years(a, idx)}")


def _free_cash_flow(a: Appraisal) -> Measure | str:
    return Measure(
        float(_line(a, "post_tax_ncf").sum()),
        "money",
        f"sum of after-tax unlevered cash flow {a.years[0]}-{a.years[-1]}, undiscounted, real dollars",
    )


def _capex_phase(phase: int) -> Checker:
    def check(a: Appraisal) -> Measure | str:
        prod = a.case.production
        if not isinstance(prod, MineProduction) or len(prod.phases) < phase or a.case.costs is None:
            return f"the case has no phase {phase}"
        pid = sorted(prod.phases, key=lambda p: p.start_year)[phase - 1].id
        amount = sum(c.amount.to("US$m") for c in a.case.costs.capex if c.phase == pid)
        return Measure(amount, "money", f"the case's phase {phase} capital (input, before overrun and financing costs)")

    return check


def _debt_total(a: Appraisal) -> Measure | str:
    loans = [f for f in a.case.financing if f.instrument == "loan"]
    if not loans:
        return "the case has no loans"
    return Measure(sum(f.amount.to("US$m") for f in loans), "money", f"sum of the case's {len(loans)} loan facilities")


def _facility(lender: str) -> Checker:
    def check(a: Appraisal) -> Measure | str:
        amounts = [f.amount.to("US$m") for f in a.case.financing if f.lender == lender]
        if not amounts:
            return f"the case has no facility from {lender}"
        return Measure(sum(amounts), "money", f"the case's facilities from {lender}")

    return check


def _stake_value(share: float) -> Checker:
    def check(a: Appraisal) -> Measure | str:
        r = a.discount_rate
        equity = _line(a, "equity_cash_flow") - _line(a, "dividend_withholding")
        sales = [s for s in a.compiled.scenario.sales if math.isclose(s.share, share, rel_tol=1e-6)]
        if sales:
            sale = sales[0]
            p = next(i for i, party in enumerate(a.compiled.parties) if party.id == sale.buyer)
            value = float(npv(r, a.party_net[p])) * (1 + r) ** (sale.year - int(a.years[0]))
            basis = (
                f"NPV at {r:.0%} of the dividends {sale.buyer} receives for {share:.0%} bought from {sale.seller} "
                f"in {sale.year}, valued in {sale.year}"
            )
            return Measure(value, "money", basis)
        value = share * float(npv(r, equity))
        return Measure(value, "money", f"{share:.0%} of the equity NPV at {r:.0%} after dividend withholding")

    return check


def _share_of_revenue(line: str, label: str) -> Checker:
    def check(a: Appraisal) -> Measure | str:
        gross = float(_line(a, "gross_revenue").sum())
        if gross <= 0:
            return "the model has no revenue"
        return Measure(float(_line(a, line).sum()) / gross, "fraction", f"{label} / gross revenue, life of project")

    return check


def _cash_surplus_first(a: Appraisal) -> Measure | str:
    producing = _producing(a)
    if not producing.size:
        return "the model has no production"
    i = producing[0]
    surplus = _line(a, "post_tax_ncf") + _line(a, "profit_share_state") + _line(a, "social_uplift")
    surplus = surplus + _line(a, "initial_capex") + _line(a, "closure")
    return Measure(float(surplus[i]), "money", f"cash surplus before the profit split in {a.years[i]}")


def _reserve(a: Appraisal) -> Measure | str:
    prod = a.case.production
    if not isinstance(prod, MineProduction):
        return "not a mine"
    return Measure(prod.ore_reserve.canonical(), "mass", "the case's ore reserve (input)")


CHECKERS: dict[str, Checker] = {
    "exports-first-year": _gross_first_full_year,
    "exports-first-full-year": _gross_first_full_year,
    "exports-annual": _gross_phase(1),
    "exports-annual-phase2": _gross_phase(2, 10),
    "free-cash-flow-lom": _free_cash_flow,
    "phase1-copper-production": _metal_phase("copper", 1, "mass_rate"),
    "phase1-gold-production": _metal_phase("gold", 1, "gold_rate"),
    "phase2-copper-production": _metal_phase("copper", 2, "mass_rate", 10),
    "phase2-gold-production": _metal_phase("gold", 2, "gold_rate", 10),
    "phase1-concentrate-production": _product_phase,
    "concentrate-production": _product_phase,
    "lom-copper-production": _metal_lom("copper", "mass"),
    "lom-gold-production": _metal_lom("gold", "gold_mass"),
    "blister-production": _product_early,
    "ore-milled": _throughput_early,
    "phase1-capex": _capex_phase(1),
    "phase2-capex": _capex_phase(2),
    "project-debt": _debt_total,
    "debt-commitments": _debt_total,
    "exim-loan": _facility("us-exim"),
    "stake-price-15pct": _stake_value(0.15),
    "provincial-share-of-revenue": _share_of_revenue("government_provincial", "provincial receipts"),
    "federal-share-of-revenue": _share_of_revenue("government_federal", "federal receipts"),
    "profit": _cash_surplus_first,
    "ore-reserve": _reserve,
}
"""Metrics the model can check, by the name claims use."""

_NOT_MODELLED = {
    "jobs": "the model has no labour inputs",
    "capex-spent-to-date": "spending before the valuation year is sunk and not modelled",
}


def _claimed(claim: Claim) -> str:
    return f"{claim.value:g}" + (f"-{claim.high:g}" if claim.high is not None else "")


def _cannot_check(claim: Claim, reason: str) -> ClaimCheck:
    return ClaimCheck(
        claim.id,
        claim.statement,
        claim.metric,
        _claimed(claim),
        claim.unit,
        "cannot check",
        None,
        None,
        reason,
        list(claim.source),
    )


def _verdict(claim: Claim, measure: Measure, first_year: int) -> ClaimCheck:
    dimension = DIMENSIONS[measure.dimension]
    claimed = _claimed(claim)
    if claim.unit not in dimension.factors:
        return _cannot_check(claim, f"the claim's unit {claim.unit} is not a unit of {measure.dimension}")
    factor = dimension.factor(claim.unit)
    model = measure.value / factor
    low, high = claim.value, claim.high if claim.high is not None else claim.value
    if not math.isfinite(model):
        status, diff = "cannot check", None
    else:
        if model < low:
            diff = model / low - 1 if low else math.inf
        elif model > high:
            diff = model / high - 1 if high else math.inf
        else:
            diff = 0.0
        status = "agree" if abs(diff) <= TOLERANCE else "disagree"
    note = measure.basis
    if claim.year is not None and claim.year < first_year:
        note += f"; the claim is about {claim.year}, before the model's first year {first_year}"
    return ClaimCheck(
        claim.id,
        claim.statement,
        claim.metric,
        claimed,
        claim.unit,
        status,
        model if math.isfinite(model) else None,
        diff,
        note,
        list(claim.source),
    )


def _measure(appraisal: Appraisal, metric: str) -> Measure | str:
    """The model's value of ``metric``, or why it has none."""
    checker = CHECKERS.get(metric)
    if checker is None:
        prefix = next((p for p in _NOT_MODELLED if metric.startswith(p)), None)
        return _NOT_MODELLED[prefix] if prefix else f"the model has no output for {metric!r}"
    return checker(appraisal)


def check_claims(appraisal: Appraisal) -> list[ClaimCheck]:
    """Check every claim of the appraised case (each metric is measured once, however many claims name it)."""
    out = []
    measures: dict[str, Measure | str] = {}
    for claim in appraisal.case.claims:
        if claim.metric not in measures:
            measures[claim.metric] = _measure(appraisal, claim.metric)
        result = measures[claim.metric]
        if isinstance(result, str):
            out.append(_cannot_check(claim, result))
        else:
            out.append(_verdict(claim, result, int(appraisal.years[0])))
    return out
