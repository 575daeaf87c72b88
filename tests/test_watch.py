"""Watching evolution: the generations archive, following a run live, replaying its generations,
several agents side by side, and `evolve --watch` leaving the run untouched. Headless (SDL dummy)."""

import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

os.environ["SDL_VIDEODRIVER"] = "dummy"

from snake_ai.agents import NetworkAgent, RandomAgent, TableAgent, TeacherAgent, load_agent  # noqa: E402
from snake_ai.resources import shipped_agent  # noqa: E402
from snake_ai.engine import Rules, derive_seeds, play_networks  # noqa: E402
from snake_ai.evolution import EvolveConfig  # noqa: E402
from snake_ai.evolution.archive import ARCHIVE_NAME, read_generations, write_generations  # noqa: E402
from snake_ai.evolution.rundir import read_checkpoint  # noqa: E402
from snake_ai.evolution.run import evolve, prepare_new, prepare_resume  # noqa: E402
from snake_ai.viewer.draw import draw_board  # noqa: E402
from snake_ai.viewer.live import RunDir, RunFollower, RunGenerations  # noqa: E402
from snake_ai.viewer.window import GridViewer, Viewer, record  # noqa: E402
from _helpers import history

CFG = EvolveConfig(mode="weights", population=8, elite=2, random_parents=1, games=20, max_steps=300,
                   heldout_games=20, generations=5, seed=2)


def cli(*args, **kw):
    env = dict(os.environ, SDL_VIDEODRIVER="dummy")
    return subprocess.run([sys.executable, "-m", "snake_ai.cli.main", *args], capture_output=True, text=True,
                          timeout=600, env=env, **kw)


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    d = tmp_path_factory.mktemp("runs") / "five"
    evolve(prepare_new(CFG, d, False))
    return d


def test_archive_keeps_each_generations_best(finished_run, tmp_path):
    entries = read_generations(finished_run)
    rows = history(finished_run)
    assert [e.generation for e in entries] == list(range(5))
    for e, row in zip(entries, rows):
        assert e.fitness == pytest.approx(float(row["best_fitness"]))
        assert e.genome.architecture == row["best_architecture"]
    gen, genomes, fitness, *_ = read_checkpoint(finished_run)  # the checkpoint holds the last generation
    best = genomes[int(np.argmax(fitness))]
    np.testing.assert_array_equal(entries[-1].genome.weights, best.weights)
    assert entries[-1].index == int(np.argmax(fitness))
    # a resumed run gives the same file, even when the archive missed the last finished generation
    part = tmp_path / "part"
    evolve(prepare_new(CFG.with_(generations=3), part, False))
    write_generations(part, read_generations(part)[:-1])  # as if killed between checkpoint and archive
    evolve(prepare_resume(part, 5))
    assert (part / ARCHIVE_NAME).read_bytes() == (finished_run / ARCHIVE_NAME).read_bytes()
    # a fresh run over it (--force) starts the archive again
    evolve(prepare_new(CFG.with_(generations=2), part, True))
    assert [e.generation for e in read_generations(part)] == [0, 1]
    (part / ARCHIVE_NAME).write_bytes(b"not a zip")
    from snake_ai.errors import SnakeAIError

    with pytest.raises(SnakeAIError, match="corrupt generations file"):
        read_generations(part)


def test_follower_picks_up_each_new_best(finished_run, tmp_path):
    entries = read_generations(finished_run)
    live = tmp_path / "live"
    live.mkdir()
    shutil.copy(finished_run / "config.toml", live / "config.toml")
    log = []
    run = RunDir(live, min_interval=0)
    v = Viewer(None, rules=run.rules(), window=False, playlist=RunFollower(run, seed=1, hold=0, log=log.append))
    for _ in range(3):
        v.step()
    assert v.game is None and "no generation done yet" in " ".join(v.playlist.status())
    v.frame()  # the waiting screen draws
    for k in range(len(entries)):
        write_generations(live, entries[: k + 1])
        for _ in range(3):
            v.step()
        playing = v.show.agent
        np.testing.assert_array_equal(playing.network.weights, entries[k].genome.weights)
        assert v.show.label.startswith(f"generation {k}")
        assert log[-1].startswith(f"generation {k}:")
    assert len(log) == len(entries)
    (live / "summary.json").write_text('{"heldout_mean_apples": 1.5}')
    v.step()
    assert "run finished: 1.50 apples" in " ".join(v.playlist.status())
    for _ in range(700):  # the final best plays on, game after game
        v.step()
    assert not v.quit and len(v.finished) >= 1


