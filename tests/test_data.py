"""Datasets: content, round trips, determinism, refusals and bad files."""

import json
import subprocess
import sys

import numba
import numpy as np
import pytest

from snake_ai.data import DatasetSpec, generate, load
from snake_ai.data.dataset import split_by_games
from snake_ai.engine import reference as ref
from snake_ai.errors import SnakeAIError

SMALL = DatasetSpec(games=12, steps=300, seed=4)


@pytest.fixture(scope="module")
def npz(tmp_path_factory):
    p = tmp_path_factory.mktemp("d") / "small.npz"
    generate(p, SMALL)
    return p


def test_every_row_agrees_with_teacher_recomputed_from_its_features(npz):
    x, y, meta = load(npz)
    assert x.shape[0] == meta["rows"] > 1000
    labels = y.argmax(axis=1)
    for row, label in zip(x, labels):
        assert ref.teacher_from_features([float(v) for v in row]) == label
    assert set(np.unique(y)) == {0.0, 1.0}


def test_rows_follow_the_reference_games(npz):
    x, y, meta = load(npz)
    off = meta["game_offsets"]
    from snake_ai.engine import derive_seeds
    for g, seed in enumerate(derive_seeds(SMALL.seed, 3)):
        game = ref.RefGame(int(seed), max_steps=SMALL.steps)
        rows = []
        while game.status == 0:
            a = game.teacher()
            if a is None:
                break
            rows.append(game.observe() + [a])
            game.step(a)
        got = x[off[g]:off[g + 1]]
        assert len(rows) == got.shape[0]
        np.testing.assert_array_equal(got, np.array([r[:7] for r in rows], np.float32))
        np.testing.assert_array_equal(y[off[g]:off[g + 1]].argmax(1), [r[7] for r in rows])


@pytest.mark.parametrize("suffix", [".npz", ".csv", ".parquet"])
def test_round_trip(tmp_path, npz, suffix):
    x0, y0, m0 = load(npz)
    p = tmp_path / f"d{suffix}"
    generate(p, SMALL)
    x, y, m = load(p)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(y, y0)
    np.testing.assert_array_equal(m["game_offsets"], m0["game_offsets"])
    for key in ("seed", "games", "steps", "board", "rules", "features", "labels", "version", "rows"):
        assert m[key] == m0[key]


def test_readable_by_other_tools(tmp_path, npz):
    import pandas as pd
    import pyarrow.parquet as pq

    generate(tmp_path / "d.csv", SMALL)
    generate(tmp_path / "d.parquet", SMALL)
    df = pd.read_csv(tmp_path / "d.csv")
    assert list(df.columns)[:2] == ["game", "left_blocked"] and len(df) == load(npz)[0].shape[0]
    assert pq.read_table(tmp_path / "d.parquet").num_rows == len(df)
    with np.load(npz) as z:
        assert z["x"].shape == (len(df), 7)


def test_byte_identical_whatever_the_threads(tmp_path):
    n = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        generate(tmp_path / "a.npz", SMALL)
        generate(tmp_path / "a.parquet", SMALL)
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        generate(tmp_path / "b.npz", SMALL)
        generate(tmp_path / "b.parquet", SMALL)
    finally:
        numba.set_num_threads(n)
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()


def test_chunked_streaming_equals_one_chunk(tmp_path, monkeypatch):
    import snake_ai.data.dataset as ds

    generate(tmp_path / "one.npz", SMALL)
    monkeypatch.setattr(ds, "CHUNK_ROWS", 700)  # 2 games per chunk
    generate(tmp_path / "many.npz", SMALL)
    assert (tmp_path / "one.npz").read_bytes() == (tmp_path / "many.npz").read_bytes()


def test_refuses_to_overwrite(tmp_path, npz):
    p = tmp_path / "d.npz"
    p.write_bytes(b"precious")
    with pytest.raises(SnakeAIError, match="--force"):
        generate(p, SMALL)
    assert p.read_bytes() == b"precious"
    generate(p, SMALL, force=True)
    assert load(p)[0].shape == load(npz)[0].shape
    assert [f.name for f in tmp_path.iterdir()] == ["d.npz"]  # no temporary file left behind


def test_split_keeps_games_apart(npz):
    _, _, meta = load(npz)
    tr, va = split_by_games(meta, 0.25, seed=1)
    off = meta["game_offsets"]
    game_of = np.searchsorted(off, np.arange(off[-1]), side="right") - 1
    assert set(game_of[tr]).isdisjoint(set(game_of[va]))
    assert len(tr) + len(va) == off[-1] and len(set(game_of[va])) == 3


def _corrupt_npz(path, **arrays):
    with np.load(path) as z:
        d = {k: z[k] for k in z.files}
    d.update(arrays)
    for k in [k for k, v in d.items() if v is None]:
        del d[k]
    np.savez(path, **d)


@pytest.mark.parametrize("case", ["missing", "shape", "dtype", "nan", "truncated", "garbage", "suffix", "not_onehot"])
def test_bad_files(tmp_path, npz, case):
    p = tmp_path / "bad.npz"
    p.write_bytes(npz.read_bytes())
    if case == "missing":
        _corrupt_npz(p, y=None)
    elif case == "shape":
        with np.load(npz) as z:
            _corrupt_npz(p, x=z["x"][:, :6])
    elif case == "dtype":
        with np.load(npz) as z:
            _corrupt_npz(p, x=z["x"].astype(np.float64))
    elif case == "nan":
        with np.load(npz) as z:
            x = z["x"].copy()
        x[5, 3] = np.nan
        _corrupt_npz(p, x=x)
    elif case == "truncated":
        p.write_bytes(npz.read_bytes()[: npz.stat().st_size // 2])
    elif case == "garbage":
        p.write_bytes(b"hello")
    elif case == "suffix":
        p = tmp_path / "bad.txt"
        p.write_bytes(npz.read_bytes())
    elif case == "not_onehot":
        with np.load(npz) as z:
            y = z["y"].copy()
        y[0] = [1, 1, 0]
        _corrupt_npz(p, y=y)
    with pytest.raises(SnakeAIError) as e:
        load(p)
    assert "\n" not in str(e.value) and str(p) in str(e.value)


def test_bad_csv_header(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(SnakeAIError, match="header"):
        load(p)


def cli(*args):
    return subprocess.run([sys.executable, "-m", "snake_ai.cli.main", *args], capture_output=True, text=True, timeout=600)


def test_cli_generate(tmp_path):
    out = tmp_path / "d.npz"
    p = cli("generate", "--games", "20", "--steps", "200", "--out", str(out), "--json")
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout.splitlines()[-1])
    assert r["path"] == str(out) and r["rows"] == load(out)[0].shape[0] and r["games"] == 20
    assert r["rows_per_second"] > 0 and r["seconds"] > 0
    p = cli("generate", "--games", "20", "--out", str(out))
    assert p.returncode == 2 and "--force" in p.stderr and "Traceback" not in p.stderr
    bad = tmp_path / "bad.npz"
    bad.write_text("nope")
    p = cli("train", "--data", str(bad), "--out", str(tmp_path / "m.keras"))
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1
