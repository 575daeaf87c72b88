"""How many games selection needs: the rank stability of a population's fitness.

Takes the genomes of a run's last generation (``checkpoint.npz``), plays them on two disjoint
sets of K games for several K, and prints the Spearman rank correlation between the two
fitness vectors, the standard error of one genome's mean apples, and whether both sets agree on
the best genome. Selection is on signal when the two sets agree.

    python benchmarks/bench_selection.py RUN_DIR [--ks 100 500 1000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from snake_ai.engine import Rules, derive_seeds, pack, play_networks
from snake_ai.evolution.rundir import read_checkpoint


def spearman(a, b) -> float:
    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return float(np.corrcoef(ra, rb)[0, 1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", type=Path)
    ap.add_argument("--ks", type=int, nargs="+", default=[100, 500, 1000])
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args()
    _, genomes, *_ = read_checkpoint(a.run)
    nets = pack([g.network() for g in genomes])
    rules = Rules()
    print(f"{len(genomes)} genomes of {a.run}")
    print(f"{'games':>6} {'spearman':>9} {'same best':>10} {'stderr (apples)':>16} {'seconds':>8}")
    for k in a.ks:
        rho, same, se, secs = [], [], [], []
        for r in range(a.repeats):
            t = time.perf_counter()
            x = play_networks(nets, derive_seeds(1000 + r, k, start=0)).apples
            y = play_networks(nets, derive_seeds(1000 + r, k, start=10**7)).apples
            secs.append((time.perf_counter() - t) / 2)
            fx, fy = x.mean(1), y.mean(1)
            rho.append(spearman(fx, fy))
            same.append(int(np.argmax(fx) == np.argmax(fy)))
            se.append(float(np.mean(x.std(1) / np.sqrt(k))))
        print(f"{k:6d} {np.mean(rho):9.3f} {np.mean(same):10.2f} {np.mean(se):16.2f} {np.mean(secs):8.2f}")


if __name__ == "__main__":
    main()
