"""The engine's float32 exp, expm1, tanh and sigmoid against numpy's float64 functions."""

import numpy as np
import pytest
from numba import njit

from snake_ai.engine.fastmath import exp32, expm1_32, expm1_neg32, sigmoid32, tanh32

TINY = np.finfo(np.float32).tiny  # the smallest normal float32
BOUND = 1e-6


def _sigmoid64(x):
    with np.errstate(over="ignore", invalid="ignore"):
        return np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))


def _expm1_neg64(x):
    with np.errstate(over="ignore"):
        return np.where(x > 0, 0.0, np.expm1(x))  # -0.0 and nan stay


FUNCTIONS = {"exp": (exp32, np.exp), "expm1": (expm1_32, np.expm1), "tanh": (tanh32, np.tanh),
             "sigmoid": (sigmoid32, _sigmoid64), "expm1_neg": (expm1_neg32, _expm1_neg64)}
_KERNELS = {}


def apply(name, x):
    """The compiled function over an array, in a loop like the network kernels' lane loops."""
    if name not in _KERNELS:
        f = FUNCTIONS[name][0]

        @njit(error_model="numpy")
        def kernel(x, out):
            for i in range(x.shape[0]):
                out[i] = f(x[i])

        _KERNELS[name] = kernel
    out = np.empty_like(x)
    _KERNELS[name](x, out)
    return out


def dense_grid():
    """Both signs of: every magnitude from the smallest subnormal to the largest float32 on a
    geometric grid, a fine linear grid over [0, 110] (where the reductions and branches switch),
    and consecutive float32 values around the branch points."""
    mags = np.concatenate([np.geomspace(1e-45, np.finfo(np.float32).max, 1_500_000),
                           np.linspace(0, 110, 1_500_000)]).astype(np.float32)
    around = [np.float32(c) for c in (0.625, 0.34657359, 88.7228, 87.3365, 103.27, 1.0, 17.0)]
    steps = np.arange(-2000, 2000, dtype=np.int32)
    near = np.concatenate([(np.array([c]).view(np.int32) + steps).view(np.float32) for c in around])
    pos = np.concatenate([mags, near])
    return np.concatenate([pos, -pos])


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_error_bound_over_float32(name):
    x = dense_grid()
    got = apply(name, x).astype(np.float64)
    with np.errstate(over="ignore"):
        exact = FUNCTIONS[name][1](x.astype(np.float64))
    big = np.abs(exact) > np.finfo(np.float32).max
    with np.errstate(over="ignore"):
        assert np.all(got[big] == exact[big].astype(np.float32))  # overflow gives inf of the right sign
    ok = ~big
    err = np.abs(got[ok] - exact[ok]) / np.maximum(np.abs(exact[ok]), TINY)
    worst = int(np.argmax(err))
    assert err[worst] <= BOUND, f"{name}({x[ok][worst]!r}) = {got[ok][worst]!r}, float64 says {exact[ok][worst]!r}"


EDGES = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, -1e-45, 88.72283, 88.72284, 89.0, 1e30,
                  -87.34, -103.2, -103.3, -104.0, -1e30, 9.0, -9.0, 20.0, -20.0], np.float32)


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_edge_values(name):
    got = apply(name, EDGES)
    with np.errstate(over="ignore", invalid="ignore"):
        exact = FUNCTIONS[name][1](EDGES.astype(np.float64)).astype(np.float32)
    np.testing.assert_array_max_ulp(got[np.isfinite(exact)], exact[np.isfinite(exact)], maxulp=8)
    assert np.array_equal(got, exact, equal_nan=True) or np.allclose(got, exact, rtol=1e-6, equal_nan=True)
    assert np.array_equal(np.signbit(got[:2]), np.signbit(exact[:2]))  # -0.0 stays -0.0 (expm1, tanh)
    assert np.isnan(got[4])


def test_saturation():
    big = np.array([9.5, 20.0, 100.0, 1e30, np.inf], np.float32)
    assert np.all(apply("tanh", big) == 1) and np.all(apply("tanh", -big) == -1)
    assert np.all(apply("sigmoid", big[1:]) == 1) and np.all(apply("sigmoid", -big[2:]) < 1e-43)
    assert np.all(apply("expm1", -big[1:]) == -1) and np.all(apply("exp", -big[3:]) == 0)
    assert np.all(np.isposinf(apply("exp", big[2:]))) and np.all(np.isposinf(apply("expm1", big[2:])))


def test_the_lane_loop_vectorises():
    """LLVM turns the loop into packed single-precision arithmetic (no libm call per element)."""
    for name in FUNCTIONS:
        apply(name, np.zeros(4, np.float32))
        k = _KERNELS[name]
        asm = k.inspect_asm(k.signatures[0])
        packed = [line for line in asm.splitlines() if "ps\t%xmm" in line or "ps\t%ymm" in line or "ps\t%zmm" in line]
        assert len(packed) > 20, name
        assert "expf" not in asm and "tanhf" not in asm, name
