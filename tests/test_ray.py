"""The Ray backend on a real local Ray: same history as the local backend, survives a dead actor."""

import subprocess
import sys

import numpy as np
import pytest

ray = pytest.importorskip("ray")

from snake_ai.engine import Rules, derive_seeds  # noqa: E402
from snake_ai.evolution import EvolveConfig  # noqa: E402
from snake_ai.evolution.fitness import evaluate_local  # noqa: E402
from snake_ai.evolution.ga import generation_rng  # noqa: E402
from snake_ai.evolution.strategies import make_strategy  # noqa: E402
from snake_ai.evolution.run import evolve, prepare_new  # noqa: E402
from _helpers import history


@pytest.fixture(scope="module")
def backend():
    from snake_ai.distributed.ray_backend import RayBackend

    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    b = RayBackend()
    yield b
    b.shutdown()
    ray.shutdown()


CFG = EvolveConfig(mode="weights", generations=3, population=12, elite=3, random_parents=2, games=40,
                   max_steps=500, heldout_games=50, seed=9)


def test_actors_compiled_and_slices_match_local(backend):
    assert backend.n_actors == 2
    assert len({ray.get(a.ping.remote()) for a in backend.actors}) == 2  # two processes
    genomes = [p.genome for p in make_strategy(CFG).ask(generation_rng(CFG, 0), 0)]
    seeds = derive_seeds(1, 30)
    local = evaluate_local(genomes, seeds, Rules(max_steps=500))
    remote = backend.evaluate(genomes, seeds, Rules(max_steps=500))
    for f in ("apples", "steps", "status", "approach"):
        np.testing.assert_array_equal(getattr(local, f), getattr(remote, f))


def test_same_history_as_local_backend(backend, tmp_path):
    evolve(prepare_new(CFG, tmp_path / "local", False))
    evolve(prepare_new(CFG, tmp_path / "ray", False), trainer=backend.trainer, evaluator=backend.evaluate)
    assert history(tmp_path / "ray") == history(tmp_path / "local")


def test_survives_an_actor_killed_mid_generation(backend, tmp_path):
    evolve(prepare_new(CFG, tmp_path / "local", False))
    killed = []

    def evaluator(genomes, seeds, rules):
        def kill(b):  # the calls are in flight: kill one actor under them, once
            if not killed:
                ray.kill(b.actors[0], no_restart=True)
                killed.append(True)
        return backend.evaluate(genomes, seeds, rules, on_submitted=kill)

    before = backend.restarts
    evolve(prepare_new(CFG, tmp_path / "faulty", False), trainer=backend.trainer, evaluator=evaluator)
    assert killed and backend.restarts == before + 1
    assert history(tmp_path / "faulty") == history(tmp_path / "local")


def test_keras_training_on_ray_matches_local(backend):
    from snake_ai.engine import teacher_table
    from snake_ai.evolution.run import train_budget
    from snake_ai.evolution.teacher import TeacherSearch
    from snake_ai.evolution.training import LocalTrainer

    cfg = EvolveConfig(population=5, elite=1, random_parents=1, train_games=5, train_rows=3000, train_epochs=1,
                       seed=2)
    jobs = [p.job for p in make_strategy(cfg).ask(generation_rng(cfg, 0), 0)]
    seen_remote, seen_local = [], []
    table = teacher_table(2)
    table[0, 2] = 1  # a searched teacher's table, not the study's: the actors build their pool from it
    budget = train_budget(cfg, TeacherSearch(table, (0.0,), (), 1, 0.0))
    backend.trainer.prepare(budget)
    remote = backend.trainer.train(jobs, 11, progress=lambda done, total: seen_remote.append((done, total)))
    assert len(backend.trainer.actors) == 2  # the generation was split over two training actors
    local = LocalTrainer(workers=1)
    try:
        local.prepare(budget)
        here = local.train(jobs, 11, progress=lambda done, total: seen_local.append((done, total)))
    finally:
        local.close()
    for a, b in zip(remote, here):
        assert a.tobytes() == b.tobytes()
    # progress: 0/n first, then as each actor's (worker's) group of branches finishes, up to n/n
    n = len(jobs)
    assert seen_local == [(0, n), (n, n)]
    assert seen_remote[0] == (0, n) and seen_remote[-1] == (n, n) and len(seen_remote) == 3
    assert [d for d, _ in seen_remote] == sorted(d for d, _ in seen_remote)


def test_cli_ray_backend_equals_local(tmp_path):
    args = ["evolve", "--mode", "weights", "--generations", "3", "--seed", "9", "--population", "10", "--elite", "3",
            "--random-parents", "2", "--games", "30", "--heldout-games", "30"]
    for backend_name in ("local", "ray"):
        p = subprocess.run([sys.executable, "-m", "snake_ai.cli.main", *args, "--backend", backend_name, "--out",
                            str(tmp_path / backend_name)], capture_output=True, text=True, timeout=600)
        assert p.returncode == 0, p.stderr
    assert history(tmp_path / "ray") == history(tmp_path / "local")
