"""Dollars of one year in dollars of another, and nominal rates in real terms.

The model runs in real US dollars of a case's base year (``money.base_year``). Two kinds of input come in other
terms and are converted here when a case is compiled:

* prices of a deck written in dollars of another year (``money_year``), converted with the US consumer price
  index (CPI-U annual averages, bundled in ``cases/data/deflators/us-cpi-u.yaml`` with its source): a price of
  ``p`` in dollars of year ``y`` is ``p * CPI(base) / CPI(y)`` in dollars of the base year;
* loan rates quoted nominally, converted with the expected inflation ``i`` the case states
  (``money.inflation``): ``real = (1 + nominal) / (1 + i) - 1`` (the Fisher relation, exact, not the
  ``nominal - i`` approximation).

Years after the last year of the index are extended at the case's expected inflation; a conversion that needs a
year the index does not cover, with no inflation to extend it, is an input error that says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from importlib import resources

from chagai.cases.schema import Source
from chagai.errors import InputError, Issue


@dataclass(frozen=True)
class PriceIndex:
    """An annual price index with its source: ``annual[year]`` is the year's average level."""

    id: str
    name: str
    series: str
    note: str
    source: Source
    annual: dict[int, float]

    @property
    def first_year(self) -> int:
        """First year of the index."""
        return min(self.annual)

    @property
    def last_year(self) -> int:
        """Last published year of the index."""
        return max(self.annual)

    def level(self, year: int, inflation: float | None = None, where: str = "money_year") -> float:
        """The index in ``year``; past the last published year, extended at ``inflation`` a year.

        Raises
        ------
        InputError
            If ``year`` is before the index, or after it with no ``inflation`` to extend it.
        """
        if year in self.annual:
            return self.annual[year]
        if year > self.last_year and inflation is not None:
            return self.annual[self.last_year] * (1.0 + inflation) ** (year - self.last_year)
        covered = f"{self.first_year}-{self.last_year}"
        if year < self.first_year:
            fix = f"state the figure in dollars of a year from {self.first_year} on"
        else:
            fix = "give `money.inflation` (expected US$ inflation a year) to extend the index"
        raise InputError([Issue(where, year, f"a year the {self.id} index covers ({covered})", fix)])


@cache
def us_cpi() -> PriceIndex:
    """The bundled US CPI-U annual averages (BLS series CUUR0000SA0)."""
    import yaml

    path = resources.files("chagai.cases") / "data" / "deflators" / "us-cpi-u.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    return PriceIndex(
        id=doc["id"],
        name=doc["name"],
        series=doc["series"],
        note=doc["note"],
        source=Source.model_validate(doc["source"]),
        annual={int(y): float(v) for y, v in doc["annual"].items()},
    )


def dollars_factor(from_year: int, to_year: int, inflation: float | None = None, where: str = "money_year") -> float:
    """Multiplier from dollars of ``from_year`` to dollars of ``to_year`` by the US CPI-U [-].

    Parameters
    ----------
    from_year, to_year
        Calendar years [year].
    inflation
        Expected inflation a year, to extend the index past its last year [fraction/yr].
    where
        The input the year comes from, for the error message.

    Raises
    ------
    InputError
        If a year is outside the index and cannot be extended.
    """
    if from_year == to_year:
        return 1.0
    index = us_cpi()
    return index.level(to_year, inflation, where) / index.level(from_year, inflation, where)


def real_rate(nominal: float, inflation: float) -> float:
    """The real rate equal to ``nominal`` at expected ``inflation``: ``(1 + nominal) / (1 + inflation) - 1``.

    Parameters
    ----------
    nominal
        Nominal rate a year [fraction].
    inflation
        Expected inflation a year [fraction].
    """
    if not (math.isfinite(nominal) and math.isfinite(inflation)) or inflation <= -1.0:
        msg = f"rates must be finite and inflation above -100%: nominal {nominal}, inflation {inflation}"
        raise ValueError(msg)
    return (1.0 + nominal) / (1.0 + inflation) - 1.0


__all__ = ["PriceIndex", "dollars_factor", "real_rate", "us_cpi"]
