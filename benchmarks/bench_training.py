"""One generation's Keras training, the old way against the new way, in one run.

Old: one Keras program per genome (build, compile, ``model.fit`` over its own tf.data pipeline),
as the trainer worked before. New: every genome a branch of one TensorFlow program, each branch
with its own Keras optimizer, every step in one compiled call. Both train generation 0 of a
default hybrid run (20 random architectures, the default budget) in this process, on one
TensorFlow thread, after TensorFlow is imported. Prints seconds and the ratio.

    python benchmarks/bench_training.py [--genomes 20] [--rows 100000] [--epochs 1]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from snake_ai.evolution import EvolveConfig  # noqa: E402
from snake_ai.evolution.batch_training import batches, init_tensorflow, teacher_pool, train_branches  # noqa: E402
from snake_ai.evolution.ga import data_seed, generation_rng  # noqa: E402
from snake_ai.evolution.run import train_budget  # noqa: E402
from snake_ai.evolution.strategies import make_strategy  # noqa: E402


def old_way(jobs, x, y, budget, seed):
    """One Keras program per genome: build, compile and fit it (the previous trainer's job)."""
    from snake_ai.engine.net import NetSpec
    from snake_ai.policy.bridge import keras_to_network
    from snake_ai.policy.tf import seed_everything
    from snake_ai.policy.train import DEFAULT_LR, TrainConfig, build_model, fit

    out = []
    for j in jobs:
        rng = np.random.default_rng(j.seed)
        idx = rng.permutation(x.shape[0])[: budget.rows]
        cfg = TrainConfig(hidden=j.hidden, activation=j.activation, optimizer=j.optimizer,
                          learning_rate=DEFAULT_LR[j.optimizer] * budget.lr_scale, epochs=budget.epochs,
                          batch_size=budget.batch_size, validation_split=0.0, seed=j.seed % 2**31)
        seed_everything(cfg.seed)
        model = build_model(cfg)
        if j.init_weights is not None:
            spec = NetSpec.uniform(j.hidden, j.activation)
            for layer, (ks, shape, bs) in zip(model.layers, spec.layer_slices()):
                layer.set_weights([j.init_weights[ks].reshape(shape), j.init_weights[bs]])
        fit(model, x[idx], y[idx], cfg)
        out.append(keras_to_network(model).weights)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--genomes", type=int, default=20)
    ap.add_argument("--rows", type=int, default=EvolveConfig().train_rows)
    ap.add_argument("--epochs", type=int, default=EvolveConfig().train_epochs)
    a = ap.parse_args()
    cfg = EvolveConfig(population=a.genomes, elite=1, random_parents=0, train_rows=a.rows, train_epochs=a.epochs)
    budget = train_budget(cfg)
    jobs = [p.job for p in make_strategy(cfg).ask(generation_rng(cfg, 0), 0)]
    x, y = teacher_pool(budget)
    init_tensorflow()
    import tensorflow as tf

    print(f"{len(jobs)} genomes, {budget.rows} rows x {budget.epochs} epochs, batch {budget.batch_size} "
          f"({budget.steps} steps each); TensorFlow {tf.__version__}, one thread per op")
    t, c = time.perf_counter(), time.process_time()
    old_way(jobs, x, y, budget, data_seed(cfg, 0))
    old, old_cpu = time.perf_counter() - t, time.process_time() - c
    print(f"old way, one Keras program per genome:   {old:7.2f} s wall, {old_cpu:7.2f} s CPU")
    t, c = time.perf_counter(), time.process_time()
    X, Y = batches(x, y, budget, data_seed(cfg, 0))
    train_branches(jobs, X, Y, budget)
    new, new_cpu = time.perf_counter() - t, time.process_time() - c
    print(f"new way, one program for the generation: {new:7.2f} s wall, {new_cpu:7.2f} s CPU")
    print(f"ratio: {old / new:.2f}x faster (wall), {old_cpu / new_cpu:.2f}x (CPU)")


if __name__ == "__main__":
    main()
