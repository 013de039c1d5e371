"""Sobol indices: the variance of an output shared out among the factors (Saltelli sampling, SALib)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import numpy as np

from chagai.cases.compile import Compiled
from chagai.errors import InputError, Issue
from chagai.results import SobolIndex, SobolResult
from chagai.risk.sensitivity.evaluator import F64, Evaluator, check_outputs, evaluator_of


def sobol_indices(
    function: Callable[[F64], F64],
    bounds: Sequence[tuple[float, float]],
    n: int = 1024,
    seed: int = 7,
    names: Sequence[str] | None = None,
    output: str = "y",
) -> SobolResult:
    """First-order and total Sobol indices of ``function`` with inputs uniform over ``bounds``.

    Samples with SALib's Saltelli extension of the scrambled Sobol' sequence (:func:`SALib.sample.sobol.sample`,
    ``calc_second_order=False``: ``n (D + 2)`` rows) and estimates with :func:`SALib.analyze.sobol.analyze`
    (Saltelli 2010 / Jansen estimators, 100 bootstrap resamples for 95% intervals), both seeded.

    Parameters
    ----------
    function
        Maps an ``(R, D)`` array of inputs to the ``(R,)`` outputs.
    bounds
        ``(low, high)`` of each of the ``D`` inputs.
    n
        Base sample size, a power of two.
    seed
        Seed of the scrambling and of the bootstrap.
    names
        Input names (default ``x1 .. xD``).
    output
        Name of the output, for messages.

    Raises
    ------
    InputError
        When ``n`` is not a power of two, a range is empty, or the output is NaN in some runs or does not vary.
    """
    from SALib.analyze import sobol as salib_analyze  # type: ignore[import-untyped]
    from SALib.sample import sobol as salib_sample  # type: ignore[import-untyped]

    d = len(bounds)
    labels = list(names) if names is not None else [f"x{i + 1}" for i in range(d)]
    issues = []
    if n < 2 or n & (n - 1):
        below = 1 << max(1, int(n).bit_length() - 1)
        issues.append(Issue("n", n, "a power of two of 2 or more (Sobol' sequence)", f"use {below} or {2 * below}"))
    if len(labels) != d or d < 1:
        issues.append(Issue("names", labels, f"{d} names, one per input (at least one)", "align names and bounds"))
    for name, (low, high) in zip(labels, bounds, strict=False):
        if not (math.isfinite(low) and math.isfinite(high) and high > low):
            issues.append(Issue(f"bounds.{name}", (low, high), "low < high, both finite", "widen the range"))
    if issues:
        raise InputError(issues, origin=f"Sobol indices of {output}")
    problem = {"num_vars": d, "names": labels, "bounds": [[float(lo), float(hi)] for lo, hi in bounds]}
    start = time.perf_counter()
    x = np.asarray(salib_sample.sample(problem, n, calc_second_order=False, seed=seed), dtype=np.float64)
    y = np.asarray(function(x), dtype=np.float64).reshape(-1)
    bad = int(np.count_nonzero(~np.isfinite(y)))
    if bad:
        issue = Issue(
            "output",
            output,
            f"an output defined in every run (it is NaN or infinite in {bad:,} of {y.size:,})",
            "choose another output, or narrow the ranges so it stays defined",
        )
        raise InputError([issue], origin=f"Sobol indices of {output}")
    if float(np.ptp(y)) <= 1e-9 * max(1.0, float(np.max(np.abs(y)))):
        issue = Issue("output", output, "an output that varies over the ranges", "choose another output")
        raise InputError([issue], origin=f"Sobol indices of {output}")
    result = salib_analyze.analyze(problem, y, calc_second_order=False, num_resamples=100, conf_level=0.95, seed=seed)
    seconds = time.perf_counter() - start
    rows = [
        SobolIndex(
            factor=labels[i],
            S1=float(result["S1"][i]),
            S1_conf=float(result["S1_conf"][i]),
            ST=float(result["ST"][i]),
            ST_conf=float(result["ST_conf"][i]),
        )
        for i in range(d)
    ]
    return SobolResult(output=output, indices=rows, n=n, runs=int(x.shape[0]), seconds=seconds, seed=seed)


def sobol(
    target: Compiled | Evaluator,
    factors: Sequence[str] | None = None,
    output: str = "npv_post_tax",
    n: int = 1024,
    seed: int = 7,
) -> SobolResult:
    """Sobol indices of one output of the case over its factors (all, or those named).

    Each factor is uniform over its low-high range; the delay is uniform over the whole years of its range (drawn
    on ``[low - 0.5, high + 0.5)`` and rounded). Rows come sorted by total index, largest first.

    Raises
    ------
    InputError
        When the output is NaN in some run (``min_dscr`` without debt, ``aetr`` with a non-positive pre-tax PV),
        does not vary, or a factor or the output is unknown.
    """
    ev = evaluator_of(target)
    (output,) = check_outputs(ev, [output])
    names = list(factors) if factors is not None else list(ev.factors)
    ev.values(dict.fromkeys(names, 1.0))  # checks the names
    chosen = [ev.factors[name] for name in names]
    bounds = [(f.low - 0.5, f.high + 0.5) if f.integer else (f.low, f.high) for f in chosen]

    def function(x: F64) -> F64:
        y = np.empty(x.shape[0])
        for i, row in enumerate(x):
            values = {
                f.name: (math.floor(float(v) + 0.5) if f.integer else float(v))
                for f, v in zip(chosen, row, strict=True)
            }
            y[i] = ev.output(values, output)
        return y

    result = sobol_indices(function, bounds, n=n, seed=seed, names=names, output=output)
    basis = (
        f"{result.runs:,} model runs (Saltelli, N = {n}, {len(names)} inputs, first and total order only), inputs "
        f"independent and uniform over their ranges, SALib seed {seed}; 95% bootstrap half-widths"
    )
    return SobolResult(
        output=output,
        indices=sorted(result.indices, key=lambda r: -r.ST),
        n=n,
        runs=result.runs,
        seconds=result.seconds,
        seed=seed,
        basis=basis,
    )
