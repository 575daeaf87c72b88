"""Numba kernels of the game: reset, step, the 7 inputs and the angle teacher.

The state of B games is a ``Games`` named tuple of three arrays (see ``state.State`` for the
public view):

* ``body``  int32 (B, W*H): ring buffer of occupied cell indices ``y*W + x``; the head is at
  ``body[g, info[g].head]``, the tail ``info[g].length - 1`` slots behind it.
* ``grid``  uint8 (B, W*H): 1 where the snake occupies the cell.
* ``info``  structured (B,) of dtype ``GAME``: the per-game scalars by name (head, length, dx,
  dy, apple, status, steps, apples, rng).

The rules travel as a ``KernelRules`` named tuple of int64 (``Rules.kernel()``).

Call convention of the per-game helpers (for kernels elsewhere, e.g. a vector env)::

    reset_game(s, g, seed, rules)        # s: Games, g: int64 game row, seed: uint64
    reward = step_game(s, g, action, rules)  # action: int64 Action; returns 1 when an apple is eaten
    lb, fb, rb, adx, ady = sense(s, g, rules)  # blocked left/front/right, apple offset
    write_features(out, r, lb, fb, rb, adx, ady, dx, dy)  # float32 out[r, :7]; dx, dy = info[g].dx, .dy
    a = teacher_move(lb, fb, rb, adx, ady, dx, dy)  # Action, or -1 when every move is blocked
    rng, k = rng_below(rng, n)           # uint64 state -> (new state, int64 in [0, n))
    rng = agent_stream(seed)             # the random agent's own stream of a game

Pass the game row ``g`` as an int64 variable, not a literal (each literal type is another
specialisation to compile).

Randomness: every game owns a splitmix64 stream seeded from its game seed; apples are drawn from it
and from nothing else, so a game is fully determined by its seed and its actions, whatever the batch
it runs in, its position there or the number of threads.
"""

from __future__ import annotations

from enum import IntEnum
from typing import NamedTuple

import numpy as np
from numba import njit


class Status(IntEnum):
    """How a game stands."""

    RUNNING = 0
    DEAD = 1  # the head left the board or entered the body
    TRUNCATED = 2  # max_steps reached


class Action(IntEnum):
    """A move relative to the heading."""

    LEFT = 0
    STRAIGHT = 1
    RIGHT = 2


RUNNING, DEAD, TRUNCATED = Status.RUNNING, Status.DEAD, Status.TRUNCATED
LEFT, STRAIGHT, RIGHT = Action.LEFT, Action.STRAIGHT, Action.RIGHT
# plain ints for the kernels
_RUNNING, _DEAD, _TRUNCATED = int(RUNNING), int(DEAD), int(TRUNCATED)
_LEFT, _STRAIGHT, _RIGHT = int(LEFT), int(STRAIGHT), int(RIGHT)

GAME = np.dtype([
    ("head", np.int64),  # slot of the head in body[g]
    ("length", np.int64),  # cells of the snake
    ("dx", np.int64),  # heading, x component (right: 1)
    ("dy", np.int64),  # heading, y component (down: 1)
    ("apple", np.int64),  # cell of the apple (y*W + x), -1 when there is none
    ("status", np.int64),  # a Status
    ("steps", np.int64),  # steps played
    ("apples", np.int64),  # apples eaten
    ("rng", np.uint64),  # splitmix64 state of the game's apple stream
], align=True)


class Games(NamedTuple):
    """B games as the kernels see them."""

    body: np.ndarray  # int32 (B, W*H): ring buffer of snake cells (y*W + x), head at info[g].head
    grid: np.ndarray  # uint8 (B, W*H): 1 where the snake is
    info: np.ndarray  # GAME (B,): head, length, dx, dy, apple, status, steps, apples, rng


def new_games(batch: int, cells: int) -> Games:
    """Zeroed arrays for ``batch`` games on a board of ``cells`` cells."""
    return Games(np.zeros((batch, cells), np.int32), np.zeros((batch, cells), np.uint8), np.zeros(batch, GAME))


@njit(cache=True)
def alloc_games(batch, cells):
    """``new_games`` inside kernels (pass int64 values, not literals)."""
    return Games(np.zeros((batch, cells), np.int32), np.zeros((batch, cells), np.uint8), np.zeros(batch, GAME))


class KernelRules(NamedTuple):
    """``Rules`` as the kernels read them (every field int64)."""

    width: int
    height: int
    start_x: int
    start_y: int
    start_length: int
    start_dx: int
    start_dy: int
    max_steps: int


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


