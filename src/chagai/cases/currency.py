"""Outputs in the money and years a reader asks for: US$ or Pakistani rupees, real or nominal, calendar or July-June.

The model runs in real US$ million of a case's base year ``B`` and in calendar years. :class:`MoneyView` turns
an annual series of it into what the reader asked for, and says how in :meth:`MoneyView.basis`:

* **nominal US$**: ``x_t * CPI(t) / CPI(B)``, the US CPI-U of :mod:`chagai.cases.money` (one implementation,
  :func:`~chagai.cases.money.dollars_factor`), extended past its last year at the case's expected US$ inflation
  (``money.inflation``; the bundled figure when the case gives none);
* **real PKR** (rupees of the base year): ``x_t * E(B)``, ``E(y)`` the year's average rupees per US dollar;
* **nominal PKR**: ``x_t * CPI(t) / CPI(B) * E(t)``: each year's nominal dollars at that year's rate. The rate is
  the published average where the bundled file has one (``cases/data/currency/pkr.yaml``, each figure with its
  source or marked an estimate) and, after, moves by purchasing-power parity:
  ``E(t) = E(t-1) * (1 + i_PK) / (1 + i_US)``, ``i_PK`` Pakistan's expected inflation (the middle of the
  government's medium-term target), ``i_US`` the expected US$ inflation.

Fiscal years: Pakistan's fiscal year ``N`` runs from 1 July ``N-1`` to 30 June ``N``. The model has no timing
within a year, so each calendar year is taken as two even halves, and a column converts by its kind:

* a **flow** (money, tonnes, gas a year): ``FY N = x[N-1] / 2 + x[N] / 2``; the first calendar year's first
  half is fiscal year ``y0`` and the last year's second half fiscal year ``yT + 1``, so the total over fiscal
  years equals the total over calendar years;
* a **stock** (a balance at the end of a year): the balance at 30 June ``N``, on the straight line between the
  year-ends ``N-1`` and ``N`` (at the two edges, the nearest year-end);
* a **level** (a price, a ratio): the average of the fiscal year's two halves (of the one half with a value
  where the other has none); never summed.

Money is converted in calendar years first (each half at its own year's rate and prices), then regrouped.
Present values are not flows: an NPV at the valuation year ``V`` is stated in rupees of ``V`` (its base-year
dollars brought to ``V`` by the CPI-U, at ``V``'s rate), and ``nominal`` does not change it (a present value has
no later year to inflate), see :meth:`MoneyView.present_value`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from importlib import resources

import numpy as np

from chagai.cases.money import dollars_factor
from chagai.cases.schema import Case, Source
from chagai.errors import InputError, Issue

CURRENCIES = ("USD", "PKR")
"""Currencies the outputs can be stated in."""
FISCAL_YEARS = ("calendar", "jul")
"""Year conventions of the outputs: calendar years, or July-June fiscal years (Pakistan's)."""


class Kind(Enum):
    """How a column converts to fiscal years (see the module's text)."""

    FLOW = "flow"
    STOCK = "stock"
    LEVEL = "level"


@dataclass(frozen=True)
class Presentation:
    """What money and years the reader asks for: ``currency`` (USD or PKR), ``nominal``, ``fiscal_year``."""

    currency: str = "USD"
    nominal: bool = False
    fiscal_year: str = "calendar"

    @classmethod
    def of(cls, currency: str = "USD", nominal: bool = False, fiscal_year: str = "calendar") -> Presentation:
        """A checked presentation (currency and year convention case-insensitive).

        Raises
        ------
        InputError
            Naming each value that is not one accepted, and the accepted ones.
        """
        issues = []
        chosen = str(currency).strip().upper()
        if chosen not in CURRENCIES:
            issues.append(Issue("currency", currency, f"one of {', '.join(CURRENCIES)}", "use --currency PKR or USD"))
        year = str(fiscal_year).strip().lower()
        if year not in FISCAL_YEARS:
            expected = "calendar (January-December) or jul (Pakistan's July-June fiscal year)"
            issues.append(Issue("fiscal_year", fiscal_year, expected, "use --fiscal-year jul or calendar"))
        if issues:
            raise InputError(issues)
        return cls(chosen, bool(nominal), year)

    @property
    def is_model_basis(self) -> bool:
        """True when nothing changes: real US$ of the base year, calendar years."""
        return self.currency == "USD" and not self.nominal and self.fiscal_year == "calendar"


@dataclass(frozen=True)
class ExchangeRates:
    """Rupees per US dollar (calendar-year averages) and the inflation expected of each currency, with sources."""

    rates: dict[int, float]
    pakistan_inflation: float
    us_inflation: float
    sources: dict[str, Source]
    provenance: dict[str, str] = field(default_factory=dict)  # year or input -> source ids, or "estimate"

    @property
    def first_year(self) -> int:
        """First year with a published (or estimated) average [year]."""
        return min(self.rates)

    @property
    def last_year(self) -> int:
        """Last year with a published (or estimated) average [year]."""
        return max(self.rates)

    def rate(self, year: int, us_inflation: float) -> float:
        """Average rupees per US dollar in ``year`` [PKR/US$]; past the last year, by purchasing-power parity.

        Raises
        ------
        InputError
            If ``year`` is before the first year of the file.
        """
        if year in self.rates:
            return self.rates[year]
        if year < self.first_year:
            expected = f"a year from {self.first_year} on (the first average rupee rate bundled)"
            raise InputError([Issue("year", year, expected, "show rupees only for years the rates cover")])
        ratio = (1.0 + self.pakistan_inflation) / (1.0 + us_inflation)
        return self.rates[self.last_year] * ratio ** (year - self.last_year)


def _provenance(entry: dict[str, object]) -> str:
    sources = entry.get("source") or []
    ids = ", ".join(str(s) for s in sources) if isinstance(sources, list) else str(sources)
    return f"{ids}; estimate" if entry.get("estimate") and ids else ids or "estimate"


@cache
def pkr_rates() -> ExchangeRates:
    """The bundled rupee rates and expected inflation (``cases/data/currency/pkr.yaml``)."""
    import yaml

    path = resources.files("chagai.cases") / "data" / "currency" / "pkr.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    provenance = {str(y): _provenance(e) for y, e in doc["rates"].items()}
    provenance |= {k: _provenance(doc[k]) for k in ("pakistan_inflation", "us_inflation")}
    return ExchangeRates(
        rates={int(y): float(e["value"]) for y, e in doc["rates"].items()},
        pakistan_inflation=float(doc["pakistan_inflation"]["value"]),
        us_inflation=float(doc["us_inflation"]["value"]),
        sources={s["id"]: Source.model_validate(s) for s in doc["sources"]},
        provenance=provenance,
    )


@dataclass(frozen=True)
class MoneyView:
    """The conversion of one case's outputs (real US$m of ``base_year``, calendar years) to ``presentation``.

    ``us_inflation`` is the case's expected US$ inflation [fraction/yr], or the bundled figure when the case
    gives none (``inflation_of_case`` says which).
    """

    presentation: Presentation
    base_year: int
    us_inflation: float
    inflation_of_case: bool

    @classmethod
    def of(cls, case: Case, presentation: Presentation) -> MoneyView:
        """The view of ``case``'s money in ``presentation``."""
        given = case.money.inflation
        inflation = given.canonical() if given is not None else pkr_rates().us_inflation
        return cls(presentation, case.money.base_year, inflation, given is not None)

    def rate(self, year: int) -> float:
        """Average rupees per US dollar in ``year`` [PKR/US$] (by parity after the last bundled year)."""
        return pkr_rates().rate(year, self.us_inflation)

    def factors(self, years: np.ndarray) -> np.ndarray:
        """Multiplier of each year's real base-year US$ to the presented money [-], shape of ``years``."""
        p = self.presentation
        out = np.ones(len(years))
        for k, year in enumerate(years.tolist()):
            year = int(year)
            if p.nominal:
                out[k] *= dollars_factor(self.base_year, year, self.us_inflation, "year")
            if p.currency == "PKR":
                out[k] *= self.rate(year if p.nominal else self.base_year)
        return out

    def present_value(self, value: float, valuation_year: int) -> float:
        """A present value at ``valuation_year`` in the presented currency [US$m or PKRm].

        In rupees, it is money of the valuation year: the base-year dollars brought to that year by the US CPI-U,
        at that year's average rate. ``nominal`` does not change it (a present value has no later year to
        inflate); in US$ it stays in real base-year dollars, as the model computes it.
        """
        if self.presentation.currency != "PKR":
            return value
        dollars = dollars_factor(self.base_year, valuation_year, self.us_inflation, "year")
        return value * dollars * self.rate(valuation_year)

    def unit(self, unit: str) -> str:
        """The unit of a column once converted: ``US$m`` -> ``PKRm``, ``US$/t`` -> ``PKR/t``; others unchanged."""
        if self.presentation.currency == "PKR" and unit.startswith("US$"):
            return "PKR" + unit.removeprefix("US$")
        return unit

    def basis(self, valuation_year: int | None = None) -> str:
        """The money and years of the outputs, with every assumption and its source, in a sentence or two."""
        p = self.presentation
        rates = pkr_rates()
        us = f"{self.us_inflation:.1%} a year ({'the case' if self.inflation_of_case else 'bundled estimate'})"
        if p.currency == "USD":
            parts = [
                f"nominal US$ million of each year (real {self.base_year} US$ x US CPI-U, bls-cpi-u, "
                f"extended at {us} after {dollars_last_year()})"
                if p.nominal
                else f"US$ million, real {self.base_year} dollars"
            ]
        else:
            base_rate = self.rate(self.base_year)
            source = rates.provenance.get(str(self.base_year), "parity")
            if p.nominal:
                parts = [
                    f"nominal PKR million of each year: real {self.base_year} US$ x US CPI-U (bls-cpi-u, extended "
                    f"at {us} after {dollars_last_year()}) x the year's average PKR per US$ ({rates.first_year}-"
                    f"{rates.last_year} averages, {self.base_year}: {base_rate:.1f} [{source}]; later years by "
                    f"purchasing-power parity at Pakistan's expected inflation of {rates.pakistan_inflation:.1%} "
                    f"a year [{rates.provenance['pakistan_inflation']}] against US {self.us_inflation:.1%})"
                ]
            else:
                parts = [
                    f"PKR million, real {self.base_year} rupees: real {self.base_year} US$ x the {self.base_year} "
                    f"average of {base_rate:.1f} PKR per US$ [{source}]"
                ]
        if p.fiscal_year == "jul":
            parts.append(
                "July-June fiscal years (FY N = 1 July N-1 to 30 June N), each calendar year split in even halves: "
                "flows summed, balances at 30 June, prices and ratios averaged"
            )
        if valuation_year is not None and p.currency == "PKR":
            parts.append(
                f"NPVs are present values at {valuation_year} in rupees of {valuation_year}: converted at "
                f"{valuation_year}'s rate of {self.rate(valuation_year):.1f} PKR per US$ of {valuation_year} "
                "(the same when nominal)"
            )
        elif valuation_year is not None and p.nominal:
            parts.append(f"NPVs stay present values in real {self.base_year} US$ (nominal does not change them)")
        if valuation_year is not None and (p.nominal or p.fiscal_year == "jul"):
            parts.append("shares, ratios, IRRs and the years figures name as the model computes them (real, calendar)")
        return "; ".join(parts)


def dollars_last_year() -> int:
    """Last year of the bundled US CPI-U [year]."""
    from chagai.cases.money import us_cpi

    return us_cpi().last_year


def fiscal_years(years: np.ndarray) -> np.ndarray:
    """Pakistan's fiscal years that the calendar ``years`` fall in: ``years[0]`` to ``years[-1] + 1`` [year]."""
    return np.arange(int(years[0]), int(years[-1]) + 2)


def to_fiscal_years(values: np.ndarray, kind: Kind) -> np.ndarray:
    """A calendar-year series (last axis, consecutive years) as July-June fiscal years, one more column [-].

    Parameters
    ----------
    values
        (..., T) the series by calendar year, in any unit.
    kind
        How it converts: flows split in halves and summed, stocks at 30 June, levels averaged.
    """
    x = np.asarray(values, dtype=float)
    first, last = x[..., :1], x[..., -1:]
    if kind is Kind.FLOW:
        zero = np.zeros_like(first)
        return 0.5 * np.concatenate([zero, x], axis=-1) + 0.5 * np.concatenate([x, zero], axis=-1)
    before = np.concatenate([first, x], axis=-1)  # the year N-1 of fiscal year N (the edge: year N itself)
    after = np.concatenate([x, last], axis=-1)  # the year N of fiscal year N (the edge: year N-1)
    if kind is Kind.STOCK:
        balances: np.ndarray = 0.5 * (before + after)
        return balances
    both = np.isfinite(before) & np.isfinite(after)
    mean = 0.5 * (np.where(both, before, 0.0) + np.where(both, after, 0.0))
    levels: np.ndarray = np.where(both, mean, np.where(np.isfinite(before), before, after))
    return levels


def kind_of(unit: str, stock: bool = False) -> Kind:
    """The kind of a column by its unit: ratios, fractions and prices (``US$/t``) are levels, the rest flows."""
    if stock:
        return Kind.STOCK
    if unit in ("ratio", "fraction") or "/" in unit:
        return Kind.LEVEL
    return Kind.FLOW


def present_table(
    columns: dict[str, tuple[str, np.ndarray]], stocks: set[str], years: np.ndarray, view: MoneyView
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """An annual table in the presented money and years: its years and columns named ``name [unit]``.

    Parameters
    ----------
    columns
        By name: (unit, values by calendar year) in the model's basis (real base-year US$).
    stocks
        Names of the columns that are balances at the end of a year.
    years
        (T,) consecutive calendar years [year].
    view
        The presentation and the case's money.
    """
    factors = view.factors(years)
    out: dict[str, np.ndarray] = {}
    for name, (unit, values) in columns.items():
        series = values * factors if unit.startswith("US$") else np.asarray(values, dtype=float)
        if view.presentation.fiscal_year == "jul":
            series = to_fiscal_years(series, kind_of(unit, name in stocks))
        out[f"{name} [{view.unit(unit)}]"] = series
    shown = fiscal_years(years) if view.presentation.fiscal_year == "jul" else np.asarray(years)
    return shown, out


__all__ = [
    "CURRENCIES",
    "FISCAL_YEARS",
    "ExchangeRates",
    "Kind",
    "MoneyView",
    "Presentation",
    "fiscal_years",
    "kind_of",
    "pkr_rates",
    "present_table",
    "to_fiscal_years",
]
