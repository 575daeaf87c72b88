"""The Ray backend's speed-up and overhead, measured in one run.

    python benchmarks/bench_ray.py [--population 200] [--games 200] [--repeat 5]

A weights-mode generation (population x games, random 7-9-15-3 networks as in generation 0)
evaluated: locally in-process (all cores), on Ray with 1 actor, on Ray with 2 actors. Prints the
best-of-N seconds and the ratios: 2 actors vs 1, and Ray (2 actors) vs the local backend.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402


def best(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--population", type=int, default=200)
    ap.add_argument("--games", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    import ray

    from snake_ai.distributed.ray_backend import RayBackend
    from snake_ai.engine import Rules
    from snake_ai.evolution import EvolveConfig
    from snake_ai.evolution.fitness import evaluate_local, generation_seeds
    from snake_ai.evolution.ga import generation_rng
    from snake_ai.evolution.strategies import make_strategy

    cfg = EvolveConfig(mode="weights", population=args.population, elite=5, random_parents=3, games=args.games)
    genomes = [p.genome for p in make_strategy(cfg).ask(generation_rng(cfg, 0), 0)]
    seeds = generation_seeds(cfg, 0)
    rules = Rules()
    evaluate_local(genomes[:2], seeds[:2], rules)
    t_local, ref = best(lambda: evaluate_local(genomes, seeds, rules), args.repeat)
    steps = int(ref.steps.sum())

    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    out = {}
    for n in (1, 2):
        b = RayBackend(actors=n)
        b.evaluate(genomes[:2], seeds[:2], rules)
        t, res = best(lambda: b.evaluate(genomes, seeds, rules), args.repeat)
        assert np.array_equal(res.apples, ref.apples) and np.array_equal(res.steps, ref.steps)
        out[n] = t
        for a in b.actors:
            ray.kill(a)
    # per-generation overhead: a tiny generation, where the work is negligible
    b = RayBackend(actors=2)
    tiny = genomes[:2]
    t_tiny_ray, _ = best(lambda: b.evaluate(tiny, seeds[:1], rules), 20)
    t_tiny_local, _ = best(lambda: evaluate_local(tiny, seeds[:1], rules), 20)
    ray.shutdown()

    print(f"\nweights-mode generation: {args.population} chromosomes x {args.games} games = {steps:,} steps "
          f"(best of {args.repeat})")
    print(f"  local backend (in-process, 2 numba threads): {t_local:.3f} s  ({steps / t_local / 1e6:.1f} M steps/s)")
    print(f"  ray, 1 actor:                                {out[1]:.3f} s  ({steps / out[1] / 1e6:.1f} M steps/s)")
    print(f"  ray, 2 actors:                               {out[2]:.3f} s  ({steps / out[2] / 1e6:.1f} M steps/s)")
    print(f"  speed-up of 2 actors over 1:                 {out[1] / out[2]:.2f}x")
    print(f"  ray (2 actors) / local:                      {out[2] / t_local:.2f}x the time")
    print(f"  per-generation overhead (2 genomes x 1 game): ray {t_tiny_ray * 1e3:.1f} ms, local "
          f"{t_tiny_local * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
