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
def seed_state(states: np.ndarray, i: int, seed: int, path: int) -> None:
    """Set generator ``i`` of the uint64 array ``states`` to the start of the stream of ``path`` in run ``seed``.

    A block of paths keeps one generator per path in one array, so the paths' draws can be interleaved.
    """
    states[i] = _mix(_mix(np.uint64(seed) + _GOLDEN) ^ (np.uint64(path) * _GOLDEN + _MIX1))


@jit
def path_state(seed: int, path: int) -> np.ndarray:
    """A fresh generator for one path: a 1-element uint64 state array (generator 0)."""
    states = np.empty(1, dtype=np.uint64)
    seed_state(states, 0, seed, path)
    return states


@jit
def uniform(states: np.ndarray, i: int) -> float:
    """A uniform number in (0, 1), never exactly 0 or 1, from generator ``i``."""
    states[i] += _GOLDEN
    z = _mix(states[i])
    return (float(z >> _S11) + 0.5) * _TWO_POW_53


# Acklam's rational approximation of the inverse normal distribution function (relative error below 1.2e-9):
# the central region (95% of draws) needs no logarithm, no square root and no rejection.
_A = (
    -3.969683028665376e01,
    2.209460984245205e02,
    -2.759285104469687e02,
    1.383577518672690e02,
    -3.066479806614716e01,
    2.506628277459239e00,
)
_B = (-5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02, 6.680131188771972e01, -1.328068155288572e01)
_C = (
    -7.784894002430293e-03,
    -3.223964580411365e-01,
    -2.400758277161838e00,
    -2.549732539343734e00,
    4.374664141464968e00,
    2.938163982698783e00,
)
_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00)
_P_LOW = 0.02425


@jit
def inverse_normal(p: float) -> float:
    """The standard normal quantile of ``p`` in (0, 1), to a relative error below 1.2e-9."""
    if _P_LOW <= p <= 1.0 - _P_LOW:
        q = p - 0.5
        r = q * q
        num = (((((_A[0] * r + _A[1]) * r + _A[2]) * r + _A[3]) * r + _A[4]) * r + _A[5]) * q
        den = ((((_B[0] * r + _B[1]) * r + _B[2]) * r + _B[3]) * r + _B[4]) * r + 1.0
        return num / den
    tail = p if p < 0.5 else 1.0 - p
    q = math.sqrt(-2.0 * math.log(tail))
    x = (((((_C[0] * q + _C[1]) * q + _C[2]) * q + _C[3]) * q + _C[4]) * q + _C[5]) / (
        (((_D[0] * q + _D[1]) * q + _D[2]) * q + _D[3]) * q + 1.0
    )
    return x if p < 0.5 else -x


@jit
def normal(states: np.ndarray, i: int) -> float:
    """A standard normal number from generator ``i``: the inverse distribution function of one uniform."""
    return inverse_normal(uniform(states, i))


@jit
def exponential_sum(states: np.ndarray, i: int, count: int) -> float:
    """The sum of ``count`` independent standard exponential numbers, -ln(U_1 ... U_count): one logarithm."""
    if count <= 0:
        return 0.0
    product = 1.0
    for _ in range(count):
        product *= uniform(states, i)
    return -math.log(product)


@jit
def from_quantile_table(states: np.ndarray, i: int, table: np.ndarray) -> float:
    """A number from generator ``i`` by inversion of a tabulated quantile function.

    ``table`` holds the quantiles at p = j / cells, j = 0 .. cells: linear interpolation between them, and in
    the last cell an exponential tail whose scale continues the last interior cell's slope (one logarithm, for one
    draw in ``cells``).
    """
    cells = table.shape[0] - 1
    u = uniform(states, i)
    x = u * cells
    j = int(x)
    if j < cells - 1:
        value: float = table[j] + (x - j) * (table[j + 1] - table[j])
        return value
    scale = (table[cells - 1] - table[cells - 2]) / math.log(2.0)
    tail: float = table[cells - 1] + scale * math.log(1.0 / (cells * (1.0 - u)))
    return tail
