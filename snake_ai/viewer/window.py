"""The pygame viewer: the engine simulates, this only draws and reads keys.

``Viewer`` plays one game at a time beside a panel of the agent's inputs and outputs, from a
playlist: games of one agent, each generation's best of a run (``live.RunGenerations``), or the
latest best of a run that is still evolving (``live.RunFollower``). ``GridViewer`` plays several
agents side by side on the same game seed with a scoreboard.

Keys: space pauses, right arrow steps once while paused, + / - change speed, r restarts the game,
n skips to the next game, q or Esc quits; closing the window ends cleanly. In ``play`` mode the
arrow keys steer (absolute headings, mapped to the engine's relative moves). The window is
resizable: the board takes the largest whole cell size that fits.
"""

from __future__ import annotations

import os
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import resources
from ..agents import Agent, Decision
from ..engine import Rules
from .draw import APPLE_COLOR, BACKGROUND, BODY, DEAD_COLOR, GRID, HEAD_COLOR, draw_board
from .episode import Episode, EpisodeAgent, Game

PANEL_W = 270
SCOREBOARD_W = 380
MARGIN = 12
TEXT = (220, 220, 230)
DIM = (140, 140, 160)
BAR = (80, 160, 240)
BAR_BACK = (50, 50, 60)
TITLE = (120, 220, 140)
ICON = resources.icon()  # package data: found in an installed wheel too
FEATURE_NAMES = ("left blocked", "front blocked", "right blocked", "apple dx", "apple dy", "snake dx", "snake dy")
OUTPUT_NAMES = ("left", "straight", "right")
PALETTE = (BACKGROUND, GRID, BODY, HEAD_COLOR, APPLE_COLOR, DEAD_COLOR, BAR, BAR_BACK, TEXT, DIM, TITLE)
# absolute heading keys -> (dx, dy)
HEADINGS = {"up": (0, -1), "down": (0, 1), "left": (-1, 0), "right": (1, 0)}
WAIT = object()  # a playlist's answer when its next game is not there yet (a run still evolving)


def relative_action(direction, heading) -> int:
    """The relative move (0 left, 1 straight, 2 right) that turns ``direction`` to ``heading``;
    straight when the heading is the current one or its opposite (a snake cannot reverse)."""
    dx, dy = (int(v) for v in direction)
    if tuple(heading) == (dy, -dx):
        return 0
    if tuple(heading) == (-dy, dx):
        return 2
    return 1


class HumanAgent(Agent):
    """A person at the arrow keys: goes straight until a new heading is set."""

    name = "you"

    def __init__(self):
        self.heading = None

    def steer(self, heading) -> None:
        self.heading = heading

    def act(self, state, rng=None) -> Decision:
        a = 1 if self.heading is None else relative_action(state.direction[0], self.heading)
        return Decision(np.array([a], np.int64))


@dataclass
class Show:
    """One game to play: an agent, a game seed and what the panel calls it."""

    agent: Agent
    seed: int
    label: str = ""


class Playlist:
    """The games a Viewer plays, in order: a fixed list. Subclasses may grow it or switch live."""

    def __init__(self, shows):
        self.shows = list(shows)
        self.index = -1

    def next(self):
        """The next Show, None when there is none (the viewer ends), or WAIT (ask again later)."""
        self.index += 1
        return self.shows[self.index] if self.index < len(self.shows) else None

    def poll(self, viewer) -> Show | None:
        """Called every frame: a Show to switch to at once (a live run's new best), else None."""
        return None

    def status(self) -> list[str]:
        """Extra panel lines about where the games come from."""
        return []


# -- text layout ---------------------------------------------------------------------------------
def ellipsize(font, text: str, width: int) -> str:
    """``text`` cut with '...' so that it renders within ``width`` pixels."""
    if font.size(text)[0] <= width:
        return text
    while text and font.size(text + "...")[0] > width:
        text = text[:-1]
    return text + "..."


