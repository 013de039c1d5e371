"""Running the annual model for one set of inputs (the deterministic appraisal)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from chagai.core import kernel as k

if TYPE_CHECKING:
    from chagai.cases.compile import Compiled


def run_with(
    params: k.Params, prices: np.ndarray, availability: np.ndarray, capex_factor: float, delay: int
) -> tuple[np.ndarray, np.ndarray]:
    """Run one path with explicit inputs (for sensitivity analyses that vary them one by one).

    Parameters
    ----------
    params
        Kernel parameters (vary costs or grades with ``params._replace(...)``).
    prices
        (C, T) prices [US$ per payable unit].
    availability
        (T,) share of capacity that can run [fraction].
    capex_factor
        Multiplier on initial and expansion capital [-].
    delay
        Years the schedule slips [yr].

    Returns
    -------
    lines, party_net
        (N_LINES, T) the annual table and (P, T) each party's net equity cash flow [US$m].
    """
    n = availability.shape[0]
    lines = np.zeros((k.N_LINES, n))
    party_net = np.zeros((params.party_level.shape[0], n))
    k.run_path(
        params,
        np.ascontiguousarray(prices, dtype=np.float64),
        np.ascontiguousarray(availability, dtype=np.float64),
        float(capex_factor),
        int(delay),
        lines,
        party_net,
    )
    return lines, party_net


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
    n = len(compiled.years)
    availability = np.full(n, compiled.scenario.availability)
    return run_with(compiled.params, prices, availability, compiled.scenario.overrun, compiled.scenario.delay)
