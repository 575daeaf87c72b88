"""The run's teacher: the decision table whose decisions the brief Keras trainings learn from.

The study's angle teacher (SPEC section 2) decides from the three blocked flags and the apple's
angle, and nothing else, so it is one decision table among many (``engine.tables``). Before
generation 0 a training run (hybrid by default) searches that space, starting from the study's
teacher, and its networks then learn from the table found:

* a coordinate search: each entry of the table in turn tries the other moves that are not
  blocked, and a move that adds more than ``teacher_min_gain`` apples replaces the entry's;
* every candidate plays the same ``teacher_games`` games, disjoint from every other set of the
  run, so that small differences show;
* ``teacher_sweeps`` passes at most, stopping after a pass that changes nothing.

The search is deterministic (the same seed gives the same table, whatever the thread count) and
its result is saved in the run directory (``teacher.json``), so a resumed run never redoes it.
With ``teacher_sweeps = 0`` the networks learn from the study's teacher itself.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..engine import Rules, derive_seeds, play_table, teacher_table
from ..engine.tables import BLOCKED_ROWS, check_table, free_moves, table_bins
from .config import EvolveConfig
from .ga import TEACHER_START


@dataclass(frozen=True)
class TeacherSearch:
    """What a teacher search found."""

    table: np.ndarray  # int64 (7, 2 bins + 2): the moves of the table found
    apples: tuple[float, ...]  # mean apples on the search games: the study's teacher, then after each sweep
    changes: tuple[int, ...]  # entries changed in each sweep
    games: int  # search games per candidate
    seconds: float  # the search's wall time

    @property
    def changed(self) -> int:
        """Entries where the table found differs from the study's teacher."""
        return int((self.table != teacher_table(self.bins)).sum())

    @property
    def bins(self) -> int:
        return table_bins(self.table)

    def to_dict(self) -> dict:
        return {"bins": self.bins, "moves": self.table.tolist(), "apples": list(self.apples),
                "changes": list(self.changes), "games": self.games, "seconds": self.seconds}

    @classmethod
    def from_dict(cls, d: dict) -> "TeacherSearch":
        """The inverse of ``to_dict``; ValueError unless every field has its exact type."""
        def integer(v):
            return type(v) is int

        def number(v):
            return type(v) in (int, float) and np.isfinite(v)

        moves, apples, changes = d["moves"], d["apples"], d["changes"]
        if not (isinstance(moves, list) and all(isinstance(r, list) and all(map(integer, r)) for r in moves)):
            raise ValueError("moves must be a list of rows of integers")
        if not (isinstance(apples, list) and apples and all(map(number, apples))):
            raise ValueError("apples must be a non-empty list of numbers")
        if not (isinstance(changes, list) and all(integer(c) and c >= 0 for c in changes) and len(apples) == len(changes) + 1):
            raise ValueError("changes must list the entries changed in each sweep, one fewer than apples")
        if not (integer(d["games"]) and d["games"] >= 1 and number(d["seconds"])):
            raise ValueError("games must be a positive integer and seconds a number")
        return cls(check_table(np.array(moves, np.int64)), tuple(float(a) for a in apples), tuple(changes),
                   d["games"], float(d["seconds"]))


def mean_apples(table: np.ndarray, seeds: np.ndarray, rules: Rules) -> float:
    return float(play_table(table, seeds, rules).apples.mean())


def search_table(start: np.ndarray, seeds: np.ndarray, rules: Rules, sweeps: int, min_gain: float,
                 progress=None) -> tuple[np.ndarray, list[float], list[int]]:
    """Coordinate search from ``start`` on the games ``seeds``: (the table found, mean apples of
    the start then after each sweep, entries changed in each sweep). ``progress(sweep, sweeps)``
    is called before each sweep."""
    table = check_table(start).copy()
    best = mean_apples(table, seeds, rules)
    apples, changes = [best], []
    for sweep in range(sweeps):
        if progress is not None:
            progress(sweep, sweeps)
        changed = 0
        for row in range(BLOCKED_ROWS):
            for col in range(table.shape[1]):
                keep = table[row, col]
                for move in free_moves(row):
                    if move == keep:
                        continue
                    table[row, col] = move
                    f = mean_apples(table, seeds, rules)
                    if f > best + min_gain:
                        best, keep, changed = f, move, changed + 1
                    table[row, col] = keep
        apples.append(best)
        changes.append(changed)
        if not changed:
            break
    return table, apples, changes


def search_teacher(cfg: EvolveConfig, progress=None) -> TeacherSearch:
    """The run's teacher search (``cfg.teacher_sweeps`` > 0)."""
    t0 = time.perf_counter()
    seeds = derive_seeds(cfg.seed, cfg.teacher_games, start=TEACHER_START)
    table, apples, changes = search_table(teacher_table(cfg.teacher_bins), seeds, Rules.classic(cfg.board, cfg.max_steps),
                                          cfg.teacher_sweeps, cfg.teacher_min_gain, progress)
    return TeacherSearch(table, tuple(apples), tuple(changes), cfg.teacher_games, time.perf_counter() - t0)
