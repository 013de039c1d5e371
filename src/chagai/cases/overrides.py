"""Changing fields of a case by path: ``costs.opex_per_tonne_milled.value=12``, ``financing.us-exim.rate.value=0.07``.

One implementation serves registry edits (``chagai edit``) and scenario overrides. A path is a dotted list of
field names; a list is indexed by position (``stakes[2]``) or, where its entries have ids, by id
(``financing.us-exim``), prices by commodity (``prices.copper``, the base deck); ``[+]`` appends
(``claims[+]={...}``). A plain number given for a quantity changes its value and keeps its unit and sources
(``prices.copper=9000`` sets the base-deck copper price in the unit the case uses). Values given as text are
read as YAML, so ``9000`` is a number, ``[a, b]`` a list and ``{value: 5, unit: "%"}`` a mapping. The changed
case is validated in full; nothing changes unless it is valid.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from chagai.cases.io import case_document, case_from_data, parse_yaml
from chagai.cases.schema import Case
from chagai.errors import InputError, Issue

_SEGMENT = re.compile(r"^(?P<name>[^\[\]]+)?(?P<index>(\[(\d+|\+)\])*)$")


def parse_assignment(text: str) -> tuple[str, Any]:
    """Split ``path=value`` and read the value as YAML.

    Raises
    ------
    InputError
        If there is no ``=`` or the value is not valid YAML.
    """
    path, sep, raw = text.partition("=")
    if not sep or not path.strip():
        issue = Issue("(assignment)", text, "path=value, e.g. costs.opex_per_tonne_milled.value=12", "add '='")
        raise InputError([issue])
    try:  # the one YAML reader: it refuses alias bombs, repeated keys and numbers too long to read
        value = parse_yaml(raw) if raw.strip() else None
    except InputError as exc:
        issues = [Issue(path.strip(), raw, issue.expected, issue.fix) for issue in exc.issues]
        raise InputError(issues) from None
    return path.strip(), value


MAX_PATH_STEPS = 32
"""Most steps (field names and list positions) a path may have; a case is nowhere near as deep."""


def _steps(path: str) -> list[str | int]:
    steps: list[str | int] = []
    count = path.count(".") + path.count("[") + 1  # counted before any step is made, so nothing deep is built
    if count > MAX_PATH_STEPS:
        expected = f"a path of at most {MAX_PATH_STEPS} field names and list positions (no case is deeper)"
        fix = "name the field as the case file nests it, e.g. costs.opex_per_tonne_milled.value"
        raise InputError([Issue(f"--set {path[:80]}...", f"a path of {count:,} steps", expected, fix)])
    for segment in path.split("."):
        match = _SEGMENT.match(segment)
        if match is None or not segment:
            issue = Issue(path, segment, "field names joined by dots, with [n] for list positions", "fix the path")
            raise InputError([issue])
        if match["name"]:
            steps.append(match["name"])
        steps += [int(i) if i != "+" else -1 for i in re.findall(r"\[(\d+|\+)\]", match["index"])]
    return steps


def _fields(container: Any) -> str:
    if isinstance(container, dict):
        return ", ".join(sorted(container)) or "(none set)"
    if isinstance(container, list):
        ids = [str(e.get("id") or e.get("commodity")) for e in container if isinstance(e, dict)]
        ids = [i for i in ids if i != "None"]
        return f"positions 0-{len(container) - 1}" + (f" or ids {', '.join(ids)}" if ids else "")
    return "(a single value)"


def _entry_by_name(entries: list[Any], name: str, where: str) -> int:
    """Position of the entry named ``name``: by id, or for prices by commodity (the base deck first)."""
    by_id = [i for i, e in enumerate(entries) if isinstance(e, dict) and e.get("id") == name]
    if by_id:
        return by_id[0]
    by_commodity = [i for i, e in enumerate(entries) if isinstance(e, dict) and e.get("commodity") == name]
    by_commodity.sort(key=lambda i: entries[i].get("deck", "base") != "base")
    if by_commodity:
        return by_commodity[0]
    raise InputError([Issue(where, name, f"an entry of the list ({_fields(entries)})", "correct the id")])


def _assign(current: Any, value: Any, override: str | None = None) -> Any:
    """A plain number given for a quantity (or a price) changes its value and keeps its unit.

    With ``override`` (a run's override, not an edit), the quantity is no longer credited to its sources: its
    provenance becomes ``override`` (an estimate that says what was changed).
    """
    provenance = {"source": [], "estimate": override} if override else {}
    quantity = _quantity(current)
    if isinstance(value, int | float) and not isinstance(value, bool) and quantity is not None:
        changed = {**quantity, "value": value, **provenance}
        return changed if quantity is current else {**current, "price": changed}
    if override and isinstance(value, dict) and isinstance(current, dict) and "value" in value:
        return {**value, **provenance}
    return value


def _quantity(current: Any) -> dict[str, Any] | None:
    """The quantity (value and unit) a field holds: the field itself, or a price entry's price; else ``None``."""
    if not isinstance(current, dict):
        return None
    quantity = current if "value" in current and "unit" in current else current.get("price")
    return quantity if isinstance(quantity, dict) and "unit" in quantity else None


def _check_number(current: Any, value: Any, where: str) -> None:
    """Refuse text given for a quantity or a price: a number (its new value) or a whole mapping is expected."""
    quantity = _quantity(current)
    if isinstance(value, str) and quantity is not None:
        unit = quantity["unit"]
        issue = Issue(where, value, f"a number, the new value in {unit}", f"write e.g. {where}={quantity.get('value')}")
        raise InputError([issue])


def _set(document: dict[str, Any], path: str, value: Any, override: str | None = None) -> None:
    steps = _steps(path)
    node: Any = document
    for depth, step in enumerate(steps):
        last = depth == len(steps) - 1
        where = ".".join(str(s) for s in steps[: depth + 1])
        if isinstance(node, list) and isinstance(step, str):
            step = _entry_by_name(node, step, where)
        if isinstance(node, list) and isinstance(step, int):
            if step == -1:
                if not last:
                    raise InputError([Issue(where, "[+]", "[+] only at the end of a path", "append a whole entry")])
                node.append(value)
                return
            if step >= len(node):
                raise InputError([Issue(where, step, f"one of {_fields(node)}", "use an existing position")])
        elif isinstance(node, dict) and isinstance(step, str):
            if step not in node and not last:
                node[step] = {}
        else:
            raise InputError([Issue(where, step, f"one of {_fields(node)}", "correct the path")])
        if last:
            current = node.get(step) if isinstance(node, dict) else node[int(step)]
            _check_number(current, value, where)
            node[step] = _assign(current, value, override)
        else:
            node = node[step]


OVERRIDE_NOTE = "override in this run: {path} = {value} (replaces the case's value and its source)"
"""The provenance a run's override gives the quantity it changes."""


def is_override(estimate: str | None) -> bool:
    """Whether a quantity's provenance is a run's override (:data:`OVERRIDE_NOTE`), not a stated estimate."""
    return bool(estimate) and str(estimate).startswith(OVERRIDE_NOTE.split(":")[0] + ":")


def apply_overrides(case: Case, assignments: Mapping[str, Any], *, run: bool = False) -> Case:
    """A copy of ``case`` with each ``path: value`` applied, validated in full.

    ``run`` marks the changes as a run's overrides (``--set``): a changed quantity is credited to the override
    (:data:`OVERRIDE_NOTE`), never to the source of the value it replaces. Without it (registry edits) the
    quantity keeps its sources.

    Raises
    ------
    InputError
        If a path names nothing, or the changed case is invalid (the issues name the paths).
    """
    document = case_document(case)
    for path, value in assignments.items():
        parsed = parse_assignment(f"{path}={value}")[1] if isinstance(value, str) else value
        _set(document, path, parsed, OVERRIDE_NOTE.format(path=path, value=value) if run else None)
    return case_from_data(document, f"{case.id} (edited)")
