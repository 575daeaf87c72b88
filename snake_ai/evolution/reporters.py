"""Side effects of a run, as reporters (the way neat-python does it): files, console, TensorBoard.

A reporter sees the run at four moments, all in the main process:

    start(run)                           before the first remaining generation
    training_progress(run, done, total)  while a generation's genomes train: 0/total first, then
                                         after each finished training (not called when none train)
    generation(run, row)                 after a generation is evaluated (row: its history row)
    end(run, summary)                    after the held-out measurement of the final best
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

from . import rundir


class Reporter:
    def start(self, run) -> None: ...

    def training_progress(self, run, done: int, total: int) -> None: ...

    def teacher_progress(self, run, sweep: int, sweeps: int) -> None:
        """Before each sweep of the teacher search (teacher.py)."""

    def teacher(self, run, search) -> None:
        """The run's teacher search (a TeacherSearch), new or read back from teacher.json."""

    def generation(self, run, row: dict) -> None: ...

    def end(self, run, summary: dict) -> None: ...


class CheckpointReporter(Reporter):
    """After every evaluated generation: checkpoint.npz, then history.csv (both atomic)."""

    def generation(self, run, row):
        rundir.write_checkpoint(run.dir, row["generation"], run.genomes, run.fitness, run.apples,
                                run.history, run.cfg, run.elapsed, run.strategy_state)
        rundir.write_history(run.dir, run.history)


class PlotReporter(Reporter):
    def end(self, run, summary):
        cfg = run.cfg
        rundir.plot_fitness(run.dir, run.history, f"{cfg.mode} mode, population {cfg.population}, seed {cfg.seed}",
                            apples=cfg.probe_weight > 0)
        rundir.plot_architectures(run.dir, run.history)


def _finite(v) -> bool:
    try:
        return v is not None and v != "" and math.isfinite(float(v))
    except (TypeError, ValueError):
        return False


def generation_line(row: dict, generations: int) -> str:
    """A generation as one plain line: every figure and the whole best architecture, never wrapped."""
    val = f"  validation apples {float(row['validation_apples']):6.2f}" if _finite(row.get("validation_apples")) else ""
    return (f"gen {row['generation']:>3d}/{generations}  best {row['best_fitness']:7.2f}  mean {row['mean_fitness']:7.2f}  "
            f"median {row['median_fitness']:7.2f}  best apples {row['best_apples']:6.2f}{val}  "
            f"trained {row['trainings']:2d}  {row['seconds']:6.1f} s  [{row['best_architecture']}]")


