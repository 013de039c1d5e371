"""Counter-based random numbers for Monte Carlo paths, compiled with numba.

Every path has its own stream, derived from the run's seed and the path's index alone (SplitMix64), so a
result depends only on the seed: never on the chunk size, the number of threads or the order paths are run in.
SplitMix64 passes BigCrush; its state is one 64-bit integer, so a path's generator costs nothing to create.
"""

from __future__ import annotations

import math

import numpy as np

from chagai.core.jit import jit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_TWO_POW_53 = 1.0 / 9007199254740992.0


@jit
def _mix(z: np.uint64) -> np.uint64:
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return z ^ (z >> _S31)


@jit
def path_state(seed: int, path: int) -> np.ndarray:
    """A fresh generator for one path: a 1-element uint64 state array."""
    state = np.empty(1, dtype=np.uint64)
    state[0] = _mix(_mix(np.uint64(seed) + _GOLDEN) ^ (np.uint64(path) * _GOLDEN + _MIX1))
    return state


@jit
def uniform(state: np.ndarray) -> float:
    """A uniform number in (0, 1), never exactly 0 or 1."""
    state[0] += _GOLDEN
    z = _mix(state[0])
    return (float(z >> _S11) + 0.5) * _TWO_POW_53


@jit
def normal(state: np.ndarray) -> float:
    """A standard normal number (Box-Muller, one of the pair)."""
    u1 = uniform(state)
    u2 = uniform(state)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


@jit
def normals(state: np.ndarray, out: np.ndarray) -> None:
    """Fill ``out`` with standard normal numbers (Marsaglia's polar method, both of each pair)."""
    n = out.shape[0]
    i = 0
    while i < n:
        u = 2.0 * uniform(state) - 1.0
        v = 2.0 * uniform(state) - 1.0
        s = u * u + v * v
        if s >= 1.0 or s == 0.0:
            continue
        factor = math.sqrt(-2.0 * math.log(s) / s)
        out[i] = u * factor
        if i + 1 < n:
            out[i + 1] = v * factor
        i += 2


@jit
def poisson(state: np.ndarray, rate: float, zero_probability: float) -> int:
    """A Poisson count with mean ``rate``; ``zero_probability`` is exp(-rate), computed once by the caller.

    Inversion: meant for small rates, as event counts per year are.
    """
    if rate <= 0:
        return 0
    u = uniform(state)
    p = zero_probability
    cumulative = p
    k = 0
    while u > cumulative and k < 1000:
        k += 1
        p *= rate / k
        cumulative += p
    return k
