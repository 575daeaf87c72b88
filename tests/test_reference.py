"""The compiled engine against the plain-Python reference, step by step."""

import numpy as np
from hypothesis import given, strategies as st

from snake_ai.engine import Rules, derive_seeds, observe, play_random, play_teacher, reset, step_inplace
from snake_ai.engine import reference as ref


def ref_game(seed, rules):
    return ref.RefGame(int(seed), rules.width, rules.height, (rules.start_x, rules.start_y),
                       rules.start_length, (rules.start_dx, rules.start_dy), rules.max_steps)


def assert_same(state, g, game):
    assert state.snake(g) == list(game.body)
    apple = tuple(state.apple[g])
    assert apple == (game.apple if game.apple is not None else (-1, -1))
    assert int(state.status[g]) == game.status
    assert int(state.steps[g]) == game.steps
    assert int(state.apples[g]) == game.apples
    assert tuple(state.direction[g]) == (game.dx, game.dy)
    np.testing.assert_array_equal(observe(state)[g], np.array(game.observe(), dtype=np.float32))


def test_seeds_match_reference():
    seeds = derive_seeds(12345, 50)
    assert [int(s) for s in seeds] == [ref.game_seed(12345, i) for i in range(50)]


def test_random_games_step_by_step():
    rules = Rules(width=12, height=9, start_x=5, start_y=4, max_steps=400)
    seeds = derive_seeds(3, 40)
    rng = np.random.default_rng(0)
    state = reset(rules, seeds)
    games = [ref_game(s, rules) for s in seeds]
    for g, game in enumerate(games):
        assert_same(state, g, game)
    for _ in range(400):
        # mostly straight, sometimes the teacher's move, so games last and snakes grow
        teacher = [game.teacher() for game in games]
        acts = np.where(rng.random(len(games)) < 0.7,
                        [1 if t is None else t for t in teacher], rng.integers(0, 3, len(games)))
        step_inplace(state, acts)
        for g, game in enumerate(games):
            game.step(int(acts[g]))
            assert_same(state, g, game)
        if all(game.status for game in games):
            break
    assert max(game.apples for game in games) >= 5


@given(seed=st.integers(0, 2**63), actions=st.lists(st.integers(0, 2), min_size=1, max_size=300))
def test_any_action_sequence_matches_reference(seed, actions):
    rules = Rules(width=10, height=10, start_x=5, start_y=5, max_steps=250)
    state = reset(rules, np.array([seed], np.uint64))
    game = ref_game(seed, rules)
    for a in actions:
        step_inplace(state, [a])
        game.step(a)
        assert_same(state, 0, game)


def test_fused_teacher_and_random_match_reference():
    rules = Rules()
    seeds = derive_seeds(99, 25)
    t = play_teacher(seeds, rules)
    r = play_random(seeds, rules)
    for k, s in enumerate(seeds):
        assert ref.play(ref_game(s, rules), "teacher") == (t.apples[0, k], t.steps[0, k])
        assert ref.play(ref_game(s, rules), "random") == (r.apples[0, k], r.steps[0, k])
