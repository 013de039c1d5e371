"""Checks that involve several fields of a case: references, dates in order, stakes summing to 100%.

Each check returns :class:`~chagai.errors.Issue` objects naming the field path, the value, what was expected and
how to fix it; :func:`check_case` runs them all so a user sees every problem at once.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from pydantic import BaseModel, ValidationError

from chagai.cases.issues import issues_from_validation
from chagai.cases.money import dollars_factor
from chagai.cases.regimes import FiscalTerms, get_regime, regime_ids, terms_with_overrides
from chagai.cases.schema import (
    NAME_LIMIT,
    Case,
    FiscalTermsChoice,
    GasProduction,
    MineProduction,
    Quantity,
    Stake,
    normalise_name,
)
from chagai.errors import InputError, Issue, NotFoundError

SHARE_TOLERANCE = 1e-6
"""How far the stakes in force may sum from 100% before it is an error [fraction]."""

_SOURCE_FIELDS = ("source", "start_year_source", "overrides_source")


def check_case(case: Case) -> list[Issue]:
    """Every cross-field problem of ``case`` (an empty list when there is none)."""
    issues: list[Issue] = []
    issues += _unique_ids(case)
    issues += _source_references(case)
    issues += _party_references(case)
    issues += _status_order(case)
    issues += _stake_sums(case)
    issues += _production(case)
    issues += _capex(case)
    issues += _prices(case)
    issues += _fiscal(case)
    issues += _aliases(case)
    issues += _claim_phases(case)
    return issues


def _unique_ids(case: Case) -> Iterator[Issue]:
    groups: dict[str, list[str]] = {
        "sources": [s.id for s in case.sources],
        "parties": [p.id for p in case.parties],
        "claims": [c.id for c in case.claims],
        "financing": [f.id for f in case.financing],
    }
    if isinstance(case.production, MineProduction):
        groups["production.phases"] = [p.id for p in case.production.phases]
    for section, ids in groups.items():
        for ident, count in Counter(ids).items():
            if count > 1:
                index = [i for i, x in enumerate(ids) if x == ident][1]
                yield Issue(
                    f"{section}[{index}].id",
                    ident,
                    f"ids unique within {section}",
                    f"{ident!r} is used {count} times: rename or merge the entries",
                )


def _walk(obj: Any, path: str) -> Iterator[tuple[str, BaseModel]]:
    """Every model inside ``obj`` with its path."""
    if isinstance(obj, BaseModel):
        yield path, obj
        for name in type(obj).model_fields:
            yield from _walk(getattr(obj, name), f"{path}.{name}" if path else name)
    elif isinstance(obj, list):
        for i, item in enumerate(obj):
            yield from _walk(item, f"{path}[{i}]")
    elif isinstance(obj, dict):
        for key, item in obj.items():
            yield from _walk(item, f"{path}.{key}")


def quantities(model: BaseModel) -> Iterator[tuple[str, Quantity]]:
    """Every quantity (number with unit and provenance) inside ``model``, with its path."""
    for path, inner in _walk(model, ""):
        if isinstance(inner, Quantity):
            yield path, inner


def source_references(model: BaseModel) -> Iterator[tuple[str, list[str]]]:
    """Every list of source ids inside ``model``, with its path."""
    for path, inner in _walk(model, ""):
        for name in _SOURCE_FIELDS:
            ids = getattr(inner, name, None)
            if isinstance(ids, list) and ids:
                yield (f"{path}.{name}" if path else name), ids


def _source_references(case: Case) -> Iterator[Issue]:
    known = {s.id for s in case.sources}
    for path, ids in source_references(case):
        for i, ident in enumerate(ids):
            if ident not in known:
                yield Issue(
                    f"{path}[{i}]",
                    ident,
                    f"the id of an entry in `sources` ({', '.join(sorted(known))})",
                    f"add a source with id {ident!r} to `sources`, or correct the id",
                )


def _party_references(case: Case) -> Iterator[Issue]:
    known = {p.id for p in case.parties}
    refs: list[tuple[str, str | None]] = []
    for i, s in enumerate(case.stakes):
        refs += [(f"stakes[{i}].party", s.party), (f"stakes[{i}].funded_by", s.funded_by)]
        refs.append((f"stakes[{i}].from_party", s.from_party))
    refs += [(f"roles[{i}].party", r.party) for i, r in enumerate(case.roles)]
    refs += [(f"financing[{i}].lender", f.lender) for i, f in enumerate(case.financing)]
    for i, p in enumerate(case.parties):
        refs += [(f"parties[{i}].owners[{j}].party", o.party) for j, o in enumerate(p.owners)]
    for path, ident in refs:
        if ident is not None and ident not in known:
            yield Issue(
                path,
                ident,
                f"the id of an entry in `parties` ({', '.join(sorted(known))})",
                f"add a party with id {ident!r} to `parties`, or correct the id",
            )
    for i, r in enumerate(case.roles):
        if r.start and r.end and r.end < r.start:
            yield Issue(f"roles[{i}].end", str(r.end), f"a date on or after start {r.start}", "correct the dates")


def _status_order(case: Case) -> Iterator[Issue]:
    for i in range(1, len(case.statuses)):
        before, entry = case.statuses[i - 1], case.statuses[i]
        if entry.start <= before.start:
            yield Issue(
                f"statuses[{i}].start",
                str(entry.start),
                f"a date after the previous status's start ({before.start}): statuses are listed oldest first",
                "list the status history in date order, one entry per change",
            )


def _boundaries(stakes: Iterable[Stake]) -> list[dt.date]:
    days: set[dt.date] = set()
    for s in stakes:
        days.add(s.start)
        if s.end is not None and s.end < dt.date.max:  # a stake held to the last day has no day after it
            days.add(s.end + dt.timedelta(days=1))
    return sorted(days)


def _stake_sums(case: Case) -> Iterator[Issue]:
    held = [s for s in case.stakes if s.kind != "proposed"]
    if not held:
        yield Issue(
            "stakes",
            [s.kind for s in case.stakes],
            "at least one stake that is not proposed",
            "list who owns the project (kind paid, funded-by-another-party or free-carried)",
        )
        return
    last_start = max(s.start for s in held)
    for day in _boundaries(held):
        in_force = [s for s in held if s.in_force(day)]
        if not in_force and day > last_start:
            continue  # after the last recorded holding ends, the history simply stops
        low = sum(s.share.low for s in in_force)
        high = sum(s.share.high for s in in_force)
        if low - SHARE_TOLERANCE <= 1.0 <= high + SHARE_TOLERANCE:
            continue
        listing = ", ".join(f"{s.party} {s.share.central:.2%}" for s in in_force) or "none"
        total = f"{low:.2%}" if abs(high - low) < SHARE_TOLERANCE else f"{low:.2%} to {high:.2%}"
        yield Issue(
            "stakes",
            f"{total} in force on {day} ({listing})",
            "the stakes in force to sum to 100% on every date",
            "correct the shares, or end one stake the day before another starts (proposed stakes do not count)",
        )


def _production(case: Case) -> Iterator[Issue]:
    prod = case.production
    if prod is None:
        return
    expected_type = {"mine": "mine", "quarry": "mine", "gas-field": "gas_field"}[case.kind]
    if prod.type != expected_type:
        yield Issue(
            "production.type",
            prod.type,
            f"{expected_type!r} for a project of kind {case.kind!r}",
            "change the project's kind or its production inputs",
        )
        return
    if isinstance(prod, MineProduction):
        for name in ("grades", "recoveries", "payabilities"):
            for commodity in getattr(prod, name):
                if commodity not in case.commodities:
                    yield Issue(
                        f"production.{name}.{commodity}",
                        commodity,
                        f"one of the case's commodities ({', '.join(case.commodities)})",
                        "add the commodity to `commodities` or remove the entry",
                    )
        for commodity in prod.grades:
            if commodity not in prod.recoveries:
                yield Issue(
                    f"production.recoveries.{commodity}",
                    None,
                    f"a recovery for every graded commodity ({', '.join(prod.grades)})",
                    f"add `{commodity}: {{value: ..., unit: fraction, source: [...]}}` under recoveries",
                )
        years = [p.start_year for p in prod.phases]
        if years != sorted(years):
            yield Issue(
                "production.phases",
                years,
                "phases listed in order of start year",
                "reorder the phases",
            )
        for i, p in enumerate(prod.phases):
            if not p.start_year_source and not p.start_year_estimate:
                yield Issue(
                    f"production.phases[{i}].start_year",
                    p.start_year,
                    "a start year with `start_year_source` or `start_year_estimate`",
                    "cite the schedule or explain the estimate",
                )
    if isinstance(prod, GasProduction):
        years = [h.year for h in prod.history]
        if years != sorted(set(years)):
            yield Issue(
                "production.history",
                years,
                "one point per year, oldest first",
                "sort the history and merge repeated years",
            )
        d = prod.decline
        if d.fit and len(prod.history) < 2:
            yield Issue(
                "production.decline.fit",
                True,
                "at least two history points to fit a decline",
                "add history points or give qi and di and set fit: false",
            )
        if not d.fit and (d.qi is None or d.di is None):
            yield Issue(
                "production.decline",
                d.model_dump(mode="json", exclude_none=True),
                "qi and di when the decline is not fitted",
                "give qi and di, or set fit: true",
            )
        if d.model == "hyperbolic" and d.b is None and not d.fit:
            yield Issue("production.decline.b", None, "b for a hyperbolic decline", "give b (0 < b < 1)")


def _capex(case: Case) -> Iterator[Issue]:
    if case.costs is None:
        return
    phases = {p.id for p in case.production.phases} if isinstance(case.production, MineProduction) else set()
    for i, item in enumerate(case.costs.capex):
        total = sum(item.profile.shares)
        if abs(total - 1.0) > SHARE_TOLERANCE:
            yield Issue(
                f"costs.capex[{i}].profile.shares",
                item.profile.shares,
                f"shares summing to 1 (they sum to {total:.6g})",
                "scale the shares so they add up to 1",
            )
        if phases and item.phase not in phases:
            yield Issue(
                f"costs.capex[{i}].phase",
                item.phase,
                f"a phase id from production.phases ({', '.join(sorted(phases))})",
                "correct the phase id",
            )


def _prices(case: Case) -> Iterator[Issue]:
    seen: set[tuple[str, str]] = set()
    decks: dict[str, tuple[int, str]] = {}
    for i, p in enumerate(case.prices):
        if p.commodity not in case.commodities:
            yield Issue(
                f"prices[{i}].commodity",
                p.commodity,
                f"one of the case's commodities ({', '.join(case.commodities)})",
                "add the commodity to `commodities` or remove the price",
            )
        money = (p.money_year, p.basis)
        first = decks.setdefault(p.deck, money)
        if money != first:
            yield Issue(
                f"prices[{i}]",
                f"{p.basis} {p.money_year} dollars",
                f"the money year and basis of the deck's other prices ({first[1]} {first[0]} dollars)",
                "state every price of a deck in the same dollars, or give the price another deck name",
            )
        inflation = case.money.inflation.canonical() if case.money.inflation is not None else None
        try:
            dollars_factor(p.money_year, case.money.base_year, inflation, f"prices[{i}].money_year")
        except InputError as exc:
            yield from exc.issues
        key = (p.commodity, p.deck)
        if key in seen:
            yield Issue(
                f"prices[{i}]",
                f"{p.commodity} in deck {p.deck}",
                "one price per commodity and deck",
                "remove the repeated price or give it another deck name",
            )
        seen.add(key)


def _fiscal(case: Case) -> Iterator[Issue]:
    if case.fiscal is None:
        return
    choices: list[tuple[str, FiscalTermsChoice]] = [("fiscal", case.fiscal)]
    choices += [(f"fiscal.alternatives.{name}", alt) for name, alt in sorted(case.fiscal.alternatives.items())]
    for path, choice in choices:
        try:
            regime = get_regime(choice.regime)
        except NotFoundError:
            yield Issue(
                f"{path}.regime",
                choice.regime,
                f"the id of a fiscal regime preset ({', '.join(regime_ids())})",
                "use one of the listed ids (`chagai regimes` shows them)",
            )
            continue
        if choice.overrides and not (choice.overrides_source or choice.overrides_estimate):
            yield Issue(
                f"{path}.overrides",
                sorted(choice.overrides),
                "`overrides_source` or `overrides_estimate` saying where the changed terms come from",
                "cite the overrides or explain them as an estimate",
            )
        try:
            terms_with_overrides(regime, choice.overrides)
        except ValidationError as exc:
            yield from issues_from_validation(exc, FiscalTerms, prefix=f"{path}.overrides")


def _aliases(case: Case) -> Iterator[Issue]:
    seen: dict[str, str] = {normalise_name(case.name): "name", normalise_name(case.id): "id"}
    for i, alias in enumerate(case.aliases):
        key = normalise_name(alias)
        if not key:
            yield Issue(f"aliases[{i}]", alias, "a name with letters or digits", "remove the empty alias")
        elif len(key) > NAME_LIMIT:
            yield Issue(
                f"aliases[{i}]",
                alias,
                f"a name of at most {NAME_LIMIT} letters and digits once its characters are spelt out",
                "shorten the alias",
            )
        elif key in seen and seen[key] not in ("name", "id"):
            yield Issue(f"aliases[{i}]", alias, "each alias once", f"remove the repeat of {seen[key]}")
        seen.setdefault(key, f"aliases[{i}]")


def _claim_phases(case: Case) -> Iterator[Issue]:
    """A claim's ``phase`` names one of the case's production phases."""
    phases = [p.id for p in case.production.phases] if isinstance(case.production, MineProduction) else []
    for i, claim in enumerate(case.claims):
        if claim.phase is not None and claim.phase not in phases:
            yield Issue(
                f"claims[{i}].phase",
                claim.phase,
                f"one of the case's phases ({', '.join(phases)})" if phases else "no phase: the case has none",
                "name a phase id from production.phases, or drop `phase`",
            )
