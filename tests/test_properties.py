"""Invariants over random action sequences (hypothesis)."""

import numpy as np
from hypothesis import given, strategies as st

from snake_ai.engine import RUNNING, Rules, reset, step_inplace

RULES = Rules(width=8, height=8, start_x=4, start_y=4, max_steps=500)


def check_invariants(state, g):
    W = state.rules.width
    cells = state.snake(g)
    assert len(set(cells)) == len(cells)  # unique
    for (x0, y0), (x1, y1) in zip(cells, cells[1:]):
        assert abs(x0 - x1) + abs(y0 - y1) == 1  # 4-connected
    occupied = {(int(c % W), int(c // W)) for c in np.flatnonzero(state.grid[g])}
    assert occupied == set(cells)  # occupancy agrees with the body
    assert state.length[g] == state.rules.start_length + state.apples[g] == len(cells)
    hx, hy = cells[0]
    assert 0 <= hx < W and 0 <= hy < state.rules.height
    ax, ay = state.apple[g]
    if ax >= 0:
        assert (ax, ay) not in set(cells)
        assert 1 <= ax < W and 1 <= ay < state.rules.height


@given(seed=st.integers(0, 2**64 - 1), actions=st.lists(st.sampled_from([0, 1, 1, 1, 2]), min_size=1, max_size=400))
def test_invariants_hold_every_step(seed, actions):
    state = reset(RULES, np.array([seed], np.uint64))
    check_invariants(state, 0)
    for a in actions:
        alive_before = state.status[0] == RUNNING
        step_inplace(state, [a])
        check_invariants(state, 0)
        if not alive_before:
            assert state.status[0] != RUNNING
