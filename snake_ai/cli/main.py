"""The ``snake-ai`` command line: a thin layer over the library.

Heavy imports (numba kernels, TensorFlow, pygame, Ray) happen inside the commands that need them,
so ``snake-ai --help`` is instant. Bad input ends with one line on stderr and exit code 2.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Optional

import typer

from ..interrupt import Interrupted, on_interrupt

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Snake neuroevolution on a headless Numba engine: evaluate, generate, train, evolve, watch.",
)

STUDY_MEAN_LENGTH = 23.091
STUDY_MAX_LENGTH = 61


def _resume_hint(run_dir: Path, backend: str, ray_address: str | None, workers: int | None) -> str:
    """The line printed when a run is interrupted: what was kept and how to go on."""
    import shlex

    extra = "".join([f" --backend {backend}" if backend != "local" else "",
                     f" --ray-address {shlex.quote(ray_address)}" if ray_address else "",
                     f" --workers {workers}" if workers is not None else ""])
    if not (run_dir / "checkpoint.npz").exists():
        d = shlex.quote(str(run_dir))
        return (f"interrupted before generation 0 finished; start it again with: snake-ai evolve --config "
                f"{shlex.quote(str(run_dir / 'config.toml'))} --out {d} --force{extra}")
    try:
        import json as _json

        import numpy as np

        with np.load(run_dir / "checkpoint.npz", allow_pickle=False) as z:
            gen = _json.loads(str(z["meta"]))["generation"]
        done = f"after generation {gen}"
    except Exception:
        done = "after the last checkpoint"
    return f"interrupted {done}; continue with: snake-ai evolve --resume {shlex.quote(str(run_dir))}{extra}"


def _version(value: bool) -> None:
    if value:
        from .. import __version__

        print(f"snake-ai {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
):
    """Snake neuroevolution on a headless Numba engine."""


def _emit_json(obj: dict) -> None:
    """The machine-readable result: always the last line of stdout."""
    sys.stdout.flush()
    print(json.dumps(obj, sort_keys=False))


def _console():
    from rich.console import Console

    return Console(highlight=False)


@app.command()
def evaluate(
    agent: Optional[str] = typer.Argument(None, help="teacher, random, a .keras file, an .npz network or a run directory (default: the shipped agent)"),
    games: int = typer.Option(1000, min=1, help="Games to play."),
    max_steps: int = typer.Option(2000, min=1, help="Steps after which a game is truncated."),
    seed: int = typer.Option(0, min=0, help="Seed of the games (game i gets a seed derived from it)."),
    board: int = typer.Option(50, min=3, help="Board size in cells (square)."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object as the last line."),
    save_best_episode: Optional[Path] = typer.Option(None, help="Write the best game as an episode JSON (replay it with `snake-ai replay`)."),
    force: bool = typer.Option(False, help="Overwrite an existing --save-best-episode file."),
):
    """Play GAMES games with an agent in the engine and report apples, length and throughput."""
    from ..evaluation import evaluate_agent

    from ..agents import load_agent
    from ..engine import Rules

    rules = Rules.classic(board, max_steps)
    ag = load_agent(agent)
    report = evaluate_agent(ag, games=games, seed=seed, rules=rules)
    if save_best_episode is not None:
        from ..viewer.episode import record_episode, save_episode

        ep = record_episode(ag, report["best_game_seed"], rules, seed_label=f"seed {seed}, game {report['best_game']}")
        save_episode(ep, save_best_episode, force=force)
        report["best_episode"] = str(save_best_episode)
    con = _console()
    if not json_out or sys.stdout.isatty():
        _print_report(con, report)
    if json_out:
        _emit_json(report)


@app.command()
def generate(
    out: Path = typer.Option(..., "--out", help="Output file: .npz, .csv or .parquet (by suffix)."),
    games: int = typer.Option(1000, min=1, help="Games the teacher plays."),
    steps: int = typer.Option(2000, min=1, help="Maximum steps per game."),
    seed: int = typer.Option(0, min=0, help="Seed of the games."),
    board: int = typer.Option(50, min=3, help="Board size in cells (square)."),
    force: bool = typer.Option(False, help="Overwrite an existing file."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object as the last line."),
):
    """Write the angle teacher's decisions (7 inputs, one-hot [left, straight, right]) to a dataset file."""
    import time

    from ..data import DatasetSpec
    from ..data import generate as gen

    spec = DatasetSpec(games=games, steps=steps, seed=seed, board=board)
    t0 = time.perf_counter()
    existed = out.exists()
    # on Ctrl-C the partial file is deleted by atomic_path; an existing one stays
    with on_interrupt(lambda: f"interrupted; {out} was {'left as it was' if existed else 'not written'}"):
        with _progress("generating") as update:
            res = gen(out, spec, force=force, progress=update)
    seconds = time.perf_counter() - t0
    summary = {"path": res["path"], "rows": res["rows"], "games": games, "seconds": seconds,
               "rows_per_second": res["rows"] / seconds if seconds > 0 else float("inf")}
    if not json_out or sys.stdout.isatty():
        _console().print(f"wrote {res['rows']:,} rows from {games} games to {res['path']} in {seconds:.2f} s "
                         f"({summary['rows_per_second'] / 1e6:.2f} M rows/s); the study had 1,633,235 rows")
    if json_out:
        _emit_json(summary)


