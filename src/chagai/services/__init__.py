"""Services: one function per question, the only door the front ends (CLI, report, web) use to the model.

:mod:`~chagai.services.inputs` resolves a project, applies a scenario's overrides and compiles it, once for every
service; :mod:`~chagai.services.appraise` appraises and compares; :mod:`~chagai.services.claims` checks sourced
claims against an appraisal; :mod:`~chagai.services.registry_views` gives the views of the registry both front
ends show. Their answers are the typed results of :mod:`chagai.results`.
"""

from chagai.services.appraise import (
    Appraisal,
    appraise,
    appraise_compiled,
    compare,
    comparison_rows,
    government_items,
    is_mine,
    project_irr,
)
from chagai.services.inputs import ProjectRef, case_of, compiled_case

__all__ = [
    "Appraisal",
    "ProjectRef",
    "appraise",
    "appraise_compiled",
    "case_of",
    "compare",
    "comparison_rows",
    "compiled_case",
    "government_items",
    "is_mine",
    "project_irr",
]
