"""float32 ``exp``, ``expm1``, ``tanh`` and ``sigmoid`` in plain arithmetic, so LLVM vectorises them.

This llvmlite has no vector math library: a call to ``np.exp`` inside the network kernels' lane
loop is a libm call per lane, and the loop stays scalar. The exponentials here are Cephes-style
instead: a range reduction ``x = n*ln2 + r`` (|r| <= ln2/2, ``ln2`` split in two constants so
``n*ln2`` is exact), a short polynomial in ``r`` and a scaling by ``2**n`` built from the exponent
bits; ``expm1_neg32`` (elu, selu) and ``sigmoid32`` reduce only the side they need. ``tanh32`` needs
no exponential at all: an odd/even rational function (Eigen's). Polynomials are evaluated with
fused multiply-adds (``fma32``, rounded once, the same bits on every CPU). No branches, no calls: the network
kernels' 64-lane loops vectorise, and a single game (the same functions, the same operations) gives
the same bits as its lane.

Accuracy against float64 (``tests/test_fastmath.py`` checks it over a dense grid of the whole
float32 range): relative error below 1e-6 wherever the result is a normal float32 (below that,
absolute error below 1e-6 of the smallest normal, subnormal results included). Overflow gives inf,
saturation gives exactly 1 (tanh, sigmoid) or -1 (expm1, tanh), -0.0 stays -0.0, nan stays nan.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

_F = np.float32
_LOG2E = _F(1.4426950408889634)
_LN2_HI = _F(0.693359375)  # ln 2 = _LN2_HI + _LN2_LO, with few bits in _LN2_HI so n*_LN2_HI is exact
_LN2_LO = _F(-2.12194440e-4)
_X_HI = _F(89.0)  # exp(89) overflows float32; clamping keeps n in range
_X_LO = _F(-104.0)  # exp(-104) is below half the smallest subnormal
_NEG_LO = _F(-18.0)  # expm1(x) rounds to -1 below -17.33
_ONE = _F(1.0)
_TWO = _F(2.0)
_HALF = _F(0.5)
_ZERO = _F(0.0)
# exp(r) - 1 - r = r^2 * P(r) on |r| <= ln2/2 (Cephes expf)
_E0, _E1, _E2 = _F(5.0000001201e-1), _F(1.6666665459e-1), _F(4.1665795894e-2)
_E3, _E4, _E5 = _F(8.3334519073e-3), _F(1.3981999507e-3), _F(1.9875691500e-4)
# tanh(x) = x * A(x^2) / B(x^2) on |x| <= 7.9053 (Eigen's float32 tanh; max error about 3.3 ulp)
_TANH_CLAMP, _TANH_TINY, _TANH_ONE = _F(7.90531110763549805), _F(0.0004), _F(9.0)
_TA1, _TA3, _TA5 = _F(4.89352455891786e-03), _F(6.37261928875436e-04), _F(1.48572235717979e-05)
_TA7, _TA9, _TA11 = _F(5.12229709037114e-08), _F(-8.60467152213735e-11), _F(2.00018790482477e-13)
_TA13 = _F(-2.76076847742355e-16)
_TB0, _TB2, _TB4, _TB6 = _F(4.89352518554385e-03), _F(2.26843463243900e-03), _F(1.18534705686654e-04), _F(1.19825839466702e-06)


@intrinsic
def ldexp_int(typingctx, p, n):
    """``p * 2**n`` for float32 ``p`` and an integer-valued float32 ``n`` in [-150, 128] (nan gives
    nan). Two multiplications by powers of two built from exponent bits, so a subnormal result is
    rounded once and an overflow gives inf."""
    sig = types.float32(types.float32, types.float32)

    def codegen(context, builder, signature, args):
        p, n = args
        f32, i32 = ir.FloatType(), ir.IntType(32)
        is_nan = builder.fcmp_unordered("uno", n, n)
        n = builder.select(is_nan, ir.Constant(f32, 0.0), n)
        ni = builder.fptosi(n, i32)
        n1 = builder.ashr(ni, ir.Constant(i32, 1))
        n2 = builder.sub(ni, n1)
        bias = ir.Constant(i32, 127)
        mant = ir.Constant(i32, 23)
        s1 = builder.bitcast(builder.shl(builder.add(n1, bias), mant), f32)
        s2 = builder.bitcast(builder.shl(builder.add(n2, bias), mant), f32)
        return builder.fmul(builder.fmul(p, s1), s2)  # where n was nan, p is nan too

    return sig, codegen


@intrinsic
def fma32(typingctx, a, b, c):
    """``a*b + c`` for float32, rounded once (``llvm.fma``): the polynomials below take half the
    instructions, and every CPU gives the same bits (a CPU without FMA computes it in software)."""
    sig = types.float32(types.float32, types.float32, types.float32)

    def codegen(context, builder, signature, args):
        return builder.fma(*args)

    return sig, codegen


@njit(cache=True, error_model="numpy", forceinline=True)
def _reduce(x):
    """(n, r) with x = n*ln2 + r, |r| <= ln2/2; x clamped to [-104, 89] first (nan stays nan)."""
    x = _X_HI if x > _X_HI else x
    x = _X_LO if x < _X_LO else x
    n = np.floor(x * _LOG2E + _HALF)
    r = (x - n * _LN2_HI) - n * _LN2_LO
    return n, r


@njit(cache=True, error_model="numpy", forceinline=True)
def _expm1_small(r):
    """exp(r) - 1 for |r| <= ln2/2, as r * (1 + r*P(r)) so that -0.0 stays -0.0."""
    p = fma32(fma32(fma32(fma32(fma32(_E5, r, _E4), r, _E3), r, _E2), r, _E1), r, _E0)
    return r * fma32(r, p, _ONE)


@njit(cache=True, error_model="numpy", forceinline=True)
def exp32(x):
    """float32 exp(x)."""
    n, r = _reduce(x)
    return ldexp_int(_expm1_small(r) + _ONE, n)


@njit(cache=True, error_model="numpy", forceinline=True)
def expm1_32(x):
    """float32 exp(x) - 1, accurate relative to the result near 0."""
    n, r = _reduce(x)
    e = _expm1_small(r)
    big = ldexp_int(e + _ONE, n) - _ONE
    e = e if n == _ZERO else big
    return x if x == _ZERO else e  # the reduction turns -0.0 into +0.0


@intrinsic
def pow2_mul(typingctx, p, n):
    """``p * 2**n`` for an integer-valued float32 ``n`` in [-126, 127] (one multiplication by a
    normal power of two built from exponent bits; nan ``n`` counts as 0)."""
    sig = types.float32(types.float32, types.float32)

    def codegen(context, builder, signature, args):
        p, n = args
        f32, i32 = ir.FloatType(), ir.IntType(32)
        n = builder.select(builder.fcmp_unordered("uno", n, n), ir.Constant(f32, 0.0), n)
        ni = builder.fptosi(n, i32)
        scale = builder.bitcast(builder.shl(builder.add(ni, ir.Constant(i32, 127)), ir.Constant(i32, 23)), f32)
        return builder.fmul(p, scale)

    return sig, codegen


@njit(cache=True, error_model="numpy", forceinline=True)
def expm1_neg32(x):
    """float32 exp(min(x, 0)) - 1: ``expm1_32`` on the side elu and selu use, cheaper. Below -18
    the result rounds to -1, so the reduction needs no overflow guard and 2**n (n >= -26) is one
    normal power of two."""
    x = _ZERO if x > _ZERO else x  # nan stays nan
    x = _NEG_LO if x < _NEG_LO else x
    n = np.floor(x * _LOG2E + _HALF)
    r = (x - n * _LN2_HI) - n * _LN2_LO
    e = _expm1_small(r)
    big = pow2_mul(e + _ONE, n) - _ONE
    e = e if n == _ZERO else big
    return x if x == _ZERO else e  # the reduction turns -0.0 into +0.0


@njit(cache=True, error_model="numpy", forceinline=True)
def tanh32(x):
    """float32 tanh(x): x below |x| = 0.0004, +-1 from |x| = 9 (tanh is within 3e-8 of it there), else a
    13/6 odd/even rational function of x clamped to +-7.9053. One division, no exp: the cheapest branch-free
    form of the four."""
    c = _TANH_CLAMP if x > _TANH_CLAMP else x  # nan stays nan
    c = -_TANH_CLAMP if c < -_TANH_CLAMP else c
    z = c * c
    p = fma32(fma32(fma32(fma32(fma32(fma32(_TA13, z, _TA11), z, _TA9), z, _TA7), z, _TA5), z, _TA3), z, _TA1) * c
    q = fma32(fma32(fma32(_TB6, z, _TB4), z, _TB2), z, _TB0)
    r = p / q
    a = abs(x)
    r = (_ONE if x > _ZERO else -_ONE) if a >= _TANH_ONE else r  # tanh is within 3e-8 of +-1 there
    return x if a < _TANH_TINY else r


@njit(cache=True, error_model="numpy", forceinline=True)
def sigmoid32(x):
    """float32 1 / (1 + exp(-x)), from e = exp(-|x|) (so that tiny results keep their precision):
    e / (1 + e) below 0, 1 / (1 + e) above. -|x| <= 0 needs only the lower clamp."""
    a = -abs(x)
    a = _X_LO if a < _X_LO else a  # nan stays nan
    n = np.floor(a * _LOG2E + _HALF)
    r = (a - n * _LN2_HI) - n * _LN2_LO
    e = ldexp_int(_expm1_small(r) + _ONE, n)
    num = e if x < _ZERO else _ONE
    return num / (_ONE + e)
