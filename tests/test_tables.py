"""Decision tables (engine/tables.py) and the teacher search (evolution/teacher.py)."""

import json

import numpy as np
import pytest

from snake_ai.engine import Rules, derive_seeds, play_table, play_teacher, record_table, record_teacher, teacher_table
from snake_ai.engine.core import LEFT, RIGHT, STRAIGHT, angle_bin, table_decision, teacher_move
from snake_ai.engine.tables import check_table, describe, free_moves
from snake_ai.errors import SnakeAIError
from snake_ai.evolution import EvolveConfig
from snake_ai.evolution.rundir import read_teacher, write_teacher
from snake_ai.evolution.teacher import TeacherSearch, mean_apples, search_table, search_teacher

from _helpers import cli

SMALL = Rules.classic(20, 300)


@pytest.mark.parametrize("apple,heading,bins,col", [
    ((5, 0), (1, 0), 4, 0),  # straight ahead
    ((0, 0), (1, 0), 4, 0),  # no apple: like straight ahead (the teacher goes straight)
    ((-3, 0), (1, 0), 4, 1),  # straight behind
    ((1, 1), (1, 0), 4, 3),  # heading right (x), the apple down-right (y grows down): angle 0.25, right side
    ((1, -1), (1, 0), 4, 7),  # up-right: angle -0.25, left side
    ((1, -1), (1, 0), 2, 4),  # the same with 2 bins: the left side's first bin, 2 + 2
    ((-1, 1), (1, 0), 4, 5),  # down-left: angle 0.75, the last right bin
    ((0, 7), (0, -1), 4, 1),  # heading up, the apple below: behind
    ((-1, 0), (0, -1), 8, 2 + 8 + 4),  # heading up, the apple to the left: angle -0.5, the left side's fifth bin of 8
])
def test_angle_bins_by_hand(apple, heading, bins, col):
    assert angle_bin(apple[0], apple[1], heading[0], heading[1], bins) == col


def test_teacher_table_is_the_teacher_in_every_situation():
    rng = np.random.default_rng(0)
    for bins in (1, 2, 8):
        t = teacher_table(bins)
        for _ in range(3000):
            lb, fb, rb = (int(v) for v in rng.integers(0, 2, 3))
            adx, ady = (int(v) for v in rng.integers(-6, 7, 2))
            dx, dy = ((1, 0), (-1, 0), (0, 1), (0, -1))[rng.integers(4)]
            assert table_decision(t, lb, fb, rb, adx, ady, dx, dy) == teacher_move(lb, fb, rb, adx, ady, dx, dy)
    assert table_decision(teacher_table(3), 1, 1, 1, 2, 0, 1, 0) == -1  # all blocked: no move


def test_teacher_table_plays_and_records_the_teachers_games():
    seeds = derive_seeds(5, 60)
    a = play_teacher(seeds, SMALL)
    for bins in (1, 5):
        b = play_table(teacher_table(bins), seeds, SMALL)
        for f in ("apples", "steps", "status", "rows"):
            np.testing.assert_array_equal(getattr(a, f), getattr(b, f))
    for x, y in zip(record_teacher(seeds, SMALL), record_table(teacher_table(3), seeds, SMALL)):
        np.testing.assert_array_equal(x, y)


def test_a_table_plays_its_own_moves():
    # always straight on: from (10, 10) heading right, the snake leaves the 20-cell board at step 10
    straight = np.full((7, 4), STRAIGHT, np.int64)
    r = play_table(straight, derive_seeds(0, 3), SMALL)
    assert r.steps.tolist() == [[10, 10, 10]] and r.status.tolist() == [[1, 1, 1]]
    # always left: the snake circles in a 2x2 square and lives to the step limit
    r = play_table(np.full((7, 4), LEFT, np.int64), derive_seeds(0, 3), SMALL)
    assert r.steps.tolist() == [[300, 300, 300]] and r.status.tolist() == [[2, 2, 2]]
    x, y, rows = record_table(np.full((7, 4), RIGHT, np.int64), derive_seeds(0, 2), SMALL)
    assert np.all(y[:, RIGHT] == 1) and len(x) == rows.sum() == 600


@pytest.mark.parametrize("bad", [np.zeros((6, 4)), np.zeros((7, 3)), np.zeros((7, 5)), np.full((7, 4), 3), np.zeros(7)])
def test_bad_tables_are_refused(bad):
    with pytest.raises(ValueError):
        check_table(bad.astype(np.int64))


