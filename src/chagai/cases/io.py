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


MAX_YAML_BYTES = 5_000_000
"""Largest YAML document read [bytes]: the largest bundled case is 60 kB."""
MAX_ALIASES = 100
"""Most aliases (``*name``) a YAML document may use; case files use none."""
MAX_NODES = 200_000
"""Most values (scalars, lists, mappings) a YAML document may hold once its aliases are expanded."""
MAX_INTEGER_DIGITS = 300
"""Most digits of a whole number in YAML (a float holds up to about 1.8e308)."""

_INT_TAG = "tag:yaml.org,2002:int"
_MERGE_TAG = "tag:yaml.org,2002:merge"


def _line(node: yaml.Node) -> str:
    return f"line {node.start_mark.line + 1}, column {node.start_mark.column + 1}"


def _document_issue(root: yaml.Node) -> Issue | None:
    """The first reason to refuse a composed YAML document before building its values, or ``None``.

    A document may refer to one value many times through aliases (``&a`` and ``*a``), so that a few lines expand
    to billions of values ("billion laughs"): the composed graph is walked once, counting the aliases and the
    size of the document once expanded, without expanding it. Duplicate keys (which YAML loaders resolve
    silently, the last one winning) and whole numbers too long to convert are refused too.
    """
    size: dict[int, int] = {}  # expanded size of each node already measured
    aliases = 0
    pending: list[tuple[yaml.Node, bool]] = [(root, False)]
    open_nodes: set[int] = set()  # nodes whose children are being measured
    while pending:
        node, children_done = pending.pop()
        key = id(node)
        if children_done:
            open_nodes.discard(key)
            size[key] = 1 + sum(size[id(child)] for child in _children(node))
            if size[key] > MAX_NODES:
                return Issue(
                    "(document)",
                    f"more than {MAX_NODES:,} values once aliases are expanded",
                    f"a document of at most {MAX_NODES:,} values",
                    "write the values out instead of nesting aliases, or split the document",
                )
        elif key in open_nodes:
            return Issue(_line(node), "a value that contains itself", "no recursive aliases", "write the value out")
        elif key in size:  # a value met again: through an alias
            aliases += 1
            if aliases > MAX_ALIASES:
                return Issue(
                    "(document)",
                    f"more than {MAX_ALIASES} aliases",
                    f"at most {MAX_ALIASES} aliases (*name) in a document",
                    "write the values out instead of repeating them through aliases",
                )
        elif isinstance(node, yaml.ScalarNode):
            if node.tag == _INT_TAG and len(node.value) > MAX_INTEGER_DIGITS:
                return Issue(
                    _line(node),
                    node.value,
                    f"a number of at most {MAX_INTEGER_DIGITS} digits",
                    "check the number: write it in a larger unit, or in scientific notation (4.5e9)",
                )
            size[key] = 1
        else:
            issue = _duplicate_key(node) if isinstance(node, yaml.MappingNode) else None
            if issue is not None:
                return issue
            open_nodes.add(key)
            pending.append((node, True))
            pending.extend((child, False) for child in reversed(_children(node)))
    return None


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _duplicate_key(node: yaml.MappingNode) -> Issue | None:
    seen: dict[tuple[str, str], yaml.Node] = {}
    for key, _ in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.tag == _MERGE_TAG:
            continue
        first = seen.setdefault((key.tag, key.value), key)
        if first is not key:
            return Issue(
                _line(key),
                key.value,
                f"each key once in a mapping (it is already given on line {first.start_mark.line + 1})",
                "remove one of the two entries, or merge them",
            )
    return None


def parse_yaml(text: str, origin: str = "") -> Any:
    """Parse YAML text, reporting a syntax error with its line and column.

    A document of more than :data:`MAX_YAML_BYTES` characters is refused unread. Another is composed (its
    structure read) and checked before any value is built: more than
    :data:`MAX_ALIASES` aliases, more than :data:`MAX_NODES` values once aliases are expanded, a key given twice
    in one mapping and a whole number of more than :data:`MAX_INTEGER_DIGITS` digits are refused with an issue.
    """
    if len(text) > MAX_YAML_BYTES:
        too_large = Issue(
            "(document)",
            f"{len(text):,} characters",
            f"a document of at most {MAX_YAML_BYTES:,} characters",
            "split the document, or remove what the case does not need",
        )
        raise InputError([too_large], origin)
    loader = _LOADER(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        issue = _document_issue(root)
        if issue is not None:
            raise InputError([issue], origin)
        return loader.construct_document(root)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "(document)"
        problem = getattr(exc, "problem", None) or str(exc)
        line = text.splitlines()[mark.line] if mark is not None and mark.line < len(text.splitlines()) else ""
        issue = Issue(where, line.strip(), "well-formed YAML", f"fix the syntax: {problem}")
        raise InputError([issue], origin) from None
    finally:
        loader.dispose()


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
        size = path.stat().st_size
        if size > MAX_YAML_BYTES:
            issue = Issue(
                "",
                f"{size:,} bytes",
                f"a case file of at most {MAX_YAML_BYTES:,} bytes",
                "check that this is a case file; split it, or remove what the case does not need",
            )
            raise InputError([issue], str(path))
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
