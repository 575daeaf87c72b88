"""Evaluation of an agent on many games, with honest timing (compilation excluded)."""

from __future__ import annotations

import time

import numba
import numpy as np

from .agents import Agent, TeacherAgent, summarize
from .engine import Rules, Status, derive_seeds


def evaluate_agent(agent: Agent, games: int = 1000, seed: int = 0, rules: Rules = Rules()) -> dict:
    seeds = derive_seeds(seed, games)
    t0 = time.perf_counter()
    agent.play(seeds[:1], rules)  # compile, or load the cached kernels
    compile_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    res = agent.play(seeds, rules)
    seconds = time.perf_counter() - t0
    apples, steps = res.apples[0], res.steps[0]
    best = int(np.argmax(apples))
    out = {"agent": agent.describe(), "games": games, "max_steps": rules.max_steps, "seed": seed,
           "board": rules.width, "start_length": rules.start_length}
    out.update(summarize(apples, steps, rules.start_length))
    if not isinstance(agent, TeacherAgent):  # the teacher on the same games, for comparison
        from .engine import play_teacher

        out["teacher_mean_apples"] = float(play_teacher(seeds, rules).apples.mean())
    out.update({
        "died": int((res.status[0] == Status.DEAD).sum()),
        "truncated": int((res.status[0] == Status.TRUNCATED).sum()),
        "best_game": best,
        "best_game_seed": int(seeds[best]),
        "seconds": seconds,
        "steps_per_second": out["total_steps"] / seconds if seconds > 0 else float("inf"),
        "compile_seconds": compile_s,
        "threads": numba.get_num_threads(),
        "study_mean_length": 23.091,
        "study_max_length": 61,
    })
    return out
