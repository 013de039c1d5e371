"""Percentiles and histograms of a run's stored results, compiled for millions of paths.

A Monte Carlo run stores its results in float32, one row per path and one column per result, ``(n_paths,
n_columns)`` (:class:`chagai.risk.montecarlo.SimulationArrays`). The statistics here take such an array, a mask of
the rows to use (the paths that ran without failure) and the columns wanted; in each column they use only the
finite values. They give exactly what numpy gives on each column's values as float64:

* :func:`column_percentiles` equals ``np.percentile(x, q)``, numpy's default (linear) method: with ``n`` values
  and ``v = (n - 1) * (q / 100)``, the interpolation between the order statistics of ranks ``floor(v)`` and
  ``floor(v) + 1``. The order statistics are selected by counting, never by sorting: each float32 has a 32-bit
  integer key in the order of the numbers; a first pass counts each column's values by the upper 16 bits of
  their keys (65,536 buckets), which names the bucket of each wanted rank and the rank within it; a second pass
  gathers the values of those few buckets; counting a bucket's values by the lower 16 bits of their keys then
  names the value of the rank. Two passes over the data however many percentiles are wanted.
* :func:`column_histograms` equals ``np.histogram(np.clip(x, e[0], e[-1]), e)`` for a column's edges ``e``: a value
  falls in the bin whose edges hold it, ``e[i] <= x < e[i + 1]`` (the last bin also holds its upper edge), found as
  numpy finds it for equal-width bins, from the width, then checked against the edges.

The passes run in parallel over contiguous blocks of rows, one per worker; the workers produce counts, and values
that are ordered afterwards, so the results do not depend on the number of threads.
"""

from __future__ import annotations

from collections.abc import Sequence

import numba
import numpy as np
import numpy.typing as npt
from numba import prange

from chagai.core.jit import jit, parallel_jit

KEY_BITS = 32
"""Width of the order-preserving integer key of a float32 [bit]."""
BUCKET_BITS = 16
"""Upper bits of the key that name a value's bucket in the first pass of the selection [bit]."""
N_BUCKETS = 1 << BUCKET_BITS

MAX_WORKERS = 8
"""Most workers sharing the passes over the data: the passes stream memory, more would only add counts [-]."""
ROWS_PER_WORKER = 1 << 16
"""Fewest rows a worker takes, so that its bucket counts are no larger than its share of the data [-]."""

_SIGN = 0x80000000
_EXPONENT = 0x7F800000
_ALL_ONES = 0xFFFFFFFF


@jit
def _finite(bits: int) -> bool:
    """Whether a float32, given by its bits as an unsigned integer, is finite (its exponent is not all ones)."""
    return (bits & _EXPONENT) != _EXPONENT


@jit
def _key(bits: int) -> int:
    """Integer key of a float32 given by its bits, in the order of the numbers.

    The key of a non-negative number is its bits with the sign bit set; of a negative number, its bits inverted,
    so that a larger magnitude gives a smaller key.
    """
    return _ALL_ONES - bits if bits >= _SIGN else bits + _SIGN


@jit
def _bucket(bits: int) -> int:
    """Bucket of a float32 given by its bits: the upper :data:`BUCKET_BITS` of its key."""
    return _key(bits) >> (KEY_BITS - BUCKET_BITS)


