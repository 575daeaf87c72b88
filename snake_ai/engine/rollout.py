"""Fused rollouts: whole games played inside compiled code, many at once on every core.

One kernel serves every agent: the teacher (optionally recording its decisions as a dataset), the
random agent, and any number of dense networks, each playing the same K games (a population's
fitness, or one network's evaluation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from .core import (
    APPLE, APPLES, DEAD, HEAD, LEN, NINFO, RUNNING, STATUS, STEPS, STRAIGHT, agent_stream,
    reset_game, rng_below, sense, step_game, teacher_move, write_features, DX, DY,
)
from .net import PackedNets, argmax3, empty_pack, forward_rows, pack
from .rules import R_H, R_W, Rules

TEACHER, RANDOM, NETWORK = 0, 1, 2
_CHUNK = 4  # games per scratch allocation


@njit(parallel=True, cache=True)
def rollout_kernel(seeds, policy, w, off, nl, widths, acts, max_width, rules,
                   record, offsets, x_out, y_out):
    """Play ``P x K`` games: agent ``p`` (a network when policy == NETWORK) on game seed ``k``.

    Returns int64 arrays of shape (P*K,): apples, steps, final status, recorded rows, and
    ``approach``: steps that brought the head closer to the apple minus steps that took it away
    (eating counts as closer), a shaping signal for fitness.
    With ``record`` the teacher writes its decisions at rows ``offsets[t]...`` of x_out/y_out.
    """
    K = seeds.shape[0]
    P = off.shape[0] if policy == NETWORK else 1
    T = P * K
    W = rules[R_W]
    H = rules[R_H]
    N = W * H
    apples = np.zeros(T, dtype=np.int64)
    steps = np.zeros(T, dtype=np.int64)
    status = np.zeros(T, dtype=np.int64)
    rows = np.zeros(T, dtype=np.int64)
    approach = np.zeros(T, dtype=np.int64)
    n_chunks = (T + _CHUNK - 1) // _CHUNK
    for c in prange(n_chunks):
        body = np.empty((1, N), dtype=np.int32)
        grid = np.empty((1, N), dtype=np.uint8)
        info = np.empty((1, NINFO), dtype=np.int64)
        buf = np.empty((2, max_width), dtype=np.float32)
        for t in range(c * _CHUNK, min(T, (c + 1) * _CHUNK)):
            p = t // K
            seed = seeds[t % K]
            reset_game(body, grid, info, 0, seed, rules)
            arng = agent_stream(seed)
            r = 0
            near = 0
            while info[0, STATUS] == RUNNING:
                lb, fb, rb, adx, ady = sense(body, grid, info, 0, W, H)
                dx = info[0, DX]
                dy = info[0, DY]
                if policy == TEACHER:
                    a = teacher_move(lb, fb, rb, adx, ady, dx, dy)
                    if a < 0:
                        a = STRAIGHT  # every move is fatal; not a decision worth recording
                    else:
                        if record:
                            o = offsets[t] + r
                            write_features(x_out, o, lb, fb, rb, adx, ady, dx, dy)
                            y_out[o, 0] = 0.0
                            y_out[o, 1] = 0.0
                            y_out[o, 2] = 0.0
                            y_out[o, a] = 1.0
                        r += 1
                elif policy == RANDOM:
                    arng, a = rng_below(arng, 3)
                else:
                    write_features(buf, 0, lb, fb, rb, adx, ady, dx, dy)
                    src = forward_rows(w, off[p], nl[p], widths[p], acts[p], buf, False)
                    a = argmax3(buf, src)
                d0 = abs(adx) + abs(ady)
                ate = step_game(body, grid, info, 0, a, rules)
                if ate:
                    near += 1
                elif info[0, STATUS] != DEAD and info[0, APPLE] >= 0:
                    cell = body[0, info[0, HEAD]]
                    ap = info[0, APPLE]
                    d1 = abs(ap % W - cell % W) + abs(ap // W - cell // W)
                    near += 1 if d1 < d0 else -1
            apples[t] = info[0, APPLES]
            steps[t] = info[0, STEPS]
            status[t] = info[0, STATUS]
            rows[t] = r
            approach[t] = near
    return apples, steps, status, rows, approach


@dataclass(frozen=True)
class RolloutResult:
    """Outcome of P agents x K games; every array is int64 of shape (P, K)."""

    apples: np.ndarray  # apples eaten (the score)
    steps: np.ndarray  # steps played
    status: np.ndarray  # 1 = died, 2 = reached max_steps
    rows: np.ndarray  # decisions recorded (teacher only)
    approach: np.ndarray  # closer-minus-farther steps towards the apple

    @property
    def lengths(self) -> np.ndarray:
        """Final lengths, the study's way of counting (apples + start length)."""
        return self.apples + 3


_NO_ROWS = (np.zeros(1, np.int64), np.zeros((1, 7), np.float32), np.zeros((1, 3), np.float32))


def _run(seeds, policy, packed: PackedNets, rules: Rules, P: int, record=None) -> RolloutResult:
    seeds = np.ascontiguousarray(seeds, dtype=np.uint64)
    offsets, x, y = record if record is not None else _NO_ROWS
    out = rollout_kernel(seeds, policy, packed.weights, packed.offsets, packed.n_layers, packed.widths,
                         packed.acts, np.int64(packed.max_width), rules.to_array(), record is not None,
                         offsets, x, y)
    return RolloutResult(*(a.reshape(P, seeds.shape[0]) for a in out))


def play_teacher(seeds, rules: Rules = Rules()) -> RolloutResult:
    """The angle teacher on each game seed; arrays of shape (1, K)."""
    return _run(seeds, TEACHER, empty_pack(), rules, 1)


def play_random(seeds, rules: Rules = Rules()) -> RolloutResult:
    """A uniformly random agent (its own stream per game, derived from the game seed)."""
    return _run(seeds, RANDOM, empty_pack(), rules, 1)


def play_networks(networks, seeds, rules: Rules = Rules()) -> RolloutResult:
    """Every network plays every game seed: arrays of shape (P, K)."""
    packed = networks if isinstance(networks, PackedNets) else pack(networks)
    return _run(seeds, NETWORK, packed, rules, packed.count)


def record_teacher(seeds, rules: Rules = Rules()):
    """The teacher's decisions on each game: (x float32 (N,7), y float32 (N,3), rows per game)."""
    counted = play_teacher(seeds, rules)
    per_game = counted.rows[0]
    offsets = np.zeros(per_game.shape[0], dtype=np.int64)
    np.cumsum(per_game[:-1], out=offsets[1:])
    total = int(per_game.sum())
    x = np.empty((max(total, 1), 7), dtype=np.float32)
    y = np.empty((max(total, 1), 3), dtype=np.float32)
    again = _run(seeds, TEACHER, empty_pack(), rules, 1, record=(offsets, x, y))
    assert np.array_equal(again.rows, counted.rows)
    return x[:total], y[:total], per_game
