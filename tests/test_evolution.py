"""The genetic algorithm: operators, selection, runs, resume, determinism and bad configs."""

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from snake_ai.engine import NetSpec
from snake_ai.evolution import EvolveConfig, GenomeSpace
from snake_ai.evolution.ga import breed, initial_population, select_parents
from snake_ai.evolution.operators import (crossover_architecture, crossover_weights, init_weights,
                                          mutate_architecture, mutate_weights, random_architecture, transplant)
from snake_ai.evolution.rundir import TIMING_COLUMNS

SPACE = GenomeSpace()


def test_crossover_takes_each_gene_from_a_parent():
    rng = np.random.default_rng(0)
    a, b = np.zeros(500, np.float32), np.ones(500, np.float32)
    c = crossover_weights(a, b, rng)
    assert set(np.unique(c)) == {0.0, 1.0} and 150 < c.sum() < 350
    np.testing.assert_array_equal(c, crossover_weights(a, b, np.random.default_rng(0)))  # pure given the rng


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
    cfg = EvolveConfig()
    fit = np.arange(20, dtype=float)[::-1]  # genome 0 best
    idx = select_parents(fit, cfg, np.random.default_rng(0))
    assert idx[:5] == [0, 1, 2, 3, 4] and len(set(idx)) == 8 and all(i >= 5 for i in idx[5:])


def test_weights_mode_breeding_keeps_parents():
    cfg = EvolveConfig(mode="weights")
    pop, jobs = initial_population(cfg)
    assert all(j is None for j in jobs) and len(pop) == 20
    fit = np.random.default_rng(0).random(20)
    nxt, jobs = breed(pop, fit, cfg, 1)
    kept = select_parents(fit, cfg, np.random.default_rng([0, 1, 0x5A4E]))
    for k, i in enumerate(kept):
        assert nxt[k].weights.tobytes() == pop[i].weights.tobytes()
    assert len(nxt) == 20 and all(j is None for j in jobs)


def cli(*args, **kw):
    return subprocess.run([sys.executable, "-m", "snake_ai.cli.main", *args], capture_output=True, text=True,
                          timeout=900, **kw)


def history(run):
    with open(Path(run) / "history.csv") as f:
        return [{k: v for k, v in row.items() if k not in TIMING_COLUMNS} for row in csv.DictReader(f)]


W_ARGS = ["--mode", "weights", "--population", "8", "--elite", "2", "--random-parents", "1", "--games", "30",
          "--max-steps", "400", "--heldout-games", "60"]


def test_weights_run_directory(tmp_path):
    run = tmp_path / "run"
    p = cli("evolve", *W_ARGS, "--generations", "3", "--seed", "4", "--out", str(run), "--json")
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout.splitlines()[-1])
    assert r["run_dir"] == str(run) and r["generations"] == 3 and "heldout_mean_apples" in r and r["seconds"] > 0
    for f in ("config.toml", "history.csv", "checkpoint.npz", "best.keras", "best.npz", "best.json", "fitness.png",
              "architectures.png", "summary.json"):
        assert (run / f).exists(), f
    assert [int(h["generation"]) for h in history(run)] == [0, 1, 2]
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


H_ARGS = ["--population", "4", "--elite", "1", "--random-parents", "1", "--games", "20", "--max-steps", "300",
          "--heldout-games", "40", "--train-rows", "4000", "--train-epochs", "1", "--seed", "3"]


@pytest.mark.slow
def test_hybrid_is_deterministic_across_workers_and_resume(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    cfg = ["--config", str(tmp_path / "c.toml")]
    (tmp_path / "c.toml").write_text("train_games = 8\n")
    p = cli("evolve", *H_ARGS, *cfg, "--generations", "3", "--workers", "2", "--out", str(a))
    assert p.returncode == 0, p.stderr
    p = cli("evolve", *H_ARGS, *cfg, "--generations", "2", "--workers", "1", "--out", str(b))
    assert p.returncode == 0, p.stderr
    p = cli("evolve", "--resume", str(b), "--generations", "3", "--workers", "1")
    assert p.returncode == 0, p.stderr
    assert history(a) == history(b)
    assert int(history(a)[0]["trainings"]) == 4


@pytest.mark.parametrize("args,msg", [
    (["--generations", "0"], "generations"),
    (["--population", "1"], "population"),
    (["--population", "6", "--elite", "5", "--random-parents", "3"], "more than"),
    (["--mode", "darwin"], "mode"),
])
def test_bad_configurations(tmp_path, args, msg):
    p = cli("evolve", *args, "--out", str(tmp_path / "r"))
    assert p.returncode == 2 and msg in p.stderr and len(p.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "r").exists()


def test_bad_config_file_and_resume_targets(tmp_path):
    (tmp_path / "bad.toml").write_text('mode = "hybrid"\n[space]\nactivations = ["relu", "swish"]\n')
    p = cli("evolve", "--config", str(tmp_path / "bad.toml"), "--out", str(tmp_path / "r"))
    assert p.returncode == 2 and "swish" in p.stderr
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
