"""Brief Keras training of genomes, in recycled worker processes.

A job carries only numbers (architecture genes, initial weights, seeds, budget) and returns flat
weights. Each worker builds the teacher's training pool once from its seed; TensorFlow runs on one
thread per worker and every job reseeds it, so a job's result does not depend on which worker ran
it or how many there are. Workers are replaced after ``recycle`` jobs, so memory stays flat.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from ..engine.net import NetSpec
from ..policy.train import DEFAULT_LR


@dataclass(frozen=True)
class TrainJob:
    hidden: tuple[int, ...]
    activation: str
    optimizer: str
    init_weights: np.ndarray | None  # float32 flat engine weights to start from, or None (Keras init)
    seed: int  # seeds the initialisation, the row subsample and the shuffling
    rows: int
    epochs: int
    batch_size: int
    lr_scale: float
    pool_games: int  # the teacher games of the training pool ...
    pool_seed: int  # ... and their seed
    pool_start: int  # first game index of the pool
    board: int
    max_steps: int


_POOL: dict = {}


def _pool(job: TrainJob):
    key = (job.pool_games, job.pool_seed, job.pool_start, job.board, job.max_steps)
    if key not in _POOL:
        from ..engine import Rules, derive_seeds, record_teacher

        _POOL.clear()
        x, y, _ = record_teacher(derive_seeds(job.pool_seed, job.pool_games, job.pool_start),
                                 Rules.classic(job.board, job.max_steps))
        _POOL[key] = (x, y)
    return _POOL[key]


def _init_local_worker(main_thread: bool) -> None:
    from ..interrupt import as_child

    as_child(pdeathsig=main_thread)  # Ctrl-C is the parent's to handle; die with the parent
    _init_worker()


def _init_worker(quiet: bool = True) -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if quiet:
        # TensorFlow's C++ runtime writes noise to fd 2 during fit (tf.data graph warnings); a
        # worker's errors reach the parent as exceptions, so its stderr goes to /dev/null
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
    from ..policy.tf import keras

    keras()
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)


def run_job(job: TrainJob) -> np.ndarray:
    """Train one genome briefly; returns its flat float32 weights."""
    from ..policy.bridge import keras_to_network
    from ..policy.tf import seed_everything
    from ..policy.train import TrainConfig, build_model, fit

    x, y = _pool(job)
    rng = np.random.default_rng(job.seed)
    idx = rng.permutation(x.shape[0])[: job.rows]
    cfg = TrainConfig(hidden=job.hidden, activation=job.activation, optimizer=job.optimizer,
                      learning_rate=DEFAULT_LR[job.optimizer] * job.lr_scale, epochs=job.epochs,
                      batch_size=job.batch_size, validation_split=0.0, seed=job.seed)
    seed_everything(job.seed)
    model = build_model(cfg)
    if job.init_weights is not None:
        spec = NetSpec.uniform(job.hidden, job.activation)
        w = np.asarray(job.init_weights, np.float32)
        for layer, (ks, shape, bs) in zip(model.layers, spec.layer_slices()):
            layer.set_weights([w[ks].reshape(shape), w[bs]])
    fit(model, x[idx], y[idx], cfg)
    weights = keras_to_network(model).weights
    if not np.all(np.isfinite(weights)):  # a diverged optimizer: start it over from its init
        weights = np.nan_to_num(weights, nan=0.0, posinf=0.0, neginf=0.0)
    return weights


class LocalTrainer:
    """Runs TrainJobs on ``workers`` processes (0: in this process).

    The pool is replaced once it has run ``recycle`` jobs per worker (between batches, never in
    the middle of one), so Keras' per-model memory cannot pile up over a long run. (Python 3.11's
    ``max_tasks_per_child`` can hang the executor, so recycling is done here.)
    """

    def __init__(self, workers: int | None = None, recycle: int = 40):
        self.workers = max(0, os.cpu_count() or 1) if workers is None else workers
        self.recycle = recycle
        self._pool = None
        self._pool_jobs = 0
        self.jobs_run = 0
        self.pools_started = 0

    def _executor(self):
        if self._pool is not None and self._pool_jobs >= self.recycle * self.workers:
            self.close()
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=mp.get_context("spawn"),
                                             initializer=_init_local_worker,
                                             initargs=(threading.current_thread() is threading.main_thread(),))
            self._pool_jobs = 0
            self.pools_started += 1
        return self._pool

    def train(self, jobs: list[TrainJob]) -> list[np.ndarray]:
        if not jobs:
            return []
        self.jobs_run += len(jobs)
        if self.workers == 0:
            _init_worker(quiet=False)
            return [run_job(j) for j in jobs]
        pool = self._executor()
        self._pool_jobs += len(jobs)
        return list(pool.map(run_job, jobs))

    def close(self) -> None:
        if self._pool is not None:
            from ..interrupt import close_pool

            close_pool(self._pool)  # after a Ctrl-C: terminates the workers, abandoning their jobs
            self._pool = None
