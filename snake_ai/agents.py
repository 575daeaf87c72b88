"""Agents by name: ``teacher``, ``random``, a ``.keras`` file, an engine ``.npz`` or a run directory."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .engine import Network, Rules, play_networks, play_random, play_teacher
from .errors import SnakeAIError


@dataclass(frozen=True)
class Agent:
    """Something that plays games in the engine."""

    name: str
    kind: str  # "teacher", "random" or "network"
    network: Network | None = None
    source: str | None = None

    def play(self, seeds, rules: Rules):
        if self.kind == "teacher":
            return play_teacher(seeds, rules)
        if self.kind == "random":
            return play_random(seeds, rules)
        return play_networks([self.network], seeds, rules)

    def describe(self) -> str:
        if self.network is not None:
            return f"{self.name} ({self.network.spec.describe()})"
        return self.name


def default_agent_path() -> Path:
    from .resources import shipped_agent

    return shipped_agent().resolve()


def load_agent(spec: str | None) -> Agent:
    """Resolve an agent argument; raises SnakeAIError with a one-line reason when it cannot."""
    if spec is None:
        spec = str(default_agent_path())
    if spec in ("teacher", "random"):
        return Agent(spec, spec)
    path = Path(spec)
    if not path.exists():
        raise SnakeAIError(f"unknown agent {spec!r}: expected 'teacher', 'random', a .keras file or a run directory")
    if path.is_dir():
        from .evolution.rundir import load_best  # a run directory or an exported agent folder

        network, label = load_best(path)
        if path.resolve() == default_agent_path():
            label = "shipped agent"
        return Agent(label, "network", network, str(path))
    if path.suffix == ".keras":
        from .policy.bridge import load_keras_network

        return Agent(path.name, "network", load_keras_network(path), str(path))
    if path.suffix == ".npz":
        from .policy.bridge import load_engine_network

        return Agent(path.name, "network", load_engine_network(path), str(path))
    raise SnakeAIError(f"cannot use {spec!r} as an agent: expected a .keras file, an .npz network or a run directory")


def summarize(apples: np.ndarray, steps: np.ndarray, start_length: int = 3) -> dict:
    """Scores of many games; length = apples + the rules' start length."""
    apples = np.asarray(apples).reshape(-1)
    return {
        "mean_apples": float(apples.mean()),
        "median_apples": float(np.median(apples)),
        "max_apples": int(apples.max()),
        "min_apples": int(apples.min()),
        "std_apples": float(apples.std()),
        "mean_length": float(apples.mean() + start_length),
        "max_length": int(apples.max() + start_length),
        "total_steps": int(np.asarray(steps).sum()),
    }