def wrap(font, text: str, width: int) -> list[str]:
    """``text`` in lines that each render within ``width`` pixels (words too long are cut)."""
    lines, cur = [], ""
    for word in text.split():
        trial = f"{cur} {word}" if cur else word
        if font.size(trial)[0] <= width:
            cur = trial
            continue
        if cur:
            lines.append(cur)
        cur = ellipsize(font, word, width)
    if cur:
        lines.append(cur)
    return lines or [""]


def screen_limit() -> tuple[int, int] | None:
    """About the desktop's size less room for the title bar and task bar; None when unknown."""
    import pygame

    info = pygame.display.Info()
    if info.current_w <= 0 or info.current_h <= 0:
        return None
    return int(info.current_w * 0.95), int(info.current_h * 0.88)


# -- the window ----------------------------------------------------------------------------------
class Window(ABC):
    """What every viewer shares: pygame set-up, a resizable window (or an off-screen surface for
    recordings), fonts, the common keys, the loop and frame capture."""

    def __init__(self, rules: Rules, fps: float, cell: int | None, window: bool, caption: str = "snake-ai"):
        os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
        if not window:
            os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
        import pygame

        import numba

        self.pg = pygame
        # one game per agent steps at a time: the engine's kernels run in this thread, not a pool
        # (waking a pool for each tiny batch costs more than the step, on a busy machine 100 times more)
        self._threads = numba.get_num_threads()
        numba.set_num_threads(1)
        pygame.display.init()
        pygame.font.init()
        self.rules = rules
        self.fps = float(fps)
        self.window = window
        self.font = pygame.font.Font(None, 22)
        self.small = pygame.font.Font(None, 18)
        self.paused = False
        self.quit = False
        limit = screen_limit() if window else None
        self.cell = self.fit_cell(cell, limit)
        self.size = self.window_size(self.cell)
        if window:
            self.screen = pygame.display.set_mode(self.size, pygame.RESIZABLE)
            pygame.display.set_caption(caption)
            if ICON.exists():
                pygame.display.set_icon(pygame.image.load(str(ICON)))
        else:
            self.screen = pygame.Surface(self.size)

    # what a viewer defines ---------------------------------------------------------------------------
    @abstractmethod
    def window_size(self, cell: int) -> tuple[int, int]:
        """The picture's size in pixels at ``cell`` pixels per board cell."""

    @abstractmethod
    def step(self) -> None:
        """Advance the game(s) by one move."""

    @abstractmethod
    def draw(self) -> None:
        """Draw the current picture onto ``self.screen``."""

    @property
    @abstractmethod
    def holding(self) -> bool:
        """Showing finished games before going on (recordings then take one step per frame)."""

    @abstractmethod
    def restart(self) -> None:
        """Start the current game(s) again."""

    @abstractmethod
    def next_game(self) -> None:
        """Go on to the next game(s); set ``quit`` when there are none."""

    def cell_for(self, size: tuple[int, int]) -> int:
        """The largest cell size whose layout fits in ``size`` (at least 1)."""
        cell = 1
        while cell < 64:
            w, h = self.window_size(cell + 1)
            if w > size[0] or h > size[1]:
                break
            cell += 1
        return cell

    def fit_cell(self, cell: int | None, limit) -> int:
        """The requested cell size (12 when none), made smaller when the window would not fit ``limit``."""
        cell = 12 if cell is None else int(cell)
        if limit is not None:
            cell = min(cell, self.cell_for(limit))
        return max(1, cell)

    # keys -------------------------------------------------------------------------------------------
    def handle(self, event) -> None:
        pg = self.pg
        if event.type == pg.QUIT:
            self.quit = True
        elif event.type == pg.VIDEORESIZE and self.window:
            self.screen = pg.display.get_surface()
            if self.screen.get_size() != (event.w, event.h):  # SDL did not resize it for us
                self.screen = pg.display.set_mode((event.w, event.h), pg.RESIZABLE)
            self.size = self.screen.get_size()
            self.cell = self.cell_for(self.size)
        elif event.type == pg.KEYDOWN:
            k = event.key
            if k in (pg.K_q, pg.K_ESCAPE):
                self.quit = True
            elif k == pg.K_SPACE:
                self.paused = not self.paused
            elif k == pg.K_r:
                self.restart()
            elif k == pg.K_n:
                self.next_game()
            elif k in (pg.K_PLUS, pg.K_EQUALS, pg.K_KP_PLUS):
                self.fps = min(480.0, self.fps * 1.5)
            elif k in (pg.K_MINUS, pg.K_KP_MINUS):
                self.fps = max(1.0, self.fps / 1.5)
            elif not self.key(k) and k == pg.K_RIGHT and self.paused:
                self.step()

    def key(self, k) -> bool:
        """A subclass's own keys; True when it used the key."""
        return False

    def pump(self) -> None:
        for event in self.pg.event.get():
            self.handle(event)

    # drawing helpers --------------------------------------------------------------------------------
    def text(self, text: str, x: int, y: int, color=TEXT, font=None, width: int | None = None) -> int:
        """Draw ``text`` (cut to ``width`` pixels) at (x, y); returns its height."""
        font = font or self.font
        if width is not None:
            text = ellipsize(font, text, width)
        surf = font.render(text, True, color)
        self.screen.blit(surf, (x, y))
        return surf.get_height()

    def blit_board(self, state, x: int, y: int) -> None:
        board = draw_board(state, 0, self.cell)
        self.screen.blit(self.pg.surfarray.make_surface(board.swapaxes(0, 1)), (x, y))

    def hints(self, x: int, width: int, extra: str = "") -> None:
        lines = wrap(self.small, "space pause  -> step  +/- speed  r restart  n next  q quit" + extra, width)
        y = self.screen.get_height() - 8 - len(lines) * (self.small.get_linesize() + 2)
        for line in lines:
            y += self.text(line, x, y, DIM, self.small) + 2

    # the loop -----------------------------------------------------------------------------------------
    def frame(self) -> np.ndarray:
        """The current picture as uint8 (H, W, 3)."""
        self.draw()
        return self.pg.surfarray.array3d(self.screen).swapaxes(0, 1).copy()

    def run(self):
        from ..interrupt import deferred, requested

        clock = self.pg.time.Clock()
        try:
            with deferred(raise_at_end=False):  # Ctrl-C / SIGTERM quit like q (the CLI then exits 130 / 143)
                while not self.quit and requested() is None:
                    self.pump()
                    if not self.paused and not self.quit:
                        self.step()
                    self.draw()
                    if self.window:
                        self.pg.display.flip()
                    clock.tick(self.fps)
        finally:
            self.close()
        return self.finished

    def close(self) -> None:
        import numba

        numba.set_num_threads(self._threads)
        if self.window:
            self.pg.display.quit()


