"""The viewer, headless: synthetic key events, rendered pixels, episodes and recordings."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

os.environ["SDL_VIDEODRIVER"] = "dummy"

import pygame  # noqa: E402

from snake_ai.agents import load_agent  # noqa: E402
from snake_ai.engine import Rules, derive_seeds, play_teacher  # noqa: E402
from snake_ai.viewer.draw import APPLE_COLOR, HEAD_COLOR  # noqa: E402
from snake_ai.viewer.episode import load_episode, record_episode, replay_states, save_episode  # noqa: E402
from snake_ai.viewer.window import PANEL_W, Viewer, record, relative_action  # noqa: E402

RULES = Rules(max_steps=300)


def key(k):
    return pygame.event.Event(pygame.KEYDOWN, key=k, mod=0, unicode="", scancode=0)


def test_frame_pixels_are_where_the_engine_says():
    v = Viewer(load_agent("teacher"), derive_seeds(1, 2), RULES, window=False, cell=10)
    for _ in range(40):
        v.step()
    f = v.frame()
    assert f.shape == (500, 500 + PANEL_W, 3)
    hx, hy = v.state.snake(0)[0]
    ax, ay = v.state.apple[0]
    assert tuple(f[hy * 10 + 5, hx * 10 + 5]) == HEAD_COLOR
    assert tuple(f[ay * 10 + 5, ax * 10 + 5]) == APPLE_COLOR


def test_keys_pause_step_speed_restart_quit():
    v = Viewer(load_agent("teacher"), derive_seeds(2, 1), RULES, window=False)
    pygame.event.post(key(pygame.K_SPACE))
    v.pump()
    assert v.paused
    v.handle(key(pygame.K_RIGHT))  # one step while paused
    assert v.state.steps[0] == 1
    fps = v.fps
    v.handle(key(pygame.K_PLUS))
    assert v.fps > fps
    v.handle(key(pygame.K_MINUS))
    v.handle(key(pygame.K_MINUS))
    assert v.fps < fps
    v.handle(key(pygame.K_r))
    assert v.state.steps[0] == 0
    v.handle(key(pygame.K_q))
    assert v.quit
    v2 = Viewer(None, derive_seeds(2, 1), RULES, window=False)
    v2.handle(pygame.event.Event(pygame.QUIT))
    assert v2.quit


def test_person_steers_with_absolute_arrows():
    v = Viewer(None, derive_seeds(3, 1), RULES, window=False)
    assert relative_action((1, 0), (0, -1)) == 0 and relative_action((1, 0), (0, 1)) == 2
    assert relative_action((1, 0), (-1, 0)) == 1  # no reversing
    v.handle(key(pygame.K_DOWN))
    v.step()
    assert tuple(v.state.direction[0]) == (0, 1)
    v.handle(key(pygame.K_LEFT))
    v.step()
    assert tuple(v.state.direction[0]) == (-1, 0)
    v.handle(key(pygame.K_RIGHT))  # opposite of the heading: keeps going
    v.step()
    assert tuple(v.state.direction[0]) == (-1, 0) and v.current.actions == [2, 2, 1]


@pytest.mark.parametrize("name", ["teacher", "random", "default"])
def test_viewer_plays_the_same_game_as_the_engine(name):
    agent = load_agent(None if name == "default" else name)
    seeds = derive_seeds(4, 2)
    v = Viewer(agent, seeds, RULES, window=False)
    while len(v.finished) < 1:
        v.step()
    ep = v.finished[0]
    fused = agent.play(seeds[:1], RULES)
    assert (ep.apples, ep.steps) == (fused.apples[0, 0], fused.steps[0, 0])


def test_episode_round_trip_and_exact_replay(tmp_path):
    agent = load_agent("teacher")
    seed = int(derive_seeds(5, 1)[0])
    ep = record_episode(agent, seed, Rules())
    save_episode(ep, tmp_path / "e.json")
    back = load_episode(tmp_path / "e.json")
    assert back.actions == ep.actions and back.seed == seed and back.rules == Rules()
    *_, last = replay_states(back)
    t = play_teacher([seed], Rules())
    assert (last.apples[0], last.steps[0]) == (t.apples[0, 0], t.steps[0, 0]) == (ep.apples, ep.steps)
    v = Viewer(None, [], episode=back, window=False)
    while not v.quit:
        v.step()
    assert v.state.apples[0] == ep.apples


def test_record_gif(tmp_path):
    from PIL import Image

    v = Viewer(load_agent("teacher"), derive_seeds(6, 1), RULES, window=False, cell=4)
    n = record(v, tmp_path / "a.gif", frames=25)
    im = Image.open(tmp_path / "a.gif")
    assert n == 25 and im.n_frames == 25 and im.size == v.size == (200 + PANEL_W, 470)  # the panel's height


def cli(*args):
    env = dict(os.environ, SDL_VIDEODRIVER="dummy")
    return subprocess.run([sys.executable, "-m", "snake_ai.cli.main", *args], capture_output=True, text=True,
                          timeout=600, env=env)


def test_cli_record_save_replay(tmp_path):
    p = cli("watch", "teacher", "--record", str(tmp_path / "w.gif"), "--frames", "30", "--cell", "4",
            "--max-steps", "200", "--games", "1", "--save-episode", str(tmp_path / "w.json"))
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "w.gif").exists() and json.loads((tmp_path / "w.json").read_text())["format"] == "snake-ai episode"
    p = cli("evaluate", "teacher", "--games", "30", "--save-best-episode", str(tmp_path / "best.json"), "--json")
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout.splitlines()[-1])
    best = load_episode(tmp_path / "best.json")
    assert best.apples == r["max_apples"]
    p = cli("replay", str(tmp_path / "best.json"), "--record", str(tmp_path / "r.gif"), "--frames", "20", "--cell", "4")
    assert p.returncode == 0, p.stderr
    p = cli("replay", str(tmp_path / "missing.json"))
    assert p.returncode == 2 and p.stderr.startswith("error:")
    p = cli("watch", "teacher", "--record", str(tmp_path / "w.gif"), "--frames", "3")
    assert p.returncode == 2 and "--force" in p.stderr


def test_panel_labels_clear_their_bars_and_long_names_fit():
    from snake_ai.agents import NetworkAgent
    from snake_ai.viewer.window import BAR, BAR_BACK, ellipsize, wrap

    net = load_agent(None).network
    v = Viewer(NetworkAgent(net, "a-network-with-a-very-long-name-" * 3, info={"optimizer": "nadam"}),
               derive_seeds(1, 1), RULES, window=False, cell=6)
    for _ in range(5):
        v.step()
    f = v.frame().astype(int)
    panel = f[:, 50 * 6:]
    bar = np.all(panel == BAR_BACK, axis=2) | np.all(panel == BAR, axis=2)
    bright = np.all(panel > 150, axis=2)  # text, not the blue bars
    rows = np.flatnonzero(bar.any(axis=1))
    assert len(rows) >= 3
    for r in rows:
        cols = np.flatnonzero(bar[r])
        assert not bright[r, cols.min():cols.max() + 1].any(), f"text over a bar in row {r}"
    assert not bright[:, -4:].any()  # nothing runs off the right edge
    font = pygame.font.Font(None, 18)
    assert all(font.size(line)[0] <= 120 for line in wrap(font, "7-64-64-64-3 relu/selu nadam " * 4 + "x" * 80, 120))
    assert font.size(ellipsize(font, "y" * 200, 90))[0] <= 90


def test_window_is_resizable_and_fits_the_screen():
    v = Viewer(load_agent("teacher"), derive_seeds(1, 1), RULES, window=True, cell=40)
    assert v.size[0] <= 1024 and v.size[1] <= 768  # the dummy display's screen: a 40 px cell would not fit
    v.handle(pygame.event.Event(pygame.VIDEORESIZE, w=520, h=480, size=(520, 480)))
    assert v.screen.get_size() == (520, 480) and v.cell == 5
    w, h = v.window_size(v.cell + 1)
    assert w > 520 or h > 480
    v.frame()
    v.close()
