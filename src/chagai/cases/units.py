"""Units that case files may use, grouped by dimension, with factors to each dimension's canonical unit.

A case keeps the unit its author wrote (so an export gives back the same file) and converts to the canonical
unit only when it is compiled into arrays. Every quantity field of the schema names one dimension; a unit from
another dimension is an error that names both.

Canonical units follow the conventions of the model: money in US$ million, metal in tonnes, gold in troy
ounces where it is counted as a product, ore in tonnes, gas in MMscf, energy in MMBtu, rates as decimals.
A calendar year (``year``, e.g. the year production starts) is a dimension of its own, so that a claim can state one.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from chagai.core.calendar import DAYS_PER_YEAR

TROY_OUNCE_G = 31.1034768
"""Grams in one troy ounce [g]."""
POUND_KG = 0.45359237
"""Kilograms in one avoirdupois pound [kg]."""


@dataclass(frozen=True)
class Dimension:
    """A physical or economic dimension and the units accepted for it.

    Parameters
    ----------
    name
        Canonical name of the dimension, used in error messages.
    canonical
        The unit the model computes in.
    factors
        Factor that converts one of each accepted unit into the canonical unit.
    """

    name: str
    canonical: str
    factors: MappingProxyType[str, float]

    def factor(self, unit: str) -> float:
        """Return the factor that converts ``unit`` to the canonical unit."""
        return self.factors[unit]


def _dim(name: str, canonical: str, factors: dict[str, float] | None = None) -> Dimension:
    table = {canonical: 1.0, **(factors or {})}
    return Dimension(name, canonical, MappingProxyType(table))


_MILLION = 1e6
DIMENSIONS: MappingProxyType[str, Dimension] = MappingProxyType(
    {
        d.name: d
        for d in (
            _dim("fraction", "fraction", {"%": 0.01}),
            _dim(
                "mass",
                "t",
                {"kt": 1e3, "Mt": 1e6, "bn t": 1e9, "kg": 1e-3, "lb": POUND_KG / 1e3, "Mlb": POUND_KG * 1e3},
            ),
            _dim(
                "mass_rate",
                "t/yr",
                {
                    "kt/yr": 1e3,
                    "Mt/yr": 1e6,
                    "t/d": DAYS_PER_YEAR,
                    "kt/d": DAYS_PER_YEAR * 1e3,
                    "Mlb/yr": POUND_KG * 1e3,
                },
            ),
            _dim("grade", "fraction", {"%": 0.01, "g/t": 1e-6, "ppm": 1e-6}),
            _dim("gold_mass", "oz", {"koz": 1e3, "Moz": 1e6, "t": 1e6 / TROY_OUNCE_G, "kg": 1e3 / TROY_OUNCE_G}),
            _dim("gold_rate", "oz/yr", {"koz/yr": 1e3, "Moz/yr": 1e6, "t/yr": 1e6 / TROY_OUNCE_G}),
            _dim("money", "US$m", {"US$": 1 / _MILLION, "US$k": 1e-3, "US$bn": 1e3}),
            _dim("money_rate", "US$m/yr", {"US$/yr": 1 / _MILLION, "US$bn/yr": 1e3}),
            _dim("cost_per_mass", "US$/t", {"US$/kt": 1e-3}),
            _dim(
                "price_per_mass",
                "US$/t",
                {"US$/lb": 1e3 / POUND_KG, "US$/kg": 1e3, "US$/oz": 1e6 / TROY_OUNCE_G, "US$/g": 1e6},
            ),
            _dim("price_per_energy", "US$/MMBtu"),
            _dim("price_per_gas_volume", "US$/Mscf", {"US$/MMscf": 1e-3}),
            _dim("gas_volume", "MMscf", {"bcf": 1e3, "Tcf": 1e6, "Mscf": 1e-3, "bcm": 35_314.6667}),
            _dim("gas_rate", "MMscf/d", {"MMcfd": 1.0, "MMscfd": 1.0, "bcf/yr": 1e3 / DAYS_PER_YEAR}),
            _dim("energy_per_gas_volume", "MMBtu/Mscf", {"Btu/scf": 1e-3}),
            _dim("duration", "yr", {"months": 1 / 12, "d": 1 / DAYS_PER_YEAR}),
            _dim("rate_per_year", "1/yr", {"%/yr": 0.01}),
            _dim("ratio", "ratio", {"w/o": 1.0}),
            _dim("count", "count", {"jobs": 1.0, "people": 1.0}),
            _dim("power", "MW", {"GW": 1e3}),
            _dim("length", "km", {"m": 1e-3}),
            _dim("area", "km2", {"ha": 1e-2}),
            _dim("calendar_year", "year"),
        )
    }
)
"""Every dimension a case may use, by name."""


def unit_dimensions(unit: str) -> list[str]:
    """Names of the dimensions that accept ``unit`` (a unit may belong to several, e.g. ``%``)."""
    return [d.name for d in DIMENSIONS.values() if unit in d.factors]


def all_units() -> list[str]:
    """Every unit any dimension accepts, sorted."""
    return sorted({u for d in DIMENSIONS.values() for u in d.factors})


def convert(value: float, unit: str, dimension: str) -> float:
    """Convert ``value`` in ``unit`` to the canonical unit of ``dimension``.

    Raises
    ------
    KeyError
        If the dimension does not accept the unit (the schema rejects such input before this is called).
    """
    return value * DIMENSIONS[dimension].factor(unit)
