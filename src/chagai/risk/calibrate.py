"""Calibration of the price models on the World Bank Pink Sheet, and a held-out backtest of their bands.

Data (read, never copied into the project; see ``shared/data/PROVENANCE.md``):

* ``wb_pinksheet_annual_real2010_selected.csv``: World Bank Commodity Price Data (The Pink Sheet),
  CMO-Historical-Data-Annual, sheet "Annual Prices (Real)", real 2010 US$, 1960-2025, updated 3 March 2026,
  CC BY 4.0. The fits use these series.
* ``wb_pinksheet_monthly_selected.csv``: the same source, CMO-Historical-Data-Monthly, nominal US$,
  1960M01-2026M06, updated 2 July 2026, CC BY 4.0. Used for the 2025 nominal annual averages (deflator) and
  the 2026 observation of the backtest.

Method:

* **Deflator** to real 2025: for each commodity, the mean of the twelve 2025 monthly nominal prices over the
  2025 annual real-2010 value; one deflator applies to every series (the Pink Sheet deflates all prices with
  the same index), so the median of the copper, gold and silver ratios is used (:func:`deflator_ratios`).
* **Mean-reverting** commodities (copper, silver, natural gas): OLS of the AR(1)
  ``y_t = a + b y_{t-1} + e_t`` on annual real log prices; ``kappa = 1 - b``, ``m = a / (1 - b)``,
  ``sigma`` = standard error of the regression (residual sum of squares over ``n - 2``).
* **GBM** (gold): ``sigma`` = sample standard deviation of the annual log changes (``ddof = 1``),
  ``drift`` = their mean plus ``sigma**2 / 2``.
* **Correlation**: of the yearly residuals (AR(1) residuals, or demeaned log changes for GBM) over the years
  common to every series.
* Natural gas uses the US Henry Hub series (``ng_us``): the Pink Sheet has no Pakistani wellhead price, so the
  series gives the shape (speed of reversion, volatility), and a case's deck gives the level.

I/O happens in :func:`read_annual_real` and :func:`read_monthly_nominal` only; every other function is pure.
Nothing here prints.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from chagai.cases.units import TROY_OUNCE_G
from chagai.config import settings
from chagai.errors import InputError, Issue, NotFoundError
from chagai.risk.prices import (
    CANONICAL_UNITS,
    PRICE_BASIS,
    PriceKind,
    PriceModel,
    PriceModels,
    log_moments,
)

FloatArray = npt.NDArray[np.float64]

ANNUAL_FILE = "wb_pinksheet_annual_real2010_selected.csv"
MONTHLY_FILE = "wb_pinksheet_monthly_selected.csv"

CITATION = (
    "World Bank Commodity Price Data (The Pink Sheet), annual real 2010 US$, CC BY 4.0, updated 3 March 2026; "
    "deflated to real 2025 with the Pink Sheet's own 2025 nominal/real ratio"
)
"""Source of the calibrated parameters, as written into ``prices.yaml``."""

DEFAULT_COMMODITIES: tuple[str, ...] = ("copper", "gold", "silver", "natural-gas")
DEFLATOR_COMMODITIES: tuple[str, ...] = ("copper", "gold", "silver")
"""Commodities whose 2025 nominal/real ratios give the deflator (their median)."""
BASE_YEAR = 2025
"""Year of the real dollars of the calibrated prices."""


@dataclass(frozen=True)
class Series:
    """Where a commodity's prices are in the Pink Sheet files and how to reach its canonical unit.

    Parameters
    ----------
    annual
        Column of the annual real-2010 file.
    monthly
        Column of the monthly nominal file.
    source_unit
        Unit of both columns.
    to_canonical
        Factor from ``source_unit`` to the canonical unit of :data:`chagai.risk.prices.CANONICAL_UNITS` [-].
    kind
        Price process fitted to the series.
    note
        What the series stands for in chagai, when it is a proxy.
    """

    annual: str
    monthly: str
    source_unit: str
    to_canonical: float
    kind: PriceKind
    note: str = ""


SERIES: Mapping[str, Series] = {
    "copper": Series("copper_real2010_usd_mt", "copper_usd_mt", "US$/t", 1.0, "mean-reverting"),
    "gold": Series("gold_real2010_usd_troyoz", "gold_usd_troyoz", "US$/oz", 1e6 / TROY_OUNCE_G, "gbm"),
    "silver": Series("silver_real2010_usd_troyoz", "silver_usd_troyoz", "US$/oz", 1e6 / TROY_OUNCE_G, "mean-reverting"),
    "natural-gas": Series(
        "ng_us_real2010_usd_mmbtu",
        "ng_us_henryhub_usd_mmbtu",
        "US$/MMBtu",
        1.0,
        "mean-reverting",
        "US Henry Hub series, used for the shape of the process (reversion, volatility); the level of a Pakistani "
        "wellhead price comes from the case's deck",
    ),
}
"""Pink Sheet series of each commodity chagai calibrates."""


# ----------------------------------------------------------------------------------------------------------------
# I/O at the edge


def default_data_dir() -> Path:
    """Folder of the shared data: ``$CHAGAI_DATA_DIR`` if set, else ``../shared/data`` from the current folder."""
    return settings().data_dir or Path.cwd() / ".." / "shared" / "data"


def _data_file(data_dir: Path | str | None, name: str) -> Path:
    folder = default_data_dir() if data_dir is None else Path(data_dir)
    path = folder / name
    if not path.is_file():
        msg = (
            f"price data file {name} not found in {folder}; expected the World Bank Pink Sheet extracts of "
            "shared/data. Fix: pass the folder that holds them (--data) or set CHAGAI_DATA_DIR"
        )
        raise NotFoundError(msg)
    return path


def read_annual_real(data_dir: Path | str | None = None) -> pd.DataFrame:
    """Annual real prices by commodity, indexed by year [real 2010 US$ per each series' source unit]."""
    raw = pd.read_csv(_data_file(data_dir, ANNUAL_FILE))
    _require_columns(raw, ["year", *(s.annual for s in SERIES.values())], ANNUAL_FILE)
    frame = pd.DataFrame({name: raw[s.annual].astype(float) for name, s in SERIES.items()})
    frame.index = pd.Index(raw["year"].astype(int), name="year")
    return frame


def read_monthly_nominal(data_dir: Path | str | None = None) -> pd.DataFrame:
    """Monthly nominal prices by commodity, indexed by period ``YYYYMmm`` [nominal US$ per source unit]."""
    raw = pd.read_csv(_data_file(data_dir, MONTHLY_FILE))
    _require_columns(raw, ["period", *(s.monthly for s in SERIES.values())], MONTHLY_FILE)
    frame = pd.DataFrame({name: raw[s.monthly].astype(float) for name, s in SERIES.items()})
    frame.index = pd.Index(raw["period"].astype(str), name="period")
    return frame


def _require_columns(frame: pd.DataFrame, columns: Sequence[str], origin: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        issues = [
            Issue(c, None, "a column of the Pink Sheet extract", "use the file from shared/data") for c in missing
        ]
        raise InputError(issues, origin=origin)


# ----------------------------------------------------------------------------------------------------------------
# Fits (numbers in, numbers out)


def _clean(log_prices: Sequence[float] | FloatArray, minimum: int) -> FloatArray:
    y = np.asarray(log_prices, dtype=np.float64)
    if y.ndim != 1 or y.size < minimum or not np.all(np.isfinite(y)):
        issue = Issue(
            "log_prices",
            f"{y.size} values" if np.all(np.isfinite(y)) else "non-finite values",
            f"a gap-free annual series of at least {minimum} finite log prices",
            "choose a window without missing years",
        )
        raise InputError([issue])
    return y


def _ar1(y: FloatArray) -> tuple[float, float, FloatArray]:
    x, z = y[:-1], y[1:]
    dx = x - x.mean()
    b = float(np.dot(dx, z - z.mean()) / np.dot(dx, dx))
    a = float(z.mean() - b * x.mean())
    return a, b, z - a - b * x


def fit_mean_reverting(log_prices: Sequence[float] | FloatArray) -> tuple[float, float, float, int]:
    """Fit ``y_t = a + b y_{t-1} + e_t`` by OLS to consecutive annual log prices.

    Parameters
    ----------
    log_prices
        ``ln`` of consecutive annual prices, oldest first (at least 4) [ln(price)].

    Returns
    -------
    kappa
        ``1 - b`` [1/yr].
    long_run_log
        ``m = a / (1 - b)``, the log level the series reverts to [ln(price)].
    sigma
        Standard error of the regression, ``sqrt(sum(e**2) / (n - 2))`` [1/sqrt(yr)].
    n
        Number of annual changes used (one fewer than the prices).
    """
    y = _clean(log_prices, 4)
    a, b, resid = _ar1(y)
    n = resid.size
    sigma = math.sqrt(float(np.dot(resid, resid)) / (n - 2))
    long_run_log = a / (1.0 - b) if b != 1.0 else math.nan
    return 1.0 - b, long_run_log, sigma, n


def fit_gbm(log_prices: Sequence[float] | FloatArray) -> tuple[float, float, int]:
    """Fit ``y_t = y_{t-1} + drift - sigma**2 / 2 + sigma eps_t`` to consecutive annual log prices.

    Parameters
    ----------
    log_prices
        ``ln`` of consecutive annual prices, oldest first (at least 3) [ln(price)].

    Returns
    -------
    drift
        Mean annual log change plus ``sigma**2 / 2`` (so ``exp(drift)`` is the expected growth factor) [1/yr].
    sigma
        Sample standard deviation of the annual log changes (``ddof = 1``) [1/sqrt(yr)].
    n
        Number of annual changes used.
    """
    y = _clean(log_prices, 3)
    d = np.diff(y)
    sigma = float(np.std(d, ddof=1))
    return float(d.mean()) + 0.5 * sigma**2, sigma, int(d.size)


def _residuals(y: FloatArray, kind: str) -> FloatArray:
    if kind == "gbm":
        d = np.diff(y)
        return np.asarray(d - d.mean(), dtype=np.float64)
    return _ar1(y)[2]


def residual_correlation(residuals: Mapping[str, pd.Series]) -> FloatArray:
    """Correlation of yearly residuals over the years every series has, in the order of ``residuals`` [-].

    The result is made exactly symmetric with a unit diagonal.
    """
    frame = pd.DataFrame(dict(residuals)).dropna()
    if len(frame) < 3:
        issue = Issue("residuals", f"{len(frame)} common years", "at least 3", "widen the fit window")
        raise InputError([issue])
    corr = np.corrcoef(frame.to_numpy(dtype=np.float64), rowvar=False)
    corr = np.atleast_2d(0.5 * (corr + corr.T))
    np.fill_diagonal(corr, 1.0)
    return np.asarray(corr, dtype=np.float64)


# ----------------------------------------------------------------------------------------------------------------
# Deflator


def deflator_ratios(
    data_dir: Path | str | None = None, commodities: Iterable[str] = DEFAULT_COMMODITIES
) -> dict[str, float]:
    """Each commodity's 2025 nominal annual average over its 2025 real-2010 price [-].

    The nominal average is the mean of the twelve monthly 2025 prices. The ratios estimate the one deflator
    from 2010 to 2025 dollars of the Pink Sheet's real series; they differ only by rounding and by how the
    World Bank averages months into years.
    """
    return _deflator_ratios(read_annual_real(data_dir), read_monthly_nominal(data_dir), _known(commodities))


def _deflator_ratios(annual: pd.DataFrame, monthly: pd.DataFrame, commodities: Sequence[str]) -> dict[str, float]:
    months = monthly[monthly.index.str.startswith(f"{BASE_YEAR}M")]
    ratios: dict[str, float] = {}
    issues: list[Issue] = []
    for name in commodities:
        values = months[name].dropna()
        real = annual[name].get(BASE_YEAR, math.nan)
        if len(values) != 12 or not math.isfinite(real):
            issues.append(
                Issue(
                    name,
                    f"{len(values)} monthly prices, annual real {real}",
                    f"12 monthly nominal prices and the annual real price of {BASE_YEAR}",
                    "use the complete Pink Sheet extracts",
                )
            )
            continue
        ratios[name] = float(values.mean()) / float(real)
    if issues:
        raise InputError(issues, origin="deflator")
    return ratios


def _deflator(annual: pd.DataFrame, monthly: pd.DataFrame) -> float:
    return float(np.median(list(_deflator_ratios(annual, monthly, DEFLATOR_COMMODITIES).values())))


def deflator(data_dir: Path | str | None = None) -> float:
    """Factor from real 2010 to real 2025 US$ [-].

    The median of the copper, gold and silver ratios of :func:`deflator_ratios`.
    """
    return _deflator(read_annual_real(data_dir), read_monthly_nominal(data_dir))


def _basis(factor: float) -> str:
    return (
        f"{PRICE_BASIS} per canonical unit (metals US$/t, gas US$/MMBtu): Pink Sheet annual real 2010 US$ "
        f"(World Bank MUV-deflated) x {factor:.6f}, the median over copper, gold and silver of the {BASE_YEAR} "
        f"nominal annual average (mean of the 12 monthly prices, CMO-Historical-Data-Monthly, updated 2 July 2026) "
        f"divided by the {BASE_YEAR} real 2010 price"
    )


# ----------------------------------------------------------------------------------------------------------------
# Calibration


def _known(commodities: Iterable[str]) -> list[str]:
    wanted = list(commodities)
    unknown = [c for c in wanted if c not in SERIES]
    if unknown:
        msg = (
            f"no Pink Sheet series for {', '.join(repr(c) for c in unknown)}; "
            f"calibrated commodities: {', '.join(SERIES)}"
        )
        raise NotFoundError(msg)
    if not wanted:
        issue = Issue("commodities", wanted, f"one or more of {', '.join(SERIES)}", "name a commodity")
        raise InputError([issue])
    return wanted


def _window(annual: pd.DataFrame, name: str, start: int, end: int) -> pd.Series:
    series = annual[name].loc[start:end]
    years = list(range(start, end + 1))
    missing = [y for y in years if y not in series.index or not math.isfinite(float(series.get(y, math.nan)))]
    if missing:
        issue = Issue(
            f"{name} {start}-{end}",
            f"no price for {missing[:5]}{' ...' if len(missing) > 5 else ''}",
            f"an annual price every year; data cover {int(annual.index.min())}-{int(annual.index.max())}",
            "choose a fit window inside the data",
        )
        raise InputError([issue], origin=ANNUAL_FILE)
    return series


def _fit(annual: pd.DataFrame, factor: float, start: int, end: int, commodities: Sequence[str]) -> PriceModels:
    if end - start < 4:
        issue = Issue("end", end, f"at least 4 years after start ({start})", "widen the fit window")
        raise InputError([issue])
    models: dict[str, PriceModel] = {}
    residuals: dict[str, pd.Series] = {}
    for name in commodities:
        spec = SERIES[name]
        series = _window(annual, name, start, end)
        y = np.log(series.to_numpy(dtype=np.float64))
        source = f"{CITATION}; series {spec.annual} ({spec.source_unit}), {start}-{end}"
        if spec.note:
            source += f"; {spec.note}"
        if spec.kind == "gbm":
            drift, sigma, n = fit_gbm(y)
            kappa, long_run = 0.0, None
        else:
            kappa, m, sigma, n = fit_mean_reverting(y)
            drift = 0.0
            long_run = math.exp(m) * factor * spec.to_canonical
        models[name] = PriceModel(
            commodity=name,
            kind=spec.kind,
            kappa=kappa,
            sigma=sigma,
            drift=drift,
            long_run=long_run,
            unit=CANONICAL_UNITS[name],
            fit_start=start,
            fit_end=end,
            n_obs=n,
            source=source,
        )
        residuals[name] = pd.Series(_residuals(y, spec.kind), index=series.index[1:])
    return PriceModels(
        commodities=tuple(commodities),
        models=models,
        correlation=residual_correlation(residuals),
        basis=_basis(factor),
    )


def calibrate(
    data_dir: Path | str | None = None,
    start: int = 1960,
    end: int = 2025,
    commodities: Iterable[str] = DEFAULT_COMMODITIES,
) -> PriceModels:
    """Fit the price models of ``commodities`` to the Pink Sheet's annual real prices of ``start``-``end``.

    Parameters
    ----------
    data_dir
        Folder holding the Pink Sheet extracts (default: :func:`default_data_dir`).
    start, end
        First and last year of the fit window (inclusive).
    commodities
        Canonical names; copper and silver get mean-reverting models, gold GBM, natural gas (Henry Hub shape)
        mean-reverting.

    Returns
    -------
    PriceModels
        Models with long-run levels in real 2025 US$ per canonical unit, and the residual correlation.
    """
    wanted = _known(commodities)
    annual = read_annual_real(data_dir)
    factor = _deflator(annual, read_monthly_nominal(data_dir))
    return _fit(annual, factor, start, end, wanted)


# ----------------------------------------------------------------------------------------------------------------
# Backtest


@dataclass(frozen=True)
class BacktestRow:
    """One commodity-year of a backtest; prices in real 2025 US$ per ``unit``.

    Parameters
    ----------
    commodity, year
        What and when.
    horizon
        Years after the forecast origin (the last fitted year) [yr].
    observed
        Price that came [real 2025 US$/unit].
    p10, p50, p90
        Quantiles of the forecast distribution given the origin's observed price [real 2025 US$/unit].
    inside
        Whether ``p10 <= observed <= p90``.
    unit
        Canonical price unit.
    observed_from
        Where ``observed`` comes from (annual real series, or the monthly mean of a partial year).
    """

    commodity: str
    year: int
    horizon: int
    observed: float
    p10: float
    p50: float
    p90: float
    inside: bool
    unit: str
    observed_from: str


@dataclass(frozen=True)
class BacktestResult:
    """Held-out test of the P10-P90 bands of models fitted up to ``fit_end``.

    Parameters
    ----------
    models
        Models fitted on ``fit_start``-``fit_end`` only.
    fit_start, fit_end
        Fit window; the forecast starts from the observed price of ``fit_end``.
    rows
        One row per commodity and test year.
    coverage
        Share of test years whose observed price lies inside the P10-P90 band, per commodity [-].
    overall_coverage
        The same share over every commodity-year [-].
    notes
        How the observations were built (deflation, partial years, proxies).
    """

    models: PriceModels
    fit_start: int
    fit_end: int
    rows: tuple[BacktestRow, ...]
    coverage: Mapping[str, float]
    overall_coverage: float
    notes: tuple[str, ...]


_Z90 = NormalDist().inv_cdf(0.9)


def backtest(
    data_dir: Path | str | None = None,
    fit_end: int = 2015,
    test_years: Iterable[int] = range(2016, 2027),
    start: int = 1960,
    commodities: Iterable[str] = DEFAULT_COMMODITIES,
) -> BacktestResult:
    """Fit on ``start``-``fit_end`` only and check how often later prices fall in the forecast P10-P90 band.

    From the observed real price of ``fit_end``, the forecast of year ``fit_end + h`` is lognormal with the
    mean and variance of :func:`chagai.risk.prices.log_moments` (parameter uncertainty is not included). An
    honest 80% band holds about 80% of the observations. Annual observations come from the annual real series;
    a year past its end (2026) uses the mean of that year's available monthly nominal prices, deflated to real
    2010 with the same 2025 deflator (which leaves that year's own inflation in the figure) and stated in
    ``notes``.

    Parameters
    ----------
    data_dir
        Folder holding the Pink Sheet extracts (default: :func:`default_data_dir`).
    fit_end
        Last year of the fit window, and the forecast origin.
    test_years
        Years to test, each after ``fit_end``.
    start
        First year of the fit window.
    commodities
        Canonical names.

    Returns
    -------
    BacktestResult
        Per-year rows, per-commodity and overall coverage.
    """
    wanted = _known(commodities)
    years = sorted(set(test_years))
    if not years or years[0] <= fit_end:
        issue = Issue("test_years", years, f"years after fit_end ({fit_end})", "test on held-out years only")
        raise InputError([issue])
    annual = read_annual_real(data_dir)
    monthly = read_monthly_nominal(data_dir)
    factor = _deflator(annual, monthly)
    models = _fit(annual, factor, start, fit_end, wanted)
    rows: list[BacktestRow] = []
    notes: list[str] = [
        f"fit {start}-{fit_end}; bands from the observed {fit_end} price; prices in real {BASE_YEAR} US$ "
        f"(Pink Sheet real 2010 x {factor:.6f})"
    ]
    issues: list[Issue] = []
    for name in wanted:
        spec = SERIES[name]
        model = models.models[name]
        scale = factor * spec.to_canonical
        origin = float(annual[name].get(fit_end, math.nan)) * scale
        for year in years:
            observed, observed_from = _observation(annual, monthly, name, year, factor)
            if not math.isfinite(observed):
                issues.append(Issue(f"{name} {year}", None, "an annual or monthly price", "test only years with data"))
                continue
            h = year - fit_end
            mean, sd = log_moments(model, math.log(origin), h)
            p10, p50, p90 = (math.exp(float(mean) + z * float(sd)) for z in (-_Z90, 0.0, _Z90))
            value = observed * scale
            rows.append(
                BacktestRow(name, year, h, value, p10, p50, p90, p10 <= value <= p90, model.unit, observed_from)
            )
    if issues:
        raise InputError(issues, origin="backtest")
    partial = sorted({r.observed_from for r in rows if r.observed_from != "annual real series"})
    notes += [
        f"{text}: deflated to real 2010 with the {BASE_YEAR} deflator ({factor:.6f}), so that year's own inflation "
        "is not removed"
        for text in partial
    ]
    notes += [f"{name}: {SERIES[name].note}" for name in wanted if SERIES[name].note]
    coverage = {name: float(np.mean([r.inside for r in rows if r.commodity == name])) for name in wanted}
    return BacktestResult(
        models=models,
        fit_start=start,
        fit_end=fit_end,
        rows=tuple(rows),
        coverage=coverage,
        overall_coverage=float(np.mean([r.inside for r in rows])),
        notes=tuple(notes),
    )


def _observation(annual: pd.DataFrame, monthly: pd.DataFrame, name: str, year: int, factor: float) -> tuple[float, str]:
    """Observed price of ``year`` in real 2010 US$ per source unit, and where it comes from."""
    value = float(annual[name].get(year, math.nan))
    if math.isfinite(value):
        return value, "annual real series"
    months = monthly[name][monthly.index.str.startswith(f"{year}M")].dropna()
    if months.empty:
        return math.nan, ""
    first, last = months.index[0], months.index[-1]
    return float(months.mean()) / factor, f"mean of {len(months)} monthly nominal prices {first}-{last}"


# ----------------------------------------------------------------------------------------------------------------
# Output


def write_parameters(models: PriceModels, path: Path | str) -> None:
    """Write ``models`` as the YAML read by :func:`chagai.risk.prices.bundled_price_models`.

    Floats are written at full precision, so reading the file back gives the same numbers.
    """
    import yaml

    windows = sorted({(m.fit_start, m.fit_end) for m in models.models.values()})
    header = [
        "# Calibrated annual price models for chagai: written by chagai.risk.calibrate.write_parameters",
        "# (run the calibration again rather than editing by hand). Equations: chagai/risk/prices.py.",
        f"# Source: {CITATION}.",
        f"# Fit window(s): {', '.join(f'{a}-{b}' for a, b in windows)}.",
    ]
    levels = [_level_text(m) for m in models.models.values() if m.long_run is not None]
    if levels:
        header.append(f"# Long-run levels ({PRICE_BASIS}): {'; '.join(levels)}.")
    document: dict[str, Any] = {"source": CITATION, **models.as_dict()}
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=110)
    Path(path).write_text("\n".join(header) + "\n" + text, encoding="utf-8")


def _level_text(model: PriceModel) -> str:
    assert model.long_run is not None
    spec = SERIES.get(model.commodity)
    text = f"{model.commodity} {model.long_run:,.6g} {model.unit}"
    if spec is not None and spec.to_canonical != 1.0:
        text += f" ({model.long_run / spec.to_canonical:,.6g} {spec.source_unit})"
    return text


def report(result: PriceModels | BacktestResult) -> list[dict[str, Any]]:
    """Rows of plain data for a table.

    For :class:`PriceModels`: one row per commodity with its parameters, half-life and its column of the
    correlation (keys ``rho:<commodity>``). For :class:`BacktestResult`: one row per commodity and test year
    (see :func:`coverage_report` for the summary).
    """
    if isinstance(result, BacktestResult):
        return [
            {
                "commodity": r.commodity,
                "year": r.year,
                "horizon": r.horizon,
                "observed": r.observed,
                "p10": r.p10,
                "p50": r.p50,
                "p90": r.p90,
                "inside": r.inside,
                "unit": r.unit,
                "basis": PRICE_BASIS,
                "observed_from": r.observed_from,
            }
            for r in result.rows
        ]
    rows: list[dict[str, Any]] = []
    for i, name in enumerate(result.commodities):
        model = result.models[name]
        row: dict[str, Any] = {
            "commodity": name,
            "kind": model.kind,
            "kappa": model.kappa,
            "half_life": model.half_life,
            "sigma": model.sigma,
            "drift": model.drift,
            "long_run": model.long_run,
            "unit": model.unit,
            "basis": PRICE_BASIS,
            "fit_start": model.fit_start,
            "fit_end": model.fit_end,
            "n_obs": model.n_obs,
        }
        row.update({f"rho:{other}": float(result.correlation[i, j]) for j, other in enumerate(result.commodities)})
        rows.append(row)
    return rows


def coverage_report(result: BacktestResult) -> list[dict[str, Any]]:
    """One row per commodity and a final ``all`` row: test years, years inside the band, coverage [-]."""
    rows: list[dict[str, Any]] = []
    for name, share in result.coverage.items():
        own = [r for r in result.rows if r.commodity == name]
        rows.append(
            {
                "commodity": name,
                "years": len(own),
                "inside": sum(r.inside for r in own),
                "coverage": share,
                "target": 0.8,
            }
        )
    rows.append(
        {
            "commodity": "all",
            "years": len(result.rows),
            "inside": sum(r.inside for r in result.rows),
            "coverage": result.overall_coverage,
            "target": 0.8,
        }
    )
    return rows
