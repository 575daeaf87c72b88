"""The run's random streams and game sets, shared by every strategy and backend.

Game indices (all from the run's seed, never overlapping):
    fitness games      generation g plays games [g * games, (g + 1) * games)
    validation games   [VALIDATION_START, + validation_games): choose the run's best
    held-out games     [HELDOUT_START, + heldout_games): report the final best (never used to choose)
    training pool      [POOL_START, + train_games): the teacher's decisions Keras trains on
    teacher search     [TEACHER_START, + teacher_games): the games of the teacher search (teacher.py)
"""

from __future__ import annotations

import numpy as np

from .config import EvolveConfig

HELDOUT_START = 2**40
POOL_START = 2**41
VALIDATION_START = 2**39
TEACHER_START = 2**42


def generation_rng(cfg: EvolveConfig, generation: int) -> np.random.Generator:
    """The generator of one generation's choices: a resumed run draws exactly the same."""
    return np.random.default_rng([cfg.seed, generation, 0x5A4E])


def data_seed(cfg: EvolveConfig, generation: int) -> int:
    """Seeds the batches of a generation's Keras training (shared by all its branches)."""
    return int(np.random.SeedSequence([cfg.seed, generation, 0x7EA1]).generate_state(1)[0])
