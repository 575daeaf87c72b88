"""The ``snake-ai`` command line: a thin layer over the library.

Heavy imports (numba kernels, TensorFlow, pygame, Ray) happen inside the commands that need them,
so ``snake-ai --help`` is instant. Bad input ends with one line on stderr and exit code 2.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import List, Optional

import typer
from typer.core import TyperGroup

from ..interrupt import Interrupted, on_interrupt

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


class _Group(TyperGroup):
    """Builds the evolve command (whose options come from EvolveConfig, an engine import away) only
    when it runs or shows its own help, so `snake-ai --help` and the other commands stay instant."""

    def resolve_command(self, ctx, args):
        name, cmd, rest = super().resolve_command(ctx, args)
        if name == "evolve":
            cmd = _evolve_command()
        return name, cmd, rest


app = typer.Typer(
    cls=_Group,
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
    agent: Optional[str] = typer.Argument(None, help="teacher, random, a .keras file, an .npz network, a run directory or a run's teacher.json (default: the shipped agent)"),
    games: int = typer.Option(1000, min=1, help="Games to play."),
    max_steps: int = typer.Option(2000, min=1, help="Steps after which a game is truncated."),
    seed: int = typer.Option(0, min=0, help="Seed of the games (game i gets a seed derived from it)."),
    board: int = typer.Option(50, min=3, help="Board size in cells (square)."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object as the last line."),
    save_best_episode: Optional[Path] = typer.Option(None, help="Write the best game as an episode JSON (replay it with `snake-ai replay`)."),
    force: bool = typer.Option(False, help="Overwrite an existing --save-best-episode file."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors (and the JSON with --json)."),
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
    if not quiet and (not json_out or sys.stdout.isatty()):
        _print_report(_console(), report)
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
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors (and the JSON with --json)."),
):
    """Write the angle teacher's decisions (7 inputs, one-hot \\[left, straight, right]) to a dataset file."""
    import time

    from ..data import DatasetSpec
    from ..data import generate as gen

    spec = DatasetSpec(games=games, steps=steps, seed=seed, board=board)
    t0 = time.perf_counter()
    existed = out.exists()
    # on Ctrl-C the partial file is deleted by atomic_path; an existing one stays
    with on_interrupt(lambda: f"interrupted; {out} was {'left as it was' if existed else 'not written'}"):
        with _progress("generating", enabled=not quiet) as update:
            res = gen(out, spec, force=force, progress=update)
    seconds = time.perf_counter() - t0
    summary = {"path": res["path"], "rows": res["rows"], "games": games, "seconds": seconds,
               "rows_per_second": res["rows"] / seconds if seconds > 0 else float("inf")}
    if not quiet and (not json_out or sys.stdout.isatty()):
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
    tensorboard: bool = typer.Option(True, "--tensorboard/--no-tensorboard", help="Write Keras' TensorBoard logs to <out stem>.tensorboard beside the model."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object on stdout (the report goes to stderr)."),
):
    """Train a dense Keras policy (7 -> hidden -> 3 softmax) on the teacher's decisions."""
    from dataclasses import replace

    from ..atomic import check_writable
    from ..errors import SnakeAIError
    from ..policy.train import TrainConfig, save_trained, teacher_data, tensorboard_dir, train as run_train

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
    from rich.console import Console

    con = Console(highlight=False, stderr=json_out)
    if not quiet:
        con.print(f"training {'-'.join(map(str, (7, *cfg.hidden, 3)))} ({', '.join(cfg.activations)}) on "
                  f"{x.shape[0]:,} rows, {cfg.epochs} epochs, batch {cfg.batch_size}, {cfg.optimizer} "
                  f"lr {cfg.lr}, {cfg.loss} [{cfg.preset} recipe]", markup=False, soft_wrap=not con.is_terminal)
    logs = tensorboard_dir(out) if tensorboard else None
    existed = out.exists()
    # files are renamed into place only when complete
    with on_interrupt(lambda: f"interrupted; {out} was {'left as it was' if existed else 'not written'}"):
        res = run_train(x, y, meta, cfg, log_dir=logs)
        res.data = source
        paths = save_trained(res, out, force=force)
    summary = {"path": str(out), "accuracy": res.accuracy, "val_accuracy": res.val_accuracy,
               "epochs": cfg.epochs, "seconds": res.seconds, "rows": int(x.shape[0]),
               "history": paths["history"], "plot": paths["plot"], "preset": cfg.preset,
               "tensorboard": str(logs) if logs else None}
    if not quiet:
        va = f", validation accuracy {res.val_accuracy:.4f}" if res.val_accuracy is not None else ""
        curves = f"\ncurves: tensorboard --logdir {logs}" if logs else ""
        con.print(f"accuracy {res.accuracy:.4f}{va} in {res.seconds:.1f} s; wrote {out}, {paths['history']}, "
                  f"{paths['plot']}\nplay it: snake-ai evaluate {out}{curves}", markup=False, soft_wrap=not con.is_terminal)
    if json_out:
        _emit_json(summary)


