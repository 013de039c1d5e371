"""Checking sourced claims against the model: agree, disagree or cannot check, with the figures and the rule.

A claim names a metric (``exports-annual``, ``phase1-copper-production`` ...) and says how its figure is to be read
(fields of :class:`~chagai.cases.schema.Claim`):

``basis``
    What the figure covers. ``year``: the claim's calendar year. ``first-year``: the first production year.
    ``first-full-year``: the year after it. ``run-rate``: a phase's design rate, the mean of the years the model runs
    at that phase's nameplate (``phase`` names the phase). ``build``: a phase's construction, from the end of the
    previous phase's build to the phase's first production year. ``life``: the whole life (a total for an amount,
    the mean of the producing years for a rate). ``history``: a past year, checked against the case's recorded
    history. Left out, a claim with a ``year`` is read in that year and one without on the metric's own basis
    (:data:`METRICS`). A year before the model's first year is history: the model's future years never stand in
    for it, and when the case records nothing for that year the verdict is "cannot check".
``bound``
    ``about`` the value, or within the range ``value``-``high`` (default); ``at-least`` ("over US$75bn"): the model
    must reach the value; ``at-most`` ("up to US$2bn", "by 2028"): the model must not exceed it.
``tolerance``
    How far the model may be from the claim and still agree, as a fraction of the claimed value: by default
    :data:`~chagai.cases.schema.CLAIM_TOLERANCE` (15%) about a value and 0 for a bound (the bound is strict). A claim
    stated as a calendar year (unit ``year``) is compared in years, with a default tolerance of 0 years.
``includes``
    What a claimed cost includes beyond the case's capital: ``financing`` (interest during construction and fees),
    ``contingency`` (the scenario's overrun) and, for an owner's funding, ``project-debt`` (its share of what the
    project's loans pay for, as if there were none).

The verdict (:class:`~chagai.results.ClaimCheck`) carries the model's figure in the claim's unit, the difference
(``model / claim - 1`` against the nearest end of a range, or ``model - claim`` in years), the tolerance and the rule
in words. A metric the model has no output for (jobs, where equipment is bought) is "cannot check" with the reason,
never a match.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import yaml

from chagai.cases.schema import (
    CLAIM_BOUND_TOLERANCE,
    CLAIM_TOLERANCE,
    CLAIM_YEAR_TOLERANCE,
    Claim,
    GasProduction,
    MineProduction,
    Phase,
    normalise_name,
)
from chagai.cases.units import DIMENSIONS, TROY_OUNCE_G
from chagai.core import kernel
from chagai.core.calendar import DAYS_PER_YEAR
from chagai.core.metrics import npv
from chagai.formatting import claimed_text as claimed_value_text
from chagai.formatting import percent_text
from chagai.results import ClaimCheck, VerdictStatus
from chagai.services.annual import AnnualRun

TOLERANCE = CLAIM_TOLERANCE
"""Relative difference within which a claim about a value agrees with the model, unless it says otherwise
[fraction]."""

NOT_CHECKABLE = "not checkable by the model"
"""How the reason of a claim the model has no output for begins."""


@dataclass(frozen=True)
class Reading:
    """How one claim asks to be measured: the basis resolved, its year, its phase (1-based) and what it includes."""

    basis: str
    year: int | None = None
    phase: int = 1
    first_years: int | None = None  # a run rate over the phase's first years at nameplate only
    includes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Measure:
    """A model value in the canonical unit of ``dimension``, with what it includes.

    ``also`` gives the same figure in other dimensions a claim may use (a year's revenue is both an amount and a
    rate; a life total and the mean of the producing years).
    """

    value: float
    dimension: str
    basis: str
    also: tuple[tuple[str, float], ...] = ()
    years: tuple[int, ...] = ()  # the model years the figure covers (empty: not a figure of years)


MeasureFn = Callable[[AnnualRun, Reading], "Measure | str"]
"""The model's value of a metric read one way (or why there is none): it depends on the run and the
reading only, never on the claimed value."""


@dataclass(frozen=True)
class Metric:
    """A figure the model can give, the bases it can be read on (its own first) and what it may include."""

    measure: MeasureFn
    bases: tuple[str, ...] = ()  # empty: a figure of the case (an input), not of years
    phase: int = 1
    first_years: int | None = None
    includes: frozenset[str] = field(default_factory=frozenset)
    product: str | None = None  # the product (concentrate, blister ...) the case must make


# ---------------------------------------------------------------------------------------------------------
# years of the model


def _line(a: AnnualRun, name: str) -> np.ndarray:
    return a.line(name)


def _producing(a: AnnualRun) -> np.ndarray:
    return np.flatnonzero(_line(a, "throughput") > 0)


def _phases(a: AnnualRun) -> list[Phase]:
    prod = a.case.production
    return sorted(prod.phases, key=lambda p: p.start_year) if isinstance(prod, MineProduction) else []


def _nameplate(a: AnnualRun, phase: int) -> float:
    return _phases(a)[phase - 1].throughput.to("t/yr") * a.compiled.scenario.availability


def _phase_years(a: AnnualRun, phase: int) -> np.ndarray:
    """Year indices at the full nameplate of phase ``phase`` (1-based), in production."""
    if len(_phases(a)) < phase:
        return np.array([], dtype=int)
    nameplate = _nameplate(a, phase)
    # np.isclose(throughput, nameplate, rtol=1e-6) for a finite nameplate, without its overhead on short arrays
    return np.flatnonzero(np.abs(_line(a, "throughput") - nameplate) <= 1e-8 + 1e-6 * abs(nameplate))


def _build_years(a: AnnualRun, phase: int) -> np.ndarray | str:
    """Year indices of a phase's construction: after the previous phase's first production year, to its own."""
    phases = _phases(a)
    if len(phases) < phase:
        return f"the case has no phase {phase}"
    delay = a.compiled.scenario.delay
    start = phases[phase - 1].start_year + delay
    after = phases[phase - 2].start_year + delay if phase > 1 else int(a.years[0]) - 1
    return np.flatnonzero((a.years > after) & (a.years <= start))


def _span(a: AnnualRun, idx: np.ndarray) -> str:
    if not idx.size:
        return "no such years in the model"
    first, last = int(a.years[idx[0]]), int(a.years[idx[-1]])
    return str(first) if first == last else f"{first}-{last}"


def _phase_name(phase: int) -> str:
    return f"phase {phase}"


def _ramp_note(a: AnnualRun, i: int) -> str:
    """How far year ``i`` is from the first phase's nameplate (for first-year readings)."""
    phases = _phases(a)
    if not phases:
        return ""
    share = float(_line(a, "throughput")[i]) / _nameplate(a, 1)
    return "" if math.isclose(share, 1.0, rel_tol=1e-6) else f", at {share:.0%} of the phase 1 nameplate"


