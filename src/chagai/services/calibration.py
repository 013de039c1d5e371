"""The calibration service: price models fitted to the World Bank Pink Sheet, and their backtest."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chagai.risk.calibrate import BacktestResult, backtest, calibrate, coverage_report, report, write_parameters
from chagai.risk.prices import PriceModels

__all__ = ["Calibration", "calibrate_prices", "write_price_models"]


@dataclass(frozen=True)
class Calibration:
    """Price models fitted to the whole Pink Sheet, and a backtest of models fitted up to ``backtest.fit_end``.

    Parameters
    ----------
    models
        Models fitted on every year of the annual real series (what :func:`write_price_models` writes).
    backtest
        How often later prices fell inside the P10-P90 band of models fitted up to its ``fit_end``.
    """

    models: PriceModels
    backtest: BacktestResult

    @property
    def fit_end(self) -> int:
        """Last year of the backtest's fit."""
        return self.backtest.fit_end

    def model_rows(self) -> list[dict[str, Any]]:
        """One row per commodity: model kind, kappa [1/yr], half-life [yr], sigma, drift, long-run level."""
        return report(self.models)

    def coverage_rows(self) -> list[dict[str, Any]]:
        """One row per commodity and an ``all`` row: test years, years inside the band, coverage [-]."""
        return coverage_report(self.backtest)


def calibrate_prices(data_dir: Path | str | None = None, fit_end: int = 2015) -> Calibration:
    """Fit the price models to the Pink Sheet in ``data_dir`` and backtest models fitted up to ``fit_end``.

    See :func:`chagai.risk.calibrate.calibrate` and :func:`chagai.risk.calibrate.backtest`.
    """
    return Calibration(models=calibrate(data_dir), backtest=backtest(data_dir, fit_end=fit_end))


def write_price_models(calibrated: Calibration, path: Path | str) -> None:
    """Write the fitted price models as the YAML the simulations read (see :func:`write_parameters`)."""
    write_parameters(calibrated.models, path)