class ConsoleReporter(Reporter):
    """What a person reads while a run goes.

    Off a terminal (a pipe, a log file): plain lines, one per generation, written whole and never
    wrapped, whatever their width. On a terminal: a table of generations whose last column (the
    best architecture, in full in history.csv) is cropped to the terminal's width, under a live
    line that shows the generation and, while genomes train, "training 14/20". When stdout is a
    pipe but stderr is a terminal, the live line goes to stderr and the pipe gets plain lines.

    ``stream``: "stdout" (default) or "stderr" (for --json, which keeps stdout for the JSON object).
    ``quiet``: print nothing at all.
    """

    COLUMNS = (("gen", 5), ("best", 8), ("mean", 8), ("median", 8), ("apples", 8), ("val.apples", 11),
               ("trained", 8), ("seconds", 8))

    def __init__(self, quiet: bool = False, stream: str = "stdout"):
        if stream not in ("stdout", "stderr"):
            raise ValueError(f"stream must be 'stdout' or 'stderr', got {stream!r}")
        self.quiet = quiet
        self.stream = stream
        self.progress = None
        self.console = None
        self._task = None
        self._header = False
        self._gen = 0

    # where lines go: looked up at each write, so a live display's redirection is honoured
    def _out(self):
        return getattr(sys, self.stream)

    @property
    def terminal(self) -> bool:
        out = self._out()
        return bool(getattr(out, "isatty", lambda: False)())

    def _plain(self, text: str) -> None:
        out = self._out()
        out.write(text + "\n")
        out.flush()

    def start(self, run):
        if self.quiet:
            return
        cfg = run.cfg
        resumed = f", resumed after generation {run.start_generation - 1}" if run.start_generation else ""
        mode = f"{cfg.mode} mode ({cfg.weight_search})" if cfg.mode == "weights" else f"{cfg.mode} mode"
        probe = f", fitness + {cfg.probe_weight:g} x probe score" if cfg.probe_weight else ""
        line = (f"evolving {mode}: {cfg.population} chromosomes x {cfg.generations} generations, "
                f"{cfg.games} games each{probe}, seed {cfg.seed}{resumed} -> {run.dir}")
        from rich.console import Console

        if self.terminal:
            self.console = Console(file=self._out(), highlight=False)
            self.console.print(line.replace("evolving", "[bold]evolving[/bold]", 1), soft_wrap=True)
            live_console = self.console
        else:
            self._plain(line)
            live_console = Console(file=sys.stderr, highlight=False) if sys.stderr.isatty() else None
        if live_console is not None:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                     TimeElapsedColumn(), console=live_console, transient=True,
                                     redirect_stdout=False, redirect_stderr=False)
            self.progress.start()
            self._gen = run.start_generation
            self._task = self.progress.add_task(self._describe(), total=cfg.generations,
                                                completed=run.start_generation)
            self._generations = cfg.generations

    def _describe(self, what: str = "") -> str:
        return f"generation {self._gen}" + (f": {what}" if what else "")

    def training_progress(self, run, done, total):
        if self.progress is not None:
            what = f"training {done}/{total}" if done < total else "evaluating"
            self.progress.update(self._task, description=self._describe(what))

    def teacher_progress(self, run, sweep, sweeps):
        if self.progress is not None:
            self.progress.update(self._task, description=f"teacher search, sweep {sweep + 1}/{sweeps}")

    def teacher(self, run, search):
        if self.progress is not None:  # refreshed now: TensorFlow's import comes next and holds the GIL for seconds
            self.progress.update(self._task, description=self._describe(), refresh=True)
        if self.quiet:
            return
        self._print(f"teacher: the study's {search.apples[0]:.2f} apples -> {search.apples[-1]:.2f} on "
                    f"{search.games} search games ({search.changed} of {search.table.size} decisions changed, "
                    f"{len(search.changes)} sweeps, {search.seconds:.1f} s); the networks learn from it")

    def _print(self, line: str) -> None:
        if self.console is not None:
            self.console.print(line, soft_wrap=True, highlight=False)
        else:
            self._plain(line)

    def generation(self, run, row):
        if self.quiet:
            return
        if self.console is None:
            self._plain(generation_line(row, run.cfg.generations))
        else:
            self._table_row(row)
        if self.progress is not None:
            self._gen = row["generation"] + 1
            self.progress.update(self._task, completed=row["generation"] + 1,
                                 description=self._describe())

    def _table_row(self, row):
        from rich.text import Text

        if not self._header:
            head = "".join(f"{name:>{w}}" for name, w in self.COLUMNS) + "  best architecture"
            self.console.print(Text(head, style="bold"), no_wrap=True, overflow="ellipsis")
            self._header = True
        val = f"{float(row['validation_apples']):.2f}" if _finite(row.get("validation_apples")) else "-"
        cells = (str(row["generation"]), f"{row['best_fitness']:.2f}", f"{row['mean_fitness']:.2f}",
                 f"{row['median_fitness']:.2f}", f"{row['best_apples']:.2f}", val, str(row["trainings"]),
                 f"{row['seconds']:.1f}")
        text = "".join(f"{c:>{w}}" for c, (_, w) in zip(cells, self.COLUMNS)) + "  " + row["best_architecture"]
        self.console.print(Text(text), no_wrap=True, overflow="ellipsis")

    def close(self) -> None:
        """Stop the live line (idempotent): call it when a run ends early, e.g. on Ctrl-C, so the
        terminal gets its cursor back."""
        if self.progress is not None:
            self.progress.stop()
            self.progress = None

    def end(self, run, summary):
        self.close()
        if self.quiet:
            return
        h = summary
        lines = [
            f"best: {h['best_architecture']} (fitness {h['best_fitness']:.2f}); on {h['heldout_games']} held-out games "
            f"x {run.cfg.max_steps} steps: {h['heldout_mean_apples']:.2f} apples (length "
            f"{h['heldout_mean_apples'] + 3:.2f}, max {h['heldout_max_apples']}); the teacher on the same games: "
            f"{h['teacher_mean_apples']:.2f}"
            + (f" (the searched teacher it learnt from: {h['searched_teacher_mean_apples']:.2f})"
               if h.get("searched_teacher_mean_apples") is not None else "")
            + "; the study's network: 23.091 length (about 20 apples)",
            f"run saved in {run.dir} ({h['seconds']:.1f} s); play it: snake-ai evaluate {run.dir}",
        ]
        if any(Path(run.dir).glob(TensorBoardReporter.PATTERN)):
            lines.append(f"curves: tensorboard --logdir {Path(run.dir).parent}")
        for line in lines:
            self._print(line)


