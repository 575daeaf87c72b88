"""The Gymnasium environment."""

import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import snake_ai  # noqa: F401  (registers the env)


def test_check_env_without_warnings():
    env = gym.make("snake_ai/Snake-v0", render_mode="rgb_array")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(env.unwrapped)
    assert [str(w.message) for w in caught] == []


def rollout(seed, n=300):
    env = gym.make("snake_ai/Snake-v0", max_steps=200)
    obs, _ = env.reset(seed=seed)
    env.action_space.seed(seed)
    trace = [obs.tobytes()]
    for _ in range(n):
        obs, r, term, trunc, info = env.step(env.action_space.sample())
        trace.append((obs.tobytes(), r, term, trunc, info["apples"]))
        if term or trunc:
            obs, _ = env.reset()
            trace.append(obs.tobytes())
    return trace


def test_same_seed_same_rollout():
    assert rollout(11) == rollout(11)
    assert rollout(11) != rollout(12)


def test_spaces_and_episode_end():
    env = gym.make("snake_ai/Snake-v0", max_steps=5)
    obs, info = env.reset(seed=0)
    assert obs.shape == (7,) and obs.dtype == np.float32 and env.observation_space.contains(obs)
    assert env.action_space.n == 3 and info["length"] == 3
    for k in range(5):
        obs, r, term, trunc, info = env.step(1)
    assert trunc and not term and info["steps"] == 5
    env = gym.make("snake_ai/Snake-v0")
    env.reset(seed=0)
    term = False
    for _ in range(60):  # straight right from x=10 hits the wall at x=50
        _, _, term, trunc, _ = env.step(1)
        if term:
            break
    assert term


def test_rgb_frame_shows_head_and_apple():
    env = gym.make("snake_ai/Snake-v0", render_mode="rgb_array")
    env.reset(seed=4)
    frame = env.render()
    assert frame.shape == (500, 500, 3) and frame.dtype == np.uint8
    st = env.unwrapped.state
    ax, ay = st.apple[0]
    hx, hy = st.snake(0)[0]
    from snake_ai.viewer.draw import APPLE_COLOR, HEAD_COLOR
    assert tuple(frame[ay * 10 + 5, ax * 10 + 5]) == APPLE_COLOR
    assert tuple(frame[hy * 10 + 5, hx * 10 + 5]) == HEAD_COLOR


def test_single_env_steps_as_the_engine_does():
    """The one-call step plays and observes exactly as the engine's reset / step_inplace / observe."""
    from snake_ai.engine import Rules, observe, reset, step_inplace
    from snake_ai.engine.core import mix64
    from snake_ai.envs import SnakeEnv

    env = SnakeEnv(board=15, max_steps=60)
    rng = np.random.default_rng(3)
    ends = 0
    for episode in range(6):
        obs, _ = env.reset(seed=episode)
        game_seed = np.random.Generator(np.random.PCG64(np.random.SeedSequence(episode))).integers(0, 2**63)
        state = reset(Rules.classic(15, 60), np.array([mix64(np.uint64(game_seed))], dtype=np.uint64))
        assert np.array_equal(obs, observe(state)[0])
        while True:
            a = int(rng.integers(0, 3))
            obs, r, term, trunc, info = env.step(a)
            want_r = step_inplace(state, [a])[0]
            assert np.array_equal(obs, observe(state)[0]) and r == want_r
            assert (term, trunc) == (state.status[0] == 1, state.status[0] == 2)
            assert info == {"apples": state.apples[0], "length": state.length[0], "steps": state.steps[0]}
            if term or trunc:
                ends += 1
                break
    assert ends == 6
    with pytest.raises(ValueError, match="invalid action"):
        env.step(3)
    with pytest.raises(ValueError, match="invalid action"):
        env.step(1.5)
    env.step(np.int64(1))
