"""Summaries of a Monte Carlo run's paths: distributions, stakeholders, probabilities, histograms and failures."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from chagai.cases.compile import Compiled
from chagai.core import kernel, measures
from chagai.results import (
    Distribution,
    FailedPath,
    Failures,
    Histogram,
    IrrPercentiles,
    Probabilities,
    SimulationStakeholder,
)
from chagai.risk import montecarlo
from chagai.risk.quantiles import column_histograms, column_percentiles

PERCENTILES = (10, 50, 90)
HISTOGRAM_RANGE = (0.5, 99.5)
"""Percentiles bounding a histogram's bins; values beyond them are counted in the end bins [%]."""
HISTOGRAM_BINS = 40
"""Bins of each histogram of a run's results."""
NO_FLOWS = 1e-9
"""A party whose NPV never exceeds this in magnitude has no flows and is left out of the results [US$m]."""
FAILURE_EXAMPLES = 20
"""Failed paths whose inputs a summary lists."""


def _has_flows(smallest: float, largest: float) -> bool:
    """Whether a party has flows, from its smallest and largest NPV over the valid paths (NaN when none)."""
    return abs(smallest) > NO_FLOWS or abs(largest) > NO_FLOWS


class Summary(NamedTuple):
    """What a run's paths say, over its valid paths (see :func:`summarise`)."""

    distributions: list[Distribution]
    stakeholders: list[SimulationStakeholder]
    irr_sample_paths: int
    probabilities: Probabilities
    first_default_year: dict[int, int]
    failures: Failures
    histograms: list[Histogram]


def valid_paths(arrays: montecarlo.SimulationArrays) -> np.ndarray:
    """Mask of the paths of a run that ran without failure."""
    mask: np.ndarray = arrays.status == montecarlo.STATUS_OK
    return mask


def path_values(arrays: montecarlo.SimulationArrays, key: str) -> np.ndarray:
    """One measure (by key, as :data:`chagai.core.measures.MEASURES` names it) on the valid paths of a run.

    Raises
    ------
    KeyError
        If no measure has this key.
    """
    column = next((i for i, (name, _, _) in enumerate(measures.MEASURES) if name == key), None)
    if column is None:
        raise KeyError(key)
    values: np.ndarray = arrays.metrics[valid_paths(arrays), column]
    return values


def _histograms(
    values: np.ndarray,
    valid: np.ndarray,
    columns: list[int],
    bounds: np.ndarray,
    names: list[tuple[str, str, str]],
    bins: int,
    parties: bool = False,
) -> list[Histogram]:
    """Histograms of some columns of a run's results (key, label and unit in ``names``), as ``np.histogram``.

    ``bounds`` holds each column's percentiles 0, :data:`HISTOGRAM_RANGE` and 100 over the valid paths (NaN when
    it has no finite value). A column's edges span its values, or the central :data:`HISTOGRAM_RANGE` with the
    values beyond it counted in the end bins when there are any; a column without a finite value is left out,
    and so is a party without flows (``parties``).
    """
    kept = [
        i
        for i in range(len(columns))
        if not math.isnan(bounds[i, 0]) and (not parties or _has_flows(bounds[i, 0], bounds[i, -1]))
    ]
    edges = np.empty((len(kept), bins + 1))
    clipped = np.zeros(len(kept), dtype=bool)
    for row, i in enumerate(kept):
        smallest, low, high, largest = bounds[i]
        clipped[row] = high > low and (smallest < low or largest > high)
        first, last = (low, high) if clipped[row] else (smallest, largest)
        if first == last:  # np.histogram's bins around a single value
            first, last = first - 0.5, last + 0.5
        edges[row] = np.linspace(first, last, bins + 1)
    counts = column_histograms(values, valid, edges, [columns[i] for i in kept])
    out = []
    for row, i in enumerate(kept):
        key, label, unit = names[i]
        if clipped[row]:
            label = f"{label} (central 99%, the rest in the end bins)"
        out.append(Histogram(key=key, label=label, unit=unit, edges=edges[row].tolist(), counts=counts[row].tolist()))
    return out