@pytest.mark.slow
def test_follow_process_follows_a_run_directory(finished_run, tmp_path):
    entries = read_generations(finished_run)
    live = tmp_path / "live"
    live.mkdir()
    shutil.copy(finished_run / "config.toml", live / "config.toml")
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "snake_ai.cli.main", "watch", str(live), "--follow", "--hold", "0",
                             "--fps", "60"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
    try:
        for k in range(len(entries)):
            write_generations(live, entries[: k + 1])
            line = lines.get(timeout=300)  # the watcher announces each generation it picks up
            assert line.startswith(f"generation {k}: best fitness"), line
        assert proc.poll() is None  # the window stays open
    finally:
        proc.kill()
        proc.wait()


def test_generations_replay_one_segment_per_generation(finished_run, tmp_path):
    from PIL import Image

    entries = read_generations(finished_run)
    run = RunDir(finished_run)
    log = []
    rules = run.rules()
    v = Viewer(None, rules=rules, window=False, cell=3, playlist=RunGenerations(run, seed=5, wait=False, log=log.append))
    n = record(v, tmp_path / "g.gif", frames=100000, stride=50)
    assert v.quit and n > len(entries)
    assert [e.note for e in v.finished] == [run.label(g) for g in range(len(entries))]  # one game per generation
    assert log == [f"generation {e.generation}: best fitness {e.fitness:.2f}, {e.genome.architecture}" for e in entries]
    seed = derive_seeds(5, 1)
    for ep, e in zip(v.finished, entries):  # each segment is that generation's best's engine game
        assert ep.seed == int(seed[0])
        r = play_networks([e.genome.network()], seed, rules)
        assert (ep.apples, ep.steps) == (r.apples[0, 0], r.steps[0, 0])
    assert Image.open(tmp_path / "g.gif").size == v.size
    # every other generation (and the last); the CLI prints a line per segment
    p = cli("watch", str(finished_run), "--generations", "--every", "2", "--record", str(tmp_path / "c.gif"),
            "--stride", "50", "--cell", "2", "--frames", "100000")
    assert p.returncode == 0, p.stderr
    assert [line.split(":")[0] for line in p.stdout.splitlines() if line.startswith("generation")] == \
        ["generation 0", "generation 2", "generation 4"]
    p = cli("watch", str(finished_run), "--generations", "--follow")
    assert p.returncode == 2 and "not both" in p.stderr
    p = cli("watch", "teacher", "--generations")
    assert p.returncode == 2 and p.stderr.startswith("error:")


def test_grid_recording_tiles_are_the_engine_games(finished_run, tmp_path):
    from PIL import Image

    rules = Rules(max_steps=150)
    agents = [TeacherAgent(), RandomAgent(), load_agent(None), load_agent(str(finished_run))]
    seeds = derive_seeds(8, 1)
    v = GridViewer(agents, seeds, rules, window=False, cell=3)
    n = record(v, tmp_path / "grid.gif", frames=100000, stride=7)
    assert v.quit and n > 1
    im = Image.open(tmp_path / "grid.gif")
    assert im.size == v.size
    im.seek(im.n_frames - 1)
    last = np.array(im.convert("RGB"))
    rects = [v.tile_rect(i) for i in range(len(agents))]
    assert len(set(rects)) == len(agents)  # one tile per agent
    for i, (agent, (x, y, w, h)) in enumerate(zip(agents, rects)):
        ep = v.finished[i][0]
        ref = agent.play(seeds, rules)  # the engine's fused rollout on the same seed
        assert (ep.seed, ep.apples, ep.steps) == (int(seeds[0]), ref.apples[0, 0], ref.steps[0, 0])
        assert int(v.games[i].state.status[0]) == ref.status[0, 0]
        np.testing.assert_array_equal(last[y:y + h, x:x + w], draw_board(v.games[i].state, 0, v.cell))
    # the same through the CLI: one GIF of the grid; options that need one agent are refused
    p = cli("watch", "teacher", "random", "--record", str(tmp_path / "c.gif"), "--frames", "5", "--max-steps", "50")
    assert p.returncode == 0, p.stderr
    p = cli("watch", "teacher", "random", "--save-episode", str(tmp_path / "e.json"))
    assert p.returncode == 2 and "one agent" in p.stderr


