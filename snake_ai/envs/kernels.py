"""Compiled kernels of the Gymnasium envs: one call per ``reset`` or ``step``, single or vector.

Every game is played by the engine's per-game helpers (``engine.core``); this module only adds the
Gymnasium plumbing around them: observation rows, the autoreset rule of Gymnasium's vector envs
(``AutoresetMode.NEXT_STEP``) and the per-game seed generator.

Seeding matches Gymnasium exactly. A single env draws each game's seed from its ``np_random``
(a ``Generator(PCG64)`` seeded by ``reset(seed=...)``) with ``integers(0, 2**63)``. The vector env
keeps one PCG64 state per game (``pcg``: uint64 (n, 4) = state high, state low, increment high,
increment low, numpy's layout of the 128-bit LCG) and steps it here, so a game autoreset inside
the kernel gets the very seed the single env would have drawn in Python. For that bound numpy's
Lemire sampler takes one 64-bit output and keeps its top 63 bits (checked against numpy in the
tests).

All the engine state the kernels touch is passed as one ``engine.core.Games`` (``s``), the rules as
``Rules.kernel()``.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ..engine.core import _DEAD as DEAD, _RUNNING as RUNNING, _TRUNCATED as TRUNCATED
from ..engine.core import mix64, reset_game, sense, step_game, write_features

BAD_ACTION = -1  # status returned by the single-env step when the action is not 0, 1 or 2

# ----------------------------------------------------------------------------------------------
# numpy's PCG64 (XSL-RR 128/64), state as two uint64 halves

_PCG_MUL_HI = np.uint64(0x2360ED051FC65DA4)
_PCG_MUL_LO = np.uint64(0x4385DF649FCCF645)
_M32 = np.uint64(0xFFFFFFFF)
_S32, _S58, _S1, _S64 = np.uint64(32), np.uint64(58), np.uint64(1), np.uint64(64)


@njit(inline="always", cache=True, error_model="numpy")
def _mul_hi(a, b):
    """High 64 bits of the 128-bit product of two uint64."""
    a0 = a & _M32
    a1 = a >> _S32
    b0 = b & _M32
    b1 = b >> _S32
    t = a1 * b0 + ((a0 * b0) >> _S32)
    w1 = (t & _M32) + a0 * b1
    return a1 * b1 + (t >> _S32) + (w1 >> _S32)


@njit(inline="always", cache=True, error_model="numpy")
def pcg64_next(pcg, g):
    """Advance game g's PCG64 and return its next 64-bit output (``bit_generator.random_raw()``)."""
    hi = pcg[g, 0]
    lo = pcg[g, 1]
    nlo = lo * _PCG_MUL_LO
    nhi = _mul_hi(lo, _PCG_MUL_LO) + hi * _PCG_MUL_LO + lo * _PCG_MUL_HI
    lo2 = nlo + pcg[g, 3]
    hi2 = nhi + pcg[g, 2] + (np.uint64(1) if lo2 < nlo else np.uint64(0))
    pcg[g, 0] = hi2
    pcg[g, 1] = lo2
    x = hi2 ^ lo2
    r = hi2 >> _S58
    return (x >> r) | (x << ((_S64 - r) & np.uint64(63)))


@njit(inline="always", cache=True, error_model="numpy")
def draw_game_seed(pcg, g):
    """``np_random.integers(0, 2**63, dtype=int64)`` as the single env draws it, mixed as it is."""
    return mix64(pcg64_next(pcg, g) >> _S1)


# ----------------------------------------------------------------------------------------------
# The single env: one call per reset / step


@njit(inline="always", cache=True, error_model="numpy")
def _observe(s, g, out, r, rules):
    lb, fb, rb, adx, ady = sense(s, g, rules)
    st = s.info[g]
    write_features(out, r, lb, fb, rb, adx, ady, st.dx, st.dy)


@njit(cache=True, error_model="numpy")
def single_reset(s, seed, rules, obs):
    """Start game 0 from ``seed`` (already mixed); writes obs (1, 7)."""
    g = np.int64(0)
    reset_game(s, g, seed, rules)
    _observe(s, g, obs, g, rules)


@njit(cache=True, error_model="numpy")
def single_step(s, action, rules):
    """Step game 0; returns (observation float32 (7,), reward, status, apples, length, steps).

    status is ``BAD_ACTION`` (and nothing moves) when the action is not 0, 1 or 2.
    """
    obs = np.empty((1, 7), dtype=np.float32)
    if action < 0 or action > 2:
        return obs[0], 0, BAD_ACTION, 0, 0, 0
    g = np.int64(0)
    reward = step_game(s, g, action, rules)
    _observe(s, g, obs, g, rules)
    st = s.info[g]
    return obs[0], reward, st.status, st.apples, st.length, st.steps


# ----------------------------------------------------------------------------------------------
# The vector env: n games, Gymnasium's NEXT_STEP autoreset, one call per step


@njit(inline="always", cache=True, error_model="numpy")
def _write_stats(s, g, stats):
    st = s.info[g]
    stats[0, g] = st.apples
    stats[1, g] = st.length
    stats[2, g] = st.steps


@njit(inline="always", cache=True, error_model="numpy")
def _vec_reset_game(s, pcg, g, obs, stats, rules):
    reset_game(s, g, draw_game_seed(pcg, g), rules)
    _observe(s, g, obs, g, rules)
    _write_stats(s, g, stats)


@njit(inline="always", cache=True, error_model="numpy")
def _vec_step_game(s, pcg, g, a, auto, obs, rew, term, trunc, stats, rules):
    if auto[g]:  # the game ended on the previous step: this step resets it (NEXT_STEP)
        reset_game(s, g, draw_game_seed(pcg, g), rules)
        rew[g] = 0.0
        term[g] = False
        trunc[g] = False
        auto[g] = False
    else:
        rew[g] = step_game(s, g, a, rules)
        status = s.info[g].status
        term[g] = status == DEAD
        trunc[g] = status == TRUNCATED
        auto[g] = status != RUNNING
    _observe(s, g, obs, g, rules)
    _write_stats(s, g, stats)


@njit(cache=True, error_model="numpy")
def first_bad_action(actions):
    """Index of the first action outside 0..2, or -1."""
    for g in range(actions.shape[0]):
        if actions[g] < 0 or actions[g] > 2:
            return g
    return -1


@njit(parallel=True, cache=True, error_model="numpy")
def vec_reset(s, pcg, mask, obs, stats, rules):
    """Reset the games where ``mask``, each from the next seed of its PCG64 stream."""
    for g in prange(mask.shape[0]):
        if mask[g]:
            _vec_reset_game(s, pcg, g, obs, stats, rules)


@njit(parallel=True, cache=True, error_model="numpy")
def vec_step_parallel(s, pcg, actions, auto, obs, rew, term, trunc, stats, rules):
    """Step every game on every core (the games are independent: same result on any thread count)."""
    for g in prange(actions.shape[0]):
        _vec_step_game(s, pcg, g, actions[g], auto, obs, rew, term, trunc, stats, rules)


@njit(cache=True, error_model="numpy")
def vec_step_serial(s, pcg, actions, auto, obs, rew, term, trunc, stats, rules):
    """The same on the calling thread: for a few games a parallel launch costs more than it saves."""
    for g in range(actions.shape[0]):
        _vec_step_game(s, pcg, g, actions[g], auto, obs, rew, term, trunc, stats, rules)


def _drop_stale_caches() -> None:
    import sys

    from ..engine.compiling import drop_stale_caches

    drop_stale_caches(sys.modules[__name__])


_drop_stale_caches()
