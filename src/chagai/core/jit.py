"""The one switch between compiled and plain-Python model code.

Model functions are decorated with :func:`jit`: numba compiles them and caches the machine code, unless
``NUMBA_DISABLE_JIT=1`` is set, in which case the very same functions run as plain Python. The benchmarks use
that to time the uncompiled model; tests use it to check both agree.

numba invalidates a cached function only when its own file changes, not when a function it calls in another
file does. The cache therefore lives in a folder named after a hash of every compiled module's source (in the
user's cache directory, or ``CHAGAI_NUMBA_CACHE``): any change to the model code starts a fresh cache.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

import numba
import platformdirs

from chagai.config import settings
from chagai.errors import InputError

Fn = TypeVar("Fn", bound=Callable[..., Any])

_COMPILED_PACKAGES = ("core", "risk")


def _source_digest() -> str:
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256(numba.__version__.encode())
    for package in _COMPILED_PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _cache_dir() -> str:
    try:
        chosen = settings().numba_cache
    except InputError:  # a bad CHAGAI_* value: the command or server reports it where it reports every error
        chosen = None
    base = chosen or platformdirs.user_cache_dir("chagai", appauthor=False)
    return str(Path(base) / f"numba-{_source_digest()}")


numba.config.CACHE_DIR = _cache_dir()  # type: ignore[attr-defined]  # before numba compiles anything


def compiled_before() -> bool:
    """Whether this machine's compile cache holds compiled model code (else the first run compiles it)."""
    folder = Path(numba.config.CACHE_DIR)  # type: ignore[attr-defined]
    return folder.is_dir() and any(folder.rglob("*.nbi"))


def jit(fn: Fn) -> Fn:
    """Compile ``fn`` with numba in nopython mode, caching the result on disk."""
    return cast(Fn, numba.njit(cache=True, nogil=True, error_model="numpy")(fn))


def parallel_jit(fn: Fn) -> Fn:
    """Compile ``fn`` with numba for parallel loops (``numba.prange``)."""
    return cast(Fn, numba.njit(cache=True, nogil=True, parallel=True, error_model="numpy")(fn))
