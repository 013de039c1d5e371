"""The small family of errors chagai raises, each able to say what was expected and how to fix it."""

from __future__ import annotations

import math
import reprlib
from dataclasses import dataclass
from typing import Any

SHOWN_LIMIT = 200
"""Most characters of a value an error message shows (and an issue keeps) [characters]."""


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

    def __post_init__(self) -> None:
        # an issue may echo input of any size (a 10 MB text, a 5,000-digit number, a deeply nested list): it keeps
        # only a bounded, printable and JSON-encodable form of it, so that reporting bad input stays cheap
        object.__setattr__(self, "path", clipped(self.path, SHOWN_LIMIT + 100))
        if self.value is not _MISSING:
            object.__setattr__(self, "value", bounded(self.value))

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
    text = shown(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class _BoundedRepr(reprlib.Repr):
    """A repr that never builds more than a bounded text, whatever the size or depth of the value."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.maxstring = self.maxother = self.maxlong = limit
        self.maxlist = self.maxtuple = self.maxdict = self.maxset = self.maxfrozenset = 8
        self.maxlevel = 4

    def repr_int(self, x: int, level: int) -> str:
        return _int_text(x) or super().repr_int(x, level)

    def repr_str(self, x: str, level: int) -> str:
        return super().repr_str(_printable(x[: self.maxstring + 1]), level)


def _int_text(value: int) -> str:
    """How a whole number too long to print in full is shown (empty for an ordinary number)."""
    if value.bit_length() <= 600:  # up to 180 digits: printed as it is
        return ""
    digits = int(value.bit_length() * math.log10(2)) + 1
    return f"{'-' if value < 0 else ''}(a whole number of about {digits} digits)"


def _printable(text: str) -> str:
    """``text`` with lone surrogates (which no UTF-8 encoder accepts) written as escapes."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def clipped(text: str, limit: int = SHOWN_LIMIT) -> str:
    """``text`` cut to ``limit`` characters (ending ``...``), lone surrogates written as escapes."""
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return _printable(text)


def shown(value: Any, limit: int = SHOWN_LIMIT) -> str:
    """A repr of ``value`` of at most ``limit`` characters, built without ever writing out the whole value.

    The one way chagai prints a value a user gave: a huge text, a number of thousands of digits, a deeply nested
    or self-referencing list are all shown by their start.
    """
    text = _BoundedRepr(limit).repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def bounded(value: Any, limit: int = SHOWN_LIMIT) -> Any:
    """``value`` as an error may echo it: unchanged when small, else its start (see :func:`shown`).

    Small numbers, booleans, ``None`` and texts up to ``limit`` characters are kept as they are (a longer text is
    cut to ``limit`` characters); a number that is not finite becomes its name (``NaN``, ``Infinity``) and a whole
    number too long to print is described, so that the result is always JSON-encodable; lists and mappings are
    kept when they hold a few small entries, else replaced by their bounded repr.
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")  # as JSON texts spell them
    if isinstance(value, int):
        return _int_text(value) or value
    if isinstance(value, str):
        return clipped(value, limit)
    if isinstance(value, (list, tuple, dict)) and _small(value, limit):
        if isinstance(value, dict):
            return {bounded(k, limit): bounded(v, limit) for k, v in value.items()}
        return [bounded(v, limit) for v in value]
    return shown(value, limit)


def _small(value: Any, limit: int) -> bool:
    """Whether a list or mapping holds at most a few entries of small scalars, two levels deep at most."""
    budget = [8, limit]  # entries left, characters left

    def fits(item: Any, depth: int) -> bool:
        if isinstance(item, str):
            budget[1] -= len(item)
        elif isinstance(item, (list, tuple, dict)):
            budget[0] -= len(item)
            if depth >= 2 or budget[0] < 0:
                return False
            inner = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            return all(fits(v, depth + 1) for v in inner)
        elif not (item is None or isinstance(item, (bool, int, float))):
            return False
        return budget[1] >= 0

    return fits(value, 0)


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
