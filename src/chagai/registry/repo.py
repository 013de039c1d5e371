"""Reading and writing cases in the registry: atomic, idempotent imports that keep a history of every change.

Every write goes through :func:`import_cases`: the cases are validated before anything is written, checked
against the rest of the registry (names and aliases must stay unique), then written in one transaction with
one change-log row per changed field. Importing the same case twice writes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
import difflib
import getpass
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chagai.cases.io import case_document, case_hash
from chagai.cases.library import bundled_cases
from chagai.cases.regimes import all_regimes
from chagai.cases.schema import CONTROL_IN_LINE, Case, normalise_name
from chagai.config import settings
from chagai.errors import InputError, Issue, NotFoundError, RegistryError, shown
from chagai.registry import models
from chagai.registry.db import Registry, open_registry


def current_actor() -> str:
    """Who is making a change: ``CHAGAI_USER``, else the login name."""
    try:
        fallback = getpass.getuser()
    except (KeyError, OSError):
        fallback = "unknown"
    return settings().user or fallback


ACTOR_LIMIT = 180
"""Most characters of the name a change is recorded under (the history's column holds 200 with the action)."""


def _checked_actor(actor: str | None) -> str:
    """Who is making a change, refused when the history could not record the name as given."""
    actor = actor or current_actor()
    if len(actor) > ACTOR_LIMIT or CONTROL_IN_LINE.search(actor):
        issue = Issue(
            "by",
            actor,
            f"a name of at most {ACTOR_LIMIT} characters on one line, without control characters",
            "give a shorter name (--by, or CHAGAI_USER)",
        )
        raise InputError([issue])
    return actor


@dataclass
class ImportResult:
    """What an import did, project by project."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    changes: int = 0
    batch: str = ""


# ---------------------------------------------------------------------------------------------------------
# Case -> rows


def _doc(model: Any) -> dict[str, Any]:
    data: dict[str, Any] = model.model_dump(mode="json", exclude_none=True)
    return data


def _project_row(case: Case, created_at: dt.datetime | None) -> models.Project:
    now = dt.datetime.now(dt.UTC)
    row = models.Project(
        id=case.id,
        name=case.name,
        kind=case.kind,
        commodities=list(case.commodities),
        resource_label=case.resource_label,
        description=case.description,
        as_of=case.as_of,
        country=case.location.country,
        region=case.location.region,
        district=case.location.district,
        lat=case.location.lat,
        lon=case.location.lon,
        location=_doc(case.location),
        money=_doc(case.money),
        production=_doc(case.production) if case.production else None,
        costs=_doc(case.costs) if case.costs else None,
        fiscal_regime_id=case.fiscal.regime if case.fiscal else None,
        fiscal=_doc(case.fiscal) if case.fiscal else None,
        prices=[_doc(p) for p in case.prices],
        decisions=[_doc(d) for d in case.decisions],
        schema_version=case.schema_version,
        content_hash=case_hash(case),
        created_at=created_at or now,
        updated_at=now,
    )
    row.aliases = [models.Alias(position=i, alias=a, normalised=normalise_name(a)) for i, a in enumerate(case.aliases)]
    row.parties = [
        models.Party(
            id=p.id,
            position=i,
            name=p.name,
            short_name=p.short_name,
            kind=p.kind,
            country=p.country,
            government_level=p.government_level,
            source=list(p.source),
        )
        for i, p in enumerate(case.parties)
    ]
    owners = [(p.id, o) for p in case.parties for o in p.owners]
    row.party_owners = [
        models.PartyOwner(position=i, party_id=pid, owner_party_id=o.party, share=o.share, document=_doc(o))
        for i, (pid, o) in enumerate(owners)
    ]
    row.roles = [
        models.Role(position=i, party_id=r.party, role=r.role, start_date=r.start, end_date=r.end, document=_doc(r))
        for i, r in enumerate(case.roles)
    ]
    row.stakes = [
        models.Stake(
            position=i,
            party_id=s.party,
            share_exact=s.share.exact,
            share_minimum=s.share.minimum,
            share_maximum=s.share.maximum,
            kind=s.kind,
            start_date=s.start,
            end_date=s.end,
            funded_by=s.funded_by,
            from_party=s.from_party,
            document=_doc(s),
        )
        for i, s in enumerate(case.stakes)
    ]
    row.statuses = [
        models.StatusEntry(position=i, status=e.status, start_date=e.start, document=_doc(e))
        for i, e in enumerate(case.statuses)
    ]
    row.facilities = [
        models.Facility(
            id=f.id,
            position=i,
            lender_id=f.lender,
            kind=f.kind,
            instrument=f.instrument,
            amount_usd_m=f.amount.canonical(),
            rate=f.rate.canonical(),
            status=f.status,
            document=_doc(f),
        )
        for i, f in enumerate(case.financing)
    ]
    row.claims = [
        models.Claim(
            id=c.id,
            position=i,
            statement=c.statement,
            metric=c.metric,
            value=c.value,
            high=c.high,
            unit=c.unit,
            year=c.year,
            basis=c.basis,
            phase=c.phase,
            bound=c.bound,
            tolerance=c.tolerance,
            includes=list(c.includes) if c.includes is not None else None,
            source=list(c.source),
            confidence=c.confidence,
            note=c.note,
        )
        for i, c in enumerate(case.claims)
    ]
    row.sources = [
        models.Source(
            id=s.id,
            position=i,
            title=s.title,
            publisher=s.publisher,
            date=s.date,
            url=s.url,
            confidence=s.confidence,
            note=s.note,
        )
        for i, s in enumerate(case.sources)
    ]
    return row


# ---------------------------------------------------------------------------------------------------------
# rows -> Case


_CLAIM_COLUMNS = (
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
    "includes",
    "source",
    "confidence",
    "note",
)


def _columns(row: Any, names: Iterable[str]) -> dict[str, Any]:
    return {n: getattr(row, n) for n in names if getattr(row, n) is not None}


def case_from_row(row: models.Project) -> Case:
    """Rebuild the case a project row was written from."""
    owners: dict[str, list[dict[str, Any]]] = {}
    for o in row.party_owners:
        owners.setdefault(o.party_id, []).append(o.document)
    parties = []
    for p in row.parties:
        party = _columns(p, ("id", "name", "short_name", "kind", "country", "government_level"))
        party["source"] = list(p.source)
        party["owners"] = owners.get(p.id, [])
        parties.append(party)
    data: dict[str, Any] = {
        "schema_version": row.schema_version,
        "id": row.id,
        "name": row.name,
        "aliases": [a.alias for a in row.aliases],
        "kind": row.kind,
        "commodities": list(row.commodities),
        "resource_label": row.resource_label,
        "description": row.description,
        "as_of": row.as_of,
        "location": row.location,
        "money": row.money,
        "statuses": [e.document for e in row.statuses],
        "parties": parties,
        "roles": [r.document for r in row.roles],
        "stakes": [s.document for s in row.stakes],
        "production": row.production,
        "costs": row.costs,
        "fiscal": row.fiscal,
        "financing": [f.document for f in row.facilities],
        "prices": list(row.prices),
        "claims": [_columns(c, _CLAIM_COLUMNS) for c in row.claims],
        "decisions": list(row.decisions),
        "sources": [
            _columns(s, ("id", "title", "publisher", "date", "url", "confidence", "note")) for s in row.sources
        ],
    }
    return Case.model_validate({k: v for k, v in data.items() if v is not None})


# ---------------------------------------------------------------------------------------------------------
# Reading


def project_ids(session: Session) -> list[str]:
    """Ids of every stored project, sorted."""
    return list(session.scalars(select(models.Project.id).order_by(models.Project.id)))


def get_case(session: Session, project_id: str) -> Case:
    """The stored case of a project (by exact id; see :func:`resolve` for names and aliases)."""
    row = session.get(models.Project, project_id)
    if row is None:
        raise NotFoundError(not_found_message(session, project_id))
    return case_from_row(row)


def all_cases(session: Session) -> list[Case]:
    """Every stored case, by id."""
    return [case_from_row(r) for r in session.scalars(select(models.Project).order_by(models.Project.id))]


def project_names(session: Session) -> dict[str, str]:
    """Normalised id, name and alias -> project id, for every project."""
    names: dict[str, str] = {}
    for pid, name in session.execute(select(models.Project.id, models.Project.name)):
        names[normalise_name(pid)] = pid
        names[normalise_name(name)] = pid
    # folded again from the alias as written, so that an alias stored under an older folding is still found
    for alias, pid in session.execute(select(models.Alias.alias, models.Alias.project_id)):
        names[normalise_name(alias)] = pid
    return names


def close_names(query: str, names: Mapping[str, str]) -> list[str]:
    """The normalised names among ``names`` (see :func:`project_names`) closest to ``query``, best first."""
    return difflib.get_close_matches(normalise_name(query), list(names), n=3, cutoff=0.6)


def not_found_message(session: Session, query: str) -> str:
    """Why ``query`` names no project: the closest names, and every project's id."""
    names = project_names(session)
    suggestions = sorted({names[c] for c in close_names(query, names)})
    hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
    known = ", ".join(project_ids(session)) or "(the registry is empty: run `chagai db init`)"
    return f"no project matches {shown(query)}.{hint} Projects: {known}"


def resolve(session: Session, query: str) -> str:
    """The id of the project whose id, name or alias matches ``query`` (case, spaces and hyphens ignored).

    Raises
    ------
    NotFoundError
        If nothing matches; the message suggests close names and lists the projects.
    """
    pid = project_names(session).get(normalise_name(query))
    if pid is None:
        raise NotFoundError(not_found_message(session, query))
    return pid


def history(session: Session, project_id: str) -> list[models.Change]:
    """The recorded changes of a project, oldest first."""
    stmt = select(models.Change).where(models.Change.project_id == project_id).order_by(models.Change.id)
    return list(session.scalars(stmt))


# ---------------------------------------------------------------------------------------------------------
# Writing


def sync_regimes(session: Session) -> None:
    """Store the bundled fiscal regime presets (insert new ones, refresh changed ones)."""
    for regime in all_regimes():
        doc = regime.model_dump(mode="json", exclude_none=True)
        row = session.get(models.FiscalRegime, regime.id)
        if row is None:
            row = models.FiscalRegime(id=regime.id)
            session.add(row)
        row.name, row.family, row.version = regime.name, regime.family, regime.version
        row.instrument, row.effective, row.ends, row.document = regime.instrument, regime.effective, regime.ends, doc


def _flatten(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict) and value:
        for key, inner in value.items():
            yield from _flatten(inner, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list) and value:
        for i, inner in enumerate(value):
            yield from _flatten(inner, f"{path}[{i}]")
    else:
        yield path, value


def diff_documents(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
    """Changed leaves between two case documents: (path, old value, new value); absent is ``None``."""
    before, after = dict(_flatten(old)), dict(_flatten(new))
    paths = sorted(set(before) | set(after))
    return [(p, before.get(p), after.get(p)) for p in paths if before.get(p) != after.get(p)]


def _name_conflicts(session: Session, cases: Sequence[Case]) -> list[Issue]:
    """Names or aliases a case would take from another project (stored or in the same batch)."""
    taken = {k: v for k, v in project_names(session).items() if v not in {c.id for c in cases}}
    issues: list[Issue] = []
    for case in cases:
        labelled = [("id", case.id), ("name", case.name)] + [(f"aliases[{i}]", a) for i, a in enumerate(case.aliases)]
        for path, text in labelled:
            owner = taken.get(normalise_name(text))
            if owner is not None and owner != case.id:
                issues.append(
                    Issue(
                        f"{case.id}: {path}",
                        text,
                        "a name no other project uses",
                        f"project {owner!r} is already known by this name: choose another, or edit that project",
                    )
                )
        for _, text in labelled:
            taken.setdefault(normalise_name(text), case.id)
    return issues


def import_cases(
    registry: Registry,
    cases: Sequence[Case],
    actor: str | None = None,
    action: str = "import",
    only_new: bool = False,
) -> ImportResult:
    """Write validated cases in one transaction; unchanged cases write nothing.

    ``only_new`` refuses any case whose id is already stored (creation, never an overwrite).

    Raises
    ------
    InputError
        If a case's id, name or alias belongs to another project (or, with ``only_new``, its id is taken);
        nothing is written then.
    """
    actor = _checked_actor(actor)
    ids = [c.id for c in cases]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        issue = Issue("id", repeated, "each project once per import", "import each project from one file only")
        raise InputError([issue])
    result = ImportResult(batch=uuid.uuid4().hex)
    try:
        with registry.session() as session, session.begin():
            taken = [
                Issue("id", c.id, "an id no stored project uses", "choose another id, or edit that project")
                for c in cases
                if only_new and session.get(models.Project, c.id) is not None
            ]
            conflicts = taken + _name_conflicts(session, cases)
            if conflicts:
                raise InputError(conflicts)
            sync_regimes(session)
            session.flush()
            for case in cases:
                _write_case(session, case, actor, action, result)
    except IntegrityError:
        # another writer stored the same id or name between the checks and the write: report it like a check
        with registry.session() as session:
            conflicts = [
                Issue("id", c.id, "an id no stored project uses", "choose another id, or edit that project")
                for c in cases
                if only_new and session.get(models.Project, c.id) is not None
            ] + _name_conflicts(session, cases)
        if not conflicts:
            raise
        raise InputError(conflicts) from None
    return result


def _write_case(session: Session, case: Case, actor: str, action: str, result: ImportResult) -> None:
    existing = session.get(models.Project, case.id)
    new_doc = case_document(case)
    if existing is not None and existing.content_hash == case_hash(case):
        result.unchanged.append(case.id)
        return
    now = dt.datetime.now(dt.UTC)
    if existing is None:
        changes = [models.Change(path="", old=None, new=new_doc, action="create")]
        created_at = None
        result.created.append(case.id)
    else:
        old_doc = case_document(case_from_row(existing))
        changes = [models.Change(path=p, old=o, new=n, action="update") for p, o, n in diff_documents(old_doc, new_doc)]
        created_at = existing.created_at
        session.delete(existing)
        session.flush()
        result.updated.append(case.id)
    session.add(_project_row(case, created_at))
    for change in changes:
        change.batch, change.project_id, change.at, change.actor = result.batch, case.id, now, f"{actor} ({action})"
        session.add(change)
    result.changes += len(changes)


MODIFY_ATTEMPTS = 5
"""How often :func:`modify_case` re-reads a project that another writer changed meanwhile."""


def modify_case(
    registry: Registry, project_id: str, change: Callable[[Case], Case], actor: str | None = None, action: str = "edit"
) -> Case:
    """Apply ``change`` to a stored case and write the result with its history, all or nothing.

    ``change`` receives the stored case and returns the changed one, validated in full (schema and checks; see
    :func:`chagai.cases.io.case_from_data`). The write locks the project row only if it still holds the content
    that was read, so two concurrent editors never overwrite each other's change: when another writer came
    first, the case is read again and ``change`` applied again.

    Raises
    ------
    NotFoundError
        If no project has this id.
    InputError
        If the changed case is invalid, renames the project, or takes another project's name; nothing is
        written then.
    RegistryError
        If other writers kept changing the project during every attempt.
    """
    actor = _checked_actor(actor)
    for _ in range(MODIFY_ATTEMPTS):
        with registry.session() as session:
            row = session.get(models.Project, project_id)
            if row is None:
                raise NotFoundError(not_found_message(session, project_id))
            read_hash, case = row.content_hash, case_from_row(row)
        edited = change(case)
        if edited.id != project_id:
            fix = "create a project under the new id and delete this one, or keep the id"
            raise InputError([Issue("id", edited.id, f"the project's own id {project_id!r}", fix)])
        try:
            with registry.session() as session, session.begin():
                # a no-op UPDATE that takes the write lock only if nobody changed the project since it was read
                locked = session.execute(
                    update(models.Project)
                    .where(models.Project.id == project_id, models.Project.content_hash == read_hash)
                    .values(content_hash=models.Project.content_hash)
                )
                if locked.rowcount != 1:  # type: ignore[attr-defined]
                    continue
                conflicts = _name_conflicts(session, [edited])
                if conflicts:
                    raise InputError(conflicts)
                _write_case(session, edited, actor, action, ImportResult(batch=uuid.uuid4().hex))
        except IntegrityError:
            continue  # another project took a name meanwhile: the next attempt reports it as a conflict
        return edited
    msg = f"project {project_id!r} kept changing while it was being edited; try again"
    raise RegistryError(msg)


def delete_project(registry: Registry, project_id: str, actor: str | None = None) -> None:
    """Remove a project, recording its last content in the history."""
    actor = _checked_actor(actor)
    with registry.session() as session, session.begin():
        row = session.get(models.Project, project_id)
        if row is None:
            raise NotFoundError(not_found_message(session, project_id))
        doc = case_document(case_from_row(row))
        session.delete(row)
        session.add(
            models.Change(
                batch=uuid.uuid4().hex,
                project_id=project_id,
                at=dt.datetime.now(dt.UTC),
                actor=f"{actor} (delete)",
                action="delete",
                path="",
                old=doc,
                new=None,
            )
        )


def init_registry(registry: Registry, reset: bool = False, actor: str | None = None) -> ImportResult:
    """Load the bundled cases (and fiscal regimes) into the registry; ``reset`` empties it first."""
    if reset:
        with registry.session() as session, session.begin():
            for row in session.scalars(select(models.Project)):
                session.delete(row)
            session.flush()
            for model in (models.Change, models.Run):
                for r in session.scalars(select(model)):
                    session.delete(r)
    return import_cases(registry, bundled_cases(), actor or "chagai", action="init")


def ready_registry(url: str | None = None, announce: Callable[[str], object] | None = None) -> Registry:
    """Open the registry at ``url`` (default: the configured one), loading the bundled cases if it is empty.

    ``announce`` is told, before the cases load, that they are being loaded (the first use of a new registry).
    The caller closes the registry (it is a context manager).
    """
    opened = open_registry(url)
    try:
        if opened.is_empty():
            if announce is not None:
                announce("The registry is empty: loading the bundled cases (chagai db init).")
            init_registry(opened)
    except BaseException:
        opened.close()
        raise
    return opened
