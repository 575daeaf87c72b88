"""Fitness of a population: every genome plays the same games of its generation in the engine."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine import Rules, derive_seeds, pack, play_networks
from .config import EvolveConfig
from .genome import Genome


def generation_seeds(cfg: EvolveConfig, generation: int) -> np.ndarray:
    """The K games of a generation: the same for every genome, new every generation."""
    return derive_seeds(cfg.seed, cfg.games, start=generation * cfg.games)


@dataclass(frozen=True)
class Scores:
    fitness: np.ndarray  # float64 (P,): what selection ranks
    apples: np.ndarray  # float64 (P,): mean apples per game


def shaped(apples, steps, approach) -> np.ndarray:
    """Weights-mode fitness: apples, plus tie-breakers that give random networks a gradient:
    up to 0.5 for heading towards the apple (the closer-minus-farther rate) and up to 0.25 for
    surviving the first 200 steps."""
    steps = np.maximum(steps, 1)
    per_game = apples + 0.5 * np.clip(approach / steps, -1, 1) + 0.25 * np.minimum(steps, 200) / 200
    return per_game.mean(axis=1)


def score(result, mode: str) -> Scores:
    apples = result.apples.mean(axis=1).astype(np.float64)
    if mode == "weights":
        return Scores(shaped(result.apples, result.steps, result.approach), apples)
    return Scores(apples, apples)


def evaluate_local(genomes: list[Genome], seeds: np.ndarray, rules: Rules):
    """Every genome on every seed, on all local cores."""
    return play_networks(pack([g.network() for g in genomes]), seeds, rules)
