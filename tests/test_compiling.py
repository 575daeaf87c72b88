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
    assert "compiling the engine, once: teacher and random rollouts" in cold.stdout + cold.stderr
    warm = run(tmp_path, tty=True)
    assert warm.returncode == 0 and "compiling" not in warm.stdout + warm.stderr
    piped = run(tmp_path / "other", tty=False)  # cold, but not a terminal
    assert piped.returncode == 0 and "compiling" not in piped.stdout + piped.stderr
