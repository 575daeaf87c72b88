"""Episodes: a game's seed, rules and actions as JSON; the engine replays them exactly."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import __version__
from ..atomic import check_writable, write_text_atomic
from ..engine import Rules, reset, step_inplace, teacher_actions
from ..engine.core import agent_stream, rng_below
from ..errors import SnakeAIError


@dataclass
class Episode:
    seed: int  # the game seed (uint64)
    rules: Rules
    actions: list[int] = field(default_factory=list)
    agent: str = ""
    apples: int = 0
    steps: int = 0
    note: str = ""

    def to_dict(self) -> dict:
        return {"format": "snake-ai episode", "version": __version__, "seed": str(self.seed),
                "rules": self.rules.to_dict(), "agent": self.agent, "apples": self.apples, "steps": self.steps,
                "note": self.note, "actions": "".join("LSR"[a] for a in self.actions)}

    @classmethod
    def from_dict(cls, d: dict) -> "Episode":
        if not isinstance(d, dict) or d.get("format") != "snake-ai episode":
            raise SnakeAIError("not a snake-ai episode")
        acts = d["actions"]
        if not isinstance(acts, str) or set(acts) - set("LSR"):
            raise SnakeAIError("episode actions must be a string of L, S and R")
        seed, rules = int(d["seed"]), d["rules"]
        if not 0 <= seed < 2**64:
            raise SnakeAIError(f"episode seed {seed} is not a uint64")
        if not isinstance(rules, dict) or not all(type(rules[k]) is int for k in rules if k != "name"):
            raise SnakeAIError("episode rules must be a table of integers")
        return cls(seed, Rules.from_dict(rules), ["LSR".index(c) for c in acts], str(d.get("agent", "")),
                   int(d.get("apples", 0)), int(d.get("steps", 0)), str(d.get("note", "")))


def save_episode(ep: Episode, path, force: bool = False) -> None:
    path = Path(path)
    check_writable(path, force)
    write_text_atomic(path, json.dumps(ep.to_dict(), indent=1))


def load_episode(path) -> Episode:
    path = Path(path)
    try:
        return Episode.from_dict(json.loads(path.read_text()))
    except FileNotFoundError:
        raise SnakeAIError(f"{path}: no such episode file") from None
    except SnakeAIError as e:
        raise SnakeAIError(f"{path}: {e}") from None
    except (ValueError, KeyError, TypeError, AttributeError, OverflowError) as e:
        raise SnakeAIError(f"{path}: not a snake-ai episode ({type(e).__name__})") from None


def agent_actions(agent, state, rng_state: np.ndarray | None = None) -> np.ndarray:
    """The agent's move in each game of ``state`` (teacher, random, network).

    The random agent draws from ``rng_state`` (uint64 per game, advanced in place), the same
    per-game stream as the engine's fused rollouts (``core.agent_stream``)."""
    if agent.kind == "teacher":
        a = teacher_actions(state)
        return np.where(a < 0, 1, a)
    if agent.kind == "random":
        out = np.empty(state.batch, np.int64)
        for g in range(state.batch):
            rng_state[g], out[g] = rng_below(rng_state[g], 3)
        return out
    from ..engine import observe

    return np.argmax(agent.network.forward(observe(state)), axis=1)


def record_episode(agent, seed: int, rules: Rules, seed_label: str = "") -> Episode:
    """Play one game with an agent and keep its actions."""
    state = reset(rules, np.array([seed], np.uint64))
    rs = np.array([agent_stream(np.uint64(seed))], np.uint64)
    ep = Episode(int(seed), rules, agent=agent.describe(), note=seed_label)
    while state.alive[0]:
        a = int(agent_actions(agent, state, rs)[0])
        ep.actions.append(a)
        step_inplace(state, [a])
    ep.apples, ep.steps = int(state.apples[0]), int(state.steps[0])
    return ep


def replay_states(ep: Episode):
    """Yield the state after reset and after each action (the same object, stepped in place)."""
    state = reset(ep.rules, np.array([ep.seed], np.uint64))
    yield state
    for a in ep.actions:
        step_inplace(state, [a])
        yield state
