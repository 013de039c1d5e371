"""Case fields in words: ``financing[0].rate`` reads "Loan interest rate, US EXIM".

Reports and pages show an input by its label, with the field path (what ``--set`` takes) beside it or as a
tooltip. A path without a written label is put into words from its own names, each list entry named by its
lender, commodity, phase or id.
"""

from __future__ import annotations

import re
from typing import Any

from chagai.cases.schema import Case

_WORDS = {
    "financing.amount": "Loan amount",
    "financing.rate": "Loan interest rate",
    "financing.grace": "Loan grace period",
    "financing.tenor": "Loan repayment period",
    "prices.price": "Price",
    "costs.capex.amount": "Capital cost",
    "costs.closure": "Closure cost",
    "costs.fixed_opex": "Fixed operating cost",
    "costs.opex_per_gas_volume": "Operating cost per volume of gas",
    "costs.opex_per_tonne_milled": "Operating cost per tonne milled",
    "costs.selling_cost_per_tonne_product": "Selling cost per tonne of concentrate",
    "costs.sustaining_capex": "Sustaining capital, a year",
    "costs.sustaining_capex_per_tonne_milled": "Sustaining capital per tonne milled",
    "money.inflation": "Expected US$ inflation",
    "production.concentrate_grade": "Copper grade of the concentrate",
    "production.grades": "Ore grade",
    "production.grade_schedule.grades": "Ore grade",
    "production.heating_value": "Heating value of the gas",
    "production.history.rate": "Recorded production rate",
    "production.mine_life": "Mine life",
    "production.ore_reserve": "Ore reserve",
    "production.original_reserves": "Original gas reserves",
    "production.payabilities": "Payable share",
    "production.phases.throughput": "Plant throughput",
    "production.recoveries": "Recovery",
    "production.strip_ratio": "Strip ratio",
    "stakes.carry_rate": "Interest on a carried stake",
}
"""Labels of the fields a case's quantities live in, by path without list positions."""

_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _entry_name(case: Case, entry: Any) -> str:
    """What a list entry is called: its lender and id, commodity and deck, label, years of production or id."""
    lender = getattr(entry, "lender", None)
    if isinstance(lender, str) and lender:
        label = next((p.label for p in case.parties if p.id == lender), lender)
        return f"{label} ({entry.id})" if getattr(entry, "id", lender) != lender else label
    for attribute in ("label", "name"):
        value = getattr(entry, attribute, None)
        if isinstance(value, str) and value:
            return value
    years = getattr(entry, "production_years", None)
    if years is not None:
        return f"production years {years}"
    commodity = getattr(entry, "commodity", None)
    if commodity:
        deck = getattr(entry, "deck", "base")
        return f"{commodity}" + ("" if deck in (None, "base") else f", {deck} deck")
    for attribute in ("id", "phase", "year", "start"):
        value = getattr(entry, attribute, None)
        if value not in (None, ""):
            return str(value)
    return ""


def field_label(case: Case, path: str) -> str:
    """A field of ``case`` in words, with what its list entries and last key name (``Ore grade, copper``)."""
    node: Any = case
    names: list[str] = []
    details: list[str] = []
    for name, index in _STEP.findall(path):
        if name:
            names.append(name)
            node = getattr(node, name, None) if not isinstance(node, dict) else node.get(name)
        else:
            entries = node if isinstance(node, list) else []
            node = entries[int(index)] if int(index) < len(entries) else None
            if node is not None and (named := _entry_name(case, node)):
                details.append(named)
    key = ".".join(names)
    label = _WORDS.get(key)
    if label is None and len(names) > 1 and ".".join(names[:-1]) in _WORDS:  # a mapping by commodity
        label = _WORDS[".".join(names[:-1])]
        details.append(names[-1])
    if label is None:
        label = names[-1].replace("_", " ").capitalize() if names else path
    return ", ".join([label, *details])
