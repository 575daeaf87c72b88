"""Batched game state and the pure reset / step / observe functions over it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import core
from .core import Games, Status
from .rules import Rules


@dataclass(frozen=True)
class State:
    """B games of Snake. ``rules`` fixes the board; ``games`` holds the arrays (``core.Games``):

    * ``body``  int32 (B, W*H): ring buffer of snake cells (y*W + x), head at ``info["head"]``
    * ``grid``  uint8 (B, W*H): 1 where the snake is
    * ``info``  structured (B,) of ``core.GAME``: head, length, dx, dy, apple, status, steps,
      apples, rng (uint64)
    """

    rules: Rules
    games: Games

    @property
    def body(self) -> np.ndarray:
        return self.games.body

    @property
    def grid(self) -> np.ndarray:
        return self.games.grid

    @property
    def info(self) -> np.ndarray:
        return self.games.info

    @property
    def batch(self) -> int:
        return int(self.games.info.shape[0])

    @property
    def length(self) -> np.ndarray:
        return self.games.info["length"].copy()

    @property
    def apples(self) -> np.ndarray:
        return self.games.info["apples"].copy()

    @property
    def steps(self) -> np.ndarray:
        return self.games.info["steps"].copy()

    @property
    def status(self) -> np.ndarray:
        """int64 (B,): a ``Status`` per game (0 running, 1 died, 2 truncated at max_steps)."""
        return self.games.info["status"].copy()

    @property
    def alive(self) -> np.ndarray:
        return self.games.info["status"] == Status.RUNNING

    @property
    def direction(self) -> np.ndarray:
        """int64 (B, 2): (dx, dy) of each game."""
        return np.stack([self.games.info["dx"], self.games.info["dy"]], axis=1)

    @property
    def head(self) -> np.ndarray:
        """int64 (B, 2): (x, y) of each head."""
        i = self.games.info
        c = self.games.body[np.arange(self.batch), i["head"]].astype(np.int64)
        return np.stack([c % self.rules.width, c // self.rules.width], axis=1)

    @property
    def apple(self) -> np.ndarray:
        """int64 (B, 2): (x, y) of each apple, (-1, -1) where there is none."""
        a = self.games.info["apple"]
        W = self.rules.width
        return np.where(a[:, None] >= 0, np.stack([a % W, a // W], axis=1), -1)

    def snake(self, g: int = 0) -> list[tuple[int, int]]:
        """Cells of game ``g`` from head to tail as (x, y)."""
        W, N = self.rules.width, self.rules.cells
        h, L = int(self.games.info["head"][g]), int(self.games.info["length"][g])
        cells = self.games.body[g, [(h - k) % N for k in range(L)]]
        return [(int(c % W), int(c // W)) for c in cells]

    def copy(self) -> "State":
        return State(self.rules, Games(*(a.copy() for a in self.games)))


def reset(rules: Rules, seeds) -> State:
    """New games, one per seed (uint64)."""
    seeds = np.ascontiguousarray(np.atleast_1d(seeds), dtype=np.uint64)
    st = State(rules, core.new_games(seeds.shape[0], rules.cells))
    core.reset_kernel(st.games, seeds, rules.kernel())
    return st


def step_inplace(state: State, actions) -> np.ndarray:
    """Advance every running game by its ``Action`` (0 left, 1 straight, 2 right); returns rewards."""
    actions = np.ascontiguousarray(np.broadcast_to(actions, (state.batch,)), dtype=np.int64)
    if actions.size and (actions.min() < 0 or actions.max() > 2):
        raise ValueError("actions must be 0 (left), 1 (straight) or 2 (right)")
    rewards = np.zeros(state.batch, np.int64)
    core.step_kernel(state.games, actions, rewards, state.rules.kernel())
    return rewards


def step(state: State, actions) -> tuple[State, np.ndarray]:
    """Pure step: returns (new state, rewards) and leaves ``state`` untouched."""
    new = state.copy()
    return new, step_inplace(new, actions)


def observe(state: State) -> np.ndarray:
    """float32 (B, 7): [left, front, right blocked, apple unit dx, dy, snake dx, dy]."""
    out = np.zeros((state.batch, 7), np.float32)
    core.observe_kernel(state.games, out, state.rules.kernel())
    return out


def teacher_actions(state: State) -> np.ndarray:
    """The angle teacher's ``Action`` per game; -1 where all three moves are blocked."""
    out = np.zeros(state.batch, np.int64)
    core.teacher_kernel(state.games, out, state.rules.kernel())
    return out


def table_actions(state: State, table) -> np.ndarray:
    """A decision table's ``Action`` per game (see ``tables``); -1 where all three moves are blocked."""
    from .tables import check_table

    out = np.zeros(state.batch, np.int64)
    core.table_kernel(state.games, check_table(table), out, state.rules.kernel())
    return out


def from_cells(rules: Rules, cells, direction=(1, 0), apple=None, rng_state: int = 0,
               steps: int = 0, apples: int = 0) -> State:
    """One game laid out by hand: ``cells`` from head to tail as (x, y), the heading, the apple.

    For tests and puzzles; the cells must be on the board, distinct and 4-connected.
    """
    W, H, N = rules.width, rules.height, rules.cells
    cells = [tuple(map(int, c)) for c in cells]
    if not cells:
        raise ValueError("a snake needs at least one cell")
    if len(set(cells)) != len(cells):
        raise ValueError("snake cells must be distinct")
    for (x0, y0), (x1, y1) in zip(cells, cells[1:]):
        if abs(x0 - x1) + abs(y0 - y1) != 1:
            raise ValueError(f"cells {(x0, y0)} and {(x1, y1)} are not adjacent")
    for x, y in cells:
        if not (0 <= x < W and 0 <= y < H):
            raise ValueError(f"cell {(x, y)} is off the {W}x{H} board")
    st = State(rules, core.new_games(1, N))
    L = len(cells)
    for k, (x, y) in enumerate(reversed(cells)):  # body[0] is the tail, body[L-1] the head
        st.body[0, k] = y * W + x
        st.grid[0, y * W + x] = 1
    info = st.info
    info["head"] = L - 1
    info["length"] = L
    info["dx"], info["dy"] = direction
    info["apple"] = -1 if apple is None else apple[1] * W + apple[0]
    info["status"] = Status.RUNNING
    info["steps"] = steps
    info["apples"] = apples
    info["rng"] = np.uint64(rng_state)
    return st
