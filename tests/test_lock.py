"""One writer per run directory: an flock the kernel releases when the holder dies, kill -9 too."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from snake_ai.errors import SnakeAIError
from snake_ai.evolution import EvolveConfig
from snake_ai.evolution.run import evolve, prepare_new, prepare_resume
from snake_ai.lock import LOCK_NAME, acquire, holder
from _helpers import cli, history

CFG = EvolveConfig(mode="weights", generations=2, population=6, elite=2, random_parents=1, games=10,
                   max_steps=200, heldout_games=10, seed=1)


def snapshot(d: Path) -> dict:
    return {p.name: p.read_bytes() for p in sorted(d.iterdir()) if p.name != LOCK_NAME}


def hold_lock(directory: Path) -> subprocess.Popen:
    """Another process holding the lock (prints 'held' once it does)."""
    code = ("import sys, time; from snake_ai.lock import acquire; l = acquire(sys.argv[1]); "
            "print('held', flush=True); time.sleep(600)")
    p = subprocess.Popen([sys.executable, "-c", code, str(directory)], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "held"
    return p


def test_second_lock_in_the_same_process_is_refused_and_release_frees_it(tmp_path):
    a = acquire(tmp_path)
    with pytest.raises(SnakeAIError, match=f"in use by pid {os.getpid()}"):
        acquire(tmp_path)
    a.release()
    assert not a.held
    with acquire(tmp_path) as b:
        assert b.held
    assert holder(tmp_path).startswith(f"pid {os.getpid()}")


def test_prepare_new_and_resume_hold_the_lock_until_evolve_returns(tmp_path):
    run = prepare_new(CFG, tmp_path / "r", False)
    with pytest.raises(SnakeAIError, match="in use by pid"):
        prepare_new(CFG, tmp_path / "r", True)  # --force on a running run
    evolve(run)
    assert not run.lock.held
    resumed = prepare_resume(tmp_path / "r", 3)  # free again: a resume extends it
    with pytest.raises(SnakeAIError, match="in use by pid"):
        prepare_resume(tmp_path / "r", 4)
    with pytest.raises(SnakeAIError, match="in use by pid"):
        prepare_new(CFG, tmp_path / "r", True)
    evolve(resumed)
    assert len(history(tmp_path / "r")) == 3


def test_a_held_run_is_refused_by_the_cli_and_left_untouched(tmp_path):
    run = tmp_path / "run"
    assert cli("evolve", "--mode", "weights", "--generations", "2", "--population", "6", "--elite", "2",
               "--random-parents", "1", "--games", "10", "--max-steps", "200", "--heldout-games", "10",
               "--out", str(run)).returncode == 0
    before = snapshot(run)
    holder_proc = hold_lock(run)
    try:
        for args in (["--resume", str(run)], ["--resume", str(run), "--generations", "5"],
                     ["--mode", "weights", "--out", str(run), "--force"]):
            p = cli("evolve", *args)
            assert p.returncode == 2, p.stderr
            assert f"in use by pid {holder_proc.pid}" in p.stderr and len(p.stderr.strip().splitlines()) == 1
            assert "Traceback" not in p.stderr
            assert snapshot(run) == before
    finally:
        holder_proc.kill()  # kill -9: the kernel releases the lock
        holder_proc.wait()
    p = cli("evolve", "--resume", str(run), "--generations", "3")
    assert p.returncode == 0, p.stderr
    assert len(history(run)) == 3


W_ARGS = ["--mode", "weights", "--population", "8", "--elite", "2", "--random-parents", "1", "--games", "30",
          "--max-steps", "400", "--heldout-games", "30", "--seed", "5"]


@pytest.mark.slow
def test_running_evolve_refuses_a_second_writer_then_resumes_after_kill_9(tmp_path):
    run = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, "-m", "snake_ai.cli.main", "evolve", *W_ARGS, "--generations", "5000",
                             "--out", str(run)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 300
        while time.time() < deadline and not ((run / "history.csv").exists() and len(history(run)) >= 2):
            time.sleep(0.02)
        second = cli("evolve", "--resume", str(run))
        forced = cli("evolve", *W_ARGS, "--generations", "5000", "--out", str(run), "--force")
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    done = len(history(run))
    assert done < 5000, "the run finished before the second writer was tried"
    for p in (second, forced):
        assert p.returncode == 2 and f"in use by pid {proc.pid}" in p.stderr, p.stderr
    assert (run / LOCK_NAME).exists()  # the file stays after kill -9; the lock does not
    p = cli("evolve", "--resume", str(run), "--generations", str(done + 2))
    assert p.returncode == 0, p.stderr
    full = tmp_path / "full"
    assert cli("evolve", *W_ARGS, "--generations", str(done + 2), "--out", str(full)).returncode == 0
    assert history(run) == history(full)
