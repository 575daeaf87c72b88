"""The pygame viewer: the engine simulates, this only draws and reads keys.

Keys: space pauses, right arrow steps once while paused, + / - change speed, r restarts the
game, q or Esc quits; closing the window ends cleanly. In ``play`` mode the arrow keys steer
(absolute headings, mapped to the engine's relative moves).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..engine import Rules, observe, reset, step_inplace, teacher_actions
from .draw import APPLE_COLOR, BACKGROUND, BODY, DEAD_COLOR, HEAD_COLOR, draw_board
from ..engine.core import agent_stream
from .episode import Episode, agent_actions

PANEL_W = 250
TEXT = (220, 220, 230)
DIM = (140, 140, 160)
BAR = (80, 160, 240)
ICON = Path(__file__).resolve().parents[2] / "assets" / "icon.png"
FEATURE_NAMES = ("left blocked", "front blocked", "right blocked", "apple dx", "apple dy", "snake dx", "snake dy")
# absolute heading keys -> (dx, dy)
HEADINGS = {"up": (0, -1), "down": (0, 1), "left": (-1, 0), "right": (1, 0)}


def relative_action(direction, heading) -> int:
    """The relative move (0 left, 1 straight, 2 right) that turns ``direction`` to ``heading``;
    straight when the heading is the current one or its opposite (a snake cannot reverse)."""
    dx, dy = direction
    if tuple(heading) == (dy, -dx):
        return 0
    if tuple(heading) == (-dy, dx):
        return 2
    return 1


class Viewer:
    """Games on the engine, drawn with pygame. ``agent`` None means a person plays."""

    def __init__(self, agent, seeds, rules: Rules = Rules(), fps: float = 15.0, cell: int = 12,
                 episode: Episode | None = None, window: bool = True):
        os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
        if not window:
            os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
        import pygame

        self.pg = pygame
        pygame.display.init()
        pygame.font.init()
        self.agent = agent
        self.episode = episode
        self.seeds = [int(s) for s in (seeds if episode is None else [episode.seed])]
        self.rules = episode.rules if episode is not None else rules
        self.fps = float(fps)
        self.cell = cell
        self.size = (self.rules.width * cell + PANEL_W, self.rules.height * cell)
        self.window = window
        if window:
            self.screen = pygame.display.set_mode(self.size)
            pygame.display.set_caption("snake-ai")
            if ICON.exists():
                pygame.display.set_icon(pygame.image.load(str(ICON)))
        else:
            self.screen = pygame.Surface(self.size)
        self.font = pygame.font.Font(None, 22)
        self.small = pygame.font.Font(None, 18)
        self.paused = False
        self.quit = False
        self.game = 0
        self.finished: list[Episode] = []
        self.heading = None
        self.restart()

    # -- game control ---------------------------------------------------------------------------
    def restart(self) -> None:
        seed = self.seeds[self.game]
        self.state = reset(self.rules, np.array([seed], np.uint64))
        self.rng = np.array([agent_stream(np.uint64(seed))], np.uint64)
        self.current = Episode(seed, self.rules, agent=self.name)
        self.cursor = 0
        self.heading = None
        self.over_frames = 0
        self._think()

    @property
    def name(self) -> str:
        if self.episode is not None:
            return f"replay: {self.episode.agent or 'episode'}"
        return "you" if self.agent is None else self.agent.describe()

    def _think(self) -> None:
        """The agent's view of the current state: its inputs, its outputs and its next move."""
        self.inputs = observe(self.state)[0]
        self.outputs = None
        if self.episode is not None or self.agent is None:
            self.next_action = None
        elif self.agent.kind == "teacher":
            a = int(teacher_actions(self.state)[0])
            self.next_action = 1 if a < 0 else a
            self.outputs = np.eye(3, dtype=np.float32)[self.next_action]
        elif self.agent.kind == "random":
            self.outputs = np.full(3, 1 / 3, np.float32)
            self.next_action = None  # drawn when the step happens, from the game's agent stream
        else:
            self.outputs = self.agent.network.forward(self.inputs[None])[0]
            self.next_action = int(np.argmax(self.outputs))

    def step(self) -> None:
        """Advance the game by one action, or to the next game once this one is over."""
        if not self.state.alive[0]:
            self.over_frames += 1
            if self.over_frames > max(1, int(self.fps)):  # about a second on the final board
                self.next_game()
            return
        if self.episode is not None:
            if self.cursor >= len(self.episode.actions):
                self.quit = True
                return
            a = self.episode.actions[self.cursor]
            self.cursor += 1
        elif self.agent is None:
            a = 1 if self.heading is None else relative_action(self.state.direction[0], self.heading)
        elif self.agent.kind == "random":
            a = int(agent_actions(self.agent, self.state, self.rng)[0])
        else:
            a = self.next_action
        self.current.actions.append(int(a))
        step_inplace(self.state, [a])
        if not self.state.alive[0]:
            self.current.apples, self.current.steps = int(self.state.apples[0]), int(self.state.steps[0])
            self.finished.append(self.current)
        self._think()

    def next_game(self) -> None:
        if self.game + 1 >= len(self.seeds):
            self.quit = True
            return
        self.game += 1
        self.restart()

    # -- events ---------------------------------------------------------------------------------
    def handle(self, event) -> None:
        pg = self.pg
        if event.type == pg.QUIT:
            self.quit = True
        elif event.type == pg.KEYDOWN:
            k = event.key
            if k in (pg.K_q, pg.K_ESCAPE):
                self.quit = True
            elif k == pg.K_SPACE:
                self.paused = not self.paused
            elif k == pg.K_r:
                self.restart()
            elif k in (pg.K_PLUS, pg.K_EQUALS, pg.K_KP_PLUS):
                self.fps = min(240.0, self.fps * 1.5)
            elif k in (pg.K_MINUS, pg.K_KP_MINUS):
                self.fps = max(1.0, self.fps / 1.5)
            elif self.agent is None and self.episode is None and k in (pg.K_UP, pg.K_DOWN, pg.K_LEFT, pg.K_RIGHT):
                self.heading = HEADINGS[{pg.K_UP: "up", pg.K_DOWN: "down", pg.K_LEFT: "left", pg.K_RIGHT: "right"}[k]]
            elif k == pg.K_RIGHT and self.paused:
                self.step()

    def pump(self) -> None:
        for event in self.pg.event.get():
            self.handle(event)

    # -- drawing --------------------------------------------------------------------------------
    def draw(self) -> None:
        pg = self.pg
        board = draw_board(self.state, 0, self.cell)
        self.screen.fill(BACKGROUND)
        self.screen.blit(pg.surfarray.make_surface(board.swapaxes(0, 1)), (0, 0))
        x0 = self.rules.width * self.cell + 14
        y = 12
        s = self.state

        def line(text, color=TEXT, font=None):
            nonlocal y
            surf = (font or self.font).render(text, True, color)
            self.screen.blit(surf, (x0, y))
            y += surf.get_height() + 4

        line("snake-ai", (120, 220, 140))
        line(self.name[:30], DIM, self.small)
        y += 4
        line(f"game {self.game + 1} / {len(self.seeds)}")
        line(f"apples {int(s.apples[0])}   length {int(s.length[0])}")
        line(f"step {int(s.steps[0])} / {self.rules.max_steps}")
        status = {0: "playing", 1: "died", 2: "max steps"}[int(s.status[0])]
        line(("paused - " if self.paused else "") + status, DEAD_COLOR if s.status[0] == 1 else DIM)
        y += 6
        line("inputs", DIM, self.small)
        for name, v in zip(FEATURE_NAMES, self.inputs):
            line(f"{name:14s} {v:+.2f}", TEXT, self.small)
        y += 6
        if self.outputs is not None:
            line("outputs  (left / straight / right)", DIM, self.small)
            for name, p in zip(("left", "straight", "right"), self.outputs):
                pg.draw.rect(self.screen, (50, 50, 60), (x0 + 70, y + 2, 150, 12))
                pg.draw.rect(self.screen, BAR, (x0 + 70, y + 2, int(150 * max(0.0, min(1.0, float(p)))), 12))
                line(f"{name:9s} {float(p):.2f}", TEXT, self.small)
        y = max(y + 6, self.size[1] - 44)
        for hint in ("space pause  -> step  +/- speed", "r restart  q quit" + ("  arrows steer" if self.agent is None and self.episode is None else "")):
            line(hint, DIM, self.small)
        if self.window:
            pg.display.flip()

    def frame(self) -> np.ndarray:
        """The current picture as uint8 (H, W, 3)."""
        self.draw()
        return self.pg.surfarray.array3d(self.screen).swapaxes(0, 1).copy()

    def run(self) -> list[Episode]:
        from ..interrupt import deferred, requested

        clock = self.pg.time.Clock()
        try:
            with deferred(raise_at_end=False):  # Ctrl-C / SIGTERM quit like q (the CLI then exits 130 / 143)
                while not self.quit and requested() is None:
                    self.pump()
                    if not self.paused and not self.quit:
                        self.step()
                    self.draw()
                    clock.tick(self.fps)
        finally:
            self.close()
        return self.finished

    def close(self) -> None:
        if self.window:
            self.pg.display.quit()


