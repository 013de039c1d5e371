"""The outputs a sensitivity analysis reports for a case, with their labels and units."""

from __future__ import annotations

from collections.abc import Mapping

OUTPUTS: tuple[str, ...] = ("npv_post_tax", "aetr", "local_share", "min_dscr")
"""The case-level outputs of :meth:`Evaluator.evaluate` (party NPVs come on top, as ``npv_<party>``)."""
OUTPUT_LABELS: Mapping[str, tuple[str, str]] = {
    "npv_post_tax": ("Project NPV after tax (unlevered)", "US$m"),
    "aetr": ("Government take, discounted (AETR)", "fraction"),
    "local_share": ("Provincial (local) share, discounted", "fraction"),
    "min_dscr": ("Minimum DSCR", "ratio"),
}
