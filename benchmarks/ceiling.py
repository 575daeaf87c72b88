"""How many apples a policy on the 7 SPEC inputs can reach: the teacher search, measured widely.

The angle teacher is a reactive policy: its move depends on the three blocked flags and the apple's
angle relative to the heading, so it is one decision table among many (``snake_ai.engine.tables``).
This script runs the teacher search that hybrid runs do before generation 0
(``snake_ai.evolution.teacher``), with larger budgets if asked: from the teacher's own table, each
entry in turn tries the other free moves, and a move that adds more than ``--min-gain`` apples on
``--games`` fixed search games replaces it. The search games are disjoint from every set a run
uses.

The table found is then measured on the two sets the README reports (the seed's 1000 held-out games
and ``bench_hybrid.py``'s 4000 further games), beside the teacher. Last, Keras networks are trained
with the default recipe (``snake-ai train``) on the table's own games, to see how well a network
plays it. Apples are printed beside the teacher's, with their ratio.

    python benchmarks/ceiling.py [--bins 8] [--sweeps 8] [--games 4000] [--seed 0] [--save table.npy]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from bench_hybrid import EXTRA_START  # the README's 4000 further games

from snake_ai.engine import DEAD, Rules, derive_seeds, play_networks, play_table, record_table, teacher_table
from snake_ai.engine.tables import describe
from snake_ai.evolution.ga import HELDOUT_START
from snake_ai.evolution.teacher import search_table

SEARCH_START = EXTRA_START + 10**6  # beyond the further games; not the runs' own search games
DISTILL_START = SEARCH_START + 10**6


def score(table: np.ndarray, seeds: np.ndarray, rules: Rules) -> tuple[float, float]:
    """(mean apples, share of games that end in death)."""
    r = play_table(table, seeds, rules)
    return float(r.apples.mean()), float((r.status == DEAD).mean())


def distill(table: np.ndarray, rules: Rules, games: int, hidden: tuple[int, ...], sets: dict) -> dict:
    """A Keras network trained (the default recipe) on ``games`` of the table's own decisions."""
    from snake_ai.policy.bridge import keras_to_network
    from snake_ai.policy.tf import seed_everything
    from snake_ai.policy.train import TrainConfig, build_model, fit

    x, y, _ = record_table(table, derive_seeds(0, games, start=DISTILL_START), rules)
    cfg = TrainConfig(hidden=hidden, seed=0)
    seed_everything(cfg.seed)
    model = build_model(cfg)
    history = fit(model, x, y, cfg)
    net = keras_to_network(model)
    out = {"rows": len(x), "accuracy": history["accuracy"][-1]}
    for name, s in sets.items():
        r = play_networks([net], s, rules)
        out[name] = (float(r.apples.mean()), float((r.status == DEAD).mean()))
    return out


def main() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bins", type=int, default=8, help="angle bins on each side")
    ap.add_argument("--sweeps", type=int, default=8)
    ap.add_argument("--games", type=int, default=4000, help="search games, the same for every candidate")
    ap.add_argument("--min-gain", type=float, default=0.05, help="apples a change must add to be kept")
    ap.add_argument("--seed", type=int, default=0, help="the run seed whose held-out games are reported")
    ap.add_argument("--distill-games", type=int, default=1000, help="games of the table's decisions to train on (0: none)")
    ap.add_argument("--save", help="write the table found to this .npy file")
    a = ap.parse_args()
    rules = Rules()
    sets = {"held-out": derive_seeds(a.seed, 1000, start=HELDOUT_START),
            "4000 further": derive_seeds(a.seed, 4000, start=EXTRA_START)}
    teacher = teacher_table(a.bins)
    t0 = time.perf_counter()
    table, apples, changes = search_table(teacher, derive_seeds(a.seed, a.games, start=SEARCH_START), rules,
                                          a.sweeps, a.min_gain)
    print(f"search: {' -> '.join(f'{v:.2f}' for v in apples)} apples on {a.games} search games, entries changed "
          f"per sweep {changes}, {time.perf_counter() - t0:.1f} s")
    print(f"the table found differs from the teacher's in {int((table != teacher).sum())} of {teacher.size} entries:")
    print("\n".join("  " + line for line in describe(table)))
    if a.save:
        np.save(a.save, table)
    base = {}
    for name, seeds in sets.items():
        (t, td), (f, fd) = score(teacher, seeds, rules), score(table, seeds, rules)
        base[name] = t
        print(f"{name} games: teacher {t:.2f} apples (dies in {td:.0%}), table found {f:.2f} (dies in {fd:.0%}): "
              f"ratio {f / t:.3f}")
    if a.distill_games:
        for hidden in ((64, 12), (9, 15)):
            d = distill(table, rules, a.distill_games, hidden, sets)
            arch = "-".join(map(str, (7,) + hidden + (3,)))
            print(f"{arch} relu trained on {d['rows']} rows of the table's games (accuracy {d['accuracy']:.4f}): " + ", ".join(
                f"{name} {v[0]:.2f} (dies in {v[1]:.0%}; ratio {v[0] / base[name]:.3f})" for name, v in d.items()
                if name in sets))


if __name__ == "__main__":
    main()
