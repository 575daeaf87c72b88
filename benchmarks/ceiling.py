"""How many apples a policy on the 7 SPEC inputs can reach: a decision-table search and its distillation.

The angle teacher is a reactive policy: its move depends on the three blocked flags and the apple's
angle relative to the heading. This script searches that whole class of policies. A table gives a
move for each blocked combination (7: the eighth, all blocked, is death) and each bin of the relative
angle (exactly ahead, exactly behind, then ``--bins`` open bins on each side). The search starts
from the teacher's own table and changes one entry at a time. A change is kept when it adds more
than ``--min-gain`` apples on ``--games`` fixed search games (the same games for every candidate,
so that small differences show). Those games are disjoint from every set a run uses.

The table found is then checked on the same two sets the README reports (the seed's 1000 held-out
games and ``bench_hybrid.py``'s 4000 further games), beside the teacher. Last, Keras networks are
trained with the default recipe (`snake-ai train`) on the table's own games, to see whether a
network of the hybrid's kind can play it. Apples are printed beside the teacher's, with their
ratio; the table is saved with ``--save``.

    python benchmarks/ceiling.py [--bins 8] [--sweeps 4] [--games 4000] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from numba import njit, prange

from bench_hybrid import EXTRA_START  # the README's 4000 further games

from snake_ai.engine import Rules, derive_seeds, play_networks
from snake_ai.engine.core import _DEAD, _RUNNING, _STRAIGHT, alloc_games, reset_game, sense, step_game
from snake_ai.engine.core import table_move, write_features
from snake_ai.evolution.ga import HELDOUT_START

SEARCH_START = EXTRA_START + 10**6  # beyond the further games
DISTILL_START = SEARCH_START + 10**6
ALL_BLOCKED = 7


@njit(cache=True, error_model="numpy")
def angle_bin(adx, ady, dx, dy, nb):
    """The bin of the apple's angle relative to the heading: 0 exactly ahead (or no apple), 1
    exactly behind, 2 .. nb+1 on the right (the teacher's angle in (0, 1) in nb equal bins),
    nb+2 .. 2nb+1 on the left."""
    cross = ady * dx - adx * dy
    dot = ady * dy + adx * dx
    if cross == 0:
        return 1 if dot < 0 else 0
    a = np.arctan2(cross, dot) / np.pi
    if a > 0:
        return 2 + min(int(a * nb), nb - 1)
    return 2 + nb + min(int(-a * nb), nb - 1)


@njit(cache=True, error_model="numpy", forceinline=True)
def table_step(s, g, table, rules, nb):
    """The table's move in game g; (move, the blocked combination lb*4 + fb*2 + rb, the 5 facts)."""
    lb, fb, rb, adx, ady = sense(s, g, rules)
    c = lb * 4 + fb * 2 + rb
    st = s.info[g]
    a = _STRAIGHT if c == ALL_BLOCKED else table[c, angle_bin(adx, ady, st.dx, st.dy, nb)]
    return a, c, lb, fb, rb, adx, ady


@njit(parallel=True, cache=True, error_model="numpy")
def play_table(table, seeds, rules, nb, apples, died):
    """Every game of ``seeds`` played by ``table`` (int64 (7, 2nb+2) of moves)."""
    for k in prange(seeds.shape[0]):
        s = alloc_games(np.int64(1), rules.width * rules.height)
        g = np.int64(0)
        reset_game(s, g, seeds[k], rules)
        st = s.info[g]
        while st.status == _RUNNING:
            a, c, lb, fb, rb, adx, ady = table_step(s, g, table, rules, nb)
            step_game(s, g, a, rules)
        apples[k] = st.apples
        died[k] = 1 if st.status == _DEAD else 0


@njit(cache=True, error_model="numpy")
def record_table(table, seeds, rules, nb, x_out, y_out):
    """The table's decisions as rows of the 7 inputs and one-hot moves (all-blocked steps are not
    recorded, as for the teacher); returns the number of rows (those past x_out's end are dropped)."""
    s = alloc_games(np.int64(1), rules.width * rules.height)
    g = np.int64(0)
    r = 0
    for k in range(seeds.shape[0]):
        reset_game(s, g, seeds[k], rules)
        st = s.info[g]
        while st.status == _RUNNING:
            a, c, lb, fb, rb, adx, ady = table_step(s, g, table, rules, nb)
            if c != ALL_BLOCKED:
                if r < x_out.shape[0]:
                    write_features(x_out, r, lb, fb, rb, adx, ady, st.dx, st.dy)
                    y_out[r, :] = 0.0
                    y_out[r, a] = 1.0
                r += 1
            step_game(s, g, a, rules)
    return r


def teacher_table(nb: int) -> np.ndarray:
    """The angle teacher and the study's blocked-move table as a decision table."""
    t = np.zeros((ALL_BLOCKED, 2 + 2 * nb), np.int64)
    for c in range(ALL_BLOCKED):
        lb, fb, rb = c >> 2 & 1, c >> 1 & 1, c & 1
        for b in range(t.shape[1]):
            want = 1 if b == 0 else 2 if b == 1 or b < 2 + nb else 0
            t[c, b] = table_move(want, lb, fb, rb)
    return t


def score(table: np.ndarray, seeds: np.ndarray, rules: Rules, nb: int) -> tuple[float, float]:
    """(mean apples, share of games that end in death)."""
    apples = np.zeros(len(seeds), np.int64)
    died = np.zeros(len(seeds), np.int64)
    play_table(table, seeds, rules.kernel(), nb, apples, died)
    return float(apples.mean()), float(died.mean())


def search(table: np.ndarray, seeds: np.ndarray, rules: Rules, nb: int, sweeps: int, min_gain: float) -> np.ndarray:
    """Coordinate search: each entry in turn tries the other free moves, and a move that adds more
    than ``min_gain`` apples on ``seeds`` replaces the entry's. Stops after a sweep without a change."""
    table = table.copy()
    best, _ = score(table, seeds, rules, nb)
    t0 = time.time()
    for sweep in range(sweeps):
        changed = 0
        for c in range(ALL_BLOCKED):
            free = [a for a, bit in enumerate((c >> 2 & 1, c >> 1 & 1, c & 1)) if not bit]
            for b in range(table.shape[1]):
                keep = table[c, b]
                for a in free:
                    if a == keep:
                        continue
                    table[c, b] = a
                    f, _ = score(table, seeds, rules, nb)
                    if f > best + min_gain:
                        best, keep, changed = f, a, changed + 1
                    table[c, b] = keep
        print(f"sweep {sweep + 1}: {changed} entries changed, {best:.2f} apples on the search games "
              f"({time.time() - t0:.0f} s)", flush=True)
        if not changed:
            break
    return table


def distill(table: np.ndarray, rules: Rules, nb: int, games: int, hidden: tuple[int, ...], sets: dict) -> dict:
    """A Keras network trained (the default recipe) on ``games`` of the table's own decisions."""
    from snake_ai.policy.bridge import keras_to_network
    from snake_ai.policy.tf import seed_everything
    from snake_ai.policy.train import TrainConfig, build_model, fit

    seeds = derive_seeds(0, games, start=DISTILL_START)
    cap = games * rules.max_steps
    x = np.zeros((cap, 7), np.float32)
    y = np.zeros((cap, 3), np.float32)
    n = record_table(table, seeds, rules.kernel(), nb, x, y)
    cfg = TrainConfig(hidden=hidden, seed=0)
    seed_everything(cfg.seed)
    model = build_model(cfg)
    history = fit(model, x[:n], y[:n], cfg)
    net = keras_to_network(model)
    out = {"rows": n, "accuracy": history["accuracy"][-1]}
    for name, s in sets.items():
        r = play_networks([net], s, rules)
        out[name] = (float(r.apples.mean()), float((r.status == _DEAD).mean()))
    return out


def main() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bins", type=int, default=8, help="open angle bins on each side")
    ap.add_argument("--sweeps", type=int, default=4)
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
    table = search(teacher, derive_seeds(a.seed, a.games, start=SEARCH_START), rules, a.bins, a.sweeps, a.min_gain)
    changed = int((table != teacher).sum())
    print(f"the table found differs from the teacher's in {changed} of {teacher.size} entries")
    if a.save:
        np.save(a.save, table)
    base = {}
    for name, seeds in sets.items():
        (t, td), (f, fd) = score(teacher, seeds, rules, a.bins), score(table, seeds, rules, a.bins)
        base[name] = t
        print(f"{name} games: teacher {t:.2f} apples (dies in {td:.0%}), table found {f:.2f} (dies in {fd:.0%}): "
              f"ratio {f / t:.3f}")
    if a.distill_games:
        for hidden in ((64, 12), (9, 15)):
            d = distill(table, rules, a.bins, a.distill_games, hidden, sets)
            arch = "-".join(map(str, (7,) + hidden + (3,)))
            print(f"{arch} relu trained on {d['rows']} rows of the table's games (accuracy {d['accuracy']:.4f}): " + ", ".join(
                f"{name} {v[0]:.2f} (dies in {v[1]:.0%}; ratio {v[0] / base[name]:.3f})" for name, v in d.items()
                if name in sets))


if __name__ == "__main__":
    main()
