"""Decision tables: reactive policies of the 7 inputs, one move per situation.

The angle teacher decides from the three blocked flags and the apple's angle relative to the
heading, nothing else. A decision table spells out such a policy. It is an int64 array (7, 2 bins
+ 2) of moves (0 left, 1 straight, 2 right):

* a row per blocked combination ``lb*4 + fb*2 + rb`` (all three blocked is death, so it has no row);
* a column per apple angle (``core.angle_bin``): 0 exactly ahead (or no apple), 1 exactly behind,
  then ``bins`` equal bins of the teacher's angle on the right (0 to 1, the apple straight ahead
  first), then ``bins`` on the left.

``teacher_table(bins)`` is the study's teacher (SPEC section 2) written as a table, for any
``bins``. It plays exactly the teacher's games (tested). The engine plays tables in
``play_table`` and records their decisions in ``record_table``.
"""

from __future__ import annotations

import numpy as np

from .core import table_move

BLOCKED_ROWS = 7
MOVES = "LSR"  # the letter of each move in ``describe``


def teacher_table(bins: int = 8) -> np.ndarray:
    """The angle teacher and the study's blocked-move table as a decision table."""
    t = np.zeros((BLOCKED_ROWS, 2 + 2 * bins), np.int64)
    for c in range(BLOCKED_ROWS):
        lb, fb, rb = c >> 2 & 1, c >> 1 & 1, c & 1
        for b in range(t.shape[1]):
            want = 1 if b == 0 else 2 if b < 2 + bins else 0  # ahead: straight; behind or right: right
            t[c, b] = table_move(want, lb, fb, rb)
    return t


def table_bins(table: np.ndarray) -> int:
    """The angle bins per side of a decision table."""
    return (table.shape[1] - 2) // 2


def check_table(table) -> np.ndarray:
    """``table`` as a contiguous int64 decision table; ValueError when it is not one."""
    t = np.asarray(table)
    if t.ndim != 2 or t.shape[0] != BLOCKED_ROWS or t.shape[1] < 4 or t.shape[1] % 2:
        raise ValueError(f"a decision table has shape (7, 2 * bins + 2) with bins >= 1, got {t.shape}")
    if not np.issubdtype(t.dtype, np.integer) or t.min() < 0 or t.max() > 2:
        raise ValueError("a decision table holds moves 0 (left), 1 (straight) and 2 (right)")
    return np.ascontiguousarray(t, np.int64)


def free_moves(row: int) -> list[int]:
    """The moves that are not blocked in a table row."""
    return [a for a, bit in enumerate((row >> 2 & 1, row >> 1 & 1, row & 1)) if not bit]


def describe(table: np.ndarray) -> list[str]:
    """One line per row: the blocked combination, then a letter per column (L, S, R)."""
    return [f"L{c >> 2 & 1}F{c >> 1 & 1}R{c & 1} " + "".join(MOVES[m] for m in row) for c, row in enumerate(check_table(table))]
