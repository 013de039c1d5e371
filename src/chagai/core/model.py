"""Running the annual model for one set of inputs (the deterministic appraisal)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from chagai.core import kernel as k

if TYPE_CHECKING:
    from chagai.cases.compile import Compiled


def run_single(compiled: Compiled, prices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Run one path with the scenario's delay, overrun and availability and the given price paths.

    Parameters
    ----------
    compiled
        The compiled case and scenario.
    prices
        (C, T) price of each commodity [US$ per payable unit].

    Returns
    -------
    lines
        (N_LINES, T) the annual table.
    party_net
        (P, T) each party's net equity cash flow [US$m].
    """
    params = compiled.params
    n = len(compiled.years)
    lines = np.zeros((k.N_LINES, n))
    party_net = np.zeros((params.party_level.shape[0], n))
    availability = np.full(n, compiled.scenario.availability)
    k.run_path(
        params,
        np.ascontiguousarray(prices, dtype=np.float64),
        availability,
        float(compiled.scenario.overrun),
        int(compiled.scenario.delay),
        lines,
        party_net,
    )
    return lines, party_net
