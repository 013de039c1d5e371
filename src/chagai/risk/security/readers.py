"""Readers of the third-party conflict data: UCDP/PRIO conflict-years and yearly attack counts derived from the GTD.

The files themselves live in the shared data folder; :mod:`chagai.risk.security.calibration` names them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from chagai.errors import MISSING, InputError, Issue

GTD_COLUMNS: Final = (
    "balochistan_attacks",
    "utilities_target_attacks",
    "gas_target_attacks",
    "oil_target_attacks",
    "nkill_sum",
)
"""Count columns of the GTD-derived file, besides ``year``."""


def load_ucdp_active_years(path: str | Path, conflict_id: int) -> set[int]:
    """Years a UCDP/PRIO conflict was active (had a conflict-year row, 25+ battle deaths).

    Parameters
    ----------
    path
        A UCDP/PRIO Armed Conflict Dataset CSV (columns ``conflict_id`` and ``year`` at least).
    conflict_id
        The UCDP conflict (325 is the Balochistan conflict).

    Raises
    ------
    InputError
        If the columns are missing or the conflict has no row.
    """
    table = pd.read_csv(path)
    missing = [c for c in ("conflict_id", "year") if c not in table.columns]
    if missing:
        raise InputError(
            [Issue(c, MISSING, "a UCDP/PRIO column", "give the UCDP/PRIO Armed Conflict Dataset CSV") for c in missing],
            origin=str(path),
        )
    years = table.loc[table["conflict_id"] == conflict_id, "year"]
    if years.empty:
        known = ", ".join(str(c) for c in sorted(table["conflict_id"].unique()))
        raise InputError(
            [Issue("conflict_id", conflict_id, f"a conflict in the file ({known})", "choose a listed conflict_id")],
            origin=str(path),
        )
    return {int(y) for y in years}


def load_attack_counts(path: str | Path) -> pd.DataFrame:
    """Yearly attack counts derived from the Global Terrorism Database, indexed by year.

    Columns: ``balochistan_attacks`` (all attacks in Balochistan), ``utilities_target_attacks``,
    ``gas_target_attacks``, ``oil_target_attacks`` [attacks/yr] and ``nkill_sum`` [deaths/yr].

    Raises
    ------
    InputError
        If a column is missing or a count is not a whole number of 0 or more.
    """
    table = pd.read_csv(path)
    issues = [
        Issue(c, MISSING, "a column of the GTD-derived counts", "give the GTD-derived yearly counts CSV")
        for c in ("year", *GTD_COLUMNS)
        if c not in table.columns
    ]
    if issues:
        raise InputError(issues, origin=str(path))
    counts = table.set_index("year")[list(GTD_COLUMNS)]
    for column in GTD_COLUMNS:
        values = pd.to_numeric(counts[column], errors="coerce")
        bad = values.isna() | (values < 0) | (values % 1 != 0)
        if bad.any():
            year = bad[bad].index[0]
            issues.append(Issue(f"{column}[{year}]", counts.at[year, column], "a count of 0 or more", "fix the row"))
    if issues:
        raise InputError(issues, origin=str(path))
    counts = counts.astype(np.int64)
    counts.index = counts.index.astype(np.int64)
    return counts.sort_index()
