"""snake-ai: a Snake neuroevolution simulator on a headless Numba engine.

Importing the package is cheap: numpy only. Numba kernels compile (or load from cache) on first
use; TensorFlow, pygame and Ray are imported only by the parts that need them.
"""

__version__ = "0.1.0"


def _register_envs() -> None:
    try:
        from gymnasium.envs.registration import register, registry
    except ImportError:  # gymnasium is a core dependency; tolerate a broken install here
        return
    if "snake_ai/Snake-v0" not in registry:
        register(id="snake_ai/Snake-v0", entry_point="snake_ai.envs.snake_env:SnakeEnv",
                 vector_entry_point="snake_ai.envs.vector:SnakeVectorEnv")


_register_envs()
