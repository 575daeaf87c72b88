"""The vector env's multi-core throughput under each numba threading layer, in one run.

    python benchmarks/bench_threads.py [--rounds 2]

numba fixes its threading layer per process, so each layer runs in its own interpreter
(``NUMBA_THREADING_LAYER=omp|tbb|workqueue``), in rounds that alternate the layers so a shared
machine's load hits them alike; each figure is the best of its rounds. Rows: the native vector
env (1024 games, random actions), at 1 thread and at every thread (its kernels are the only
``prange`` loops left: the rollouts run on the engine's own thread pool, ``engine/workers.py``,
whatever the layer); then the same per CPU-second of the process (all threads), which shows a layer that burns
CPU waiting where the wall clock of a busy machine cannot. ``omp`` (GNU OpenMP) is what numba picked before ``snake_ai.engine.threads``; that module
now picks ``tbb`` (``workqueue`` where TBB is missing).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("omp", "tbb", "workqueue")


def best_of(fn, repeat=3):
    """(steps per wall-clock second, steps per CPU-second of the process), best of ``repeat``."""
    wall = cpu = float("inf")
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        n = fn()
        wall = min(wall, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)
    return n / wall, n / cpu


def measure() -> dict:
    import numba
    import numpy as np

    from snake_ai.envs import SnakeVectorEnv

    rng = np.random.default_rng(0)
    env = SnakeVectorEnv(1024, copy=False)
    env.reset(seed=0)
    actions = [rng.integers(0, 3, 1024) for _ in range(64)]

    def vec():
        for i in range(300):
            env.step(actions[i & 63])
        return 300 * 1024

    out = {}
    top = numba.config.NUMBA_NUM_THREADS
    for nt in sorted({1, top}):
        numba.set_num_threads(nt)
        out[f"vector env, 1024 games, {nt} thread(s)"] = best_of(vec)
    out["layer"] = numba.threading_layer()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(measure()))
        return
    best: dict[str, dict] = {}
    for _ in range(args.rounds):
        for layer in LAYERS:
            env = {**os.environ, "NUMBA_THREADING_LAYER": layer, "PYTHONPATH": str(ROOT)}
            out = subprocess.run([sys.executable, __file__, "--child"],
                                 env=env, capture_output=True, text=True)
            if out.returncode != 0:
                print(f"{layer}: failed\n{out.stderr[-1000:]}")
                continue
            res = json.loads(out.stdout.strip().splitlines()[-1])
            assert res.pop("layer") == layer
            for k, (v, c) in res.items():
                for key, x in ((k, v), (k + " [per CPU-s]", c)):
                    best.setdefault(layer, {})[key] = max(best.get(layer, {}).get(key, 0.0), x)
    import numba

    print(f"machine: {os.cpu_count()} cores, numba {numba.__version__}; best of {args.rounds} rounds "
          f"per layer (steps/s; x omp = this layer / GNU OpenMP, the old default)\n")
    rows = [k for k in best["omp"] if not k.endswith("[per CPU-s]")]
    rows += [k + " [per CPU-s]" for k in rows]
    print(f"{'what':62s}" + "".join(f"{layer:>14s}{'x omp':>7s}" for layer in LAYERS if layer in best))
    for k in rows:
        line = f"{k:62s}"
        for layer in LAYERS:
            if layer in best:
                v = best[layer][k]
                line += f"{v:14,.0f}{v / best['omp'][k]:7.2f}"
        print(line)
    print("\n2 threads / 1 thread:")
    for layer in LAYERS:
        if layer not in best:
            continue
        b = best[layer]
        ratios = []
        for k in rows:
            if k.endswith("1 thread(s)") and "CPU-s" not in k:
                stem = k[: -len("1 thread(s)")]
                many = [m for m in rows if m.startswith(stem) and m != k]
                if many:
                    ratios.append(f"{stem.rstrip(', ')}: {b[many[0]] / b[k]:.2f}x")
        print(f"  {layer:10s} " + "; ".join(ratios))


if __name__ == "__main__":
    main()