def _period(a: AnnualRun, r: Reading) -> tuple[np.ndarray, str] | str:
    """The model years a reading covers, described, or why there are none (``history`` is handled apart)."""
    producing = _producing(a)
    if r.basis == "year":
        assert r.year is not None  # the schema requires a year with this basis
        if r.year < int(a.years[0]):
            return _history_reason(a, r.year)
        if r.year > int(a.years[-1]):
            return f"the model ends in {int(a.years[-1])}, before {r.year}"
        i = int(np.searchsorted(a.years, r.year))
        return np.array([i]), f"in {r.year}"
    if r.basis == "first-year":
        if not producing.size:
            return "the model has no production"
        i = int(producing[0])
        return np.array([i]), f"in {a.years[i]}, the first production year{_ramp_note(a, i)}"
    if r.basis == "first-full-year":
        if producing.size < 2:
            return "the model has no full production year"
        i = int(producing[1])
        return (
            np.array([i]),
            f"in {a.years[i]}, the first full year after production starts in {a.years[producing[0]]}"
            f"{_ramp_note(a, i)}",
        )
    if r.basis == "run-rate":
        idx = _phase_years(a, r.phase)[: r.first_years or None]
        if not idx.size:
            return f"the model never runs at the {_phase_name(r.phase)} nameplate"
        first = f"over the first {r.first_years} years " if r.first_years else ("in " if idx.size == 1 else "over ")
        return idx, f"a year {first}{_span(a, idx)} at the {_phase_name(r.phase)} nameplate (its design rate)"
    if r.basis == "build":
        build = _build_years(a, r.phase)
        if isinstance(build, str):
            return build
        return build, f"over {_span(a, build)}, the {_phase_name(r.phase)} build"
    if r.basis == "life":
        return np.arange(len(a.years)), f"over the life, {_span(a, np.arange(len(a.years)))}"
    return f"the metric cannot be read on basis {r.basis!r}"


# ---------------------------------------------------------------------------------------------------------
# annual lines the model computes


@dataclass(frozen=True)
class Series:
    """An annual figure of the model: its values [canonical amount a year], name and dimensions."""

    values: Callable[[AnnualRun], np.ndarray]
    label: str
    rate: str  # dimension of one year's value (money_rate ...)
    amount: str  # dimension of a total (money ...)
    per_year: float = 1.0  # canonical rate = annual amount / per_year (gas rates are per day)
    history: Callable[[AnnualRun, int], tuple[float, str] | None] | None = None  # a recorded past year (a rate)