def test_free_moves_and_describe():
    assert free_moves(0) == [LEFT, STRAIGHT, RIGHT] and free_moves(0b101) == [STRAIGHT] and free_moves(0b010) == [LEFT, RIGHT]
    lines = describe(teacher_table(1))
    assert lines[0] == "L0F0R0 SRRL" and lines[4] == "L1F0R0 SRRR" and len(lines) == 7


def test_search_keeps_only_gains_and_is_deterministic():
    seeds = derive_seeds(1, 40)
    start = teacher_table(2)
    table, apples, changes = search_table(start, seeds, SMALL, sweeps=2, min_gain=0.05)
    assert apples[0] == mean_apples(start, seeds, SMALL) and apples[-1] == mean_apples(table, seeds, SMALL)
    assert len(apples) == len(changes) + 1
    for before, after, n in zip(apples, apples[1:], changes):  # each change added more than min_gain
        assert after >= before + 0.05 * n and (n > 0 or after == before)
    assert 0 < (table != start).sum() <= sum(changes)
    for row in range(7):  # only moves that are not blocked
        assert set(table[row]) <= set(free_moves(row))
    again = search_table(start, seeds, SMALL, sweeps=2, min_gain=0.05)
    np.testing.assert_array_equal(table, again[0])
    assert apples == again[1] and changes == again[2]
    # a sweep that changes nothing ends the search
    fixed, apples2, changes2 = search_table(table, seeds, SMALL, sweeps=5, min_gain=1000.0)
    assert changes2 == [0] and apples2 == [apples[-1]] * 2
    np.testing.assert_array_equal(fixed, table)


def test_search_undoes_a_harmful_change():
    # the teacher, except that with nothing blocked and the apple straight ahead it turns away
    seeds = derive_seeds(2, 40)
    start = teacher_table(2)
    start[0, 0] = LEFT
    table, apples, _ = search_table(start, seeds, SMALL, sweeps=1, min_gain=0.0)
    assert table[0, 0] == STRAIGHT and apples[-1] > apples[0]


def test_teacher_file_round_trip_and_corruption(tmp_path):
    cfg = EvolveConfig(teacher_games=20, teacher_sweeps=1, board=20, max_steps=300, teacher_bins=2)
    search = search_teacher(cfg)
    assert search.games == 20 and search.bins == 2 and len(search.apples) == len(search.changes) + 1
    write_teacher(tmp_path, search)
    back = read_teacher(tmp_path)
    np.testing.assert_array_equal(back.table, search.table)
    assert (back.apples, back.changes, back.games, back.seconds) == (search.apples, search.changes, search.games, search.seconds)
    assert read_teacher(tmp_path / "nothing") is None
    d = json.loads((tmp_path / "teacher.json").read_text())
    for bad in ({**d, "moves": [[0, 1]]}, {**d, "format": "other"}, {**d, "bins": 3}, {**d, "moves": [[5] * 6] * 7},
                {**d, "moves": [[1.0] * 6] * 7}, {**d, "moves": [["1"] * 6] * 7}, {**d, "apples": []},
                {**d, "changes": [-1]}, {**d, "games": 0}, {**d, "seconds": "soon"}, {k: v for k, v in d.items() if k != "moves"}):
        (tmp_path / "teacher.json").write_text(json.dumps(bad))
        with pytest.raises(SnakeAIError, match="corrupt teacher file"):
            read_teacher(tmp_path)
    (tmp_path / "teacher.json").write_text("{not json")
    with pytest.raises(SnakeAIError, match="corrupt teacher file"):
        read_teacher(tmp_path)
    assert isinstance(TeacherSearch.from_dict(search.to_dict()), TeacherSearch)


def test_teacher_settings_are_checked():
    assert EvolveConfig().teacher_sweeps == 4 and EvolveConfig(mode="architecture").teacher_sweeps == 0
    assert EvolveConfig(mode="weights").teacher_sweeps == 0
    # a searched table takes 4 epochs to learn, the study's teacher one
    assert EvolveConfig().train_epochs == 4 == EvolveConfig(mode="architecture", teacher_sweeps=2).train_epochs
    assert EvolveConfig(teacher_sweeps=0).train_epochs == 1 == EvolveConfig(mode="architecture").train_epochs
    for bad in ({"mode": "weights", "teacher_sweeps": 2}, {"teacher_games": 0}, {"teacher_bins": 0},
                {"teacher_min_gain": -1.0}, {"teacher_sweeps": -1}):
        with pytest.raises(SnakeAIError, match="teacher"):
            EvolveConfig(**bad).validate()
    p = cli("evolve", "--mode", "weights", "--teacher-sweeps", "2")
    assert p.returncode == 2 and "weights mode learns from no teacher" in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1
