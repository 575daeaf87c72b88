"""Watching a run: each generation's best in turn, or the latest best while the run evolves.

Everything here is read from the run directory (``generations.npz``, ``checkpoint.npz``,
``config.toml``, ``summary.json``): a watcher never writes there and never talks to the run, so it
cannot slow or change evolution. ``start_watcher`` opens such a window in its own process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import numpy as np

from ..agents import NetworkAgent
from ..engine import derive_seeds
from ..errors import SnakeAIError
from ..evolution.archive import ARCHIVE_NAME, GenerationBest, read_generations
from .window import WAIT, Playlist, Show


class RunDir:
    """What a run directory says about its generations, re-read only when its files change."""

    def __init__(self, path, min_interval: float = 0.5):
        self.path = Path(path)
        self.name = self.path.resolve().name
        self.min_interval = min_interval
        self.entries: list[GenerationBest] = []
        self.total: int | None = None
        self.summary: dict | None = None
        self.config: dict = {}
        self.from_checkpoint = False
        self._seen = None
        self._checked = -np.inf
        self.refresh(force=True)

    @staticmethod
    def _stamp(p: Path):
        try:
            st = p.stat()
            return st.st_mtime_ns, st.st_size
        except OSError:
            return None

    def refresh(self, force: bool = False) -> bool:
        """Re-read the files if they changed (at most every ``min_interval`` s); True when there is
        a new generation."""
        now = time.monotonic()
        if not force and now - self._checked < self.min_interval:
            return False
        self._checked = now
        files = [self.path / n for n in (ARCHIVE_NAME, "checkpoint.npz", "config.toml", "summary.json")]
        seen = tuple(self._stamp(p) for p in files)
        if seen == self._seen:
            return False
        self._seen = seen
        before = self.entries[-1].generation if self.entries else -1
        if seen[0] is not None:
            try:
                self.entries = read_generations(self.path)
                self.from_checkpoint = False
            except SnakeAIError:
                self._seen = None  # caught mid-change or damaged: try again next time
        elif seen[1] is not None:  # a run from before generations.npz existed: its last generation only
            best = self._checkpoint_best()
            self.entries = [best] if best is not None else []
            self.from_checkpoint = True
        try:
            self.config = tomllib.loads((self.path / "config.toml").read_text())
            self.total = int(self.config["generations"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
        try:
            self.summary = json.loads((self.path / "summary.json").read_text()) if seen[3] else None
        except (OSError, ValueError):
            self.summary = None
        return bool(self.entries) and self.entries[-1].generation > before

    def _checkpoint_best(self) -> GenerationBest | None:
        from ..evolution.rundir import read_checkpoint

        try:
            gen, genomes, fitness, *_ = read_checkpoint(self.path)
        except SnakeAIError:
            return None
        b = int(np.argmax(fitness))
        return GenerationBest(gen, float(fitness[b]), genomes[b], b, {})

    def rules(self, board: int | None = None, max_steps: int | None = None):
        """The run's rules (board and max steps from its config), or the ones given."""
        from ..engine import Rules

        return Rules.classic(board or int(self.config.get("board", 50)), max_steps or int(self.config.get("max_steps", 2000)))

    @property
    def finished(self) -> bool:
        return self.summary is not None

    def agent(self, e: GenerationBest) -> NetworkAgent:
        info = {"optimizer": e.genome.optimizer, "fitness": e.fitness}
        if isinstance(e.row.get("best_apples"), (int, float)):
            info["mean apples"] = float(e.row["best_apples"])
        return NetworkAgent(e.genome.network(), f"{self.name}: best of generation {e.generation}", str(self.path), info)

    def label(self, g: int) -> str:
        return f"generation {g}" + (f" of 0-{self.total - 1}" if self.total else "")

    def status(self, run_pid: int | None = None) -> list[str]:
        lines = []
        if self.finished:
            held = self.summary.get("heldout_mean_apples")
            lines.append("run finished" + (f": {held:.2f} apples on held-out games" if isinstance(held, (int, float)) else ""))
        elif run_pid is not None and not _alive(run_pid):
            lines.append("run stopped")
        elif self.entries:
            lines.append(f"evolving: generation {self.entries[-1].generation} done" +
                         (f" of 0-{self.total - 1}" if self.total else ""))
        else:
            lines.append("evolving: no generation done yet")
        return lines


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _log(line: str) -> None:
    print(line, flush=True)


