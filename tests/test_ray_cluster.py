"""The Ray backend across nodes: a cluster of two one-CPU nodes simulated on this machine with
``ray.cluster_utils.Cluster`` (Ray's own way of testing multi-node behaviour).

* a run spread over both nodes gives the local backend's history;
* a node removed in the middle of a generation costs only time: its actors' slices are played
  again on the node that is left, and the history is unchanged;
* a driver that loses the whole cluster ends with a clear message, and the run resumes.
"""

import os
import subprocess
import sys
import textwrap
import time

import pytest

ray = pytest.importorskip("ray")
from ray.cluster_utils import Cluster  # noqa: E402

from snake_ai.evolution import EvolveConfig  # noqa: E402
from snake_ai.evolution.run import evolve, prepare_new  # noqa: E402
from _helpers import history

pytestmark = pytest.mark.slow

CFG = EvolveConfig(mode="weights", generations=3, population=12, elite=3, random_parents=2, games=40,
                   max_steps=500, heldout_games=40, seed=21)


@pytest.fixture(scope="module")
def cluster():
    c = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    worker = c.add_node(num_cpus=1)
    ray.init(address=c.address, log_to_driver=False)
    c.wait_for_nodes()
    yield c, worker
    ray.shutdown()
    c.shutdown()


@pytest.fixture(scope="module")
def local_history(tmp_path_factory):
    d = tmp_path_factory.mktemp("local") / "run"
    evolve(prepare_new(CFG, d, False))
    return history(d)


def test_a_run_spread_over_two_nodes_matches_the_local_backend(cluster, local_history, tmp_path):
    from snake_ai.distributed.ray_backend import RayBackend

    b = RayBackend()
    try:
        assert b.n_actors == 2  # one per CPU of the cluster
        nodes = ray.get([a.node.remote() for a in b.actors])
        assert len(set(nodes)) == 2  # SPREAD: one actor on each node
        evolve(prepare_new(CFG, tmp_path / "run", False), trainer=b.trainer, evaluator=b.evaluate)
    finally:
        b.shutdown()
    assert history(tmp_path / "run") == local_history


def test_a_node_removed_mid_generation_costs_only_time(cluster, local_history, tmp_path):
    from snake_ai.distributed.ray_backend import RayBackend

    c, worker = cluster
    b = RayBackend()
    removed = []

    def evaluator(genomes, seeds, rules):
        def remove(backend):  # the generation's calls are in flight: take a node away under them
            if not removed:
                c.remove_node(worker)
                removed.append(True)
        # the second generation, so the first one's checkpoint exists
        return b.evaluate(genomes, seeds, rules, on_submitted=remove if len(calls) == 1 else None)

    calls = []

    def counting(genomes, seeds, rules):
        r = evaluator(genomes, seeds, rules)
        calls.append(1)
        return r

    try:
        assert len(set(ray.get([a.node.remote() for a in b.actors]))) == 2
        evolve(prepare_new(CFG, tmp_path / "run", False), trainer=b.trainer, evaluator=counting)
        assert removed and b.restarts >= 1  # the lost node's actor was replaced
        assert len(set(ray.get([a.node.remote() for a in b.actors]))) == 1  # all on the node left
    finally:
        b.shutdown()
        c.add_node(num_cpus=1)  # for any later test
    assert history(tmp_path / "run") == local_history


CLUSTER = textwrap.dedent("""
    import sys
    from ray.cluster_utils import Cluster
    c = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    c.add_node(num_cpus=1)
    c.wait_for_nodes()
    print(c.address, flush=True)
    sys.stdin.readline()  # the test says when the cluster goes away
    c.shutdown()
    print("down", flush=True)
""")


def test_a_driver_that_loses_the_cluster_says_so_and_the_run_resumes(tmp_path):
    """The cluster lives in another process here (the test's own process stays out of it)."""
    holder = subprocess.Popen([sys.executable, "-c", CLUSTER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    try:
        address = holder.stdout.readline().strip()
        assert address, "the cluster did not start"
        run = tmp_path / "run"
        args = ["evolve", "--mode", "weights", "--population", "10", "--elite", "3", "--random-parents", "2",
                "--games", "60", "--max-steps", "600", "--heldout-games", "30", "--seed", "11",
                "--generations", "300"]
        p = subprocess.Popen([sys.executable, "-m", "snake_ai.cli.main", *args, "--backend", "ray", "--ray-address",
                              address, "--out", str(run)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 300
        while time.time() < deadline and not ((run / "history.csv").exists() and len(history(run)) >= 2):
            assert p.poll() is None, p.communicate()[1]
            time.sleep(0.05)
        holder.stdin.write("go\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "down"
        _, err = p.communicate(timeout=300)
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.wait()
    assert p.returncode == 1, err
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"error: lost the Ray cluster at {address}") and "Traceback" not in err, err
    assert f"continue with: snake-ai evolve --resume {run}" in last, last
    saved = len(history(run))
    assert 2 <= saved < 300
    # resume on this machine, the local backend: the history goes on from the last checkpoint
    r = subprocess.run([sys.executable, "-m", "snake_ai.cli.main", "evolve", "--resume", str(run), "--generations",
                        str(saved + 2)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    full = tmp_path / "full"
    r = subprocess.run([sys.executable, "-m", "snake_ai.cli.main", *args[:-1], str(saved + 2), "--out", str(full)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert history(run) == history(full)
    assert os.path.exists(run / "best.json")
