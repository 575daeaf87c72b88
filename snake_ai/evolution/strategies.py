"""The genetic algorithms as ask/tell strategies (evosax's shape), one per mode.

``ask(rng, generation)`` proposes a generation: a list of ``Proposal``, each a genome and, when its
weights still need Keras training, the ``TrainJob`` that trains it. ``tell(genomes, fitness, reference)`` gives
the strategy the evaluated generation (fitness already shaped by the caller) and, optionally, the
teacher's fitness on the same games. Evaluation, training
and fitness shaping stay outside; every random choice comes from the generator passed to ``ask``.

Breeding follows the study (SPEC section 3): the top ``elite`` and ``random_parents`` others are
kept unchanged as parents, and the rest of the population are children of two random parents.
The weights mode's default is no GA but an evolution strategy (``SNESStrategy``), whose state
(mean and sigmas) is more than the last generation, hence ``state()`` and ``resume()``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..errors import SnakeAIError
from .batch_training import TrainJob
from .config import EvolveConfig
from .genome import Genome
from .operators import (crossover_architecture, crossover_neurons, crossover_weights, init_weights, mirrored_noise,
                        mutate_architecture, mutate_weights, random_architecture, rank_utilities, self_adapt_sigma,
                        snes_lr_sigma, snes_update, transplant)


@dataclass(frozen=True)
class Proposal:
    genome: Genome  # weights set, unless ``job`` will train them
    job: TrainJob | None = None  # the Keras training this genome needs, if any


def select_parents(fitness: np.ndarray, elite: int, random_parents: int, rng: np.random.Generator) -> list[int]:
    """The top ``elite`` (ties: lower index first) and ``random_parents`` others at random."""
    order = np.argsort(-np.asarray(fitness), kind="stable")
    top = [int(i) for i in order[:elite]]
    rest = np.array(sorted(int(i) for i in order[elite:]))
    extra = [int(i) for i in rng.choice(rest, size=random_parents, replace=False)] if random_parents else []
    return top + extra


def pick_pair(parent_fitness: np.ndarray, rng: np.random.Generator) -> tuple[int, int]:
    """Two different parents at random, the fitter first."""
    i, j = (int(v) for v in rng.choice(len(parent_fitness), size=2, replace=False))
    return (j, i) if parent_fitness[j] > parent_fitness[i] else (i, j)


def job_for(g: Genome, init, rng: np.random.Generator) -> TrainJob:
    return TrainJob(g.hidden, g.activation, g.optimizer, init, int(rng.integers(0, 2**63 - 1)))


class Strategy:
    """Holds the last evaluated generation; subclasses say how the next one is made."""

    def __init__(self, cfg: EvolveConfig):
        self.cfg = cfg
        self.genomes: list[Genome] = []
        self.fitness = np.zeros(0)
        self.reference: float | None = None

    def tell(self, genomes: list[Genome], fitness, reference: float | None = None) -> None:
        """The evaluated generation; ``reference``: the teacher's fitness on the same games."""
        self.genomes, self.fitness = list(genomes), np.asarray(fitness, np.float64)
        self.reference = None if reference is None else float(reference)

    def state(self) -> dict[str, np.ndarray]:
        """What the strategy carries besides the last generation (saved with each checkpoint)."""
        return {}

    def resume(self, genomes: list[Genome], fitness, reference: float | None, state: dict[str, np.ndarray]) -> None:
        """Continue from a checkpoint: its generation, as told then, and the saved ``state()``."""
        self.tell(genomes, fitness, reference)

    def ask(self, rng: np.random.Generator, generation: int) -> list[Proposal]:
        if not self.genomes:
            return [self.initial(rng) for _ in range(self.cfg.population)]
        idx = select_parents(self.fitness, self.cfg.elite, self.cfg.random_parents, rng)
        parents = [self.genomes[i] for i in idx]
        pf = self.fitness[idx]
        kept = [Proposal(replace(p, origin="kept")) for p in parents]
        return kept + self.breed(parents, pf, rng, generation)

    def breed(self, parents, pf, rng, generation) -> list[Proposal]:
        """The generation's children, given the parents (the fittest first)."""
        return [self.child(parents, pf, rng, generation) for _ in range(self.cfg.children)]

    def initial(self, rng) -> Proposal:
        raise NotImplementedError

    def child(self, parents, pf, rng, generation) -> Proposal:
        raise NotImplementedError


