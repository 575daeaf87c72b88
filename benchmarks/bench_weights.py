"""Weights mode's defaults against a baseline, in one process.

Runs ``snake-ai evolve --mode weights --generations N`` twice per seed, after an unmeasured
warm-up run (the engine's kernels), alternating which goes first: once with the defaults (SNES on
7-16-3 with the probe score) and once with a baseline: ``previous`` (the defaults before the probe
score: SNES on 7-9-15-3, no probe score) or ``ga`` (the genetic algorithm, the default before
SNES; on 7-9-15-3 too). Prints each run's wall seconds, held-out apples beside the teacher's (plus
the same best on 4000 further games, disjoint from every set the run used) and its validation
curve, then the means and the ratio of wall times.

    python benchmarks/bench_weights.py [--seeds 0 1 2] [--generations 100] [--against previous|ga]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bench_hybrid import one  # the same measurement of one run

from snake_ai.evolution import EvolveConfig

BASELINES = {  # what a baseline changes in the defaults
    "previous": {"fixed_hidden": (9, 15), "probe_weight": 0.0},
    "ga": {"weight_search": "ga", "fixed_hidden": (9, 15)},
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--generations", type=int, default=100)
    ap.add_argument("--against", choices=sorted(BASELINES), default="previous")
    a = ap.parse_args()
    base = a.against
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        one(EvolveConfig(mode="weights", generations=2, games=10, validation_games=10, heldout_games=10),
            Path(tmp) / "warm-up")  # unmeasured: the engine's kernels, paid once
        for k, seed in enumerate(a.seeds):
            pair = ((base, BASELINES[base]), ("defaults", {}))
            for name, kw in pair if k % 2 == 0 else pair[::-1]:  # alternating which goes first
                cfg = EvolveConfig(mode="weights", generations=a.generations, seed=seed, **kw)
                r = one(cfg, Path(tmp) / f"{name}-{seed}")
                rows.append((name, r))
                step = max(1, len(r["validation"]) // 10)
                print(f"seed {seed} {name:>8}: {r['wall']:6.1f} s, held-out {r['heldout']:.2f} (teacher "
                      f"{r['teacher']:.2f}), 4000 further games {r['extra']:.2f}, validation every {step} "
                      f"generations {r['validation'][step - 1::step]}", flush=True)
    total = {n: sum(r["wall"] for m, r in rows if m == n) for n in (base, "defaults")}
    mean = {n: sum(r["heldout"] for m, r in rows if m == n) / len(a.seeds) for n in (base, "defaults")}
    print(f"mean held-out apples: defaults {mean['defaults']:.2f} against {base} {mean[base]:.2f}")
    print(f"wall: defaults {total['defaults']:.1f} s against {total[base]:.1f} s for {base}: "
          f"ratio {total['defaults'] / total[base]:.2f}")


if __name__ == "__main__":
    main()
