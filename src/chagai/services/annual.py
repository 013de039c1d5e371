"""The annual model of one compiled case: its table of lines, each owner's flows, and the measures of both.

:class:`AnnualRun` is what the appraisal and the claim checks read; it knows nothing of the figures derived from
it, so that the claims need only the run, not the appraisal that checks them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from chagai.cases.compile import Compiled
from chagai.cases.currency import MoneyView, Presentation, present_table
from chagai.cases.schema import Case
from chagai.core import kernel
from chagai.core.lines import Line
from chagai.core.measures import PathMeasures

LINE_UNITS: dict[str, str] = dict(kernel.LINES)
"""The unit of each line of the annual table, by line name (``gross_revenue``: ``US$m`` ...)."""
STOCK_LINES: frozenset[str] = frozenset({Line.debt_balance.name})
"""Lines that are balances at the end of a year (not flows): shown at 30 June in July-June fiscal years."""


@dataclass
class AnnualRun:
    """One run of the annual model: the case compiled under a scenario, its lines and owners' flows."""

    compiled: Compiled
    lines: np.ndarray  # (N_LINES, T)
    party_net: np.ndarray  # (P, T)
    discount_rate: float
    measured: PathMeasures | None = None
    presentation: Presentation | None = None  # the money and years its figures are shown in (None: the model's)

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
        """How money is stated and discounted: the model's basis, after the conversion when one is asked for."""
        return self.presented_basis(self.presentation)

    @property
    def model_basis(self) -> str:
        """How the model states and discounts money (real US$m of the base year, calendar years)."""
        money = self.case.money
        return (
            f"US$ million, {money.basis} {money.base_year} dollars; NPV at {self.discount_rate:.0%} {money.basis}, "
            f"year 0 = {self.compiled.valuation_year} (undiscounted), year t discounted by (1+r)^-t, "
            f"end-year cash flows; flows before {self.compiled.valuation_year} are sunk"
        )

    def presented(self, presentation: Presentation | None = None) -> MoneyView:
        """The conversion of this run's money to ``presentation`` (default: the run's own, else the model's)."""
        return MoneyView.of(self.case, presentation or self.presentation or Presentation())

    def presented_basis(self, presentation: Presentation | None = None) -> str:
        """The basis of the figures in ``presentation``: the model's basis, with the conversion stated first."""
        if presentation is None or presentation.is_model_basis:
            return self.model_basis
        return f"{self.presented(presentation).basis(self.compiled.valuation_year)}; computed in {self.model_basis}"

    def _model_columns(self) -> dict[str, tuple[str, np.ndarray]]:
        """Every column in the model's basis by name: (unit, values by year)."""
        columns = {name: (unit, self.lines[i]) for i, (name, unit) in enumerate(kernel.LINES)}
        for c, commodity in enumerate(self.compiled.commodities):
            price = self.compiled.prices[c] * self.compiled.price_display_factor[c]
            columns[f"price_{commodity}"] = (self.compiled.price_units[c], price)
        for p, party in enumerate(self.compiled.parties):
            if np.any(self.party_net[p]):
                columns[f"equity_net_{party.id}"] = ("US$m", self.party_net[p])
        return columns

    def presented_table(self, presentation: Presentation | None = None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """The annual table in ``presentation``'s money and years: (years, columns with the unit in the name)."""
        return present_table(self._model_columns(), set(STOCK_LINES), self.years, self.presented(presentation))

    def table_columns(self, presentation: Presentation | None = None) -> dict[str, np.ndarray]:
        """The annual table's columns by name (unit in the name): every line item, the prices, each owner's flow.

        In the model's basis (real base-year US$m, calendar years) unless ``presentation`` asks for another
        currency, nominal money or July-June fiscal years (:mod:`chagai.cases.currency`).
        """
        return self.presented_table(presentation)[1]

    def cashflow(
        self, currency: str | None = None, nominal: bool | None = None, fiscal_year: str | None = None
    ) -> pd.DataFrame:
        """The annual table: one row per year, one column per line item (unit in the column name).

        Parameters
        ----------
        currency
            ``USD`` (the model's) or ``PKR`` (Pakistani rupees, at the bundled sourced rates).
        nominal
            Money of each year instead of real dollars (or rupees) of the case's base year.
        fiscal_year
            ``calendar`` or ``jul``: Pakistan's July-June fiscal years (the index is then ``fiscal_year``, FY N
            ending on 30 June N). See :mod:`chagai.cases.currency` for how each kind of column converts.

        Each left out is the run's own (:func:`chagai.services.appraise.presented`), else the model's: real
        US$ of the base year by calendar year.

        The frame's ``attrs["basis"]`` states the money, the rates and their sources, and the year convention.

        Raises
        ------
        InputError
            If a currency or year convention is not one accepted.
        """
        own = self.presentation or Presentation()
        presentation = Presentation.of(
            own.currency if currency is None else currency,
            own.nominal if nominal is None else nominal,
            own.fiscal_year if fiscal_year is None else fiscal_year,
        )
        years, columns = self.presented_table(presentation)
        name = "fiscal_year" if presentation.fiscal_year == "jul" else "year"
        frame = pd.DataFrame(columns, index=pd.Index(years, name=name))
        frame.attrs["basis"] = self.presented_basis(presentation)
        return frame

    def cashflow_csv(
        self, currency: str | None = None, nominal: bool | None = None, fiscal_year: str | None = None
    ) -> str:
        """The annual table as CSV text (six decimals), as ``chagai cashflow -o`` writes it and the API serves it."""
        text: str = self.cashflow(currency, nominal, fiscal_year).to_csv(float_format="%.6f")
        return text
