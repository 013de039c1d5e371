"""The one switch between compiled and plain-Python model code.

Model functions are decorated with :func:`jit`: numba compiles them (and caches the machine code next to the
source), unless ``NUMBA_DISABLE_JIT=1`` is set, in which case the very same functions run as plain Python. The
benchmarks use that to time the uncompiled model; tests use it to check both agree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba

Fn = TypeVar("Fn", bound=Callable[..., Any])


def jit(fn: Fn) -> Fn:
    """Compile ``fn`` with numba in nopython mode, caching the result on disk."""
    return cast(Fn, numba.njit(cache=True, nogil=True)(fn))


def parallel_jit(fn: Fn) -> Fn:
    """Compile ``fn`` with numba for parallel loops (``numba.prange``)."""
    return cast(Fn, numba.njit(cache=True, nogil=True, parallel=True)(fn))
