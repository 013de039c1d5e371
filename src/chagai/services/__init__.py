"""Services: one function per question, used by every front end (CLI, report, web).

:mod:`~chagai.services.inputs` resolves a project, applies a scenario's overrides and compiles it, once for every
service; :mod:`~chagai.services.appraise` appraises and compares.
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
    project_rows,
    status_text,
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
    "project_rows",
    "status_text",
]