def _recovered(a: AnnualRun, commodity: str) -> np.ndarray:
    prod = a.case.production
    if not isinstance(prod, MineProduction) or commodity not in prod.grades:
        return np.zeros(len(a.years))
    rec = prod.recoveries[commodity].canonical() if commodity in prod.recoveries else 1.0
    return _line(a, "throughput") * prod.grades[commodity].canonical() * rec


def _gas_history(a: AnnualRun, year: int) -> tuple[float, str] | None:
    prod = a.case.production
    if not isinstance(prod, GasProduction):
        return None
    for point in prod.history:
        if point.year == year:
            cited = ", ".join(point.source or point.rate.source) or "an estimate"
            return point.rate.to("MMscf/d"), f"the case's recorded production in {year} ({cited})"
    return None


def _product_label(a: AnnualRun) -> str:
    prod = a.case.production
    return prod.product if isinstance(prod, MineProduction) else "product"


REVENUE = Series(
    lambda a: _line(a, "gross_revenue"),
    "gross revenue (payable metals at the deck's prices)",
    "money_rate",
    "money",
)
SERIES: dict[str, Series] = {
    "revenue": REVENUE,
    "copper": Series(lambda a: _recovered(a, "copper"), "recovered copper", "mass_rate", "mass"),
    "gold": Series(lambda a: _recovered(a, "gold") * 1e6 / TROY_OUNCE_G, "recovered gold", "gold_rate", "gold_mass"),
    "silver": Series(lambda a: _recovered(a, "silver"), "recovered silver", "mass_rate", "mass"),
    "product": Series(lambda a: _line(a, "product"), "product", "mass_rate", "mass"),
    "ore": Series(lambda a: _line(a, "throughput"), "ore milled", "mass_rate", "mass"),
    "gas": Series(
        lambda a: _line(a, "throughput"), "gas produced", "gas_rate", "gas_volume", DAYS_PER_YEAR, _gas_history
    ),
    "free-cash-flow": Series(
        lambda a: _line(a, "post_tax_ncf"),
        "after-tax unlevered cash flow (undiscounted, real dollars)",
        "money_rate",
        "money",
    ),
    "cash-surplus": Series(
        lambda a: (
            _line(a, "post_tax_ncf")
            + _line(a, "profit_share_state")
            + _line(a, "social_uplift")
            + _line(a, "initial_capex")
            + _line(a, "closure")
        ),
        "cash surplus before the profit split",
        "money_rate",
        "money",
    ),
}


def _history_reason(a: AnnualRun, year: int) -> str:
    first = int(a.years[0])
    if year >= first:
        return f"{year} is not before the model's first year {first}: read it on basis 'year'"
    return (
        f"the model starts in {first} and the case records nothing for {year}; "
        "its future years are not a record of the past"
    )


def _from_series(series: Series) -> MeasureFn:
    def measure(a: AnnualRun, r: Reading) -> Measure | str:
        label = _product_label(a) if series.label == "product" else series.label
        if r.basis == "history":
            assert r.year is not None  # the schema requires a year with this basis
            recorded = series.history(a, r.year) if series.history else None
            if recorded is None:
                return _history_reason(a, r.year)
            rate, where = recorded
            return Measure(rate, series.rate, f"{label}: {where}", ((series.amount, rate * series.per_year),))
        found = _period(a, r)
        if isinstance(found, str):
            return found
        idx, where = found
        values = series.values(a)
        years = tuple(int(y) for y in a.years[idx])
        if r.basis == "life":
            producing = np.intersect1d(idx, _producing(a))
            mean = float(values[producing].mean()) if producing.size else math.nan
            return Measure(
                float(values[idx].sum()),
                series.amount,
                f"{label} {where} (total; the mean of its {producing.size} producing years as a rate)",
                ((series.rate, mean / series.per_year),),
                years,
            )
        mean = float(values[idx].mean())
        what = f"mean {label}" if idx.size > 1 else label
        return Measure(mean / series.per_year, series.rate, f"{what} {where}", ((series.amount, mean),), years)

    return measure


def _share_of_revenue(line: str, label: str) -> MeasureFn:
    def measure(a: AnnualRun, r: Reading) -> Measure | str:
        if r.basis == "history":
            assert r.year is not None  # the schema requires a year with this basis
            return _history_reason(a, r.year)
        found = _period(a, r)
        if isinstance(found, str):
            return found
        idx, where = found
        gross = float(_line(a, "gross_revenue")[idx].sum())
        if gross <= 0:
            return f"the model has no revenue {where}"
        share = float(_line(a, line)[idx].sum()) / gross
        years = tuple(int(y) for y in a.years[idx])
        return Measure(share, "fraction", f"{label} / gross revenue {where}", years=years)

    return measure


