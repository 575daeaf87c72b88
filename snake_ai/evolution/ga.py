"""The genetic algorithm: initial populations and breeding (SPEC section 3 by default).

Evaluation stays outside: ``breed`` takes a population and its fitness and returns the next
population, where some genomes still need Keras training (their TrainJob is given beside them).
All randomness comes from the generator passed in.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .config import EvolveConfig
from .genome import Genome
from .operators import (crossover_architecture, crossover_weights, init_weights, mutate_architecture,
                        mutate_weights, random_architecture, transplant)
from .training import TrainJob

POOL_START = 2**41  # game indices of the Keras training pool (disjoint from fitness and held-out games)
HELDOUT_START = 2**40


def generation_rng(cfg: EvolveConfig, generation: int) -> np.random.Generator:
    """The generator of one generation's choices: a resumed run draws exactly the same."""
    return np.random.default_rng([cfg.seed, generation, 0x5A4E])


def job_seed(cfg: EvolveConfig, generation: int, index: int) -> int:
    return int(np.random.SeedSequence([cfg.seed, generation, index, 0x7EA1]).generate_state(1)[0])


def make_job(cfg: EvolveConfig, g: Genome, init, generation: int, index: int) -> TrainJob:
    return TrainJob(g.hidden, g.activation, g.optimizer, init, job_seed(cfg, generation, index),
                    cfg.train_rows, cfg.train_epochs, cfg.train_batch_size, cfg.train_lr_scale,
                    cfg.train_games, cfg.seed, POOL_START, cfg.board, cfg.max_steps)


def initial_population(cfg: EvolveConfig):
    """Generation 0: (genomes, jobs); jobs[i] is None when genome i already has its weights."""
    rng = generation_rng(cfg, 0)
    genomes, jobs = [], []
    for i in range(cfg.population):
        if cfg.mode == "weights":
            g = Genome(tuple(cfg.fixed_hidden), cfg.fixed_activation, "none")
            genomes.append(g.with_weights(init_weights(g.spec, rng), "random"))
            jobs.append(None)
        else:
            g = replace(random_architecture(rng, cfg.space), origin="trained")
            genomes.append(g)
            jobs.append(make_job(cfg, g, None, 0, i))
    return genomes, jobs


def select_parents(fitness: np.ndarray, cfg: EvolveConfig, rng: np.random.Generator) -> list[int]:
    """The top ``elite`` (ties: lower index first) and ``random_parents`` others at random."""
    order = np.argsort(-np.asarray(fitness), kind="stable")
    elite = [int(i) for i in order[: cfg.elite]]
    rest = np.array(sorted(int(i) for i in order[cfg.elite:]))
    extra = [int(i) for i in rng.choice(rest, size=cfg.random_parents, replace=False)] if cfg.random_parents else []
    return elite + extra


def breed(population: list[Genome], fitness: np.ndarray, cfg: EvolveConfig, generation: int):
    """The population of ``generation`` from the evaluated previous one: (genomes, jobs)."""
    rng = generation_rng(cfg, generation)
    parents_idx = select_parents(fitness, cfg, rng)
    parents = [population[i] for i in parents_idx]
    pf = np.asarray(fitness)[parents_idx]
    genomes = [replace(p, origin="kept") for p in parents]
    jobs: list[TrainJob | None] = [None] * len(parents)
    for c in range(cfg.children):
        i, j = (int(v) for v in rng.choice(len(parents), size=2, replace=False))
        if pf[j] > pf[i]:
            i, j = j, i
        a, b = parents[i], parents[j]
        index = len(genomes)
        if cfg.mode == "weights":
            w = mutate_weights(crossover_weights(a.weights, b.weights, rng), rng,
                               cfg.weight_mutation_rate, cfg.weight_mutation_sigma)
            genomes.append(a.with_weights(w, "crossover"))
            jobs.append(None)
            continue
        if cfg.mode == "architecture":
            child = crossover_architecture(a, b, rng)
            if rng.random() < cfg.mutation_prob:
                child = mutate_architecture(child, rng, cfg.space)
            genomes.append(replace(child, origin="trained"))
            jobs.append(make_job(cfg, child, None, generation, index))
            continue
        # hybrid
        needs_training = False
        if a.same_architecture(b):
            child = replace(a, optimizer=a.optimizer if rng.random() < 0.5 else b.optimizer, origin="crossover")
            w = crossover_weights(a.weights, b.weights, rng)
        else:
            child = crossover_architecture(a, b, rng)
            if child.same_architecture(a):
                w = a.weights
            elif child.same_architecture(b):
                w = b.weights
            else:
                w = transplant(a.weights, a.spec, child.spec, rng)
                needs_training = True
        if rng.random() < cfg.mutation_prob:
            mutated = mutate_architecture(child, rng, cfg.space)
            if not mutated.same_architecture(child):
                w = transplant(w, child.spec, mutated.spec, rng)
                needs_training = True
            child = mutated
        if needs_training:
            genomes.append(replace(child, origin="retrained"))
            jobs.append(make_job(cfg, child, w, generation, index))
        else:
            w = mutate_weights(w, rng, cfg.weight_mutation_rate, cfg.weight_mutation_sigma)
            genomes.append(child.with_weights(w, child.origin))
            jobs.append(None)
    return genomes, jobs