class Viewer(Window):
    """One game at a time, with the agent's inputs and outputs live.

    ``Viewer(agent, seeds)`` plays ``agent`` on each seed in turn; ``agent=None`` lets a person
    steer; ``episode=`` replays a saved game; ``playlist=`` gives any other order of games.
    """

    def __init__(self, agent, seeds=(), rules: Rules = Rules(), fps: float = 15.0, cell: int | None = 12,
                 episode: Episode | None = None, window: bool = True, playlist: Playlist | None = None):
        if playlist is None:
            if episode is not None:
                playlist = Playlist([Show(EpisodeAgent(episode), episode.seed, "replay")])
                rules = episode.rules
            else:
                agent = HumanAgent() if agent is None else agent
                seeds = [int(s) for s in seeds]
                playlist = Playlist([Show(agent, s, f"game {i + 1} / {len(seeds)}") for i, s in enumerate(seeds)])
        self.playlist = playlist
        self.finished: list[Episode] = []
        self.game: Game | None = None
        self.show: Show | None = None
        self.waiting = False
        super().__init__(rules, fps, cell, window)
        self.next_game()

    def window_size(self, cell):
        return self.rules.width * cell + PANEL_W, max(self.rules.height * cell, 470)

    # game control --------------------------------------------------------------------------------------
    @property
    def state(self):
        return self.game.state

    @property
    def holding(self) -> bool:
        """The game is over and its final board is being shown before the next one."""
        return self.game is not None and self.game.over and not self.waiting

    @property
    def current(self) -> Episode:
        return self.game.episode

    @property
    def agent(self) -> Agent | None:
        return None if self.show is None else self.show.agent

    def start(self, show: Show) -> None:
        self.show = show
        self.game = Game(show.agent, show.seed, self.rules, show.label)
        self.started = time.monotonic()
        self.over_frames = 0
        self.waiting = False

    def restart(self) -> None:
        if self.show is not None:
            self.start(self.show)

    def relabel(self, show: Show) -> None:
        """Name the game playing after ``show`` without restarting it (its agent plays the same way)."""
        self.show = show
        if self.game is not None:
            self.game.agent, self.game.label = show.agent, show.label

    def next_game(self) -> None:
        nxt = self.playlist.next()
        if nxt is None:
            self.quit = True
        elif nxt is WAIT:
            self.waiting = True
        else:
            self.start(nxt)

    def step(self) -> None:
        """Advance the game by one move, or to the next game about a second after this one ended."""
        switch = self.playlist.poll(self)
        if switch is not None:
            self.start(switch)
            return
        if self.game is None or self.waiting:
            self.next_game()  # ask the playlist again
            return
        if self.game.over:
            self.over_frames += 1
            if self.over_frames > max(1, int(self.fps)):  # about a second on the final board
                self.next_game()
            return
        self.game.advance()
        if self.game.over:
            self.finished.append(self.game.episode)

    def key(self, k) -> bool:
        pg = self.pg
        steer = getattr(self.agent, "steer", None)
        if steer is not None and k in (pg.K_UP, pg.K_DOWN, pg.K_LEFT, pg.K_RIGHT):
            steer(HEADINGS[{pg.K_UP: "up", pg.K_DOWN: "down", pg.K_LEFT: "left", pg.K_RIGHT: "right"}[k]])
            if self.game is not None:
                self.game.think()  # the person changed their mind (a HumanAgent draws nothing)
            return True
        return False

    # drawing ----------------------------------------------------------------------------------------------
    def draw(self) -> None:
        pg = self.pg
        W, H = self.screen.get_size()
        self.screen.fill(BACKGROUND)
        bw, bh = self.rules.width * self.cell, self.rules.height * self.cell
        board_area = W - PANEL_W
        bx, by = max(0, (board_area - bw) // 2), max(0, (H - bh) // 2)
        if self.game is not None:
            self.blit_board(self.game.state, bx, by)
        else:
            pg.draw.rect(self.screen, GRID, (bx, by, bw, bh), 1)
        x0 = max(bx + bw, board_area) + 14
        width = W - x0 - 10
        y = 10

        def line(text, color=TEXT, font=None, gap=3):
            nonlocal y
            y += self.text(text, x0, y, color, font, width) + gap

        def wrapped(text, color=TEXT, font=None):
            for part in wrap(font or self.font, text, width):
                line(part, color, font, 2)

        line("snake-ai", TITLE)
        agent = self.agent
        if agent is not None:
            wrapped(agent.name, DIM, self.small)
            for label, value in agent.details():
                wrapped(f"{label}  {value}", TEXT, self.small)
        for extra in self.playlist.status():
            wrapped(extra, DIM, self.small)
        y += 4
        g = self.game
        if g is None:
            line("waiting for the first generation", DIM)
            self.hints(x0, width)
            return
        s = g.state
        if g.label:
            line(g.label)
        line(f"apples {int(s.apples[0])}   length {int(s.length[0])}")
        line(f"step {int(s.steps[0])} / {self.rules.max_steps}")
        status = g.status()
        if self.waiting:
            status += " - waiting for the next generation"
        line(("paused - " if self.paused else "") + status, DEAD_COLOR if status.startswith("died") else DIM, self.small)
        y += 6
        line("inputs", DIM, self.small)
        for name, v in zip(FEATURE_NAMES, g.inputs):
            self.text(name, x0, y, TEXT, self.small)
            val = self.small.render(f"{float(v):+.2f}", True, TEXT)
            self.screen.blit(val, (x0 + width - val.get_width(), y))
            y += val.get_height() + 2
        y += 6
        if g.outputs is not None:
            line("outputs", DIM, self.small)
            label_w = max(self.small.size(n)[0] for n in OUTPUT_NAMES) + 8
            value_w = self.small.size("0.00")[0] + 6
            bar_w = max(10, width - label_w - value_w)
            for name, p in zip(OUTPUT_NAMES, g.outputs):
                p = float(np.clip(p, 0.0, 1.0))
                h = self.small.get_linesize()
                pg.draw.rect(self.screen, BAR_BACK, (x0 + label_w, y + 1, bar_w, h - 3))
                pg.draw.rect(self.screen, BAR, (x0 + label_w, y + 1, int(round(bar_w * p)), h - 3))
                self.text(name, x0, y, TEXT, self.small)
                self.text(f"{p:.2f}", x0 + label_w + bar_w + 6, y, TEXT, self.small)
                y += h + 3
        self.hints(x0, width, "  arrows steer" if getattr(agent, "steer", None) else "")


class GridViewer(Window):
    """Several agents side by side, each on the same game seed, with a live scoreboard; restart,
    speed and next-game keys act on every board. When every game is over, all move to the next seed."""

    HEADER = 20
    GAP = 8

    def __init__(self, agents, seeds, rules: Rules = Rules(), fps: float = 15.0, cell: int | None = None,
                 window: bool = True):
        if not agents:
            raise ValueError("a grid needs at least one agent")
        self.agents = list(agents)
        self.seeds = [int(s) for s in seeds]
        n = len(self.agents)
        self.cols = n if n <= 3 else int(np.ceil(np.sqrt(n)))
        self.rows = int(np.ceil(n / self.cols))
        self.game_index = -1
        self.games: list[Game] = []
        self.totals = [0] * n
        self.finished: list[list[Episode]] = [[] for _ in range(n)]
        super().__init__(rules, fps, 6 if cell is None and not window else cell, window)
        self.next_game()

    def window_size(self, cell):
        bw, bh = self.rules.width * cell, self.rules.height * cell
        w = self.cols * (bw + self.GAP) + self.GAP + SCOREBOARD_W
        h = max(self.rows * (bh + self.HEADER + self.GAP) + self.GAP, 170 + 22 * len(self.agents))
        return w, h

    def tile_rect(self, i: int) -> tuple[int, int, int, int]:
        """(x, y, w, h) of agent i's board in the picture."""
        r, c = divmod(i, self.cols)
        bw, bh = self.rules.width * self.cell, self.rules.height * self.cell
        return (self.GAP + c * (bw + self.GAP), self.GAP + r * (bh + self.HEADER + self.GAP) + self.HEADER, bw, bh)

    @property
    def holding(self) -> bool:
        """Every game is over and the final boards are being shown before the next seed."""
        return all(g.over for g in self.games)

    def restart(self) -> None:
        seed = self.seeds[self.game_index]
        self.games = [Game(a, seed, self.rules, f"game {self.game_index + 1} / {len(self.seeds)}") for a in self.agents]
        self.over_frames = 0

    def next_game(self) -> None:
        if self.games:  # the games being left count towards the totals (finished ones are already in)
            for i, g in enumerate(self.games):
                if not g.over:
                    self.totals[i] += int(g.state.apples[0])
        if self.game_index + 1 >= len(self.seeds):
            self.quit = True
            return
        self.game_index += 1
        self.restart()

    def step(self) -> None:
        if all(g.over for g in self.games):
            self.over_frames += 1
            if self.over_frames > max(1, int(self.fps)):
                self.next_game()
            return
        for i, g in enumerate(self.games):
            if not g.over:
                g.advance()
                if g.over:
                    self.finished[i].append(g.episode)
                    self.totals[i] += g.episode.apples

    def draw(self) -> None:
        W, H = self.screen.get_size()
        self.screen.fill(BACKGROUND)
        best = max(int(g.state.apples[0]) for g in self.games)
        for i, g in enumerate(self.games):
            x, y, bw, bh = self.tile_rect(i)
            self.blit_board(g.state, x, y)
            apples = int(g.state.apples[0])
            score = self.small.render(f"{apples}", True, HEAD_COLOR if apples == best and best > 0 else TEXT)
            self.screen.blit(score, (x + bw - score.get_width(), y - self.HEADER + 3))
            self.text(f"{i + 1}  {self.agents[i].describe()}", x, y - self.HEADER + 3, TEXT, self.small,
                      bw - score.get_width() - 8)
        x0 = self.cols * (self.rules.width * self.cell + self.GAP) + self.GAP + 6
        width = W - x0 - 10
        y = 10
        y += self.text("snake-ai", x0, y, TITLE) + 3
        y += self.text(f"game {self.game_index + 1} / {len(self.seeds)}, the same seed for all", x0, y, DIM,
                       self.small, width) + 3
        steps = max(int(g.state.steps[0]) for g in self.games)
        y += self.text(("paused - " if self.paused else "") + f"step {steps} / {self.rules.max_steps}", x0, y, TEXT,
                       self.small, width) + 10
        # columns: number, name (what is left), then right-aligned figures and the status
        figs = [("apples", 46), ("length", 46), ("steps", 44), ("", 46), ("total", 40)]
        edges, right = [], x0 + width
        for name, w in reversed(figs):
            edges.append(right)
            right -= w
        edges.reverse()
        name_w = right - (x0 + 18) - 6
        for (name, w), edge in zip(figs, edges):
            t = self.small.render(name, True, DIM)
            self.screen.blit(t, (edge - t.get_width(), y))
        self.text("#", x0, y, DIM, self.small)
        self.text("agent", x0 + 18, y, DIM, self.small)
        y += self.small.get_linesize() + 4
        for i, g in enumerate(self.games):
            s = g.state
            status = g.status()
            apples = int(s.apples[0])
            color = HEAD_COLOR if apples == best and best > 0 else TEXT
            self.text(str(i + 1), x0, y, color, self.small)
            self.text(self.agents[i].name, x0 + 18, y, color, self.small, name_w)
            values = [str(apples), str(int(s.length[0])), str(int(s.steps[0])),
                      {"playing": "alive", "max steps": "max"}.get(status, status),
                      str(self.totals[i] + (apples if not g.over else 0))]
            for (name, w), edge, val in zip(figs, edges, values):
                t = self.small.render(val, True, DEAD_COLOR if name == "" and status == "died" else color)
                self.screen.blit(t, (edge - t.get_width(), y))
            y += self.small.get_linesize() + 6
        self.hints(x0, width)


def record(viewer: Window, path, frames: int = 600, stride: int = 1) -> int:
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
        for _ in range(1 if viewer.holding else stride):  # the final board keeps its second in the recording
            viewer.step()
            if viewer.quit:
                break
    if not shots:
        raise SnakeAIError("nothing to record")
    if suffix == ".gif":
        from PIL import Image

        # one palette for every frame: the viewer's own colours first, kept exact, then the text's
        # shades; one index left free for optimize=True to mark unchanged pixels transparent
        sample = np.concatenate(shots[:: max(1, len(shots) // 8)], axis=0)
        n_shades = 256 - len(PALETTE) - 1
        shades = Image.fromarray(sample).quantize(colors=n_shades, method=Image.Quantize.MEDIANCUT)
        colors = [c for rgb in PALETTE for c in rgb] + shades.getpalette()[: 3 * n_shades]
        pal = Image.new("P", (1, 1))
        pal.putpalette(colors + [0] * (768 - len(colors)))

        keys = [(r << 16) | (g << 8) | b for r, g, b in PALETTE]

        def indexed(f):
            idx = np.array(Image.fromarray(f).quantize(palette=pal, dither=Image.Dither.NONE))
            key = (f[..., 0].astype(np.int32) << 16) | (f[..., 1].astype(np.int32) << 8) | f[..., 2]
            for i, k in enumerate(keys):  # the quantizer's lookup is approximate: pin the exact colours
                idx[key == k] = i
            im = Image.fromarray(idx, "P")
            im.putpalette(pal.getpalette())
            return im

        images = [indexed(f) for f in shots]
        with atomic_path(path) as tmp:
            images[0].save(tmp, format="GIF", save_all=True, append_images=images[1:], loop=0,
                           duration=max(20, int(1000 / viewer.fps)), optimize=True)
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
