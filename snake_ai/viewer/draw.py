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
    alive = bool(state.alive[g]) or int(state.status[g]) == int(Status.TRUNCATED)  # truncated games stay green
    body_color = BODY if alive else DEAD_COLOR
    pad = 1 if cell >= 4 else 0

    def fill(x, y, color):
        img[y * cell + pad:(y + 1) * cell - pad or None, x * cell + pad:(x + 1) * cell - pad or None] = color

    cells = state.snake(g)  # head first
    for x, y in cells[1:]:
        fill(x, y, body_color)
    fill(*cells[0], HEAD_COLOR)
    ax, ay = (int(v) for v in state.apple[g])
    if ax >= 0:
        fill(ax, ay, APPLE_COLOR)
    return img
