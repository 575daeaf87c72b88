"""Engine throughput, measured in one run so the ratios mean something on a shared machine.

    python benchmarks/bench_engine.py [--games 1000] [--quick]

Prints steps per second of: teacher rollouts, 7-9-15-3 relu network rollouts and 7-64-3 network
rollouts for every hidden activation (networks trained here for a few seconds so that they play
long games like the real thing), the plain-Python reference,
and a Keras ``model(x)`` call per step (the study's way), then the ratios between them, plus the
dataset generator's rows per second. Compilation is excluded (a warm-up call first). One-thread rows
and the plain-Python reference are timed in CPU seconds of the thread that ran them (steady on a
shared machine), rows with more threads and the Keras row by the wall clock.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numba  # noqa: E402
import numpy as np  # noqa: E402

from snake_ai.engine import Rules, derive_seeds, play_networks, play_teacher, reference as ref  # noqa: E402


def best_of(fn, repeat=3, clock=time.perf_counter):
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = clock()
        out = fn()
        best = min(best, clock() - t0)
    return best, out


def clock_for(threads):
    """One thread runs in this Python thread (the engine's pool is not used): its CPU time is what
    the work cost, whatever else the machine runs. More threads: the wall clock."""
    return time.thread_time if threads == 1 else time.perf_counter


def quick_policy(hidden=(9, 15), activation="relu", epochs=4):
    from snake_ai.policy.bridge import keras_to_network
    from snake_ai.policy.train import TrainConfig, teacher_data, train

    x, y, meta = teacher_data(200, seed=123)
    res = train(x, y, meta, TrainConfig(hidden=hidden, activation=activation, epochs=epochs, validation_split=0.0))
    return keras_to_network(res.model)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--games", type=int, default=1000)
    ap.add_argument("--quick", action="store_true", help="smaller samples for the slow baselines")
    args = ap.parse_args()
    rules = Rules()
    seeds = derive_seeds(0, args.games)
    threads = numba.config.NUMBA_NUM_THREADS
    rows = []

    play_teacher(seeds[:2], rules)
    many = derive_seeds(1, 10 * args.games)  # the teacher is fast: more games, so threads amortise
    for nt in sorted({1, threads}):
        numba.set_num_threads(nt)
        dt, r = best_of(lambda: play_teacher(many, rules), clock=clock_for(nt))
        rows.append((f"teacher rollouts, {nt} thread(s)", r.steps.sum() / dt, nt))
    numba.set_num_threads(threads)

    print("training a 7-9-15-3 relu policy and 7-64-3 policies (one per hidden activation) ...", flush=True)
    net = quick_policy()
    acts = ("relu", "elu", "tanh", "sigmoid", "selu")
    wide = {act: quick_policy((64,), act) for act in acts}
    nets = {"7-9-15-3 relu": net, **{f"7-64-3 {act}": w for act, w in wide.items()}}
    for n in nets.values():
        play_networks([n], seeds[:2], rules)  # compile once
    # 1 thread, the networks interleaved round after round (best of the rounds), so that the ratios
    # between them hold on a machine whose load changes from minute to minute
    numba.set_num_threads(1)
    best = {name: (float("inf"), None) for name in nets}
    for _ in range(3):
        for name, n in nets.items():
            dt, r = best_of(lambda: play_networks([n], seeds, rules), repeat=1, clock=time.thread_time)
            if dt < best[name][0]:
                best[name] = (dt, r)
    numba.set_num_threads(threads)
    for name, (dt, r) in best.items():
        label = "7-9-15-3 network rollouts, 1 thread(s)" if name == "7-9-15-3 relu" else f"{name} network rollouts, 1 thread"
        rows.append((label, r.steps.sum() / dt, 1))
    wide_sps = {act: (best[f"7-64-3 {act}"][1].steps.sum() / best[f"7-64-3 {act}"][0],
                      best[f"7-64-3 {act}"][1].apples.mean()) for act in acts}
    if threads > 1:
        dt, r = best_of(lambda: play_networks([net], seeds, rules))
        rows.append((f"7-9-15-3 network rollouts, {threads} thread(s)", r.steps.sum() / dt, threads))
    else:
        dt, r = best[("7-9-15-3 relu")]
    protocol_s, net_apples = dt, r.apples.mean()

    n_ref = 20 if args.quick else 60
    t0 = time.thread_time()
    ref_steps = sum(ref.play(ref.RefGame(int(s)), "teacher")[1] for s in seeds[:n_ref])
    rows.append(("plain-Python reference (teacher)", ref_steps / (time.thread_time() - t0), 1))

    from snake_ai.engine import observe, reset, step_inplace
    from snake_ai.policy.bridge import network_to_keras

    model = network_to_keras(net)
    state = reset(rules, seeds[:1])
    model(observe(state))  # build
    n_keras = 100 if args.quick else 300
    t0 = time.perf_counter()
    done = 0
    while done < n_keras:
        a = int(np.argmax(np.asarray(model(observe(state)))[0]))
        step_inplace(state, [a])
        done += 1
        if not state.alive[0]:
            state = reset(rules, seeds[done % len(seeds):][:1])
    rows.append(("Keras model(x) once per step", n_keras / (time.perf_counter() - t0), 1))

    from snake_ai.data import DatasetSpec, generate

    with tempfile.TemporaryDirectory() as d:
        generate(Path(d) / "warm.npz", DatasetSpec(games=2, steps=50))
        t0 = time.perf_counter()
        g = generate(Path(d) / "study.npz", DatasetSpec(games=1000, steps=2000))
        gen_s = time.perf_counter() - t0

    base = dict((name, v) for name, v, _ in rows)
    keras_sps = base["Keras model(x) once per step"]
    ref_sps = base["plain-Python reference (teacher)"]
    print(f"\nmachine: {os.cpu_count()} cores, numba {numba.__version__}, {threads} numba threads\n")
    print(f"{'what':46s} {'steps/s':>14s} {'per core':>12s} {'x Python ref':>13s} {'x Keras/step':>13s}")
    for name, sps, nt in rows:
        print(f"{name:46s} {sps:14,.0f} {sps / nt:12,.0f} {sps / ref_sps:13,.1f} {sps / keras_sps:13,.0f}")
    relu_1 = base["7-9-15-3 network rollouts, 1 thread(s)"]
    print("\n7-64-3 networks against the 7-9-15-3 relu network, 1 thread (target: >= 0.4x each)")
    for act, (sps, apples) in wide_sps.items():
        print(f"  {act:8s} {sps / relu_1:5.2f}x   ({apples:.1f} apples on average)")
    print(f"\nthe study's test protocol (1000 games x 2000 steps) with the network: {protocol_s:.3f} s "
          f"({net_apples:.2f} apples on average with this briefly trained network)")
    print(f"a Keras call per step would take about {r.steps.sum() / keras_sps / 3600:.1f} hours for the same games")
    print(f"dataset: {g['rows']:,} rows (1000 games x 2000 steps) written as .npz in {gen_s:.2f} s = "
          f"{g['rows'] / gen_s:,.0f} rows/s ({g['rows'] / gen_s / ref_sps:,.0f}x the plain-Python teacher's steps/s)")


if __name__ == "__main__":
    main()