class WeightsStrategy(Strategy):
    """A fixed architecture from random weights. Elites stay unmutated; a child is a copy of the
    fitter of two random parents or (with ``crossover_prob``) their crossover, uniform per weight
    or, with ``weight_crossover = "neuron"``, per unit (a unit's incoming weights and bias travel
    together), then a Gaussian mutation of ``weight_mutation_rate`` of its genes. By default the
    sigma decays by ``weight_mutation_decay`` per generation down to a tenth of its start, times
    the child's own factor 2**u, u uniform in [-``weight_mutation_spread``,
    ``weight_mutation_spread``] (every generation tries small and large steps; selection keeps
    what works). With ``weight_mutation_tau`` > 0 the sigma is self-adaptive instead: each
    chromosome carries its own (``Genome.sigma``), and a child's is its parent's times
    exp(tau * N(0, 1)), within [0.1, 3] x ``weight_mutation_sigma``."""

    def initial(self, rng):
        cfg = self.cfg
        g = Genome(tuple(cfg.fixed_hidden), cfg.fixed_activation, "none",
                   sigma=cfg.weight_mutation_sigma if cfg.weight_mutation_tau > 0 else None)
        return Proposal(g.with_weights(init_weights(g.spec, rng), "random"))

    def sigma(self, generation: int) -> float:
        cfg = self.cfg
        return float(cfg.weight_mutation_sigma * max(cfg.weight_mutation_decay ** generation, 0.1))

    def child(self, parents, pf, rng, generation):
        cfg = self.cfg
        i, j = pick_pair(pf, rng)
        a, b = parents[i], parents[j]
        if rng.random() < cfg.crossover_prob:
            if cfg.weight_crossover == "neuron":
                w = crossover_neurons(a.weights, b.weights, a.spec, rng)
            else:
                w = crossover_weights(a.weights, b.weights, rng)
            origin = "crossover"
        else:
            w, origin = a.weights, "mutated"
        if cfg.weight_mutation_tau > 0:
            s0 = cfg.weight_mutation_sigma
            sigma = self_adapt_sigma(a.sigma if a.sigma is not None else s0, rng, cfg.weight_mutation_tau,
                                     0.1 * s0, 3.0 * s0)
            w = mutate_weights(w, rng, cfg.weight_mutation_rate, sigma)
            return Proposal(replace(a, sigma=sigma).with_weights(w, origin))
        sigma = self.sigma(generation)
        if cfg.weight_mutation_spread > 0:
            sigma *= 2.0 ** rng.uniform(-cfg.weight_mutation_spread, cfg.weight_mutation_spread)
        w = mutate_weights(w, rng, cfg.weight_mutation_rate, sigma)
        return Proposal(a.with_weights(w, origin))


class SNESStrategy(Strategy):
    """Weights mode's default: a separable natural evolution strategy (SNES; Schaul, Glasmachers
    and Schmidhuber 2011) over a fixed architecture's weights.

    The search is a Gaussian: a mean network and a sigma per weight. Each generation is the mean
    itself (unmutated, so the run always evaluates and validates its current centre) and
    ``population - 1`` samples ``mean + sigma * eps`` with eps in mirrored pairs. ``tell`` ranks
    the samples (``rank_utilities``) and takes one natural-gradient step (``snes_update``): the
    mean moves towards the better samples and each sigma grows or shrinks with how far the better
    samples went along its weight. Where a GA picks one lucky child, this averages the evidence of
    the whole generation into every step. The mean starts as Glorot-uniform weights and the sigmas
    at ``weight_mutation_sigma``; the state (mean, sigma) is saved with every checkpoint.
    """

    def __init__(self, cfg: EvolveConfig):
        super().__init__(cfg)
        self.base = Genome(tuple(cfg.fixed_hidden), cfg.fixed_activation, "none")
        self.spec = self.base.spec
        self.mean: np.ndarray | None = None  # float64 (d,): the centre of the search
        self.sigma: np.ndarray | None = None  # float64 (d,): the step size of each weight
        self.eps: np.ndarray | None = None  # float64 (population - 1, d): the asked samples' noise

    def state(self):
        return {} if self.mean is None else {"mean": self.mean.copy(), "sigma": self.sigma.copy()}

    def resume(self, genomes, fitness, reference, state):
        Strategy.tell(self, genomes, fitness, reference)
        d = self.spec.n_params
        # (read_checkpoint has checked that saved arrays are finite float64 vectors)
        if set(state) != {"mean", "sigma"} or any(v.shape != (d,) for v in state.values()) or not np.all(state["sigma"] > 0):
            raise SnakeAIError(f"the checkpoint lacks a valid snes state (mean and sigma of {d} weights)")
        self.mean, self.sigma = (np.asarray(state[k], np.float64).copy() for k in ("mean", "sigma"))
        self.eps = None

    def ask(self, rng, generation):
        cfg = self.cfg
        if self.mean is None:
            self.mean = init_weights(self.spec, rng).astype(np.float64)
            self.sigma = np.full(self.spec.n_params, float(cfg.weight_mutation_sigma))
        self.eps = mirrored_noise(rng, cfg.population - 1, self.spec.n_params)
        samples = self.mean + self.sigma * self.eps
        return [Proposal(self.base.with_weights(self.mean, "mean"))] + [
            Proposal(self.base.with_weights(w, "sampled")) for w in samples]

    def tell(self, genomes, fitness, reference=None):
        super().tell(genomes, fitness, reference)
        if self.eps is None:
            return
        u = rank_utilities(self.fitness[1:])  # the samples; the mean (row 0) is evaluated, not a sample
        lr_sigma = self.cfg.snes_lr_sigma or snes_lr_sigma(self.spec.n_params)
        self.mean, self.sigma = snes_update(self.mean, self.sigma, self.eps, u, self.cfg.snes_lr_mean, lr_sigma)
        self.sigma = self.sigma * self.cfg.snes_sigma_decay
        self.eps = None


