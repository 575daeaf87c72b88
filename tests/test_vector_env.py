"""The native vector env plays exactly what SyncVectorEnv over the single env plays."""

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode, SyncVectorEnv
from gymnasium.wrappers.vector import RecordEpisodeStatistics

import snake_ai  # noqa: F401  (registers the env)
from snake_ai.envs import SnakeEnv, SnakeVectorEnv, kernels, vector
from snake_ai.envs.kernels import draw_game_seed
from snake_ai.engine.core import mix64


def sync(n, **kw):
    return SyncVectorEnv([lambda: SnakeEnv(**kw) for _ in range(n)])


def assert_same(a, b):
    """Two (obs, reward, terminated, truncated, info) or (obs, info) results are identical."""
    assert len(a) == len(b)
    for x, y in zip(a[:-1], b[:-1]):
        assert x.dtype == y.dtype and x.shape == y.shape
        np.testing.assert_array_equal(x, y)
    ia, ib = a[-1], b[-1]
    assert sorted(ia) == sorted(ib)
    for k in ia:
        np.testing.assert_array_equal(ia[k], ib[k], err_msg=k)


def play_both(native, reference, seed, steps, actions_rng):
    assert_same(native.reset(seed=seed), reference.reset(seed=seed))
    ends = 0
    for _ in range(steps):
        actions = actions_rng.integers(0, 3, native.num_envs)
        a, b = native.step(actions), reference.step(actions)
        assert_same(a, b)
        ends += int((a[2] | a[3]).sum())
    return ends


@pytest.mark.parametrize("n,copy,parallel", [(5, True, False), (40, False, True)])
def test_plays_exactly_what_sync_vector_env_plays(n, copy, parallel, monkeypatch):
    monkeypatch.setattr(vector, "PARALLEL_FROM", 1 if parallel else 10**9)
    native = SnakeVectorEnv(n, board=12, max_steps=40, copy=copy)
    assert (native._step is kernels.vec_step_parallel) == parallel
    reference = sync(n, board=12, max_steps=40)
    rng = np.random.default_rng(0)
    ends = play_both(native, reference, 7, 120, rng)
    assert ends > n  # deaths, truncations and autoresets all happened, several per game
    # a reset without a seed continues every game's generator; a list of seeds seeds each game
    assert_same(native.reset(), reference.reset())
    for _ in range(30):
        actions = rng.integers(0, 3, n)
        assert_same(native.step(actions), reference.step(actions))
    seeds = [None if i % 2 else 100 + i for i in range(n)]
    assert_same(native.reset(seed=seeds), reference.reset(seed=seeds))
    for _ in range(30):
        actions = rng.integers(0, 3, n)
        assert_same(native.step(actions), reference.step(actions))


def test_reset_mask_resets_only_the_chosen_games():
    native, reference = SnakeVectorEnv(4, max_steps=30), sync(4, max_steps=30)
    rng = np.random.default_rng(1)
    play_both(native, reference, 3, 10, rng)
    mask = np.array([True, False, True, False])
    assert_same(native.reset(seed=50, options={"reset_mask": mask}),
                reference.reset(seed=50, options={"reset_mask": mask.copy()}))
    for _ in range(40):
        actions = rng.integers(0, 3, 4)
        assert_same(native.step(actions), reference.step(actions))


def test_unseeded_reset_is_random_then_continues():
    env = SnakeVectorEnv(64)
    a, _ = env.reset()
    b, _ = SnakeVectorEnv(64).reset()
    assert not np.array_equal(a, b)  # 64 apples drawn from fresh entropy twice


def test_seed_draw_matches_numpy_generator():
    from snake_ai.envs.vector import _pcg_state
    pcg = _pcg_state(2024)[None, :].copy()
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(2024)))
    for _ in range(200):
        want = mix64(np.uint64(int(rng.integers(0, 2**63, dtype=np.int64))))
        assert draw_game_seed(pcg, 0) == want


def test_make_vec_uses_the_native_env_with_its_arguments():
    env = gym.make_vec("snake_ai/Snake-v0", num_envs=8, vectorization_mode="vector_entry_point",
                       board=20, max_steps=7)
    assert isinstance(env.unwrapped, SnakeVectorEnv)
    assert gym.make_vec("snake_ai/Snake-v0", num_envs=2).unwrapped.__class__ is SnakeVectorEnv
    assert env.metadata["autoreset_mode"] == AutoresetMode.NEXT_STEP
    assert env.observation_space.shape == (8, 7) and env.action_space.shape == (8,)
    obs, info = env.reset(seed=0)
    assert obs.shape == (8, 7) and obs.dtype == np.float32 and env.observation_space.contains(obs)
    assert (info["length"] == 3).all()
    for k in range(7):
        obs, r, term, trunc, info = env.step(np.ones(8, dtype=np.int64))
    assert trunc.all() and not term.any() and (info["steps"] == 7).all()  # board 20: no wall in 7
    obs, r, term, trunc, info = env.step(np.ones(8, dtype=np.int64))  # the autoreset step
    assert not (term | trunc).any() and (r == 0).all() and (info["steps"] == 0).all()
    with pytest.raises(ValueError, match="invalid action 3"):
        env.step(np.full(8, 3))
    with pytest.raises(ValueError, match="expected 8 actions"):
        env.step(np.ones(3, dtype=np.int64))
    with pytest.raises(ValueError, match="integers"):
        env.step(np.full(8, 1.5))
    env.step([1] * 8)  # lists and other int dtypes are accepted
    env.step(np.ones(8, dtype=np.int8))


def test_buffers_are_reused_without_copy_and_copied_with_it():
    env = SnakeVectorEnv(4, copy=False)
    obs0, _ = env.reset(seed=0)
    obs1 = env.step(np.ones(4, dtype=np.int64))[0]
    assert obs1 is obs0
    env = SnakeVectorEnv(4)
    obs0, _ = env.reset(seed=0)
    before = obs0.copy()
    obs1 = env.step(np.zeros(4, dtype=np.int64))[0]
    assert obs1 is not obs0 and np.array_equal(obs0, before)


def test_record_episode_statistics_wrapper():
    env = RecordEpisodeStatistics(gym.make_vec("snake_ai/Snake-v0", num_envs=16, board=12, max_steps=50))
    env.reset(seed=0)
    env.action_space.seed(0)
    episodes = []
    for _ in range(200):
        _, _, _, _, info = env.step(env.action_space.sample())
        if "episode" in info:
            done = info["_episode"]
            episodes += list(zip(info["episode"]["r"][done], info["episode"]["l"][done]))
    assert len(episodes) > 16
    assert all(0 < steps <= 50 for _, steps in episodes)
    assert len(env.return_queue) == min(len(episodes), env.return_queue.maxlen)


def test_render_draws_the_chosen_game():
    env = SnakeVectorEnv(3, render_mode="rgb_array", render_game=2)
    env.reset(seed=[5, 6, 7])
    single = SnakeEnv(render_mode="rgb_array")
    single.reset(seed=7)
    assert np.array_equal(env.render(), single.render())
    env.render_game = 0
    single.reset(seed=5)
    assert np.array_equal(env.render(), single.render())
