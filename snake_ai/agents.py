"""Agents as small classes with one entry point, ``act(state, rng)``, and loading them by name.

Every agent decides the move of each running game of a batched engine ``State``::

    decision = agent.act(state, rng)   # Decision(actions int64 (B,), outputs float32 (B, 3) or None)

``rng`` holds one uint64 stream per game (``agent_streams(seeds)``), the same per-game stream the
engine's fused rollouts give an agent that draws, advanced in place. Calling ``act`` once per step
on a game therefore plays exactly the game that ``agent.play(seeds, rules)`` (the engine's fused,
compiled rollout of the same behaviour) plays.

``load_agent`` resolves a command-line argument: ``teacher``, ``random``, a ``.keras`` file, an
engine ``.npz`` network, a run directory / exported agent folder (its best network), or a run's
``teacher.json`` (the decision table its teacher search found).
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .engine import STRAIGHT, Network, Rules, observe, play_networks, play_random, play_table, play_teacher
from .engine import table_actions, teacher_actions
from .engine.core import agent_stream, rng_below
from .errors import SnakeAIError


@dataclass(frozen=True)
class Decision:
    """An agent's choice in each game of a batch."""

    actions: np.ndarray
    """int64 (B,): 0 left, 1 straight, 2 right; -1 where the agent has no move (a replay that ran out)."""
    outputs: np.ndarray | None = None
    """float32 (B, 3): what the choice came from ([left, straight, right]), None when there is nothing to show."""


def agent_streams(seeds) -> np.ndarray:
    """uint64 (B,): each game's agent stream, as the engine's fused rollouts derive it."""
    return np.array([agent_stream(np.uint64(s)) for s in np.atleast_1d(np.asarray(seeds, np.uint64))], np.uint64)


class Agent(ABC):
    """Something that picks moves. Subclasses implement ``act``; the engine agents also have
    ``play(seeds, rules) -> RolloutResult``, the same behaviour as a fused compiled rollout."""

    name: str = "agent"

    @abstractmethod
    def act(self, state, rng: np.ndarray) -> Decision:
        """The move in each game of ``state``; ``rng`` are the games' agent streams (advanced in place)."""

    def describe(self) -> str:
        return self.name

    def details(self) -> list[tuple[str, str]]:
        """(label, value) lines for a viewer's panel: architecture, optimizer, generation, fitness..."""
        return []


def _rule_decision(a: np.ndarray) -> Decision:
    """The decision of a rule (the teacher, a decision table) from its moves, -1 where all three are
    blocked: the one place that settles that case. Every move is fatal there, so it goes straight
    on, as the fused kernel does."""
    actions = np.where(a < 0, STRAIGHT, a)
    return Decision(actions, np.eye(3, dtype=np.float32)[actions])


@dataclass(frozen=True)
class TeacherAgent(Agent):
    """The angle teacher (SPEC section 2)."""

    name: str = "teacher"

    def act(self, state, rng=None) -> Decision:
        return _rule_decision(teacher_actions(state))

    def play(self, seeds, rules: Rules = Rules()):
        return play_teacher(seeds, rules)


@dataclass(frozen=True, eq=False)
class TableAgent(Agent):
    """A decision table (``engine.tables``): a teacher search's result, read from a teacher.json."""

    table: np.ndarray
    """int64 (7, 2 bins + 2): a move per blocked combination and apple-angle bin."""
    name: str = "searched teacher"
    source: str | None = None

    def act(self, state, rng=None) -> Decision:
        return _rule_decision(table_actions(state, self.table))

    def play(self, seeds, rules: Rules = Rules()):
        return play_table(self.table, seeds, rules)

    def details(self) -> list[tuple[str, str]]:
        return [("decision table", f"7 x {self.table.shape[1]} moves")]


@dataclass(frozen=True)
class RandomAgent(Agent):
    """Uniform moves, drawn from each game's agent stream."""

    name: str = "random"

    def act(self, state, rng) -> Decision:
        out = np.empty(state.batch, np.int64)
        for g in range(state.batch):
            rng[g], out[g] = rng_below(rng[g], 3)
        return Decision(out, np.full((state.batch, 3), 1 / 3, np.float32))

    def play(self, seeds, rules: Rules = Rules()):
        return play_random(seeds, rules)


@dataclass(frozen=True, eq=False)
class NetworkAgent(Agent):
    """A dense network: the move with the highest output (the first one on a tie, like the engine)."""

    network: Network
    name: str = "network"
    source: str | None = None
    """Where it was loaded from."""
    info: dict = field(default_factory=dict)
    """What is known about it, shown in a panel: optimizer, generation, fitness, run..."""

    def act(self, state, rng=None) -> Decision:
        outputs = self.network.forward(observe(state))
        return Decision(np.argmax(outputs, axis=1).astype(np.int64), outputs)

    def play(self, seeds, rules: Rules = Rules()):
        return play_networks([self.network], seeds, rules)

    @property
    def architecture(self) -> str:
        opt = self.info.get("optimizer")
        return self.network.spec.describe() + (f" {opt}" if opt and opt != "none" else "")

    def describe(self) -> str:
        return f"{self.name} ({self.architecture})"

    def details(self) -> list[tuple[str, str]]:
        lines = [("network", self.architecture)]
        for key in ("run", "generation", "fitness", "mean apples", "held-out apples"):
            if key in self.info:
                v = self.info[key]
                lines.append((key, f"{v:.2f}" if isinstance(v, float) else str(v)))
        return lines


def default_agent_path() -> Path:
    from .resources import shipped_agent

    return shipped_agent().resolve()


def _run_info(path: Path) -> dict:
    """What a run directory's best.json says about its best (optimizer, fitness), if it has one."""
    try:
        d = json.loads((path / "best.json").read_text())
    except (OSError, ValueError):
        return {}
    info = {}
    if isinstance(d.get("genome"), dict) and d["genome"].get("optimizer"):
        info["optimizer"] = str(d["genome"]["optimizer"])
    if isinstance(d.get("best_fitness"), (int, float)):
        info["fitness"] = float(d["best_fitness"])
    if isinstance(d.get("heldout_mean_apples"), (int, float)):
        info["held-out apples"] = float(d["heldout_mean_apples"])
    return info


def load_agent(spec: str | None) -> Agent:
    """Resolve an agent argument; raises SnakeAIError with a one-line reason when it cannot."""
    if spec is None:
        spec = str(default_agent_path())
    if spec == "teacher":
        return TeacherAgent()
    if spec == "random":
        return RandomAgent()
    path = Path(spec)
    if not path.exists():
        raise SnakeAIError(f"unknown agent {spec!r}: expected 'teacher', 'random', a .keras file, a run directory or "
                           "a run's teacher.json")
    if path.is_dir():
        from .evolution.rundir import load_best  # a run directory or an exported agent folder

        network, label = load_best(path)
        if path.resolve() == default_agent_path():
            label = "shipped agent"
        return NetworkAgent(network, label, str(path), _run_info(path))
    if path.name == "teacher.json":
        from .evolution.rundir import read_teacher

        return TableAgent(read_teacher(path.parent).table, "searched teacher", str(path))
    if path.suffix == ".keras":
        from .policy.bridge import load_keras_network

        return NetworkAgent(load_keras_network(path), path.name, str(path))
    if path.suffix == ".npz":
        from .policy.bridge import load_engine_network

        return NetworkAgent(load_engine_network(path), path.name, str(path))
    raise SnakeAIError(f"cannot use {spec!r} as an agent: expected a .keras file, an .npz network, a run directory "
                       "or a run's teacher.json")


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