# ---------------------------------------------------------------------------------------------------------
# figures of the case and of its construction


def _phase_capital(a: AnnualRun, phase: int) -> float | str:
    phases = _phases(a)
    if len(phases) < phase or a.case.costs is None:
        return f"the case has no phase {phase}"
    pid = phases[phase - 1].id
    return float(sum(c.amount.to("US$m") for c in a.case.costs.capex if c.phase == pid))


def _cost(a: AnnualRun, r: Reading) -> tuple[float, list[str]] | str:
    """A phase's capital with what the reading includes (contingency, financing), and the words for each part."""
    found = _phase_capital(a, r.phase)
    if isinstance(found, str):
        return found
    amount = found
    words = [f"the case's {_phase_name(r.phase)} capital (US${amount:,.0f}m, before overrun and financing)"]
    if "contingency" in r.includes:
        overrun = a.compiled.scenario.overrun
        extra = amount * (overrun - 1)
        amount += extra
        words.append(
            f"contingency as the scenario's overrun x{overrun:.2f} (US${extra:,.0f}m"
            + (": none beyond the estimate's own)" if overrun == 1 else ")")
        )
    if "financing" in r.includes:
        build = _build_years(a, r.phase)
        if isinstance(build, str):
            return build
        interest = float(_line(a, "interest_capitalised")[build].sum())
        fees = float(_line(a, "fees")[build].sum())
        amount += interest + fees
        words.append(
            f"interest during construction US${interest:,.0f}m and fees US${fees:,.0f}m over {_span(a, build)}"
        )
    return amount, words


def _capex(a: AnnualRun, r: Reading) -> Measure | str:
    found = _cost(a, r)
    if isinstance(found, str):
        return found
    amount, words = found
    return Measure(amount, "money", " + ".join(words))


def _contributions(a: AnnualRun) -> np.ndarray:
    """(S, T) equity each stake line contributes [US$m]: its share of the negative equity cash flow.

    A free-carried line contributes nothing and its part falls on the paying lines, pro rata (as in the waterfall).
    """
    params = a.compiled.params
    shares = np.asarray(params.stakes.share)
    paying_lines = np.asarray(params.stakes.kind) != kernel.STAKE_FREE_CARRIED
    paying = (shares * paying_lines[:, None]).sum(axis=0)
    need = np.maximum(-_line(a, "equity_cash_flow"), 0.0)
    per = np.divide(need, paying, out=np.zeros_like(need), where=paying > 0)
    out: np.ndarray = shares * paying_lines[:, None] * per[None, :]
    return out


def _equity_contribution(holder: str) -> MeasureFn:
    def measure(a: AnnualRun, r: Reading) -> Measure | str:
        parties = [p.id for p in a.compiled.parties]
        if holder not in parties:
            return f"the case has no party {holder!r}"
        p = parties.index(holder)
        who = a.case.party(holder).label
        params = a.compiled.params
        lines = np.flatnonzero(np.asarray(params.stakes.holder) == p)
        if not lines.size:
            return f"{who} holds no stake in the model"
        found = _period(a, r)
        if isinstance(found, str):
            return found
        idx, where = found
        years = tuple(int(y) for y in a.years[idx])
        paid = _contributions(a)[lines][:, idx].sum()
        net = f"its equity after the project's loans {where}: US${paid:,.0f}m"
        if "project-debt" not in r.includes:
            extra = [i for i in ("financing", "contingency") if i in r.includes]
            note = f" (the model's equity already pays its part of {' and '.join(extra)})" if extra else ""
            return Measure(float(paid), "money", f"the stakes of {who}: {net}{note}", years=years)
        if r.basis != "build":
            return "an owner's share of the whole cost is read over a phase's build only"
        cost = _cost(a, r)
        if isinstance(cost, str):
            return cost
        amount, words = cost
        kinds = np.asarray(params.stakes.kind)
        shares = np.asarray(params.stakes.share)[:, idx[-1]]
        paying = float(shares[kinds != kernel.STAKE_FREE_CARRIED].sum())
        share = float(shares[lines][kinds[lines] != kernel.STAKE_FREE_CARRIED].sum()) / paying if paying > 0 else 0.0
        return Measure(
            share * amount,
            "money",
            f"the share of {who} in the funding, {share:.1%} (its paying stakes over all paying stakes), of the "
            f"whole {_phase_name(r.phase)} cost as if there were no loans: " + " + ".join(words) + f"; {net}",
            years=years,
        )

    return measure


