"""How front ends show a number with its unit (one rule for the terminal, the report and the web)."""

from __future__ import annotations

import math
from typing import Any


def format_value(value: Any, unit: str) -> str:
    """``value`` in ``unit`` as people read it: 21.9%, 3.06x, 2030, 7,374 US$m; ``n/a`` when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if unit == "text" or isinstance(value, str):
        return str(value)
    if unit == "fraction":
        return f"{100 * value:.1f}%"
    if unit == "year":
        return f"{value:.0f}"
    if unit == "ratio":
        return f"{value:.2f}x"
    if unit in ("US$m", "US$m/yr"):
        return f"{value:,.0f} {unit}"
    return f"{value:,.4g} {unit}"


def percent_text(fraction: float) -> str:
    """A fraction as a percentage with no needless digits: ``15%``, ``2.5%``, ``0%``."""
    return f"{fraction * 100:.4g}%"


def figure_text(value: float) -> str:
    """A figure with four significant digits and thousands separators: ``2.649``, ``769``, ``14,130``."""
    if abs(value) >= 1e4:
        return f"{value:,.0f}"
    return f"{value:,.4g}"


def claimed_text(value: float, high: float | None = None, bound: str | None = None) -> str:
    """A claimed value as a reader sees it: ``2.8``, ``2.8-2.9``, ``≥ 75`` or ``≤ 2028`` (without the unit).

    ``high`` is the top of a claimed range; ``bound`` is ``about`` (or None), ``at-least`` or ``at-most``.
    """
    text = f"{value:g}" + (f"-{high:g}" if high is not None else "")
    return {"at-least": "≥ ", "at-most": "≤ "}.get(bound or "about", "") + text