class TensorBoardReporter(Reporter):
    """Per-generation scalars and histograms as event files in the run directory, the way CleanRL
    keeps them (``tensorboard --logdir runs`` shows each run under its own name).

    Written with tensorboardX, which needs neither TensorFlow nor a running TensorBoard. Steps are
    generations. Scalars: fitness/{best,mean,median}, apples/{best,mean,validation},
    trainings, seconds/{total,train,eval}; at the end heldout/{mean_apples,teacher_mean_apples}.
    Histograms: fitness, apples, architecture/{hidden_units,hidden_layers,parameters}. A resumed
    run appends (events after its last checkpoint are purged); a run started over with --force
    starts a fresh log.
    """

    PATTERN = "events.out.tfevents.*"

    def __init__(self, logdir: Path | str | None = None):
        self.logdir = None if logdir is None else Path(logdir)
        self.writer = None
        self.seconds = 0.0  # time spent in this reporter (import included), for the curious

    def start(self, run):
        t0 = time.perf_counter()
        from tensorboardX import SummaryWriter

        logdir = self.logdir or Path(run.dir)
        if run.start_generation == 0 and logdir.is_dir():  # a run started over (--force): a fresh log
            for old in logdir.glob(self.PATTERN):
                old.unlink()
        logdir.mkdir(parents=True, exist_ok=True)
        self.logdir = logdir
        self.writer = SummaryWriter(str(logdir), purge_step=run.start_generation or None, flush_secs=30)
        if run.start_generation == 0:
            import tomli_w

            self.writer.add_text("config", "```\n" + tomli_w.dumps(run.cfg.to_dict()) + "```", 0)
        self.seconds += time.perf_counter() - t0

    def generation(self, run, row):
        import numpy as np

        t0 = time.perf_counter()
        w, g = self.writer, int(row["generation"])
        for tag, key in (("fitness/best", "best_fitness"), ("fitness/mean", "mean_fitness"),
                         ("fitness/median", "median_fitness"), ("apples/best", "best_apples"),
                         ("apples/mean", "mean_apples"), ("apples/validation", "validation_apples"),
                         ("trainings", "trainings"), ("seconds/total", "seconds"), ("seconds/train", "train_seconds"),
                         ("seconds/eval", "eval_seconds")):
            if _finite(row.get(key)):
                w.add_scalar(tag, float(row[key]), g)
        w.add_histogram("fitness", np.asarray(run.fitness, np.float64), g)
        w.add_histogram("apples", np.asarray(run.apples, np.float64), g)
        w.add_histogram("architecture/hidden_units", np.array([sum(x.hidden) for x in run.genomes], np.float64), g)
        w.add_histogram("architecture/hidden_layers", np.array([len(x.hidden) for x in run.genomes], np.float64), g)
        w.add_histogram("architecture/parameters", np.array([x.spec.n_params for x in run.genomes], np.float64), g)
        w.flush()
        self.seconds += time.perf_counter() - t0

    def end(self, run, summary):
        if self.writer is None:
            return
        step = max(0, len(run.history) - 1)
        for key in ("heldout_mean_apples", "teacher_mean_apples"):
            if _finite(summary.get(key)):
                self.writer.add_scalar(f"heldout/{key.removeprefix('heldout_')}", float(summary[key]), step)
        self.writer.close()
        self.writer = None
