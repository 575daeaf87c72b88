"""A plain-Python Snake, written from SPEC.md for the tests and the benchmark's baseline.

It shares no code with the compiled engine: a deque for the body, a set for occupancy, Python
integers for the random stream, ``math.atan2`` for the teacher's angle. The tests step it side by
side with the engine and demand identical states.
"""

from __future__ import annotations

import math
from collections import deque

MASK = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15


def mix64(z: int) -> int:
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def game_seed(seed: int, i: int) -> int:
    return mix64((mix64(seed & MASK) + i * GOLDEN) & MASK)


class Stream:
    """splitmix64, the engine's per-game random stream."""

    def __init__(self, state: int):
        self.state = state & MASK

    def below(self, n: int) -> int:
        self.state = (self.state + GOLDEN) & MASK
        return (mix64(self.state) >> 11) % n


class RefGame:
    """One game under the classic rules (SPEC section 1), parameterised like ``Rules``."""

    def __init__(self, seed: int, width=50, height=50, start=(10, 10), start_length=3,
                 direction=(1, 0), max_steps=2000):
        self.W, self.H, self.max_steps = width, height, max_steps
        self.rng = Stream(seed)
        self.agent_rng = Stream(mix64((seed & MASK) ^ 0xD1B54A32D192ED03))
        self.dx, self.dy = direction
        hx, hy = start
        self.body = deque((hx - k * self.dx, hy - k * self.dy) for k in range(start_length))  # head first
        self.cells = set(self.body)
        self.steps = 0
        self.apples = 0
        self.status = 0  # 0 running, 1 dead, 2 truncated
        self.apple = None
        self._place_apple()

    def _place_apple(self):
        W, H = self.W, self.H
        for _ in range(64):
            x = 1 + self.rng.below(W - 1)
            y = 1 + self.rng.below(H - 1)
            if (x, y) not in self.cells:
                self.apple = (x, y)
                return
        free = [(x, y) for y in range(1, H) for x in range(1, W) if (x, y) not in self.cells]
        self.apple = free[self.rng.below(len(free))] if free else None

    @property
    def length(self):
        return len(self.body)

    def _off(self, x, y):
        return not (0 <= x < self.W and 0 <= y < self.H)

    def step(self, action: int) -> int:
        if self.status != 0:
            return 0
        dx, dy = self.dx, self.dy
        if action == 0:
            dx, dy = dy, -dx
        elif action == 2:
            dx, dy = -dy, dx
        self.dx, self.dy = dx, dy
        self.steps += 1
        hx, hy = self.body[0]
        new = (hx + dx, hy + dy)
        if self._off(*new):
            self.status = 1
            return 0
        eat = new == self.apple
        tail = self.body[-1]
        if new in self.cells and not (new == tail and not eat):
            self.status = 1
            return 0
        if not eat:
            self.body.pop()
            self.cells.discard(tail)
        self.body.appendleft(new)
        self.cells.add(new)
        reward = 0
        if eat:
            self.apples += 1
            reward = 1
            self._place_apple()
        if self.steps >= self.max_steps:
            self.status = 2
        return reward

    def blocked(self):
        hx, hy = self.body[0]
        dx, dy = self.dx, self.dy
        out = []
        for cx, cy in ((dy, -dx), (dx, dy), (-dy, dx)):
            x, y = hx + cx, hy + cy
            out.append(1 if self._off(x, y) or (x, y) in self.cells else 0)
        return out

    def observe(self):
        lb, fb, rb = self.blocked()
        hx, hy = self.body[0]
        if self.apple is None:
            ax = ay = 0.0
        else:
            vx, vy = self.apple[0] - hx, self.apple[1] - hy
            n = math.sqrt(vx * vx + vy * vy)
            ax, ay = (vx / n, vy / n) if n else (0.0, 0.0)
        return [float(lb), float(fb), float(rb), ax, ay, float(self.dx), float(self.dy)]

    def teacher(self):
        """The angle teacher; None when all three moves are blocked."""
        return teacher_from_features(self.observe())


def angle(ax, ay, sx, sy):
    """SPEC: atan2(ay*sx - ax*sy, ay*sy + ax*sx) / pi; an apple straight behind gives 1."""
    cross = ay * sx - ax * sy
    dot = ay * sy + ax * sx
    if cross == 0 and dot < 0:
        return 1.0
    return math.atan2(cross, dot) / math.pi


# (wanted, left blocked, front blocked, right blocked) -> label, SPEC section 2's table
TABLE = {
    (0, 1, 1, 0): 2, (0, 1, 0, 1): 1, (0, 1, 0, 0): 2,
    (1, 1, 1, 0): 2, (1, 0, 1, 1): 0, (1, 0, 1, 0): 2,
    (2, 1, 0, 1): 1, (2, 0, 1, 1): 0, (2, 0, 0, 1): 0,
}


def teacher_from_features(f):
    lb, fb, rb, ax, ay, sx, sy = f
    lb, fb, rb = int(lb), int(fb), int(rb)
    if lb and fb and rb:
        return None
    a = angle(ax, ay, sx, sy)
    want = 2 if a > 0 else 0 if a < 0 else 1
    if not (lb, fb, rb)[want]:
        return want
    return TABLE[(want, lb, fb, rb)]


def play(game: RefGame, policy: str = "teacher"):
    """Play a game to its end with 'teacher' or 'random'; returns (apples, steps)."""
    while game.status == 0:
        if policy == "teacher":
            a = game.teacher()
            a = 1 if a is None else a
        else:
            a = game.agent_rng.below(3)
        game.step(a)
    return game.apples, game.steps
