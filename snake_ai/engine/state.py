"""Batched game state and the pure reset / step / observe functions over it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import core
from .core import APPLE, APPLES, DX, DY, HEAD, LEN, RNG, STATUS, STEPS
from .net import Network
from .rules import Rules


@dataclass(frozen=True)
class State:
    """B games of Snake. ``rules`` fixes the board; every other field is an array over games."""

    rules: Rules
    body: np.ndarray  # int32 (B, W*H): ring buffer of snake cells (y*W + x), head at info[:, HEAD]
    grid: np.ndarray  # uint8 (B, W*H): 1 where the snake is
    info: np.ndarray  # int64 (B, 9): head slot, length, dx, dy, apple cell (-1: none), status,
    #                   steps, apples, rng state (splitmix64 bits); columns named in engine.core

    @property
    def batch(self) -> int:
        return int(self.info.shape[0])

    @property
    def length(self) -> np.ndarray:
        return self.info[:, LEN].copy()

    @property
    def apples(self) -> np.ndarray:
        return self.info[:, APPLES].copy()

    @property
    def steps(self) -> np.ndarray:
        return self.info[:, STEPS].copy()

    @property
    def status(self) -> np.ndarray:
        """0 running, 1 died, 2 truncated at max_steps."""
        return self.info[:, STATUS].copy()

    @property
    def alive(self) -> np.ndarray:
        return self.info[:, STATUS] == core.RUNNING

    @property
    def direction(self) -> np.ndarray:
        """int64 (B, 2): (dx, dy) of each game."""
        return self.info[:, [DX, DY]].copy()

    @property
    def apple(self) -> np.ndarray:
        """int64 (B, 2): (x, y) of each apple, (-1, -1) where there is none."""
        a = self.info[:, APPLE]
        W = self.rules.width
        return np.where(a[:, None] >= 0, np.stack([a % W, a // W], axis=1), -1)

    def snake(self, g: int = 0) -> list[tuple[int, int]]:
        """Cells of game ``g`` from head to tail as (x, y)."""
        W, N = self.rules.width, self.rules.cells
        h, L = int(self.info[g, HEAD]), int(self.info[g, LEN])
        cells = self.body[g, [(h - k) % N for k in range(L)]]
        return [(int(c % W), int(c // W)) for c in cells]

    def copy(self) -> "State":
        return State(self.rules, self.body.copy(), self.grid.copy(), self.info.copy())


def reset(rules: Rules, seeds) -> State:
    """New games, one per seed (uint64)."""
    seeds = np.ascontiguousarray(np.atleast_1d(seeds), dtype=np.uint64)
    B, N = seeds.shape[0], rules.cells
    st = State(rules, np.zeros((B, N), np.int32), np.zeros((B, N), np.uint8), np.zeros((B, core.NINFO), np.int64))
    core.reset_kernel(st.body, st.grid, st.info, seeds, rules.to_array())
    return st


def step_inplace(state: State, actions) -> np.ndarray:
    """Advance every running game by its action (0 left, 1 straight, 2 right); returns rewards."""
    actions = np.ascontiguousarray(np.broadcast_to(actions, (state.batch,)), dtype=np.int64)
    if actions.size and (actions.min() < 0 or actions.max() > 2):
        raise ValueError("actions must be 0 (left), 1 (straight) or 2 (right)")
    rewards = np.zeros(state.batch, np.int64)
    core.step_kernel(state.body, state.grid, state.info, actions, rewards, state.rules.to_array())
    return rewards


def step(state: State, actions) -> tuple[State, np.ndarray]:
    """Pure step: returns (new state, rewards) and leaves ``state`` untouched."""
    new = state.copy()
    return new, step_inplace(new, actions)


def observe(state: State) -> np.ndarray:
    """float32 (B, 7): [left, front, right blocked, apple unit dx, dy, snake dx, dy]."""
    out = np.zeros((state.batch, 7), np.float32)
    core.observe_kernel(state.body, state.grid, state.info, out, state.rules.to_array())
    return out


def teacher_actions(state: State) -> np.ndarray:
    """The angle teacher's move per game; -1 where all three moves are blocked."""
    out = np.zeros(state.batch, np.int64)
    core.teacher_kernel(state.body, state.grid, state.info, out, state.rules.to_array())
    return out


def network_outputs(network: Network, state: State) -> np.ndarray:
    """float32 (B, 3): the network's outputs (softmax probabilities for a softmax output)."""
    return network.forward(observe(state))


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
    st = State(rules, np.zeros((1, N), np.int32), np.zeros((1, N), np.uint8), np.zeros((1, core.NINFO), np.int64))
    L = len(cells)
    for k, (x, y) in enumerate(reversed(cells)):  # body[0] is the tail, body[L-1] the head
        st.body[0, k] = y * W + x
        st.grid[0, y * W + x] = 1
    st.info[0, HEAD] = L - 1
    st.info[0, LEN] = L
    st.info[0, DX], st.info[0, DY] = direction
    st.info[0, APPLE] = -1 if apple is None else apple[1] * W + apple[0]
    st.info[0, STATUS] = core.RUNNING
    st.info[0, STEPS] = steps
    st.info[0, APPLES] = apples
    st.info[0, RNG] = np.uint64(rng_state).astype(np.int64) if rng_state >= 2**63 else rng_state
    return st
