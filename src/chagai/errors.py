"""The small family of errors chagai raises, each able to say what was expected and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Issue:
    """One problem found in user input.

    Parameters
    ----------
    path
        Where the problem is, as a dotted path with list indices (``stakes[2].share.exact``).
    value
        The value found there (``None`` when the field is missing).
    expected
        What the field should hold.
    fix
        How to correct it.
    """

    path: str
    value: Any
    expected: str
    fix: str

    def __str__(self) -> str:
        shown = "(missing)" if self.value is _MISSING else _short(self.value)
        return f"{self.path or '(document)'}: got {shown}; expected {self.expected}. Fix: {self.fix}"


class _Missing:
    def __repr__(self) -> str:
        return "(missing)"


_MISSING: Any = _Missing()
MISSING: Any = _MISSING
"""Marker for the value of a field that is absent."""


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class ChagaiError(Exception):
    """Base class of every error chagai raises on purpose."""


class InputError(ChagaiError):
    """User input (a case file, an override, a command option) is invalid.

    Parameters
    ----------
    issues
        Every problem found, so a user can fix them all in one pass.
    origin
        Where the input came from (a file name), for the message.
    """

    def __init__(self, issues: list[Issue], origin: str = "") -> None:
        self.issues = list(issues)
        self.origin = origin
        head = f"{origin}: " if origin else ""
        count = len(self.issues)
        lines = [f"{head}{count} problem{'s' if count != 1 else ''} found"]
        lines += [f"  - {issue}" for issue in self.issues]
        super().__init__("\n".join(lines))


class NotFoundError(ChagaiError):
    """A project, regime, party or other named thing does not exist; the message lists what does."""


class RegistryError(ChagaiError):
    """The registry cannot be opened or migrated, or an operation on it would break its consistency."""
