"""The genetic algorithm: operators, selection, runs, resume, determinism and bad configs."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from snake_ai.engine import NetSpec
from snake_ai.evolution import EvolveConfig, GenomeSpace
from snake_ai.evolution.batch_training import TrainBudget, TrainJob, train_branches, batches, teacher_pool
from snake_ai.evolution.genome import Genome
from snake_ai.errors import SnakeAIError
from snake_ai.evolution.strategies import HybridStrategy, SNESStrategy, WeightsStrategy, make_strategy, select_parents
from snake_ai.evolution.fitness import fitness_rules
from snake_ai.evolution.operators import (crossover_architecture, crossover_neurons, crossover_weights, init_weights,
                                          mirrored_noise, mutate_architecture, mutate_weights, random_architecture,
                                          rank_utilities, self_adapt_sigma, snes_lr_sigma, snes_update, transplant)
from _helpers import cli, history

SPACE = GenomeSpace()


def test_crossover_takes_each_gene_from_a_parent():
    rng = np.random.default_rng(0)
    a, b = np.zeros(500, np.float32), np.ones(500, np.float32)
    c = crossover_weights(a, b, rng)
    assert set(np.unique(c)) == {0.0, 1.0} and 150 < c.sum() < 350
    np.testing.assert_array_equal(c, crossover_weights(a, b, np.random.default_rng(0)))  # pure given the rng


def test_neuron_crossover_moves_whole_units():
    spec = NetSpec.uniform((9, 15), "relu")
    a, b = np.zeros(spec.n_params, np.float32), np.ones(spec.n_params, np.float32)
    c = crossover_neurons(a, b, spec, np.random.default_rng(0))
    np.testing.assert_array_equal(c, crossover_neurons(a, b, spec, np.random.default_rng(0)))  # pure given the rng
    assert np.all(a == 0) and np.all(b == 1)  # the parents are not modified
    from_b = 0
    for ks, (fan_in, fan_out), bs in spec.layer_slices():
        k, bias = c[ks].reshape(fan_in, fan_out), c[bs]
        # each unit (a kernel column and its bias) comes whole from one parent
        assert np.all(k == k[0]) and np.array_equal(k[0], bias)
        from_b += int(bias.sum())
    assert 0 < from_b < 27  # both parents contribute units (9 + 15 + 3)


def test_self_adaptive_sigma_is_log_normal_and_bounded():
    rng = np.random.default_rng(0)
    s = np.array([self_adapt_sigma(0.3, rng, 0.2, 0.03, 0.9) for _ in range(4000)])
    assert abs(np.log(s / 0.3).std() - 0.2) < 0.01 and abs(np.log(s / 0.3).mean()) < 0.01
    assert self_adapt_sigma(0.3, np.random.default_rng(1), 0.2, 0.03, 0.9) == \
        self_adapt_sigma(0.3, np.random.default_rng(1), 0.2, 0.03, 0.9)  # deterministic given the rng
    assert 0.03 <= min(self_adapt_sigma(0.03, rng, 5.0, 0.03, 0.9) for _ in range(200))
    assert max(self_adapt_sigma(0.9, rng, 5.0, 0.03, 0.9) for _ in range(200)) <= 0.9


def test_weights_strategy_self_adaptive_children_carry_their_sigma():
    cfg = EvolveConfig(mode="weights", weight_mutation_tau=0.3, weight_crossover="neuron")
    s = WeightsStrategy(cfg)
    pop = [p.genome for p in s.ask(np.random.default_rng(0), 0)]
    assert all(g.sigma == cfg.weight_mutation_sigma for g in pop)
    fit = np.arange(20.0)
    s.tell(pop, fit)
    nxt = [p.genome for p in s.ask(np.random.default_rng(1), 1)]
    kept = select_parents(fit, cfg.elite, cfg.random_parents, np.random.default_rng(1))
    assert [g.sigma for g in nxt[:len(kept)]] == [pop[i].sigma for i in kept]
    children = nxt[len(kept):]
    assert len({g.sigma for g in children}) == len(children)  # each child its own step size
    for g in children:  # mutated by its own sigma: the step from the closest parent has that size
        assert 0.1 * cfg.weight_mutation_sigma <= g.sigma <= 3 * cfg.weight_mutation_sigma
        if g.origin == "mutated":
            step = min(float(np.std(g.weights - pop[i].weights)) for i in kept)
            assert 0.7 * g.sigma < step < 1.3 * g.sigma
    again = [p.genome for p in s.ask(np.random.default_rng(1), 1)]
    assert [g.sigma for g in again] == [g.sigma for g in nxt]  # deterministic given the rng
    assert all(a.weights.tobytes() == b.weights.tobytes() for a, b in zip(again, nxt))
    assert Genome.from_dict(children[0].to_dict(), children[0].weights).sigma == children[0].sigma  # saved


def test_fitness_games_step_limit_schedule():
    cfg = EvolveConfig(mode="weights", fitness_max_steps=250, fitness_max_steps_doubling=25)
    assert [fitness_rules(cfg, g).max_steps for g in (0, 24, 25, 50, 75, 500)] == [250, 250, 500, 1000, 2000, 2000]
    assert fitness_rules(EvolveConfig(mode="weights", max_steps=700), 9).max_steps == 700  # 0: max_steps
    assert fitness_rules(EvolveConfig(mode="weights", fitness_max_steps=300), 400).max_steps == 300


def test_weight_mutation_rate_and_size():
    w = np.zeros(10_000, np.float32)
    m = mutate_weights(w, np.random.default_rng(1), 0.1, 0.5)
    changed = m != 0
    assert 800 < changed.sum() < 1200 and abs(m[changed].std() - 0.5) < 0.05
    assert np.all(w == 0)  # the input is not modified
    assert (mutate_weights(np.zeros(5, np.float32), np.random.default_rng(1), 1e-9, 1.0) != 0).sum() == 1


def test_architecture_operators_stay_in_the_space():
    rng = np.random.default_rng(2)
    for _ in range(300):
        a, b = random_architecture(rng, SPACE), random_architecture(rng, SPACE)
        for g in (a, b, crossover_architecture(a, b, rng), mutate_architecture(a, rng, SPACE)):
            assert SPACE.min_layers <= len(g.hidden) <= SPACE.max_layers
            assert set(g.hidden) <= set(SPACE.units)
            assert g.activation in SPACE.activations and g.optimizer in SPACE.optimizers


def test_transplant_keeps_overlapping_weights():
    rng = np.random.default_rng(3)
    parent, child = NetSpec.uniform((9, 15), "relu"), NetSpec.uniform((12, 8), "relu")
    w = init_weights(parent, rng) + 1.0
    c = transplant(w, parent, child, rng)
    pk = w[parent.layer_slices()[0][0]].reshape(7, 9)
    ck = c[child.layer_slices()[0][0]].reshape(7, 12)
    np.testing.assert_array_equal(ck[:, :9], pk)
    pk2 = w[parent.layer_slices()[1][0]].reshape(9, 15)
    ck2 = c[child.layer_slices()[1][0]].reshape(12, 8)
    np.testing.assert_array_equal(ck2[:9, :8], pk2[:, :8])
    np.testing.assert_array_equal(c[child.layer_slices()[2][2]], w[parent.layer_slices()[2][2]])  # output bias


def test_selection_keeps_top_and_random_others():
    fit = np.arange(20, dtype=float)[::-1]  # genome 0 best
    idx = select_parents(fit, 5, 3, np.random.default_rng(0))
    assert idx[:5] == [0, 1, 2, 3, 4] and len(set(idx)) == 8 and all(i >= 5 for i in idx[5:])


def test_weight_mutation_changes_exactly_what_it_says():
    w = np.random.default_rng(0).normal(size=2000).astype(np.float32)
    m = mutate_weights(w, np.random.default_rng(5), 0.05, 0.3)
    changed = np.flatnonzero(m != w)
    # the same generator draws the same mask: exactly those genes changed, nothing else
    mask = np.random.default_rng(5).random(w.size) < 0.05
    np.testing.assert_array_equal(changed, np.flatnonzero(mask))
    a = GenomeSpace(min_layers=1, max_layers=4)
    g = Genome((9, 15), "relu", "adam")
    for seed in range(50):  # one architecture gene changes, the others stay
        c = mutate_architecture(g, np.random.default_rng(seed), a)
        diffs = (c.activation != g.activation) + (c.optimizer != g.optimizer) + (c.hidden != g.hidden)
        assert diffs <= 1 and c.origin == "mutated"
        if c.hidden != g.hidden:
            assert abs(len(c.hidden) - len(g.hidden)) <= 1
            if len(c.hidden) == len(g.hidden):
                assert sum(x != y for x, y in zip(c.hidden, g.hidden)) <= 1


def test_weights_strategy_keeps_elites_unmutated_and_mutates_children():
    cfg = EvolveConfig(mode="weights")
    s = WeightsStrategy(cfg)
    first = s.ask(np.random.default_rng(0), 0)
    assert len(first) == 20 and all(p.job is None for p in first)
    pop = [p.genome for p in first]
    fit = np.random.default_rng(0).random(20)
    s.tell(pop, fit)
    nxt = s.ask(np.random.default_rng(1), 1)
    kept = select_parents(fit, cfg.elite, cfg.random_parents, np.random.default_rng(1))
    for k, i in enumerate(kept):
        assert nxt[k].genome.weights.tobytes() == pop[i].weights.tobytes()
    parents = [pop[i] for i in kept]
    steps = []
    for p in nxt[len(kept):]:  # a child differs from every parent, by small steps of its own size
        diff = min(int((p.genome.weights != q.weights).sum()) for q in parents)
        assert 0 < diff and p.job is None
        if p.genome.origin == "mutated":
            step = min(float(np.std(p.genome.weights - q.weights)) for q in parents)
            lo, hi = 2.0 ** -cfg.weight_mutation_spread, 2.0 ** cfg.weight_mutation_spread
            assert 0.5 * lo * cfg.weight_mutation_sigma < step < 1.5 * hi * cfg.weight_mutation_sigma
            steps.append(step)
    assert len(steps) >= 2 and max(steps) > 1.2 * min(steps)  # each child draws its own sigma
    assert s.sigma(0) == cfg.weight_mutation_sigma and s.sigma(10_000) == pytest.approx(0.1 * cfg.weight_mutation_sigma)


def test_snes_operators():
    rng = np.random.default_rng(0)
    eps = mirrored_noise(rng, 7, 5)
    assert eps.shape == (7, 5) and np.array_equal(eps[:3], -eps[3:6]) and not np.array_equal(eps[6], -eps[0])
    u = rank_utilities(np.array([3.0, 9.0, 1.0, 5.0]))
    assert u.sum() == pytest.approx(0.0) and list(np.argsort(-u)) == [1, 3, 0, 2] and u[1] > u[3] > u[0] == u[2]
    assert np.array_equal(rank_utilities(np.array([2.0, 2.0])), rank_utilities(np.array([2.0, 1.0])))  # ties: earlier
    # the fitter direction pulls the mean; a sigma grows where the winners went far, shrinks where they stayed
    mean, sigma = np.zeros(2), np.ones(2)
    eps = np.array([[3.0, 0.1], [0.2, 2.0]])  # the first sample wins: far along weight 0, near on weight 1
    m, s = snes_update(mean, sigma, eps, rank_utilities(np.array([1.0, 0.0])), 1.0, 0.5)
    np.testing.assert_allclose(m, [0.5 * (3.0 - 0.2), 0.5 * (0.1 - 2.0)])
    assert s[0] > 1.0 > s[1]
    m2, s2 = snes_update(mean, sigma, np.array([[3.0, 0.1], [-3.0, -0.1]]), rank_utilities(np.array([1.0, 0.0])), 1.0, 0.5)
    assert m2[0] == 3.0 and np.array_equal(s2, sigma)  # a mirrored pair moves the mean, never the sigmas
    assert snes_lr_sigma(270) == pytest.approx((3 + np.log(270)) / (5 * np.sqrt(270)))


def test_snes_strategy_samples_around_its_mean_and_moves_towards_the_fitter():
    cfg = EvolveConfig(mode="weights")
    s = make_strategy(cfg)
    assert isinstance(s, SNESStrategy) and isinstance(make_strategy(cfg.with_(weight_search="ga")), WeightsStrategy)
    first = s.ask(np.random.default_rng(0), 0)
    assert len(first) == 20 and all(p.job is None for p in first)
    pop = [p.genome for p in first]
    mean = pop[0].weights
    assert pop[0].origin == "mean" and all(g.origin == "sampled" for g in pop[1:])
    # samples in mirrored pairs around the mean, at the starting sigma
    np.testing.assert_allclose(pop[1].weights + pop[10].weights, 2 * mean, atol=1e-5)
    assert np.std(pop[1].weights - mean) == pytest.approx(cfg.weight_mutation_sigma, rel=0.2)
    fit = np.zeros(20)
    fit[3] = 1.0  # one sample is fitter than the rest
    s.tell(pop, fit)
    moved = s.mean - mean
    assert np.dot(moved, pop[3].weights - mean) > 0 and np.dot(moved, pop[12].weights - mean) < 0
    state = s.state()
    nxt = s.ask(np.random.default_rng(1), 1)
    assert nxt[0].genome.weights.tobytes() == state["mean"].astype(np.float32).tobytes()
    # a resumed strategy (the checkpoint's generation and state) asks exactly the same
    again = make_strategy(cfg)
    again.resume(pop, fit, None, state)
    assert all(a.genome.weights.tobytes() == b.genome.weights.tobytes()
               for a, b in zip(again.ask(np.random.default_rng(1), 1), nxt))
    with pytest.raises(SnakeAIError, match="snes state"):
        make_strategy(cfg).resume(pop, fit, None, {})


def _trained(hidden, act="relu", opt="adam", seed=0):
    g = Genome(hidden, act, opt)
    return g.with_weights(init_weights(g.spec, np.random.default_rng(seed)), "trained")


def _child(strategy, parents, fitness, seed):
    return strategy.child(parents, np.asarray(fitness, float), np.random.default_rng(seed), 1)


def test_hybrid_child_of_the_same_architecture_crosses_weights_without_training():
    s = HybridStrategy(EvolveConfig(mutation_prob=0.0))
    a, b = _trained((9, 15), seed=1), _trained((9, 15), opt="nadam", seed=2)
    p = _child(s, [a, b], [2.0, 1.0], 0)
    assert p.job is None and p.genome.same_architecture(a)
    w = p.genome.weights
    from_a, from_b = np.isclose(w, a.weights, atol=0.5), np.isclose(w, b.weights, atol=0.5)
    assert np.all(from_a | from_b) and from_a.mean() > 0.2 and from_b.mean() > 0.2


def test_hybrid_child_of_different_architectures_is_retrained_from_a_transplant():
    s = HybridStrategy(EvolveConfig(mutation_prob=0.0))
    a, b = _trained((9, 15), seed=1), _trained((32,), "tanh", seed=2)
    retrained = kept = 0
    for seed in range(40):
        p = _child(s, [a, b], [2.0, 1.0], seed)
        if p.job is not None:
            retrained += 1
            assert not (p.genome.same_architecture(a) or p.genome.same_architecture(b))
            assert p.genome.origin == "retrained" and p.job.hidden == p.genome.hidden
            assert p.job.init_weights.size == p.genome.spec.n_params
        else:  # its architecture is one parent's: it starts from that parent's weights, mutated
            kept += 1
            parent = a if p.genome.same_architecture(a) else b
            assert p.genome.same_architecture(parent)
            assert 0 < (p.genome.weights != parent.weights).sum() < 0.3 * parent.weights.size
    assert retrained and kept


def test_hybrid_child_with_a_mutated_architecture_is_retrained():
    s = HybridStrategy(EvolveConfig(mutation_prob=1.0))
    a, b = _trained((9, 15), seed=1), _trained((9, 15), seed=2)
    shapes = 0
    for seed in range(30):
        p = _child(s, [a, b], [2.0, 1.0], seed)
        if p.genome.same_architecture(a):  # the mutation changed only the optimizer
            assert p.job is None
        else:
            shapes += 1
            assert p.job is not None and p.genome.origin == "retrained"
    assert shapes > 10


def test_hybrid_refines_the_fittest_parents_in_turn_then_breeds():
    cfg = EvolveConfig()
    assert cfg.refine_share == 0.5 and cfg.refine_children == 6 and cfg.weight_mutation_spread == 2.0
    s = HybridStrategy(cfg)
    pop = [_trained((9, 15), seed=i) for i in range(10)] + [_trained((32,), "tanh", seed=i) for i in range(10, 20)]
    fit = np.random.default_rng(3).random(20)
    s.tell(pop, fit)
    nxt = s.ask(np.random.default_rng(4), 1)
    assert len(nxt) == 20
    kept = select_parents(fit, cfg.elite, cfg.random_parents, np.random.default_rng(4))
    order = np.argsort(-fit, kind="stable")
    refined = nxt[len(kept):len(kept) + cfg.refine_children]
    steps = []
    for r, p in enumerate(refined):  # the best, the second, the third, the best again...
        parent = pop[int(order[r % 3])]
        assert p.job is None and p.genome.origin == "refined" and p.genome.same_architecture(parent)
        assert p.genome.optimizer == parent.optimizer
        changed = p.genome.weights != parent.weights
        assert 0 < changed.sum() < 3 * cfg.weight_mutation_rate * changed.size
        steps.append(float(np.std((p.genome.weights - parent.weights)[changed])))
    lo, hi = 2.0 ** -cfg.weight_mutation_spread, 2.0 ** cfg.weight_mutation_spread
    assert all(0.5 * lo * cfg.weight_mutation_sigma < x < 1.5 * hi * cfg.weight_mutation_sigma for x in steps)
    assert max(steps) > 1.2 * min(steps)  # each refinement draws its own sigma
    assert all(p.genome.origin != "refined" for p in nxt[len(kept) + cfg.refine_children:])
    # only parents at least as fit as the teacher (the reference) are refined; none: all bred
    s.tell(pop, fit, reference=float(fit[order[1]]))
    nxt = s.ask(np.random.default_rng(4), 1)
    refined = [p for p in nxt if p.genome.origin == "refined"]
    assert len(refined) == cfg.refine_children
    assert all(any(p.genome.same_architecture(pop[int(i)]) and
                   (p.genome.weights != pop[int(i)].weights).sum() < 0.5 * p.genome.weights.size
                   for i in order[:2]) for p in refined)
    s.tell(pop, fit, reference=float(fit.max()) + 1)
    assert all(p.genome.origin != "refined" for p in s.ask(np.random.default_rng(4), 1))
    # without refinements every child is bred, as the study did
    s0 = HybridStrategy(EvolveConfig(refine_share=0.0))
    s0.tell(pop, fit)
    assert all(p.genome.origin != "refined" for p in s0.ask(np.random.default_rng(4), 1))
    assert EvolveConfig(mode="architecture").refine_children == 0 == EvolveConfig(mode="weights").refine_share
    assert EvolveConfig(population=4, elite=1, random_parents=1).refine_children == 1


def test_validation_replays_only_genomes_it_has_not_seen():
    from snake_ai.engine import Rules, derive_seeds, pack, play_networks
    from snake_ai.evolution.run import validate

    calls = []

    def evaluator(genomes, seeds, rules):
        calls.append(len(genomes))
        return play_networks(pack([g.network() for g in genomes]), seeds, rules)

    rules, seeds = Rules.classic(20, 200), derive_seeds(0, 30)
    a, b, c = _trained((9,), seed=1), _trained((9,), seed=2), _trained((9,), seed=3)
    cache = {}
    first = validate([a, b, a], seeds, rules, evaluator, cache)
    assert calls == [2] and first[0] == first[2]
    again = validate([b, c, a.with_weights(a.weights, "kept")], seeds, rules, evaluator, cache)
    assert calls == [2, 1] and again[0] == first[1] and again[2] == first[0]
    fresh = play_networks([g.network() for g in (a, b, c)], seeds, rules).apples.mean(1)
    np.testing.assert_array_equal([first[0], first[1], again[1]], fresh)


BUDGET = TrainBudget(rows=4096, epochs=2, batch_size=512, lr_scale=2.0, pool_games=5, pool_seed=0,
                     pool_start=2**41, board=50, max_steps=2000)


def test_one_program_training_is_exact_whatever_shares_the_program():
    x, y = teacher_pool(BUDGET)
    X, Y = batches(x, y, BUDGET, 7)
    assert X.shape == (16, 512, 7)
    jobs = [TrainJob((9, 15), "relu", "adam", None, 1), TrainJob((16,), "selu", "nadam", None, 2),
            TrainJob((8, 8, 8), "tanh", "sgd", None, 3), TrainJob((4,), "sigmoid", "adadelta", None, 4)]
    together = train_branches(jobs, X, Y, BUDGET)
    alone = train_branches(jobs[1:2], X, Y, BUDGET)
    reversed_ = train_branches(jobs[::-1], X, Y, BUDGET)
    assert together[1].tobytes() == alone[0].tobytes()
    assert all(a.tobytes() == b.tobytes() for a, b in zip(together, reversed_[::-1]))
    for j, w in zip(jobs, together):  # trained: the weights moved and the network agrees with the teacher
        assert w.size == NetSpec.uniform(j.hidden, j.activation).n_params and np.all(np.isfinite(w))
    from snake_ai.engine import Network

    net = Network(NetSpec.uniform((9, 15), "relu"), together[0])
    assert (net.forward(x[:2000]).argmax(1) == y[:2000].argmax(1)).mean() > 0.8


W_ARGS = ["--mode", "weights", "--population", "8", "--elite", "2", "--random-parents", "1", "--games", "30",
          "--max-steps", "400", "--heldout-games", "60"]


def test_weights_run_directory(tmp_path):
    run = tmp_path / "run"
    p = cli("evolve", *W_ARGS, "--generations", "3", "--seed", "4", "--out", str(run), "--json")
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout.splitlines()[-1])
    assert r["run_dir"] == str(run) and r["generations"] == 3 and "heldout_mean_apples" in r and r["seconds"] > 0
    assert r["searched_teacher_mean_apples"] is None and not (run / "teacher.json").exists()  # weights mode: no teacher
    for f in ("config.toml", "history.csv", "checkpoint.npz", "best.keras", "best.npz", "best.json", "fitness.png",
              "architectures.png", "summary.json"):
        assert (run / f).exists(), f
    assert [int(h["generation"]) for h in history(run)] == [0, 1, 2]
    versions = json.loads((run / "best.json").read_text())["versions"]  # what decides the figures
    assert versions["numpy"] == np.__version__ and set(versions) >= {"numba", "tensorflow", "keras"}
    from snake_ai.policy.tf import keras

    assert keras().models.load_model(run / "best.keras").output_shape == (None, 3)
    e = cli("evaluate", str(run), "--games", "40", "--max-steps", "400", "--json")
    assert e.returncode == 0, e.stderr
    # a new run from the saved config gives the same history
    p = cli("evolve", "--config", str(run / "config.toml"), "--out", str(tmp_path / "again"))
    assert p.returncode == 0, p.stderr
    assert history(tmp_path / "again") == history(run)
    # an existing run is never overwritten without --force
    before = (run / "history.csv").read_bytes()
    p = cli("evolve", *W_ARGS, "--generations", "2", "--out", str(run))
    assert p.returncode == 2 and "--force" in p.stderr and (run / "history.csv").read_bytes() == before


def test_kill_9_then_resume_gives_the_identical_history(tmp_path):
    args = [*W_ARGS, "--generations", "40", "--seed", "7"]
    full = tmp_path / "full"
    assert cli("evolve", *args, "--out", str(full)).returncode == 0
    run = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "snake_ai.cli.main", "evolve", *args, "--out", str(run)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while time.time() < deadline:
        if (run / "history.csv").exists() and len(history(run)) >= 3:
            break
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done = len(history(run))
    assert 3 <= done < 40, "the run was not interrupted mid-way"
    p = cli("evolve", "--resume", str(run))
    assert p.returncode == 0, p.stderr
    assert history(run) == history(full)
    assert json.loads((run / "best.json").read_text())["heldout_mean_apples"] == \
        json.loads((full / "best.json").read_text())["heldout_mean_apples"]


def test_weights_options_resume_exactly(tmp_path):
    """Self-adaptive sigmas travel in the checkpoint and the fitness games' step limit follows the
    generation, so a resumed run with every weights-mode option on repeats the straight run."""
    from snake_ai.evolution.rundir import read_checkpoint
    from snake_ai.evolution.run import evolve, prepare_new, prepare_resume

    cfg = EvolveConfig(mode="weights", population=6, elite=2, games=12, validation_games=12, heldout_games=12,
                       max_steps=300, generations=4, seed=5, weight_search="ga", weight_mutation_tau=0.3,
                       weight_crossover="neuron",
                       crossover_prob=0.5, fitness_max_steps=60, fitness_max_steps_doubling=1).validate()
    evolve(prepare_new(cfg, tmp_path / "full", False))
    evolve(prepare_new(cfg.with_(generations=2), tmp_path / "part", False))
    evolve(prepare_resume(tmp_path / "part", generations=4))
    assert history(tmp_path / "part") == history(tmp_path / "full")
    genomes = read_checkpoint(tmp_path / "part")[1]
    assert all(g.sigma is not None for g in genomes) and len({g.sigma for g in genomes}) > 2
    assert [g.sigma for g in genomes] == [g.sigma for g in read_checkpoint(tmp_path / "full")[1]]


def test_a_run_saved_before_snes_resumes_with_its_ga(tmp_path):
    """A weights-mode run written by a version without ``weight_search`` (in its config.toml and
    its checkpoint) was a GA run, and resumes as one."""
    from snake_ai.evolution.run import evolve, prepare_new, prepare_resume

    cfg = EvolveConfig(mode="weights", weight_search="ga", population=6, elite=2, games=10, validation_games=10,
                       heldout_games=10, max_steps=200, generations=3, seed=2, probe_weight=0.0).validate()
    evolve(prepare_new(cfg, tmp_path / "full", False))
    old = tmp_path / "old"
    evolve(prepare_new(cfg.with_(generations=2), old, False))
    new_keys = ("weight_search", "snes_lr_mean", "snes_lr_sigma", "snes_sigma_decay", "probe_weight", "probe_states",
                "probe_score")
    text = (old / "config.toml").read_text()
    (old / "config.toml").write_text("".join(line for line in text.splitlines(True) if not line.startswith(new_keys)))
    with np.load(old / "checkpoint.npz") as z:
        arrays = {k: z[k] for k in z.files}
    meta = json.loads(str(arrays["meta"]))
    meta["config"] = {k: v for k, v in meta["config"].items() if k not in new_keys}
    arrays["meta"] = np.array(json.dumps(meta))
    np.savez(old / "checkpoint.npz", **arrays)
    evolve(prepare_resume(old, generations=3))
    assert history(old) == history(tmp_path / "full")
    assert 'weight_search = "ga"' in (old / "config.toml").read_text() and "probe_weight = 0.0" in (old / "config.toml").read_text()


H_ARGS = ["--population", "4", "--elite", "1", "--random-parents", "1", "--games", "20", "--max-steps", "300",
          "--heldout-games", "40", "--train-rows", "4000", "--train-epochs", "1", "--seed", "3", "--teacher-games", "30"]


@pytest.mark.slow
def test_hybrid_is_deterministic_across_workers_and_resume(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    cfg = ["--config", str(tmp_path / "c.toml")]
    (tmp_path / "c.toml").write_text("train_games = 8\nvalidation_games = 40\n")
    p = cli("evolve", *H_ARGS, *cfg, "--generations", "3", "--workers", "2", "--out", str(a))
    assert p.returncode == 0, p.stderr
    p = cli("evolve", *H_ARGS, *cfg, "--generations", "2", "--workers", "1", "--out", str(b))
    assert p.returncode == 0, p.stderr
    p = cli("evolve", "--resume", str(b), "--generations", "3", "--workers", "1")
    assert p.returncode == 0, p.stderr
    assert history(a) == history(b)
    assert int(history(a)[0]["trainings"]) == 4
    assert all(float(r["validation_apples"]) >= 0 for r in history(a))


def test_snes_needs_no_room_for_parents(tmp_path):
    cfg = EvolveConfig(mode="weights", population=3, games=5, validation_games=5, heldout_games=5, max_steps=50,
                       generations=2).validate()  # 3 elite by default: the GA would refuse this
    with pytest.raises(SnakeAIError, match="no room for children"):
        cfg.with_(weight_search="ga").validate()
    from snake_ai.evolution.run import evolve, prepare_new

    evolve(prepare_new(cfg, tmp_path / "r", False))
    assert [r["architectures"].count(";") for r in history(tmp_path / "r")] == [2, 2]  # the mean and 2 samples


@pytest.mark.parametrize("args,msg", [
    (["--generations", "0"], "generations"),
    (["--population", "1"], "population"),
    (["--population", "6", "--elite", "5", "--random-parents", "3"], "more than"),
    (["--mode", "darwin"], "mode"),
    (["--refine-share", "1.5"], "refine_share"),
])
def test_bad_configurations(tmp_path, args, msg):
    p = cli("evolve", *args, "--out", str(tmp_path / "r"))
    assert p.returncode == 2 and msg in p.stderr and len(p.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "r").exists()


def test_bad_config_file_and_resume_targets(tmp_path):
    (tmp_path / "bad.toml").write_text('mode = "hybrid"\n[space]\nactivations = ["relu", "swish"]\n')
    p = cli("evolve", "--config", str(tmp_path / "bad.toml"), "--out", str(tmp_path / "r"))
    assert p.returncode == 2 and "swish" in p.stderr
    (tmp_path / "table.toml").write_text("games = {a = 1}\n")  # a mode-dependent key: int or unset
    p = cli("evolve", "--config", str(tmp_path / "table.toml"), "--out", str(tmp_path / "r"))
    assert p.returncode == 2 and "games must be an integer" in p.stderr and "Traceback" not in p.stderr
    (tmp_path / "typo.toml").write_text("populaton = 3\n")
    p = cli("evolve", "--config", str(tmp_path / "typo.toml"))
    assert p.returncode == 2 and "populaton" in p.stderr
    (tmp_path / "plain").mkdir()
    p = cli("evolve", "--resume", str(tmp_path / "plain"))
    assert p.returncode == 2 and "not a snake-ai run" in p.stderr
    p = cli("evolve", "--resume", str(tmp_path / "missing"))
    assert p.returncode == 2


def test_corrupt_checkpoint_is_refused_and_left_alone(tmp_path):
    run = tmp_path / "run"
    assert cli("evolve", *W_ARGS, "--generations", "2", "--out", str(run)).returncode == 0
    ck = run / "checkpoint.npz"
    ck.write_bytes(ck.read_bytes()[:200])
    before = {f.name: f.read_bytes() for f in run.iterdir()}
    p = cli("evolve", "--resume", str(run), "--generations", "3")
    assert p.returncode == 2 and "corrupt checkpoint" in p.stderr and "Traceback" not in p.stderr
    assert {f.name: f.read_bytes() for f in run.iterdir()} == before
    p = cli("evolve", "--resume", str(run), "--population", "9")
    assert p.returncode == 2 and "--population" in p.stderr


@pytest.mark.slow
def test_teacher_search_is_saved_once_and_older_hybrid_runs_keep_the_studys_teacher(tmp_path):
    """A hybrid run searches its teacher before generation 0 and saves it (teacher.json); a resumed
    run reads it back rather than searching again. A hybrid run written by a version without the
    teacher search (no teacher_* keys) learnt from the study's teacher, and resumes so."""
    from snake_ai.evolution.run import evolve, prepare_new, prepare_resume

    cfg = EvolveConfig(population=4, elite=1, random_parents=1, games=10, validation_games=10, heldout_games=10,
                       max_steps=200, train_games=4, train_rows=2000, train_epochs=1, generations=2, seed=4,
                       teacher_games=15, teacher_sweeps=1).validate()
    summary = evolve(prepare_new(cfg, tmp_path / "full", False))
    search = json.loads((tmp_path / "full" / "teacher.json").read_text())
    assert summary["searched_teacher_mean_apples"] is not None and search["games"] == 15
    part = tmp_path / "part"
    evolve(prepare_new(cfg.with_(generations=1), part, False))
    marked = json.loads((part / "teacher.json").read_text())
    assert marked["moves"] == search["moves"]  # the search is deterministic
    marked["seconds"] = 999.0
    (part / "teacher.json").write_text(json.dumps(marked))
    evolve(prepare_resume(part, generations=2))
    assert history(part) == history(tmp_path / "full")
    assert json.loads((part / "teacher.json").read_text())["seconds"] == 999.0  # read, not searched again

    study = cfg.with_(teacher_sweeps=0)
    evolve(prepare_new(study, tmp_path / "study", False))
    assert not (tmp_path / "study" / "teacher.json").exists()
    old = tmp_path / "old"
    evolve(prepare_new(study.with_(generations=1), old, False))
    text = (old / "config.toml").read_text()
    (old / "config.toml").write_text("".join(line for line in text.splitlines(True) if not line.startswith("teacher_")))
    with np.load(old / "checkpoint.npz") as z:
        arrays = {k: z[k] for k in z.files}
    meta = json.loads(str(arrays["meta"]))
    meta["config"] = {k: v for k, v in meta["config"].items() if not k.startswith("teacher_")}
    arrays["meta"] = np.array(json.dumps(meta))
    np.savez(old / "checkpoint.npz", **arrays)
    evolve(prepare_resume(old, generations=2))
    assert history(old) == history(tmp_path / "study")
    assert "teacher_sweeps = 0" in (old / "config.toml").read_text() and not (old / "teacher.json").exists()


