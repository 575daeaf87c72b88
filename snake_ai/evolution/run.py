"""An evolution run, readable top to bottom: initial population, then per generation train the
genomes that need it, evaluate everyone on the generation's games, checkpoint, breed."""

from __future__ import annotations

import datetime as _dt
import json
import time
from pathlib import Path

import numpy as np

from ..engine import Rules, derive_seeds, play_teacher
from ..errors import SnakeAIError
from ..interrupt import deferred
from ..lock import LOCK_NAME, acquire as lock_run
from . import rundir
from .config import EvolveConfig
from .fitness import evaluate_local, generation_seeds, score
from .ga import HELDOUT_START, breed, initial_population
from .reporters import CheckpointReporter, PlotReporter


def default_run_dir(cfg: EvolveConfig, root: Path = Path("runs")) -> Path:
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return root / f"{stamp}-{cfg.mode}-s{cfg.seed}"


class Run:
    """The state of a run between generations (what the reporters see)."""

    def __init__(self, cfg: EvolveConfig, directory: Path):
        self.cfg = cfg
        self.dir = Path(directory)
        self.rules = Rules.classic(cfg.board, cfg.max_steps)
        self.genomes = []
        self.fitness = np.zeros(0)
        self.apples = np.zeros(0)
        self.history: list[dict] = []
        self.start_generation = 0
        self.elapsed = 0.0
        self.lock = None  # the RunLock held while this process writes the directory (lock.py)

    def close(self) -> None:
        """Release the run directory's lock (evolve() does it when it returns)."""
        if self.lock is not None:
            self.lock.release()


def prepare_new(cfg: EvolveConfig, out: Path | None, force: bool) -> Run:
    cfg.validate()
    directory = Path(out) if out is not None else default_run_dir(cfg)
    lock = None
    if directory.exists() and any(p.name != LOCK_NAME for p in directory.iterdir()):
        if not force:
            raise SnakeAIError(f"{directory} already holds files; pass --force to start over there, or --resume it")
        if not (directory / "config.toml").exists() and not (directory / "checkpoint.npz").exists():
            raise SnakeAIError(f"{directory} is not a run directory; refusing to overwrite it even with --force")
        lock = lock_run(directory)  # before anything is deleted: a running run is never touched
        for name in ("checkpoint.npz", "history.csv", "best.keras", "best.npz", "best.json", "fitness.png",
                     "architectures.png", "summary.json"):
            (directory / name).unlink(missing_ok=True)
    directory.mkdir(parents=True, exist_ok=True)
    lock = lock or lock_run(directory)
    rundir.write_config(directory, cfg)
    run = Run(cfg, directory)
    run.lock = lock
    return run


def prepare_resume(directory: Path, generations: int | None = None) -> Run:
    directory = Path(directory)
    if not directory.is_dir():
        raise SnakeAIError(f"{directory}: no such run directory")
    if not (directory / "config.toml").exists():
        raise SnakeAIError(f"{directory}: no config.toml; not a snake-ai run directory")
    cfg = rundir.read_config(directory / "config.toml")
    rundir.read_checkpoint(directory)  # checked before locking: a refused resume changes no file
    lock = lock_run(directory)
    gen, genomes, fitness, apples, history, saved_cfg, elapsed = rundir.read_checkpoint(directory)
    if EvolveConfig.from_dict(saved_cfg) != cfg:
        raise SnakeAIError(f"{directory}: config.toml differs from the checkpoint's config; the run was edited")
    if generations is not None:
        if generations < gen + 1:
            raise SnakeAIError(f"the run already has {gen + 1} generations; --generations must be at least that")
        cfg = cfg.with_(generations=generations).validate()
        rundir.write_config(directory, cfg)
    run = Run(cfg, directory)
    run.lock = lock
    run.genomes, run.fitness, run.apples, run.history = genomes, fitness, apples, history[: gen + 1]
    run.start_generation = gen + 1
    run.elapsed = elapsed
    return run


