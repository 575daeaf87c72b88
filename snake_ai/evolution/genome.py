"""A chromosome: a network's architecture genes, its optimizer gene and its weights."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ..engine.net import NetSpec, Network


@dataclass(frozen=True)
class Genome:
    """Architecture (hidden widths, activation), optimizer and flat engine weights."""

    hidden: tuple[int, ...]
    """Units of each hidden layer."""
    activation: str
    """Activation of every hidden layer (the output is softmax)."""
    optimizer: str
    """Keras optimizer used whenever this network is trained."""
    weights: np.ndarray | None = field(default=None, compare=False, repr=False)
    """float32 flat weights in the engine's layout; None until trained or initialised."""
    origin: str = "random"
    """How it came to be: random, trained, crossover, mutated, kept..."""
    sigma: float | None = None
    """Weights mode with self-adaptive mutation: this chromosome's own mutation step size, passed
    on (perturbed) to its children; None where the strategy does not use one."""

    @property
    def spec(self) -> NetSpec:
        return NetSpec.uniform(self.hidden, self.activation)

    @property
    def architecture(self) -> str:
        return f"{'-'.join(map(str, (7, *self.hidden, 3)))} {self.activation} {self.optimizer}"

    def same_architecture(self, other: "Genome") -> bool:
        return self.hidden == other.hidden and self.activation == other.activation

    def network(self) -> Network:
        if self.weights is None:
            raise ValueError("genome has no weights yet")
        return Network(self.spec, self.weights)

    def with_weights(self, weights, origin: str | None = None) -> "Genome":
        return replace(self, weights=np.asarray(weights, np.float32), origin=origin or self.origin)

    def to_dict(self) -> dict:
        d = {"hidden": list(self.hidden), "activation": self.activation, "optimizer": self.optimizer,
             "origin": self.origin, "n_params": self.spec.n_params}
        if self.sigma is not None:
            d["sigma"] = self.sigma
        return d

    @classmethod
    def from_dict(cls, d: dict, weights=None) -> "Genome":
        return cls(tuple(int(h) for h in d["hidden"]), str(d["activation"]), str(d["optimizer"]),
                   None if weights is None else np.asarray(weights, np.float32), str(d.get("origin", "random")),
                   None if d.get("sigma") is None else float(d["sigma"]))
