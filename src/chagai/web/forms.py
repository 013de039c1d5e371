"""What the page forms hold, and how their text becomes the inputs of the services.

The scenario form speaks the command line's language: a price is the override ``prices.<commodity>=<value>``
(``--set``), a sale is ``SHARE:SELLER->BUYER@YEAR`` (``--sell``), other changes are ``path=value`` lines, and
delay, overrun and the discount rate are the fields of a :class:`~chagai.cases.compile.Scenario`. Every problem in
a form is reported at once, each naming the field, what came, what was expected and how to fix it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from chagai.cases.compile import Scenario, StakeSale
from chagai.cases.overrides import parse_assignment
from chagai.cases.schema import Case
from chagai.errors import InputError, Issue

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

MAX_DELAY = 30
"""Longest delay the form accepts [yr]."""


def _blank(text: str | None) -> bool:
    return text is None or not text.strip()


def _number(issues: list[Issue], name: str, text: str, expected: str, low: float, high: float) -> float | None:
    """``text`` read as a finite number in [low, high], or an issue."""
    try:
        value = float(text.replace(",", "").strip())
    except ValueError:
        issues.append(Issue(name, text, expected, "write a number, e.g. " + expected.split("e.g. ")[-1]))
        return None
    if not math.isfinite(value) or not low <= value <= high:
        issues.append(Issue(name, text, expected, "give a value in that range"))
        return None
    return value


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace(";", "\n").splitlines() if line.strip()]


@dataclass(frozen=True)
class PriceField:
    """A commodity price the scenario form offers: the base deck's value and unit."""

    commodity: str
    value: float
    unit: str

    @property
    def name(self) -> str:
        """Name of the form field."""
        return f"price-{self.commodity}"

    @property
    def label(self) -> str:
        """Label of the form field."""
        return f"{self.commodity.replace('-', ' ').capitalize()} price [{self.unit}]"


def price_fields(case: Case) -> list[PriceField]:
    """The base-deck prices of a case, one form field each."""
    return [
        PriceField(p.commodity, p.price.value, p.price.unit)
        for p in case.prices
        if p.deck == "base" and p.commodity in case.commodities
    ]


