"""The configuration of an evolution run: frozen dataclasses, dumped verbatim into the run."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace

from ..engine.net import HIDDEN_ACTIVATIONS
from ..errors import SnakeAIError
from ..policy.train import OPTIMIZERS

MODES = ("hybrid", "weights", "architecture")
FITNESS_NAMES = ("apples", "shaped")
WEIGHT_CROSSOVERS = ("uniform", "neuron")
WEIGHT_SEARCHES = ("snes", "ga")
PROBE_SCORES = ("expected", "move")


@dataclass(frozen=True)
class GenomeSpace:
    """The genes an architecture may take."""

    min_layers: int = 1
    """Fewest hidden layers."""
    max_layers: int = 4
    """Most hidden layers."""
    units: tuple[int, ...] = (4, 8, 9, 12, 15, 16, 24, 32, 48, 64)
    """Choices of units per hidden layer."""
    activations: tuple[str, ...] = ("relu", "elu", "tanh", "sigmoid", "selu")
    """Choices of hidden activation (one per network)."""
    optimizers: tuple[str, ...] = OPTIMIZERS
    """Choices of Keras optimizer used when the network is trained."""

    def validate(self) -> None:
        if not 1 <= self.min_layers <= self.max_layers:
            raise SnakeAIError(f"need 1 <= min_layers <= max_layers, got {self.min_layers} and {self.max_layers}")
        if not self.units or min(self.units) < 1:
            raise SnakeAIError("units must be a non-empty list of positive widths")
        for a in self.activations:
            if a not in HIDDEN_ACTIVATIONS:
                raise SnakeAIError(f"unknown activation {a!r}; choose from {', '.join(HIDDEN_ACTIVATIONS)}")
        for o in self.optimizers:
            if o not in OPTIMIZERS:
                raise SnakeAIError(f"unknown optimizer {o!r}; choose from {', '.join(OPTIMIZERS)}")
        if not self.activations or not self.optimizers:
            raise SnakeAIError("activations and optimizers must not be empty")


def _check_types(cls, d: dict, prefix: str) -> None:
    """Each value of ``d`` has the type its field declares (a config file may hold anything)."""
    import math

    def number(v):
        return type(v) in (int, float) and math.isfinite(v)

    ok = {"int": lambda v: type(v) is int, "int | None": lambda v: v is None or type(v) is int,
          "float": number, "float | None": lambda v: v is None or number(v),
          "str": lambda v: type(v) is str, "GenomeSpace": lambda v: isinstance(v, dict),
          "tuple[int, ...]": lambda v: isinstance(v, (list, tuple)) and all(type(x) is int for x in v),
          "tuple[str, ...]": lambda v: isinstance(v, (list, tuple)) and all(type(x) is str for x in v)}
    words = {"int": "an integer", "int | None": "an integer", "float": "a finite number", "float | None": "a finite number",
             "str": "a string", "GenomeSpace": "a table", "tuple[int, ...]": "a list of integers",
             "tuple[str, ...]": "a list of strings"}
    for f in fields(cls):
        if f.name in d and f.type in ok and not ok[f.type](d[f.name]):
            raise SnakeAIError(f"config key {prefix}{f.name} must be {words[f.type]}, got {d[f.name]!r:.60}")


# the defaults that depend on the mode: field -> (hybrid, weights, architecture), in MODES' order
_PER_MODE = {
    "elite": (5, 3, 5),
    "random_parents": (3, 0, 3),
    "weight_mutation_rate": (0.05, 1.0, 0.05),
    "weight_mutation_sigma": (0.1, 0.3, 0.1),
    "weight_mutation_decay": (1.0, 0.98, 1.0),
    "weight_mutation_spread": (2.0, 2.0, 0.0),
    "refine_share": (0.5, 0.0, 0.0),
    "games": (300, 100, 300),
    "fitness": ("apples", "shaped", "apples"),
    "teacher_sweeps": (4, 0, 0),
}


@dataclass(frozen=True)
class EvolveConfig:
    """Everything that decides an evolution run's results (the worker count does not)."""

    mode: str = "hybrid"
    """hybrid (architecture and weights), weights (fixed architecture, no Keras) or architecture (each child trained by Keras)."""
    generations: int = 10
    """Generations to evaluate (generation 0 is the initial population)."""
    population: int = 20
    """Chromosomes per generation."""
    elite: int | None = None
    """Best chromosomes kept as parents each generation (not used, nor checked, by weights mode's snes); None: 5,
    or 3 for weights mode."""
    random_parents: int | None = None
    """Other chromosomes kept as parents, drawn at random from the rest; None: 3, or 0 for weights
    mode (whose 20 chromosomes are better spent on 17 new children a generation)."""
    weight_search: str = "snes"
    """Weights mode: how the weights are searched. snes: a separable natural evolution strategy
    (each generation is the mean network and samples around it, mean + sigma * noise in mirrored
    pairs; the samples' fitness ranks move the mean and adapt a sigma per weight; sigma starts at
    weight_mutation_sigma). ga: a genetic algorithm (elites kept unmutated, crossover, Gaussian
    mutation; the weight_mutation_*, elite and crossover settings)."""
    snes_lr_mean: float = 1.0
    """Weights mode, snes: learning rate of the mean (1: the natural-gradient step)."""
    snes_sigma_decay: float = 1.0
    """Weights mode, snes: every sigma is multiplied by this after each generation's update (1: SNES
    alone adapts them). Tried on 7-9-15-3 with a probe_weight of 50 (probe_score move): 0.97 did
    better at 100 generations (33.6 against 27.0 held-out apples over ten seeds) but far worse at
    500 (30.65 against 47.56, seed 0), as the search stops moving."""
    snes_lr_sigma: float = 0.0
    """Weights mode, snes: learning rate of the sigmas; 0: SNES's default (3 + ln d) / (5 sqrt d)
    for d weights (0.12 for the 179 of 7-16-3)."""
    mutation_prob: float = 0.2
    """Probability that a child has one architecture gene mutated (hybrid, architecture)."""
    weight_mutation_rate: float | None = None
    """Fraction of a child's weights perturbed by Gaussian noise (hybrid, weights mode with ga); None: 0.05 for
    hybrid, 1 (every weight, small steps) for weights mode."""
    weight_mutation_sigma: float | None = None
    """Standard deviation of that noise at generation 0 (weights mode with snes: every weight's
    starting sigma); None: 0.1 for hybrid (fine-tuning trained weights), 0.3 for weights mode
    (searching from random weights)."""
    weight_mutation_decay: float | None = None
    """Weights mode with ga: the sigma is multiplied by this every generation, down to a tenth of
    its start; None: 0.98 for weights mode, 1 (constant) otherwise."""
    weight_mutation_spread: float | None = None
    """Weights mode with ga, and hybrid refinements: each child's sigma is the generation's times 2**u, u
    uniform in [-spread, spread] (each generation tries a range of step sizes); None: 2 (a quarter
    to 4 times), 0 (no spread) for architecture mode."""
    weight_mutation_tau: float = 0.0
    """Weights mode with ga: self-adaptive mutation when > 0; every chromosome carries its own sigma
    (weight_mutation_sigma at generation 0) and a child's is its parent's times exp(tau * N(0, 1)),
    within [a tenth, 3 times] weight_mutation_sigma; decay and spread are then not used. 0: off."""
    refine_share: float | None = None
    """Hybrid: the share of each generation's children (rounded) that are weight mutants of the
    fittest parents (the best, the second, the third, the best again...) among those at least as
    fit as the teacher on the same games, each with its own sigma spread, never retrained; the
    other children (all of them while no parent matches the teacher) are bred from two random
    parents as the study did. None: 0.5 for hybrid (6 of 12 children), 0 otherwise."""
    crossover_prob: float = 0.3
    """Weights mode with ga: probability that a child is the crossover of two parents rather than a copy
    of the fitter one (before its mutation)."""
    weight_crossover: str = "uniform"
    """Weights mode with ga: how two parents cross: uniform (each weight from either) or neuron (each unit's
    incoming weights and bias together from either)."""
    fitness: str | None = None
    """What selection ranks: apples (mean apples per game) or shaped (apples plus up to half an
    apple for heading towards it); None: shaped for weights mode, apples otherwise."""
    probe_weight: float | None = None
    """Fitness adds this times the network's probe score on probe_states fixed synthetic
    situations: the mean value of its move there, 1 when the move brings the head closer to the
    apple, -1 when it enters a blocked cell, 0 otherwise (fitness.py). It gives networks that eat
    nothing yet a dense signal, and selection a steady one; it plays no game and no teacher
    decides. None: 1000 for weights mode with snes (a move value of 0.001 weighs as much as an
    apple a game), 0 (off) otherwise."""
    probe_states: int = 20_000
    """Synthetic situations of the probe score, drawn once per run from its seed."""
    probe_score: str = "expected"
    """How a network's move value is read on a situation: expected (under its softmax output,
    smooth in the weights) or move (the value of its largest output, the move it plays)."""
    games: int | None = None
    """Games per fitness evaluation; every chromosome of a generation plays the same games, new
    ones every generation (kept parents are re-evaluated on them); None: 300, or 100 for weights
    mode (cheap generations, many of them)."""
    validation_games: int = 500
    """Validation games, disjoint from the fitness and held-out games: each generation's top
    chromosomes play them, and the run's best is the one with the most validation apples."""
    validation_top: int = 3
    """Chromosomes of each generation (the best by fitness) that play the validation games."""
    max_steps: int = 2000
    """Steps after which a game is truncated."""
    fitness_max_steps: int = 0
    """Steps after which a fitness game is truncated at generation 0 (validation and held-out
    games always play max_steps); 0: max_steps."""
    fitness_max_steps_doubling: int = 0
    """Generations after which the fitness games' step limit doubles, up to max_steps; 0: it stays."""
    board: int = 50
    """Board size in cells (square)."""
    heldout_games: int = 1000
    """Held-out games on which the final best is measured (and the teacher, for comparison)."""
    seed: int = 0
    """Seed of everything random in the run."""
    fixed_hidden: tuple[int, ...] = (16,)
    """The architecture of weights mode (hidden widths): 7-16-3 by default; the study's GA evolved
    7-9-15-3 (--fixed-hidden 9,15), which SNES and the probe score learn less reliably in 100
    generations."""
    fixed_activation: str = "relu"
    """The hidden activation of weights mode."""
    train_games: int = 300
    """Teacher games whose decisions form the Keras training pool (hybrid, architecture)."""
    train_rows: int = 100_000
    """Rows drawn from the pool for a generation's brief trainings (every branch sees the same batches)."""
    train_epochs: int | None = None
    """Epochs of one brief training; None: 4 after a teacher search (teacher_sweeps > 0: the searched
    table takes more steps to learn than the study's teacher; after one epoch its networks loop),
    1 with the study's teacher."""
    train_batch_size: int = 1024
    """Batch size of one brief training."""
    train_lr_scale: float = 2.0
    """Brief trainings use the optimizer's default large-batch learning rate times this."""
    teacher_sweeps: int | None = None
    """Hybrid, architecture: passes of the teacher search before generation 0 (evolution/teacher.py).
    The study's teacher, written as a decision table (a move per blocked combination and apple
    angle), is improved entry by entry on games of its own, and the Keras trainings learn from the
    table found. 0: they learn from the study's teacher itself. None: 4 for hybrid, 0 otherwise
    (architecture mode is the study's search)."""
    teacher_games: int = 1000
    """Games every candidate table of the teacher search plays (the same games for all)."""
    teacher_bins: int = 4
    """Bins of the apple's angle on each side (left, right) in the teacher's decision table."""
    teacher_min_gain: float = 0.05
    """Mean apples on the search games that a changed entry must add to be kept."""
    space: GenomeSpace = field(default_factory=GenomeSpace)
    """The genes architectures are drawn from."""

    def __post_init__(self) -> None:
        # resolve the mode-dependent defaults, so the dumped config holds the values used
        column = MODES.index(self.mode) if self.mode in MODES else 0  # an unknown mode fails in validate()
        for name, per_mode in _PER_MODE.items():
            if getattr(self, name) is None:
                object.__setattr__(self, name, per_mode[column])
        if self.probe_weight is None:
            object.__setattr__(self, "probe_weight", 1000.0 if self.snes else 0.0)
        if self.train_epochs is None:
            object.__setattr__(self, "train_epochs", 4 if isinstance(self.teacher_sweeps, int) and self.teacher_sweeps > 0 else 1)

    def validate(self) -> "EvolveConfig":
        if self.mode not in MODES:
            raise SnakeAIError(f"unknown mode {self.mode!r}; choose from {', '.join(MODES)}")
        if self.generations < 1:
            raise SnakeAIError(f"generations must be >= 1, got {self.generations}")
        if self.population < 2:
            raise SnakeAIError(f"population must be >= 2, got {self.population}")
        if not self.snes:  # snes keeps no parents
            self._validate_parents()
        for name in ("mutation_prob", "weight_mutation_rate", "crossover_prob", "refine_share"):
            v = getattr(self, name)
            if not 0 <= v <= 1:
                raise SnakeAIError(f"{name} must be in [0, 1], got {v}")
        if self.weight_mutation_sigma < 0:
            raise SnakeAIError("weight_mutation_sigma must be >= 0")
        if self.weight_mutation_spread < 0:
            raise SnakeAIError("weight_mutation_spread must be >= 0")
        if not 0 < self.weight_mutation_decay <= 1:
            raise SnakeAIError(f"weight_mutation_decay must be in (0, 1], got {self.weight_mutation_decay}")
        if self.weight_mutation_tau < 0:
            raise SnakeAIError("weight_mutation_tau must be >= 0")
        if self.weight_crossover not in WEIGHT_CROSSOVERS:
            raise SnakeAIError(f"unknown weight_crossover {self.weight_crossover!r}; choose from {', '.join(WEIGHT_CROSSOVERS)}")
        if self.weight_search not in WEIGHT_SEARCHES:
            raise SnakeAIError(f"unknown weight_search {self.weight_search!r}; choose from {', '.join(WEIGHT_SEARCHES)}")
        if self.snes_lr_mean <= 0 or self.snes_lr_sigma < 0:
            raise SnakeAIError("snes_lr_mean must be > 0 and snes_lr_sigma >= 0")
        if not 0 < self.snes_sigma_decay <= 1:
            raise SnakeAIError(f"snes_sigma_decay must be in (0, 1], got {self.snes_sigma_decay}")
        if self.probe_weight < 0 or self.probe_states < 1:
            raise SnakeAIError("probe_weight must be >= 0 and probe_states >= 1")
        if self.probe_score not in PROBE_SCORES:
            raise SnakeAIError(f"unknown probe_score {self.probe_score!r}; choose from {', '.join(PROBE_SCORES)}")
        if self.fitness not in FITNESS_NAMES:
            raise SnakeAIError(f"unknown fitness {self.fitness!r}; choose from {', '.join(FITNESS_NAMES)}")
        for name in ("games", "max_steps", "heldout_games", "validation_games", "validation_top", "train_games", "train_rows", "train_epochs", "train_batch_size"):
            if getattr(self, name) < 1:
                raise SnakeAIError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.fitness_max_steps < 0 or self.fitness_max_steps_doubling < 0:
            raise SnakeAIError("fitness_max_steps and fitness_max_steps_doubling must be >= 0")
        if self.teacher_sweeps < 0 or self.teacher_games < 1 or self.teacher_bins < 1 or self.teacher_min_gain < 0:
            raise SnakeAIError("teacher_sweeps and teacher_min_gain must be >= 0, teacher_games and teacher_bins >= 1")
        if self.mode == "weights" and self.teacher_sweeps:
            raise SnakeAIError("teacher_sweeps: weights mode learns from no teacher (use hybrid or architecture mode)")
        if self.train_lr_scale <= 0:
            raise SnakeAIError("train_lr_scale must be > 0")
        if self.board < 3:
            raise SnakeAIError(f"board must be >= 3, got {self.board}")
        if self.seed < 0:
            raise SnakeAIError(f"seed must be >= 0, got {self.seed}")
        if self.fixed_activation not in HIDDEN_ACTIVATIONS:
            raise SnakeAIError(f"unknown activation {self.fixed_activation!r}")
        if not self.fixed_hidden or min(self.fixed_hidden) < 1:
            raise SnakeAIError("fixed_hidden must list positive widths")
        self.space.validate()
        return self

    def _validate_parents(self) -> None:
        if self.elite < 1 or self.random_parents < 0:
            raise SnakeAIError("elite must be >= 1 and random_parents >= 0")
        if self.elite + self.random_parents > self.population:
            raise SnakeAIError(f"{self.elite} elite + {self.random_parents} random parents is more than the "
                               f"population of {self.population}")
        if self.elite + self.random_parents >= self.population:
            raise SnakeAIError(f"no room for children: population {self.population} must exceed parents "
                               f"({self.elite} + {self.random_parents})")

    @property
    def snes(self) -> bool:
        """Whether the run's strategy is weights mode's SNES (not a GA)."""
        return self.mode == "weights" and self.weight_search == "snes"

    @property
    def children(self) -> int:
        return self.population - self.elite - self.random_parents

    @property
    def refine_children(self) -> int:
        """Hybrid: how many children a generation refines (once parents match the teacher)."""
        return int(round(self.refine_share * self.children))

    def to_dict(self) -> dict:
        d = asdict(self)
        d["fixed_hidden"] = list(self.fixed_hidden)
        d["space"] = {k: list(v) if isinstance(v, tuple) else v for k, v in d["space"].items()}
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "EvolveConfig":
        if not isinstance(d, dict):
            raise SnakeAIError(f"a config is a table of settings, not {type(d).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise SnakeAIError(f"unknown config key(s): {', '.join(sorted(unknown))}")
        _check_types(cls, d, "")
        d = dict(d)
        if "space" in d:
            _check_types(GenomeSpace, d["space"], "space.")
            sk = {f.name for f in fields(GenomeSpace)}
            bad = set(d["space"]) - sk
            if bad:
                raise SnakeAIError(f"unknown space key(s): {', '.join(sorted(bad))}")
            d["space"] = GenomeSpace(**{k: tuple(v) if isinstance(v, list) else v for k, v in d["space"].items()})
        if "fixed_hidden" in d:
            d["fixed_hidden"] = tuple(d["fixed_hidden"])
        try:
            return cls(**d)
        except TypeError as e:
            raise SnakeAIError(f"bad config: {e}") from None

    def with_(self, **kw) -> "EvolveConfig":
        return replace(self, **kw)
