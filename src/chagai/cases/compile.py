"""Compile a case (and a scenario) into the arrays of the annual model.

Everything unit-bound happens here: quantities are converted to canonical units, schedules are laid on the year
axis that starts at the valuation year, the fiscal regime's terms (with the case's overrides) become rates and
codes, and dated stakes become a share per stake line and year. The model core sees only numbers.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple

import numpy as np
import yaml

from chagai.cases.io import case_hash
from chagai.cases.money import dollars_factor, real_rate, us_cpi
from chagai.cases.overrides import apply_overrides
from chagai.cases.regimes import FiscalTerms, Regime, get_regime, terms_with_overrides
from chagai.cases.schema import (
    BASE_TERMS,
    SLUG_PATTERN,
    Case,
    Facility,
    FiscalTermsChoice,
    GasProduction,
    MineProduction,
    Party,
    PriceAssumption,
    Quantity,
)
from chagai.core import kernel
from chagai.core.calendar import DAYS_PER_YEAR
from chagai.core.model import ModelInputs
from chagai.errors import InputError, Issue

MAX_YEARS = 120
"""Longest horizon the model runs [yr]."""
DELAY_MARGIN = 12
"""Years added after the base end of production, so delays and outages still fit in the horizon [yr]."""
VALUATION_YEARS = range(1950, 2101)
"""Years a scenario may take as year 0 of its NPVs: with the horizon after them, every year stays a date [year]."""


@dataclass(frozen=True)
class StakeSale:
    """A transfer of equity in a given year: ``share`` of the project from ``seller`` to ``buyer``.

    ``seller`` is a party id or a group: ``federal``, ``provincial`` or ``private`` (every holder of that
    level, pro rata). ``price`` (US$m, optional) is what the buyer pays the seller that year: a transfer, paid by
    the buyer and received by the seller(s) pro rata to the share each gives up. The buyer must be a party of
    the case unless ``new_buyer`` declares it new (``->new:NAME`` in the text form).
    """

    share: float
    seller: str
    buyer: str
    year: int
    price: float | None = None
    new_buyer: bool = False

    @classmethod
    def parse(cls, text: str) -> StakeSale:
        """Read ``15%:federal->manara@2027``: ``=540`` adds a price in US$m, ``->new:NAME`` a buyer not in the case."""
        body, _, price = text.partition("=")
        try:
            share_text, rest = body.split(":", 1)
            parties, year_text = rest.rsplit("@", 1)
            seller, buyer = parties.split("->", 1)
            buyer = buyer.strip()
            new_buyer = buyer.startswith("new:")
            buyer = buyer.removeprefix("new:").strip()
            share = float(share_text.rstrip("%")) / (100 if share_text.strip().endswith("%") else 1)
            sale = cls(share, seller.strip(), buyer, int(year_text), float(price) if price.strip() else None, new_buyer)
        except ValueError:
            issue = Issue(
                "--sell",
                text,
                "SHARE:SELLER->BUYER@YEAR, e.g. 15%:federal->manara@2027 (optionally =PRICE in US$m)",
                "write the sale in that form",
            )
            raise InputError([issue]) from None
        if not (math.isfinite(sale.share) and 0 < sale.share <= 1):
            raise InputError([Issue("--sell", text, "a share between 0% and 100%", "correct the share")])
        if sale.price is not None and not (math.isfinite(sale.price) and sale.price >= 0):
            expected = "a price in US$m, a finite number >= 0"
            raise InputError([Issue("--sell price", price, expected, "give the price, e.g. =540, or leave it out")])
        for role, name in (("seller", sale.seller), ("buyer", sale.buyer)):
            if not re.fullmatch(SLUG_PATTERN, name):
                expected = "a party id: lower-case letters and digits joined by hyphens (e.g. manara)"
                raise InputError([Issue(f"--sell {role}", name, expected, f"write the {role} as a party id")])
        return sale


def _yaml_text(value: Any) -> str:
    """A value written as one line of YAML (``9000``, ``{value: 5, unit: '%'}``)."""
    text: str = yaml.safe_dump(value, default_flow_style=True, width=1_000_000)
    return text.removesuffix("\n").removesuffix("\n...").strip()


@dataclass(frozen=True)
class Scenario:
    """Changes to a case for one run: schedule, costs, prices, fiscal terms, valuation basis and stake sales.

    ``regime`` names the fiscal terms: ``base`` (the case's own) or one of the case's ``fiscal.alternatives``.
    """

    delay: int = 0
    overrun: float = 1.0
    deck: str = "base"
    price_factor: float = 1.0
    commodity_factors: tuple[tuple[str, float], ...] = ()
    availability: float = 1.0
    sales: tuple[StakeSale, ...] = ()
    valuation_year: int | None = None
    discount_rate: float = 0.10
    regime: str = BASE_TERMS
    overrides: tuple[tuple[str, str], ...] = ()
    """Input changes of the run (``--set path=value``), as (path, value written as YAML); applied when compiled."""

    def with_sales(self, sells: Sequence[str] = (), rate: float | None = None) -> Scenario:
        """The scenario with more stake sales (``--sell`` texts, added to its own) and, if given, a discount rate."""
        changes: dict[str, Any] = {"sales": self.sales + tuple(StakeSale.parse(text) for text in sells)}
        if rate is not None:
            changes["discount_rate"] = rate
        return dataclasses.replace(self, **changes)

    def with_overrides(self, overrides: Mapping[str, Any] | None) -> Scenario:
        """The scenario with more input changes (``path: value``; values are kept as YAML text)."""
        if not overrides:
            return self
        added = tuple(
            (path, value if isinstance(value, str) else _yaml_text(value)) for path, value in overrides.items()
        )
        return dataclasses.replace(self, overrides=self.overrides + added)

    def changes(self) -> list[str]:
        """What this scenario changes, in words: schedule, costs, prices, sales and overridden inputs."""
        words = [
            f"delay {self.delay} yr" if self.delay else "",
            f"capex x{self.overrun:g}" if self.overrun != 1 else "",
        ]
        words += [f"prices x{self.price_factor:g}" if self.price_factor != 1 else ""]
        words += [f"{commodity} price x{factor:g}" for commodity, factor in self.commodity_factors if factor != 1]
        words += [f"availability {self.availability:.0%}" if self.availability != 1 else ""]
        words += [f"deck {self.deck}" if self.deck != "base" else ""]
        words += [f"valued from {self.valuation_year}" if self.valuation_year else ""]
        words += [f"fiscal terms {self.regime}" if self.regime != BASE_TERMS else ""]
        for s in self.sales:
            price = f" for US${s.price:,.0f}m" if s.price is not None else " (no price)"
            words.append(f"sale of {s.share:.2%} {s.seller} -> {s.buyer} in {s.year}{price}")
        words += [f"override {path} = {value}" for path, value in self.overrides]
        return [w for w in words if w]

    def problems(self) -> list[Issue]:
        """What the model cannot run: a negative delay, a negative overrun, an availability outside 0-1 ..."""
        checks = (
            ("delay", self.delay, self.delay >= 0, "whole years >= 0", "use 0 for no delay"),
            ("overrun", self.overrun, math.isfinite(self.overrun) and self.overrun >= 0, "a factor >= 0", "use 1"),
            (
                "price",
                self.price_factor,
                math.isfinite(self.price_factor) and self.price_factor >= 0,
                "a factor >= 0",
                "use 1",
            ),
            ("availability", self.availability, 0 <= self.availability <= 1, "a share from 0 to 1", "use 1"),
            (
                "rate",
                self.discount_rate,
                math.isfinite(self.discount_rate) and 0 <= self.discount_rate < 1,
                "a real discount rate as a decimal from 0 to 1 (0.10 is 10%)",
                f"write {self.discount_rate / 100:g} for {self.discount_rate:g}%"
                if 1 <= self.discount_rate <= 100
                else "use 0.1",
            ),
        )
        issues = [
            Issue(f"--scenario {key}", value, expected, fix) for key, value, ok, expected, fix in checks if not ok
        ]
        if self.valuation_year is not None and self.valuation_year not in VALUATION_YEARS:
            expected = f"a year from {VALUATION_YEARS.start} to {VALUATION_YEARS.stop - 1}"
            issues.append(Issue("--scenario year", self.valuation_year, expected, "value from a year near the case's"))
        for commodity, factor in self.commodity_factors:
            if not (math.isfinite(factor) and factor >= 0):
                issues.append(Issue(f"commodity factor {commodity}", factor, "a factor >= 0", "use 1"))
        return issues

    @classmethod
    def parse(cls, text: str) -> Scenario:
        """Read ``delay=2,overrun=1.2`` (also ``deck``, ``price``, ``availability``, ``rate``, ``year``, ``regime``)."""
        values: dict[str, str] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            key, sep, value = part.partition("=")
            if not sep:
                raise InputError([Issue("--scenario", part, "key=value", "write e.g. delay=2,overrun=1.2")])
            values[key.strip()] = value.strip()
        known = {"delay", "overrun", "deck", "price", "availability", "rate", "year", "regime"}
        unknown = sorted(set(values) - known)
        if unknown:
            issue = Issue("--scenario", unknown, f"keys among {', '.join(sorted(known))}", "correct the key")
            raise InputError([issue])
        issues: list[Issue] = []

        def number(key: str, kind: type[int] | type[float], default: float, expected: str, example: str) -> Any:
            text = values.get(key)
            if text is None:
                return kind(default)
            try:
                return kind(text)
            except ValueError:
                issues.append(Issue(f"--scenario {key}", text, expected, f"write e.g. {key}={example}"))
                return kind(default)

        scenario = cls(
            delay=number("delay", int, 0, "whole years", "2"),
            overrun=number("overrun", float, 1.0, "a capital cost factor (1.2: 20% over)", "1.2"),
            deck=values.get("deck", "base"),
            price_factor=number("price", float, 1.0, "a price factor (0.9: prices 10% lower)", "0.9"),
            availability=number("availability", float, 1.0, "a share from 0 to 1", "0.93"),
            discount_rate=number("rate", float, 0.10, "a decimal rate (0.08 is 8%)", "0.08"),
            valuation_year=number("year", int, 0, "a year", "2026") if "year" in values else None,
            regime=values.get("regime", BASE_TERMS),
        )
        if issues:
            raise InputError(issues)
        return scenario

    def compiled_part(self) -> Scenario:
        """What :func:`compile_case` reads beyond the price levels: valuation year, deck, sales, fiscal terms.

        Two scenarios with the same part compile to the same arrays but the prices (see :meth:`Compiled.under`);
        the delay, overrun, availability and discount rate are read only when the model runs.
        """
        return Scenario(
            deck=self.deck,
            sales=self.sales,
            valuation_year=self.valuation_year,
            overrides=self.overrides,
            regime=self.regime,
        )


@dataclass
class Compiled:
    """A case ready to run: kernel parameters plus the labels needed to read the results."""

    case: Case
    scenario: Scenario
    params: kernel.Params
    years: np.ndarray
    commodities: list[str]
    prices: np.ndarray  # (C, T) base price path [US$ per payable unit]
    price_units: list[str]  # unit each commodity's price is shown in
    price_display_factor: list[float]  # canonical price x factor = price in the display unit
    parties: list[Party]
    stake_lines: list[str]
    terms: FiscalTerms | None
    notes: list[str] = field(default_factory=list)
    loan_rates: dict[str, float] = field(default_factory=dict)  # real rate of each loan by facility id
    loan_rate_basis: str = ""  # how the loan rates were brought into the case's real dollars
    sale_sellers: list[tuple[str, ...]] = field(default_factory=list)  # the selling parties of each scenario sale

    @property
    def valuation_year(self) -> int:
        """Calendar year of year index 0."""
        return int(self.years[0])

    @property
    def model_inputs(self) -> ModelInputs:
        """What a deterministic run needs: the kernel parameters, the base prices and the scenario's draw."""
        return ModelInputs(
            params=self.params,
            prices=self.prices,
            availability=float(self.scenario.availability),
            capex_factor=float(self.scenario.overrun),
            delay=int(self.scenario.delay),
        )

    @cached_property
    def inputs_hash(self) -> str:
        """SHA-256 of the case's content (:func:`~chagai.cases.io.case_hash`), computed once and kept."""
        return case_hash(self.case)

    def under(self, scenario: Scenario) -> Compiled:
        """The compiled case under another scenario with the same :meth:`Scenario.compiled_part`.

        Exactly what :func:`compile_case` gives for ``scenario``: only the prices are computed again; the kernel
        parameters and labels are shared (nothing changes them once compiled), and so is the inputs hash, computed
        on this compiled case the first time it is moved.

        Raises
        ------
        InputError
            If the model cannot run ``scenario`` (as :func:`compile_case`).
        ValueError
            If ``scenario`` has another valuation year, deck, stake sales or fiscal terms (compile the case for it
            instead).
        """
        if problems := scenario.problems():
            raise InputError(problems)
        if scenario.compiled_part() != self.scenario.compiled_part():
            msg = (
                f"{scenario} differs from {self.scenario} in valuation year, deck, sales or fiscal terms: "
                "compile the case for it"
            )
            raise ValueError(msg)
        moved = copy.copy(self)
        moved.inputs_hash = self.inputs_hash
        moved.scenario = scenario
        moved.prices = _prices(self.case, scenario, self.years)[0]
        moved.notes = list(self.notes)
        return moved


def _q(quantity: Quantity | None, unit: str | None = None, default: float = 0.0) -> float:
    if quantity is None:
        return default
    return quantity.to(unit) if unit else quantity.canonical()


def _not_appraisable(case: Case, what: str) -> InputError:
    return InputError(
        [
            Issue(
                what,
                None,
                "production and cost inputs (a case with economics)",
                f"{case.id} is a registry-only entry: add `production` and `costs` to appraise it",
            )
        ],
        case.id,
    )


def _mine_capacity(prod: MineProduction, years: np.ndarray) -> np.ndarray:
    capacity = np.zeros(len(years))
    phases = sorted(prod.phases, key=lambda p: p.start_year)
    previous = 0.0
    for phase in phases:
        level = phase.throughput.to("t/yr")
        ramp = phase.ramp_up.factors if phase.ramp_up else []
        for i, year in enumerate(years):
            if year >= phase.start_year:
                age = int(year - phase.start_year)
                factor = ramp[age] if age < len(ramp) else 1.0
                capacity[i] = previous + factor * (level - previous)
        previous = level
    return capacity


def _horizon_mine(case: Case, prod: MineProduction, start: int) -> int:
    years = np.arange(start, start + MAX_YEARS)
    capacity = _mine_capacity(prod, years)
    left = prod.ore_reserve.to("t")
    for i, c in enumerate(capacity):
        left -= c
        if left <= 0:
            return min(MAX_YEARS, i + 1 + DELAY_MARGIN)
    return MAX_YEARS


def _gas_profile(prod: GasProduction, years: np.ndarray, notes: list[str]) -> np.ndarray:
    """Annual gas volumes [MMscf/yr] from the decline, exactly integrated over each calendar year."""
    from chagai.core.decline import annual_volumes, fit_arps_annual

    decline = prod.decline
    history_t = np.array([h.year for h in prod.history], dtype=float)
    history_q = np.array([h.rate.to("MMscf/d") for h in prod.history])
    if decline.fit:
        b = {"exponential": 0.0, "harmonic": 1.0}.get(decline.model, decline.b)
        reference = decline.reference_year or int(history_t[0])
        fit = fit_arps_annual(history_t - reference, history_q, b=b)  # history rates are annual means
        qi, di, b_used = fit.qi, fit.di, fit.b
        notes.append(
            f"gas decline fitted to {fit.n_points} annual volumes: qi {qi:.0f} MMscf/d at the start of {reference}, "
            f"Di {di:.3f}/yr, b {b_used:.2f} (rmse {fit.rmse:.3f} in log rate)"
        )
    else:
        reference = decline.reference_year or int(history_t[-1])
        qi = _q(decline.qi, "MMscf/d")
        di = _q(decline.di, "1/yr")
        b_used = {"exponential": 0.0, "harmonic": 1.0}.get(decline.model, decline.b or 0.0)
    offsets = years.astype(float) - reference
    volumes = np.asarray(annual_volumes(qi, di, b_used, offsets, days_per_year=DAYS_PER_YEAR))  # MMscf/yr
    limit = _q(prod.economic_limit, "MMscf/d") * DAYS_PER_YEAR
    if limit > 0:
        volumes = np.where(volumes >= limit, volumes, 0.0)
    if prod.end_year is not None:
        volumes = np.where(years <= prod.end_year, volumes, 0.0)
    return volumes


def _fiscal_choice(case: Case, name: str) -> FiscalTermsChoice | None:
    """The fiscal terms a scenario names: the case's own (``base``) or one of its alternatives."""
    if case.fiscal is not None and (name == BASE_TERMS or name in case.fiscal.alternatives):
        return case.fiscal.choice(name)
    if case.fiscal is None and name == BASE_TERMS:
        return None
    names = case.fiscal.names if case.fiscal is not None else [BASE_TERMS]
    issue = Issue(
        "--scenario regime",
        name,
        f"the name of fiscal terms of {case.id}: {', '.join(names)}",
        "choose one of the listed names (`fiscal.alternatives` of the case adds others)",
    )
    raise InputError([issue], case.id)


def _regime_and_terms(case: Case, name: str = BASE_TERMS) -> tuple[Regime | None, FiscalTerms | None]:
    choice = _fiscal_choice(case, name)
    if choice is None:
        return None, None
    regime = get_regime(choice.regime)
    return regime, terms_with_overrides(regime, choice.overrides)


def _terms(case: Case, name: str = BASE_TERMS) -> FiscalTerms | None:
    return _regime_and_terms(case, name)[1]


def _level(party: Party) -> int:
    if party.government_level == "federal":
        return kernel.LEVEL_FEDERAL
    if party.government_level == "provincial":
        return kernel.LEVEL_PROVINCIAL
    return kernel.LEVEL_PRIVATE


def _prices(case: Case, scenario: Scenario, years: np.ndarray) -> tuple[np.ndarray, list[str], list[float]]:
    factors = dict(scenario.commodity_factors)
    prices = np.zeros((len(case.commodities), len(years)))
    units: list[str] = []
    display: list[float] = []
    for c, commodity in enumerate(case.commodities):
        entries = [p for p in case.prices if p.commodity == commodity]
        chosen = next((p for p in entries if p.deck == scenario.deck), None)
        if chosen is None:
            decks = sorted({p.deck for p in case.prices}) or ["(none)"]
            issue = Issue(
                f"prices ({commodity})",
                scenario.deck,
                f"a price for {commodity} in deck {scenario.deck!r} (decks: {', '.join(decks)})",
                f"add a price for {commodity} or choose another deck",
            )
            raise InputError([issue], case.id)
        money = dollars_factor(chosen.money_year, case.money.base_year, _inflation(case), _price_path(chosen))
        value = chosen.price.canonical() * money * scenario.price_factor * factors.get(commodity, 1.0)
        prices[c, :] = value
        units.append(chosen.price.unit)
        display.append(1.0 / chosen.price.canonical() * chosen.price.value if chosen.price.value else 1.0)
    return prices, units, display


def _inflation(case: Case) -> float | None:
    return case.money.inflation.canonical() if case.money.inflation is not None else None


def _price_path(price: PriceAssumption) -> str:
    return f"prices ({price.commodity}, deck {price.deck}).money_year"


def _deck_note(case: Case, deck: str) -> str | None:
    """How the deck's prices were brought into the case's real dollars, when they needed converting."""
    base = case.money.base_year
    chosen = sorted({(p.money_year, p.basis) for p in case.prices if p.deck == deck and p.money_year != base})
    if not chosen:
        return None
    index = us_cpi()
    parts = [
        f"{basis} {year} dollars x {dollars_factor(year, base, _inflation(case), 'money_year'):.4f}"
        for year, basis in chosen
    ]
    past = any(year > index.last_year for year, _ in chosen) or base > index.last_year
    extended = " (extended past its last year at the case's expected inflation)" if past else ""
    return (
        f"price deck {deck}: {', '.join(parts)} = real {base} dollars, by the US CPI-U annual averages "
        f"({index.source.publisher}, series {index.series}){extended}; held flat in real terms"
    )


def _loan_rates(case: Case, loans: list[Facility]) -> tuple[dict[str, float], str]:
    """The real rate of each loan, by id, and a sentence saying how it was obtained.

    A nominal rate (as lenders quote it) is converted with the case's expected inflation:
    ``real = (1 + nominal) / (1 + inflation) - 1``.

    Raises
    ------
    InputError
        If a loan's rate is nominal and the case gives no ``money.inflation`` to convert it.
    """
    inflation = _inflation(case)
    nominal = [(i, f) for i, f in enumerate(case.financing) if f.instrument == "loan" and f.rate_basis == "nominal"]
    if nominal and inflation is None:
        issues = [
            Issue(
                f"financing[{i}].rate_basis",
                "nominal",
                "a real rate, or `money.inflation` (expected US$ inflation a year) to convert the nominal rate "
                f"into the case's real {case.money.base_year} dollars",
                "give `money.inflation: {value: 2.3, unit: '%/yr', source: [...]}` or `rate_basis: real`",
            )
            for i, f in nominal
        ]
        raise InputError(issues, case.id)
    rates: dict[str, float] = {}
    pairs: dict[str, str] = {}
    for f in loans:
        quoted = f.rate.canonical()
        if f.rate_basis == "nominal" and inflation is not None:
            rates[f.id] = real_rate(quoted, inflation)
            pairs[f"{quoted:.2%}"] = f"{quoted:.2%} -> {rates[f.id]:.2%}"
        else:
            rates[f.id] = quoted
    if not loans:
        return rates, ""
    if not pairs:
        return rates, "loan rates are given as real rates"
    which = "loan rates are" if all(f.rate_basis == "nominal" for f in loans) else "the nominal loan rates are"
    return rates, (
        f"{which} quoted nominal and converted to real {case.money.base_year} terms at expected US$ inflation of "
        f"{inflation:.2%}/yr: real = (1 + nominal) / (1 + inflation) - 1 ({', '.join(pairs[k] for k in sorted(pairs))})"
    )


def _yields(
    case: Case, prod: MineProduction | GasProduction, capacity: np.ndarray, notes: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Payable units per unit of throughput, (C, K), and product tonnes per unit of throughput, (K,).

    Column k is the k-th year of production (the last column: every later year). A mine with a grade schedule
    has one column per scheduled year and a last one at the grade that keeps the life-of-mine average over the
    reserve, the reserve milled at the base schedule's capacity (``capacity`` [t/yr] by year, from year 0).
    """
    if isinstance(prod, GasProduction):
        return _gas_yields(case, prod)[:, None], np.zeros(1)
    grades: list[dict[str, float]] = [{c: _q(prod.grades.get(c)) for c in case.commodities}]
    scheduled: list[dict[str, float]] = []
    for period in prod.grade_schedule:
        given: dict[str, float] = {
            c: (_q(period.grades[c]) if c in period.grades else grades[0][c]) for c in case.commodities
        }
        scheduled += [given] * period.production_years
    if scheduled:
        milled = capacity[capacity > 0][: len(scheduled)]
        reserve = prod.ore_reserve.to("t")
        milled = np.minimum(milled, np.maximum(reserve - np.concatenate([[0.0], np.cumsum(milled)[:-1]]), 0.0))
        early = float(milled.sum())
        rest: dict[str, float] = {}
        for c in case.commodities:
            metal = reserve * grades[0][c] - sum(m * g[c] for m, g in zip(milled, scheduled, strict=False))
            if metal < -1e-9 * reserve * max(grades[0][c], 1e-12):
                issue = Issue(
                    "production.grade_schedule",
                    c,
                    f"early grades holding no more {c} than the reserve at its life-of-mine grade",
                    "lower the scheduled grades or raise the life-of-mine grade",
                )
                raise InputError([issue], case.id)
            rest[c] = max(metal, 0.0) / (reserve - early) if reserve > early else grades[0][c]
        grades = [*scheduled[: len(milled)], rest]
        lom = {str(c): q for c, q in prod.grades.items()}
        shown = {c: (lom[c].value / _q(lom[c]), lom[c].unit) for c in rest if c in lom and _q(lom[c]) > 0}
        notes.append(
            "grades by year of production: "
            + "; ".join(
                f"{c} {scheduled[0][c] * f:.3g} {unit} first, {rest[c] * f:.3g} {unit} after year {len(milled)}"
                for c, (f, unit) in shown.items()
            )
            + " (the rest keeps the life-of-mine average over the reserve at the base schedule's throughput)"
        )
    recovery = {c: _q(prod.recoveries.get(c), default=1.0) for c in case.commodities}
    payability = {c: _q(prod.payabilities.get(c), default=1.0) for c in case.commodities}
    yields = np.array([[g[c] * recovery[c] * payability[c] for g in grades] for c in case.commodities])
    primary = case.commodities[0]
    conc = _q(prod.concentrate_grade)
    recovered = np.array([g[primary] * recovery[primary] for g in grades])
    product = recovered / conc if conc > 0 else recovered
    return np.ascontiguousarray(yields), np.ascontiguousarray(product)


def _gas_yields(case: Case, prod: GasProduction) -> np.ndarray:
    """Payable units (MMBtu or Mscf) per MMscf of gas, for each commodity."""
    yields = np.zeros(len(case.commodities))
    for c, commodity in enumerate(case.commodities):
        price = next(p for p in case.prices if p.commodity == commodity)  # one exists: _prices checked
        if price.price.dimension == "price_per_energy":
            if prod.heating_value is None:
                issue = Issue(
                    "production.heating_value",
                    None,
                    "a heating value when gas is priced per MMBtu",
                    "add heating_value (MMBtu/Mscf or Btu/scf)",
                )
                raise InputError([issue], case.id)
            yields[c] = prod.heating_value.to("MMBtu/Mscf") * 1e3  # MMBtu per MMscf
        else:
            yields[c] = 1e3  # Mscf per MMscf
    return yields


def _loan_arrays(loans: list[Facility], rates: dict[str, float]) -> dict[str, np.ndarray]:
    """The compiled loans: one per distinct set of terms, its amount the sum of the loans that share them.

    ``rates`` are the loans' real rates by id (:func:`_loan_rates`).

    Loans on the same terms draw pro rata to their commitments and repay on the same schedule, so together
    they move exactly as one loan of their total amount (the model reports only the totals of all loans).
    """
    profile = {
        "annuity": kernel.REPAY_ANNUITY,
        "equal-principal": kernel.REPAY_EQUAL_PRINCIPAL,
        "sculpted": kernel.REPAY_SCULPTED,
    }
    merged: dict[tuple[float, ...], float] = {}
    for f in loans:
        terms = (
            rates[f.id],
            round(f.grace.to("yr")),
            max(1, round(f.tenor.to("yr"))),
            profile[f.repayment],
            f.target_dscr or 1.0,
            _q(f.upfront_fee),
            _q(f.commitment_fee),
        )
        merged[terms] = merged.get(terms, 0.0) + f.amount.to("US$m")
    arrays = {"amount": np.array(list(merged.values()), dtype=float)}
    for i, (name, dtype) in enumerate(_LOAN_TERMS):
        arrays[name] = np.array([terms[i] for terms in merged], dtype=dtype)
    return arrays


_LOAN_TERMS: tuple[tuple[str, type], ...] = (
    ("rate", np.float64),
    ("grace", np.int64),
    ("tenor", np.int64),
    ("profile", np.int64),
    ("target_dscr", np.float64),
    ("upfront_fee", np.float64),
    ("commitment_fee", np.float64),
)
"""The terms that tell loans apart, in the order :func:`_loan_arrays` keys them, with their array types."""


def compile_case(case: Case, scenario: Scenario | None = None) -> Compiled:
    """Compile ``case`` under ``scenario`` into kernel parameters.

    Raises
    ------
    InputError
        If the case has no economics, or the scenario asks for something the case cannot give.
    """
    scenario = scenario or Scenario()
    if problems := scenario.problems():
        raise InputError(problems)
    if scenario.overrides:
        case = apply_overrides(case, dict(scenario.overrides), run=True)
    prod, costs = case.production, case.costs
    if prod is None or costs is None:
        raise _not_appraisable(case, "production" if prod is None else "costs")
    start = scenario.valuation_year or case.as_of.year
    notes: list[str] = []

    # --- years and throughput --------------------------------------------------------------------------
    if isinstance(prod, MineProduction):
        n_years = _horizon_mine(case, prod, start)
        years = np.arange(start, start + n_years)
        capacity = _mine_capacity(prod, years)
        reserve = prod.ore_reserve.to("t")
        kind = kernel.KIND_MINE
        unstarted = [p.start_year for p in prod.phases if p.start_year >= start]
        opex_unit = _q(costs.opex_per_tonne_milled, "US$/t")
        sustaining_unit = _q(costs.sustaining_capex_per_tonne_milled, "US$/t")
    else:
        end = prod.end_year or start + 60
        years = np.arange(start, max(end, start) + 2)
        capacity = _gas_profile(prod, years, notes)
        reserve = _q(prod.remaining_reserves, "MMscf", default=math.inf)
        kind = kernel.KIND_GAS
        unstarted = []
        opex_unit = _q(costs.opex_per_gas_volume, "US$/Mscf") * 1e3
        sustaining_unit = 0.0
    n = len(years)

    capex = np.zeros(n)
    capex_years: list[int] = []
    for item in costs.capex:
        amount = item.amount.to("US$m")
        for j, share in enumerate(item.profile.shares):
            year = item.profile.start_year + j
            if year >= start and share > 0:
                capex[year - start] += amount * share
                capex_years.append(year)
            elif share > 0:
                notes.append(f"capex of {item.phase} in {year} ({amount * share:,.0f} US$m) is sunk before {start}")
    future = [y for y in capex_years if any(y <= u for u in unstarted)] + unstarted
    shift_from = max(0, min(future) - start) if future else n

    prices, price_units, display = _prices(case, scenario, years)  # first: names a commodity without a price
    yields, product_yield = _yields(case, prod, capacity, notes)
    if deck_note := _deck_note(case, scenario.deck):
        notes.append(deck_note)

    # --- fiscal -----------------------------------------------------------------------------------------
    regime, terms = _regime_and_terms(case, scenario.regime)
    if scenario.regime != BASE_TERMS and case.fiscal is not None:
        alternative = case.fiscal.alternatives[scenario.regime]
        notes.append(f"fiscal terms {scenario.regime!r} ({regime.id if regime else '-'}): {alternative.description}")
    holiday_years = 0
    if terms is not None and terms.income_tax_holiday is not None:
        holiday_years = round(terms.income_tax_holiday.years.to("yr"))
        notes.append(
            f"income tax holiday of {holiday_years} years from first production: no income, super or minimum tax "
            "in those years (losses carried forward through them as in any year)"
        )
    royalties = terms.royalties if terms else []
    payee = {"federal": kernel.PAYEE_FEDERAL, "provincial": kernel.PAYEE_PROVINCIAL}
    advance = terms.advance_royalty if terms else None
    advance_first = (advance.first_year - start) if advance and advance.first_year else 0
    schedule = np.array(advance.schedule if advance else [], dtype=float)
    credit_start = 0.0
    if advance is not None and advance_first < 0:
        cap = advance.cap.to("US$m")
        for j in range(-advance_first):
            credit_start += min(schedule[min(j, len(schedule) - 1)], max(0.0, cap - credit_start))
        notes.append(f"advance royalties paid before {start} ({credit_start:,.1f} US$m) are credited later")
    depreciation = terms.depreciation if terms else None
    dep_method = {
        "straight-line": kernel.DEP_STRAIGHT_LINE,
        "declining-balance": kernel.DEP_DECLINING_BALANCE,
        "units-of-production": kernel.DEP_UNITS_OF_PRODUCTION,
    }[depreciation.method if depreciation else "straight-line"]
    dep_rate = _q(depreciation.rate if depreciation else None, default=1.0)
    if depreciation and depreciation.rate is None and depreciation.life is not None:
        dep_rate = 1.0 / max(depreciation.life.to("yr"), 1.0)
    profit_share = terms.profit_share if terms else None

    end_index = n - 1
    if regime is not None and regime.ends is not None and regime.ends.year < years[-1]:
        end_index = max(-1, regime.ends.year - start)
        notes.append(
            f"production stops when the terms of {regime.id} end ({regime.ends}); what follows is not in the case"
        )

    # --- financing --------------------------------------------------------------------------------------
    loans = [f for f in case.financing if f.instrument == "loan"]
    loan_rates, loan_rate_basis = _loan_rates(case, loans)
    first_base = int(np.argmax(capacity > 0)) if np.any(capacity > 0) else n
    pre_production_capex = float(capex[:first_base].sum())
    total_debt = sum(f.amount.to("US$m") for f in loans)
    debt_fraction = min(1.0, total_debt / pre_production_capex) if pre_production_capex > 0 else 0.0
    caps = [f.max_gearing.canonical() for f in loans if f.max_gearing is not None]
    if caps and min(caps) < debt_fraction:
        debt_fraction = min(caps)
        notes.append(f"loans capped at {debt_fraction:.0%} of pre-production capital (max_gearing)")

    # --- ownership --------------------------------------------------------------------------------------
    parties = list(case.parties)
    sale_sellers: list[tuple[str, ...]] = []
    lines, stake_share, kinds, holders, payers, carry, withholding, transfers = _stake_lines(
        case, scenario, years, parties, sale_sellers
    )
    party_index = {p.id: i for i, p in enumerate(parties)}
    with_stakes = {party_index[p] for p in (*holders, *payers)}  # the parties with equity flows

    params = kernel.Params(
        production=kernel.ProductionTerms(
            kind=kind,
            capacity=capacity,
            reserve=float(reserve),
            yields=yields,
            product_yield=product_yield,
            selling_cost=_q(costs.selling_cost_per_tonne_product, "US$/t"),
            opex_per_unit=float(opex_unit),
            fixed_opex=_q(costs.fixed_opex, "US$m/yr"),
            sustaining_per_unit=float(sustaining_unit),
            sustaining_fixed=_q(costs.sustaining_capex, "US$m/yr"),
            closure_cost=_q(costs.closure, "US$m"),
            capex=capex,
            shift_from=int(shift_from),
            end_index=end_index,
            economic_limit=not (isinstance(prod, GasProduction) and prod.end_year is not None),
        ),
        fiscal=kernel.FiscalRules(
            royalty_rate=np.array([r.rate.canonical() for r in royalties], dtype=float),
            royalty_base=np.array(
                [kernel.BASE_NSR if r.base == "nsr" else kernel.BASE_GROSS for r in royalties], dtype=np.int64
            ),
            royalty_payee=np.array([payee[r.payee] for r in royalties], dtype=np.int64),
            advance_schedule=schedule,
            advance_first=int(advance_first),
            advance_cap=_q(advance.cap if advance else None, "US$m"),
            advance_credit_start=float(credit_start),
            advance_payee=payee[advance.payee] if advance else kernel.PAYEE_PROVINCIAL,
            income_tax_rate=_q(terms.income_tax_rate if terms else None),
            tax_holiday_years=int(holiday_years),
            super_tax_rate=_q(terms.super_tax_rate if terms else None),
            minimum_tax_rate=_q(terms.minimum_tax_rate if terms else None),
            presumptive_rate=_q(terms.presumptive_tax_rate if terms else None),
            income_tax_payee=payee[terms.income_tax_payee] if terms else kernel.PAYEE_FEDERAL,
            depreciation_method=dep_method,
            depreciation_rate=float(dep_rate),
            loss_years=-1
            if terms is None or terms.loss_carry_forward_years is None
            else terms.loss_carry_forward_years,
            dividend_withholding=_q(terms.dividend_withholding if terms else None),
            interest_withholding=_q(terms.interest_withholding if terms else None),
            rent=_q(terms.rent if terms else None, "US$m/yr"),
            profit_share=_q(profit_share.state_share if profit_share else None),
            profit_share_pass_through=_q(profit_share.provincial_pass_through if profit_share else None),
            social_uplift=_q(profit_share.social_uplift if profit_share else None),
        ),
        loans=kernel.LoanTerms(**_loan_arrays(loans, loan_rates), debt_fraction=float(debt_fraction)),
        stakes=kernel.StakeTerms(
            share=stake_share,
            kind=np.array(kinds, dtype=np.int64),
            holder=np.array([party_index[h] for h in holders], dtype=np.int64),
            payer=np.array([party_index[p] for p in payers], dtype=np.int64),
            carry_rate=np.array(carry, dtype=float),
            withholding=np.array(withholding, dtype=float),
            party_level=np.array([_level(p) for p in parties], dtype=np.int64),
            government_parties=np.array(
                [i for i, p in enumerate(parties) if _level(p) != kernel.LEVEL_PRIVATE and i in with_stakes],
                dtype=np.int64,
            ),
            transfer_party=np.array([party_index[t.party] for t in transfers], dtype=np.int64),
            transfer_year=np.array([t.year_index for t in transfers], dtype=np.int64),
            transfer_amount=np.array([t.amount for t in transfers], dtype=float),
        ),
    )
    return Compiled(
        case=case,
        scenario=scenario,
        params=params,
        years=years,
        commodities=list(case.commodities),
        prices=prices,
        price_units=price_units,
        price_display_factor=display,
        parties=parties,
        stake_lines=lines,
        terms=terms,
        notes=notes,
        loan_rates=loan_rates,
        loan_rate_basis=loan_rate_basis,
        sale_sellers=sale_sellers,
    )


def _stake_lines(
    case: Case, scenario: Scenario, years: np.ndarray, parties: list[Party], sale_sellers: list[tuple[str, ...]]
) -> tuple[list[str], np.ndarray, list[int], list[str], list[str], list[float], list[float], list[Transfer]]:
    """Stake lines (one per stake, plus buyers) with their share each year (held on 1 July); priced sales' payments."""
    kind_code = {
        "paid": kernel.STAKE_PAID,
        "funded-by-another-party": kernel.STAKE_FUNDED,
        "free-carried": kernel.STAKE_FREE_CARRIED,
    }
    terms = _terms(case, scenario.regime)
    labels: list[str] = []
    rows: list[np.ndarray] = []
    kinds: list[int] = []
    holders: list[str] = []
    payers: list[str] = []
    carry: list[float] = []
    if terms is not None and terms.profit_share is not None:
        lessee = next((r.party for r in case.roles if r.role == "lessee"), None)
        if lessee is None:
            issue = Issue("roles", None, "a lessee role with a profit-share regime", "add the lessee (contractor)")
            raise InputError([issue], case.id)
        labels, rows = [f"{lessee} (lessee, residual after the profit share)"], [np.ones(len(years))]
        kinds, holders, payers, carry = [kernel.STAKE_PAID], [lessee], [lessee], [math.nan]
    else:
        for s in case.stakes:
            if s.kind == "proposed":
                continue
            row = np.array([s.share.central if s.in_force(dt.date(int(y), 7, 1)) else 0.0 for y in years])
            # the last recorded holdings continue beyond the end of the record
            labels.append(f"{s.party} {s.kind} {s.share.central:.2%}")
            rows.append(row)
            kinds.append(kind_code[s.kind])
            holders.append(s.party)
            payers.append(s.funded_by or s.party)
            carry.append(s.carry_rate.canonical() if s.carry_rate is not None else math.nan)
    shares = np.array(rows) if rows else np.zeros((0, len(years)))
    transfers: list[Transfer] = []
    for sale in scenario.sales:
        shares, sellers = _apply_sale(
            case, sale, years, parties, shares, holders, labels, kinds, payers, carry, transfers
        )
        sale_sellers.append(sellers)
    known = {p.id: p for p in parties}
    withholding = [0.0 if known[h].kind == "government" else 1.0 for h in holders]
    totals = shares.sum(axis=0)
    if np.any(totals <= 0):
        first_missing = int(years[int(np.argmax(totals <= 0))])
        notes = f"no stake is recorded in force in {first_missing}"
        issue = Issue("stakes", notes, "stakes in force in every year of the model", "extend the stake dates")
        raise InputError([issue], case.id)
    return labels, shares, kinds, holders, payers, carry, withholding, transfers


class Transfer(NamedTuple):
    """A payment between parties in one year (a stake's price): ``amount`` > 0 received, < 0 paid [US$m]."""

    party: str
    year_index: int
    amount: float


def _apply_sale(
    case: Case,
    sale: StakeSale,
    years: np.ndarray,
    parties: list[Party],
    shares: np.ndarray,
    holders: list[str],
    labels: list[str],
    kinds: list[int],
    payers: list[str],
    carry: list[float],
    transfers: list[Transfer],
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Move ``sale.share`` from the seller's lines to a new line of the buyer from the sale year on.

    Returns the new shares and the parties that sell (one, or each holder of a group). Refuses a sale outside the
    model's years (before the valuation year or after the horizon), a seller that
    holds nothing or too little, and a buyer that is not a party of the case unless declared new.
    """
    known = {p.id: p for p in parties}
    first, last = int(years[0]), int(years[-1])
    if not first <= sale.year <= last:
        issue = Issue(
            "--sell year",
            sale.year,
            f"a year from the valuation year {first} to the model's last year {last}",
            "value a sale made before the valuation year by changing the stakes of the case, or pick a year in range",
        )
        raise InputError([issue], case.id)
    groups = {"federal": kernel.LEVEL_FEDERAL, "provincial": kernel.LEVEL_PROVINCIAL, "private": kernel.LEVEL_PRIVATE}
    if sale.seller in groups:
        sellers = [i for i, h in enumerate(holders) if _level(known[h]) == groups[sale.seller]]
    else:
        sellers = [i for i, h in enumerate(holders) if h == sale.seller]
    if not sellers:
        valid = sorted(set(holders) | set(groups))
        issue = Issue("--sell", sale.seller, f"a holder or group: {', '.join(valid)}", "name who sells")
        raise InputError([issue], case.id)
    if sale.buyer in known and sale.new_buyer:
        issue = Issue("--sell buyer", f"new:{sale.buyer}", "a buyer not yet in the case", f"write {sale.buyer}")
        raise InputError([issue], case.id)
    if sale.buyer not in known and not sale.new_buyer:
        issue = Issue(
            "--sell buyer",
            sale.buyer,
            f"a party of the case ({', '.join(sorted(known))}) or a new buyer declared as new:{sale.buyer}",
            f"correct the name, or write ->new:{sale.buyer} for a buyer that is not yet a party",
        )
        raise InputError([issue], case.id)
    if sale.buyer not in known:
        parties.append(Party(id=sale.buyer, name=sale.buyer, short_name=sale.buyer, kind="buyer"))
        known[sale.buyer] = parties[-1]
    from_year = years >= sale.year
    held = shares[sellers][:, from_year].sum(axis=0)
    if np.any(held + 1e-9 < sale.share):
        issue = Issue("--sell", f"{sale.share:.2%}", f"at most the {held.min():.2%} the seller holds", "sell less")
        raise InputError([issue], case.id)
    year_index = sale.year - first
    if sale.price is not None:
        transfers.append(Transfer(sale.buyer, year_index, -sale.price))
        given: dict[str, float] = {}  # what each selling party gives up in the sale year: its part of the price
        for i in sellers:
            given[holders[i]] = given.get(holders[i], 0.0) + shares[i, year_index] / held[0]
        transfers += [Transfer(party, year_index, sale.price * part) for party, part in given.items()]
    for i in sellers:
        shares[i, from_year] -= sale.share * shares[i, from_year] / held
    buyer_row = np.where(from_year, sale.share, 0.0)
    labels.append(f"{sale.buyer} paid {sale.share:.2%} (bought {sale.year} from {sale.seller})")
    kinds.append(kernel.STAKE_PAID)
    holders.append(sale.buyer)
    payers.append(sale.buyer)
    carry.append(math.nan)
    return np.vstack([shares, buyer_row]), tuple(dict.fromkeys(holders[i] for i in sellers))