def _shown(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e6 else f"{value:.0f}"


@dataclass
class ScenarioForm:
    """The scenario form's fields, as typed (so a form with a mistake is shown again unchanged)."""

    prices: dict[str, str] = field(default_factory=dict)
    delay: str = "0"
    overrun: str = "1"
    rate: str = "0.10"
    sell: str = ""
    changes: str = ""

    @classmethod
    def from_params(cls, params: Mapping[str, str], case: Case) -> ScenarioForm:
        """Read the form from query parameters; absent fields take the case as recorded."""
        prices = {f.commodity: params.get(f.name, _shown(f.value)) for f in price_fields(case)}
        return cls(
            prices=prices,
            delay=params.get("delay", "0"),
            overrun=params.get("overrun", "1"),
            rate=params.get("rate", "0.10"),
            sell=params.get("sell", ""),
            changes=params.get("set", ""),
        )

    def parse(self, case: Case) -> tuple[Scenario, dict[str, Any]]:
        """The scenario and the ``path: value`` overrides the form asks for.

        Raises
        ------
        InputError
            Listing every field that cannot be read.
        """
        issues: list[Issue] = []
        overrides: dict[str, Any] = {}
        for price in price_fields(case):
            text = self.prices.get(price.commodity, "")
            if _blank(text):
                continue
            value = _number(issues, price.label, text, f"a price > 0, e.g. {_shown(price.value)}", 1e-9, 1e12)
            if value is not None and not math.isclose(value, price.value, rel_tol=1e-12):
                overrides[f"prices.{price.commodity}"] = value
        delay = _number(
            issues, "Delay [yr]", self.delay or "0", f"whole years from 0 to {MAX_DELAY}, e.g. 2", 0, MAX_DELAY
        )
        if delay is not None and delay != int(delay):
            issues.append(Issue("Delay [yr]", self.delay, "a whole number of years, e.g. 2", "drop the fraction"))
        overrun = _number(issues, "Capital overrun [factor]", self.overrun or "1", "a factor, e.g. 1.2", 0.1, 10)
        rate = _number(
            issues, "Discount rate [fraction]", self.rate or "0.10", "a rate from 0 to 0.5, e.g. 0.08", 0, 0.5
        )
        sales: list[StakeSale] = []
        for line in _lines(self.sell):
            try:
                sale = StakeSale.parse(line)
            except InputError as exc:
                issues += [replace(i, path="Stake sale") for i in exc.issues]
                continue
            if not all(_SLUG.match(name) for name in (sale.seller, sale.buyer)):
                expected = "party ids in lower-case words joined by hyphens, e.g. 15%:federal->manara@2027"
                issues.append(Issue("Stake sale", line, expected, "write the seller and the buyer as ids"))
                continue
            sales.append(sale)
        for line in _lines(self.changes):
            try:
                path, value = parse_assignment(line)
            except InputError as exc:
                issues += [replace(i, path=f"Other changes: {i.path}") for i in exc.issues]
                continue
            overrides[path] = value
        if issues or delay is None or overrun is None or rate is None:
            raise InputError(issues)
        scenario = Scenario(delay=int(delay), overrun=overrun, discount_rate=rate, sales=tuple(sales))
        return scenario, overrides

    @staticmethod
    def describe(case: Case, scenario: Scenario, overrides: Mapping[str, Any]) -> list[str]:
        """The changes a parsed form makes to the case as recorded, in words (empty when there are none)."""
        words = []
        deck = {p.commodity: p for p in price_fields(case)}
        for path, value in overrides.items():
            commodity = path.removeprefix("prices.")
            if path.startswith("prices.") and commodity in deck and isinstance(value, int | float):
                p = deck[commodity]
                words.append(f"{commodity} {value:,.6g} {p.unit} (deck {p.value:,.6g})")
            else:
                words.append(f"{path} = {value}")
        if scenario.delay:
            words.append(f"delay {scenario.delay} yr")
        if scenario.overrun != 1:
            words.append(f"capital x{scenario.overrun:g}")
        if scenario.discount_rate != Scenario().discount_rate:
            words.append(f"discount rate {scenario.discount_rate:.1%}")
        words += [f"sale of {s.share:.0%} {s.seller} -> {s.buyer} in {s.year}" for s in scenario.sales]
        return words


# ---------------------------------------------------------------------------------------------------------
# claims and sources


def slug(text: str, taken: Iterable[str] = (), words: int = 6, fallback: str = "entry") -> str:
    """An id made of the first ``words`` words of ``text``, unique among ``taken``."""
    parts = re.findall(r"[a-z0-9]+", text.lower())[:words]
    base = "-".join(parts)[:60].strip("-") or fallback
    used = set(taken)
    candidate, n = base, 2
    while candidate in used:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


CLAIM_FIELDS = (
    "id",
    "statement",
    "metric",
    "value",
    "high",
    "unit",
    "year",
    "basis",
    "phase",
    "bound",
    "tolerance",
    "confidence",
    "note",
)
SOURCE_FIELDS = ("id", "title", "publisher", "date", "url", "confidence", "note")


def claim_from_form(form: Mapping[str, Any], sources: list[str], case: Case) -> dict[str, Any]:
    """The claim a form describes, ready for the registry (which validates it in full).

    Raises
    ------
    InputError
        If a number cannot be read (the registry checks everything else).
    """
    issues: list[Issue] = []
    claim: dict[str, Any] = {}
    for name in ("statement", "metric", "unit", "basis", "phase", "bound", "confidence", "note"):
        if _text(form, name):
            claim[name] = _text(form, name)
    value_text = _text(form, "value")
    if not value_text:
        issues.append(Issue("value", "", "the number the claim states, e.g. 2.8", "give the claimed number"))
    else:
        claim["value"] = _number(issues, "value", value_text, "a number, e.g. 2.8", -1e15, 1e15)
    if _text(form, "high"):
        claim["high"] = _number(issues, "high", _text(form, "high"), "the upper end of a range, e.g. 2.9", -1e15, 1e15)
    if _text(form, "year"):
        year = _number(issues, "year", _text(form, "year"), "a calendar year, e.g. 2029", 1900, 2200)
        claim["year"] = int(year) if year is not None else None
    if _text(form, "tolerance"):
        claim["tolerance"] = _number(
            issues, "tolerance", _text(form, "tolerance"), "a fraction of the claim, e.g. 0.15", 0, 1e3
        )
    includes = [str(i) for i in form.getlist("includes")] if hasattr(form, "getlist") else []
    if any(includes):
        claim["includes"] = [i for i in includes if i]
    if issues:
        raise InputError(issues)
    claim["id"] = _text(form, "id") or slug(claim.get("statement", ""), (c.id for c in case.claims), fallback="claim")
    claim["source"] = [s for s in sources if s]
    return claim


def source_from_form(form: Mapping[str, Any], case: Case) -> dict[str, Any]:
    """The source a form describes, ready for the registry (which validates it)."""
    source = {name: _text(form, name) for name in SOURCE_FIELDS if _text(form, name)}
    if "id" not in source:
        base = " ".join(filter(None, (source.get("publisher", ""), source.get("date", ""), source.get("title", ""))))
        source["id"] = slug(base, (s.id for s in case.sources), fallback="source")
    return source
