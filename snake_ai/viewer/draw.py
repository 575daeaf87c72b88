"""Board frames as numpy RGB arrays: no pygame needed, so recordings and tests run headless."""

from __future__ import annotations

import numpy as np

from ..engine import Status

BACKGROUND = (18, 18, 24)
GRID = (30, 30, 40)
BODY = (60, 190, 90)
HEAD_COLOR = (250, 230, 80)
APPLE_COLOR = (230, 50, 50)
DEAD_COLOR = (120, 120, 120)


def draw_board(state, g: int = 0, cell: int = 10) -> np.ndarray:
    """uint8 (H*cell, W*cell, 3): grid lines, the body, a distinct head and the apple of game g."""
    W, H = state.rules.width, state.rules.height
    img = np.empty((H * cell, W * cell, 3), np.uint8)
    img[:] = BACKGROUND
    if cell >= 4:
        img[::cell, :] = GRID
        img[:, ::cell] = GRID
    alive = bool(state.alive[g]) or state.status[g] == Status.TRUNCATED
    body_color = BODY if alive else DEAD_COLOR
    pad = 1 if cell >= 4 else 0

    def fill(c, color):
        x, y = c % W, c // W
        img[y * cell + pad:(y + 1) * cell - pad or None, x * cell + pad:(x + 1) * cell - pad or None] = color

    grid = state.grid[g]
    for c in np.flatnonzero(grid):
        fill(int(c), body_color)
    hx, hy = state.head[g]
    fill(int(hy * W + hx), HEAD_COLOR)
    ax, ay = state.apple[g]
    if ax >= 0:
        fill(int(ay * W + ax), APPLE_COLOR)
    return img