EVOLVE_HELP = "Evolve networks: a genetic algorithm over architecture (layers, units, activation, optimizer) and weights."


@app.command(name="evolve", help=EVOLVE_HELP, add_help_option=False,
             context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
def _evolve_listed() -> None:
    """How `snake-ai --help` lists evolve without importing the engine; running it (or its --help)
    builds the real command from EvolveConfig (see _Group.resolve_command)."""
    raise RuntimeError("snake-ai evolve is dispatched to the command built by _evolve_command()")


# the options of evolve that are not part of the run's configuration
_EVOLVE_CONTROL = {
    "config": (Optional[Path], typer.Option(None, "--config", help="Start from a config TOML (a run's config.toml); options override it.")),
    "out": (Optional[Path], typer.Option(None, "--out", help="Run directory (default runs/<timestamp>-<mode>-s<seed>).")),
    "resume": (Optional[Path], typer.Option(None, "--resume", help="Continue a run directory from its last finished generation.")),
    "force": (bool, typer.Option(False, "--force", help="Start over in an existing run directory.")),
    "workers": (Optional[int], typer.Option(None, "--workers", min=0, help="Processes for Keras training (default: one per core; 0: in-process).")),
    "backend": (str, typer.Option("local", "--backend", help="local (this machine) or ray (a Ray cluster, or a local Ray).")),
    "ray_address": (Optional[str], typer.Option(None, "--ray-address", help="Ray cluster address (default: RAY_ADDRESS, else a local Ray).")),
    "tensorboard": (bool, typer.Option(True, "--tensorboard/--no-tensorboard", help="Write TensorBoard event files in the run directory (view them: tensorboard --logdir runs).")),
    "quiet": (bool, typer.Option(False, "--quiet", "-q", help="Print nothing but errors.")),
    "json_out": (bool, typer.Option(False, "--json", help="Print one JSON object on stdout (progress goes to stderr).")),
    "watch": (bool, typer.Option(False, "--watch", help="Open a window that plays the latest generation's best while the run evolves (its own process, fed from the run directory; closing it leaves the run going).")),
}


def _evolve_command():
    """The evolve command, its run options generated from EvolveConfig's fields."""
    import inspect

    from rich.markup import escape

    from .options import evolve_options

    params, annotations = [], {}
    for opt in evolve_options():
        if opt.param in _EVOLVE_CONTROL:
            raise RuntimeError(f"EvolveConfig field {opt.param!r} clashes with an evolve option")
        tp = Optional[str] if opt.is_tuple else Optional[opt.kind]
        decl = f"{opt.flag}/--no-{opt.flag[2:]}" if opt.kind is bool else opt.flag
        info = typer.Option(None, decl, help=escape(opt.help), show_default=False, metavar=opt.metavar or None,
                            rich_help_panel="Run configuration (EvolveConfig; saved in the run's config.toml)")
        params.append(inspect.Parameter(opt.param, inspect.Parameter.KEYWORD_ONLY, default=info, annotation=tp))
        annotations[opt.param] = tp
    for name, (tp, info) in _EVOLVE_CONTROL.items():
        params.append(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=info, annotation=tp))
        annotations[name] = tp

    def evolve(**kw):
        _evolve(kw)

    evolve.__signature__ = inspect.Signature(params)
    evolve.__annotations__ = annotations
    evolve.__doc__ = EVOLVE_HELP
    sub = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    sub.command(name="evolve", help=EVOLVE_HELP)(evolve)
    return typer.main.get_command(sub)