def _debt_share(a: AnnualRun, r: Reading) -> Measure | str:
    found = _period(a, r)
    if isinstance(found, str):
        return found
    idx, where = found
    debt = float(_line(a, "debt_drawdown")[idx].sum())
    equity = float(np.maximum(-_line(a, "equity_cash_flow")[idx], 0.0).sum())
    if debt + equity <= 0:
        return f"the model raises no funding {where}"
    return Measure(
        debt / (debt + equity),
        "fraction",
        f"loans drawn US${debt:,.0f}m / (loans + equity US${equity:,.0f}m) {where}",
        years=tuple(int(y) for y in a.years[idx]),
    )


def _debt_total(a: AnnualRun, r: Reading) -> Measure | str:
    loans = [f for f in a.case.financing if f.instrument == "loan"]
    if not loans:
        return "the case has no loans"
    return Measure(sum(f.amount.to("US$m") for f in loans), "money", f"sum of the case's {len(loans)} loan facilities")


def _facility(lender: str) -> MeasureFn:
    def measure(a: AnnualRun, r: Reading) -> Measure | str:
        amounts = [f.amount.to("US$m") for f in a.case.financing if f.lender == lender]
        if not amounts:
            return f"the case has no facility from {lender}"
        label = a.case.party(lender).label
        what = "facility" if len(amounts) == 1 else f"{len(amounts)} facilities"
        return Measure(sum(amounts), "money", f"the case's {what} from {label} (input)")

    return measure


def _stake_value(share: float) -> MeasureFn:
    def measure(a: AnnualRun, r: Reading) -> Measure | str:
        rate = a.discount_rate
        equity = _line(a, "equity_cash_flow") - _line(a, "dividend_withholding")
        sales = [s for s in a.compiled.scenario.sales if math.isclose(s.share, share, rel_tol=1e-6)]
        if sales:
            sale = sales[0]
            p = next(i for i, party in enumerate(a.compiled.parties) if party.id == sale.buyer)
            value = float(npv(rate, a.party_net[p])) * (1 + rate) ** (sale.year - int(a.years[0]))
            basis = (
                f"NPV at {rate:.0%} of the dividends {sale.buyer} receives for {share:.0%} bought from {sale.seller} "
                f"in {sale.year}, valued in {sale.year}"
            )
            return Measure(value, "money", basis)
        value = share * float(npv(rate, equity))
        return Measure(value, "money", f"{share:.0%} of the equity NPV at {rate:.0%} after dividend withholding")

    return measure


def _reserve(a: AnnualRun, r: Reading) -> Measure | str:
    prod = a.case.production
    if not isinstance(prod, MineProduction):
        return "not a mine"
    return Measure(prod.ore_reserve.canonical(), "mass", f"the case's ore reserve (input, as of {a.case.as_of})")


def _contained(commodity: str, dimension: str) -> MeasureFn:
    def measure(a: AnnualRun, r: Reading) -> Measure | str:
        prod = a.case.production
        if not isinstance(prod, MineProduction) or commodity not in prod.grades:
            return f"the case has no {commodity} grade"
        tonnes = prod.ore_reserve.to("t") * prod.grades[commodity].canonical()
        value = tonnes * 1e6 / TROY_OUNCE_G if dimension == "gold_mass" else tonnes
        return Measure(
            value,
            dimension,
            f"the case's ore reserve x its {commodity} grade (inputs, contained metal before recovery)",
            also=(("mass", tonnes),),
        )

    return measure


def _grade(commodity: str) -> MeasureFn:
    def measure(a: AnnualRun, r: Reading) -> Measure | str:
        prod = a.case.production
        if not isinstance(prod, MineProduction) or commodity not in prod.grades:
            return f"the case has no {commodity} grade"
        return Measure(prod.grades[commodity].canonical(), "grade", f"the case's {commodity} grade (input)")

    return measure


def _first_production(a: AnnualRun, r: Reading) -> Measure | str:
    producing = _producing(a)
    if not producing.size:
        return "the model has no production"
    year = int(a.years[producing[0]])
    delay = a.compiled.scenario.delay
    why = f" (the scenario's delay of {delay} yr included)" if delay else ""
    return Measure(float(year), "calendar_year", f"the model's first production year{why}", years=(year,))


# ---------------------------------------------------------------------------------------------------------
# the largest deposits (reference data shipped with chagai)