def _describe(e: GenerationBest) -> str:
    return f"generation {e.generation}: best fitness {e.fitness:.2f}, {e.genome.architecture}"


class RunGenerations(Playlist):
    """The best of each generation in order, all on the same game seed (every ``every``-th
    generation, and the last one of a finished run). On a run still evolving, waits for more."""

    def __init__(self, run: RunDir, seed: int, every: int = 1, wait: bool = True, log=_log):
        super().__init__([])
        self.run = run
        self.seed = int(derive_seeds(seed, 1)[0])
        self.every = max(1, int(every))
        self.wait = wait
        self.log = log
        self.next_generation = 0

    def _wanted(self, e: GenerationBest, last: bool) -> bool:
        return e.generation >= self.next_generation and (e.generation % self.every == 0 or last)

    def pending(self) -> list[GenerationBest]:
        """The generations still to play, as far as the run directory knows now."""
        es = self.run.entries
        return [e for i, e in enumerate(es) if self._wanted(e, i == len(es) - 1 and self.run.finished)]

    def next(self):
        self.run.refresh()
        todo = self.pending()
        if not todo:
            return WAIT if self.wait and not self.run.finished else None
        e = todo[0]
        self.next_generation = e.generation + 1
        self.log(_describe(e))
        return Show(self.run.agent(e), self.seed, self.run.label(e.generation))

    def status(self):
        return self.run.status()


class RunFollower(Playlist):
    """The best of the latest finished generation, game after game (seeds ``seed``, game 0, 1...).

    A new generation's best takes over at once (on the same board, from its start) once the one
    playing has been shown for ``hold`` seconds; a best that is the same genome as before keeps
    playing under its new generation's name. Once the run has ended the final best plays on."""

    def __init__(self, run: RunDir, seed: int = 0, hold: float = 3.0, run_pid: int | None = None, log=_log):
        super().__init__([])
        self.run = run
        self.seed = int(seed)
        self.hold = float(hold)
        self.run_pid = run_pid
        self.log = log
        self.games = 0
        self.current: GenerationBest | None = None

    def _show(self, e: GenerationBest, seed: int) -> Show:
        if self.current is None or e.generation != self.current.generation:
            self.log(_describe(e))
        self.current = e
        return Show(self.run.agent(e), seed, self.run.label(e.generation))

    def next(self):
        self.run.refresh()
        if not self.run.entries:
            return WAIT
        seed = int(derive_seeds(self.seed, 1, start=self.games)[0])
        self.games += 1
        return self._show(self.run.entries[-1], seed)

    def poll(self, viewer):
        self.run.refresh()
        if self.current is None or not self.run.entries:
            return None
        latest = self.run.entries[-1]
        if latest.generation == self.current.generation:
            return None
        same = (latest.genome.same_architecture(self.current.genome)
                and np.array_equal(latest.genome.weights, self.current.genome.weights))
        if same:  # the same network: keep its game going under the new generation's name
            show = self._show(latest, viewer.show.seed)
            viewer.relabel(show)
            return None
        if viewer.game is not None and not viewer.game.over and time.monotonic() - viewer.started < self.hold:
            return None
        return self._show(latest, viewer.show.seed)

    def status(self):
        return self.run.status(self.run_pid)


def watcher_command(run_dir, run_pid: int | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "snake_ai.cli.main", "watch", str(run_dir), "--follow"]
    return cmd + (["--run-pid", str(run_pid)] if run_pid is not None else [])


def start_watcher(run_dir) -> subprocess.Popen:
    """``snake-ai watch RUN_DIR --follow`` in its own process and session (it lowers its own
    priority), so the window neither slows the run nor closes when the run is interrupted."""
    # no inherited pipes: a pipe reading the run's output (| tee, a test) must not wait for the window
    return subprocess.Popen(watcher_command(run_dir, os.getpid()), stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=os.name == "posix")


def open_run(path) -> RunDir:
    """A run directory to watch; a one-line error when ``path`` is not one."""
    path = Path(path)
    if not path.is_dir():
        raise SnakeAIError(f"{path}: no such run directory")
    if not any((path / n).exists() for n in ("config.toml", "checkpoint.npz", ARCHIVE_NAME)):
        raise SnakeAIError(f"{path}: not a snake-ai run directory (no config.toml, checkpoint.npz or {ARCHIVE_NAME})")
    return RunDir(path)