def _evolve(kw: dict) -> None:
    from ..errors import SnakeAIError
    from ..evolution.config import EvolveConfig
    from ..evolution.reporters import ConsoleReporter, TensorBoardReporter
    from ..evolution.run import evolve as run_evolve, prepare_new, prepare_resume
    from . import options

    config, out, resume, force = kw["config"], kw["out"], kw["resume"], kw["force"]
    backend, json_out, quiet, watch = kw["backend"], kw["json_out"], kw["quiet"], kw["watch"]
    ray_address, workers = kw["ray_address"], kw["workers"]
    given = options.overrides(kw)
    generations = given.pop("generations", None)
    if backend not in ("local", "ray"):
        raise SnakeAIError(f"unknown backend {backend!r}: use 'local' or 'ray'")
    if watch:
        _need_display("the --watch window", "drop --watch and replay the run later: snake-ai watch RUN --generations")
    if resume is not None:
        if given or config is not None or out is not None or force:
            flags = {o.param: o.flag for o in options.evolve_options()}
            names = [flags.get(k, "--" + k.replace("_", "-")) for k in given]
            names += (["--config"] if config else []) + (["--out"] if out else []) + (["--force"] if force else [])
            raise SnakeAIError(f"--resume continues a run with its own config; drop {', '.join(names)} "
                               f"(only --generations may extend it)")
        run = prepare_resume(resume, generations)
    else:
        if generations is not None:
            given["generations"] = generations
        if config is not None:
            from ..evolution.rundir import read_config

            cfg = options.apply(read_config(config), given)
        else:
            cfg = options.build(EvolveConfig, given)  # mode-dependent defaults resolve here
        run = prepare_new(cfg.validate(), out, force)
    console = ConsoleReporter(quiet=quiet, stream="stderr" if json_out else "stdout")
    reporters = [console]
    if kw["tensorboard"]:
        reporters.append(TensorBoardReporter())
    if watch:
        _start_watcher(run.dir, quiet or json_out)
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
    try:
        with on_interrupt(lambda: _resume_hint(run.dir, backend, ray_address, workers)):
            summary = run_evolve(run, trainer=trainer, evaluator=evaluator, reporters=reporters)
    finally:
        console.close()
        if hasattr(trainer, "close"):
            trainer.close()
        if cleanup:
            cleanup()
    if json_out:
        _emit_json({"run_dir": summary["run_dir"], "generations": summary["generations"],
                    "best_fitness": summary["best_fitness"], "heldout_mean_apples": summary["heldout_mean_apples"],
                    "teacher_mean_apples": summary["teacher_mean_apples"],
                    "searched_teacher_mean_apples": summary["searched_teacher_mean_apples"],
                    "best_architecture": summary["best_architecture"], "seconds": summary["seconds"],
                    "tensorboard": str(run.dir) if kw["tensorboard"] else None})