def evolve(run: Run, trainer=None, evaluator=None, reporters=()) -> dict:
    """Run the remaining generations, then measure the best on held-out games; returns a summary.

    ``trainer.train(jobs) -> weights`` and ``evaluator(genomes, seeds, rules) -> RolloutResult``
    are pluggable (local processes by default; the Ray backend provides its own).
    """
    from .training import LocalTrainer

    cfg = run.cfg
    own_trainer = trainer is None
    trainer = trainer or LocalTrainer()
    evaluator = evaluator or evaluate_local
    reporters = [CheckpointReporter(), *reporters, PlotReporter()]
    for r in reporters:
        r.start(run)
    t_run = time.perf_counter() - run.elapsed
    try:
        for gen in range(run.start_generation, cfg.generations):
            t0 = time.perf_counter()
            if gen == 0:
                genomes, jobs = initial_population(cfg)
            else:
                genomes, jobs = breed(run.genomes, run.fitness, cfg, gen)
            todo = [i for i, j in enumerate(jobs) if j is not None]
            for i, w in zip(todo, trainer.train([jobs[i] for i in todo])):
                genomes[i] = genomes[i].with_weights(w)
            t1 = time.perf_counter()
            result = evaluator(genomes, generation_seeds(cfg, gen), run.rules)
            scores = score(result, cfg.mode)
            t2 = time.perf_counter()
            run.genomes, run.fitness, run.apples = genomes, scores.fitness, scores.apples
            run.elapsed = time.perf_counter() - t_run
            row = history_row(gen, genomes, scores, len(todo), t1 - t0, t2 - t1, t2 - t0)
            run.history.append(row)
            with deferred():  # a Ctrl-C waits until the checkpoint and history are written
                for r in reporters:
                    r.generation(run, row)
    finally:
        if own_trainer:
            trainer.close()
    summary = finish(run, evaluator)
    summary["seconds"] = time.perf_counter() - t_run
    rundir.write_text_atomic(run.dir / "summary.json", json.dumps(summary, indent=1))
    for r in reporters:
        r.end(run, summary)
    run.close()
    return summary


def history_row(gen, genomes, scores, trainings, train_s, eval_s, total_s) -> dict:
    order = np.argsort(-scores.fitness, kind="stable")
    best = genomes[int(order[0])]
    archs = ";".join(f"{'-'.join(map(str, genomes[i].hidden))}/{genomes[i].activation}/{genomes[i].optimizer}"
                     for i in order)
    return {
        "generation": gen,
        "best_fitness": float(scores.fitness[order[0]]),
        "mean_fitness": float(scores.fitness.mean()),
        "median_fitness": float(np.median(scores.fitness)),
        "best_apples": float(scores.apples[order[0]]),
        "mean_apples": float(scores.apples.mean()),
        "best_architecture": best.architecture,
        "architectures": archs,
        "trainings": int(trainings),
        "train_seconds": float(train_s),
        "eval_seconds": float(eval_s),
        "seconds": float(total_s),
    }


def finish(run: Run, evaluator) -> dict:
    """The final best on held-out games, beside the teacher on the same games; best.* files."""
    cfg = run.cfg
    b = int(np.argmax(run.fitness))
    best = run.genomes[b]
    seeds = derive_seeds(cfg.seed, cfg.heldout_games, start=HELDOUT_START)
    held = evaluator([best], seeds, run.rules)
    teacher = play_teacher(seeds, run.rules)
    info = {
        "run_dir": str(run.dir),
        "generations": len(run.history),
        "mode": cfg.mode,
        "best_fitness": float(run.fitness[b]),
        "best_architecture": best.architecture,
        "heldout_games": cfg.heldout_games,
        "heldout_mean_apples": float(held.apples.mean()),
        "heldout_median_apples": float(np.median(held.apples)),
        "heldout_max_apples": int(held.apples.max()),
        "heldout_mean_length": float(held.apples.mean() + 3),
        "teacher_mean_apples": float(teacher.apples.mean()),
        "study_mean_length": 23.091,
    }
    rundir.save_best(run.dir, best, info)
    return info
