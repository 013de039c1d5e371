"""Exports of cases for other systems: ownership as BODS-style JSON, projects as GeoJSON.

BODS is the Beneficial Ownership Data Standard (version 0.4 statement layout): one entity statement per project
and per party, one relationship statement per stake with its share (in percent, exact or a range) and dates.
Proposed stakes are not ownership and are left out.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from chagai import __version__
from chagai.cases.schema import Case, Party

BODS_VERSION = "0.4"
_NAMESPACE = uuid.UUID("6f1c2a7e-1f0b-4c55-9d7e-4c6a61a2b0c4")

_ENTITY_TYPES = {
    "company": "registeredEntity",
    "state-company": "registeredEntity",
    "government": "stateBody",
    "lender": "registeredEntity",
    "buyer": "registeredEntity",
}


def _record_id(*parts: str) -> str:
    return "chagai-" + "-".join(parts)


def _statement(record_id: str, record_type: str, details: dict[str, Any], case: Case) -> dict[str, Any]:
    statement_id = str(uuid.uuid5(_NAMESPACE, f"{record_id}|{case.as_of.isoformat()}"))
    return {
        "statementId": statement_id,
        "declarationSubject": _record_id(case.id),
        "statementDate": case.as_of.isoformat(),
        "recordId": record_id,
        "recordType": record_type,
        "recordDetails": details,
        "publicationDetails": {
            "publicationDate": dt.date.today().isoformat(),
            "bodsVersion": BODS_VERSION,
            "publisher": {"name": f"chagai {__version__}"},
        },
    }


def _party_details(party: Party) -> dict[str, Any]:
    details: dict[str, Any] = {
        "isComponent": False,
        "entityType": {"type": _ENTITY_TYPES[party.kind]},
        "name": party.name,
    }
    if party.country:
        details["jurisdiction"] = {"name": party.country}
    if party.short_name:
        details["alternateNames"] = [party.short_name]
    return details


def _share_percent(low: float | None, high: float | None, exact: float | None) -> dict[str, float]:
    share: dict[str, float] = {}
    for key, value in (("exact", exact), ("minimum", low), ("maximum", high)):
        if value is not None:
            share[key] = round(100 * value, 6)
    return share


def bods_statements(case: Case) -> list[dict[str, Any]]:
    """BODS 0.4 statements of a project's ownership over time (entities first, then relationships)."""
    project_record = _record_id(case.id)
    statements = [
        _statement(
            project_record,
            "entity",
            {
                "isComponent": False,
                "entityType": {"type": "arrangement", "details": f"{case.kind} project"},
                "name": case.name,
                "alternateNames": list(case.aliases),
                "jurisdiction": {"name": case.location.country},
            },
            case,
        )
    ]
    statements += [_statement(_record_id(case.id, p.id), "entity", _party_details(p), case) for p in case.parties]
    for i, stake in enumerate(case.stakes):
        if stake.kind == "proposed":
            continue
        interest: dict[str, Any] = {
            "type": "shareholding",
            "directOrIndirect": "direct",
            "beneficialOwnershipOrControl": False,
            "share": _share_percent(stake.share.minimum, stake.share.maximum, stake.share.exact),
            "startDate": stake.start.isoformat(),
            "details": stake.kind + (f", funded by {stake.funded_by}" if stake.funded_by else ""),
        }
        if stake.end is not None:
            interest["endDate"] = stake.end.isoformat()
        details = {
            "isComponent": False,
            "subject": project_record,
            "interestedParty": _record_id(case.id, stake.party),
            "interests": [interest],
        }
        statements.append(_statement(_record_id(case.id, "stake", str(i)), "relationship", details, case))
    for party in case.parties:
        for j, owner in enumerate(party.owners):
            details = {
                "isComponent": False,
                "subject": _record_id(case.id, party.id),
                "interestedParty": _record_id(case.id, owner.party),
                "interests": [
                    {
                        "type": "shareholding",
                        "directOrIndirect": "direct",
                        "beneficialOwnershipOrControl": False,
                        "share": {"exact": round(100 * owner.share, 6)},
                    }
                ],
            }
            statements.append(_statement(_record_id(case.id, party.id, "owner", str(j)), "relationship", details, case))
    return statements


def operator_label(case: Case, on: dt.date | None = None) -> str:
    """Operator (or, failing one, the largest holder) as tables show it: ``Barrick Gold (Canada)``."""
    on = on or case.as_of
    parties = case.operators_on(on)
    if not parties:
        holders = sorted(case.stakes_on(on), key=lambda s: -s.share.central)
        parties = [case.party(holders[0].party)] if holders else []
    return "; ".join(f"{p.label} ({p.country})" if p.country else p.label for p in parties) or "-"


def resource_label(case: Case) -> str:
    """The resource as tables show it: the case's label, or its commodities."""
    return case.resource_label or " & ".join(c.replace("-", " ").title() for c in case.commodities)


def geojson(cases: list[Case]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection with one point per project."""
    features = []
    for case in cases:
        status = case.current_status
        features.append(
            {
                "type": "Feature",
                "id": case.id,
                "geometry": {"type": "Point", "coordinates": [case.location.lon, case.location.lat]},
                "properties": {
                    "id": case.id,
                    "name": case.name,
                    "aliases": list(case.aliases),
                    "kind": case.kind,
                    "commodities": list(case.commodities),
                    "resource": resource_label(case),
                    "operator": operator_label(case),
                    "status": status.status,
                    "status_since": status.start.isoformat(),
                    "country": case.location.country,
                    "region": case.location.region,
                    "district": case.location.district,
                    "location_precision": case.location.precision,
                    "has_economics": case.has_economics,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
