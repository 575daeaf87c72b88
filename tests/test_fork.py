"""The engine's threading layer survives fork and concurrent Python threads.

Each scenario runs in a fresh interpreter: numba fixes its threading layer at the first parallel
launch, and an unsafe layer kills the process (a forked child with GNU OpenMP, two threads with
workqueue), which must not take pytest down with it.
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SCENARIO = textwrap.dedent("""
    import multiprocessing as mp
    import numba
    import numpy as np
    import gymnasium as gym
    import snake_ai
    from snake_ai.engine import derive_seeds, play_teacher

    def apples(start):
        return play_teacher(derive_seeds(0, 50, start=start)).apples[0].tolist()

    if __name__ == "__main__":
        seeds = derive_seeds(0, 500)
        parent = play_teacher(seeds)  # a parallel kernel: the threading layer starts here
        layer = numba.threading_layer()
        envs = gym.make_vec("snake_ai/Snake-v0", num_envs=3, vectorization_mode="async",
                            vector_kwargs={"context": "fork"}, max_steps=30)
        obs, _ = envs.reset(seed=0)
        for _ in range(40):
            obs, r, term, trunc, info = envs.step(np.ones(3, dtype=np.int64))
        envs.close()
        sync = gym.make_vec("snake_ai/Snake-v0", num_envs=3, vectorization_mode="sync", max_steps=30)
        ref, _ = sync.reset(seed=0)
        for _ in range(40):
            ref = sync.step(np.ones(3, dtype=np.int64))[0]
        assert np.array_equal(obs, ref)
        with mp.get_context("fork").Pool(2) as pool:
            got = pool.map(apples, [0, 50, 100, 150])
        assert sum(got, []) == parent.apples[0, :200].tolist()
        print("OK", layer)
""")

THREADS = textwrap.dedent("""
    from concurrent.futures import ThreadPoolExecutor
    import numba
    from snake_ai.engine import derive_seeds, play_teacher

    seeds = [derive_seeds(s, 400) for s in range(8)]
    alone = [play_teacher(s).apples for s in seeds]
    with ThreadPoolExecutor(4) as ex:
        together = list(ex.map(play_teacher, seeds))
    assert all((a == t.apples).all() for a, t in zip(alone, together))
    print("OK", numba.threading_layer())
""")


def run(script, **env):
    full = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    full.pop("NUMBA_THREADING_LAYER", None)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=full,
                          cwd=ROOT, timeout=300)


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="fork is POSIX only")
def test_engine_then_async_vector_env_then_forked_pool():
    out = run(SCENARIO)
    assert out.returncode == 0 and "Terminating" not in out.stderr, out.stderr[-2000:]
    assert out.stdout.split()[0] == "OK" and out.stdout.split()[1] != "omp"


def test_engine_from_several_python_threads_at_once():
    out = run(THREADS)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.startswith("OK")


def test_the_layer_is_fork_safe():
    out = run("import numba, snake_ai.engine as e; e.play_teacher(e.derive_seeds(0, 4));"
              "print(numba.threading_layer())")
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() in ("tbb", "workqueue")
    from snake_ai.engine import threads
    if threads.TBB_PATH is not None:
        assert out.stdout.strip() == "tbb"
