"""Same seeds, same games: whatever the batch size, order or thread count."""

import numba
import numpy as np
import pytest

from snake_ai.engine import NetSpec, Network, Rules, derive_seeds, play_networks, play_teacher, record_teacher


@pytest.fixture
def threads():
    n = numba.get_num_threads()
    yield
    numba.set_num_threads(n)


def test_batch_size_and_order(threads):
    seeds = derive_seeds(5, 300)
    full = play_teacher(seeds)
    part = play_teacher(seeds[100:137])
    np.testing.assert_array_equal(full.apples[0, 100:137], part.apples[0])
    np.testing.assert_array_equal(full.steps[0, 100:137], part.steps[0])
    perm = np.random.default_rng(1).permutation(300)
    shuffled = play_teacher(seeds[perm])
    np.testing.assert_array_equal(full.apples[0, perm], shuffled.apples[0])


def test_thread_count(threads):
    seeds = derive_seeds(8, 200)
    spec = NetSpec()
    nets = [Network(spec, np.random.default_rng(i).normal(0, 1, spec.n_params)) for i in range(3)]
    numba.set_num_threads(1)
    a = play_networks(nets, seeds)
    xa, ya, ra = record_teacher(seeds[:20])
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    b = play_networks(nets, seeds)
    xb, yb, rb = record_teacher(seeds[:20])
    for f in ("apples", "steps", "status", "approach"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f))
    assert xa.tobytes() == xb.tobytes() and ya.tobytes() == yb.tobytes()


def test_networks_independent_of_population():
    seeds = derive_seeds(2, 50)
    spec = NetSpec()
    nets = [Network(spec, np.random.default_rng(i).normal(0, 1, spec.n_params)) for i in range(4)]
    together = play_networks(nets, seeds)
    for i, n in enumerate(nets):
        alone = play_networks([n], seeds)
        np.testing.assert_array_equal(together.apples[i], alone.apples[0])
        np.testing.assert_array_equal(together.steps[i], alone.steps[0])


def test_different_seeds_differ():
    a = play_teacher(derive_seeds(0, 50))
    b = play_teacher(derive_seeds(1, 50))
    assert not np.array_equal(a.apples, b.apples)


def test_teacher_level():
    r = play_teacher(derive_seeds(0, 1000), Rules())
    assert 45 <= r.apples.mean() <= 52  # SPEC: the teacher averages about 48 apples


def test_lockstep_lanes_equal_game_by_game_play():
    """The fused network rollout (games in lockstep lanes) equals stepping each game alone with
    the single-game forward pass, for every activation and depth."""
    from snake_ai.engine import NetSpec, Network, observe, reset, step_inplace

    rules = Rules(max_steps=300)
    seeds = derive_seeds(21, 70)
    rng = np.random.default_rng(5)
    for hidden, act in [((9, 15), "relu"), ((12,), "tanh"), ((8, 8, 8), "elu"), ((16, 4), "sigmoid"), ((5,), "selu"), ((6, 6), "linear")]:
        spec = NetSpec.uniform(hidden, act)
        net = Network(spec, rng.normal(0, 1.5, spec.n_params))
        fused = play_networks([net], seeds, rules)
        state = reset(rules, seeds)
        while state.alive.any():
            step_inplace(state, np.argmax(net.forward(observe(state)), axis=1))
        np.testing.assert_array_equal(fused.apples[0], state.apples)
        np.testing.assert_array_equal(fused.steps[0], state.steps)


def test_probe_scores_independent_of_threads_and_population(threads):
    """The probe score (one compiled task per network) equals the plain numpy computation, with one
    thread or all, alone or in a population."""
    from snake_ai.evolution.fitness import probe_scores, probe_situations
    from snake_ai.evolution.genome import Genome

    spec = NetSpec.uniform((16,), "relu")
    genomes = [Genome((16,), "relu", "none").with_weights(np.random.default_rng(i).normal(0, 0.5, spec.n_params))
               for i in range(5)]
    s = probe_situations(3, 2000)
    rows = np.arange(2000)
    for kind in ("expected", "move"):
        numba.set_num_threads(1)
        one = probe_scores(genomes, s, kind)
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        assert one.tobytes() == probe_scores(genomes, s, kind).tobytes()
        assert one[3:4].tobytes() == probe_scores(genomes[3:4], s, kind).tobytes()
        out = [g.network().forward(s.x).astype(np.float64) for g in genomes]
        plain = [(o * s.value).sum(axis=1).mean() if kind == "expected" else s.value[rows, o.argmax(axis=1)].mean()
                 for o in out]
        np.testing.assert_allclose(one, plain, rtol=1e-12)
