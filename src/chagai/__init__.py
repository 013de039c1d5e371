"""chagai: economics, fiscal terms, financing and risk of extractive projects.

From Python: ``chagai.appraise("Reco Diq").cashflow()``, ``chagai.simulate(...)``, ``chagai.projects()``
(:mod:`chagai.api`); they load the model when first called, so ``import chagai`` stays quick.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("chagai")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

if TYPE_CHECKING:
    from chagai.api import appraise, projects, simulate

_API = ("appraise", "projects", "simulate")

__all__ = ["__version__", "appraise", "projects", "simulate"]


def __getattr__(name: str) -> Any:
    if name in _API:  # imported on first use, by name: the package itself depends on no layer
        return getattr(importlib.import_module("chagai.api"), name)
    msg = f"module 'chagai' has no attribute {name!r}"
    raise AttributeError(msg)
