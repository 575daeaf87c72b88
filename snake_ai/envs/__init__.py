"""Gymnasium environments (registered as ``snake_ai/Snake-v0`` on ``import snake_ai``).

``SnakeEnv`` is one game (``gymnasium.make``); ``SnakeVectorEnv`` is many games stepped by one
compiled call, the vector entry point ``gymnasium.make_vec`` picks by default.
"""

from .snake_env import SnakeEnv
from .vector import SnakeVectorEnv

__all__ = ["SnakeEnv", "SnakeVectorEnv"]