def record(viewer: Viewer, path, frames: int = 600, stride: int = 1) -> int:
    """Render up to ``frames`` frames off-screen into a GIF (or MP4 with imageio-ffmpeg installed)."""
    from ..atomic import atomic_path
    from ..errors import SnakeAIError

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".gif", ".mp4"):
        raise SnakeAIError(f"{path}: recordings are .gif or .mp4")
    shots = []
    while len(shots) < frames and not viewer.quit:
        shots.append(viewer.frame())
        for _ in range(stride):
            viewer.step()
    if suffix == ".gif":
        from PIL import Image

        # one palette for every frame, from a sample of them: the few board colours stay exact
        sample = np.concatenate(shots[:: max(1, len(shots) // 8)], axis=0)
        exact = np.zeros((64, sample.shape[1], 3), np.uint8)  # the board colours, weighted in
        for i, color in enumerate((APPLE_COLOR, HEAD_COLOR, BODY, DEAD_COLOR, BAR)):
            exact[:, i * 40:(i + 1) * 40] = color
        sample = np.concatenate([sample, exact], axis=0)
        palette = Image.fromarray(sample).quantize(colors=96, method=Image.Quantize.MEDIANCUT)
        images = [Image.fromarray(f).quantize(palette=palette, dither=Image.Dither.NONE) for f in shots]
        with atomic_path(path) as tmp:
            images[0].save(tmp, format="GIF", save_all=True, append_images=images[1:], loop=0,
                           duration=max(20, int(1000 / viewer.fps)), optimize=False)
    else:
        try:
            import imageio.v2 as imageio
            import imageio_ffmpeg  # noqa: F401
        except ImportError:
            raise SnakeAIError("mp4 needs imageio and imageio-ffmpeg: pip install imageio imageio-ffmpeg (or record a .gif)") from None
        with atomic_path(path) as tmp:
            with imageio.get_writer(tmp, format="FFMPEG", fps=viewer.fps, codec="libx264") as w:
                for f in shots:
                    w.append_data(f)
    return len(shots)
