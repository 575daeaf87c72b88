"""Many games of Snake behind Gymnasium's vector API, all stepped by one compiled call."""

from __future__ import annotations

from collections.abc import Sequence

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from ..engine import Rules, reset
from . import kernels
from .snake_env import show_frame

_U64 = (1 << 64) - 1
PARALLEL_FROM = 16  # games from which a step runs the parallel kernel (faster even on 1 thread)


def _pcg_state(seed: int | None) -> np.ndarray:
    """The 128-bit PCG64 state and increment of ``gymnasium.utils.seeding.np_random(seed)``."""
    bits = np.random.PCG64(np.random.SeedSequence(seed)).state["state"]
    s, inc = bits["state"], bits["inc"]
    return np.array([s >> 64, s & _U64, inc >> 64, inc & _U64], dtype=np.uint64)


class SnakeVectorEnv(VectorEnv):
    """``num_envs`` games of Snake (see ``SnakeEnv``) stepped together in one compiled call.

    It plays exactly what ``SyncVectorEnv`` over ``SnakeEnv`` plays: ``reset(seed=s)`` seeds game
    ``i`` with ``s + i`` (or ``seed[i]`` from a list), and a game that ended on one step is reset on
    the next one (``AutoresetMode.NEXT_STEP``, Gymnasium's default): that step returns the new
    game's first observation, reward 0, and neither terminated nor truncated. Ending games draw
    their next seeds from their own generators, as each ``SnakeEnv`` would.

    ## Spaces
    ``observation_space`` ``Box(-1, 1, (num_envs, 7), float32)``; ``action_space``
    ``MultiDiscrete([3] * num_envs)`` (0 turn left, 1 straight, 2 turn right).

    ## Returns
    ``step`` returns observations float32 (num_envs, 7), rewards float64, terminations and
    truncations bool (num_envs,), and infos ``{"apples", "length", "steps"}`` as int64 arrays
    with Gymnasium's ``_key`` masks (all True). The arrays are written in place by every step; with
    ``copy=True`` (the default, as ``SyncVectorEnv``) the caller gets copies, with ``copy=False``
    the buffers themselves (valid until the next ``step`` or ``reset``).

    ## Arguments
    ``gymnasium.make_vec("snake_ai/Snake-v0", num_envs=1024, board=50, max_steps=2000)``, or
    ``SnakeVectorEnv(num_envs, board, max_steps, render_mode, rules, cell_px, copy, render_game)``.
    ``render()`` draws game ``render_game`` (an attribute, 0 by default).
    """

    metadata = {"render_modes": ["human", "rgb_array"], "render_fps": 15,
                "autoreset_mode": AutoresetMode.NEXT_STEP}

    def __init__(self, num_envs: int = 1, board: int = 50, max_steps: int = 2000,
                 render_mode: str | None = None, rules: Rules | None = None, cell_px: int = 10,
                 copy: bool = True, render_game: int = 0):
        if int(num_envs) < 1:
            raise ValueError(f"num_envs must be at least 1, got {num_envs}")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']}, got {render_mode!r}")
        n = self.num_envs = int(num_envs)
        self.rules = rules if rules is not None else Rules.classic(board, max_steps)
        self.render_mode = render_mode
        self.cell_px = cell_px
        self.copy = copy
        self.render_game = render_game
        self.single_observation_space = spaces.Box(-1.0, 1.0, shape=(7,), dtype=np.float32)
        self.single_action_space = spaces.Discrete(3)
        self.observation_space = batch_space(self.single_observation_space, n)
        self.action_space = batch_space(self.single_action_space, n)

        # the games' state and every buffer a step writes: allocated here, reused by every call
        self.state = reset(self.rules, np.zeros(n, dtype=np.uint64))
        self._rules = self.rules.kernel()
        self._pcg = np.zeros((n, 4), dtype=np.uint64)  # each game's seed generator (kernels.py)
        self._seeded = np.zeros(n, dtype=np.bool_)
        self._obs = np.zeros((n, 7), dtype=np.float32)
        self._rewards = np.zeros(n, dtype=np.float64)
        self._terminations = np.zeros(n, dtype=np.bool_)
        self._truncations = np.zeros(n, dtype=np.bool_)
        self._autoreset = np.zeros(n, dtype=np.bool_)
        self._stats = np.zeros((3, n), dtype=np.int64)  # apples, length, steps
        self._all = np.ones(n, dtype=np.bool_)  # "every game", internal
        self._every = np.ones(n, dtype=np.bool_)  # the infos' masks when copy=False
        self._step = kernels.vec_step_parallel if n >= PARALLEL_FROM else kernels.vec_step_serial
        self._started = False
        self._window = None

    # ------------------------------------------------------------------------------------------

    def reset(self, *, seed: int | Sequence[int | None] | None = None, options: dict | None = None):
        """Reset every game (or those in ``options["reset_mask"]``), seeded as ``SyncVectorEnv`` seeds."""
        n = self.num_envs
        if seed is None:
            seeds = [None] * n
        elif isinstance(seed, (int, np.integer)):
            super().reset(seed=int(seed))
            seeds = [int(seed) + i for i in range(n)]
        else:
            seeds = list(seed)
            if len(seeds) != n:
                raise ValueError(f"If seeds are passed as a list the length must match num_envs={n} "
                                 f"but got length={len(seeds)}.")
        mask = self._all
        if options is not None and "reset_mask" in options:
            mask = options["reset_mask"]
            if not isinstance(mask, np.ndarray) or mask.shape != (n,) or mask.dtype != np.bool_:
                raise ValueError(f"options['reset_mask'] must be a bool numpy array of shape ({n},)")
            if not mask.any():
                raise ValueError("options['reset_mask'] must select at least one game")
        for g in np.flatnonzero(mask):
            s = seeds[g]
            if s is not None or not self._seeded[g]:  # an unseeded env seeds itself from entropy
                self._pcg[g] = _pcg_state(None if s is None else int(s))
                self._seeded[g] = True
        st = self.state
        kernels.vec_reset(st.games, self._pcg, mask, self._obs, self._stats, self._rules)
        self._terminations[mask] = False
        self._truncations[mask] = False
        self._autoreset[mask] = False
        self._started = True
        if self.render_mode == "human":
            self.render()
        obs = self._obs.copy() if self.copy else self._obs
        return obs, self._infos(mask)

    def step(self, actions):
        if not self._started:
            raise RuntimeError("call reset() before step()")
        a = actions
        if not (type(a) is np.ndarray and a.dtype == np.int64 and a.flags.c_contiguous):
            a = np.asarray(actions)
            if a.dtype.kind not in "iu":
                raise ValueError(f"actions must be integers 0, 1 or 2, got dtype {a.dtype}")
            a = np.ascontiguousarray(a, dtype=np.int64)
        if a.shape != (self.num_envs,):
            raise ValueError(f"expected {self.num_envs} actions, got shape {np.shape(actions)}")
        bad = kernels.first_bad_action(a)
        if bad >= 0:
            raise ValueError(f"invalid action {int(a[bad])} for game {bad}: expected 0, 1 or 2")
        st = self.state
        self._step(st.games, self._pcg, a, self._autoreset, self._obs, self._rewards,
                   self._terminations, self._truncations, self._stats, self._rules)
        if self.render_mode == "human":
            self.render()
        if self.copy:
            return (self._obs.copy(), self._rewards.copy(), self._terminations.copy(),
                    self._truncations.copy(), self._infos(self._all))
        return self._obs, self._rewards, self._terminations, self._truncations, self._infos(self._all)

    def _infos(self, mask: np.ndarray) -> dict:
        stats = self._stats.copy() if self.copy or mask is not self._all else self._stats
        if mask is not self._all:
            stats[:, ~mask] = 0
        mask = mask.copy() if self.copy else (self._every if mask is self._all else mask)
        return {"apples": stats[0], "_apples": mask, "length": stats[1], "_length": mask,
                "steps": stats[2], "_steps": mask}

    # ------------------------------------------------------------------------------------------

    def render(self):
        """The frame of game ``render_game`` (``rgb_array``), or that game in a pygame window."""
        if self.render_mode is None:
            gym.logger.warn("render() called without a render_mode")
            return None
        if not 0 <= self.render_game < self.num_envs:
            raise ValueError(f"render_game must be in 0..{self.num_envs - 1}, got {self.render_game}")
        from ..viewer.draw import draw_board

        frame = draw_board(self.state, self.render_game, self.cell_px)
        if self.render_mode == "rgb_array":
            return frame
        show_frame(self, frame)
        return None

    def close_extras(self, **kwargs):
        if self._window is not None:
            import pygame

            pygame.display.quit()
            self._window = None