def test_probe_situations_are_scored_by_the_board_alone():
    from snake_ai.engine.core import turn
    from snake_ai.evolution.fitness import probe_scores, probe_situations

    s = probe_situations(7, 3000)
    again = probe_situations(7, 3000)
    np.testing.assert_array_equal(s.x, again.x)
    np.testing.assert_array_equal(s.value, again.value)  # drawn from the seed alone
    assert s.x.shape == (3000, 7) and s.value.shape == (3000, 3) and set(np.unique(s.value)) == {-1.0, 0.0, 1.0}
    np.testing.assert_allclose(np.hypot(s.x[:, 3], s.x[:, 4]), 1.0, rtol=1e-6)  # the apple's unit vector
    assert 0.15 < s.x[:, :3].mean() < 0.35  # a quarter of the neighbouring cells blocked
    for k in range(0, 3000, 37):  # a move's value, recomputed from the rules' own turn
        hx, hy = int(s.x[k, 5]), int(s.x[k, 6])
        for move in range(3):
            mx, my = turn(hx, hy, move)
            ax, ay = s.x[k, 3], s.x[k, 4]
            if s.x[k, move] > 0:
                assert s.value[k, move] == -1
            else:  # closer: the step has a positive component along the apple's direction, on its axis
                closer = (mx != 0 and np.sign(mx) == np.sign(ax) and ax != 0) or (my != 0 and np.sign(my) == np.sign(ay) and ay != 0)
                assert s.value[k, move] == float(closer), (k, move)
    # a network that always goes straight on scores the straight moves' mean value
    spec = NetSpec.uniform((4,), "relu")
    w = np.zeros(spec.n_params, np.float32)
    w[-3:] = (0.0, 1.0, 0.0)  # output biases: straight wins everywhere
    always = Genome((4,), "relu", "none").with_weights(w, "hand")
    assert probe_scores([always], s, "move")[0] == pytest.approx(s.value[:, 1].mean())
    # expected: each move's value weighed by the softmax; here softmax(0, 1, 0) everywhere
    p = np.exp([0.0, 1.0, 0.0]) / np.exp([0.0, 1.0, 0.0]).sum()
    assert probe_scores([always], s)[0] == pytest.approx((s.value * p).sum(axis=1).mean(), rel=1e-6)
    w[-3:] = (0.0, 30.0, 0.0)  # a confident network: the expected score is that of its move
    sure = Genome((4,), "relu", "none").with_weights(w, "hand")
    assert probe_scores([sure], s)[0] == pytest.approx(s.value[:, 1].mean(), rel=1e-9)
    with pytest.raises(ValueError):
        probe_scores([always], s, "soft")


