"""Turning pydantic validation errors into issues.

Each issue names the field path, the value, what was expected and how to fix it.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ValidationError

from chagai.errors import MISSING, Issue, shown

_PATTERNS = {
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$": (
        "an id of lower-case letters and digits in words joined by hyphens (e.g. reko-diq)",
        "write it in lower case with hyphens instead of spaces",
    ),
    r"^\d{4}(-\d{2}(-\d{2})?)?$": ("a date as YYYY, YYYY-MM or YYYY-MM-DD", "write the date in ISO form"),
    r"^https?://\S+$": (
        "a web address starting with http:// or https://",
        "give the full address, or omit url",
    ),
}


SHOWN_NAME = 80
"""Most characters of an unknown field's name a message repeats [characters]."""


def _path(loc: tuple[int | str, ...]) -> str:
    parts = [f"[{part}]" if isinstance(part, int) else f".{str(part)[:SHOWN_NAME]}" for part in loc]
    return "".join(parts).removeprefix(".")


def _clean_loc(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    # a discriminated union puts its tag into the location: production.mine.grades -> production.grades
    parts = list(loc)
    if len(parts) > 1 and parts[0] == "production" and parts[1] in ("mine", "gas_field"):
        del parts[1]
    # quantity classes of a dict value appear as their class name in some error locations
    return tuple(p for p in parts if not (isinstance(p, str) and p[:1].isupper()))


def _unwrap(annotation: Any) -> list[Any]:
    """The model classes an annotation may hold (through Optional, list, dict and Annotated)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType, list, dict):
        args = typing.get_args(annotation)
        if origin is dict:
            args = args[1:]
        return [m for a in args for m in _unwrap(a)]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return []


def _fields_at(root: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """Field names valid at ``loc`` (the location of an unknown field), walking the schema."""
    models: list[type[BaseModel]] = [root]
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        nxt: list[type[BaseModel]] = []
        for m in models:
            field = m.model_fields.get(part)
            if field is not None:
                nxt += _unwrap(field.annotation)
        if nxt:
            models = nxt
    return sorted({name for m in models for name in m.model_fields})


def _expected(error: Any, root: type[BaseModel], loc: tuple[int | str, ...]) -> tuple[str, str]:
    kind, ctx = error["type"], error.get("ctx") or {}
    if "expected" in ctx and "fix" in ctx:
        return str(ctx["expected"]), str(ctx["fix"])
    name = str(loc[-1])[:SHOWN_NAME] if loc else "value"
    if kind == "missing":
        return "a value: this field is required", f"add `{name}`"
    if kind == "extra_forbidden":
        valid = _fields_at(root, loc)
        close = difflib.get_close_matches(name, valid, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return f"one of the fields {', '.join(valid)}", f"{hint}remove {shown(name, SHOWN_NAME)} or correct its name"
    if kind == "literal_error":
        return f"one of {ctx.get('expected')}", "use one of the listed values"
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern"))
        return _PATTERNS.get(pattern, (f"text matching {pattern}", "correct the text"))
    bounds = {
        "greater_than_equal": (">=", "ge"),
        "greater_than": (">", "gt"),
        "less_than_equal": ("<=", "le"),
        "less_than": ("<", "lt"),
    }
    if kind in bounds:
        sign, key = bounds[kind]
        return f"a number {sign} {ctx.get(key)}", "check the sign, the unit and the decimal point"
    simple = {
        "float_parsing": ("a number", "write a plain number such as 45 or 0.48"),
        "float_type": ("a number", "write a plain number such as 45 or 0.48"),
        "int_parsing": ("a whole number", "write a whole number such as 2028"),
        "int_type": ("a whole number", "write a whole number such as 2028"),
        "int_from_float": ("a whole number", "drop the fraction"),
        "string_type": ("text", "quote the value"),
        "bool_parsing": ("true or false", "write true or false"),
        "date_from_datetime_parsing": ("a date YYYY-MM-DD", "write the date in ISO form"),
        "date_parsing": ("a date YYYY-MM-DD", "write the date in ISO form"),
        "date_type": ("a date YYYY-MM-DD", "write the date in ISO form"),
        "list_type": ("a list", "write the entries as a YAML list (lines starting with '- ')"),
        "dict_type": ("a mapping of names to values", "write `name: value` lines"),
        "model_type": ("a mapping of fields", "write `field: value` lines"),
        "model_attributes_type": ("a mapping of fields", "write `field: value` lines"),
        "too_short": (f"at least {ctx.get('min_length')} entries", "add the missing entries"),
        "too_long": (f"at most {ctx.get('max_length')} entries", "remove entries"),
        "union_tag_invalid": (f"`type` one of {ctx.get('expected_tags')}", "correct `type`"),
        "union_tag_not_found": ("a `type` field (mine or gas_field)", "add `type`"),
        "string_too_short": ("non-empty text", "fill it in"),
        "string_too_long": (f"at most {ctx.get('max_length')} characters", "shorten it"),
        "finite_number": ("a finite number", "give a number"),
    }
    if kind in simple:
        return simple[kind]
    return str(error.get("msg", kind)), "correct the value"


def issues_from_validation(exc: ValidationError, root: type[BaseModel], prefix: str = "") -> Iterator[Issue]:
    """Turn a pydantic error into issues with field paths (``prefix`` is put before each path)."""
    for error in exc.errors(include_url=False):
        loc = _clean_loc(tuple(error["loc"]))
        expected, fix = _expected(error, root, loc)
        path = _path(loc)
        if prefix:
            path = f"{prefix}.{path}" if path else prefix
        ctx = error.get("ctx") or {}
        value = MISSING if error["type"] == "missing" else ctx.get("got", error.get("input"))
        yield Issue(path, value, expected, fix)
