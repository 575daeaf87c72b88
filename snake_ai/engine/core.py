"""Numba kernels of the game: reset, step, the 7 inputs and the angle teacher.

One game's state lives in row ``g`` of three arrays (see ``state.State``):

* ``body``  int32 (B, W*H): ring buffer of occupied cell indices ``y*W + x``; the head is at
  ``body[g, info[g, HEAD]]``, the tail ``info[g, LEN] - 1`` slots behind it.
* ``grid``  uint8 (B, W*H): 1 where the snake occupies the cell.
* ``info``  int64 (B, NINFO): the scalars, indexed by the constants below.

Randomness: every game owns a splitmix64 stream seeded from its game seed; apples are drawn from it
and from nothing else, so a game is fully determined by its seed and its actions, whatever the batch
it runs in, its position there or the number of threads.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .rules import R_DX, R_DY, R_H, R_LEN, R_MAX, R_SX, R_SY, R_W

HEAD, LEN, DX, DY, APPLE, STATUS, STEPS, APPLES, RNG = range(9)
NINFO = 9

RUNNING, DEAD, TRUNCATED = 0, 1, 2
LEFT, STRAIGHT, RIGHT = 0, 1, 2

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_AGENT_SALT = np.uint64(0xD1B54A32D192ED03)


@njit(inline="always", cache=True, error_model="numpy")
def mix64(z):
    """splitmix64's finaliser: a bijective scramble of a uint64."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(inline="always", cache=True, error_model="numpy")
def rng_next(state):
    """Advance a splitmix64 state; returns (new_state, 64 random bits)."""
    s = state + _GOLDEN
    return s, mix64(s)


@njit(inline="always", cache=True, error_model="numpy")
def rng_below(state, n):
    """A uniform integer in [0, n) (n << 2**53, so the modulo bias is below 1e-12)."""
    s, z = rng_next(state)
    return s, np.int64((z >> _S11) % np.uint64(n))


@njit(cache=True)
def game_seed(seed, i):
    """The seed of game ``i`` of a run seeded ``seed``."""
    return mix64(mix64(np.uint64(seed)) + np.uint64(i) * _GOLDEN)


@njit(cache=True)
def derive_seeds_kernel(seed, start, n):
    out = np.empty(n, dtype=np.uint64)
    for i in range(n):
        out[i] = game_seed(seed, start + i)
    return out


def derive_seeds(seed: int, n: int, start: int = 0) -> np.ndarray:
    """Game seeds ``start .. start+n-1`` of a run seeded ``seed`` (uint64, shape (n,))."""
    if seed < 0 or start < 0 or n < 0:
        raise ValueError("seed, start and n must be non-negative")
    return derive_seeds_kernel(np.uint64(seed & 0xFFFFFFFFFFFFFFFF), np.int64(start), np.int64(n))


@njit(inline="always", cache=True, error_model="numpy")
def agent_stream(seed):
    """A second random stream per game, for agents that draw (the random agent)."""
    return mix64(seed ^ _AGENT_SALT)


# ----------------------------------------------------------------------------------------------
# One game


@njit(inline="always", cache=True, error_model="numpy")
def place_apple(grid, info, g, W, H):
    """Draw the apple uniformly in x in 1..W-1, y in 1..H-1, redrawn while on the snake.

    After 64 rejected draws the apple is drawn uniformly among the free cells of that region by a
    scan (same distribution, bounded time). With no free cell left there is no apple (-1).
    """
    s = np.uint64(info[g, RNG])
    for _ in range(64):
        s, x = rng_below(s, W - 1)
        s, y = rng_below(s, H - 1)
        c = (y + 1) * W + (x + 1)
        if grid[g, c] == 0:
            info[g, APPLE] = c
            info[g, RNG] = np.int64(s)
            return
    free = 0
    for y in range(1, H):
        for x in range(1, W):
            if grid[g, y * W + x] == 0:
                free += 1
    if free == 0:
        info[g, APPLE] = -1
        info[g, RNG] = np.int64(s)
        return
    s, k = rng_below(s, free)
    info[g, RNG] = np.int64(s)
    for y in range(1, H):
        for x in range(1, W):
            c = y * W + x
            if grid[g, c] == 0:
                if k == 0:
                    info[g, APPLE] = c
                    return
                k -= 1


@njit(inline="always", cache=True, error_model="numpy")
def reset_game(body, grid, info, g, seed, rules):
    W = rules[R_W]
    N = W * rules[R_H]
    for c in range(N):
        grid[g, c] = 0
    L = rules[R_LEN]
    dx = rules[R_DX]
    dy = rules[R_DY]
    # body[0] is the tail, body[L-1] the head
    for k in range(L):
        back = L - 1 - k
        c = (rules[R_SY] - back * dy) * W + (rules[R_SX] - back * dx)
        body[g, k] = c
        grid[g, c] = 1
    info[g, HEAD] = L - 1
    info[g, LEN] = L
    info[g, DX] = dx
    info[g, DY] = dy
    info[g, STATUS] = RUNNING
    info[g, STEPS] = 0
    info[g, APPLES] = 0
    info[g, RNG] = np.int64(seed)
    place_apple(grid, info, g, W, rules[R_H])


@njit(inline="always", cache=True, error_model="numpy")
def turn(dx, dy, action):
    """Relative action to new direction: left is (dy, -dx), right is (-dy, dx)."""
    if action == LEFT:
        return dy, -dx
    if action == RIGHT:
        return -dy, dx
    return dx, dy


