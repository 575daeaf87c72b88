"""A single game of Snake behind the Gymnasium API, stepped by the compiled engine."""

from __future__ import annotations

import operator

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from ..engine import Rules, Status, reset
from ..engine.core import mix64
from . import kernels


class SnakeEnv(gym.Env):
    """Snake on a grid (SPEC section 1), one game per environment.

    ## Action Space
    ``Discrete(3)``, relative to the heading: 0 turn left, 1 go straight, 2 turn right.

    ## Observation Space
    ``Box(-1, 1, (7,), float32)``, in SPEC order: left, front and right blocked (1.0 when the cell
    is off the board or on the snake, the tail included), the unit vector from the head to the
    apple (x, y), and the unit heading (x, y). y grows downwards.

    ## Rewards
    +1 for each apple eaten, 0 otherwise.

    ## Starting State
    A 3-cell snake, head at (10, 10) heading right; the apple uniform over x, y in 1..49, never on
    the snake. Everything random comes from the seed given to ``reset``.

    ## Episode End
    ``terminated`` when the head leaves the board or enters the body; ``truncated`` after
    ``max_steps`` steps (2000 by default).

    ## Arguments
    ``gymnasium.make("snake_ai/Snake-v0", board=50, max_steps=2000, render_mode=None)``; render
    modes ``"rgb_array"`` (an (H*cell, W*cell, 3) uint8 frame) and ``"human"`` (a pygame window).
    """

    metadata = {"render_modes": ["human", "rgb_array"], "render_fps": 15}

    def __init__(self, board: int = 50, max_steps: int = 2000, render_mode: str | None = None,
                 rules: Rules | None = None, cell_px: int = 10):
        self.rules = rules if rules is not None else Rules.classic(board, max_steps)
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']}, got {render_mode!r}")
        self.render_mode = render_mode
        self.cell_px = cell_px
        self.observation_space = spaces.Box(-1.0, 1.0, shape=(7,), dtype=np.float32)
        self.action_space = spaces.Discrete(3)
        # one game's state, allocated once and rewritten in place by every reset and step
        self.state = reset(self.rules, np.zeros(1, dtype=np.uint64))
        self._rules = self.rules.kernel()
        self._obs = np.zeros((1, 7), dtype=np.float32)
        self._started = False
        self._window = None

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        # the game's seed comes from the env's seeded generator: same reset seed, same game
        game_seed = int(self.np_random.integers(0, 2**63, dtype=np.int64))
        st = self.state
        kernels.single_reset(st.games, np.uint64(mix64(np.uint64(game_seed))), self._rules, self._obs)
        self._started = True
        if self.render_mode == "human":
            self.render()
        return self._obs[0].copy(), self._info()

    def step(self, action):
        if not self._started:
            raise RuntimeError("call reset() before step()")
        try:
            a = action if type(action) is int else operator.index(action)
        except TypeError:
            raise ValueError(f"invalid action {action!r}: expected 0, 1 or 2") from None
        st = self.state
        obs, reward, status, apples, length, steps = kernels.single_step(st.games, a, self._rules)
        if status == kernels.BAD_ACTION:
            raise ValueError(f"invalid action {action!r}: expected 0, 1 or 2")
        if self.render_mode == "human":
            self.render()
        return obs, float(reward), status == Status.DEAD, status == Status.TRUNCATED, {"apples": apples, "length": length, "steps": steps}

    def _info(self) -> dict:
        return {"apples": int(self.state.apples[0]), "length": int(self.state.length[0]),
                "steps": int(self.state.steps[0])}

    def render(self):
        if self.render_mode is None:
            gym.logger.warn("render() called without a render_mode")
            return None
        from ..viewer.draw import draw_board

        frame = draw_board(self.state, 0, self.cell_px)
        if self.render_mode == "rgb_array":
            return frame
        show_frame(self, frame)
        return None

    def close(self):
        if self._window is not None:
            import pygame

            pygame.display.quit()
            self._window = None


def show_frame(env, frame) -> None:
    """``render_mode="human"``: draw ``frame`` (uint8 (H, W, 3)) in the env's pygame window, opened
    on first use, at the env's ``render_fps`` (the single env and the vector env share it)."""
    import pygame

    if env._window is None:
        pygame.display.init()  # only the display: pygame.init() would open audio too (ALSA warnings without a sound card)
        env._window = pygame.display.set_mode((frame.shape[1], frame.shape[0]))
        pygame.display.set_caption("snake-ai")
        env._clock = pygame.time.Clock()
    pygame.event.pump()
    env._window.blit(pygame.surfarray.make_surface(frame.swapaxes(0, 1)), (0, 0))
    pygame.display.flip()
    env._clock.tick(env.metadata["render_fps"])
