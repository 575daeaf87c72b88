"""What TensorBoard logging costs an evolution run: the same weights-mode run with and without the
TensorBoardReporter, in this process, plus the reporter's own time (its import included) and
whether TensorFlow got imported.

    python benchmarks/bench_tensorboard.py [--generations 10] [--population 20]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path


def run_once(root: Path, name: str, generations: int, population: int, tensorboard: bool):
    from snake_ai.evolution.config import EvolveConfig
    from snake_ai.evolution.reporters import TensorBoardReporter
    from snake_ai.evolution.run import evolve, prepare_new

    cfg = EvolveConfig(mode="weights", generations=generations, population=population, games=50, max_steps=500,
                       heldout_games=50)
    run = prepare_new(cfg, root / name, force=False)
    tb = TensorBoardReporter() if tensorboard else None
    t0 = time.perf_counter()
    evolve(run, reporters=[tb] if tb else [])
    return time.perf_counter() - t0, (tb.seconds if tb else 0.0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--generations", type=int, default=10)
    ap.add_argument("--population", type=int, default=20)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        run_once(root, "warm", 1, a.population, False)  # numba compilation / caches, not measured
        tf_before = "tensorflow" in sys.modules
        base, _ = run_once(root, "base", a.generations, a.population, False)
        with_tb, tb_seconds = run_once(root, "tb", a.generations, a.population, True)
        base2, _ = run_once(root, "base2", a.generations, a.population, False)
        files = sorted((root / "tb" / "tensorboard").glob("events.out.tfevents.*"))
        size = sum(f.stat().st_size for f in files)
    baseline = (base + base2) / 2
    print(f"weights mode, {a.generations} generations x {a.population} chromosomes")
    print(f"  without TensorBoard: {base:.2f} s and {base2:.2f} s (mean {baseline:.2f} s)")
    print(f"  with TensorBoard:    {with_tb:.2f} s = {with_tb / baseline:.3f} x the mean without")
    print(f"  the reporter's own time, tensorboardX import included: {tb_seconds:.3f} s "
          f"({tb_seconds / a.generations * 1000:.1f} ms per generation); event file {size / 1024:.1f} KiB")
    print(f"  TensorFlow imported by then: {'tensorflow' in sys.modules} (before the runs: {tf_before}; "
          f"best.keras is written at the end of every run)")


if __name__ == "__main__":
    main()