HISTOGRAM_METRICS = (measures.M_NPV_POST, measures.M_PV_FED, measures.M_PV_PROV, measures.M_AETR, measures.M_MIN_DSCR)
"""The measures a run shows as histograms, besides each owner's NPV."""
QUANTILES = (0, HISTOGRAM_RANGE[0], *PERCENTILES, HISTOGRAM_RANGE[1], 100)
"""The percentiles a run's summary reads, found in one pass over each array of results [%]."""
_RESULT_PERCENTILES = slice(2, 2 + len(PERCENTILES))
_HISTOGRAM_BOUNDS = [0, 1, len(QUANTILES) - 2, len(QUANTILES) - 1]


def histograms(
    compiled: Compiled,
    arrays: montecarlo.SimulationArrays,
    metric_quantiles: np.ndarray,
    party_quantiles: np.ndarray,
    bins: int = HISTOGRAM_BINS,
) -> list[Histogram]:
    """Bin edges and path counts of the main results over the valid paths.

    One entry per result: the project's NPV after tax, each government's PV, the government take, the
    minimum DSCR and each owner's NPV, with its key, label and unit. Values beyond the central 99% (ratios
    over a near-zero NPV can be huge) are counted in the outermost bins, so every path is counted and the
    bins stay readable; the label says so when it happens. ``metric_quantiles`` and ``party_quantiles`` are the
    :data:`QUANTILES` of every measure and every stored party NPV over the valid paths.
    """
    valid = valid_paths(arrays)
    metrics = list(HISTOGRAM_METRICS)
    metric_names = [(measures.MEASURES[i][0], measures.MEASURES[i][2], measures.MEASURES[i][1]) for i in metrics]
    owners = [compiled.parties[p] for p in arrays.parties]
    owner_names = [(f"npv_{party.id}", f"NPV of {party.label}", "US$m") for party in owners]
    metric_bounds = metric_quantiles[np.ix_(metrics, _HISTOGRAM_BOUNDS)]
    party_bounds = party_quantiles[:, _HISTOGRAM_BOUNDS]
    return _histograms(arrays.metrics, valid, metrics, metric_bounds, metric_names, bins) + _histograms(
        arrays.party_npv, valid, list(range(len(owners))), party_bounds, owner_names, bins, parties=True
    )


def _distribution(
    key: str, label: str, unit: str, mean: float, percentiles: Sequence[float] | np.ndarray, defined: int
) -> Distribution:
    """A result's distribution from its mean, its :data:`PERCENTILES` and the number of paths where it is defined."""
    if defined == 0:
        return Distribution(
            key=key, label=label, unit=unit, mean=math.nan, p10=math.nan, p50=math.nan, p90=math.nan, defined=0
        )
    p10, p50, p90 = (float(value) for value in percentiles)
    return Distribution(
        key=key, label=label, unit=unit, mean=float(mean), p10=p10, p50=p50, p90=p90, defined=int(defined)
    )


def _share(condition: np.ndarray, valid: np.ndarray, n_valid: int) -> float:
    """Share of the ``n_valid`` valid paths (at least one) where ``condition`` holds."""
    hits = condition if n_valid == valid.size else condition & valid
    return int(np.count_nonzero(hits)) / n_valid


RATIOS_OF_MEANS: dict[int, tuple[tuple[int, ...], str]] = {
    measures.M_AETR: (
        (measures.M_PV_FED, measures.M_PV_PROV),
        "mean PV of government receipts / mean PV of pre-tax cash flow",
    ),
    measures.M_LOCAL: ((measures.M_PV_PROV,), "mean PV of provincial receipts / mean PV of pre-tax cash flow"),
}
"""The shares whose mean is the ratio of the mean PVs (numerator metrics over ``npv_pre_tax``), and its label."""


