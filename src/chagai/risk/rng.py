"""Counter-based random numbers for Monte Carlo paths, compiled with numba.

Every path has its own stream, derived from the run's seed and the path's index alone (SplitMix64), so a
result depends only on the seed: never on the chunk size, the number of threads or the order paths are run in.
SplitMix64 passes BigCrush; its state is one 64-bit integer, so a path's generator costs nothing to create.

A block of paths keeps one generator per path in one array. The ``*_row`` functions draw one number for every
generator of the block at once: each is written as a branch-free pass over the block (which the compiler turns
into vector instructions) and a second pass that redoes the rare lanes needing a logarithm or a square root. A
path's numbers are exactly those of the scalar functions, in the same order.
"""

from __future__ import annotations

import math

import numpy as np

from chagai.core.jit import jit
from chagai.core.vecmath import EXP_LIMIT, exp_arith, log_arith

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
    return _inverse_normal_tail(p)


@jit
def _inverse_normal_tail(p: float) -> float:
    """Acklam's tail formula, for p below 0.02425 or above 0.97575."""
    tail = min(p, 1.0 - p)
    q = math.sqrt(-2.0 * log_arith(tail))
    x: float = (((((_C[0] * q + _C[1]) * q + _C[2]) * q + _C[3]) * q + _C[4]) * q + _C[5]) / (
        (((_D[0] * q + _D[1]) * q + _D[2]) * q + _D[3]) * q + 1.0
    )
    return x if p < 0.5 else -x


@jit
def normal(states: np.ndarray, i: int) -> float:
    """A standard normal number from generator ``i``: the inverse distribution function of one uniform."""
    return inverse_normal(uniform(states, i))


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
    return _quantile_tail(table, u)


@jit
def _quantile_tail(table: np.ndarray, u: float) -> float:
    """The exponential tail of a quantile table's last cell at probability ``u``."""
    cells = table.shape[0] - 1
    scale = (table[cells - 1] - table[cells - 2]) / math.log(2.0)
    tail: float = table[cells - 1] + scale * math.log(1.0 / (cells * (1.0 - u)))
    return tail


@jit
def uniform_row(states: np.ndarray, out: np.ndarray) -> None:
    """``out[b]`` = :func:`uniform` of generator ``b``, for every generator of the block."""
    for b in range(out.shape[0]):
        states[b] += _GOLDEN
        z = _mix(states[b])
        out[b] = (float(z >> _S11) + 0.5) * _TWO_POW_53


@jit
def normal_row(states: np.ndarray, u: np.ndarray, lanes: np.ndarray, out: np.ndarray) -> None:
    """``out[b]`` = :func:`normal` of generator ``b``, for every generator.

    ``u`` receives the uniforms and ``lanes`` (int64) the lanes in a tail: the central formula runs on every
    lane (vectorised), then the tail formula only on the tail lanes (about 5%), listed in the first pass.
    """
    n_tail = 0
    uniform_row(states, u)
    for b in range(out.shape[0]):
        q = u[b] - 0.5
        r = q * q
        num = (((((_A[0] * r + _A[1]) * r + _A[2]) * r + _A[3]) * r + _A[4]) * r + _A[5]) * q
        den = ((((_B[0] * r + _B[1]) * r + _B[2]) * r + _B[3]) * r + _B[4]) * r + 1.0
        out[b] = num / den
    for b in range(out.shape[0]):
        lanes[n_tail] = b
        n_tail += 0 if _P_LOW <= u[b] <= 1.0 - _P_LOW else 1
    for i in range(n_tail):
        out[lanes[i]] = _inverse_normal_tail(u[lanes[i]])


@jit
def quantile_row(states: np.ndarray, tables: np.ndarray, which: np.ndarray, u: np.ndarray, out: np.ndarray) -> None:
    """``out[b]`` = :func:`from_quantile_table` of generator ``b`` with table ``tables[which[b]]``, for every b.

    ``tables`` is (K, cells + 1), one quantile table a row; ``u`` receives the uniforms.
    """
    n_cells = tables.shape[1]
    cells = n_cells - 1
    flat = tables.ravel()
    uniform_row(states, u)
    for b in range(out.shape[0]):  # interpolation for every lane (the last cell clamped), then the tail again
        x = u[b] * cells
        j = min(int(x), cells - 2)
        at = np.uint64(which[b] * n_cells + j)  # unsigned: no negative-index wraparound, so the loop vectorises
        low = flat[at]
        out[b] = low + (x - j) * (flat[at + np.uint64(1)] - low)
    for b in range(out.shape[0]):
        if u[b] * cells >= cells - 1:
            out[b] = _quantile_tail(tables[which[b]], u[b])


@jit
def exp_row(x: np.ndarray, out: np.ndarray) -> None:
    """``out[b] = exp(x[b])`` for every element (:func:`chagai.core.vecmath.exp_arith`, ``math.exp`` beyond it)."""
    for b in range(out.shape[0]):
        out[b] = exp_arith(min(max(x[b], -EXP_LIMIT), EXP_LIMIT))
    for b in range(out.shape[0]):
        if not abs(x[b]) <= EXP_LIMIT:
            out[b] = math.exp(x[b])
