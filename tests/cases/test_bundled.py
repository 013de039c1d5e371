"""The bundled cases: valid, sourced, and owned 100% on every date."""

from __future__ import annotations

import datetime as dt

import pytest

from chagai.cases.checks import source_references
from chagai.cases.library import bundled_cases
from chagai.cases.schema import Case, Quantity

CASES = bundled_cases()


def test_the_founding_projects_are_bundled() -> None:
    ids = {c.id for c in CASES}
    assert {"reko-diq", "saindak", "sui"} <= ids
    assert len(ids) >= 6, "registry-only entries for the other Balochistan projects"


def _days(case: Case) -> list[dt.date]:
    """Every stake boundary, the day before each, and every first of January up to 2060."""
    days = {dt.date(y, 1, 1) for y in range(1950, 2061)}
    for s in case.stakes:
        days |= {s.start, s.start - dt.timedelta(days=1)}
        if s.end:
            days |= {s.end, s.end + dt.timedelta(days=1)}
    return sorted(days)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_stakes_sum_to_one_hundred_percent_at_every_date(case: Case) -> None:
    first = min(s.start for s in case.stakes if s.kind != "proposed")
    last_end = max((s.end for s in case.stakes if s.end), default=None)
    open_ended = any(s.end is None for s in case.stakes if s.kind != "proposed")
    for day in _days(case):
        if day < first or (not open_ended and last_end and day > last_end):
            continue
        held = [s for s in case.stakes if s.kind != "proposed" and s.start <= day and (s.end is None or day <= s.end)]
        low = sum(s.share.low for s in held)
        high = sum(s.share.high for s in held)
        assert low - 1e-9 <= 1.0 <= high + 1e-9, f"{case.id} on {day}: {low:.4f}-{high:.4f}"


def _quantities(obj: object) -> list[Quantity]:
    from pydantic import BaseModel

    found: list[Quantity] = []
    if isinstance(obj, Quantity):
        found.append(obj)
    if isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            found += _quantities(getattr(obj, name))
    elif isinstance(obj, list | tuple):
        for item in obj:
            found += _quantities(item)
    elif isinstance(obj, dict):
        for item in obj.values():
            found += _quantities(item)
    return found


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_every_number_is_sourced_and_every_source_cited(case: Case) -> None:
    for q in _quantities(case):
        assert q.source or (q.estimate and len(q.estimate) > 5), q
    cited = {ident for _, ids in source_references(case) for ident in ids}
    cited |= {ident for c in case.claims for ident in c.source}
    uncited = {s.id for s in case.sources} - cited
    assert not uncited, f"{case.id}: sources listed but never cited: {sorted(uncited)}"


def test_conflicting_reko_diq_figures_are_kept_with_a_stated_default() -> None:
    reko = next(c for c in CASES if c.id == "reko-diq")
    assert reko.decisions, "the choice between conflicting figures is explained"
    claim_ids = {c.id for c in reko.claims}
    for decision in reko.decisions:
        assert decision.reason
        assert set(decision.alternatives) <= claim_ids
    on = dt.date(2026, 1, 1)
    shares = {s.party: 0.0 for s in reko.stakes_on(on)}
    for s in reko.stakes_on(on):
        shares[s.party] += s.share.central
    assert max(shares.values()) == pytest.approx(0.5)
    assert sum(shares.values()) == pytest.approx(1.0)