def ratio_of_means(metric_means: np.ndarray, numerators: Sequence[int]) -> float:
    """Mean PV of the ``numerators`` metrics over mean pre-tax NPV; NaN unless the mean pre-tax NPV is positive.

    The expected take: sum over the valid paths of the receipts' PV over the sum of the pre-tax NPV. The mean of
    the per-path ratios is no such thing: a path whose pre-tax NPV is near zero makes its ratio huge.
    """
    denominator = float(metric_means[measures.M_NPV_PRE])
    if not denominator > 0.0:
        return math.nan
    return float(sum(float(metric_means[i]) for i in numerators)) / denominator


def _sample_percentiles(values: np.ndarray) -> list[float]:
    """The :data:`PERCENTILES` of a sample (``np.percentile``), NaN for an empty one."""
    if values.size == 0:
        return [math.nan] * len(PERCENTILES)
    return [float(v) for v in np.percentile(values, PERCENTILES)]


def _irr_sample(
    compiled: Compiled,
    valid: np.ndarray,
    inputs: montecarlo.RiskInputs,
    seed: int,
    size: int,
    parties: list[int],
) -> tuple[int, Distribution | None, list[IrrPercentiles | None]]:
    """IRR percentiles from the first ``size`` valid paths (an IRR per path costs a root search).

    The project's IRR after tax, and the IRR of each of ``parties`` (indices in the compiled case's parties).

    Returns
    -------
    paths, project, party_irrs
        Number of paths sampled, the project's IRR distribution and each party's IRR percentiles (none when the
        sample is empty, or a party's IRR is defined on no path).
    """
    paths = np.flatnonzero(valid)[:size].astype(np.int64)
    if paths.size == 0:
        return 0, None, [None] * len(parties)
    project = np.empty(paths.size)
    party_irr = np.empty((paths.size, len(parties)))
    chosen = np.array(parties, dtype=np.int64)
    montecarlo.irr_chunk(compiled.params, inputs.arrays(compiled.prices), seed, paths, chosen, project, party_irr)
    label = f"project IRR after tax (first {paths.size:,} valid paths)"
    finite = project[np.isfinite(project)]
    mean = float(finite.mean()) if finite.size else math.nan
    distribution = _distribution("irr_post_tax", label, "fraction", mean, _sample_percentiles(finite), int(finite.size))
    irrs: list[IrrPercentiles | None] = []
    for column in range(len(parties)):
        values = party_irr[:, column]
        finite = values[np.isfinite(values)]
        if finite.size:
            p10, p50, p90 = _sample_percentiles(finite)
            irrs.append(IrrPercentiles(p10=p10, p50=p50, p90=p90, defined=int(finite.size)))
        else:
            irrs.append(None)
    return int(paths.size), distribution, irrs


