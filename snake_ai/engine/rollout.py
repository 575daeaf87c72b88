"""Fused rollouts: whole games played inside compiled code, many at once on every core.

One kernel serves every agent: the teacher (optionally recording its decisions as a dataset), the
random agent, and any number of dense networks, each playing the same K games (a population's
fitness, or one network's evaluation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from .compiling import announce
from .core import _DEAD, _RUNNING, _STRAIGHT, agent_stream, alloc_games, reset_game, rng_below, sense, step_game
from .core import teacher_move, write_features
from .net import LANES, PackedNets, lanes_forward, pack
from .rules import Rules

TEACHER, RANDOM, NETWORK = 0, 1, 2
_CHUNK = 4  # games per scratch allocation
_NET_CHUNK = 4 * LANES  # games of one network per parallel task


@njit(inline="always", cache=True)
def _outputs(T):
    """The five int64 (T,) result arrays of a rollout: apples, steps, status, rows, approach."""
    return (np.zeros(T, dtype=np.int64), np.zeros(T, dtype=np.int64), np.zeros(T, dtype=np.int64),
            np.zeros(T, dtype=np.int64), np.zeros(T, dtype=np.int64))


@njit(cache=True, error_model="numpy", forceinline=True)
def advance(s, g, a, d0, rules):
    """Step game g with action a; returns +1 when the head got closer to the apple (or ate), -1
    when it got farther, 0 when the game ended or there is no apple."""
    ate = step_game(s, g, a, rules)
    if ate:
        return 1
    st = s.info[g]
    if st.status == _DEAD or st.apple < 0:
        return 0
    W = rules.width
    cell = s.body[g, st.head]
    ap = st.apple
    d1 = abs(ap % W - cell % W) + abs(ap // W - cell // W)
    return 1 if d1 < d0 else -1


@njit(parallel=True, cache=True, error_model="numpy")
def rollout_kernel(seeds, policy, rules, record, offsets, x_out, y_out):
    """Play K games with the teacher or the random agent.

    Returns int64 arrays of shape (K,): apples, steps, final status, recorded rows, and zeros in
    place of the approach signal (only networks need it). With ``record`` the teacher writes its
    decisions at rows ``offsets[k]...`` of x_out/y_out. The parallel loop only hands out chunks of
    games (a small parallel body keeps the first compilation short).
    """
    T = seeds.shape[0]
    apples, steps, status, rows, approach = _outputs(T)
    n_chunks = (T + _CHUNK - 1) // _CHUNK
    for c in prange(n_chunks):
        _play_chunk(c * _CHUNK, min(T, (c + 1) * _CHUNK), seeds, policy, rules, record, offsets, x_out, y_out,
                    apples, steps, status, rows)
    return apples, steps, status, rows, approach


@njit(cache=True, error_model="numpy")
def _play_chunk(t0, t1, seeds, policy, rules, record, offsets, x_out, y_out, apples, steps, status, rows):
    """Games t0..t1-1 of rollout_kernel, one after the other."""
    s = alloc_games(np.int64(1), rules.width * rules.height)
    g = np.int64(0)  # not a literal 0: the helpers keep the one specialisation the lanes use
    st = s.info[g]
    for t in range(t0, t1):
        seed = seeds[t]
        reset_game(s, g, seed, rules)
        arng = agent_stream(seed)
        r = 0
        while st.status == _RUNNING:
            lb, fb, rb, adx, ady = sense(s, g, rules)
            dx = st.dx
            dy = st.dy
            if policy == TEACHER:
                a = teacher_move(lb, fb, rb, adx, ady, dx, dy)
                if a < 0:
                    a = _STRAIGHT  # every move is fatal; not a decision worth recording
                else:
                    if record:
                        o = offsets[t] + r
                        write_features(x_out, o, lb, fb, rb, adx, ady, dx, dy)
                        y_out[o, 0] = 0.0
                        y_out[o, 1] = 0.0
                        y_out[o, 2] = 0.0
                        y_out[o, a] = 1.0
                    r += 1
            else:
                arng, a = rng_below(arng, 3)
            step_game(s, g, a, rules)
        apples[t] = st.apples
        steps[t] = st.steps
        status[t] = st.status
        rows[t] = r


@njit(parallel=True, cache=True, error_model="numpy")
def rollout_net_kernel(seeds, nets, rules):
    """Every network p of ``nets`` (PackedNets) plays every game seed k; int64 arrays of shape
    (P*K,) as rollout_kernel. A parallel task takes up to _NET_CHUNK games of one network."""
    K = seeds.shape[0]
    P = nets.offsets.shape[0]
    apples, steps, status, rows, approach = _outputs(P * K)
    per_net = (K + _NET_CHUNK - 1) // _NET_CHUNK
    for c in prange(P * per_net):
        _play_net_chunk(c // per_net, (c % per_net) * _NET_CHUNK, seeds, nets, rules, apples, steps, status, approach)
    return apples, steps, status, rows, approach


@njit(cache=True, error_model="numpy")
def _play_net_chunk(p, k0, seeds, nets, rules, apples, steps, status, approach):
    """Network p plays games k0..k0+_NET_CHUNK-1, LANES at a time in lockstep.

    The forward pass runs over a (width, LANES) block, lane by lane the same float operations in
    the same order as ``net.forward_rows``, so results are identical to playing the games one by
    one. A lane whose game ends takes the chunk's next game.
    """
    K = seeds.shape[0]
    k1 = min(K, k0 + _NET_CHUNK)
    s = alloc_games(np.int64(LANES), rules.width * rules.height)
    info = s.info
    xa = np.zeros(nets.max_width * LANES, dtype=np.float32)
    xb = np.zeros(nets.max_width * LANES, dtype=np.float32)
    feats = np.zeros((LANES, 7), dtype=np.float32)
    game = np.full(LANES, -1, dtype=np.int64)
    near = np.zeros(LANES, dtype=np.int64)
    nxt = k0
    for g in range(LANES):
        if nxt < k1:
            game[g] = nxt
            reset_game(s, g, seeds[nxt], rules)
            nxt += 1
    active = min(LANES, k1 - k0)
    d0 = np.zeros(LANES, dtype=np.int64)
    live = np.zeros(LANES, dtype=np.int64)  # the lanes that play, compacted
    move = np.zeros(LANES, dtype=np.int64)
    while active > 0:
        n = np.int64(0)
        for g in range(LANES):
            if game[g] >= 0:
                live[n] = g
                lb, fb, rb, adx, ady = sense(s, g, rules)
                write_features(feats, n, lb, fb, rb, adx, ady, info[g].dx, info[g].dy)
                d0[g] = abs(adx) + abs(ady)
                n += 1
        for i in range(7):
            for m in range(n):
                xa[i * LANES + m] = feats[m, i]
        out = lanes_forward(nets, p, xa, xb, n)
        for m in range(n):
            a = 0
            if out[LANES + m] > out[m]:
                a = 1
            if out[2 * LANES + m] > out[a * LANES + m]:
                a = 2
            move[m] = a
        for m in range(n):
            g = live[m]
            t = game[g]
            near[g] += advance(s, g, move[m], d0[g], rules)
            st = info[g]
            if st.status != _RUNNING:
                o = p * K + t
                apples[o] = st.apples
                steps[o] = st.steps
                status[o] = st.status
                approach[o] = near[g]
                near[g] = 0
                if nxt < k1:
                    game[g] = nxt
                    reset_game(s, g, seeds[nxt], rules)
                    nxt += 1
                else:
                    game[g] = -1
                    active -= 1


@dataclass(frozen=True)
class RolloutResult:
    """Outcome of P agents x K games; every array is int64 of shape (P, K)."""

    apples: np.ndarray  # apples eaten (the score)
    steps: np.ndarray  # steps played
    status: np.ndarray  # a Status: 1 = died, 2 = reached max_steps
    rows: np.ndarray  # decisions recorded (teacher only)
    approach: np.ndarray  # closer-minus-farther steps towards the apple


_NO_ROWS = (np.zeros(1, np.int64), np.zeros((1, 7), np.float32), np.zeros((1, 3), np.float32))


def _seeds(seeds) -> np.ndarray:
    return np.ascontiguousarray(np.atleast_1d(seeds), dtype=np.uint64)


def _run(seeds, policy, rules: Rules, record=None) -> RolloutResult:
    seeds = _seeds(seeds)
    offsets, x, y = record if record is not None else _NO_ROWS
    announce(rollout_kernel, "teacher and random rollouts")
    out = rollout_kernel(seeds, policy, rules.kernel(), record is not None, offsets, x, y)
    return RolloutResult(*(a.reshape(1, seeds.shape[0]) for a in out))


def play_teacher(seeds, rules: Rules = Rules()) -> RolloutResult:
    """The angle teacher on each game seed; arrays of shape (1, K)."""
    return _run(seeds, TEACHER, rules)


def play_random(seeds, rules: Rules = Rules()) -> RolloutResult:
    """A uniformly random agent (its own stream per game, derived from the game seed)."""
    return _run(seeds, RANDOM, rules)


def play_networks(networks, seeds, rules: Rules = Rules()) -> RolloutResult:
    """Every network plays every game seed: arrays of shape (P, K)."""
    packed = networks if isinstance(networks, PackedNets) else pack(networks)
    seeds = _seeds(seeds)
    announce(rollout_net_kernel, "network rollouts")
    out = rollout_net_kernel(seeds, packed, rules.kernel())
    return RolloutResult(*(a.reshape(packed.count, seeds.shape[0]) for a in out))


def record_teacher(seeds, rules: Rules = Rules()):
    """The teacher's decisions on each game: (x float32 (N,7), y float32 (N,3), rows per game)."""
    counted = play_teacher(seeds, rules)
    per_game = counted.rows[0]
    offsets = np.zeros(per_game.shape[0], dtype=np.int64)
    np.cumsum(per_game[:-1], out=offsets[1:])
    total = int(per_game.sum())
    x = np.empty((max(total, 1), 7), dtype=np.float32)
    y = np.empty((max(total, 1), 3), dtype=np.float32)
    again = _run(seeds, TEACHER, rules, record=(offsets, x, y))
    assert np.array_equal(again.rows, counted.rows)
    return x[:total], y[:total], per_game
