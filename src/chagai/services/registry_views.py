"""Views of the registry both front ends show: the projects table, a project's detail, stakes and facilities."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TypeVar

from pydantic import BaseModel

from chagai.cases.io import case_hash
from chagai.cases.schema import Case, Claim, normalise_name
from chagai.registry import models, repo
from chagai.registry.exporters import operator_label, resource_label
from chagai.results import (
    ChangeOut,
    ClaimCheck,
    ClaimOut,
    FacilityOut,
    LocationOut,
    PartyOut,
    ProjectDetail,
    ProjectRow,
    StakeOut,
    StatusOut,
)


def status_text(case: Case, on: dt.date) -> str:
    """The status in force on ``on`` with its note, as the registry table shows it."""
    entry = case.status_on(on)
    if entry is None:
        return "-"
    text = entry.status.capitalize()
    return f"{text}. {entry.note}" if entry.note else text


View = TypeVar("View", bound=BaseModel)


def _view(view: type[View], record: BaseModel, **extra: object) -> View:
    """The fields of ``record`` that ``view`` shows, with ``extra`` ones."""
    return view.model_validate({**record.model_dump(include=set(view.model_fields)), **extra})


def filter_hints(cases: Sequence[Case], commodity: str | None = None, region: str | None = None) -> list[str]:
    """Why a commodity or region filter may match nothing: the value is not in the registry; the closest ones."""
    hints = []
    for what, value, known in (
        ("commodity", commodity, {c for case in cases for c in case.commodities}),
        ("region", region, {r for case in cases for r in (case.location.region, case.location.district) if r}),
    ):
        if not value or value.lower().replace(" ", "-") in {k.lower() for k in known}:
            continue
        by_folded = {normalise_name(k): k.lower() for k in sorted(known)}
        close = [by_folded[folded] for folded in repo.close_names(value, by_folded)]
        hint = f"no project has the {what} {value!r}"
        hint += f": did you mean {' or '.join(close)}?" if close else f"; the registry has {', '.join(sorted(known))}"
        hints.append(hint)
    return hints


def project_rows(
    cases: Sequence[Case],
    on: dt.date,
    status: str | None = None,
    commodity: str | None = None,
    region: str | None = None,
) -> list[ProjectRow]:
    """The registry as the founding article's table (Project | Resource | Operator/Partner | Status), filtered."""
    rows = []
    for case in cases:
        entry = case.status_on(on)
        if status and (entry is None or entry.status != status):
            continue
        if commodity and commodity.lower().replace(" ", "-") not in case.commodities:
            continue
        if region and region.lower() not in (case.location.region.lower(), (case.location.district or "").lower()):
            continue
        rows.append(
            ProjectRow(
                id=case.id,
                project=case.name,
                resource=resource_label(case),
                operator=operator_label(case, on),
                status=entry.status if entry else None,
                status_text=status_text(case, on),
                region=case.location.region,
                district=case.location.district,
                economics=case.has_economics,
            )
        )
    return rows


EXPORTS = ("case", "stakes", "facilities", "sources", "claims", "history")
"""The records of a project the API serves under its address, each at ``/api/projects/{id}/{record}``."""


def project_detail(case: Case, on: dt.date | None = None) -> ProjectDetail:
    """One project: identity, status history, location, parties, and the addresses of its records and exports.

    Parameters
    ----------
    case
        The project's case.
    on
        The date of the status and operator shown (default: today).
    """
    on = on or dt.date.today()
    base = f"/api/projects/{case.id}"
    current = case.status_on(on)
    links = {"self": base, **{name: f"{base}/{name}" for name in EXPORTS}}
    links |= {
        "report": f"{base}/report.html",
        "workbook": f"{base}/workbook.xlsx",
        "cashflow": f"{base}/cashflow.csv",
        "bods": f"{base}/bods.json",
    }
    return ProjectDetail(
        id=case.id,
        name=case.name,
        aliases=list(case.aliases),
        kind=case.kind,
        commodities=list(case.commodities),
        resource=resource_label(case),
        operator=operator_label(case, on),
        description=case.description,
        as_of=case.as_of,
        status=_view(StatusOut, current) if current else None,
        status_history=[_view(StatusOut, e) for e in case.statuses],
        location=_view(LocationOut, case.location),
        money=case.money,
        fiscal_regime=case.fiscal.regime if case.fiscal else None,
        has_economics=case.has_economics,
        parties=[_view(PartyOut, p, label=p.label) for p in case.parties],
        content_hash=case_hash(case),
        links=links,
    )


def stakes(case: Case, on: dt.date | None = None, include_proposed: bool = False) -> list[StakeOut]:
    """The case's dated stakes, or those in force on ``on`` (proposed ones only with ``include_proposed``)."""
    rows = []
    for index, s in enumerate(case.stakes):
        if on is not None and not (s.in_force(on) and (include_proposed or s.kind != "proposed")):
            continue
        rows.append(
            StakeOut(
                index=index,
                party=s.party,
                party_label=case.party(s.party).label,
                share=s.share,
                share_low=s.share.low,
                share_high=s.share.high,
                kind=s.kind,
                start=s.start,
                end=s.end,
                funded_by=s.funded_by,
                from_party=s.from_party,
                carry_rate=s.carry_rate.canonical() if s.carry_rate is not None else None,
                source=list(s.source),
                estimate=s.estimate,
                note=s.note,
            )
        )
    return rows


def facilities(case: Case) -> list[FacilityOut]:
    """The case's loans and guarantees, amounts in US$ million and rates as decimals."""
    return [
        FacilityOut(
            id=f.id,
            lender=f.lender,
            lender_label=case.party(f.lender).label,
            kind=f.kind,
            instrument=f.instrument,
            seniority=f.seniority,
            amount_usd_m=f.amount.to("US$m"),
            rate=f.rate.canonical(),
            grace_years=f.grace.to("yr"),
            tenor_years=f.tenor.to("yr"),
            repayment=f.repayment,
            target_dscr=f.target_dscr,
            status=f.status,
            source=list(f.source),
            estimate=f.estimate,
            note=f.note,
        )
        for f in case.financing
    ]


def claim_views(claims: Sequence[Claim], checks: Sequence[ClaimCheck], reason: str) -> list[ClaimOut]:
    """Each claim with the model's verdict: its check among ``checks``, else "cannot check" for ``reason``."""
    from chagai.services.claims import cannot_check  # the claims' measures load the model: only when shown

    by_id = {c.claim_id: c for c in checks}
    return [
        ClaimOut.model_validate(
            {**claim.model_dump(), "check": (by_id.get(claim.id) or cannot_check(claim, reason)).verdict()}
        )
        for claim in claims
    ]


def change_views(changes: Sequence[models.Change]) -> list[ChangeOut]:
    """Recorded changes of a project as the API shows them (a time without a zone is UTC)."""
    return [
        ChangeOut(
            id=c.id,
            batch=c.batch,
            at=c.at if c.at.tzinfo else c.at.replace(tzinfo=dt.UTC),
            actor=c.actor,
            action=c.action,
            path=c.path,
            old=c.old,
            new=c.new,
        )
        for c in changes
    ]
