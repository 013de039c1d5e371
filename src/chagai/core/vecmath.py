"""Logarithm and exponential in plain arithmetic, so that compiled loops over a block of paths vectorise.

numba compiles ``math.log`` and ``math.exp`` to calls into the C library, one element at a time: a loop that
contains them cannot use vector instructions. The functions here use only multiplications, additions, one
division and the bit pattern of a float (its exponent field), which compile to vector instructions. They agree
with the C library to a few units in the last place over the ranges stated; outside them, callers use ``math``.

They run as plain Python too (the bit reinterpretations go through numpy there), like the rest of the model.
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic, overload

from chagai.core.jit import jit

_MANTISSA = 0x000FFFFFFFFFFFFF
_ONE = 0x3FF0000000000000  # bit pattern of 1.0
_SQRT2 = math.sqrt(2.0)
_LN2 = math.log(2.0)
_LN2_HI = 6.93147180369123816490e-01  # ln 2 split so that k * _LN2_HI is exact for |k| < 2^20
_LN2_LO = 1.90821492927058770002e-10
_INV_LN2 = 1.0 / math.log(2.0)
EXP_LIMIT = 700.0
"""|x| up to which :func:`exp_arith` holds (2^k stays a normal float)."""


def float_bits(x: float) -> int:
    """The IEEE 754 bit pattern of a float64, as an integer."""
    return int(np.float64(x).view(np.uint64))


def bits_float(bits: int) -> float:
    """The float64 whose IEEE 754 bit pattern is ``bits``."""
    return float(np.uint64(bits).view(np.float64))


@intrinsic
def _bitcast_to_int(typingctx, x):  # type: ignore[no-untyped-def]
    if not isinstance(x, types.Float):
        return None

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        return builder.bitcast(args[0], ir.IntType(64))

    return types.int64(types.float64), codegen


@intrinsic
def _bitcast_to_float(typingctx, bits):  # type: ignore[no-untyped-def]
    if not isinstance(bits, types.Integer):
        return None

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


@overload(float_bits)
def _float_bits_compiled(x):  # type: ignore[no-untyped-def]
    return lambda x: _bitcast_to_int(x)  # type: ignore[call-arg]


@overload(bits_float)
def _bits_float_compiled(bits):  # type: ignore[no-untyped-def]
    return lambda bits: _bitcast_to_float(bits)  # type: ignore[call-arg]


_LOG_SERIES = tuple(1.0 / (2 * i + 1) for i in range(10, -1, -1))  # atanh(s) / s in s^2, highest power first
_EXP_SERIES = tuple(1.0 / math.factorial(i) for i in range(13, -1, -1))  # e^r in r, highest power first


@jit
def log_arith(x: float) -> float:
    """The natural logarithm of a positive, finite, normal ``x`` (relative error about 1e-16).

    x = 2^e m with m in [sqrt(1/2), sqrt(2)); ln m = 2 atanh(s), s = (m - 1) / (m + 1), |s| <= 0.172, by its
    series to s^21.
    """
    bits = float_bits(x)
    e = ((bits >> 52) & 0x7FF) - 1023
    m = bits_float((bits & _MANTISSA) | _ONE)
    high = m > _SQRT2
    m = m * 0.5 if high else m
    e = e + 1 if high else e
    s = (m - 1.0) / (m + 1.0)
    s2 = s * s
    series = 0.0
    for c in _LOG_SERIES:
        series = series * s2 + c
    return float(e * _LN2 + 2.0 * s * series)


@jit
def exp_arith(x: float) -> float:
    """e^x for |x| <= :data:`EXP_LIMIT` (relative error a few units in the last place).

    x = k ln 2 + r with |r| <= ln(2) / 2; e^r by its Taylor series to r^13, times 2^k built from its bits.
    """
    k = math.floor(x * _INV_LN2 + 0.5)
    r = (x - k * _LN2_HI) - k * _LN2_LO
    series = 0.0
    for c in _EXP_SERIES:
        series = series * r + c
    return float(series * bits_float((int(k) + 1023) << 52))
