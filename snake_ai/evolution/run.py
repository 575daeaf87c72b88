"""An evolution run, readable top to bottom: first the teacher search (hybrid: the decision table the
trainings learn from, teacher.py), then per generation ask the strategy for chromosomes, train the
ones that need it (one program), evaluate everyone on the generation's games, tell the strategy,
validate the top ones on games of their own, report (checkpoint, history, plots)."""

from __future__ import annotations

import datetime as _dt
from dataclasses import replace
import hashlib
import json
import time
from pathlib import Path

import numpy as np

from ..engine import Rules, play_table, play_teacher
from ..errors import SnakeAIError
from ..interrupt import deferred
from ..lock import LOCK_NAME, acquire as lock_run
from . import archive, rundir
from .batch_training import TrainBudget
from .config import EvolveConfig
from .fitness import FITNESS, evaluate_local, fitness_rules, generation_seeds, heldout_seeds, probe_scores, probe_situations
from .fitness import validation_seeds
from .ga import POOL_START, data_seed, generation_rng
from .reporters import CheckpointReporter, PlotReporter
from .strategies import make_strategy
from .teacher import search_teacher

HALL_OF_FAME = 5  # the best chromosomes by validation apples, over the whole run
# config keys added after runs were saved, with the value a run saved without them ran with
LEGACY = {"weight_search": "ga", "teacher_sweeps": 0, "probe_weight": 0.0, "probe_states": 2000, "probe_score": "move"}


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
        self.hall_of_fame: list[dict] = []  # best first: {genome, validation_apples, fitness, generation}
        self.strategy_state: dict[str, np.ndarray] = {}  # the strategy's own state after the last tell
        self.teacher = None  # the TeacherSearch whose table the trainings learn from (None: the study's teacher)
        self.lock = None  # the RunLock held while this process writes the directory (lock.py)

    def remember(self, genome, validation_apples: float, fitness: float, generation: int) -> None:
        """Enter a validated chromosome in the hall of fame (the most validation apples first;
        ties: the earlier)."""
        entry = {"genome": genome, "validation_apples": validation_apples, "fitness": fitness,
                 "generation": generation}
        # a generation redone after a crash replaces its own entry, so remembering is idempotent
        hof = [e for e in self.hall_of_fame if e["generation"] != generation] + [entry]
        hof.sort(key=lambda e: (-e["validation_apples"], e["generation"]))
        self.hall_of_fame = hof[:HALL_OF_FAME]

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
        for name in ("checkpoint.npz", "teacher.json", "hall_of_fame.npz", "history.csv", "best.keras", "best.npz", "best.json", "fitness.png",
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
    gen, genomes, fitness, apples, history, saved_cfg, elapsed, state = rundir.read_checkpoint(directory)
    hall_of_fame = rundir.read_hall_of_fame(directory)
    # settings added after runs were saved: such a run ran as their value here says
    for key, then in LEGACY.items():
        if key not in saved_cfg:
            saved_cfg = {**saved_cfg, key: then}
            cfg = cfg.with_(**{key: then})
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
    run.hall_of_fame = hall_of_fame
    run.strategy_state = state
    return run


def train_budget(cfg: EvolveConfig, teacher=None) -> TrainBudget:
    """What every brief Keras training of the run shares (given to the trainer once); ``teacher``:
    the run's TeacherSearch, or None for the study's teacher."""
    table = None if teacher is None else tuple(tuple(int(m) for m in row) for row in teacher.table)
    return TrainBudget(cfg.train_rows, cfg.train_epochs, cfg.train_batch_size, cfg.train_lr_scale, cfg.train_games,
                       cfg.seed, POOL_START, cfg.board, cfg.max_steps, table)


def run_teacher(run: Run, reporters=()):
    """The run's teacher: None (the study's) without a teacher search, else the search saved in the
    run directory, or a new search, saved there before generation 0."""
    cfg = run.cfg
    if not cfg.teacher_sweeps:  # 0 in weights mode (validate refuses more)
        return None
    search = rundir.read_teacher(run.dir)
    if search is None:
        def progress(sweep, sweeps):
            for r in reporters:
                r.teacher_progress(run, sweep, sweeps)

        search = search_teacher(cfg, progress)
        rundir.write_teacher(run.dir, search)
    for r in reporters:
        r.teacher(run, search)
    return search


def train_proposals(trainer, proposals, seed: int, progress=None) -> list:
    """The generation's genomes, with the ones that needed training trained (in one call);
    ``progress(done, total)`` follows the trainings."""
    genomes = [p.genome for p in proposals]
    todo = [i for i, p in enumerate(proposals) if p.job is not None]
    if todo:
        for i, w in zip(todo, trainer.train([proposals[i].job for i in todo], seed, progress=progress)):
            genomes[i] = genomes[i].with_weights(w)
    return genomes, len(todo)


def evolve(run: Run, trainer=None, evaluator=None, reporters=()) -> dict:
    """Run the remaining generations, then measure the best on held-out games; returns a summary.

    First the run's teacher (``run_teacher``: searched, or read back from teacher.json). Per
    generation: ask the strategy, train what needs training, evaluate on the generation's games,
    tell the strategy, validate the top chromosomes, report. ``trainer.prepare(budget)``
    then ``trainer.train(jobs, data_seed) -> weights``, and ``evaluator(genomes, seeds, rules) ->
    RolloutResult`` are pluggable (local processes by default; the Ray backend provides its own).
    """
    from .training import LocalTrainer

    cfg = run.cfg
    own_trainer = trainer is None
    trainer = trainer or LocalTrainer()
    evaluator = evaluator or evaluate_local
    strategy = make_strategy(cfg)
    shaping = FITNESS[cfg.fitness]
    reporters = [CheckpointReporter(), archive.ArchiveReporter(), *reporters, PlotReporter()]
    for r in reporters:
        r.start(run)
    t_run = time.perf_counter() - run.elapsed  # the teacher search counts in the run's time
    vseeds = validation_seeds(cfg)
    situations = probe_situations(cfg.seed, cfg.probe_states) if cfg.probe_weight else None
    validated: dict = {}  # validation apples by genome (kept parents are not replayed)

    def progress(done, total):  # the trainer reports each finished training to the reporters
        for r in reporters:
            r.training_progress(run, done, total)

    try:
        run.teacher = run_teacher(run, reporters)
        table = None if run.teacher is None else run.teacher.table
        if run.genomes:  # resumed: the strategy continues from the last evaluated generation
            strategy.resume(run.genomes, run.fitness,
                            teacher_fitness(cfg, run.start_generation - 1, fitness_rules(cfg, run.start_generation - 1), shaping,
                                            table),
                            run.strategy_state)
        if cfg.mode != "weights" and run.start_generation < cfg.generations:
            trainer.prepare(train_budget(cfg, run.teacher))
            # best.keras needs TensorFlow in this process too: import it while the training workers
            # start and import theirs (the first jobs wait for them anyway), not after the last generation
            from ..policy.tf import keras

            keras()
        for gen in range(run.start_generation, cfg.generations):
            t0 = time.perf_counter()
            proposals = strategy.ask(generation_rng(cfg, gen), gen)
            genomes, trained = train_proposals(trainer, proposals, data_seed(cfg, gen), progress)
            t1 = time.perf_counter()
            frules = fitness_rules(cfg, gen)
            scores = shaping(evaluator(genomes, generation_seeds(cfg, gen), frules))
            if cfg.probe_weight:
                scores = replace(scores, fitness=scores.fitness + cfg.probe_weight * probe_scores(genomes, situations, cfg.probe_score))
            strategy.tell(genomes, scores.fitness, teacher_fitness(cfg, gen, frules, shaping, table))
            order = np.argsort(-scores.fitness, kind="stable")
            top = [int(i) for i in order[: cfg.validation_top]]
            val = validate([genomes[i] for i in top], vseeds, run.rules, evaluator, validated)
            k = int(np.argmax(val))  # ties: the fitter
            run.remember(genomes[top[k]], float(val[k]), float(scores.fitness[top[k]]), gen)
            rundir.write_hall_of_fame(run.dir, run.hall_of_fame)  # before the checkpoint (see remember)
            t2 = time.perf_counter()
            run.genomes, run.fitness, run.apples = genomes, scores.fitness, scores.apples
            run.strategy_state = strategy.state()
            run.elapsed = time.perf_counter() - t_run
            row = history_row(gen, genomes, scores, float(val[k]), trained, t1 - t0, t2 - t1, t2 - t0)
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


def teacher_fitness(cfg: EvolveConfig, generation: int, rules: Rules, shaping, table=None) -> float | None:
    """The fitness, on a generation's games, of the teacher the networks learn from (``table``, or
    the study's teacher when None): a reference for the hybrid's refinements. The teacher is fast,
    so it always plays here, whatever the backend; None where no strategy uses it (refine_share 0)."""
    if not cfg.refine_share:
        return None
    seeds = generation_seeds(cfg, generation)
    result = play_teacher(seeds, rules) if table is None else play_table(table, seeds, rules)
    return float(shaping(result).fitness[0])


def _key(g) -> tuple:
    return g.hidden, g.activation, hashlib.blake2b(np.ascontiguousarray(g.weights).tobytes(), digest_size=16).digest()


def validate(genomes, seeds, rules, evaluator, cache: dict) -> np.ndarray:
    """Mean validation apples of each genome. A genome already validated in this run (a kept
    parent: the same network) is not replayed: its games and result would be the same, so the
    cache changes the time, never the figures (a resumed run starts with an empty one)."""
    keys = [_key(g) for g in genomes]
    new = list(dict.fromkeys(k for k in keys if k not in cache))  # in order, each once
    if new:
        first = [genomes[keys.index(k)] for k in new]
        for k, v in zip(new, evaluator(first, seeds, rules).apples.mean(axis=1)):
            cache[k] = float(v)
    return np.array([cache[k] for k in keys], np.float64)


def history_row(gen, genomes, scores, validation_apples, trainings, train_s, eval_s, total_s) -> dict:
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
        "validation_apples": float(validation_apples),
        "best_architecture": best.architecture,
        "architectures": archs,
        "trainings": int(trainings),
        "train_seconds": float(train_s),
        "eval_seconds": float(eval_s),
        "seconds": float(total_s),
    }


