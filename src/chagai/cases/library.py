"""The bundled case library: the projects chagai ships with, built from a sourced fact sheet."""

from __future__ import annotations

from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

from chagai.cases.io import load_case_text
from chagai.cases.schema import Case
from chagai.errors import NotFoundError

DEFAULT_PROJECT = "reko-diq"
"""The project the demo and reports use when none is named."""


def bundled_case_files() -> list[Traversable]:
    """The bundled case files, by name."""
    folder = resources.files("chagai.cases") / "data" / "cases"
    return sorted((e for e in folder.iterdir() if e.name.endswith(".yaml")), key=lambda e: e.name)


@cache
def _load_all() -> tuple[Case, ...]:
    return tuple(load_case_text(f.read_text(encoding="utf-8"), f.name) for f in bundled_case_files())


def bundled_cases() -> list[Case]:
    """Every bundled case, validated (a fresh copy each call, so callers may change them)."""
    return [c.model_copy(deep=True) for c in _load_all()]


def bundled_case(project_id: str) -> Case:
    """The bundled case with this id."""
    for case in _load_all():
        if case.id == project_id:
            return case.model_copy(deep=True)
    ids = ", ".join(c.id for c in _load_all())
    msg = f"no bundled case {project_id!r}; bundled cases: {ids}"
    raise NotFoundError(msg)
