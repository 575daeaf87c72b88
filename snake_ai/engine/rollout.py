"""Fused rollouts: whole games played inside compiled code, many at once on every core.

One kernel serves every agent: the teacher (optionally recording its decisions as a dataset), the
random agent, and any number of dense networks, each playing the same K games (a population's
fitness, or one network's evaluation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from .compiling import announce
from .core import _DEAD, _RUNNING, _STRAIGHT, agent_stream, alloc_games, reset_game, rng_below, sense, step_game
from .core import table_decision, teacher_move, write_features
from .net import LANES, PackedNets, lanes_forward, pack
from .rules import Rules
from .workers import run_workers, take_task

TEACHER, RANDOM, NETWORK, TABLE = 0, 1, 2, 3
_CHUNK = 4  # games per task of the teacher and the random agent
_NET_CHUNK = 4 * LANES  # games of one network per task


def _outputs(T):
    """The five int64 (T,) result arrays of a rollout: apples, steps, status, rows, approach."""
    return tuple(np.zeros(T, dtype=np.int64) for _ in range(5))


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


@njit(nogil=True, cache=True, error_model="numpy")
def rollout_worker(counter, seeds, policy, table, rules, record, offsets, x_out, y_out, apples, steps, status, rows):
    """Play games with the teacher, a decision table (``table``, see ``table_decision``) or the
    random agent, _CHUNK games per task taken from ``counter``, until every game of ``seeds`` is
    played (``run_workers`` runs one per thread).

    Fills the int64 (K,) arrays apples, steps, final status and recorded rows. With ``record``
    the teacher writes its decisions at rows ``offsets[k]...`` of x_out/y_out.
    """
    T = seeds.shape[0]
    n_tasks = (T + _CHUNK - 1) // _CHUNK
    s = alloc_games(np.int64(1), rules.width * rules.height)
    g = np.int64(0)  # not a literal 0: the helpers keep the one specialisation the lanes use
    st = s.info[g]
    while True:
        c = take_task(counter)
        if c >= n_tasks:
            break
        for t in range(c * _CHUNK, min(T, (c + 1) * _CHUNK)):
            seed = seeds[t]
            reset_game(s, g, seed, rules)
            arng = agent_stream(seed)
            r = 0
            while st.status == _RUNNING:
                lb, fb, rb, adx, ady = sense(s, g, rules)
                dx = st.dx
                dy = st.dy
                if policy == TEACHER or policy == TABLE:
                    if policy == TEACHER:
                        a = teacher_move(lb, fb, rb, adx, ady, dx, dy)
                    else:
                        a = table_decision(table, lb, fb, rb, adx, ady, dx, dy)
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


@njit(nogil=True, cache=True, error_model="numpy")
def net_worker(counter, seeds, nets, rules, apples, steps, status, approach):
    """Every network p of ``nets`` (PackedNets) plays every game seed k: a task is up to
    _NET_CHUNK games of one network, taken from ``counter``; results go to slot p*K + k of the
    int64 (P*K,) arrays.

    A task's games are played LANES at a time in lockstep. The forward pass runs over a
    (width, LANES) block, lane by lane the same float operations in the same order as
    ``net.forward_rows``, so results are identical to playing the games one by one. A lane whose
    game ends takes the task's next game.
    """
    K = seeds.shape[0]
    P = nets.offsets.shape[0]
    per_net = (K + _NET_CHUNK - 1) // _NET_CHUNK
    n_tasks = P * per_net
    s = alloc_games(np.int64(LANES), rules.width * rules.height)
    info = s.info
    xa = np.zeros(nets.max_width * LANES, dtype=np.float32)
    xb = np.zeros(nets.max_width * LANES, dtype=np.float32)
    feats = np.zeros((LANES, 7), dtype=np.float32)
    game = np.full(LANES, -1, dtype=np.int64)
    near = np.zeros(LANES, dtype=np.int64)
    d0 = np.zeros(LANES, dtype=np.int64)
    live = np.zeros(LANES, dtype=np.int64)  # the lanes that play, compacted
    move = np.zeros(LANES, dtype=np.int64)
    while True:
        c = take_task(counter)
        if c >= n_tasks:
            break
        p = c // per_net
        k0 = (c % per_net) * _NET_CHUNK
        k1 = min(K, k0 + _NET_CHUNK)
        nxt = k0
        for g in range(LANES):
            game[g] = -1
            near[g] = 0
            if nxt < k1:
                game[g] = nxt
                reset_game(s, g, seeds[nxt], rules)
                nxt += 1
        active = min(LANES, k1 - k0)
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
_NO_TABLE = np.zeros((7, 4), np.int64)  # the table argument of the agents that have none


def _seeds(seeds) -> np.ndarray:
    return np.ascontiguousarray(np.atleast_1d(seeds), dtype=np.uint64)


def _run(seeds, policy, rules: Rules, record=None, table=_NO_TABLE) -> RolloutResult:
    seeds = _seeds(seeds)
    offsets, x, y = record if record is not None else _NO_ROWS
    K = seeds.shape[0]
    out = _outputs(K)
    announce(rollout_worker, "teacher, table and random rollouts")
    run_workers(rollout_worker, (K + _CHUNK - 1) // _CHUNK, seeds, policy, table, rules.kernel(), record is not None,
                offsets, x, y, *out[:4])
    return RolloutResult(*(a.reshape(1, K) for a in out))


def play_teacher(seeds, rules: Rules = Rules()) -> RolloutResult:
    """The angle teacher on each game seed; arrays of shape (1, K)."""
    return _run(seeds, TEACHER, rules)


def play_table(table, seeds, rules: Rules = Rules()) -> RolloutResult:
    """A decision table (see ``tables``) on each game seed; arrays of shape (1, K)."""
    from .tables import check_table

    return _run(seeds, TABLE, rules, table=check_table(table))


def play_random(seeds, rules: Rules = Rules()) -> RolloutResult:
    """A uniformly random agent (its own stream per game, derived from the game seed)."""
    return _run(seeds, RANDOM, rules)


def play_networks(networks, seeds, rules: Rules = Rules()) -> RolloutResult:
    """Every network plays every game seed: arrays of shape (P, K)."""
    packed = networks if isinstance(networks, PackedNets) else pack(networks)
    seeds = _seeds(seeds)
    K = seeds.shape[0]
    out = _outputs(packed.count * K)
    announce(net_worker, "network rollouts")
    run_workers(net_worker, packed.count * ((K + _NET_CHUNK - 1) // _NET_CHUNK), seeds, packed, rules.kernel(),
                out[0], out[1], out[2], out[4])
    return RolloutResult(*(a.reshape(packed.count, K) for a in out))


def record_teacher(seeds, rules: Rules = Rules()):
    """The teacher's decisions on each game: (x float32 (N,7), y float32 (N,3), rows per game)."""
    return _record(seeds, rules, TEACHER, _NO_TABLE)


def record_table(table, seeds, rules: Rules = Rules()):
    """A decision table's decisions on each game, as ``record_teacher`` gives the teacher's."""
    from .tables import check_table

    return _record(seeds, rules, TABLE, check_table(table))


def _record(seeds, rules: Rules, policy: int, table: np.ndarray):
    counted = _run(seeds, policy, rules, table=table)
    per_game = counted.rows[0]
    offsets = np.zeros(per_game.shape[0], dtype=np.int64)
    np.cumsum(per_game[:-1], out=offsets[1:])
    total = int(per_game.sum())
    x = np.empty((max(total, 1), 7), dtype=np.float32)
    y = np.empty((max(total, 1), 3), dtype=np.float32)
    again = _run(seeds, policy, rules, record=(offsets, x, y), table=table)
    assert np.array_equal(again.rows, counted.rows)
    return x[:total], y[:total], per_game