@app.command()
def runs(
    directory: Path = typer.Argument(Path("runs"), help="Folder to search for run directories (searched recursively)."),
    json_out: bool = typer.Option(False, "--json", help="Print one JSON object (with a list of runs) on stdout."),
):
    """List the evolution runs under DIRECTORY: mode, generations, best held-out apples, architecture, date."""
    from ..runs import list_runs

    found = list_runs(directory)
    if json_out:
        _emit_json({"directory": str(directory), "runs": found})
        return
    if not found:
        print(f"no runs under {directory} (start one: snake-ai evolve)")
        return
    from rich import box
    from rich.console import Console
    from rich.table import Table

    def num(v, fmt):
        return "-" if v is None else format(v, fmt)

    t = Table(box=box.SIMPLE_HEAD, title=f"{len(found)} run{'s' * (len(found) != 1)} under {directory}",
              title_justify="left")
    longest = max(len(r["run"]) for r in found)
    t.caption = ("fitness: the best generation's; held-out: the final best's mean apples on held-out games, "
                 "beside the teacher's on the same games")
    t.caption_justify = "left"
    for name, justify in (("run", "left"), ("mode", "left"), ("gens", "right"), ("fitness", "right"),
                          ("held-out", "right"), ("teacher", "right"), ("architecture", "left"), ("date", "left")):
        # on a narrow terminal the run and architecture cells wrap; the figures never do
        wraps = name in ("run", "architecture", "date")
        t.add_column(name, justify=justify, no_wrap=not wraps, overflow="fold",
                     min_width={"run": min(longest, 16), "architecture": 10, "date": 10}.get(name))
    for r in found:
        gens = "-" if r["generations"] is None else str(r["generations"])
        if r["planned_generations"] and r["status"] != "finished":
            gens += f"/{r['planned_generations']} ({r['status']})"
        t.add_row(r["run"], r["mode"] or "-", gens, num(r["best_fitness"], ".2f"), num(r["heldout_mean_apples"], ".2f"),
                  num(r["teacher_mean_apples"], ".2f"), r["best_architecture"] or "-",
                  (r["date"] or "-").replace("T", " ")[:16])
    # off a terminal the table keeps its natural width (no wrapping inside a cell)
    con = Console(highlight=False) if sys.stdout.isatty() else Console(highlight=False, width=100_000)
    with con.capture() as cap:
        con.print(t)
    sys.stdout.write("".join(line.rstrip() + "\n" for line in cap.get().splitlines()))