def library_versions() -> dict:
    """The versions that decide a run's figures: Keras training's floating-point results change
    between TensorFlow releases, so the same seed can give another run under another version."""
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("snake-ai", "numpy", "numba", "tensorflow", "keras"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def finish(run: Run, evaluator) -> dict:
    """The run's best (the most validation apples of any generation) on held-out games, beside
    the teacher on the same games; best.* files."""
    cfg = run.cfg
    if run.hall_of_fame:
        entry = run.hall_of_fame[0]
        best, fitness, val, gen = entry["genome"], entry["fitness"], entry["validation_apples"], entry["generation"]
    else:  # a run that evaluated no generation here and kept no hall of fame: its fittest
        b = int(np.argmax(run.fitness))
        best, fitness, val, gen = run.genomes[b], float(run.fitness[b]), None, len(run.history) - 1
    seeds = heldout_seeds(cfg)
    held = evaluator([best], seeds, run.rules)
    teacher = play_teacher(seeds, run.rules)
    info = {
        "run_dir": str(run.dir),
        "generations": len(run.history),
        "mode": cfg.mode,
        "best_fitness": float(fitness),
        "best_generation": int(gen),
        "best_validation_apples": val,
        "best_architecture": best.architecture,
        "heldout_games": cfg.heldout_games,
        "heldout_mean_apples": float(held.apples.mean()),
        "heldout_median_apples": float(np.median(held.apples)),
        "heldout_max_apples": int(held.apples.max()),
        "heldout_mean_length": float(held.apples.mean() + 3),
        "teacher_mean_apples": float(teacher.apples.mean()),
        "learnt_from": ("no teacher (weights mode evolves from random weights)" if run.cfg.mode == "weights"
                        else "the study's teacher" if run.teacher is None else "the table of the teacher search (teacher.json)"),
        "searched_teacher_mean_apples": (None if run.teacher is None
                                         else float(play_table(run.teacher.table, seeds, run.rules).apples.mean())),
        "study_mean_length": 23.091,
        "versions": library_versions(),
    }
    rundir.save_best(run.dir, best, info)
    return info