def summarise(
    compiled: Compiled, arrays: montecarlo.SimulationArrays, inputs: montecarlo.RiskInputs, seed: int, irr_sample: int
) -> Summary:
    """The distributions, per-stakeholder results, probabilities, histograms and failure report of a run.

    Percentiles are those of the values stored per path (float32) over the valid paths, as ``np.percentile``
    gives them (:func:`chagai.risk.quantiles.column_percentiles`); means are accumulated in float64 during the run.
    The mean of a share (AETR, local share) is the ratio of the mean PVs over every valid path
    (:data:`RATIOS_OF_MEANS`, said so in its label); its percentiles are those of the per-path shares, defined
    where the path's pre-tax NPV is positive. IRR percentiles come from the first ``irr_sample`` valid paths,
    re-run with the run's ``inputs`` and ``seed``: the project's IRR after tax and that of each stakeholder with
    flows.
    """
    a = arrays
    valid = valid_paths(a)
    n_valid = int(np.count_nonzero(valid))
    metric_means, party_means = a.exact_means()
    metric_q, metric_defined = column_percentiles(a.metrics, valid, QUANTILES)
    distributions = []
    for i, (name, unit, label) in enumerate(measures.MEASURES):
        mean = metric_means[i]
        if i in RATIOS_OF_MEANS:
            numerators, basis = RATIOS_OF_MEANS[i]
            mean = ratio_of_means(metric_means, numerators)
            label = f"{label}; mean: {basis}"
        distributions.append(
            _distribution(name, label, unit, mean, metric_q[i, _RESULT_PERCENTILES], int(metric_defined[i]))
        )
    # the smallest and largest NPV (percentiles 0 and 100) tell which parties have flows at all
    party_q, party_defined = column_percentiles(a.party_npv, valid, QUANTILES)
    holders = [
        (column, int(p)) for column, p in enumerate(a.parties) if _has_flows(party_q[column, 0], party_q[column, -1])
    ]
    irr_paths, project_irr, party_irrs = _irr_sample(compiled, valid, inputs, seed, irr_sample, [p for _, p in holders])
    if project_irr is not None:
        distributions.append(project_irr)
    levels = {kernel.LEVEL_PRIVATE: "private", kernel.LEVEL_FEDERAL: "federal", kernel.LEVEL_PROVINCIAL: "provincial"}
    stakeholders = []
    for (column, p), irr in zip(holders, party_irrs, strict=True):
        party = compiled.parties[p]
        d = _distribution(
            "", "", "US$m", party_means[column], party_q[column, _RESULT_PERCENTILES], int(party_defined[column])
        )
        stakeholders.append(
            SimulationStakeholder(
                party=party.id,
                label=party.label,
                level=levels[int(compiled.params.stakes.party_level[p])],
                unit=d.unit,
                mean=d.mean,
                p10=d.p10,
                p50=d.p50,
                p90=d.p90,
                defined=d.defined,
                p_loss=_share(a.party_npv[:, column] < 0, valid, n_valid),
                irr=irr,
            )
        )
    defaulted = a.default_year >= 0
    probabilities = Probabilities(
        npv_post_tax_below_zero=_share(a.metrics[:, measures.M_NPV_POST] < 0, valid, n_valid) if n_valid else math.nan,
        min_dscr_below_1=(
            _share(a.metrics[:, measures.M_MIN_DSCR] < 1.0, valid, n_valid)
            if metric_defined[measures.M_MIN_DSCR]
            else 0.0
        ),
        default=_share(defaulted, valid, n_valid) if n_valid else math.nan,
    )
    per_year = np.bincount(a.default_year[defaulted & valid])
    failed = np.flatnonzero(~valid)
    examples = [
        FailedPath(
            path=int(i),
            status=montecarlo.STATUS_TEXT.get(int(a.status[i]), str(int(a.status[i]))),
            **{name: float(a.inputs[i, j]) for j, name in enumerate(montecarlo.INPUTS)},
        )
        for i in failed[:FAILURE_EXAMPLES]
    ]
    return Summary(
        distributions=distributions,
        stakeholders=stakeholders,
        irr_sample_paths=irr_paths,
        probabilities=probabilities,
        first_default_year={int(y): int(per_year[y]) for y in np.flatnonzero(per_year)},
        failures=Failures(count=int(failed.size), examples=examples),
        histograms=histograms(compiled, a, metric_q, party_q),
    )


def draws_table(compiled: Compiled, arrays: montecarlo.SimulationArrays) -> Any:
    """Every path's inputs and results as a pandas DataFrame (one row per path)."""
    import pandas as pd

    a = arrays
    data: dict[str, Any] = {"path": np.arange(a.n_paths), "status": a.status}
    for i, name in enumerate(montecarlo.INPUTS):
        data[name] = a.inputs[:, i]
    for i, (name, _, _) in enumerate(measures.MEASURES):
        data[name] = a.metrics[:, i]
    for column, p in enumerate(a.parties):
        data[f"npv_{compiled.parties[p].id}"] = a.party_npv[:, column]
    data["first_default_year"] = a.default_year
    return pd.DataFrame(data)
