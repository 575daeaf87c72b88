"""The angle teacher and its blocked-move table, row by row (SPEC section 2)."""

import pytest

from snake_ai.engine import Rules, from_cells, observe, teacher_actions
from snake_ai.engine.core import table_move, teacher_move
from snake_ai.engine import reference as ref

L, S, Rt = 0, 1, 2

# SPEC's table, written out literally: (wanted, left, front, right blocked) -> label
SPEC_TABLE = [
    (L, 1, 1, 0, Rt), (L, 1, 0, 1, S), (L, 1, 0, 0, Rt),
    (S, 1, 1, 0, Rt), (S, 0, 1, 1, L), (S, 0, 1, 0, Rt),
    (Rt, 1, 0, 1, S), (Rt, 0, 1, 1, L), (Rt, 0, 0, 1, L),
]


@pytest.mark.parametrize("want,lb,fb,rb,label", SPEC_TABLE)
def test_table_rows(want, lb, fb, rb, label):
    assert table_move(want, lb, fb, rb) == label
    assert ref.TABLE[(want, lb, fb, rb)] == label


@pytest.mark.parametrize("want", [L, S, Rt])
def test_free_wanted_move_is_taken(want):
    for lb in (0, 1):
        for fb in (0, 1):
            for rb in (0, 1):
                if not (lb, fb, rb)[want]:
                    assert table_move(want, lb, fb, rb) == want


def test_all_blocked():
    for want in (L, S, Rt):
        assert table_move(want, 1, 1, 1) == -1


@pytest.mark.parametrize("apple,expected", [
    ((1, 0), S),    # ahead
    ((0, 1), Rt),   # below while heading right: a right turn (y grows down)
    ((0, -1), L),   # above: left
    ((-1, 0), Rt),  # straight behind: angle = 1, right
    ((3, 2), Rt), ((3, -2), L), ((-3, 2), Rt), ((-3, -2), L),
])
def test_angle(apple, expected):
    assert teacher_move(0, 0, 0, apple[0], apple[1], 1, 0) == expected
    assert ref.teacher_from_features([0, 0, 0, apple[0], apple[1], 1, 0]) == expected


@pytest.mark.parametrize("heading", [(1, 0), (-1, 0), (0, 1), (0, -1)])
def test_angle_rotates_with_heading(heading):
    dx, dy = heading
    # rotate the heading-right cases into this heading
    for (ax, ay), want in [((1, 0), S), ((0, 1), Rt), ((0, -1), L), ((-1, 0), Rt)]:
        rx, ry = ax * dx - ay * dy, ax * dy + ay * dx
        assert teacher_move(0, 0, 0, rx, ry, dx, dy) == want


def test_hand_built_board_wanted_move_blocked():
    # heading right with the apple above (wants left) but the body is above the head:
    # left blocked, front free, right free -> right
    cells = [(10, 10), (9, 10), (9, 9), (10, 9), (11, 9)]
    st = from_cells(Rules(), cells, (1, 0), (10, 2))
    o = observe(st)[0]
    assert tuple(o[:3]) == (1.0, 0.0, 0.0)
    assert teacher_actions(st)[0] == Rt


def test_hand_built_board_all_blocked():
    cells = [(10, 10), (10, 11), (11, 11), (11, 10), (11, 9), (10, 9), (9, 9), (9, 10), (9, 11)]
    st = from_cells(Rules(), cells[:1] + cells[1:], (0, 1), (30, 30))
    # heading down from (10,10): front (10,11) body, left (11,10) body, right (9,10) body
    assert tuple(observe(st)[0, :3]) == (1.0, 1.0, 1.0)
    assert teacher_actions(st)[0] == -1
