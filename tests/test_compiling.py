"""The "compiling the engine, once" line: on a terminal with a cold cache only."""

import os
import shutil
import subprocess
import sys

import pytest

PROGRAM = "from snake_ai.engine import play_teacher, derive_seeds; play_teacher(derive_seeds(0, 2))"


def run(cache, tty):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache))
    cmd = [sys.executable, "-c", PROGRAM]
    if tty:  # `script` gives the program a pseudo-terminal
        cmd = ["script", "-qec", " ".join([cmd[0], "-c", repr(PROGRAM)]), "/dev/null"]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.skipif(shutil.which("script") is None, reason="needs util-linux script for a pseudo-terminal")
@pytest.mark.slow
def test_progress_line_on_a_cold_cache_only(tmp_path):
    cold = run(tmp_path, tty=True)
    assert cold.returncode == 0, cold.stdout + cold.stderr
    assert "compiling the engine, once: teacher, table and random rollouts" in cold.stdout + cold.stderr
    warm = run(tmp_path, tty=True)
    assert warm.returncode == 0 and "compiling" not in warm.stdout + warm.stderr
    piped = run(tmp_path / "other", tty=False)  # cold, but not a terminal
    assert piped.returncode == 0 and "compiling" not in piped.stdout + piped.stderr


CHECK = ("import numpy as np, pathlib, sys; from snake_ai.engine import core; "
         "from snake_ai.engine.compiling import is_cached; "
         "print(is_cached(core.rng_below)); core.rng_below(np.uint64(1), 3)")


def test_a_change_to_any_engine_source_drops_the_cached_kernels(tmp_path):
    """Numba's cache knows a kernel's own file only; a digest of every engine source guards the rest."""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))

    def cached_before_call():
        out = subprocess.run([sys.executable, "-c", CHECK], env=env, capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()

    assert cached_before_call() == "False"  # cold
    assert cached_before_call() == "True"  # same sources: the cache is used
    stamps = list(tmp_path.rglob("snake_ai-engine-sources.sha256"))
    assert stamps
    for s in stamps:
        s.write_text("a digest of other sources\n")  # as after an edit of, say, fastmath.py
    assert cached_before_call() == "False"
    assert cached_before_call() == "True"
