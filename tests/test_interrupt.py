"""Ctrl-C and SIGTERM: one line, exit 130 / 143, no traceback, no process left, a resumable run.

The CLI tests start each command in its own session (as a terminal starts a job), send the signal
to the whole process group as Ctrl-C does (or SIGTERM to the process alone, as `kill` does), and
then look for any process still carrying the test's tag in its environment: Keras workers, Ray's
raylet, GCS and workers all inherit it.
"""

import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
import multiprocessing as mp
from pathlib import Path

import pytest

from snake_ai import interrupt
from _helpers import cli, history

TAG = "SNAKE_AI_TEST_TAG"


def tagged(tag: str) -> list[str]:
    """Processes whose environment carries TAG=tag (any process this test started, or its children)."""
    found = []
    for e in os.listdir("/proc"):
        if not e.isdigit() or int(e) == os.getpid():
            continue
        try:
            with open(f"/proc/{e}/environ", "rb") as f:
                env = f.read().split(b"\0")
            with open(f"/proc/{e}/stat", "rb") as f:
                state = f.read().rsplit(b")", 1)[1].split()[0]
        except OSError:
            continue
        if f"{TAG}={tag}".encode() in env and state != b"Z":
            with open(f"/proc/{e}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
            found.append(f"{e} {cmd[:120]}")
    return found


def no_process_left(tag: str, wait: float = 30.0) -> list[str]:
    """The tagged processes still there after ``wait`` seconds (they get a moment to finish exiting)."""
    deadline = time.time() + wait
    while True:
        left = tagged(tag)
        if not left or time.time() > deadline:
            return left
        time.sleep(0.2)


def start(args, tag):
    env = dict(os.environ, **{TAG: tag})
    return subprocess.Popen([sys.executable, "-m", "snake_ai.cli.main", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)


def wait_for_generations(run: Path, n: int, proc, timeout: float = 600) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if (run / "history.csv").exists() and len(history(run)) >= n:
            return
        if proc.poll() is not None:
            raise AssertionError(f"the run ended early: {proc.communicate()[1]}")
        time.sleep(0.02)
    raise AssertionError(f"the run did not reach generation {n}")


RAY_LOG = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+\s+(INFO|WARNING) ")  # Ray's start-up lines


def one_line(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if ln.strip() and not RAY_LOG.match(ln)]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


# ---------------------------------------------------------------------------------------------
# the helpers themselves


def test_signals_raise_interrupted_with_the_shell_exit_codes():
    for sig, code in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
        with interrupt.handling():
            with pytest.raises(interrupt.Interrupted) as e:
                os.kill(os.getpid(), sig)
                time.sleep(5)  # the handler raises at once, in the main thread
            assert e.value.exit_code == code and interrupt.requested() == sig
        assert signal.getsignal(sig) is not interrupt._handler  # the previous handler is back


def test_deferred_block_finishes_then_raises():
    done = []
    with interrupt.handling():
        with pytest.raises(interrupt.Interrupted):
            with interrupt.deferred():
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.05)
                done.append("end of block")  # still runs: the signal waits for the block's end
        assert done == ["end of block"]
        interrupt.reset()
        with interrupt.deferred(raise_at_end=False):  # a loop that polls and stops by itself
            os.kill(os.getpid(), signal.SIGTERM)
            while interrupt.requested() is None:
                time.sleep(0.01)
        assert interrupt.requested() == signal.SIGTERM


def test_second_signal_exits_at_once_and_kills_children(tmp_path):
    script = textwrap.dedent("""
        import os, signal, subprocess, sys, time
        from snake_ai import interrupt
        interrupt.install()
        child = subprocess.Popen(["sleep", "600"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with interrupt.deferred():
            print(child.pid, flush=True)
            while interrupt.requested() is None:  # the first signal: a stop is requested...
                time.sleep(0.01)
            print("first", flush=True)
            time.sleep(600)  # ... but this block is slow to finish; the second signal ends it
        print("not reached", flush=True)
    """)
    p = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    child = int(p.stdout.readline())
    p.send_signal(signal.SIGINT)
    assert p.stdout.readline().strip() == "first"
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 130 and "not reached" not in out
    assert one_line(err) == "SIGINT again: stopping at once"
    deadline = time.time() + 30
    while time.time() < deadline and interrupt._alive(child):
        time.sleep(0.05)
    assert not interrupt._alive(child)


def _sleep(seconds):
    time.sleep(seconds)
    return seconds


def test_close_pool_abandons_jobs_in_flight():
    pool = ProcessPoolExecutor(2, mp_context=mp.get_context("spawn"))
    futures = [pool.submit(_sleep, 600) for _ in range(3)]
    while not any(f.running() for f in futures):
        time.sleep(0.05)
    procs = list(pool._processes.values())
    interrupt.close_pool(pool, wait=False)  # returns without the 600 s jobs
    assert procs and not any(p.is_alive() for p in procs)


def test_workers_die_with_their_parent_even_on_kill_9(tmp_path):
    (tmp_path / "parent.py").write_text(textwrap.dedent("""
        import multiprocessing as mp, os, sys, time
        from concurrent.futures import ProcessPoolExecutor
        from snake_ai import interrupt

        def pid(_):
            time.sleep(0.5)
            return os.getpid()

        if __name__ == "__main__":
            pool = ProcessPoolExecutor(2, mp_context=mp.get_context("spawn"), initializer=interrupt.as_child)
            print(" ".join(str(p) for p in set(pool.map(pid, range(4)))), flush=True)
            time.sleep(600)
    """))
    p = subprocess.Popen([sys.executable, str(tmp_path / "parent.py")], stdout=subprocess.PIPE, text=True,
                         cwd=tmp_path, env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1])))
    workers = [int(w) for w in p.stdout.readline().split()]
    assert workers and all(interrupt._alive(w) for w in workers)
    p.kill()
    p.wait()
    deadline = time.time() + 30
    while time.time() < deadline and any(interrupt._alive(w) for w in workers):
        time.sleep(0.05)
    assert not any(interrupt._alive(w) for w in workers)