@app.command()
def watch(
    agents: Optional[List[str]] = typer.Argument(None, help="teacher, random, a .keras file, an .npz network, a run directory (its best) or a run's teacher.json; several play side by side on the same games (default: the shipped agent)"),
    generations: bool = typer.Option(False, "--generations", help="With a run directory: its best of each generation in turn, on the same game (a running run: waits for more)."),
    every: int = typer.Option(1, min=1, help="With --generations: only every N-th generation (and the last)."),
    follow: bool = typer.Option(False, "--follow", help="With a run directory: the latest generation's best, switching to each new one while the run evolves."),
    hold: float = typer.Option(3.0, min=0.0, help="With --follow: seconds a best plays before a newer one takes over."),
    run_pid: Optional[int] = typer.Option(None, hidden=True, help="With --follow: the evolving process, to tell when it stopped."),
    seed: int = typer.Option(0, min=0, help="Seed of the games."),
    fps: float = typer.Option(15.0, min=1.0, help="Steps per second (+/- change it live)."),
    games: int = typer.Option(5, min=1, help="Games to show, one after the other."),
    board: Optional[int] = typer.Option(None, min=3, help="Board size in cells (default 50, or the run's)."),
    max_steps: Optional[int] = typer.Option(None, min=1, help="Steps after which a game is truncated (default 2000, or the run's)."),
    cell: Optional[int] = typer.Option(None, min=1, help="Pixels per cell (default: 12, smaller when the window would not fit the screen; 6 per board in a grid recording)."),
    save_episode: Optional[Path] = typer.Option(None, help="Write the last game shown as an episode JSON."),
    record_to: Optional[Path] = typer.Option(None, "--record", help="Render off-screen to a .gif (or .mp4) instead of opening a window."),
    frames: int = typer.Option(600, min=1, help="At most this many frames with --record."),
    stride: int = typer.Option(1, min=1, help="Game steps per recorded frame with --record."),
    force: bool = typer.Option(False, help="Overwrite existing --record / --save-episode files."),
):
    """Watch agents play in a pygame window (the engine simulates; pygame only draws).

    One agent plays beside its live inputs and outputs; several play side by side on the same
    games with a scoreboard; a run directory with --generations replays its progress, with
    --follow it shows the latest best while the run evolves."""
    from ..agents import load_agent
    from ..engine import Rules, derive_seeds
    from ..errors import SnakeAIError

    names = list(agents or [None])
    if generations or follow:
        from ..viewer.live import RunFollower, RunGenerations, open_run

        flag = "--generations" if generations else "--follow"
        if generations and follow:
            raise SnakeAIError("give --generations or --follow, not both")
        if len(names) != 1 or names[0] is None:
            raise SnakeAIError(f"{flag} takes one run directory")
        if save_episode is not None:
            raise SnakeAIError(f"--save-episode plays one game; it does not go with {flag}")
        run = open_run(names[0])
        rules = run.rules(board, max_steps)
        if follow:
            if record_to is not None:
                raise SnakeAIError("--follow needs a window; record a run's progress with --generations --record")
            if run_pid is not None and hasattr(os, "nice"):
                os.nice(5)  # started by `evolve --watch`: leave the cores to evolution
            playlist = RunFollower(run, seed, hold, run_pid)
        else:
            if run.from_checkpoint:
                raise SnakeAIError(f"{names[0]}: the run kept no generations.npz (made by an older snake-ai); "
                                   f"`snake-ai watch {names[0]}` plays its final best")
            if record_to is not None and not run.entries:
                raise SnakeAIError(f"{names[0]}: no generation has finished yet; nothing to record")
            playlist = RunGenerations(run, seed, every, wait=record_to is None)
        from ..viewer.window import Viewer

        _show(lambda window: Viewer(None, rules=rules, fps=fps, cell=cell, window=window, playlist=playlist),
              None, record_to, frames, force, stride)
        return
    rules = Rules.classic(board or 50, max_steps or 2000)
    ags = [load_agent(n) for n in names]
    seeds = derive_seeds(seed, games)
    if len(ags) > 1:
        if save_episode is not None:
            raise SnakeAIError("--save-episode keeps one agent's game; watch one agent to save it")
        from ..viewer.window import GridViewer

        _show(lambda window: GridViewer(ags, seeds, rules, fps=fps, cell=cell, window=window),
              None, record_to, frames, force, stride)
        return
    from ..viewer.window import Viewer

    _show(lambda window: Viewer(ags[0], seeds, rules, fps=fps, cell=cell, window=window),
          save_episode, record_to, frames, force, stride)


@app.command()
def play(
    seed: int = typer.Option(0, min=0, help="Seed of the game."),
    fps: float = typer.Option(8.0, min=1.0, help="Steps per second."),
    board: int = typer.Option(30, min=3, help="Board size in cells."),
    max_steps: int = typer.Option(2000, min=1, help="Steps after which the game is truncated."),
    cell: int = typer.Option(18, min=1, help="Pixels per cell (smaller when the window would not fit the screen)."),
    save_episode: Optional[Path] = typer.Option(None, help="Write your game as an episode JSON."),
    force: bool = typer.Option(False, help="Overwrite an existing --save-episode file."),
):
    """Play yourself with the arrow keys, on the same rules and engine."""
    from ..engine import Rules, derive_seeds
    from ..viewer.window import Viewer

    rules = Rules.classic(board, max_steps)
    _show(lambda window: Viewer(None, derive_seeds(seed, 1), rules, fps=fps, cell=cell, window=window),
          save_episode, None, 0, force)


