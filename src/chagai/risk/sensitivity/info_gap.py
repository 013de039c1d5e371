"""Information-gap robustness (Ben-Haim): how far each input may stray before an output fails its criterion."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from chagai.cases.compile import Compiled
from chagai.errors import InputError, Issue
from chagai.results import Factor, InfoGapRow
from chagai.risk.sensitivity.evaluator import Evaluator, check_outputs, evaluator_of

CRITERIA: Mapping[str, tuple[str, Callable[[float], float]]] = {
    "aetr": ("falls 5 percentage points below its base", lambda base: base - 0.05),
    "local_share": ("falls 5 percentage points below its base", lambda base: base - 0.05),
    "min_dscr": ("falls below 1.0x", lambda base: 1.0),
    "npv_post_tax": ("falls below zero", lambda base: 0.0),
}
"""Critical level of each output info-gap analysis supports: the answer fails when the output drops below it."""

_GRID = 16
_BISECTIONS = 30


def _fails(value: float, critical: float) -> bool:
    return not math.isfinite(value) or value < critical


@dataclass
class _Side:
    horizon: float = math.inf
    direction: str | None = None
    value: float = math.nan
    share: float = math.inf
    worst: float = math.inf


def _scan(
    ev: Evaluator, f: Factor, output: str, critical: float, at: Callable[[str, float], dict[str, float]]
) -> _Side:
    """The smallest deviation of ``f`` (either side) at which ``output`` fails, and the worst output seen."""
    scale = abs(f.base) if abs(f.base) > 1e-12 else max(abs(f.low), abs(f.high))
    best = _Side()
    for direction, end in (("low", f.low), ("high", f.high)):
        width = abs(end - f.base)
        if width <= 0:
            continue
        sign = 1.0 if end > f.base else -1.0
        steps = (
            [float(s) for s in range(1, round(width) + 1)]
            if f.integer
            else [width * j / _GRID for j in range(1, _GRID + 1)]
        )
        previous = 0.0
        for step in steps:
            value = at(f.name, f.base + sign * step)[output]
            best.worst = min(best.worst, value) if math.isfinite(value) else -math.inf
            if _fails(value, critical):
                lo, hi = previous, step
                if not f.integer:
                    for _ in range(_BISECTIONS):
                        mid = 0.5 * (lo + hi)
                        if _fails(ev.evaluate({f.name: f.base + sign * mid})[output], critical):
                            hi = mid
                        else:
                            lo = mid
                if hi / scale < best.horizon:
                    best.horizon, best.direction = hi / scale, direction
                    best.value, best.share = f.base + sign * hi, hi / width
                break
            previous = step
    return best


def information_gap(target: Compiled | Evaluator, outputs: Sequence[str] = ("aetr", "min_dscr")) -> list[InfoGapRow]:
    """Info-gap robustness of each output to each uncertain input, ranked.

    Method (Ben-Haim, *Info-Gap Decision Theory*, 2nd ed., 2006), one factor at a time: the uncertainty model of
    input ``u`` with base ``u0`` is the fractional-error family ``U(a) = {u : |u - u0| <= a |u0|}``, cut to the
    input's range; the robustness of an output is the largest horizon ``a`` at which every ``u`` in ``U(a)`` keeps
    the output at or above its critical level (:data:`CRITERIA`: ``aetr`` and ``local_share`` 5 percentage points
    below base, ``min_dscr`` 1.0x, ``npv_post_tax`` 0). It is found on each side of the base by a scan of 16 equal
    steps to the end of the range, then 30 bisections of the first step that fails (whole years for the delay); an
    output that becomes undefined (NaN) counts as failing. For an input whose base is 0 (the delay) ``|u0|`` is
    replaced by the end of its range, so ``a = 1`` is the range end. An output that is NaN in the base case
    (``min_dscr`` without debt) has no rows.

    Inputs are ranked by horizon, smallest first (the input that moves the answer most); inputs that never make
    the output fail within their ranges (horizon ``inf``) follow, by the share of the margin they use, largest
    first.

    Returns
    -------
    list of InfoGapRow
        Grouped by output (in the order asked), each group in rank order.
    """
    ev = evaluator_of(target)
    chosen = check_outputs(ev, outputs)
    unsupported = [o for o in chosen if o not in CRITERIA]
    if unsupported:
        issue = Issue("outputs", unsupported, f"outputs among {', '.join(CRITERIA)}", "choose outputs with a criterion")
        raise InputError([issue], origin=ev.compiled.case.id)
    memo: dict[tuple[str, float], dict[str, float]] = {}

    def at(name: str, value: float) -> dict[str, float]:
        key = (name, value)
        if key not in memo:
            memo[key] = ev.evaluate({name: value})
        return memo[key]

    rows: list[InfoGapRow] = []
    for output in chosen:
        base_output = ev.base_outputs[output]
        if math.isnan(base_output):
            continue
        criterion, level = CRITERIA[output]
        critical = level(base_output)
        margin = base_output - critical
        group = []
        for name, f in ev.factors.items():
            side = _scan(ev, f, output, critical, at) if margin > 0 else _Side(0.0, None, f.base, 0.0, base_output)
            used = (base_output - side.worst) / margin if margin > 0 else math.inf
            swing = abs(at(name, f.high)[output] - at(name, f.low)[output])
            group.append((f, side, max(used, 0.0), swing))
        group.sort(key=lambda g: (g[1].horizon, -g[2], -g[3] if math.isfinite(g[3]) else math.inf))
        for rank, (f, side, used, swing) in enumerate(group, start=1):
            rows.append(
                InfoGapRow(
                    output=output,
                    factor=f.name,
                    label=f.label,
                    unit=f.unit,
                    base_input=f.base,
                    base_output=base_output,
                    critical=critical,
                    criterion=criterion,
                    horizon=side.horizon,
                    direction=side.direction,
                    input_at_horizon=side.value,
                    share_of_range=side.share,
                    margin_used=used,
                    swing=swing,
                    rank=rank,
                )
            )
    return rows
