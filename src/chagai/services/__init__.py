"""Services: one function per question, the only door the front ends (CLI, report, web) use to the model.

:mod:`~chagai.services.inputs` resolves a project, applies a scenario's overrides and compiles it, once for every
service; :mod:`~chagai.services.appraise` appraises and compares; :mod:`~chagai.services.claims` checks sourced
claims against an appraisal; :mod:`~chagai.services.registry_views` gives the views of the registry both front
ends show. Their answers are the typed results of :mod:`chagai.results`. The names below are imported from
their modules when first used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chagai.services.appraise import (
        Appraisal,
        appraise_compiled,
        compare,
        comparison_rows,
        government_items,
        is_mine,
        presented,
        project_irr,
    )
    from chagai.services.inputs import ProjectRef, case_of, compiled_case

_HOMES = {
    **dict.fromkeys(
        (
            "Appraisal",
            "appraise_compiled",
            "compare",
            "comparison_rows",
            "government_items",
            "is_mine",
            "presented",
            "project_irr",
        ),
        "chagai.services.appraise",
    ),
    **dict.fromkeys(("ProjectRef", "case_of", "compiled_case"), "chagai.services.inputs"),
}
"""The module each name of the package comes from: imported when the name is first used, so a command that only
reads the registry does not load the model. The appraisal itself is ``chagai.services.appraise.appraise`` (the
package's ``appraise`` is that module)."""


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    return getattr(importlib.import_module(home), name)


__all__ = [
    "Appraisal",
    "ProjectRef",
    "appraise_compiled",
    "case_of",
    "compare",
    "comparison_rows",
    "compiled_case",
    "government_items",
    "is_mine",
    "presented",
    "project_irr",
]
