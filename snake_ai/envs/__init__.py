"""Gymnasium environments (registered as ``snake_ai/Snake-v0`` on ``import snake_ai``)."""

from .snake_env import SnakeEnv

__all__ = ["SnakeEnv"]