def test_grid_keys_act_on_every_board():
    import pygame

    v = GridViewer([TeacherAgent(), RandomAgent()], derive_seeds(3, 2), Rules(max_steps=100), window=False)
    for _ in range(10):
        v.step()
    assert all(g.state.steps[0] > 0 for g in v.games if g.state.alive[0])
    v.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_r, mod=0, unicode="", scancode=0))
    assert all(g.state.steps[0] == 0 for g in v.games)
    v.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_n, mod=0, unicode="", scancode=0))
    assert v.game_index == 1 and all(g.seed == int(derive_seeds(3, 2)[1]) for g in v.games)
    fps = v.fps
    v.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_PLUS, mod=0, unicode="", scancode=0))
    assert v.fps > fps


@pytest.mark.slow
def test_evolve_watch_leaves_the_history_unchanged(finished_run, tmp_path):
    args = ["evolve", "--mode", "weights", "--population", "8", "--elite", "2", "--random-parents", "1",
            "--games", "20", "--max-steps", "300", "--heldout-games", "20", "--generations", "5", "--seed", "2"]
    p = cli(*args, "--out", str(tmp_path / "watched"), "--watch")  # CFG's run, with the window
    assert p.returncode == 0, p.stderr
    pid = int(re.search(r"watching in a window \(process (\d+)\)", p.stdout + p.stderr).group(1))
    try:
        time.sleep(1.0)
        os.kill(pid, 0)  # the window outlives the run, showing the final best until closed
    finally:
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
    assert history(tmp_path / "watched") == history(finished_run)
    assert (tmp_path / "watched" / ARCHIVE_NAME).read_bytes() == (finished_run / ARCHIVE_NAME).read_bytes()
    p = subprocess.run([sys.executable, "-m", "snake_ai.cli.main", *args, "--out", str(tmp_path / "x"), "--watch"],
                       capture_output=True, text=True, timeout=300,
                       env={k: v for k, v in os.environ.items() if k not in ("SDL_VIDEODRIVER", "DISPLAY", "WAYLAND_DISPLAY")})
    if sys.platform.startswith("linux"):
        assert p.returncode == 2 and "--watch" in p.stderr and not (tmp_path / "x").exists()


def test_agents_decide_like_the_engine():
    """One entry point per agent; the same moves as the fused rollouts, the teacher's fallback included."""
    from snake_ai.agents import agent_streams
    from snake_ai.engine import from_cells, reset, step_inplace
    from snake_ai.viewer.episode import record_episode

    rules = Rules(max_steps=400)
    boxed = from_cells(Rules.classic(5, 100), [(1, 1), (1, 0), (0, 0), (0, 1), (0, 2), (1, 2), (2, 2), (2, 1)],
                       direction=(0, 1), apple=(4, 4))
    d = TeacherAgent().act(boxed, None)  # every move is fatal: straight, one-hot
    assert d.actions.tolist() == [1] and d.outputs.tolist() == [[0, 1, 0]]
    import numba

    seeds = derive_seeds(11, 6)
    threads = numba.get_num_threads()
    numba.set_num_threads(1)  # tiny batches: waking a thread pool per step costs more than the step
    try:
        table = load_agent(str(shipped_agent() / "teacher.json"))  # the shipped run's searched teacher
        assert isinstance(table, TableAgent) and table.table.shape == (7, 10)
        d = table.act(boxed, None)  # every move is fatal: straight, one-hot, as the fused kernel
        assert d.actions.tolist() == [1] and d.outputs.tolist() == [[0, 1, 0]]
        for agent in (TeacherAgent(), RandomAgent(), load_agent(None), table):
            state, rng = reset(rules, seeds), agent_streams(seeds)
            while state.alive.any():  # all six games at once through act()
                step_inplace(state, np.where(state.alive, agent.act(state, rng).actions, 1))
            ref = agent.play(seeds, rules)
            np.testing.assert_array_equal(state.apples, ref.apples[0])
            np.testing.assert_array_equal(state.steps, ref.steps[0])
            ep = record_episode(agent, int(seeds[0]), rules)
            assert (ep.apples, ep.steps) == (ref.apples[0, 0], ref.steps[0, 0])
    finally:
        numba.set_num_threads(threads)
    assert isinstance(load_agent(None), NetworkAgent) and load_agent(None).details()[0][0] == "network"
