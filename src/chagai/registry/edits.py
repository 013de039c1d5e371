"""Editing one record of a stored project: claims, sources, stakes and fields, each change written with history.

Every function here changes the project's case document, validates the WHOLE changed case (the schema and
every cross-field check: stakes summing to 100%, sources that are cited, references between sections) and
writes it in one transaction with one change-log row per changed field, recording ``actor``. A bad change
raises :class:`~chagai.errors.InputError` whose issues name the field, the value, what was expected and how to
fix it, and leaves the registry as it was. The web API and the web pages call these; so can any script.

Writers of one project do not lose each other's changes. A write applies its change to the case as stored when
it writes (:func:`chagai.registry.repo.modify_case` re-reads a project another writer changed meanwhile); when
many writers keep colliding, it waits a random, growing while (jittered exponential backoff) and tries again, for
up to :data:`WRITE_BUDGET` seconds, so a burst of concurrent edits all succeed. A writer that must not apply its
change to content it has not seen (an HTTP ``If-Match``) gives the content hashes it read: if the stored case is
no longer one of them, :class:`ChangedSinceRead` is raised and nothing is written; the check and the write are
one transaction.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from chagai.cases.io import case_document, case_from_data, case_hash
from chagai.cases.overrides import apply_overrides
from chagai.cases.schema import Case
from chagai.errors import ChagaiError, InputError, Issue, NotFoundError, RegistryError
from chagai.registry import repo
from chagai.registry.db import Registry

Document = dict[str, Any]

WRITE_BUDGET = 15.0
"""Longest a write keeps trying when other writers keep changing the same project [s]."""
FIRST_BACKOFF = 0.01
"""Longest first wait before trying a collided write again; it doubles at each collision [s]."""
MAX_BACKOFF = 0.5
"""Longest wait between two tries of a collided write [s]."""


class ChangedSinceRead(ChagaiError):
    """The project's stored content is not the one the writer read (an HTTP ``If-Match`` that no longer matches).

    ``current`` is the content hash the project has now.
    """

    def __init__(self, project_id: str, current: str) -> None:
        self.project_id = project_id
        self.current = current
        super().__init__(
            f"project {project_id!r} changed since it was read (its content hash is now {current}): nothing was "
            "written. Read it again, reapply the change to what you read, and send it with the new hash"
        )


def _modify(
    registry: Registry,
    project_id: str,
    change: Callable[[Case], Case],
    actor: str | None,
    action: str = "edit",
    if_content: Collection[str] | None = None,
) -> Case:
    """Apply ``change`` to the stored case and write it, trying again with backoff while other writers collide.

    ``if_content``: the content hashes the writer read; the change is applied only to one of them.
    """

    def checked(case: Case) -> Case:
        if if_content is not None:
            current = case_hash(case)
            if current not in if_content:
                raise ChangedSinceRead(project_id, current)
        return change(case)

    deadline = time.monotonic() + WRITE_BUDGET
    backoff = FIRST_BACKOFF
    while True:
        try:
            return repo.modify_case(registry, project_id, checked, actor, action)
        except RegistryError:  # other writers changed the project during each of modify_case's attempts
            wait = random.uniform(0, backoff)  # jitter, not a secret
            if time.monotonic() + wait > deadline:
                raise
        time.sleep(wait)
        backoff = min(2 * backoff, MAX_BACKOFF)


def _edit(
    registry: Registry, project_id: str, actor: str, change: Callable[[Document], None], action: str = "edit"
) -> Case:
    """Apply ``change`` to the case document of ``project_id``, validate the whole case and write it."""

    def apply(case: Case) -> Case:
        document = case_document(case)
        change(document)
        return case_from_data(document, project_id)

    return _modify(registry, project_id, apply, actor, action)


def _plain(record: Mapping[str, Any] | Any) -> Document:
    """A record given as a mapping or as a schema model, as plain JSON-ready data."""
    if hasattr(record, "model_dump"):
        data: Document = record.model_dump(mode="json", exclude_none=True)
        return data
    if not isinstance(record, Mapping):
        raise InputError([Issue("", type(record).__name__, "a mapping of fields", "send the record as an object")])
    return dict(record)


def _position(document: Document, section: str, record_id: str, what: str) -> int:
    for i, entry in enumerate(document.get(section, [])):
        if isinstance(entry, dict) and entry.get("id") == record_id:
            return i
    known = ", ".join(str(e.get("id")) for e in document.get(section, [])) or "(none)"
    msg = f"project {document.get('id')!r} has no {what} {record_id!r}; its {section}: {known}"
    raise NotFoundError(msg)


def _add(registry: Registry, project_id: str, section: str, what: str, record: Any, actor: str) -> Case:
    data = _plain(record)

    def change(document: Document) -> None:
        entries = document.setdefault(section, [])
        if any(isinstance(e, dict) and e.get("id") == data.get("id") for e in entries):
            issue = Issue(
                f"{section}[{len(entries)}].id",
                data.get("id"),
                f"an id no other {what} of the project uses",
                f"choose another id, or update {what} {data.get('id')!r} instead",
            )
            raise InputError([issue], project_id)
        entries.append(data)

    return _edit(registry, project_id, actor, change)


def _update(
    registry: Registry, project_id: str, section: str, what: str, record_id: str, record: Any, actor: str
) -> Case:
    data = _plain(record)
    data.setdefault("id", record_id)

    def change(document: Document) -> None:
        position = _position(document, section, record_id, what)
        if data["id"] != record_id:
            fix = f"send id {record_id!r} (or omit it); to rename, add a new {what} and delete this one"
            raise InputError([Issue(f"{section}[{position}].id", data["id"], repr(record_id), fix)], project_id)
        document[section][position] = data

    return _edit(registry, project_id, actor, change)


def _delete(registry: Registry, project_id: str, section: str, what: str, record_id: str, actor: str) -> Case:
    def change(document: Document) -> None:
        del document[section][_position(document, section, record_id, what)]

    return _edit(registry, project_id, actor, change)


def add_claim(registry: Registry, project_id: str, claim: Mapping[str, Any] | Any, actor: str) -> Case:
    """Add a claim (a mapping of :class:`~chagai.cases.schema.Claim` fields, or a ``Claim``) to a project."""
    return _add(registry, project_id, "claims", "claim", claim, actor)


def update_claim(
    registry: Registry, project_id: str, claim_id: str, claim: Mapping[str, Any] | Any, actor: str
) -> Case:
    """Replace the claim ``claim_id`` of a project by ``claim`` (the id stays; ``id`` may be omitted)."""
    return _update(registry, project_id, "claims", "claim", claim_id, claim, actor)


def delete_claim(registry: Registry, project_id: str, claim_id: str, actor: str) -> Case:
    """Remove a claim (refused while a decision names it as an alternative)."""
    return _delete(registry, project_id, "claims", "claim", claim_id, actor)


def add_source(registry: Registry, project_id: str, source: Mapping[str, Any] | Any, actor: str) -> Case:
    """Add a source (a mapping of :class:`~chagai.cases.schema.Source` fields, or a ``Source``) to a project."""
    return _add(registry, project_id, "sources", "source", source, actor)


def update_source(
    registry: Registry, project_id: str, source_id: str, source: Mapping[str, Any] | Any, actor: str
) -> Case:
    """Replace the source ``source_id`` of a project by ``source`` (the id stays; ``id`` may be omitted)."""
    return _update(registry, project_id, "sources", "source", source_id, source, actor)


def delete_source(registry: Registry, project_id: str, source_id: str, actor: str) -> Case:
    """Remove a source (refused while any figure, stake or claim of the project cites it)."""
    return _delete(registry, project_id, "sources", "source", source_id, actor)


def set_stakes(registry: Registry, project_id: str, stakes: Sequence[Mapping[str, Any] | Any], actor: str) -> Case:
    """Replace the dated stakes of a project (a dated transfer ends some stakes and starts others in one edit)."""
    data = [_plain(s) for s in stakes]

    def change(document: Document) -> None:
        document["stakes"] = data

    return _edit(registry, project_id, actor, change)


def edit_fields(
    registry: Registry,
    project_id: str,
    assignments: Mapping[str, Any],
    actor: str | None = None,
    *,
    if_content: Collection[str] | None = None,
) -> Case:
    """Change fields by path (``statuses[3].note``, ``stakes[2].end``, ``costs.fixed_opex.value``), as ``chagai edit``.

    ``actor`` is who is recorded as making the change (default: ``CHAGAI_USER`` or the login name).

    Every assignment is applied before the whole case is validated, so related fields change together.

    Raises
    ------
    ChangedSinceRead
        If ``if_content`` is given and the stored case's content hash is not among it; nothing is written then.
    """
    return _modify(registry, project_id, lambda case: apply_overrides(case, assignments), actor, "edit", if_content)


def replace_case(
    registry: Registry,
    project_id: str,
    document: Mapping[str, Any] | Any,
    actor: str,
    *,
    if_content: Collection[str] | None = None,
) -> Case:
    """Replace a project's whole case by a new document of the same id.

    Raises
    ------
    ChangedSinceRead
        If ``if_content`` is given and the stored case's content hash is not among it; nothing is written then.
    """
    data = _plain(document)
    return _modify(registry, project_id, lambda _case: case_from_data(data, project_id), actor, "edit", if_content)


def create_project(registry: Registry, document: Mapping[str, Any] | Any, actor: str) -> Case:
    """Create a project from a case document.

    Raises
    ------
    InputError
        If the document is not a valid case, or its id, name or an alias belongs to a stored project; nothing
        is written then.
    """
    case = case_from_data(_plain(document))
    repo.import_cases(registry, [case], actor, action="create", only_new=True)
    return case
