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

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Snake neuroevolution on a headless Numba engine: evaluate, generate, train, evolve, watch.",
)

STUDY_MEAN_LENGTH = 23.091
STUDY_MAX_LENGTH = 61


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
    con.print(t)
    con.print(
        f"{r['total_steps']:,} steps in {r['seconds']:.3f} s = {r['steps_per_second'] / 1e6:.1f} M steps/s "
        f"on {r['threads']} threads (compilation excluded: {r['compile_seconds']:.2f} s); "
        f"died {r['died']}, reached max steps {r['truncated']}"
    )


def main(argv: list[str] | None = None) -> None:
    from ..errors import SnakeAIError

    try:
        rc = app(args=argv, standalone_mode=False)
        sys.exit(rc if isinstance(rc, int) else 0)
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
