"""Stochastic price models: one process per commodity, correlated shocks, calibrated parameters bundled as data.

The simulator works year by year on the log of each price relative to the case's deck price,
``y_t = ln(P_t / P_deck)``, with ``t = 0`` the valuation year:

* ``y_0 = 0``: the valuation year is at the deck price; shocks start in year 1.
* mean-reverting (``kind = "mean-reverting"``), for ``t >= 1``::

      y_t = y_{t-1} + kappa * (m - y_{t-1}) + sigma * eps_t

  with ``m = ln(long_run / P_deck)`` (both in the same unit and real money): the median price reverts to
  ``long_run`` (the Monte Carlo's ``trend=calibrated``). The Monte Carlo's ``trend=deck`` instead sets the level
  year by year, ``m_t``, so that the mean price ``E[P_t]`` stays at the deck
  (:meth:`chagai.risk.montecarlo.PriceProcess.log_steps`).
* GBM (``kind = "gbm"``), for ``t >= 1``::

      y_t = y_{t-1} + drift - sigma**2 / 2 + sigma * eps_t

  so that ``E[P_t / P_{t-1}] = exp(drift)`` and the median path grows at ``drift - sigma**2 / 2`` a year
  (``trend=deck`` runs GBM with drift 0: the mean stays at the deck).
* ``eps_t`` is standard normal, independent across years and correlated across commodities with
  :attr:`PriceModels.correlation` (drawn as ``L @ z`` with ``L`` the lower Cholesky factor, ``z`` iid normal).

Given ``y_t``, ``y_{t+h}`` is normal (:func:`log_moments`). For a mean-reverting model with
``b = 1 - kappa``: mean ``m + b**h (y_t - m)``, variance ``sigma**2 (1 - b**(2h)) / (1 - b**2)``; for GBM:
mean ``y_t + h (drift - sigma**2 / 2)``, variance ``h sigma**2``. ``long_run`` is therefore the median of the
stationary distribution of a mean-reverting price (its geometric mean level), not its mean.

Prices are in real 2025 US$ per canonical unit: US$/t for metals (gold and silver too; one troy ounce is
31.1034768 g) and US$/MMBtu for natural gas. Rates are per year: ``kappa`` [1/yr], ``drift`` [1/yr],
``sigma`` [1/sqrt(yr)] (annual log volatility).

The bundled parameters (``risk/data/prices.yaml``) come from :func:`chagai.risk.calibrate.calibrate` on the World
Bank Pink Sheet; :func:`bundled_price_models` reads them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from chagai.errors import MISSING, InputError, Issue, NotFoundError

FloatArray = npt.NDArray[np.float64]

PriceKind = Literal["mean-reverting", "gbm"]
"""Price process: mean-reverting log price (AR(1) in discrete years) or geometric Brownian motion."""

KINDS: tuple[str, ...] = ("mean-reverting", "gbm")

CANONICAL_UNITS: Mapping[str, str] = {
    "copper": "US$/t",
    "gold": "US$/t",
    "silver": "US$/t",
    "natural-gas": "US$/MMBtu",
}
"""Canonical price unit of each commodity a price model may describe."""

PRICE_BASIS = "real 2025 US$"
"""Money basis of every price in this module."""


@dataclass(frozen=True)
class PriceModel:
    """The annual price process of one commodity (equations in the module docstring).

    Parameters
    ----------
    commodity
        Canonical commodity name (``copper``, ``gold``, ``silver``, ``natural-gas``).
    kind
        ``mean-reverting`` or ``gbm``.
    kappa
        Speed of mean reversion: the share of the gap to the long-run log level closed each year; 0 for GBM
        [1/yr].
    sigma
        Annual volatility of the log price [1/sqrt(yr)].
    drift
        GBM drift of the log price plus ``sigma**2 / 2`` (so ``exp(drift)`` is the expected yearly growth
        factor); 0 for a mean-reverting model [1/yr].
    long_run
        Mean-reversion level ``exp(m)``, the median of the stationary price; ``None`` for GBM
        [real 2025 US$ per ``unit``].
    unit
        Price unit of ``long_run`` (``US$/t`` or ``US$/MMBtu``).
    fit_start, fit_end
        First and last calendar year of the annual series the model was fitted on.
    n_obs
        Number of annual log-price changes in the fit (``fit_end - fit_start`` for a gap-free series).
    source
        Where the figures come from: data set, series, licence, deflation.
    """

    commodity: str
    kind: PriceKind
    kappa: float
    sigma: float
    drift: float
    long_run: float | None
    unit: str
    fit_start: int
    fit_end: int
    n_obs: int
    source: str

    def __post_init__(self) -> None:
        issues = _model_issues(self)
        if issues:
            raise InputError(issues, origin=f"price model {self.commodity!r}")

    @property
    def half_life(self) -> float:
        """Years for half of a gap to the long-run log level to close (``inf`` for GBM) [yr]."""
        if self.kind == "gbm":
            return math.inf
        return math.log(0.5) / math.log(1.0 - self.kappa) if self.kappa < 1.0 else 0.0

    def scaled(self, volatility_factor: float) -> PriceModel:
        """The same model with ``sigma`` multiplied by ``volatility_factor`` (drift and kappa unchanged)."""
        return replace(self, sigma=self.sigma * volatility_factor)

    def as_dict(self) -> dict[str, Any]:
        """Plain-data form (the layout of one entry of ``prices.yaml``)."""
        return {
            "kind": self.kind,
            "kappa": float(self.kappa),
            "sigma": float(self.sigma),
            "drift": float(self.drift),
            "long_run": None if self.long_run is None else float(self.long_run),
            "unit": self.unit,
            "basis": PRICE_BASIS,
            "fit_start": int(self.fit_start),
            "fit_end": int(self.fit_end),
            "n_obs": int(self.n_obs),
            "source": self.source,
        }


def _model_issues(model: PriceModel) -> list[Issue]:
    at = f"models.{model.commodity}"
    issues: list[Issue] = []
    if model.commodity not in CANONICAL_UNITS:
        issues.append(
            Issue(at, model.commodity, f"one of {', '.join(CANONICAL_UNITS)}", "use a canonical commodity name")
        )
    elif model.unit != CANONICAL_UNITS[model.commodity]:
        issues.append(
            Issue(
                f"{at}.unit",
                model.unit,
                CANONICAL_UNITS[model.commodity],
                "give long_run in the commodity's canonical unit",
            )
        )
    if model.kind not in KINDS:
        issues.append(Issue(f"{at}.kind", model.kind, f"one of {', '.join(KINDS)}", "choose a known process"))
    if not (math.isfinite(model.sigma) and model.sigma > 0):
        issues.append(Issue(f"{at}.sigma", model.sigma, "a positive number [1/sqrt(yr)]", "give the volatility"))
    if model.kind == "mean-reverting":
        if not (math.isfinite(model.kappa) and 0 < model.kappa < 2):
            issues.append(
                Issue(
                    f"{at}.kappa",
                    model.kappa,
                    "a number in (0, 2) so the process reverts [1/yr]",
                    "use kind gbm for a series that does not revert",
                )
            )
        if model.long_run is None or not (math.isfinite(model.long_run) and model.long_run > 0):
            issues.append(
                Issue(
                    f"{at}.long_run",
                    MISSING if model.long_run is None else model.long_run,
                    f"a positive price [{model.unit}, {PRICE_BASIS}]",
                    "give the mean-reversion level",
                )
            )
        if model.drift != 0:
            issues.append(Issue(f"{at}.drift", model.drift, "0 for a mean-reverting model", "set drift to 0"))
    elif model.kind == "gbm":
        if model.kappa != 0:
            issues.append(Issue(f"{at}.kappa", model.kappa, "0 for GBM", "set kappa to 0"))
        if model.long_run is not None:
            issues.append(Issue(f"{at}.long_run", model.long_run, "null for GBM", "drop long_run"))
        if not math.isfinite(model.drift):
            issues.append(Issue(f"{at}.drift", model.drift, "a finite number [1/yr]", "give the drift"))
    if model.fit_end <= model.fit_start or model.n_obs < 1:
        issues.append(
            Issue(
                f"{at}.fit_end",
                model.fit_end,
                f"a year after fit_start ({model.fit_start}) and n_obs >= 1",
                "give the fit window",
            )
        )
    return issues


@dataclass(frozen=True)
class PriceModels:
    """Price models of several commodities and the correlation of their yearly shocks.

    Parameters
    ----------
    commodities
        Commodity names, in the order of the rows and columns of ``correlation``.
    models
        One :class:`PriceModel` per commodity (stored as a read-only mapping).
    correlation
        Correlation of the shocks ``eps_t`` across commodities: symmetric, positive definite, unit diagonal
        (stored read-only) [-].
    basis
        Money basis and derivation of the figures (deflator, data set).
    """

    commodities: tuple[str, ...]
    models: Mapping[str, PriceModel]
    correlation: FloatArray
    basis: str = field(default=PRICE_BASIS)

    def __post_init__(self) -> None:
        commodities = tuple(self.commodities)
        corr = np.array(self.correlation, dtype=np.float64, copy=True)
        corr.setflags(write=False)
        object.__setattr__(self, "commodities", commodities)
        object.__setattr__(self, "models", MappingProxyType(dict(self.models)))
        object.__setattr__(self, "correlation", corr)
        issues: list[Issue] = []
        if len(set(commodities)) != len(commodities):
            issues.append(Issue("commodities", list(commodities), "distinct names", "list each commodity once"))
        if set(commodities) != set(self.models):
            issues.append(
                Issue("models", sorted(self.models), f"one model for each of {list(commodities)}", "align the two")
            )
        for name, model in self.models.items():
            if model.commodity != name:
                issues.append(Issue(f"models.{name}.commodity", model.commodity, name, "key models by commodity"))
        issues += _correlation_issues(corr, len(commodities))
        if issues:
            raise InputError(issues, origin="price models")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PriceModels):
            return NotImplemented
        return (
            self.commodities == other.commodities
            and dict(self.models) == dict(other.models)
            and bool(np.array_equal(self.correlation, other.correlation))
            and self.basis == other.basis
        )

    __hash__ = None  # type: ignore[assignment]

    def cholesky(self) -> FloatArray:
        """Lower Cholesky factor ``L`` of the correlation (``L @ L.T == correlation``) [-]."""
        return np.asarray(np.linalg.cholesky(self.correlation), dtype=np.float64)

    def for_commodities(self, commodities: Iterable[str]) -> PriceModels:
        """The models of ``commodities`` only, in the given order, with the matching block of the correlation.

        Raises
        ------
        NotFoundError
            If a commodity has no model; the message lists the commodities that have one.
        """
        wanted = list(commodities)
        unknown = [c for c in wanted if c not in self.models]
        if unknown:
            msg = (
                f"no price model for {', '.join(repr(c) for c in unknown)}; "
                f"price models exist for: {', '.join(self.commodities)}"
            )
            raise NotFoundError(msg)
        index = [self.commodities.index(c) for c in wanted]
        return PriceModels(
            commodities=tuple(wanted),
            models={c: self.models[c] for c in wanted},
            correlation=self.correlation[np.ix_(index, index)],
            basis=self.basis,
        )

    def scaled(self, volatility_factor: float) -> PriceModels:
        """Every model's ``sigma`` multiplied by ``volatility_factor`` [-]; correlation, kappa and drift unchanged.

        Raises
        ------
        InputError
            If the factor is not a positive finite number.
        """
        if not (math.isfinite(volatility_factor) and volatility_factor > 0):
            issue = Issue("volatility_factor", volatility_factor, "a positive number", "use 1 for the fitted values")
            raise InputError([issue])
        return replace(self, models={c: m.scaled(volatility_factor) for c, m in self.models.items()})

    def as_dict(self) -> dict[str, Any]:
        """Plain-data form (the layout of ``prices.yaml``)."""
        return {
            "basis": self.basis,
            "commodities": list(self.commodities),
            "models": {c: self.models[c].as_dict() for c in self.commodities},
            "correlation": {
                "order": list(self.commodities),
                "matrix": [[float(v) for v in row] for row in self.correlation],
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], origin: str = "") -> PriceModels:
        """Build from the plain-data form of :meth:`as_dict`.

        Raises
        ------
        InputError
            If a field is missing or invalid; every problem is listed.
        """
        try:
            commodities = tuple(str(c) for c in data["commodities"])
            order = [str(c) for c in data["correlation"]["order"]]
            matrix = np.asarray(data["correlation"]["matrix"], dtype=np.float64)
            raw_models = data["models"]
        except (KeyError, TypeError, ValueError) as exc:
            issue = Issue(
                str(exc),
                MISSING,
                "keys basis, commodities, models, correlation.order, correlation.matrix",
                "write the file with chagai.risk.calibrate.write_parameters",
            )
            raise InputError([issue], origin=origin) from None
        if order != list(commodities):
            issue = Issue("correlation.order", order, f"the commodities in order {list(commodities)}", "align them")
            raise InputError([issue], origin=origin)
        models: dict[str, PriceModel] = {}
        issues: list[Issue] = []
        for name in commodities:
            entry = raw_models.get(name) if isinstance(raw_models, Mapping) else None
            if not isinstance(entry, Mapping):
                issues.append(Issue(f"models.{name}", MISSING, "a price model", "add the commodity's model"))
                continue
            try:
                models[name] = PriceModel(
                    commodity=name,
                    kind=entry["kind"],
                    kappa=float(entry["kappa"]),
                    sigma=float(entry["sigma"]),
                    drift=float(entry["drift"]),
                    long_run=None if entry.get("long_run") is None else float(entry["long_run"]),
                    unit=str(entry["unit"]),
                    fit_start=int(entry["fit_start"]),
                    fit_end=int(entry["fit_end"]),
                    n_obs=int(entry["n_obs"]),
                    source=str(entry["source"]),
                )
            except KeyError as exc:
                issues.append(Issue(f"models.{name}.{exc.args[0]}", MISSING, "a value", "add the field"))
            except InputError as exc:
                issues += exc.issues
        if issues:
            raise InputError(issues, origin=origin)
        return cls(commodities=commodities, models=models, correlation=matrix, basis=str(data.get("basis", "")))


def _correlation_issues(corr: FloatArray, n: int) -> list[Issue]:
    expected = f"a symmetric positive definite {n}x{n} matrix with unit diagonal"
    fix = "give the correlation of the yearly log-price shocks, rows and columns in the order of commodities"
    if corr.shape != (n, n):
        return [Issue("correlation", f"shape {corr.shape}", expected, fix)]
    if not np.all(np.isfinite(corr)):
        return [Issue("correlation", "non-finite entries", expected, fix)]
    if not np.allclose(corr, corr.T, rtol=0.0, atol=1e-12):
        return [Issue("correlation", "not symmetric", expected, fix)]
    if not np.allclose(np.diag(corr), 1.0, rtol=0.0, atol=1e-12):
        return [Issue("correlation", f"diagonal {np.diag(corr).tolist()}", expected, fix)]
    try:
        np.linalg.cholesky(corr)
    except np.linalg.LinAlgError:
        return [Issue("correlation", "not positive definite", expected, fix)]
    return []


def log_moments(
    model: PriceModel, log_price: float | FloatArray, horizons: int | Sequence[int] | npt.NDArray[np.int_]
) -> tuple[FloatArray, FloatArray]:
    """Mean and standard deviation of the log price ``h`` years ahead, given today's log price.

    Parameters
    ----------
    model
        The price process.
    log_price
        ``ln`` of today's price, in the model's unit and basis (``ln`` of real 2025 US$ per ``model.unit``).
        For the simulator's relative form ``y`` pass 0 and shift the result by ``ln(P_deck)``.
    horizons
        Years ahead, each >= 0 [yr].

    Returns
    -------
    mean, sd
        Mean and standard deviation of ``ln P_{t+h}`` (arrays shaped like ``horizons``) [ln(US$/unit)], [-].
    """
    h = np.asarray(horizons, dtype=np.float64)
    y0 = np.asarray(log_price, dtype=np.float64)
    if model.kind == "gbm":
        mean = y0 + h * (model.drift - 0.5 * model.sigma**2)
        var = h * model.sigma**2
    else:
        assert model.long_run is not None  # checked when the model was built
        m = math.log(model.long_run)
        b = 1.0 - model.kappa
        mean = m + b**h * (y0 - m)
        var = model.sigma**2 * (1.0 - b ** (2.0 * h)) / (1.0 - b * b)
    return np.asarray(mean, dtype=np.float64), np.asarray(np.sqrt(var), dtype=np.float64)


@cache
def bundled_price_models() -> PriceModels:
    """The calibrated price models shipped with chagai (``chagai/risk/data/prices.yaml``)."""
    import yaml

    entry = resources.files("chagai.risk") / "data" / "prices.yaml"
    data = yaml.safe_load(entry.read_text(encoding="utf-8"))
    return PriceModels.from_dict(data, origin="chagai/risk/data/prices.yaml")