@cache
def porphyry_deposits() -> Mapping[str, Any]:
    """The bundled extract of the USGS porphyry copper compilation (the largest deposits; see the file's header)."""
    path = resources.files("chagai.cases") / "data" / "reference" / "porphyry-copper-usgs-2008.yaml"
    data: Mapping[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def _rank(deposits: list[Mapping[str, Any]], key: Callable[[Mapping[str, Any]], float], name: str) -> int:
    own = next(key(d) for d in deposits if normalise_name(str(d["name"])) == name)
    return 1 + sum(1 for d in deposits if key(d) > own)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _copper_t(d: Mapping[str, Any]) -> float:
    return float(d["ore_mt"]) * float(d["cu_pct"]) / 100 * 1e6


def _gold_t(d: Mapping[str, Any]) -> float:
    return float(d["ore_mt"]) * float(d["au_gpt"])


def _deposit_percentile(a: AnnualRun, r: Reading) -> Measure | str:
    data = porphyry_deposits()
    deposits: list[Mapping[str, Any]] = list(data["deposits"])
    names = {normalise_name(n) for n in (a.case.name, *a.case.aliases)}
    match = next((d for d in deposits if normalise_name(str(d["name"])) in names), None)
    source = str(data["source"]["short"])
    if match is None:
        return f"{a.case.name} is not among the largest deposits of the bundled extract ({source})"
    name = normalise_name(str(match["name"]))
    total = int(data["deposits_with_tonnage"])
    by_copper = _rank(deposits, _copper_t, name)
    by_gold = _rank(deposits, _gold_t, name)
    undated = [d for d in deposits if str(d["startup"]) == "n.d."]
    among_undated = _rank(undated, _copper_t, name) if match in undated else None
    below = total - by_copper
    undated_note = (
        f"; {_ordinal(among_undated)} of the {data['without_startup_date']} with no recorded start-up (a missing "
        "date does not prove a deposit undeveloped: some have since been built)"
        if among_undated
        else ""
    )
    return Measure(
        below / total,
        "fraction",
        f"not the cash-flow model: the porphyry copper compilation of {source} gives {match['ore_mt']:,g} Mt at "
        f"{match['cu_pct']:g}% Cu and {match['au_gpt']:g} g/t Au, {_copper_t(match) / 1e6:.1f} Mt of copper "
        f"and {_gold_t(match):,.0f} t of gold: {_ordinal(by_copper)} of {total} deposits by contained copper ({below} "
        f"smaller), {_ordinal(by_gold)} by contained gold{undated_note}",
    )


# ---------------------------------------------------------------------------------------------------------
# the metrics claims may name

_SERIES_BASES = ("year", "first-year", "first-full-year", "run-rate", "life", "history")


def _series_metric(
    name: str, own: str, phase: int = 1, first_years: int | None = None, product: str | None = None
) -> Metric:
    bases = (own, *(b for b in _SERIES_BASES if b != own))
    return Metric(_from_series(SERIES[name]), bases, phase, first_years, product=product)


_COST_INCLUDES = frozenset({"financing", "contingency"})
_SHARE_BASES = ("life", "year", "first-year", "first-full-year", "run-rate", "history")

METRICS: dict[str, Metric] = {
    "exports-first-year": _series_metric("revenue", "first-year"),
    "exports-first-full-year": _series_metric("revenue", "first-full-year"),
    "exports-annual": _series_metric("revenue", "run-rate"),
    "exports-annual-phase2": _series_metric("revenue", "run-rate", phase=2, first_years=10),
    "free-cash-flow-lom": _series_metric("free-cash-flow", "life"),
    "phase1-copper-production": _series_metric("copper", "run-rate"),
    "phase1-gold-production": _series_metric("gold", "run-rate"),
    "phase2-copper-production": _series_metric("copper", "run-rate", phase=2, first_years=10),
    "phase2-gold-production": _series_metric("gold", "run-rate", phase=2, first_years=10),
    "copper-production": _series_metric("copper", "run-rate"),
    "gold-production": _series_metric("gold", "run-rate"),
    "silver-production": _series_metric("silver", "run-rate"),
    "phase1-concentrate-production": _series_metric("product", "run-rate", product="concentrate"),
    "concentrate-production": _series_metric("product", "run-rate", product="concentrate"),
    "blister-production": _series_metric("product", "run-rate", product="blister"),
    "lom-copper-production": _series_metric("copper", "life"),
    "lom-gold-production": _series_metric("gold", "life"),
    "ore-milled": _series_metric("ore", "run-rate"),
    "gas-production": _series_metric("gas", "year"),
    "profit": _series_metric("cash-surplus", "first-year"),
    "phase1-capex": Metric(_capex, ("build",), 1, includes=_COST_INCLUDES),
    "phase2-capex": Metric(_capex, ("build",), 2, includes=_COST_INCLUDES),
    "project-debt": Metric(_debt_total),
    "debt-share-of-funding": Metric(_debt_share, ("build", "life")),
    "exim-loan": Metric(_facility("us-exim")),
    "stake-price-15pct": Metric(_stake_value(0.15)),
    "provincial-share-of-revenue": Metric(
        _share_of_revenue("government_provincial", "provincial receipts"), _SHARE_BASES
    ),
    "federal-share-of-revenue": Metric(_share_of_revenue("government_federal", "federal receipts"), _SHARE_BASES),
    "ore-reserve": Metric(_reserve),
    "reserve-contained-copper": Metric(_contained("copper", "mass")),
    "reserve-contained-gold": Metric(_contained("gold", "gold_mass")),
    "reserve-copper-grade": Metric(_grade("copper")),
    "reserve-gold-grade": Metric(_grade("gold")),
    "first-production-year": Metric(_first_production),
    "contained-copper-percentile": Metric(_deposit_percentile),
}
"""Metrics the model can check, by the name claims use; ``equity-contribution-<party>`` (the equity a party's stakes
pay) and ``facilities-<lender>`` (the loans of one lender) add one per party."""

CHECKERS = METRICS
"""The metrics' names, as the claim form lists them (an alias of :data:`METRICS`)."""

_EQUITY_PREFIX = "equity-contribution-"
_FACILITY_PREFIX = "facilities-"

_NOT_MODELLED = {
    "jobs": "it has no labour inputs (jobs are not modelled)",
    "procurement": "it has no procurement inputs (where equipment and services are bought is not modelled)",
    "capex-spent-to-date": "spending before the valuation year is sunk and not modelled",
    "debt-commitments": "the case holds the loans the project takes, not the amounts lenders offered",
}


def metric(name: str) -> Metric | str:
    """The metric a claim names, or why the model cannot check it."""
    if name in METRICS:
        return METRICS[name]
    if name.startswith(_EQUITY_PREFIX):
        return Metric(
            _equity_contribution(name.removeprefix(_EQUITY_PREFIX)),
            ("build", "life", "year"),
            includes=frozenset({"financing", "contingency", "project-debt"}),
        )
    if name.startswith(_FACILITY_PREFIX):
        return Metric(_facility(name.removeprefix(_FACILITY_PREFIX)))
    prefix = next((p for p in _NOT_MODELLED if name.startswith(p)), None)
    return f"{NOT_CHECKABLE}: " + (_NOT_MODELLED[prefix] if prefix else f"it has no output for {name!r}")


# ---------------------------------------------------------------------------------------------------------
# verdicts


def claimed_text(claim: Claim) -> str:
    """The claimed value as a reader sees it (:func:`chagai.formatting.claimed_text`)."""
    return claimed_value_text(claim.value, claim.high, claim.bound)


def _tolerance(claim: Claim, years: bool) -> float:
    if claim.tolerance is not None:
        return claim.tolerance
    if years:
        return CLAIM_YEAR_TOLERANCE
    return CLAIM_TOLERANCE if (claim.bound or "about") == "about" else CLAIM_BOUND_TOLERANCE


def _rule(claim: Claim, tolerance: float, years: bool) -> str:
    bound = claim.bound or "about"
    target = claimed_text(claim).lstrip("≥≤ ") + ("" if years else f" {claim.unit}")
    slack = (f"{tolerance:g} yr" if years else percent_text(tolerance)) if tolerance else ""
    if bound == "at-least":
        return f"agree when the model is at least {target}" + (f", less {slack}" if slack else "")
    if bound == "at-most":
        return f"agree when the model is at most {target}" + (f", plus {slack}" if slack else "")
    if not slack:
        return f"agree when the model is {target}" + (" or inside it" if claim.high is not None else "")
    return f"agree when the model is within {slack} of {target}"


def _reading_label(r: Reading) -> str:
    if r.basis == _CASE:
        return ""
    if r.basis in ("year", "history"):
        return f"{r.basis} {r.year}"
    if r.basis in ("run-rate", "build"):
        return f"{r.basis}, phase {r.phase}"
    return r.basis


def _base(claim: Claim, status: VerdictStatus, basis: str, reading: Reading | None) -> ClaimCheck:
    years = claim.unit == "year"
    tolerance = _tolerance(claim, years)
    return ClaimCheck(
        claim_id=claim.id,
        statement=claim.statement,
        metric=claim.metric,
        claimed=claimed_text(claim),
        unit=claim.unit,
        status=status,
        model_value=None,
        difference=None,
        basis=basis,
        source=list(claim.source),
        period=_reading_label(reading) if reading else (claim.basis or ""),
        bound=claim.bound or "about",
        tolerance=tolerance,
        scale="years" if years else "relative",
        rule=_rule(claim, tolerance, years),
    )


def cannot_check(claim: Claim, reason: str, reading: Reading | None = None) -> ClaimCheck:
    """The verdict "cannot check" on a claim, with the reason and the rule it would have been judged by."""
    return _base(claim, "cannot check", reason, reading)


def _difference(model: float, low: float, high: float, years: bool) -> float:
    if low <= model <= high:
        return 0.0
    end = low if model < low else high
    if years:
        return model - end
    return model / end - 1 if end else math.inf


_SLACK = 1e-9
"""Rounding allowance of the comparison, so that a difference shown equal to the tolerance agrees."""


def _verdict(claim: Claim, measure: Measure, reading: Reading) -> ClaimCheck:
    check = _base(claim, "cannot check", measure.basis, reading)
    options = ((measure.dimension, measure.value), *measure.also)
    found = next(((d, v) for d, v in options if claim.unit in DIMENSIONS[d].factors), None)
    if found is None:
        names = " or ".join(d for d, _ in options)
        return cannot_check(claim, f"the claim's unit {claim.unit} is not a unit of {names}", reading)
    dimension, value = found
    model = value / DIMENSIONS[dimension].factor(claim.unit)
    if not math.isfinite(model):
        return check
    years = check.scale == "years"
    tolerance = (check.tolerance or 0.0) + _SLACK
    bound = check.bound
    if bound == "at-least":
        diff = _difference(model, claim.value, claim.value, years)
        ok = diff >= -tolerance
    elif bound == "at-most":
        diff = _difference(model, claim.value, claim.value, years)
        ok = diff <= tolerance
    else:
        high = claim.high if claim.high is not None else claim.value
        diff = _difference(model, min(claim.value, high), max(claim.value, high), years)
        ok = abs(diff) <= tolerance
    note = measure.basis
    if claim.year is not None and measure.years and claim.year not in measure.years:
        note += f"; the claim is about {claim.year}, the model's figure is for {_years_text(measure.years)}"
    elif claim.year is not None and not measure.years:
        note += f"; the claim is about {claim.year}"
    update = {"status": "agree" if ok else "disagree", "model_value": model, "difference": diff, "basis": note}
    return check.model_copy(update=update)


def _years_text(years: tuple[int, ...]) -> str:
    return str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"


_CASE = "case"
"""The reading of a figure of the case (an input, a valuation, reference data): no period."""


def reading(claim: Claim, run: AnnualRun, spec: Metric) -> Reading | str:
    """How the claim is to be measured with this metric, or why it cannot be."""
    phase = spec.phase
    if claim.phase is not None:
        ids = [p.id for p in _phases(run)]
        if claim.phase not in ids:
            return f"the case has no phase {claim.phase!r} (phases: {', '.join(ids) or 'none'})"
        phase = ids.index(claim.phase) + 1
    includes = frozenset(claim.includes or ())
    if includes - spec.includes:
        extra = ", ".join(sorted(includes - spec.includes))
        return f"the model's {claim.metric} cannot include {extra}"
    if not spec.bases:
        if claim.basis is not None:
            return f"{claim.metric} is a figure of the case, not of a period: drop basis {claim.basis!r}"
        return Reading(_CASE, claim.year, phase, None, includes)
    basis = claim.basis or ("year" if claim.year is not None and "year" in spec.bases else spec.bases[0])
    if basis == "year" and claim.year is not None and claim.year < int(run.years[0]):
        basis = "history"
    if basis not in spec.bases:
        return f"{claim.metric} cannot be read on basis {basis!r} (it can on: {', '.join(spec.bases)})"
    first_years = spec.first_years if (basis == "run-rate" and phase == spec.phase) else None
    return Reading(basis, claim.year, phase, first_years, includes)


def check_claims(run: AnnualRun) -> list[ClaimCheck]:
    """Check every claim of the case run (a metric read one way is measured once, however many claims)."""
    out = []
    measures: dict[tuple[str, Reading], Measure | str] = {}
    prod = run.case.production
    product = prod.product if isinstance(prod, MineProduction) else None
    for claim in run.case.claims:
        spec = metric(claim.metric)
        if isinstance(spec, str):
            out.append(cannot_check(claim, spec))
            continue
        if spec.product is not None and product != spec.product:
            made = f"the case's product is {product}" if product else "the case makes no mine product"
            out.append(cannot_check(claim, f"{made}, not {spec.product}: the model does not track {spec.product}"))
            continue
        read = reading(claim, run, spec)
        if isinstance(read, str):
            out.append(cannot_check(claim, read))
            continue
        key = (claim.metric, read)
        if key not in measures:
            measures[key] = spec.measure(run, read)
        result = measures[key]
        out.append(cannot_check(claim, result, read) if isinstance(result, str) else _verdict(claim, result, read))
    return out
