"""The default hybrid run against the previous defaults, in one process.

Runs ``snake-ai evolve --generations N`` (hybrid, the given seeds) twice per seed, after an
unmeasured warm-up run, alternating which goes first: once with ``teacher_sweeps = 0`` and
``train_epochs = 1`` (the previous defaults: the networks learn from the study's teacher, one
epoch) and once with the defaults (a teacher search before generation 0, whose table the networks
learn from for 4 epochs). Prints each run's wall seconds, trainings and held-out apples beside
the study's teacher and the searched one (plus the same best on 4000 further games, disjoint from
every set the run used), and the ratio of wall times. Run it with warm caches (one earlier run) so
that first-time compilation is not counted.

    python benchmarks/bench_hybrid.py [--seeds 0 1 2] [--generations 10]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from snake_ai.engine import Rules, derive_seeds, play_networks
from snake_ai.evolution import EvolveConfig
from snake_ai.evolution.ga import HELDOUT_START
from snake_ai.evolution.run import evolve, prepare_new

EXTRA_START = HELDOUT_START + 10**6  # beyond the held-out games, before the training pool


def one(cfg: EvolveConfig, out: Path) -> dict:
    t = time.perf_counter()
    summary = evolve(prepare_new(cfg, out, force=False))
    wall = time.perf_counter() - t
    from snake_ai.evolution.rundir import load_best, read_checkpoint

    net, _ = load_best(out)
    extra = play_networks([net], derive_seeds(cfg.seed, 4000, start=EXTRA_START), Rules.classic(cfg.board, cfg.max_steps))
    history = read_checkpoint(out)[4]
    return {"wall": wall, "heldout": summary["heldout_mean_apples"], "teacher": summary["teacher_mean_apples"],
            "searched": summary.get("searched_teacher_mean_apples"),
            "extra": float(extra.apples.mean()), "trainings": sum(int(r["trainings"]) for r in history),
            "validation": [round(r["validation_apples"], 1) for r in history]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--generations", type=int, default=10)
    a = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        # unmeasured: TensorFlow's import in this process and the engine's kernels, paid once
        one(EvolveConfig(generations=1, population=4, elite=1, random_parents=1, games=10, validation_games=10,
                         heldout_games=10, train_rows=2048, teacher_games=10), Path(tmp) / "warm-up")
        for k, seed in enumerate(a.seeds):
            pair = (("previous defaults", {"teacher_sweeps": 0, "train_epochs": 1}), ("defaults", {}))
            for name, kw in pair if k % 2 == 0 else pair[::-1]:  # alternating which goes first
                cfg = EvolveConfig(generations=a.generations, seed=seed, **kw)
                r = one(cfg, Path(tmp) / f"{name}-{seed}")
                rows.append((seed, name, r))
                print(f"seed {seed} {name:>18}: {r['wall']:6.1f} s, {r['trainings']:3d} trainings, held-out "
                      f"{r['heldout']:.2f} (teacher {r['teacher']:.2f}"
                      + (f", searched teacher {r['searched']:.2f}" if r["searched"] is not None else "")
                      + f"), 4000 further games {r['extra']:.2f}, "
                      f"validation {r['validation']}", flush=True)
    old = sum(r["wall"] for _, n, r in rows if n != "defaults")
    new = sum(r["wall"] for _, n, r in rows if n == "defaults")
    mean = lambda n, k: sum(r[k] for _, m, r in rows if m == n) / len(a.seeds)  # noqa: E731
    print(f"wall: defaults {new:.1f} s against {old:.1f} s for the previous defaults: ratio {new / old:.2f}")
    print(f"mean held-out apples: {mean('defaults', 'heldout'):.2f} against {mean('previous defaults', 'heldout'):.2f}; "
          f"on 4000 further games {mean('defaults', 'extra'):.2f} against {mean('previous defaults', 'extra'):.2f}")


if __name__ == "__main__":
    main()
