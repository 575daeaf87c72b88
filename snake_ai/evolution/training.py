"""Brief Keras training of a generation's genomes: one TensorFlow program per worker per generation.

The trainer gets the run's budget and pool once (``prepare``); each generation it gets only what
differs per genome (``TrainJob``: genes, starting weights, seed) and the generation's data seed.
Jobs are split into ``workers`` groups of about equal cost; each worker process imports TensorFlow
once, builds the teacher's pool once, and trains its group as the branches of one program (see
``batch_training``). A branch's weights do not depend on which other branches share its program,
so results do not depend on the worker count (tested). Workers are replaced after ``recycle``
jobs each, so memory stays flat over long runs.
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import os
import threading
from concurrent.futures import ProcessPoolExecutor, as_completed

import numpy as np

from .batch_training import TrainBudget, TrainJob, batches, init_tensorflow, split_balanced, teacher_pool, train_branches

__all__ = ["LocalTrainer", "TrainBudget", "TrainJob", "GenerationTrainer"]


class GenerationTrainer:
    """Trains groups of jobs in this process; holds the pool of one budget."""

    def __init__(self, budget: TrainBudget):
        self.budget = budget
        self.x, self.y = teacher_pool(budget)

    def train(self, jobs: list[TrainJob], data_seed: int) -> list[np.ndarray]:
        X, Y = batches(self.x, self.y, self.budget, data_seed)
        out = train_branches(jobs, X, Y, self.budget)
        gc.collect()
        return out


_WORKER: GenerationTrainer | None = None  # the state of one worker process (set by its initializer)


def _init_local_worker(main_thread: bool, budget: TrainBudget) -> None:
    from ..interrupt import as_child

    as_child(pdeathsig=main_thread)  # Ctrl-C is the parent's to handle; die with the parent
    _init_worker(budget)


def _init_worker(budget: TrainBudget, quiet: bool = True) -> None:
    global _WORKER
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if quiet:
        # TensorFlow's C++ runtime writes noise to fd 2; a worker's errors reach the parent as
        # exceptions, so its stderr goes to /dev/null
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
    init_tensorflow()
    _WORKER = GenerationTrainer(budget)


def _train_group(jobs: list[TrainJob], data_seed: int) -> list[np.ndarray]:
    return _WORKER.train(jobs, data_seed)


def train_split(jobs: list[TrainJob], parts: int, data_seed: int, submit_all) -> list[np.ndarray]:
    """Split ``jobs`` into ``parts`` balanced groups, train them through ``submit_all`` (which
    returns one result list per group) and put the weights back in job order."""
    groups = split_balanced(jobs, parts)
    results = submit_all([[jobs[i] for i in g] for g in groups], data_seed)
    out: list = [None] * len(jobs)
    for g, ws in zip(groups, results):
        for i, w in zip(g, ws):
            out[i] = w
    return out


class LocalTrainer:
    """Trains a generation's jobs on ``workers`` processes (0: in this process).

    ``prepare(budget)`` once per run, then ``train(jobs, data_seed)`` per generation; ``close()``
    stops the workers. The processes start (and import TensorFlow) in ``prepare``, in the
    background, while the run does other work.
    """

    def __init__(self, workers: int | None = None, recycle: int = 200):
        self.workers = max(1, min(8, os.cpu_count() or 1)) if workers is None else workers
        self.recycle = recycle
        self.budget: TrainBudget | None = None
        self._pool = None
        self._local: GenerationTrainer | None = None
        self._pool_jobs = 0
        self.jobs_run = 0
        self.pools_started = 0

    def prepare(self, budget: TrainBudget) -> None:
        if budget != self.budget:
            self.close()
            self.budget = budget
        if self.workers > 0 and self._pool is None:
            self._start()

    def _start(self) -> None:
        self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=mp.get_context("spawn"),
                                         initializer=_init_local_worker,
                                         initargs=(threading.current_thread() is threading.main_thread(), self.budget))
        # start every worker now, in the background (TensorFlow's import and the pool take seconds)
        for _ in range(self.workers):
            self._pool.submit(os.getpid)
        self._pool_jobs = 0
        self.pools_started += 1

    def train(self, jobs: list[TrainJob], data_seed: int, progress=None) -> list[np.ndarray]:
        """The jobs' weights, in order; ``progress(done, total)`` is called with 0 first, then as
        each worker's group of branches finishes (in the calling process)."""
        if not jobs:
            return []
        if self.budget is None:
            raise RuntimeError("LocalTrainer.prepare(budget) must come before train()")
        progress = progress or (lambda done, total: None)
        self.jobs_run += len(jobs)
        progress(0, len(jobs))
        if self.workers == 0:
            if self._local is None:
                init_tensorflow()
                self._local = GenerationTrainer(self.budget)
            out = self._local.train(jobs, data_seed)
            progress(len(jobs), len(jobs))
            return out
        if self._pool is None or self._pool_jobs >= self.recycle * self.workers:
            self.close(keep_budget=True)
            self._start()
        self._pool_jobs += len(jobs)
        pool = self._pool

        def submit_all(groups, seed):
            futures = {pool.submit(_train_group, g, seed): len(g) for g in groups}
            done = 0
            for f in as_completed(futures):
                f.result()  # a failed group raises here, as soon as it is known
                done += futures[f]
                progress(done, len(jobs))
            return [f.result() for f in futures]

        return train_split(jobs, self.workers, data_seed, submit_all)

    def close(self, keep_budget: bool = True) -> None:
        if self._pool is not None:
            from ..interrupt import close_pool

            close_pool(self._pool)  # after a Ctrl-C: terminates the workers, abandoning their jobs
            self._pool = None
        if not keep_budget:
            self.budget = None
