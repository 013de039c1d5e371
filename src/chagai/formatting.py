"""How front ends show a number with its unit (one rule for the terminal, the report and the web)."""

from __future__ import annotations

import math
from typing import Any


def _without_negative_zero(text: str) -> str:
    """``-0``, ``-0.0%`` and the like (a tiny negative number rounded away) lose their sign."""
    return text[1:] if text.startswith("-") and not any(c in "123456789" for c in text) else text


def format_value(value: Any, unit: str) -> str:
    """``value`` in ``unit`` as people read it: 21.9%, 3.06x, 2030, 7,374 US$m; ``n/a`` when missing.

    The unit ``whole`` shows a whole number with thousands separators and no unit (7,374), for a table that
    states its unit once, in its title.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if unit == "text" or isinstance(value, str):
        return str(value)
    if unit == "fraction":
        return _without_negative_zero(f"{100 * value:,.1f}%")
    if unit == "year":
        return _without_negative_zero(f"{value:.0f}")
    if unit == "ratio":
        return _without_negative_zero(f"{value:,.2f}x")
    if unit == "whole":
        return _without_negative_zero(f"{value:,.0f}")
    if unit in ("US$m", "US$m/yr", "PKRm"):
        return _without_negative_zero(f"{value:,.0f}") + f" {unit}"
    return f"{figure_text(value)} {unit}"


def percent_text(fraction: float) -> str:
    """A fraction as a percentage with no needless digits: ``15%``, ``2.5%``, ``0%``, ``12,500%``."""
    return f"{figure_text(fraction * 100)}%"


def figure_text(value: float) -> str:
    """A figure with four significant digits and thousands separators, never in e-notation.

    ``2.649``, ``769``, ``14,130``, ``0.0001235``; below a billionth, ``0``.
    """
    if not math.isfinite(value):
        return str(value)
    if abs(value) >= 1e4:
        text = f"{value:,.0f}"
    elif abs(value) < 1e-9:
        text = "0"
    elif abs(value) < 1e-3:
        text = f"{value:.{3 - math.floor(math.log10(abs(value)))}f}".rstrip("0")
    else:
        text = f"{value:,.4g}"
        if "e" in text:  # rounded up to 10,000
            text = f"{value:,.0f}"
    return _without_negative_zero(text)


def claimed_text(value: float, high: float | None = None, bound: str | None = None) -> str:
    """A claimed value as a reader sees it: ``2.8``, ``2.8-2.9``, ``≥ 75`` or ``≤ 2028`` (without the unit).

    ``high`` is the top of a claimed range; ``bound`` is ``about`` (or None), ``at-least`` or ``at-most``.
    """
    text = f"{value:g}" + (f"-{high:g}" if high is not None else "")
    return {"at-least": "≥ ", "at-most": "≤ "}.get(bound or "about", "") + text


def own_basis(basis: str, common: str) -> str:
    """What a figure's basis adds to ``common``, the basis every figure shares (stated once, above the figures)."""
    return basis.replace(f"; {common}", "").replace(common, "").strip("; ")
