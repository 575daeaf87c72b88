"""Side effects of a run, as reporters (the way neat-python does it): console, files."""

from __future__ import annotations


from . import rundir


class Reporter:
    def start(self, run) -> None: ...

    def generation(self, run, row: dict) -> None: ...

    def end(self, run, summary: dict) -> None: ...


class CheckpointReporter(Reporter):
    """After every evaluated generation: checkpoint.npz, then history.csv (both atomic)."""

    def generation(self, run, row):
        rundir.write_checkpoint(run.dir, row["generation"], run.genomes, run.fitness, run.apples,
                                run.history, run.cfg, run.elapsed)
        rundir.write_history(run.dir, run.history)


class PlotReporter(Reporter):
    def end(self, run, summary):
        cfg = run.cfg
        rundir.plot_fitness(run.dir, run.history, f"{cfg.mode} mode, population {cfg.population}, seed {cfg.seed}")
        rundir.plot_architectures(run.dir, run.history)


class ConsoleReporter(Reporter):
    """A line per generation and a progress bar on a terminal (rich, on stderr when quiet)."""

    def __init__(self, quiet: bool = False):
        from rich.console import Console

        self.console = Console(stderr=quiet, highlight=False)
        self.quiet = quiet
        self.progress = None

    def start(self, run):
        cfg = run.cfg
        if not self.quiet:
            resumed = f", resumed after generation {run.start_generation - 1}" if run.start_generation else ""
            self.console.print(f"[bold]evolving[/bold] {cfg.mode} mode: {cfg.population} chromosomes x {cfg.generations} "
                               f"generations, {cfg.games} games each, seed {cfg.seed}{resumed} -> {run.dir}")
        if self.console.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

            self.progress = Progress("generation", MofNCompleteColumn(), BarColumn(), TimeElapsedColumn(),
                                     console=self.console, transient=True)
            self.progress.start()
            self.task = self.progress.add_task("gen", total=cfg.generations, completed=run.start_generation)

    def generation(self, run, row):
        if not self.quiet:
            self.console.print(
                f"gen {row['generation']:3d}  best {row['best_fitness']:7.2f}  mean {row['mean_fitness']:7.2f}  "
                f"median {row['median_fitness']:7.2f}  best apples {row['best_apples']:6.2f}  "
                f"[{row['best_architecture']}]  trained {row['trainings']:2d}  {row['seconds']:5.1f} s")
        if self.progress is not None:
            self.progress.update(self.task, completed=row["generation"] + 1)

    def end(self, run, summary):
        if self.progress is not None:
            self.progress.stop()
        if self.quiet:
            return
        h = summary
        self.console.print(
            f"best: {h['best_architecture']} (fitness {h['best_fitness']:.2f}); on {h['heldout_games']} held-out games "
            f"x {run.cfg.max_steps} steps: [bold]{h['heldout_mean_apples']:.2f} apples[/bold] "
            f"(length {h['heldout_mean_apples'] + 3:.2f}, max {h['heldout_max_apples']}); the teacher on the same "
            f"games: {h['teacher_mean_apples']:.2f}; the study's network: 23.091 length (about 20 apples)")
        self.console.print(f"run saved in {run.dir} ({h['seconds']:.1f} s); play it: snake-ai evaluate {run.dir}")