def _workers(n_rows: int) -> int:
    """Workers for a pass over ``n_rows`` rows: one per numba thread, within the limits above."""
    return max(1, min(numba.get_num_threads(), MAX_WORKERS, n_rows // ROWS_PER_WORKER))


@jit
def _row_span(n_rows: int, workers: int, worker: int) -> tuple[int, int]:
    """First and one-past-last row of ``worker``'s block of rows."""
    span = (n_rows + workers - 1) // workers
    return min(n_rows, worker * span), min(n_rows, (worker + 1) * span)


@jit
def _ranks(defined: int, percentile: float) -> tuple[int, int, float]:
    """Ranks of the two order statistics numpy's linear method interpolates between, and the weight of the upper.

    As ``np.percentile``: the virtual rank ``v = (n - 1) * (q / 100)``; the ranks ``floor(v)`` and ``floor(v) + 1``
    with weight ``v - floor(v)``, or the last rank twice (numpy's weight is then ``v + 1``) when ``v >= n - 1``.
    """
    virtual = (defined - 1) * (percentile / 100.0)
    if virtual >= defined - 1:
        return defined - 1, defined - 1, virtual + 1.0
    lower = int(np.floor(virtual))
    return lower, lower + 1, virtual - lower


@jit
def _lerp(a: float, b: float, t: float) -> float:
    """Linear interpolation between ``a`` and ``b`` as numpy does it: from ``a`` below ``t = 0.5``, from ``b`` above."""
    diff = b - a
    if t >= 0.5:
        return b - diff * (1.0 - t)
    return a + diff * t


@jit
def _select(values: np.ndarray, k: int, counts: np.ndarray) -> tuple[float, float]:
    """The ``k``-th smallest of one bucket's values (from 0) and the next one (NaN when there is none), as float64.

    The values share the upper bits of their keys, so the lower bits order them: they are counted by those
    (in ``counts``, one cell for each), and the cells holding ranks ``k`` and ``k + 1`` name the two values.
    """
    bits = values.view(np.uint32)
    low_mask = (1 << (KEY_BITS - BUCKET_BITS)) - 1
    counts[:] = 0
    for i in range(bits.shape[0]):
        counts[_key(int(bits[i])) & low_mask] += 1
    cell, below = 0, 0
    while below + counts[cell] <= k:
        below += counts[cell]
        cell += 1
    following = cell
    if k + 1 == below + counts[cell]:  # rank k + 1 is in a later cell, if any
        following += 1
        while following < counts.shape[0] and counts[following] == 0:
            following += 1
    value, next_value = np.nan, np.nan
    for i in range(bits.shape[0]):
        low = _key(int(bits[i])) & low_mask
        if low == cell:
            value = np.float64(values[i])
        if low == following:
            next_value = np.float64(values[i])
    return value, next_value


@jit
def _place_ranks(
    counts: np.ndarray,
    percentiles: np.ndarray,
    slot_of: np.ndarray,
    slot_sizes: np.ndarray,
    places: np.ndarray,
    weights: np.ndarray,
    defined: np.ndarray,
) -> None:
    """From the workers' bucket counts, where each percentile's two ranks are, and what to gather.

    The bucket of each wanted rank becomes a slot (at most ``2 n_q`` a column, slot ``slot_of[c, bucket]``), to
    be filled with the bucket's values, ``slot_sizes[w, slot]`` of them by worker ``w``. ``places[c, j, side]``
    is the slot of the lower (side 0) or upper (side 1) rank of percentile ``j`` of column ``c`` and the rank
    within the slot; ``weights[c, j]`` the upper rank's weight; ``defined[c]`` the column's number of values.
    """
    workers, n_columns = counts.shape[0], counts.shape[1]
    n_q = percentiles.shape[0]
    below = np.empty(N_BUCKETS, dtype=np.int64)  # values in the lower buckets
    for c in range(n_columns):
        running = 0
        for b in range(N_BUCKETS):
            below[b] = running
            for worker in range(workers):
                running += counts[worker, c, b]
        defined[c] = running
        if running == 0:
            continue
        used = 0
        for j in range(n_q):
            low_rank, high_rank, weights[c, j] = _ranks(running, percentiles[j])
            for side, rank in enumerate((low_rank, high_rank)):
                bucket = np.searchsorted(below, rank, side="right") - 1  # the last bucket starting at or below rank
                if slot_of[c, bucket] < 0:
                    slot_of[c, bucket] = c * 2 * n_q + used
                    slot_sizes[:, slot_of[c, bucket]] = counts[:, c, bucket]
                    used += 1
                places[c, j, side, 0] = slot_of[c, bucket]
                places[c, j, side, 1] = rank - below[bucket]


@jit
def _read_percentiles(
    gathered: np.ndarray, slot_start: np.ndarray, places: np.ndarray, weights: np.ndarray, defined: np.ndarray
) -> np.ndarray:
    """The percentiles from the gathered slots (see :func:`_place_ranks`), NaN for a column without values.

    The lower rank is selected within its slot; the upper rank is next to it, in the same slot or, when the
    lower rank is the last of its bucket, the smallest value of the next slot.
    """
    n_columns, n_q = places.shape[0], places.shape[1]
    out = np.full((n_columns, n_q), np.nan)
    cells = np.empty(1 << (KEY_BITS - BUCKET_BITS), dtype=np.int64)
    for c in range(n_columns):
        if defined[c] == 0:
            continue
        for j in range(n_q):
            slot, k = places[c, j, 0, 0], places[c, j, 0, 1]
            lower_value, following = _select(gathered[slot_start[slot] : slot_start[slot + 1]], k, cells)
            upper_slot, upper_k = places[c, j, 1, 0], places[c, j, 1, 1]
            if upper_slot == slot and upper_k == k:
                upper_value = lower_value
            elif upper_slot == slot:
                upper_value = following
            else:
                upper_value = np.float64(gathered[slot_start[upper_slot] : slot_start[upper_slot + 1]].min())
            out[c, j] = _lerp(lower_value, upper_value, weights[c, j])
    return out


@parallel_jit
def _percentiles(
    values: np.ndarray, rows: np.ndarray, columns: np.ndarray, percentiles: np.ndarray, workers: int
) -> tuple[np.ndarray, np.ndarray]:
    n_rows, n_columns, n_q = values.shape[0], columns.shape[0], percentiles.shape[0]
    bits = values.view(np.uint32)
    # first pass: each worker counts its rows' finite values by bucket
    counts = np.zeros((workers, n_columns, N_BUCKETS), dtype=np.int32)
    for worker in prange(workers):
        first, last = _row_span(n_rows, workers, worker)
        for i in range(first, last):
            if rows[i]:
                for c in range(n_columns):
                    b = int(bits[i, columns[c]])
                    if _finite(b):
                        counts[worker, c, _bucket(b)] += 1
    n_slots = n_columns * 2 * n_q
    slot_of = np.full((n_columns, N_BUCKETS), -1, dtype=np.int32)
    slot_sizes = np.zeros((workers, n_slots), dtype=np.int64)
    places = np.zeros((n_columns, n_q, 2, 2), dtype=np.int64)
    weights = np.zeros((n_columns, n_q))
    defined = np.zeros(n_columns, dtype=np.int64)
    _place_ranks(counts, percentiles, slot_of, slot_sizes, places, weights, defined)
    # the slots lie one after the other, each worker's share of a slot after the previous workers' shares
    slot_start = np.zeros(n_slots + 1, dtype=np.int64)
    slot_start[1:] = np.cumsum(slot_sizes.sum(axis=0))
    positions = np.empty((workers, n_slots), dtype=np.int64)
    positions[0] = slot_start[:-1]
    for worker in range(1, workers):
        positions[worker] = positions[worker - 1] + slot_sizes[worker - 1]
    # second pass: gather the values of the slots' buckets
    gathered = np.empty(slot_start[n_slots], dtype=np.float32)
    for worker in prange(workers):
        first, last = _row_span(n_rows, workers, worker)
        position = positions[worker]
        for i in range(first, last):
            if rows[i]:
                for c in range(n_columns):
                    b = int(bits[i, columns[c]])
                    if _finite(b):
                        slot = slot_of[c, _bucket(b)]
                        if slot >= 0:
                            gathered[position[slot]] = values[i, columns[c]]
                            position[slot] += 1
    return _read_percentiles(gathered, slot_start, places, weights, defined), defined


def _checked(
    values: npt.NDArray[np.float32], rows: npt.NDArray[np.bool_], columns: Sequence[int] | None
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.bool_], npt.NDArray[np.int64]]:
    """The arrays as the compiled code takes them, after checking their shapes."""
    data = np.ascontiguousarray(values)
    mask = np.ascontiguousarray(rows, dtype=np.bool_)
    if data.dtype != np.float32 or data.ndim != 2 or mask.shape != data.shape[:1]:
        msg = (
            f"values must be float32 (n_paths, n_columns) and rows (n_paths,), got {data.dtype} {data.shape} and "
            f"{mask.shape}"
        )
        raise ValueError(msg)
    chosen = np.arange(data.shape[1]) if columns is None else np.asarray(columns, dtype=np.int64)
    if chosen.ndim != 1 or np.any((chosen < 0) | (chosen >= data.shape[1])):
        msg = f"columns must be indices of the {data.shape[1]} columns, got {columns!r}"
        raise ValueError(msg)
    return data, mask, chosen


def column_percentiles(
    values: npt.NDArray[np.float32],
    rows: npt.NDArray[np.bool_],
    percentiles: Sequence[float],
    columns: Sequence[int] | None = None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Percentiles of each column's finite values over the chosen rows, equal to ``np.percentile`` of them.

    Parameters
    ----------
    values
        Results, one row per path and one column per result, ``(n_paths, n_columns)``, float32 [unit of each
        column].
    rows
        Which rows to use, ``(n_paths,)`` [bool].
    percentiles
        Percentiles to find, each in [0, 100]; 0 gives the smallest value, 100 the largest [%].
    columns
        Indices of the columns to use; all when None [-].

    Returns
    -------
    tuple of numpy.ndarray
        The percentiles, ``(len(columns), len(percentiles))``, NaN for a column without a finite value [unit of
        each column]; and the number of finite values of each column over the rows, ``(len(columns),)`` [-].
    """
    q = np.asarray(percentiles, dtype=np.float64)
    if q.ndim != 1 or not np.all((q >= 0.0) & (q <= 100.0)):
        msg = f"percentiles must be a sequence of numbers in [0, 100], got {percentiles!r}"
        raise ValueError(msg)
    data, mask, chosen = _checked(values, rows, columns)
    out, defined = _percentiles(data, mask, chosen, q, _workers(data.shape[0]))
    return out, defined


@parallel_jit
def _histograms(
    values: np.ndarray, rows: np.ndarray, columns: np.ndarray, edges: np.ndarray, workers: int
) -> np.ndarray:
    n_rows, n_columns, n_bins = values.shape[0], columns.shape[0], edges.shape[1] - 1
    scale = n_bins / (edges[:, n_bins] - edges[:, 0])
    counts = np.zeros((workers, n_columns, n_bins), dtype=np.int64)
    for worker in prange(workers):
        first, last = _row_span(n_rows, workers, worker)
        for i in range(first, last):
            if not rows[i]:
                continue
            for c in range(n_columns):
                x = np.float64(values[i, columns[c]])
                if not np.isfinite(x):
                    continue
                low, high = edges[c, 0], edges[c, n_bins]
                x = min(max(x, low), high)
                # the bin from the width (NaN when the bins are narrower than a float's spacing), then checked
                estimate = (x - low) * scale[c]
                index = n_bins - 1
                if estimate < n_bins - 1:
                    index = int(estimate) if estimate >= 0.0 else 0
                while index > 0 and x < edges[c, index]:
                    index -= 1
                while index < n_bins - 1 and x >= edges[c, index + 1]:
                    index += 1
                counts[worker, c, index] += 1
    total: np.ndarray = counts.sum(axis=0)
    return total


def column_histograms(
    values: npt.NDArray[np.float32],
    rows: npt.NDArray[np.bool_],
    edges: npt.NDArray[np.float64],
    columns: Sequence[int] | None = None,
) -> npt.NDArray[np.int64]:
    """Counts of each column's finite values over the chosen rows in bins, values beyond the edges in the end bins.

    Equals ``np.histogram(np.clip(x, e[0], e[-1]), e)`` for the finite values ``x`` (as float64) of each column and
    its edges ``e``.

    Parameters
    ----------
    values
        Results, one row per path and one column per result, ``(n_paths, n_columns)``, float32 [unit of each
        column].
    rows
        Which rows to use, ``(n_paths,)`` [bool].
    edges
        Bin edges of each chosen column, ``(len(columns), n_bins + 1)``: equally spaced and increasing, as
        ``np.linspace`` gives them [unit of each column].
    columns
        Indices of the columns to use; all when None [-].

    Returns
    -------
    numpy.ndarray
        Counts, ``(len(columns), n_bins)`` [-].
    """
    data, mask, chosen = _checked(values, rows, columns)
    bounds = np.ascontiguousarray(edges, dtype=np.float64)
    if bounds.ndim != 2 or bounds.shape[0] != chosen.size or bounds.shape[1] < 2:
        msg = f"edges must be (len(columns), n_bins + 1) = ({chosen.size}, at least 2), got {bounds.shape}"
        raise ValueError(msg)
    if not np.all(np.diff(bounds, axis=1) > 0.0):
        msg = "each column's bin edges must increase"
        raise ValueError(msg)
    counts: npt.NDArray[np.int64] = _histograms(data, mask, chosen, bounds, _workers(data.shape[0]))
    return counts
