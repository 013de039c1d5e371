"""A delayed schedule, path by path: :func:`chagai.core.kernel.shifted_row` against its definition."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from chagai.core.kernel import shifted_row


def _by_definition(base: np.ndarray, t: int, delay: int, shift_from: int, hold: bool) -> float:
    """Year ``t`` once everything from ``shift_from`` on moves ``delay`` years later."""
    if t < shift_from or delay == 0:
        return float(base[t])
    if t - delay >= shift_from:
        return float(base[t - delay])
    return float(base[shift_from - 1]) if hold and shift_from > 0 else 0.0


@settings(max_examples=200, deadline=None)
@given(
    base=st.lists(st.sampled_from([0.0, 1.0, 2.5, 7.0]), min_size=1, max_size=12),
    delays=st.lists(st.integers(0, 9), min_size=1, max_size=20),
    shift_from=st.integers(0, 11),
    hold=st.booleans(),
)
def test_each_path_gets_its_own_delayed_value(
    base: list[float], delays: list[int], shift_from: int, hold: bool
) -> None:
    schedule = np.array(base)
    shift_from = min(shift_from, len(base) - 1)
    delay = np.array(delays, dtype=np.int64)
    out = np.full(delay.size, np.nan)
    for t in range(len(base)):
        shifted_row(schedule, t, delay, shift_from, hold, out)
        expected = [_by_definition(schedule, t, int(d), shift_from, hold) for d in delay]
        np.testing.assert_array_equal(out, expected, err_msg=f"year {t}")
