"""A generation's Keras training as one TensorFlow program.

Every genome that needs training is a branch of one program: the branches see the same batches
(drawn from the teacher's pool by one generation seed), each branch is a plain Keras Sequential
with its own Keras optimizer (``optimizer.apply(grads, branch_vars)``), and one compiled
``tf.function`` runs every step of every branch in a single call (a ``tf.while_loop`` over batches
already on the device: no tf.data, no per-step Python).

Exactness: a branch's loss is the mean over the batch of its own cross-entropy; the branches'
losses are summed, so each branch's gradient is its own (d total / d loss_i is exactly 1).
Initial weights come from numpy (the genome's seed), never from TensorFlow's random state; the
batches come from numpy (the generation's seed). TensorFlow runs every op on one thread with op
determinism on, so a branch's trained weights are the same bytes whichever other branches share
its program, whichever process runs it, and whatever the worker count (tested).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

import numpy as np

from ..engine.net import NetSpec
from ..policy.train import DEFAULT_LR


@dataclass(frozen=True)
class TrainJob:
    """What differs per genome: its genes, its starting weights and its seed."""

    hidden: tuple[int, ...]
    activation: str
    optimizer: str
    init_weights: np.ndarray | None  # float32 flat engine weights to start from, or None (fresh Glorot init)
    seed: int  # seeds the fresh initialisation (when init_weights is None)


@dataclass(frozen=True)
class TrainBudget:
    """What every brief training of a run shares: the teacher's pool and the budget. Given to the
    trainer once per run."""

    rows: int  # rows drawn from the pool per epoch ...
    epochs: int  # ... for this many epochs
    batch_size: int
    lr_scale: float  # learning rate = the optimizer's large-batch default x this
    pool_games: int  # the teacher games of the training pool ...
    pool_seed: int  # ... their seed
    pool_start: int  # ... and first game index
    board: int
    max_steps: int
    teacher: tuple[tuple[int, ...], ...] | None = None  # the decision table whose decisions form the pool; None: the study's teacher

    @property
    def steps(self) -> int:
        return self.epochs * max(1, self.rows // self.batch_size)


def teacher_pool(budget: TrainBudget):
    """(x float32 (N, 7), y float32 (N, 3)): the run's teacher's decisions on the pool's games."""
    from ..engine import Rules, derive_seeds, record_table, record_teacher

    seeds = derive_seeds(budget.pool_seed, budget.pool_games, budget.pool_start)
    rules = Rules.classic(budget.board, budget.max_steps)
    if budget.teacher is None:
        x, y, _ = record_teacher(seeds, rules)
    else:
        x, y, _ = record_table(np.array(budget.teacher, np.int64), seeds, rules)
    return np.ascontiguousarray(x, np.float32), np.ascontiguousarray(y, np.float32)


