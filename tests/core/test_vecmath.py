"""The vectorisable logarithm and exponential agree with the C library to a few units in the last place."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from chagai.core.jit import jit
from chagai.core.vecmath import EXP_LIMIT, bits_float, exp_arith, float_bits, log_arith


@jit
def _logs(x: np.ndarray) -> np.ndarray:
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        out[i] = log_arith(x[i])
    return out


@jit
def _exps(x: np.ndarray) -> np.ndarray:
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        out[i] = exp_arith(x[i])
    return out


def test_log_matches_the_library_over_the_normal_floats() -> None:
    x = np.exp(np.random.default_rng(1).uniform(-700.0, 700.0, 200_000))
    x = np.concatenate([x, [1.0, 2.0, 0.5, math.sqrt(2.0), np.nextafter(math.sqrt(2.0), 2.0), 2.2250738585072014e-308]])
    got, expected = _logs(x), np.log(x)
    assert np.max(np.abs(got - expected) / np.maximum(np.abs(expected), 1.0)) < 4e-16
    assert got[np.flatnonzero(x == 1.0)[0]] == 0.0


def test_exp_matches_the_library_within_its_range() -> None:
    x = np.concatenate([np.random.default_rng(2).uniform(-EXP_LIMIT, EXP_LIMIT, 200_000), [0.0, 1.0, -1.0]])
    got, expected = _exps(x), np.exp(x)
    assert np.max(np.abs(got / expected - 1.0)) < 5e-16
    assert got[np.flatnonzero(x == 0.0)[0]] == 1.0


@given(st.floats(min_value=1e-300, max_value=1e300))
def test_plain_python_and_compiled_agree(x: float) -> None:
    """The functions run uncompiled too (the model's reference), with the same results."""
    assert log_arith.py_func(x) == _logs(np.array([x]))[0]
    y = max(-EXP_LIMIT, min(EXP_LIMIT, math.log(x)))
    assert exp_arith.py_func(y) == _exps(np.array([y]))[0]
    assert bits_float(float_bits(x)) == x
