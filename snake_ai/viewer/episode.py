"""Episodes: a game's seed, rules and actions as JSON; the engine replays them exactly."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import __version__
from ..atomic import check_writable, write_text_atomic
from ..agents import Agent, Decision, agent_streams
from ..engine import Rules, observe, reset, step_inplace
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


class EpisodeAgent(Agent):
    """Plays back an episode's actions; no move once they run out."""

    def __init__(self, episode: Episode):
        self.episode = episode
        self.name = f"replay: {episode.agent or 'episode'}"

    def act(self, state, rng=None) -> Decision:
        k = int(state.steps[0])
        acts = self.episode.actions
        return Decision(np.array([acts[k] if k < len(acts) else -1], np.int64))


class Game:
    """One game of one agent, stepped by the engine, keeping its actions as an Episode.

    ``think`` asks the agent once per state (so an agent that draws consumes its stream exactly as
    the engine's fused rollout does); ``advance`` plays that move, or ``action`` when given (a
    person at the keys)."""

    def __init__(self, agent: Agent, seed: int, rules: Rules, label: str = ""):
        self.agent = agent
        self.seed = int(seed)
        self.rules = rules
        self.label = label
        self.state = reset(rules, np.array([self.seed], np.uint64))
        self.rng = agent_streams([self.seed])
        self.episode = Episode(self.seed, rules, agent=agent.describe(), note=label)
        self.stopped = False  # the agent had no move left (a replay that ran out)
        self.think()

    @property
    def over(self) -> bool:
        return self.stopped or not bool(self.state.alive[0])

    def think(self) -> None:
        """The agent's view of the current state: inputs, outputs and the move it will make."""
        self.inputs = observe(self.state)[0]
        self.decision = self.agent.act(self.state, self.rng) if self.state.alive[0] else None
        self.outputs = None if self.decision is None or self.decision.outputs is None else self.decision.outputs[0]

    def advance(self, action: int | None = None) -> None:
        if self.over:
            return
        a = int(self.decision.actions[0]) if action is None else int(action)
        if a < 0:
            self.stopped = True
        else:
            self.episode.actions.append(a)
            step_inplace(self.state, [a])
        if self.over:
            self.episode.apples, self.episode.steps = int(self.state.apples[0]), int(self.state.steps[0])
        self.think()

    def status(self) -> str:
        return "playing" if self.state.alive[0] and not self.stopped else {0: "stopped", 1: "died", 2: "max steps"}[int(self.state.status[0])]


def record_episode(agent: Agent, seed: int, rules: Rules, seed_label: str = "") -> Episode:
    """Play one game with an agent and keep its actions."""
    import numba

    threads = numba.get_num_threads()
    numba.set_num_threads(1)  # one game: the kernels run in this thread rather than waking a pool per step
    try:
        game = Game(agent, seed, rules, seed_label)
        while not game.over:
            game.advance()
    finally:
        numba.set_num_threads(threads)
    return game.episode


def replay_states(ep: Episode):
    """Yield the state after reset and after each action (the same object, stepped in place)."""
    state = reset(ep.rules, np.array([ep.seed], np.uint64))
    yield state
    for a in ep.actions:
        step_inplace(state, [a])
        yield state