def _mix64_numpy(z: np.ndarray) -> np.ndarray:
    """``mix64`` on a uint64 array, in numpy (wrapping arithmetic, as in the kernels)."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


def derive_seeds(seed: int, n: int, start: int = 0) -> np.ndarray:
    """Game seeds ``start .. start+n-1`` of a run seeded ``seed`` (uint64, shape (n,)): game ``i``
    gets ``mix64(mix64(seed) + i * golden)``. Plain numpy: nothing to compile."""
    if seed < 0 or start < 0 or n < 0:
        raise ValueError("seed, start and n must be non-negative")
    base = _mix64_numpy(np.array([seed & 0xFFFFFFFFFFFFFFFF], dtype=np.uint64))
    i = np.arange(start, start + n, dtype=np.uint64)
    return _mix64_numpy(base + i * _GOLDEN)


@njit(inline="always", cache=True, error_model="numpy")
def agent_stream(seed):
    """A second random stream per game, for agents that draw (the random agent)."""
    return mix64(seed ^ _AGENT_SALT)


# ----------------------------------------------------------------------------------------------
# One game


@njit(cache=True, error_model="numpy")
def place_apple(s, g, rules):
    """Draw the apple uniformly in x in 1..W-1, y in 1..H-1, redrawn while on the snake.

    After 64 rejected draws the apple is drawn uniformly among the free cells of that region by a
    scan (same distribution, bounded time). With no free cell left there is no apple (-1).
    """
    W = rules.width
    H = rules.height
    grid = s.grid
    st = s.info[g]
    r = st.rng
    for _ in range(64):
        r, x = rng_below(r, W - 1)
        r, y = rng_below(r, H - 1)
        c = (y + 1) * W + (x + 1)
        if grid[g, c] == 0:
            st.apple = c
            st.rng = r
            return
    free = 0
    for y in range(1, H):
        for x in range(1, W):
            if grid[g, y * W + x] == 0:
                free += 1
    if free == 0:
        st.apple = -1
        st.rng = r
        return
    r, k = rng_below(r, free)
    st.rng = r
    for y in range(1, H):
        for x in range(1, W):
            c = y * W + x
            if grid[g, c] == 0:
                if k == 0:
                    st.apple = c
                    return
                k -= 1


@njit(cache=True, error_model="numpy", forceinline=True)
def reset_game(s, g, seed, rules):
    """Game ``g`` at its start: the snake laid out by the rules, an apple drawn from ``seed``."""
    W = rules.width
    N = W * rules.height
    body = s.body
    grid = s.grid
    for c in range(N):
        grid[g, c] = 0
    L = rules.start_length
    dx = rules.start_dx
    dy = rules.start_dy
    # body[0] is the tail, body[L-1] the head
    for k in range(L):
        back = L - 1 - k
        c = (rules.start_y - back * dy) * W + (rules.start_x - back * dx)
        body[g, k] = c
        grid[g, c] = 1
    st = s.info[g]
    st.head = L - 1
    st.length = L
    st.dx = dx
    st.dy = dy
    st.status = _RUNNING
    st.steps = 0
    st.apples = 0
    st.rng = seed
    place_apple(s, g, rules)


@njit(inline="always", cache=True, error_model="numpy")
def turn(dx, dy, action):
    """Relative action to new direction: left is (dy, -dx), right is (-dy, dx)."""
    if action == _LEFT:
        return dy, -dx
    if action == _RIGHT:
        return -dy, dx
    return dx, dy


@njit(cache=True, error_model="numpy", forceinline=True)
def step_game(s, g, action, rules):
    """Advance game ``g`` by one action; returns the reward (1 when an apple is eaten)."""
    st = s.info[g]
    if st.status != _RUNNING:
        return 0
    body = s.body
    grid = s.grid
    W = rules.width
    H = rules.height
    N = W * H
    ndx, ndy = turn(st.dx, st.dy, action)
    st.dx = ndx
    st.dy = ndy
    st.steps += 1
    h = st.head
    cell = body[g, h]
    nx = cell % W + ndx
    ny = cell // W + ndy
    if nx < 0 or nx >= W or ny < 0 or ny >= H:
        st.status = _DEAD
        return 0
    nc = ny * W + nx
    eat = nc == st.apple
    L = st.length
    ti = h - L + 1
    if ti < 0:
        ti += N
    tail = body[g, ti]
    if grid[g, nc] != 0 and not (nc == tail and not eat):
        st.status = _DEAD
        return 0
    if not eat:
        grid[g, tail] = 0
    h += 1
    if h == N:
        h = 0
    body[g, h] = nc
    grid[g, nc] = 1
    st.head = h
    reward = 0
    if eat:
        st.length = L + 1
        st.apples += 1
        reward = 1
        place_apple(s, g, rules)
    if st.steps >= rules.max_steps:
        st.status = _TRUNCATED
    return reward


@njit(inline="always", cache=True, error_model="numpy")
def blocked(grid, g, x, y, W, H):
    if x < 0 or x >= W or y < 0 or y >= H:
        return 1
    return 1 if grid[g, y * W + x] != 0 else 0


@njit(cache=True, error_model="numpy", forceinline=True)
def sense(s, g, rules):
    """The integer facts behind the 7 inputs: (left, front, right blocked, apple dx, apple dy)."""
    W = rules.width
    H = rules.height
    st = s.info[g]
    cell = s.body[g, st.head]
    hx = cell % W
    hy = cell // W
    dx = st.dx
    dy = st.dy
    grid = s.grid
    lb = blocked(grid, g, hx + dy, hy - dx, W, H)
    fb = blocked(grid, g, hx + dx, hy + dy, W, H)
    rb = blocked(grid, g, hx - dy, hy + dx, W, H)
    a = st.apple
    if a < 0:
        return lb, fb, rb, 0, 0
    return lb, fb, rb, a % W - hx, a // W - hy


@njit(cache=True, error_model="numpy", forceinline=True)
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


@njit(cache=True, error_model="numpy", forceinline=True)
def teacher_move(lb, fb, rb, adx, ady, dx, dy):
    """The angle teacher and the study's blocked-move table (SPEC section 2).

    The sign of atan2(ay*sx - ax*sy, ay*sy + ax*sx) only depends on the sign of the cross product
    and, when it is 0, on the sign of the dot product; both are computed exactly on integers.
    Returns -1 when all three moves are blocked.
    """
    cross = ady * dx - adx * dy
    if cross > 0:
        want = _RIGHT
    elif cross < 0:
        want = _LEFT
    elif ady * dy + adx * dx < 0:
        want = _RIGHT  # apple straight behind: angle = 1
    else:
        want = _STRAIGHT
    return table_move(want, lb, fb, rb)


@njit(cache=True, error_model="numpy", forceinline=True)
def angle_bin(adx, ady, dx, dy, bins):
    """The column of a decision table for the apple's angle relative to the heading: 0 exactly
    ahead (or no apple), 1 exactly behind, then ``bins`` equal bins of the teacher's angle in (0, 1)
    (apple on the right: 2 .. bins + 1) and in (-1, 0) (on the left: bins + 2 .. 2 bins + 1,
    nearest straight ahead first)."""
    cross = ady * dx - adx * dy
    if cross == 0:
        return 1 if ady * dy + adx * dx < 0 else 0
    a = np.arctan2(np.float64(cross), np.float64(ady * dy + adx * dx)) / np.pi
    if a > 0:
        return 2 + min(np.int64(a * bins), bins - 1)
    return 2 + bins + min(np.int64(-a * bins), bins - 1)


@njit(cache=True, error_model="numpy", forceinline=True)
def table_decision(table, lb, fb, rb, adx, ady, dx, dy):
    """A decision table's move: ``table`` int64 (7, 2 bins + 2), a row per blocked combination
    lb*4 + fb*2 + rb (all three blocked has no row) and a column per ``angle_bin``. Returns -1
    when all three moves are blocked, like ``teacher_move``."""
    c = lb * 4 + fb * 2 + rb
    if c == 7:
        return -1
    return table[c, angle_bin(adx, ady, dx, dy, (table.shape[1] - 2) // 2)]


@njit(inline="always", cache=True, error_model="numpy")
def table_move(want, lb, fb, rb):
    if lb and fb and rb:
        return -1
    if want == _LEFT:
        if not lb:
            return _LEFT
        if fb and not rb:
            return _RIGHT
        if not fb and rb:
            return _STRAIGHT
        return _RIGHT
    if want == _STRAIGHT:
        if not fb:
            return _STRAIGHT
        if lb and not rb:
            return _RIGHT
        if not lb and rb:
            return _LEFT
        return _RIGHT
    if not rb:
        return _RIGHT
    if not fb and lb:
        return _STRAIGHT
    if fb and not lb:
        return _LEFT
    return _LEFT


# ----------------------------------------------------------------------------------------------
# Batched kernels over B games (serial: a step is a few nanoseconds, threads would cost more)


@njit(cache=True, error_model="numpy")
def reset_kernel(s, seeds, rules):
    for g in range(seeds.shape[0]):
        reset_game(s, g, seeds[g], rules)


@njit(cache=True, error_model="numpy")
def step_kernel(s, actions, rewards, rules):
    for g in range(actions.shape[0]):
        rewards[g] = step_game(s, g, actions[g], rules)


@njit(cache=True, error_model="numpy")
def observe_kernel(s, out, rules):
    for g in range(out.shape[0]):
        lb, fb, rb, adx, ady = sense(s, g, rules)
        write_features(out, g, lb, fb, rb, adx, ady, s.info[g].dx, s.info[g].dy)


@njit(cache=True, error_model="numpy")
def table_kernel(s, table, out, rules):
    for g in range(out.shape[0]):
        lb, fb, rb, adx, ady = sense(s, g, rules)
        out[g] = table_decision(table, lb, fb, rb, adx, ady, s.info[g].dx, s.info[g].dy)


@njit(cache=True, error_model="numpy")
def teacher_kernel(s, out, rules):
    for g in range(out.shape[0]):
        lb, fb, rb, adx, ady = sense(s, g, rules)
        out[g] = teacher_move(lb, fb, rb, adx, ady, s.info[g].dx, s.info[g].dy)
