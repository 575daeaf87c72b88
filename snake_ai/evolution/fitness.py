"""Fitness: the games a generation plays and the shaping that turns results into fitness."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine import Rules, derive_seeds, pack, play_networks
from .config import EvolveConfig
from .genome import Genome


def generation_seeds(cfg: EvolveConfig, generation: int) -> np.ndarray:
    """The games of a generation: the same for every genome, new every generation."""
    return derive_seeds(cfg.seed, cfg.games, start=generation * cfg.games)


def fitness_rules(cfg: EvolveConfig, generation: int) -> Rules:
    """The rules of a generation's fitness games: the step limit starts at fitness_max_steps and
    doubles every fitness_max_steps_doubling generations, up to max_steps."""
    steps = cfg.fitness_max_steps or cfg.max_steps
    if cfg.fitness_max_steps_doubling > 0:
        steps = steps * 2 ** (generation // cfg.fitness_max_steps_doubling)
    return Rules.classic(cfg.board, int(min(steps, cfg.max_steps)))


def validation_seeds(cfg: EvolveConfig) -> np.ndarray:
    from .ga import VALIDATION_START

    return derive_seeds(cfg.seed, cfg.validation_games, start=VALIDATION_START)


def heldout_seeds(cfg: EvolveConfig) -> np.ndarray:
    from .ga import HELDOUT_START

    return derive_seeds(cfg.seed, cfg.heldout_games, start=HELDOUT_START)


@dataclass(frozen=True)
class Scores:
    fitness: np.ndarray  # float64 (P,): what selection ranks
    apples: np.ndarray  # float64 (P,): mean apples per game


def apples_fitness(result) -> Scores:
    """Mean apples per game."""
    apples = result.apples.mean(axis=1).astype(np.float64)
    return Scores(apples, apples)


def shaped_fitness(result) -> Scores:
    """Apples, plus up to half an apple for heading towards it: 0.5 x clip(approach / 50, -1, 1)
    per game, where approach counts steps that brought the head closer minus those that took it
    farther. A random network that turns towards the apple before dying scores above one that
    does not; circling (approach about 0) and running away earn nothing, and no reward depends
    on survival alone, so looping until the step limit is never worth it."""
    apples = result.apples.mean(axis=1).astype(np.float64)
    per_game = result.apples + 0.5 * np.clip(result.approach / 50.0, -1.0, 1.0)
    return Scores(per_game.mean(axis=1), apples)


FITNESS = {"apples": apples_fitness, "shaped": shaped_fitness}


def evaluate_local(genomes: list[Genome], seeds: np.ndarray, rules: Rules):
    """Every genome on every seed, on all local cores."""
    return play_networks(pack([g.network() for g in genomes]), seeds, rules)
