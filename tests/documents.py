"""Changing one field of a case document, for tests that feed a case bad values."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Mutation = Callable[[dict[str, Any]], None]
"""A change made in place to a case document (the mapping a case file holds)."""


def set_at(path: list[Any], value: Any) -> Mutation:
    """The change that sets the field at ``path`` (keys and list positions) to ``value``."""

    def mutate(doc: dict[str, Any]) -> None:
        node: Any = doc
        for step in path[:-1]:
            node = node[step]
        node[path[-1]] = value

    return mutate