@njit(inline="always", cache=True, error_model="numpy")
def step_game(body, grid, info, g, action, rules):
    """Advance game ``g`` by one action; returns the reward (1 when an apple is eaten)."""
    if info[g, STATUS] != RUNNING:
        return 0
    W = rules[R_W]
    H = rules[R_H]
    N = W * H
    ndx, ndy = turn(info[g, DX], info[g, DY], action)
    info[g, DX] = ndx
    info[g, DY] = ndy
    info[g, STEPS] += 1
    h = info[g, HEAD]
    cell = body[g, h]
    nx = cell % W + ndx
    ny = cell // W + ndy
    if nx < 0 or nx >= W or ny < 0 or ny >= H:
        info[g, STATUS] = DEAD
        return 0
    nc = ny * W + nx
    eat = nc == info[g, APPLE]
    L = info[g, LEN]
    ti = h - L + 1
    if ti < 0:
        ti += N
    tail = body[g, ti]
    if grid[g, nc] != 0 and not (nc == tail and not eat):
        info[g, STATUS] = DEAD
        return 0
    if not eat:
        grid[g, tail] = 0
    h += 1
    if h == N:
        h = 0
    body[g, h] = nc
    grid[g, nc] = 1
    info[g, HEAD] = h
    reward = 0
    if eat:
        info[g, LEN] = L + 1
        info[g, APPLES] += 1
        reward = 1
        place_apple(grid, info, g, W, H)
    if info[g, STEPS] >= rules[R_MAX]:
        info[g, STATUS] = TRUNCATED
    return reward


@njit(inline="always", cache=True, error_model="numpy")
def blocked(grid, g, x, y, W, H):
    if x < 0 or x >= W or y < 0 or y >= H:
        return 1
    return 1 if grid[g, y * W + x] != 0 else 0


@njit(inline="always", cache=True, error_model="numpy")
def sense(body, grid, info, g, W, H):
    """The integer facts behind the 7 inputs: (left, front, right blocked, apple dx, apple dy)."""
    cell = body[g, info[g, HEAD]]
    hx = cell % W
    hy = cell // W
    dx = info[g, DX]
    dy = info[g, DY]
    lb = blocked(grid, g, hx + dy, hy - dx, W, H)
    fb = blocked(grid, g, hx + dx, hy + dy, W, H)
    rb = blocked(grid, g, hx - dy, hy + dx, W, H)
    a = info[g, APPLE]
    if a < 0:
        return lb, fb, rb, 0, 0
    return lb, fb, rb, a % W - hx, a // W - hy


@njit(inline="always", cache=True, error_model="numpy")
def write_features(out, r, lb, fb, rb, adx, ady, dx, dy):
    """Row ``r`` of ``out`` = [left, front, right blocked, apple unit dx, dy, snake dx, dy]."""
    out[r, 0] = lb
    out[r, 1] = fb
    out[r, 2] = rb
    if adx == 0 and ady == 0:
        out[r, 3] = 0.0
        out[r, 4] = 0.0
    else:
        n = np.sqrt(np.float64(adx * adx + ady * ady))
        out[r, 3] = adx / n
        out[r, 4] = ady / n
    out[r, 5] = dx
    out[r, 6] = dy


@njit(inline="always", cache=True, error_model="numpy")
def teacher_move(lb, fb, rb, adx, ady, dx, dy):
    """The angle teacher and the study's blocked-move table (SPEC section 2).

    The sign of atan2(ay*sx - ax*sy, ay*sy + ax*sx) only depends on the sign of the cross product
    and, when it is 0, on the sign of the dot product; both are computed exactly on integers.
    Returns -1 when all three moves are blocked.
    """
    cross = ady * dx - adx * dy
    if cross > 0:
        want = RIGHT
    elif cross < 0:
        want = LEFT
    elif ady * dy + adx * dx < 0:
        want = RIGHT  # apple straight behind: angle = 1
    else:
        want = STRAIGHT
    return table_move(want, lb, fb, rb)


@njit(inline="always", cache=True, error_model="numpy")
def table_move(want, lb, fb, rb):
    if lb and fb and rb:
        return -1
    if want == LEFT:
        if not lb:
            return LEFT
        if fb and not rb:
            return RIGHT
        if not fb and rb:
            return STRAIGHT
        return RIGHT
    if want == STRAIGHT:
        if not fb:
            return STRAIGHT
        if lb and not rb:
            return RIGHT
        if not lb and rb:
            return LEFT
        return RIGHT
    if not rb:
        return RIGHT
    if not fb and lb:
        return STRAIGHT
    if fb and not lb:
        return LEFT
    return LEFT


# ----------------------------------------------------------------------------------------------
# Batched kernels over B games


@njit(parallel=True, cache=True, error_model="numpy")
def reset_kernel(body, grid, info, seeds, rules):
    for g in prange(seeds.shape[0]):
        reset_game(body, grid, info, g, seeds[g], rules)


@njit(parallel=True, cache=True, error_model="numpy")
def step_kernel(body, grid, info, actions, rewards, rules):
    for g in prange(actions.shape[0]):
        rewards[g] = step_game(body, grid, info, g, actions[g], rules)


@njit(parallel=True, cache=True, error_model="numpy")
def observe_kernel(body, grid, info, out, rules):
    W = rules[R_W]
    H = rules[R_H]
    for g in prange(out.shape[0]):
        lb, fb, rb, adx, ady = sense(body, grid, info, g, W, H)
        write_features(out, g, lb, fb, rb, adx, ady, info[g, DX], info[g, DY])


@njit(parallel=True, cache=True, error_model="numpy")
def teacher_kernel(body, grid, info, out, rules):
    W = rules[R_W]
    H = rules[R_H]
    for g in prange(out.shape[0]):
        lb, fb, rb, adx, ady = sense(body, grid, info, g, W, H)
        out[g] = teacher_move(lb, fb, rb, adx, ady, info[g, DX], info[g, DY])