def _parse_hidden(text: str) -> tuple[int, ...]:
    from ..errors import SnakeAIError

    try:
        widths = tuple(int(t) for t in text.split(",") if t.strip())
    except ValueError:
        raise SnakeAIError(f"--hidden must be comma-separated integers like 9,15, got {text!r}") from None
    if not widths or min(widths) < 1:
        raise SnakeAIError(f"--hidden must list positive widths, got {text!r}")
    return widths


@app.command()
def train(
    out: Path = typer.Option(..., "--out", help="Model file to write (.keras); history and plot go beside it."),
    data: Optional[Path] = typer.Option(None, "--data", help="Dataset file from `snake-ai generate`."),
    games: Optional[int] = typer.Option(None, "--games", min=1, help="Generate this many teacher games in memory instead of --data (default 1000)."),
    data_seed: int = typer.Option(0, "--data-seed", min=0, help="Seed of the generated games (with --games)."),
    preset: str = typer.Option("default", help="Recipe: 'default' or 'study' (linear first layer, MSE, batch 256, 3 epochs)."),
    hidden: Optional[str] = typer.Option(None, help="Hidden widths, comma-separated (default 9,15)."),
    activation: Optional[str] = typer.Option(None, help="Hidden activation: relu, elu, tanh, sigmoid, selu, linear."),
    optimizer: Optional[str] = typer.Option(None, help="adam, sgd, rmsprop, adagrad, adadelta, adamax or nadam."),
    learning_rate: Optional[float] = typer.Option(None, help="Learning rate (default: suited to the optimizer and batch)."),
    loss: Optional[str] = typer.Option(None, help="categorical_crossentropy or mse."),
    epochs: Optional[int] = typer.Option(None, min=1, help="Epochs."),
    batch_size: Optional[int] = typer.Option(None, min=1, help="Batch size."),
    validation_split: Optional[float] = typer.Option(None, help="Fraction of whole games held out."),
    seed: int = typer.Option(0, min=0, help="Seed of initialisation, shuffling and the split."),
    force: bool = typer.Option(False, help="Overwrite an existing model file."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object as the last line."),
):
    """Train a dense Keras policy (7 -> hidden -> 3 softmax) on the teacher's decisions."""
    from dataclasses import replace

    from ..atomic import check_writable
    from ..errors import SnakeAIError
    from ..policy.train import TrainConfig, save_trained, teacher_data, train as run_train

    if out.suffix != ".keras":
        raise SnakeAIError(f"{out}: the model file must end in .keras")
    check_writable(out, force)
    if data is not None and games is not None:
        raise SnakeAIError("give either --data or --games, not both")
    if preset not in ("default", "study"):
        raise SnakeAIError(f"unknown preset {preset!r}: use 'default' or 'study'")
    cfg = TrainConfig.study() if preset == "study" else TrainConfig()
    overrides = {k: v for k, v in dict(hidden=_parse_hidden(hidden) if hidden else None, activation=activation,
                 optimizer=optimizer, learning_rate=learning_rate, loss=loss, epochs=epochs,
                 batch_size=batch_size, validation_split=validation_split).items() if v is not None}
    cfg = replace(cfg, seed=seed, **overrides)
    if data is not None:
        from ..data import load

        x, y, meta = load(data)
        source = {"data": str(data), "rows": int(x.shape[0])}
    else:
        games = games or 1000
        x, y, meta = teacher_data(games, data_seed)
        source = {"games": games, "data_seed": data_seed, "rows": int(x.shape[0])}
    con = _console()
    quiet = json_out and not sys.stdout.isatty()
    if not quiet:
        con.print(f"training {'-'.join(map(str, (7, *cfg.hidden, 3)))} ({', '.join(cfg.activations)}) on "
                  f"{x.shape[0]:,} rows, {cfg.epochs} epochs, batch {cfg.batch_size}, {cfg.optimizer} "
                  f"lr {cfg.lr}, {cfg.loss} [{cfg.preset} recipe]")
    existed = out.exists()
    # files are renamed into place only when complete
    with on_interrupt(lambda: f"interrupted; {out} was {'left as it was' if existed else 'not written'}"):
        res = run_train(x, y, meta, cfg)
        res.data = source
        paths = save_trained(res, out, force=force)
    summary = {"path": str(out), "accuracy": res.accuracy, "val_accuracy": res.val_accuracy,
               "epochs": cfg.epochs, "seconds": res.seconds, "rows": int(x.shape[0]),
               "history": paths["history"], "plot": paths["plot"], "preset": cfg.preset}
    if not quiet:
        va = f", validation accuracy {res.val_accuracy:.4f}" if res.val_accuracy is not None else ""
        con.print(f"accuracy {res.accuracy:.4f}{va} in {res.seconds:.1f} s; wrote {out}, {paths['history']}, "
                  f"{paths['plot']}\nplay it: snake-ai evaluate {out}")
    if json_out:
        _emit_json(summary)


@app.command()
def evolve(
    generations: Optional[int] = typer.Option(None, help="Generations (default 10)."),
    mode: Optional[str] = typer.Option(None, help="hybrid (default), weights or architecture."),
    population: Optional[int] = typer.Option(None, help="Chromosomes per generation (default 20)."),
    elite: Optional[int] = typer.Option(None, help="Best chromosomes kept as parents (default 5)."),
    random_parents: Optional[int] = typer.Option(None, help="Other chromosomes kept at random (default 3)."),
    mutation_prob: Optional[float] = typer.Option(None, help="Probability of an architecture-gene mutation per child (default 0.2)."),
    weight_mutation_rate: Optional[float] = typer.Option(None, help="Fraction of a child's weights perturbed (default 0.05)."),
    weight_mutation_sigma: Optional[float] = typer.Option(None, help="Std of the weight perturbation (default 0.1)."),
    games: Optional[int] = typer.Option(None, help="Games per fitness evaluation (default 100)."),
    max_steps: Optional[int] = typer.Option(None, help="Steps per game (default 2000)."),
    heldout_games: Optional[int] = typer.Option(None, help="Held-out games for the final best (default 1000)."),
    train_rows: Optional[int] = typer.Option(None, help="Rows per brief Keras training (default 300000)."),
    train_epochs: Optional[int] = typer.Option(None, help="Epochs per brief Keras training (default 2)."),
    seed: Optional[int] = typer.Option(None, help="Seed of the run (default 0)."),
    config: Optional[Path] = typer.Option(None, "--config", help="Start from a config TOML (a run's config.toml); options override it."),
    out: Optional[Path] = typer.Option(None, "--out", help="Run directory (default runs/<timestamp>-<mode>-s<seed>)."),
    resume: Optional[Path] = typer.Option(None, "--resume", help="Continue a run directory from its last finished generation."),
    force: bool = typer.Option(False, help="Start over in an existing run directory."),
    workers: Optional[int] = typer.Option(None, min=0, help="Processes for Keras training (default: one per core; 0: in-process)."),
    backend: str = typer.Option("local", help="local (this machine) or ray (a Ray cluster, or a local Ray)."),
    ray_address: Optional[str] = typer.Option(None, help="Ray cluster address (default: RAY_ADDRESS, else a local Ray)."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object as the last line."),
):
    """Evolve networks: a genetic algorithm over architecture (layers, units, activation, optimizer) and weights."""
    from ..errors import SnakeAIError
    from ..evolution.config import EvolveConfig
    from ..evolution.reporters import ConsoleReporter
    from ..evolution.run import evolve as run_evolve, prepare_new, prepare_resume

    overrides = {k: v for k, v in dict(
        mode=mode, population=population, elite=elite, random_parents=random_parents, mutation_prob=mutation_prob,
        weight_mutation_rate=weight_mutation_rate, weight_mutation_sigma=weight_mutation_sigma, games=games,
        max_steps=max_steps, heldout_games=heldout_games, train_rows=train_rows, train_epochs=train_epochs,
        seed=seed).items() if v is not None}
    if backend not in ("local", "ray"):
        raise SnakeAIError(f"unknown backend {backend!r}: use 'local' or 'ray'")
    if resume is not None:
        if overrides or config is not None or out is not None or force:
            given = ", ".join(["--" + k.replace("_", "-") for k in overrides] + (["--config"] if config else []) +
                              (["--out"] if out else []) + (["--force"] if force else []))
            raise SnakeAIError(f"--resume continues a run with its own config; drop {given} (only --generations may extend it)")
        run = prepare_resume(resume, generations)
    else:
        if generations is not None:
            overrides["generations"] = generations
        if config is not None:
            from ..evolution.rundir import read_config

            cfg = read_config(config).with_(**overrides)
        else:
            cfg = EvolveConfig(**overrides)  # mode-dependent defaults resolve here
        run = prepare_new(cfg.validate(), out, force)
    quiet = json_out and not sys.stdout.isatty()
    trainer = evaluator = None
    cleanup = None
    if backend == "ray":
        from ..distributed.ray_backend import RayBackend
        from ..interrupt import supervise

        # Ray ends a driver that loses its cluster from C++, with no message: a parent says so
        supervise(lambda code: f"error: lost the Ray cluster{' at ' + ray_address if ray_address else ''} (the "
                  f"driver was ended by Ray, exit {code}); " + _resume_hint(run.dir, backend, ray_address, workers)
                  .replace("interrupted ", "the run is saved ", 1))

        rb = RayBackend(ray_address, workers)
        trainer, evaluator, cleanup = rb.trainer, rb.evaluate, rb.shutdown
    else:
        from ..evolution.training import LocalTrainer

        trainer = LocalTrainer(workers)
    console = ConsoleReporter(quiet=quiet)
    try:
        with on_interrupt(lambda: _resume_hint(run.dir, backend, ray_address, workers)):
            summary = run_evolve(run, trainer=trainer, evaluator=evaluator, reporters=[console])
    except Interrupted:
        if getattr(console, "progress", None) is not None:
            console.progress.stop()
        raise
    finally:
        if hasattr(trainer, "close"):
            trainer.close()
        if cleanup:
            cleanup()
    if json_out:
        _emit_json({"run_dir": summary["run_dir"], "generations": summary["generations"],
                    "best_fitness": summary["best_fitness"], "heldout_mean_apples": summary["heldout_mean_apples"],
                    "teacher_mean_apples": summary["teacher_mean_apples"], "best_architecture": summary["best_architecture"],
                    "seconds": summary["seconds"]})


@app.command()
def watch(
    agent: Optional[str] = typer.Argument(None, help="teacher, random, a .keras file, an .npz network or a run directory (default: the shipped agent in assets/agent)"),
    seed: int = typer.Option(0, min=0, help="Seed of the games."),
    fps: float = typer.Option(15.0, min=1.0, help="Steps per second (+/- change it live)."),
    games: int = typer.Option(5, min=1, help="Games to show, one after the other."),
    board: int = typer.Option(50, min=3, help="Board size in cells."),
    max_steps: int = typer.Option(2000, min=1, help="Steps after which a game is truncated."),
    cell: int = typer.Option(12, min=2, help="Pixels per cell."),
    save_episode: Optional[Path] = typer.Option(None, help="Write the last game shown as an episode JSON."),
    record_to: Optional[Path] = typer.Option(None, "--record", help="Render off-screen to a .gif (or .mp4) instead of opening a window."),
    frames: int = typer.Option(600, min=1, help="At most this many frames with --record."),
    stride: int = typer.Option(1, min=1, help="Game steps per recorded frame with --record."),
    force: bool = typer.Option(False, help="Overwrite existing --record / --save-episode files."),
):
    """Watch an agent play in a pygame window (the engine simulates; pygame only draws)."""
    from ..agents import load_agent
    from ..engine import Rules, derive_seeds

    ag = load_agent(agent)
    _show(ag, derive_seeds(seed, games), Rules.classic(board, max_steps), fps, cell, save_episode, record_to, frames,
          force, stride=stride)


@app.command()
def play(
    seed: int = typer.Option(0, min=0, help="Seed of the game."),
    fps: float = typer.Option(8.0, min=1.0, help="Steps per second."),
    board: int = typer.Option(30, min=3, help="Board size in cells."),
    max_steps: int = typer.Option(2000, min=1, help="Steps after which the game is truncated."),
    cell: int = typer.Option(18, min=2, help="Pixels per cell."),
    save_episode: Optional[Path] = typer.Option(None, help="Write your game as an episode JSON."),
    force: bool = typer.Option(False, help="Overwrite an existing --save-episode file."),
):
    """Play yourself with the arrow keys, on the same rules and engine."""
    from ..engine import Rules, derive_seeds

    _show(None, derive_seeds(seed, 1), Rules.classic(board, max_steps), fps, cell, save_episode, None, 0, force)


@app.command()
def replay(
    episode: Path = typer.Argument(..., help="An episode JSON from --save-episode or --save-best-episode."),
    fps: float = typer.Option(15.0, min=1.0, help="Steps per second."),
    cell: int = typer.Option(12, min=2, help="Pixels per cell."),
    record_to: Optional[Path] = typer.Option(None, "--record", help="Render off-screen to a .gif (or .mp4)."),
    frames: int = typer.Option(100000, min=1, help="At most this many frames with --record."),
    force: bool = typer.Option(False, help="Overwrite an existing --record file."),
):
    """Replay a saved episode exactly (the engine is deterministic)."""
    from ..viewer.episode import load_episode

    ep = load_episode(episode)
    _show(None, [ep.seed], ep.rules, fps, cell, None, record_to, frames, force, episode=ep)


def _show(agent, seeds, rules, fps, cell, save_episode, record_to, frames, force, episode=None, stride=1):
    from ..atomic import check_writable
    from ..errors import SnakeAIError

    for p in (save_episode, record_to):
        if p is not None:
            check_writable(p, force)
    if record_to is not None and record_to.suffix.lower() not in (".gif", ".mp4"):
        raise SnakeAIError(f"{record_to}: recordings are .gif or .mp4")
    from ..viewer.window import Viewer, record

    if record_to is not None:
        v = Viewer(agent, seeds, rules, fps=fps, cell=cell, episode=episode, window=False)
        n = record(v, record_to, frames, stride)
        _console().print(f"wrote {n} frames to {record_to}")
        finished = v.finished
        current = v.current
    else:
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY") and \
                os.environ.get("SDL_VIDEODRIVER") not in ("dummy", "offscreen") and sys.platform.startswith("linux"):
            raise SnakeAIError("no display to open a window on; use --record FILE.gif to render off-screen")
        v = Viewer(agent, seeds, rules, fps=fps, cell=cell, episode=episode)
        finished = v.run()
        current = v.current
    if save_episode is not None:
        from ..viewer.episode import save_episode as save

        ep = finished[-1] if finished else current
        if not finished:
            ep.apples, ep.steps = int(v.state.apples[0]), int(v.state.steps[0])
        save(ep, save_episode, force=force)
        _console().print(f"saved the episode ({ep.apples} apples, {ep.steps} steps) to {save_episode}")


class _progress:
    """A rich progress bar on a terminal (stderr), nothing otherwise; yields update(done, total)."""

    def __init__(self, label: str):
        self.label = label
        self.bar = None

    def __enter__(self):
        if not sys.stderr.isatty():
            return lambda done, total: None
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TaskProgressColumn, TimeRemainingColumn

        self.bar = Progress("[progress.description]{task.description}", BarColumn(), TaskProgressColumn(),
                            TimeRemainingColumn(), console=Console(stderr=True), transient=True)
        self.bar.start()
        task = self.bar.add_task(self.label, total=None)

        def update(done, total):
            self.bar.update(task, completed=done, total=total)

        return update

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()
        return False


def _print_report(con, r: dict) -> None:
    from rich.table import Table

    t = Table(title=f"{r['agent']}: {r['games']} games x {r['max_steps']} steps, seed {r['seed']}")
    t.add_column("")
    t.add_column("apples (score)", justify="right")
    t.add_column("length (apples + 3)", justify="right")
    t.add_column("study's network (length)", justify="right")
    t.add_row("mean", f"{r['mean_apples']:.3f}", f"{r['mean_length']:.3f}", f"{STUDY_MEAN_LENGTH}")
    t.add_row("median", f"{r['median_apples']:.1f}", f"{r['median_apples'] + 3:.1f}", "")
    t.add_row("max", f"{r['max_apples']}", f"{r['max_length']}", f"{STUDY_MAX_LENGTH}")
    if "teacher_mean_apples" in r:
        t.add_row("teacher", f"{r['teacher_mean_apples']:.3f}", f"{r['teacher_mean_apples'] + 3:.3f}", "")
    con.print(t)
    con.print(
        f"{r['total_steps']:,} steps in {r['seconds']:.3f} s = {r['steps_per_second'] / 1e6:.1f} M steps/s "
        f"on {r['threads']} threads (compilation excluded: {r['compile_seconds']:.2f} s); "
        f"died {r['died']}, reached max steps {r['truncated']}"
    )


def main(argv: list[str] | None = None) -> None:
    from .. import interrupt
    from ..errors import SnakeAIError

    interrupt.install()  # SIGINT / SIGTERM raise Interrupted; a second one exits at once
    try:
        rc = app(args=argv, standalone_mode=False)
        if interrupt.requested() is not None:  # a command that stopped at its own safe point (the viewer)
            raise Interrupted(interrupt.requested())
        sys.exit(rc if isinstance(rc, int) else 0)
    except Interrupted as e:
        interrupt.kill_descendants()  # a backstop: the commands stop their own workers first
        print(e.message or "interrupted", file=sys.stderr)
        sys.exit(e.exit_code)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except typer.Abort:
        print("aborted", file=sys.stderr)
        sys.exit(130)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    except SnakeAIError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
    except Exception as e:  # click's usage errors (typer vendors click): one line, exit 2
        stopped = interrupt.cause(e)  # an interruption wrapped by a C extension (numba: SystemError)
        if stopped is not None:
            interrupt.kill_descendants()
            print(stopped.message or "interrupted", file=sys.stderr)
            sys.exit(stopped.exit_code)
        ctx = getattr(e, "ctx", None)
        if type(e).__name__ == "NoArgsIsHelpError" and ctx is not None:
            print(ctx.get_help())
            sys.exit(0)
        if not hasattr(e, "format_message"):
            raise
        cmd = f" {ctx.info_name}" if ctx is not None and ctx.parent is not None else ""
        print(f"error:{cmd} {e.format_message()} (see snake-ai{cmd} --help)", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
