"""The annual model of one compiled case: its table of lines, each owner's flows, and the measures of both.

:class:`AnnualRun` is what the appraisal and the claim checks read; it knows nothing of the figures derived from
it, so that the claims need only the run, not the appraisal that checks them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from chagai.cases.compile import Compiled
from chagai.cases.schema import Case
from chagai.core import kernel
from chagai.core.lines import Line
from chagai.core.measures import PathMeasures

LINE_UNITS: dict[str, str] = dict(kernel.LINES)
"""The unit of each line of the annual table, by line name (``gross_revenue``: ``US$m`` ...)."""


@dataclass
class AnnualRun:
    """One run of the annual model: the case compiled under a scenario, its lines and owners' flows."""

    compiled: Compiled
    lines: np.ndarray  # (N_LINES, T)
    party_net: np.ndarray  # (P, T)
    discount_rate: float
    measured: PathMeasures | None = None

    @property
    def measures(self) -> PathMeasures:
        """The measures the Monte Carlo and sensitivity compute, by the same function (:mod:`chagai.core.measures`)."""
        if self.measured is None:
            self.measured = PathMeasures(self.lines, self.party_net, self.discount_rate)
        return self.measured

    @property
    def case(self) -> Case:
        """The case run."""
        return self.compiled.case

    @property
    def years(self) -> np.ndarray:
        """Calendar years of the columns."""
        return self.compiled.years

    def line(self, name: str) -> np.ndarray:
        """One line of the annual table by name."""
        row: np.ndarray = self.lines[Line[name]]
        return row

    @property
    def basis(self) -> str:
        """How money is stated and discounted."""
        money = self.case.money
        return (
            f"US$ million, {money.basis} {money.base_year} dollars; NPV at {self.discount_rate:.0%} {money.basis}, "
            f"year 0 = {self.compiled.valuation_year} (undiscounted), year t discounted by (1+r)^-t, "
            f"end-year cash flows; flows before {self.compiled.valuation_year} are sunk"
        )

    def table_columns(self) -> dict[str, np.ndarray]:
        """The annual table's columns by name (unit in the name): every line item, the prices, each owner's flow."""
        columns = {f"{name} [{unit}]": self.lines[i] for i, (name, unit) in enumerate(kernel.LINES)}
        for c, commodity in enumerate(self.compiled.commodities):
            columns[f"price_{commodity} [{self.compiled.price_units[c]}]"] = (
                self.compiled.prices[c] * self.compiled.price_display_factor[c]
            )
        for p, party in enumerate(self.compiled.parties):
            if np.any(self.party_net[p]):
                columns[f"equity_net_{party.id} [US$m]"] = self.party_net[p]
        return columns

    def cashflow(self) -> pd.DataFrame:
        """The annual table: one row per year, one column per line item (unit in the column name)."""
        return pd.DataFrame(self.table_columns(), index=pd.Index(self.years, name="year"))

    def cashflow_csv(self) -> str:
        """The annual table as CSV text (six decimals), as ``chagai cashflow -o`` writes it and the API serves it."""
        text: str = self.cashflow().to_csv(float_format="%.6f")
        return text