def batches(x: np.ndarray, y: np.ndarray, budget: TrainBudget, data_seed: int):
    """(X (S, B, 7), Y (S, B, 3)): every batch of a generation's training, in order. Each epoch
    is a fresh permutation of ``rows`` rows drawn from the pool (the same for every branch)."""
    rng = np.random.default_rng(data_seed)
    per_epoch = max(1, budget.rows // budget.batch_size)
    rows = min(budget.rows, x.shape[0])
    B = min(budget.batch_size, rows)
    idx = []
    subset = rng.permutation(x.shape[0])[:rows]
    for _ in range(budget.epochs):
        perm = subset[rng.permutation(rows)]
        n = min(per_epoch, rows // B)
        idx.append(perm[: n * B].reshape(n, B))
    idx = np.concatenate(idx)
    return x[idx], y[idx]


def fresh_weights(job: TrainJob) -> np.ndarray:
    from .operators import init_weights

    return init_weights(NetSpec.uniform(job.hidden, job.activation), np.random.default_rng(job.seed))


_TF_READY = False


def init_tensorflow(threads: int = 1) -> None:
    """Import TensorFlow once, quietly, single-threaded per op, deterministic ops."""
    global _TF_READY
    if _TF_READY:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from ..policy.tf import keras

    keras()
    import tensorflow as tf

    with contextlib.suppress(RuntimeError):  # already initialised by someone else in this process
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    with contextlib.suppress(Exception):
        tf.config.experimental.enable_op_determinism()
    _TF_READY = True


_ACT = {"relu": "relu", "elu": "elu", "tanh": "tanh", "sigmoid": "sigmoid", "selu": "selu", "linear": None}


def _branch(k, job: TrainJob, budget: TrainBudget):
    """One branch: its weights as ONE flat Keras variable in the engine's layout (so the optimizer
    updates one tensor per branch: few ops per step) and its own Keras optimizer."""
    w = np.asarray(job.init_weights if job.init_weights is not None else fresh_weights(job), np.float32)
    var = k.Variable(w, name="w", dtype="float32")
    opt = k.optimizers.get({"class_name": job.optimizer,
                            "config": {"learning_rate": DEFAULT_LR[job.optimizer] * budget.lr_scale}})
    opt.build([var])
    return NetSpec.uniform(job.hidden, job.activation), var, opt


def _logits(tf, spec: NetSpec, w, x):
    """The branch's network on x, as the engine computes it, up to the output's logits."""
    h = x
    for i, (ks, shape, bs) in enumerate(spec.layer_slices()):
        h = tf.matmul(h, tf.reshape(w[ks.start:ks.stop], shape)) + w[bs.start:bs.stop]
        if i < len(spec.activations) - 1:
            act = getattr(tf.nn, spec.activations[i]) if spec.activations[i] != "linear" else None
            if act is not None:
                h = act(h)
    return h


def train_branches(jobs: list[TrainJob], X: np.ndarray, Y: np.ndarray, budget: TrainBudget) -> list[np.ndarray]:
    """Train every job as a branch of one program on the batches (X, Y); flat engine weights out."""
    if not jobs:
        return []
    init_tensorflow()
    from ..policy.tf import keras

    k = keras()
    import tensorflow as tf

    branches = [_branch(k, j, budget) for j in jobs]

    @tf.function(autograph=False)
    def run(X, Y):
        def body(s):
            x, y = X[s], Y[s]
            ws = [var.value for _, var, _ in branches]
            with tf.GradientTape() as tape:
                tape.watch(ws)
                total = tf.add_n([tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(y, _logits(tf, spec, w, x)))
                                  for (spec, _, _), w in zip(branches, ws)])
            grads = tape.gradient(total, ws)
            for (_, var, opt), g in zip(branches, grads):
                opt.apply([g], [var])
            return (s + 1,)

        tf.while_loop(lambda s: s < tf.shape(X)[0], body, (tf.constant(0),), parallel_iterations=1)
        return tf.constant(0)

    with _quiet():
        run(tf.constant(X), tf.constant(Y))
    out = []
    for _, var, _ in branches:
        w = np.asarray(var.numpy(), np.float32)
        if not np.all(np.isfinite(w)):  # a diverged optimizer: its NaNs become zeros (a poor, finite network)
            w = np.nan_to_num(w, nan=0.0, posinf=0.0, neginf=0.0)
        out.append(w)
    return out


@contextlib.contextmanager
def _quiet():
    from ..policy.tf import _stderr_silenced

    with _stderr_silenced():
        yield


def split_balanced(jobs: list[TrainJob], parts: int) -> list[list[int]]:
    """Indices of ``jobs`` in ``parts`` groups of about equal cost (parameters; ties: index)."""
    cost = [NetSpec.uniform(j.hidden, j.activation).n_params + 200 for j in jobs]
    groups: list[list[int]] = [[] for _ in range(max(1, min(parts, len(jobs))))]
    load = [0] * len(groups)
    for i in sorted(range(len(jobs)), key=lambda i: (-cost[i], i)):
        g = int(np.argmin(load))
        groups[g].append(i)
        load[g] += cost[i]
    return [sorted(g) for g in groups if g]
