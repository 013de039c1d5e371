"""Brent's method for a root in a bracket, compiled, for compiled callers: exactly :func:`scipy.optimize.brentq`.

scipy's ``brentq`` calls a Python function at every step. Compiled code cannot hand it one (and a compiled function
that takes another as an argument cannot be cached), so here the method is a small state that the caller advances:
:func:`brent_start` sets it up from the bracket, and each :func:`brent_next` says where to evaluate the function
next, or that the root is found. The caller evaluates, stores the value with :func:`brent_store` and asks again::

    state, status = brent_start(a, f(a), b, f(b))  # BRENT_NO_BRACKET: no root to search for
    for _ in range(maxiter):
        x, done = brent_next(state, xtol, rtol)
        if done:
            break  # x is the root
        brent_store(state, f(x))

The arithmetic is that of scipy's C routine (Charles Harris's ``brentq.c``, with the sign-bit tests of current
scipy) statement by statement, so a caller that evaluates the same function gets the same root to the last bit,
after the same number of evaluations.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from chagai.core.jit import jit

F64 = npt.NDArray[np.float64]

# positions in the state: the bracket's two ends and the previous estimate, their values, the last two steps
_XPRE, _XCUR, _XBLK, _FPRE, _FCUR, _FBLK, _SPRE, _SCUR = range(8)

BRENT_ROOT = 0
"""Status of :func:`brent_start`: an end of the bracket is a root (``brent_next`` returns it at once)."""
BRENT_SEARCH = 1
"""Status of :func:`brent_start`: the bracket holds a sign change; iterate."""
BRENT_NO_BRACKET = 2
"""Status of :func:`brent_start`: both ends have the same sign bit (scipy raises ``ValueError``)."""


@jit
def _signbit(value: float) -> bool:
    """C's ``signbit``: whether the sign bit is set (for -0.0 too)."""
    return math.copysign(1.0, value) < 0.0


@jit
def _divide(num: float, den: float) -> float:
    """``num / den`` as C computes it: a division by zero gives an infinity or NaN instead of an error."""
    if den != 0.0 or math.isnan(den):
        return num / den
    if num == 0.0 or math.isnan(num):
        return math.nan
    return math.inf if (num > 0.0) == (math.copysign(1.0, den) > 0.0) else -math.inf


@jit
def brent_start(a: float, fa: float, b: float, fb: float) -> tuple[F64, int]:
    """The state of a search for a root between ``a`` and ``b``, and its status (``BRENT_*``).

    Parameters
    ----------
    a, b
        Ends of the bracket [as the function's argument].
    fa, fb
        The function's values there.
    """
    state = np.zeros(8)
    state[_XPRE], state[_XCUR], state[_FPRE], state[_FCUR] = a, b, fa, fb
    if fa == 0:
        state[_XCUR], state[_FCUR] = a, 0.0  # brent_next returns the root at once
        return state, BRENT_ROOT
    if fb == 0:
        return state, BRENT_ROOT
    if _signbit(fa) == _signbit(fb):
        return state, BRENT_NO_BRACKET
    return state, BRENT_SEARCH


@jit
def brent_next(state: F64, xtol: float, rtol: float) -> tuple[float, bool]:
    """One step: ``(root, True)`` when the search has converged, else ``(x, False)``, where to evaluate next.

    ``xtol`` and ``rtol`` are scipy's: the root is within ``xtol + rtol * |root|`` of the true one.
    """
    xpre, xcur, xblk = state[_XPRE], state[_XCUR], state[_XBLK]
    fpre, fcur, fblk = state[_FPRE], state[_FCUR], state[_FBLK]
    spre, scur = state[_SPRE], state[_SCUR]
    if fpre != 0 and fcur != 0 and _signbit(fpre) != _signbit(fcur):
        xblk = xpre
        fblk = fpre
        spre = scur = xcur - xpre
    if abs(fblk) < abs(fcur):
        xpre = xcur
        xcur = xblk
        xblk = xpre
        fpre = fcur
        fcur = fblk
        fblk = fpre
    delta = (xtol + rtol * abs(xcur)) / 2
    sbis = (xblk - xcur) / 2
    if fcur == 0 or abs(sbis) < delta:
        return xcur, True
    if abs(spre) > delta and abs(fcur) < abs(fpre):
        if xpre == xblk:
            stry = _divide(-fcur * (xcur - xpre), fcur - fpre)  # interpolate
        else:
            dpre = _divide(fpre - fcur, xpre - xcur)  # extrapolate
            dblk = _divide(fblk - fcur, xblk - xcur)
            stry = _divide(-fcur * (fblk * dblk - fpre * dpre), dblk * dpre * (fblk - fpre))
        bound = abs(spre) if abs(spre) < 3 * abs(sbis) - delta else 3 * abs(sbis) - delta  # C's MIN
        if 2 * abs(stry) < bound:
            spre = scur  # good short step
            scur = stry
        else:
            spre = sbis
            scur = sbis
    else:
        spre = sbis
        scur = sbis
    xpre = xcur
    fpre = fcur
    if abs(scur) > delta:
        xcur += scur
    else:
        xcur += delta if sbis > 0 else -delta
    state[_XPRE], state[_XCUR], state[_XBLK] = xpre, xcur, xblk
    state[_FPRE], state[_FCUR], state[_FBLK] = fpre, np.nan, fblk
    state[_SPRE], state[_SCUR] = spre, scur
    return xcur, False


@jit
def brent_store(state: F64, value: float) -> None:
    """Record the function's value at the point the last :func:`brent_next` asked for."""
    state[_FCUR] = value