@app.command()
def replay(
    episode: Path = typer.Argument(..., help="An episode JSON from --save-episode or --save-best-episode."),
    fps: float = typer.Option(15.0, min=1.0, help="Steps per second."),
    cell: Optional[int] = typer.Option(None, min=1, help="Pixels per cell (default 12, smaller when the window would not fit the screen)."),
    record_to: Optional[Path] = typer.Option(None, "--record", help="Render off-screen to a .gif (or .mp4)."),
    frames: int = typer.Option(100000, min=1, help="At most this many frames with --record."),
    force: bool = typer.Option(False, help="Overwrite an existing --record file."),
):
    """Replay a saved episode exactly (the engine is deterministic)."""
    from ..viewer.episode import load_episode
    from ..viewer.window import Viewer

    ep = load_episode(episode)
    _show(lambda window: Viewer(None, fps=fps, cell=cell, episode=ep, window=window), None, record_to, frames, force)


def _need_display(what: str = "a window", hint: str = "use --record FILE.gif to render off-screen") -> None:
    """A one-line error when there is no display to open a window on (Linux without X or Wayland)."""
    from ..errors import SnakeAIError

    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY") and \
            os.environ.get("SDL_VIDEODRIVER") not in ("dummy", "offscreen") and sys.platform.startswith("linux"):
        raise SnakeAIError(f"no display to open {what} on; {hint}")


def _start_watcher(run_dir, quiet: bool) -> None:
    """`evolve --watch`: the window in its own process, fed only from the run directory."""
    from ..viewer.live import start_watcher

    proc = start_watcher(run_dir)
    from rich.console import Console

    Console(stderr=quiet, highlight=False).print(
        f"watching in a window (process {proc.pid}); closing it leaves the run going")


def _show(make_viewer, save_episode, record_to, frames, force, stride=1):
    """Open a window (or render a recording off-screen) with ``make_viewer(window: bool)``."""
    from ..atomic import check_writable
    from ..errors import SnakeAIError

    for p in (save_episode, record_to):
        if p is not None:
            check_writable(p, force)
    if record_to is not None and record_to.suffix.lower() not in (".gif", ".mp4"):
        raise SnakeAIError(f"{record_to}: recordings are .gif or .mp4")
    from ..viewer.window import record

    if record_to is not None:
        v = make_viewer(False)
        n = record(v, record_to, frames, stride)
        _console().print(f"wrote {n} frames to {record_to}")
        finished = v.finished
    else:
        _need_display()
        v = make_viewer(True)
        finished = v.run()
    if save_episode is not None:
        from ..viewer.episode import save_episode as save

        ep = finished[-1] if finished else v.current
        if not finished:
            ep.apples, ep.steps = int(v.state.apples[0]), int(v.state.steps[0])
        save(ep, save_episode, force=force)
        _console().print(f"saved the episode ({ep.apples} apples, {ep.steps} steps) to {save_episode}")


class _progress:
    """A rich progress bar on a terminal (stderr), nothing otherwise; yields update(done, total)."""

    def __init__(self, label: str, enabled: bool = True):
        self.label = label
        self.enabled = enabled
        self.bar = None

    def __enter__(self):
        if not self.enabled or not sys.stderr.isatty():
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
    t.add_column(f"length (apples + {r['start_length']})", justify="right")
    t.add_column("study's network (length)", justify="right")
    t.add_row("mean", f"{r['mean_apples']:.3f}", f"{r['mean_length']:.3f}", f"{STUDY_MEAN_LENGTH}")
    t.add_row("median", f"{r['median_apples']:.1f}", f"{r['median_apples'] + r['start_length']:.1f}", "")
    t.add_row("max", f"{r['max_apples']}", f"{r['max_length']}", f"{STUDY_MAX_LENGTH}")
    if "teacher_mean_apples" in r:
        t.add_row("teacher", f"{r['teacher_mean_apples']:.3f}", f"{r['teacher_mean_apples'] + r['start_length']:.3f}", "")
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
