"""Tornado: each factor at its low and high value, the others at base, and what each output does."""

from __future__ import annotations

import math
from collections.abc import Sequence

from chagai.cases.compile import Compiled
from chagai.results import TornadoBar
from chagai.risk.sensitivity.evaluator import Evaluator, check_outputs, evaluator_of
from chagai.risk.sensitivity.outputs import OUTPUTS


def _swing_key(bar: TornadoBar) -> float:
    return -bar.swing if math.isfinite(bar.swing) else math.inf


def tornado(target: Compiled | Evaluator, outputs: Sequence[str] = OUTPUTS) -> list[TornadoBar]:
    """One-at-a-time sensitivity: each factor at its low and high value, the others at base.

    Two model runs per factor serve every output. Bars come grouped by output (in the order asked), each group
    sorted by swing ``|at_high - at_low|``, largest first (NaN swings last). An output that is NaN in the base
    case (``min_dscr`` of a case without debt) has no bars.
    """
    ev = evaluator_of(target)
    chosen = check_outputs(ev, outputs)
    ends = {name: (ev.evaluate({name: f.low}), ev.evaluate({name: f.high})) for name, f in ev.factors.items()}
    bars: list[TornadoBar] = []
    for output in chosen:
        base = ev.base_outputs[output]
        if math.isnan(base):
            continue
        group = []
        for name, f in ev.factors.items():
            low, high = ends[name][0][output], ends[name][1][output]
            group.append(
                TornadoBar(
                    factor=name,
                    label=f.label,
                    unit=f.unit,
                    low_value=f.low,
                    high_value=f.high,
                    output=output,
                    base=base,
                    at_low=low,
                    at_high=high,
                    swing=abs(high - low),
                )
            )
        bars += sorted(group, key=_swing_key)
    return bars
