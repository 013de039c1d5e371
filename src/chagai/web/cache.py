"""Keeping what a server computes: stored cases and appraisals, by the content they were computed from.

A case is read from the registry and validated once per content: the key is the project's id and the SHA-256
of its content (a cheap column read), so an edit is seen at once and an unchanged project is never read twice.
An appraisal is kept by that key and its scenario, and so is its JSON: a repeated request costs a lookup. A new
scenario reuses what does not depend on it: the case with its overrides applied, and the case compiled for the
scenario's valuation year, deck and stake sales (moved to the scenario's prices with
:meth:`~chagai.cases.compile.Compiled.under`, which gives exactly what compiling anew gives). What the pages
derive from appraisals and cases (charts as plotly JSON) is kept by a key naming the content it was made from
(:meth:`ModelCache.view`), so a page seen again costs its template only.
Each store is a bounded least-recently-used map, safe to share between the server's threads.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from typing import Any, Generic, TypeVar

import orjson
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from chagai.cases.compile import Compiled, Scenario
from chagai.cases.schema import Case, normalise_name
from chagai.errors import NotFoundError
from chagai.registry import models, repo
from chagai.registry.db import Registry
from chagai.services.appraise import Appraisal, appraise_compiled
from chagai.services.inputs import compiled_case

V = TypeVar("V")


class LRU(Generic[V]):
    """A bounded map that forgets the least recently used entry first (thread-safe)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_make(self, key: Hashable, make: Callable[[], V]) -> V:
        """The value under ``key``, made (outside the lock) and kept when missing."""
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key]
            self.misses += 1
        value = make()
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return value

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._data.clear()


def json_bytes(data: Any) -> bytes:
    """Strict JSON (UTF-8, compact): a NaN or an infinity anywhere becomes ``null``; numpy numbers are numbers.

    orjson writes every float as the shortest text that reads back as the same float, as Python's ``json`` does
    (``0.00001`` where ``json`` writes ``1e-05``: the same number), in a tenth of the time.
    """
    return orjson.dumps(data, option=orjson.OPT_SERIALIZE_NUMPY)


def finite(data: Any) -> Any:
    """``data`` with every non-finite float replaced by ``None`` (JSON has no NaN or infinity)."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {k: finite(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [finite(v) for v in data]
    return data


_CONTENTS = select(models.Project.id, models.Project.content_hash)


def _contents(connection: Connection) -> dict[str, str]:
    """Every project's id and content hash."""
    return dict(connection.execute(_CONTENTS).all())


R = TypeVar("R")


def _read(registry: Registry, connection: Connection, what: Callable[[Session], R]) -> R:
    """``what`` read through a session of the registry in the connection's transaction (the same snapshot)."""
    with registry.sessions(bind=connection) as session:
        return what(session)


def appraisal_key(appraisal: Appraisal) -> tuple[str, Scenario, tuple[str, ...]]:
    """What an appraisal was computed from and holds: its case's content, its scenario, its figures.

    The content is the case's SHA-256, the scenario carries its input overrides, and the figures' keys tell a
    solved appraisal (with breakevens) from one that is not. Two appraisals with the same key have the same
    results, so anything derived from one serves the other.
    """
    return appraisal.compiled.inputs_hash, appraisal.compiled.scenario, tuple(f.key for f in appraisal.figures)


class ModelCache:
    """Cases, appraisals and appraisal responses of one server, keyed by content."""

    def __init__(self, cases: int = 256, appraisals: int = 64, responses: int = 512, views: int = 256) -> None:
        self.names: LRU[dict[str, str]] = LRU(4)
        self.cases: LRU[Case] = LRU(cases)
        self.compiled: LRU[Compiled] = LRU(cases)
        self.appraisals: LRU[Appraisal] = LRU(appraisals)
        self.responses: LRU[bytes] = LRU(responses)
        self.views: LRU[Any] = LRU(views)

    def view(self, key: Hashable, make: Callable[[], V]) -> V:
        """What ``make`` gives, kept under ``key``, which must name every input ``make`` reads.

        Keys of views of appraisals start with :func:`appraisal_key` of each; keys of views of cases hold the
        values read from them.
        """
        return self.views.get_or_make(key, make)  # type: ignore[no-any-return]

    def all_cases(self, registry: Registry) -> list[Case]:
        """Every stored case, by id."""
        with registry.engine.connect() as connection:
            return [
                self.cases.get_or_make(
                    (pid, content),
                    lambda pid=pid: _read(registry, connection, lambda s: repo.get_case(s, pid)),  # type: ignore[misc]
                )
                for pid, content in sorted(_contents(connection).items())
            ]

    def case(self, registry: Registry, project: str) -> tuple[str, str, Case]:
        """``(id, content hash, case)`` of the project whose id, name or alias is ``project``.

        Raises
        ------
        NotFoundError
            If no project matches (the message suggests close names).
        """
        with registry.engine.connect() as connection:
            # one small query: every project's content hash; names and aliases are read again only when it
            # changes, and a case only when its content does (in the same transaction, through a session)
            contents = _contents(connection)
            fingerprint = tuple(sorted(contents.items()))
            names = self.names.get_or_make(fingerprint, lambda: _read(registry, connection, repo.project_names))
            project_id = names.get(normalise_name(project), "")
            content = contents.get(project_id)
            if content is None:
                raise NotFoundError(_read(registry, connection, lambda s: repo.not_found_message(s, project)))

            def load() -> Case:
                return _read(registry, connection, lambda s: repo.get_case(s, project_id))

            case = self.cases.get_or_make((project_id, content), load)
        return project_id, content, case

    def appraisal(
        self,
        registry: Registry,
        project: str,
        scenario: Scenario | None = None,
        overrides: Mapping[str, Any] | None = None,
        solve: bool = True,
    ) -> Appraisal:
        """The appraisal of a stored project under ``scenario`` and ``overrides`` (see :func:`services.appraise`)."""
        project_id, content, case = self.case(registry, project)
        key = (project_id, content, (scenario or Scenario()).with_overrides(overrides), solve)
        return self.appraisals.get_or_make(key, lambda: self._appraise(key, case))

    def appraisal_response(
        self,
        registry: Registry,
        project: str,
        scenario: Scenario,
        overrides: Mapping[str, Any] | None,
        solve: bool,
        render: Callable[[Appraisal], Any],
    ) -> bytes:
        """The JSON of ``render(appraisal)``, kept by the appraisal's key."""
        project_id, content, case = self.case(registry, project)
        key = (project_id, content, scenario.with_overrides(overrides), solve)

        def make() -> bytes:
            result = self.appraisals.get_or_make(key, lambda: self._appraise(key, case))
            return json_bytes(render(result))

        return self.responses.get_or_make(key, make)

    def _appraise(self, key: tuple[str, str, Scenario, bool], case: Case) -> Appraisal:
        """:func:`services.appraise` of ``case`` under the key's scenario and overrides, from the kept parts."""
        project_id, content, scenario, solve = key

        def compiled() -> Compiled:
            return compiled_case(case, scenario.compiled_part())

        base = self.compiled.get_or_make((project_id, content, scenario.compiled_part()), compiled)
        return appraise_compiled(base.under(scenario), solve)
