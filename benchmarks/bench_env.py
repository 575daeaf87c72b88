"""Gymnasium env throughput beside CartPole-v1, measured in one run (random actions throughout).

    python benchmarks/bench_env.py [--seconds 0.5] [--rounds 3] [--games 1024]

Rows: ``gym.make`` of CartPole-v1 and of snake_ai/Snake-v0 (one env, a Python loop with reset on
episode end), the single env as it stepped before issue 16 (engine ``step_inplace`` + ``observe``,
several kernel calls per step), ``SyncVectorEnv`` over 8 envs of each, Gymnasium's own vectorised
CartPole (``make_vec(..., vectorization_mode="vector_entry_point")``, numpy) and the native Snake
vector env (``make_vec``) with ``action_space.sample()`` per step, then with pre-drawn actions and
``copy=False`` (the kernel's speed), at every numba thread and at 1. Beside wall-clock steps/s it
prints steps per CPU-second (``time.process_time``, every thread of the process counted), which a
busy shared machine distorts far less. The layers are measured in
alternating rounds so a shared machine's load hits them alike; each figure is the best round.
Targets (issue 16): native vector env >= 5 M steps/s on 2 cores (moonshot 20 M); single env
>= 1.0x CartPole-v1.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import gymnasium as gym  # noqa: E402
import numba  # noqa: E402
import numpy as np  # noqa: E402

import snake_ai  # noqa: E402,F401  (registers the env)
from snake_ai.engine import Rules, observe, reset, step_inplace  # noqa: E402
from snake_ai.engine.core import mix64  # noqa: E402


class LegacySnakeEnv(gym.Env):
    """The single env's step as it was before issue 16, for the baseline row."""

    observation_space = gym.spaces.Box(-1.0, 1.0, shape=(7,), dtype=np.float32)
    action_space = gym.spaces.Discrete(3)

    def __init__(self):
        self.rules = Rules()

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        s = int(self.np_random.integers(0, 2**63, dtype=np.int64))
        self.state = reset(self.rules, np.array([mix64(np.uint64(s))], dtype=np.uint64))
        return observe(self.state)[0], {}

    def step(self, action):
        if not self.action_space.contains(action):
            raise ValueError(action)
        reward = float(step_inplace(self.state, np.array([int(action)]))[0])
        status = int(self.state.status[0])
        info = {"apples": int(self.state.apples[0]), "length": int(self.state.length[0]),
                "steps": int(self.state.steps[0])}
        return observe(self.state)[0], reward, status == 1, status == 2, info


def single(make, seconds):
    env = make()
    env.reset(seed=0)
    acts = np.random.default_rng(0).integers(0, env.action_space.n, 4096).tolist()
    n, t0, c0 = 0, time.perf_counter(), time.process_time()
    while True:
        for a in acts:
            _, _, term, trunc, _ = env.step(a)
            if term or trunc:
                env.reset()
        n += len(acts)
        dt = time.perf_counter() - t0
        if dt > seconds:
            return n / dt, n / (time.process_time() - c0)


def vector(env, seconds, sample=True):
    env.reset(seed=0)
    env.action_space.seed(0)
    pre = [env.action_space.sample() for _ in range(64)]
    for a in pre[:4]:
        env.step(a)
    n, t0, c0 = 0, time.perf_counter(), time.process_time()
    while True:
        for i in range(64):
            env.step(env.action_space.sample() if sample else pre[i])
        n += 64 * env.num_envs
        dt = time.perf_counter() - t0
        if dt > seconds:
            return n / dt, n / (time.process_time() - c0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=0.5, help="time per measurement")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--games", type=int, default=1024, help="games in the native vector env")
    args = ap.parse_args()
    s, G = args.seconds, args.games
    threads = numba.config.NUMBA_NUM_THREADS
    native = gym.make_vec("snake_ai/Snake-v0", num_envs=G)
    raw = gym.make_vec("snake_ai/Snake-v0", num_envs=G, copy=False)
    sync_snake = gym.make_vec("snake_ai/Snake-v0", num_envs=8, vectorization_mode="sync")
    sync_cart = gym.make_vec("CartPole-v1", num_envs=8, vectorization_mode="sync")
    vec_cart = gym.make_vec("CartPole-v1", num_envs=G, vectorization_mode="vector_entry_point")

    def at(nt, fn):
        def run():
            numba.set_num_threads(nt)
            try:
                return fn()
            finally:
                numba.set_num_threads(threads)
        return run

    rows = {
        "CartPole-v1, gym.make (one env)": lambda: single(lambda: gym.make("CartPole-v1"), s),
        "Snake-v0, gym.make (one env)": lambda: single(lambda: gym.make("snake_ai/Snake-v0"), s),
        "Snake one env, pre-issue-16 step": lambda: single(LegacySnakeEnv, s),
        "CartPole-v1, SyncVectorEnv x 8": lambda: vector(sync_cart, s),
        "Snake-v0, SyncVectorEnv x 8": lambda: vector(sync_snake, s),
        f"CartPole-v1, native vector env x {G} (numpy)": lambda: vector(vec_cart, s),
        f"Snake-v0, native vector env x {G}, sample()": lambda: vector(native, s),
        f"Snake-v0, native x {G}, copy=False, {threads} threads": at(threads, lambda: vector(raw, s, False)),
        f"Snake-v0, native x {G}, copy=False, 1 thread": at(1, lambda: vector(raw, s, False)),
    }
    single(lambda: gym.make("snake_ai/Snake-v0"), 0.05)
    vector(native, 0.05)  # warm-up: compile (or load) the kernels
    best = dict.fromkeys(rows, 0.0)
    per_cpu = dict.fromkeys(rows, 0.0)
    for _ in range(args.rounds):
        for name, fn in rows.items():
            wall, cpu = fn()
            best[name] = max(best[name], wall)
            per_cpu[name] = max(per_cpu[name], cpu)
    cart = best["CartPole-v1, gym.make (one env)"]
    print(f"machine: {os.cpu_count()} cores, numba {numba.__version__} ({numba.threading_layer()} layer, "
          f"{threads} threads), gymnasium {gym.__version__}; random actions; best of {args.rounds} rounds\n")
    print(f"{'what':48s} {'steps/s':>14s} {'x CartPole':>11s} {'per CPU-s':>14s}")
    for name, v in best.items():
        print(f"{name:48s} {v:14,.0f} {v / cart:11.2f} {per_cpu[name]:14,.0f}")
    print("(per CPU-s: steps per second of CPU time the process got, all its threads together; on a\n"
          " shared machine it shows what an idle core would do, where the wall-clock column cannot)")
    fast = best[f"Snake-v0, native vector env x {G}, sample()"]
    one = best["Snake-v0, gym.make (one env)"]
    print(f"\ntargets: native vector env {fast / 1e6:.1f} M steps/s with sample() "
          f"({best[f'Snake-v0, native x {G}, copy=False, {threads} threads'] / 1e6:.1f} M without), "
          f"target 5 M (moonshot 20 M); single env {one / cart:.2f}x CartPole-v1, target 1.0x")


if __name__ == "__main__":
    main()
