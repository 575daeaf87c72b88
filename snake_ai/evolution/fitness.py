"""Fitness: the games a generation plays and the shaping that turns results into fitness."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine import Rules, derive_seeds, pack, play_networks
from ..engine.compiling import announce
from ..engine.net import move_value_worker
from ..engine.workers import run_workers
from .config import PROBE_SCORES, EvolveConfig
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


@dataclass(frozen=True)
class Situations:
    """Synthetic situations on which a network's single moves are scored (``probe_weight``)."""

    x: np.ndarray  # float32 (N, 7): the 7 inputs of each situation, SPEC order
    value: np.ndarray  # float64 (N, 3): per move, 1 if it brings the head closer to the apple, -1 if blocked, else 0


def probe_situations(seed: int, n: int, p_blocked: float = 0.25) -> Situations:
    """``n`` situations drawn from ``seed``: a heading, the apple at a random offset up to 49 cells
    each way, and each of the three neighbouring cells blocked with probability ``p_blocked``.
    A move is worth 1 when it is free and shortens the Manhattan distance to the apple, -1 when its
    cell is blocked (death), 0 otherwise. No game is played and no teacher decides: the values come
    from the board's geometry alone."""
    rng = np.random.default_rng([seed, 0x9E0B])
    heading = np.array([(1, 0), (-1, 0), (0, 1), (0, -1)], np.int64)[rng.integers(0, 4, n)]
    off = rng.integers(-49, 50, (n, 2))
    off[(off == 0).all(axis=1)] = (1, 0)  # the apple is never under the head
    blocked = rng.random((n, 3)) < p_blocked
    unit = off / np.sqrt((off ** 2).sum(axis=1))[:, None]
    x = np.column_stack([blocked, unit, heading]).astype(np.float32)
    hx, hy = heading[:, 0], heading[:, 1]
    value = np.zeros((n, 3))
    for move, (mx, my) in enumerate(((hy, -hx), (hx, hy), (-hy, hx))):  # left, straight, right (core.turn)
        closer = np.abs(off[:, 0] - mx) + np.abs(off[:, 1] - my) < np.abs(off).sum(axis=1)
        value[:, move] = np.where(blocked[:, move], -1.0, closer)
    return Situations(x, value)


def probe_scores(genomes: list[Genome], situations: Situations, kind: str = "expected") -> np.ndarray:
    """float64 (P,): each network's mean move value over the situations. ``expected``: the value
    expected under the network's softmax output (smooth in the weights, so nearby networks score
    differently even where their largest output does not change); ``move``: the value of its move,
    the largest output (the first on a tie), as in the engine's games."""
    if kind not in PROBE_SCORES:
        raise ValueError(f"unknown probe score {kind!r}")
    nets = pack([g.network() for g in genomes])
    out = np.zeros(nets.count, np.float64)
    announce(move_value_worker, "the probe score")
    run_workers(move_value_worker, nets.count, nets, situations.x, situations.value, kind == "expected", out)
    return out


def evaluate_local(genomes: list[Genome], seeds: np.ndarray, rules: Rules):
    """Every genome on every seed, on all local cores."""
    return play_networks(pack([g.network() for g in genomes]), seeds, rules)
