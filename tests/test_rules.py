"""Hand-built boards, one rule at a time (SPEC section 1)."""

import numpy as np
import pytest

from snake_ai.engine import DEAD, LEFT, RIGHT, RUNNING, STRAIGHT, TRUNCATED, Rules, from_cells, reset, step_inplace
from snake_ai.engine import observe, teacher_actions

R = Rules()

HEADINGS = {"right": (1, 0), "left": (-1, 0), "down": (0, 1), "up": (0, -1)}
# heading -> (after a left turn, after a right turn), in screen coordinates (y grows down)
TURNS = {"right": ("up", "down"), "down": ("right", "left"), "left": ("down", "up"), "up": ("left", "right")}


def one_step(cells, heading, action, apple=(40, 40), rules=R):
    st = from_cells(rules, cells, heading, apple)
    reward = step_inplace(st, [action])[0]
    return st, reward


def straight_snake(head, heading, n=3):
    dx, dy = heading
    return [(head[0] - k * dx, head[1] - k * dy) for k in range(n)]


def test_start_position():
    st = reset(R, np.array([7], np.uint64))
    assert st.snake(0) == [(10, 10), (9, 10), (8, 10)]
    assert tuple(st.direction[0]) == (1, 0)
    assert st.length[0] == 3 and st.apples[0] == 0 and st.steps[0] == 0
    ax, ay = st.apple[0]
    assert 1 <= ax <= 49 and 1 <= ay <= 49


@pytest.mark.parametrize("name", HEADINGS)
@pytest.mark.parametrize("action", [LEFT, STRAIGHT, RIGHT])
def test_each_turn_from_each_heading(name, action):
    heading = HEADINGS[name]
    cells = straight_snake((25, 25), heading)
    st, _ = one_step(cells, heading, action)
    expected = {LEFT: TURNS[name][0], STRAIGHT: name, RIGHT: TURNS[name][1]}[action]
    ex, ey = HEADINGS[expected]
    assert tuple(st.direction[0]) == (ex, ey)
    assert st.snake(0)[0] == (25 + ex, 25 + ey)
    assert st.snake(0)[1:] == cells[:2]  # the tail cell was vacated
    assert st.status[0] == RUNNING


@pytest.mark.parametrize("head,heading", [((49, 5), (1, 0)), ((0, 5), (-1, 0)), ((5, 0), (0, -1)), ((5, 49), (0, 1))])
def test_walls_kill(head, heading):
    st, r = one_step(straight_snake(head, heading), heading, STRAIGHT)
    assert st.status[0] == DEAD and r == 0
    assert st.snake(0)[0] == head  # the snake does not enter the wall


def test_eating_grows_and_moves_apple():
    cells = straight_snake((10, 10), (1, 0))
    st, r = one_step(cells, (1, 0), STRAIGHT, apple=(11, 10))
    assert r == 1 and st.apples[0] == 1 and st.length[0] == 4
    assert st.snake(0) == [(11, 10)] + cells  # the tail stays on the step the snake grows
    assert tuple(st.apple[0]) not in st.snake(0)
    assert st.status[0] == RUNNING


def test_self_collision():
    # a hook: moving left from (5,5) heading up enters (4,5), part of the body
    cells = [(5, 5), (5, 6), (4, 6), (4, 5), (4, 4)]
    st, _ = one_step(cells, (0, -1), LEFT)
    assert st.status[0] == DEAD


def test_tail_cell_is_free_when_not_growing():
    # a 2x2 loop: the head moves into the cell the tail is leaving
    cells = [(5, 5), (6, 5), (6, 6), (5, 6)]
    st, _ = one_step(cells, (-1, 0), LEFT)  # heading left, turn left = down, to (5,6) = tail
    assert st.status[0] == RUNNING
    assert st.snake(0) == [(5, 6), (5, 5), (6, 5), (6, 6)]


def test_tail_cell_is_deadly_when_growing():
    cells = [(5, 5), (6, 5), (6, 6), (5, 6)]
    st, _ = one_step(cells, (-1, 0), LEFT, apple=(5, 6))  # the apple on the tail: the tail stays
    assert st.status[0] == DEAD


def test_blocked_inputs_include_tail():
    cells = [(5, 5), (6, 5), (6, 6), (5, 6)]
    st = from_cells(R, cells, (-1, 0), (20, 20))
    lb, fb, rb = observe(st)[0, :3]
    assert (lb, fb, rb) == (1.0, 0.0, 0.0)  # left of heading-left is down = (5,6), the tail


def test_max_steps_truncates():
    rules = Rules(max_steps=5)
    st = from_cells(rules, straight_snake((10, 10), (1, 0)), (1, 0), (40, 40))
    for k in range(5):
        assert st.status[0] == RUNNING
        step_inplace(st, [STRAIGHT])
    assert st.status[0] == TRUNCATED and st.steps[0] == 5
    before = st.snake(0)
    step_inplace(st, [STRAIGHT])  # a finished game does not move
    assert st.snake(0) == before and st.steps[0] == 5


def test_death_is_final():
    st, _ = one_step(straight_snake((49, 5), (1, 0)), (1, 0), STRAIGHT)
    step_inplace(st, [LEFT])
    assert st.status[0] == DEAD and st.steps[0] == 1


def test_apple_never_on_snake_on_a_crowded_board():
    # the snake covers 15 of the 16 cells of the apple region (x, y in 1..4) and eats an apple
    # placed by hand in row 0: the new apple can only land on the one free cell, (4, 1)
    rules = Rules(width=5, height=5, start_x=2, start_y=2, start_length=1, max_steps=100)
    tail_first = [(4, 4), (3, 4), (2, 4), (1, 4), (1, 3), (2, 3), (3, 3), (4, 3),
                  (4, 2), (3, 2), (2, 2), (1, 2), (1, 1), (2, 1), (3, 1)]
    for rng_state in range(20):
        st = from_cells(rules, tail_first[::-1], (1, 0), (3, 0), rng_state=rng_state)
        step_inplace(st, [LEFT])  # heading right, turn left = up, into (3, 0)
        assert st.status[0] == RUNNING and st.apples[0] == 1
        assert tuple(st.apple[0]) == (4, 1)


def test_no_free_cell_means_no_apple():
    rules = Rules(width=3, height=3, start_x=1, start_y=1, start_length=1)
    # region is x,y in 1..2: 4 cells; the snake covers them all after eating at (0,1)
    path = [(1, 1), (1, 2), (2, 2), (2, 1)]
    st = from_cells(rules, path, (0, -1), (0, 1))
    step_inplace(st, [LEFT])  # heading up, turn left = left, to (0,1): eat
    assert st.apples[0] == 1
    assert tuple(st.apple[0]) == (-1, -1)
    assert np.all(observe(st)[0, 3:5] == 0.0)


def test_observation_order_and_values():
    st = from_cells(R, straight_snake((10, 10), (1, 0)), (1, 0), (13, 14))
    o = observe(st)[0]
    assert o.dtype == np.float32
    np.testing.assert_allclose(o, [0, 0, 0, 0.6, 0.8, 1, 0], atol=1e-7)
    assert teacher_actions(st)[0] == RIGHT  # apple below-right while heading right: y down => right turn