class ArchitectureStrategy(Strategy):
    """The study's search: every child's architecture from its parents' genes, trained from scratch."""

    def initial(self, rng):
        g = replace(random_architecture(rng, self.cfg.space), origin="trained")
        return Proposal(g, job_for(g, None, rng))

    def child(self, parents, pf, rng, generation):
        i, j = pick_pair(pf, rng)
        c = crossover_architecture(parents[i], parents[j], rng)
        if rng.random() < self.cfg.mutation_prob:
            c = mutate_architecture(c, rng, self.cfg.space)
        c = replace(c, origin="trained")
        return Proposal(c, job_for(c, None, rng))


class HybridStrategy(ArchitectureStrategy):
    """Architectures trained briefly by Keras, then weights evolve.

    A child of two parents of the same architecture crosses their weights (and takes either
    optimizer); parents of different architectures cross their genes, and the child keeps its
    parent's weights when its architecture is one of theirs, or what it can of them (transplant)
    and is retrained. An architecture mutation (``mutation_prob``) that changes the shape also
    transplants and retrains. Children that need no training get a weight mutation instead.
    """

    REFINE_FROM = 3  # refinement children come from this many of the fittest parents, in turn

    def breed(self, parents, pf, rng, generation):
        # parents come fittest first (select_parents); only those that play at least as well as
        # the teacher whose decisions they learnt from are refined: below it, Keras (re)training
        # of new architectures still has more to give than weight noise
        top = [p for p, f in zip(parents[: min(self.REFINE_FROM, self.cfg.elite)], pf)
               if self.reference is None or f >= self.reference]
        refined = [self.refine(top[r % len(top)], rng) for r in range(self.cfg.refine_children)] if top else []
        bred = [self.child(parents, pf, rng, generation) for _ in range(self.cfg.children - len(refined))]
        return refined + bred

    def refine(self, parent: Genome, rng) -> Proposal:
        """A weight mutant of ``parent``: ``weight_mutation_rate`` of its weights moved by a sigma
        of ``weight_mutation_sigma`` times 2**u, u uniform in [-spread, spread]."""
        cfg = self.cfg
        sigma = cfg.weight_mutation_sigma * 2.0 ** rng.uniform(-cfg.weight_mutation_spread, cfg.weight_mutation_spread)
        return Proposal(parent.with_weights(mutate_weights(parent.weights, rng, cfg.weight_mutation_rate, sigma),
                                            "refined"))

    def child(self, parents, pf, rng, generation):
        cfg = self.cfg
        i, j = pick_pair(pf, rng)
        a, b = parents[i], parents[j]
        retrain = False
        if a.same_architecture(b):
            c = replace(a, optimizer=a.optimizer if rng.random() < 0.5 else b.optimizer, origin="crossover")
            w = crossover_weights(a.weights, b.weights, rng)
        else:
            c = crossover_architecture(a, b, rng)
            if c.same_architecture(a):
                w = a.weights
            elif c.same_architecture(b):
                w = b.weights
            else:
                w, retrain = transplant(a.weights, a.spec, c.spec, rng), True
        if rng.random() < cfg.mutation_prob:
            m = mutate_architecture(c, rng, cfg.space)
            if not m.same_architecture(c):
                w, retrain = transplant(w, c.spec, m.spec, rng), True
            c = m
        if retrain:
            c = replace(c, origin="retrained")
            return Proposal(c, job_for(c, w, rng))
        w = mutate_weights(w, rng, cfg.weight_mutation_rate, cfg.weight_mutation_sigma)
        return Proposal(c.with_weights(w, c.origin))


STRATEGIES = {"hybrid": HybridStrategy, "weights": WeightsStrategy, "architecture": ArchitectureStrategy}


def make_strategy(cfg: EvolveConfig) -> Strategy:
    if cfg.snes:
        return SNESStrategy(cfg)
    return STRATEGIES[cfg.mode](cfg)