def test_snes_sigmas_decay_after_each_update():
    cfg = EvolveConfig(mode="weights", population=6, snes_sigma_decay=0.5)
    s = make_strategy(cfg)
    rng = np.random.default_rng(0)
    genomes = [p.genome for p in s.ask(rng, 0)]
    mean, sigma, eps = s.mean.copy(), s.sigma.copy(), s.eps.copy()
    fitness = np.arange(6.0)
    s.tell(genomes, fitness)
    _, expected = snes_update(mean, sigma, eps, rank_utilities(fitness[1:]), cfg.snes_lr_mean, snes_lr_sigma(len(mean)))
    np.testing.assert_allclose(s.sigma, 0.5 * expected)
    assert EvolveConfig(mode="weights").snes_sigma_decay == 1  # an option
    assert EvolveConfig(mode="weights").probe_weight == 1000  # on for snes, off for the GA and the other modes
    assert EvolveConfig(mode="weights", weight_search="ga").probe_weight == 0 == EvolveConfig().probe_weight
    for bad in ({"snes_sigma_decay": 0.0}, {"snes_sigma_decay": 1.5}, {"probe_weight": -1.0}, {"probe_states": 0},
                {"probe_score": "soft"}):
        with pytest.raises(SnakeAIError):
            EvolveConfig(mode="weights", **bad).validate()


def test_the_probe_score_adds_to_the_fitness(tmp_path):
    from snake_ai.evolution.fitness import probe_scores, probe_situations
    from snake_ai.evolution.rundir import read_checkpoint
    from snake_ai.evolution.run import evolve, prepare_new

    cfg = EvolveConfig(mode="weights", population=6, games=8, validation_games=8, heldout_games=8, max_steps=200,
                       generations=1, seed=6, probe_states=500, probe_weight=0.0)
    evolve(prepare_new(cfg, tmp_path / "plain", False))
    evolve(prepare_new(cfg.with_(probe_weight=50.0), tmp_path / "probed", False))
    _, genomes, plain, apples, *_ = read_checkpoint(tmp_path / "plain")
    _, same, probed, apples2, *_ = read_checkpoint(tmp_path / "probed")
    assert all(a.weights.tobytes() == b.weights.tobytes() for a, b in zip(genomes, same))  # generation 0: the same asks
    np.testing.assert_array_equal(apples, apples2)
    np.testing.assert_allclose(probed - plain, 50.0 * probe_scores(genomes, probe_situations(6, 500)))
