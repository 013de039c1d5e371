"""Reading and writing case files (YAML), turning every problem into an :class:`~chagai.errors.Issue`."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from chagai.cases.checks import check_case
from chagai.cases.issues import issues_from_validation
from chagai.cases.schema import Case
from chagai.errors import InputError, Issue

# libyaml's safe loader and dumper are an order of magnitude faster than the pure-Python ones
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def parse_yaml(text: str, origin: str = "") -> Any:
    """Parse YAML text, reporting a syntax error with its line and column."""
    try:
        return yaml.load(text, Loader=_LOADER)  # a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "(document)"
        problem = getattr(exc, "problem", None) or str(exc)
        line = text.splitlines()[mark.line] if mark is not None and mark.line < len(text.splitlines()) else ""
        issue = Issue(where, line.strip(), "well-formed YAML", f"fix the syntax: {problem}")
        raise InputError([issue], origin) from None


def case_from_data(data: Any, origin: str = "") -> Case:
    """Validate parsed data as a case, running every check.

    Raises
    ------
    InputError
        With every problem found, each naming the field path, the value, what was expected and how to fix it.
    """
    if not isinstance(data, dict):
        kind = "nothing" if data is None else type(data).__name__
        issue = Issue("", kind, "a mapping of case fields (id, name, ...)", "start from a bundled case file")
        raise InputError([issue], origin)
    try:
        case = Case.model_validate(data)
    except ValidationError as exc:
        raise InputError(list(issues_from_validation(exc, Case)), origin) from None
    issues = check_case(case)
    if issues:
        raise InputError(issues, origin)
    return case


def load_case_text(text: str, origin: str = "") -> Case:
    """Parse and validate a case from YAML text."""
    return case_from_data(parse_yaml(text, origin), origin)


def load_case_file(path: str | Path) -> Case:
    """Parse and validate a case file.

    Raises
    ------
    InputError
        If the file cannot be read or the case is invalid.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        issue = Issue("", str(path), "a readable UTF-8 YAML file", f"check the path ({exc.__class__.__name__})")
        raise InputError([issue], str(path)) from None
    return load_case_text(text, path.name)


def case_document(case: Case) -> dict[str, Any]:
    """The case as plain data (what YAML and JSON exports hold)."""
    return case.model_dump(mode="json", exclude_none=True)


def dump_case(case: Case) -> str:
    """The case as YAML text; loading it gives back an equal case."""
    return yaml.dump(case_document(case), Dumper=_DUMPER, sort_keys=False, allow_unicode=True, width=110)


def case_hash(case: Case) -> str:
    """A stable SHA-256 of the case's content (independent of key order and formatting)."""
    blob = json.dumps(case_document(case), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()