def test_the_viewer_stops_at_its_own_safe_point():
    from snake_ai.agents import load_agent
    from snake_ai.engine import Rules
    from snake_ai.viewer.window import Viewer

    with interrupt.handling():
        v = Viewer(load_agent("teacher"), [3], Rules.classic(20, 5000), fps=60, window=True)
        threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT)).start()
        v.run()  # returns (no exception): the CLI then saves --save-episode and exits 130
        assert interrupt.requested() == signal.SIGINT
        assert 0 < int(v.state.steps[0]) and v.current.actions  # it was stopped mid-game


# ---------------------------------------------------------------------------------------------
# the commands, as a user stops them

W_ARGS = ["--mode", "weights", "--population", "10", "--elite", "3", "--random-parents", "2", "--games", "60",
          "--max-steps", "600", "--heldout-games", "30", "--seed", "11", "--generations", "40"]
HINT = re.compile(r"^interrupted after generation (\d+); continue with: snake-ai evolve --resume (\S+)(.*)$")


def test_ctrl_c_to_the_process_group_then_resume(tmp_path):
    tag = uuid.uuid4().hex
    run = tmp_path / "run"
    p = start(["evolve", *W_ARGS, "--out", str(run)], tag)
    wait_for_generations(run, 3, p)
    os.killpg(p.pid, signal.SIGINT)  # what a terminal does on Ctrl-C
    out, err = p.communicate(timeout=120)
    assert p.returncode == 130
    m = HINT.match(one_line(err))
    assert m and m.group(2) == str(run), err
    assert int(m.group(1)) == len(history(run)) - 1 < 39  # the line names the last saved generation
    assert no_process_left(tag) == []
    full = tmp_path / "full"
    assert cli("evolve", *W_ARGS, "--out", str(full)).returncode == 0
    r = cli("evolve", "--resume", str(run))
    assert r.returncode == 0, r.stderr
    assert history(run) == history(full)


@pytest.mark.slow
def test_sigterm_with_a_local_ray_leaves_no_ray_process(tmp_path):
    pytest.importorskip("ray")
    tag = uuid.uuid4().hex
    run = tmp_path / "run"
    p = start(["evolve", *W_ARGS, "--backend", "ray", "--out", str(run)], tag)
    wait_for_generations(run, 2, p)
    p.send_signal(signal.SIGTERM)  # `kill PID`: only the driver gets it
    out, err = p.communicate(timeout=180)
    assert p.returncode == 143
    m = HINT.match(one_line(err))
    assert m and m.group(3) == " --backend ray", err
    assert no_process_left(tag) == []
    r = cli("evolve", "--resume", str(run))  # goes on with the local backend: same results
    assert r.returncode == 0, r.stderr
    assert len(history(run)) == 40


H_TOML = "train_games = 6\n"
H_ARGS = ["--population", "4", "--elite", "1", "--random-parents", "1", "--games", "20", "--max-steps", "300",
          "--heldout-games", "20", "--train-rows", "2000", "--train-epochs", "1", "--seed", "3", "--generations", "3",
          "--teacher-games", "30"]


@pytest.mark.slow
def test_ctrl_c_during_keras_training_stops_the_workers(tmp_path):
    """Hybrid mode with two Keras worker processes, Ctrl-C while generation 1 is in flight."""
    (tmp_path / "c.toml").write_text(H_TOML)
    tag = uuid.uuid4().hex
    run = tmp_path / "run"
    p = start(["evolve", "--config", str(tmp_path / "c.toml"), *H_ARGS, "--workers", "2", "--out", str(run)], tag)
    wait_for_generations(run, 1, p)
    os.killpg(p.pid, signal.SIGINT)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 130, err
    m = HINT.match(one_line(err))
    assert m and m.group(3) == " --workers 2", err
    assert no_process_left(tag) == []
    r = cli("evolve", "--resume", str(run), "--workers", "1")  # the same history: test_evolution.py
    assert r.returncode == 0, r.stderr
    assert len(history(run)) == 3


def test_interrupted_generate_writes_nothing(tmp_path):
    tag = uuid.uuid4().hex
    out = tmp_path / "big.npz"
    p = start(["generate", "--out", str(out), "--games", "30000", "--steps", "2000"], tag)
    deadline = time.time() + 300
    while time.time() < deadline and not any(tmp_path.iterdir()):  # the temporary file appears
        time.sleep(0.02)
    os.killpg(p.pid, signal.SIGINT)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 130
    assert one_line(err) == f"interrupted; {out} was not written"
    assert list(tmp_path.iterdir()) == []  # no partial file, no temporary file
    assert no_process_left(tag) == []


def test_interrupted_train_leaves_the_existing_model(tmp_path):
    tag = uuid.uuid4().hex
    out = tmp_path / "m.keras"
    out.write_bytes(b"an older model")
    p = start(["train", "--out", str(out), "--force", "--games", "30", "--epochs", "500"], tag)
    assert p.stdout.readline().startswith("training ")  # the training loop starts now
    time.sleep(1.0)
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 143
    assert one_line(err) == f"interrupted; {out} was left as it was"
    assert out.read_bytes() == b"an older model" and sorted(f.name for f in tmp_path.iterdir()) == ["m.keras"]
    assert no_process_left(tag) == []
