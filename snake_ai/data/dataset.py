"""The teacher's decisions as a dataset: x = the 7 inputs, y = the one-hot label.

Files, chosen by suffix:

* ``.npz``: ``x`` float32 (N, 7), ``y`` float32 (N, 3), ``game_offsets`` int64 (games + 1,): rows
  of game g are ``game_offsets[g]:game_offsets[g+1]``, and ``metadata``: a JSON string.
* ``.csv``: a header ``game,<7 features>,<3 labels>``, one row per decision; the metadata in
  ``<file>.meta.json`` beside it.
* ``.parquet``: the same columns as the csv, the metadata in the schema's key ``snake_ai``.

Generation streams chunks of games to disk (memory bounded by the chunk, not by the dataset), the
file is written under a temporary name and renamed when complete, and the same arguments give
byte-identical files whatever the thread count.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import __version__
from ..atomic import atomic_path, check_writable
from ..errors import SnakeAIError

FEATURES = ("left_blocked", "front_blocked", "right_blocked", "apple_dx", "apple_dy", "snake_dx", "snake_dy")
LABELS = ("left", "straight", "right")
FORMATS = (".npz", ".csv", ".parquet")
CHUNK_ROWS = 2_000_000
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class DatasetSpec:
    """What to generate."""

    games: int = 1000
    """Games the teacher plays."""
    steps: int = 2000
    """Maximum steps per game (the study: 2000)."""
    seed: int = 0
    """Seed of the games."""
    board: int = 50
    """Board size in cells (square)."""

    def __post_init__(self) -> None:
        if self.games < 1:
            raise SnakeAIError(f"--games must be >= 1, got {self.games}")
        if self.steps < 1:
            raise SnakeAIError(f"--steps must be >= 1, got {self.steps}")
        if self.seed < 0:
            raise SnakeAIError(f"--seed must be >= 0, got {self.seed}")
        if self.board < 3:
            raise SnakeAIError(f"--board must be >= 3, got {self.board}")


def _suffix(path: Path) -> str:
    s = Path(path).suffix.lower()
    if s not in FORMATS:
        raise SnakeAIError(f"{path}: unsupported dataset suffix {s or '(none)'!r}; use one of {', '.join(FORMATS)}")
    return s


def _need_pyarrow():
    try:
        import pyarrow
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise SnakeAIError("parquet needs pyarrow: pip install 'snake-ai[data]' (or pip install pyarrow)") from None
    return pyarrow


def generate(path, spec: DatasetSpec = DatasetSpec(), force: bool = False, progress=None) -> dict:
    """Write the teacher's decisions on ``spec.games`` games to ``path``; returns a summary.

    ``progress(rows_done, rows_total)`` is called after each chunk when given.
    """
    from ..engine import Rules, derive_seeds, play_teacher

    path = Path(path)
    fmt = _suffix(path)
    if fmt == ".parquet":
        _need_pyarrow()
    check_writable(path, force)
    rules = Rules.classic(spec.board, spec.steps)
    seeds = derive_seeds(spec.seed, spec.games)
    rows = play_teacher(seeds, rules).rows[0]  # a cheap counting pass: exact sizes up front
    offsets = np.zeros(spec.games + 1, np.int64)
    np.cumsum(rows, out=offsets[1:])
    total = int(offsets[-1])
    per_chunk = max(1, CHUNK_ROWS // spec.steps)
    chunks = [(a, min(spec.games, a + per_chunk)) for a in range(0, spec.games, per_chunk)]
    meta = {
        "format": "snake-ai dataset", "version": __version__, "rows": total, "games": spec.games,
        "steps": spec.steps, "seed": spec.seed, "board": spec.board, "rules": rules.to_dict(),
        "features": list(FEATURES), "labels": list(LABELS),
        "teacher": "angle teacher with the study's blocked-move table (SPEC section 2)",
    }
    writer = {".npz": _write_npz, ".csv": _write_csv, ".parquet": _write_parquet}[fmt]
    with atomic_path(path) as tmp:
        writer(tmp, seeds, rules, chunks, offsets, meta, progress)
        if fmt == ".csv":
            with atomic_path(_sidecar(path)) as side:
                side.write_text(json.dumps(meta | {"game_offsets": offsets.tolist()}, indent=1))
    return {"path": str(path), "rows": total, "games": spec.games, "metadata": meta}


def _chunk_rows(seeds, rules, a, b):
    from ..engine import record_teacher

    x, y, _ = record_teacher(seeds[a:b], rules)
    return x, y


def _write_npz(tmp, seeds, rules, chunks, offsets, meta, progress):
    total = int(offsets[-1])
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, width, idx in (("x", 7, 0), ("y", 3, 1)):
            info = zipfile.ZipInfo(f"{name}.npy", _ZIP_TIME)
            with zf.open(info, "w", force_zip64=True) as f:
                np.lib.format.write_array_header_1_0(
                    f, {"descr": "<f4", "fortran_order": False, "shape": (total, width)})
                done = 0
                for a, b in chunks:
                    arr = _chunk_rows(seeds, rules, a, b)[idx]
                    f.write(np.ascontiguousarray(arr, "<f4").tobytes())
                    done += arr.shape[0]
                    if progress and idx == 1:
                        progress(done, total)
        for name, arr in (("game_offsets", offsets), ("metadata", np.array(json.dumps(meta)))):
            info = zipfile.ZipInfo(f"{name}.npy", _ZIP_TIME)
            with zf.open(info, "w", force_zip64=True) as f:
                np.lib.format.write_array(f, arr, allow_pickle=False)


def _game_column(offsets, a, b):
    return np.repeat(np.arange(a, b, dtype=np.int64), np.diff(offsets[a:b + 1]))


def _write_csv(tmp, seeds, rules, chunks, offsets, meta, progress):
    total = int(offsets[-1])
    with open(tmp, "w", newline="") as f:
        f.write(",".join(("game",) + FEATURES + LABELS) + "\n")
        done = 0
        for a, b in chunks:
            x, y = _chunk_rows(seeds, rules, a, b)
            g = _game_column(offsets, a, b)
            # float32 values printed with 9 significant digits read back bit-exactly
            cols = [g.astype(str)] + [np.char.mod("%.9g", x[:, j]) for j in range(7)] + \
                   [np.where(y[:, j] > 0, "1", "0") for j in range(3)]
            lines = cols[0]
            for c in cols[1:]:
                lines = np.char.add(np.char.add(lines, ","), c)
            if lines.size:
                f.write("\n".join(lines.tolist()) + "\n")
            done += x.shape[0]
            if progress:
                progress(done, total)


def _write_parquet(tmp, seeds, rules, chunks, offsets, meta, progress):
    pa = _need_pyarrow()
    import pyarrow.parquet as pq

    fields = [pa.field("game", pa.int64())] + [pa.field(n, pa.float32()) for n in FEATURES + LABELS]
    schema = pa.schema(fields, metadata={"snake_ai": json.dumps(meta)})
    total = int(offsets[-1])
    done = 0
    with pq.ParquetWriter(tmp, schema) as w:
        for a, b in chunks:
            x, y = _chunk_rows(seeds, rules, a, b)
            cols = [pa.array(_game_column(offsets, a, b))] + [pa.array(x[:, j]) for j in range(7)] + \
                   [pa.array(y[:, j]) for j in range(3)]
            w.write_table(pa.Table.from_arrays(cols, schema=schema))
            done += x.shape[0]
            if progress:
                progress(done, total)


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".meta.json")


# ----------------------------------------------------------------------------------------------
# Loading


def load(path):
    """(x float32 (N,7), y float32 (N,3), metadata dict) for any supported file.

    ``metadata["game_offsets"]`` is an int64 array: rows of game g are offsets[g]:offsets[g+1].
    Anything that is not a snake-ai dataset raises SnakeAIError naming the problem.
    """
    path = Path(path)
    fmt = _suffix(path)
    if not path.is_file():
        raise SnakeAIError(f"{path}: no such dataset file")
    try:
        x, y, meta = {".npz": _load_npz, ".csv": _load_csv, ".parquet": _load_parquet}[fmt](path)
    except SnakeAIError:
        raise
    except Exception as e:  # truncated or garbled files surface as many exception types
        raise SnakeAIError(f"{path}: not a readable snake-ai dataset ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else 'no detail'})") from None
    _validate(path, x, y, meta)
    return x, y, meta


def _load_npz(path):
    with np.load(path, allow_pickle=False) as z:
        missing = {"x", "y", "game_offsets", "metadata"} - set(z.files)
        if missing:
            raise SnakeAIError(f"{path}: missing array(s) {', '.join(sorted(missing))}; not a snake-ai dataset")
        x, y, offsets, meta = z["x"], z["y"], z["game_offsets"], json.loads(str(z["metadata"]))
    meta["game_offsets"] = offsets
    return x, y, meta


def _load_csv(path):
    side = _sidecar(path)
    with open(path) as f:
        header = f.readline().strip().split(",")
    expected = ["game", *FEATURES, *LABELS]
    if header != expected:
        raise SnakeAIError(f"{path}: header {','.join(header)[:80]!r} is not a snake-ai dataset's ({','.join(expected)})")
    data = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64, ndmin=2)
    if data.shape[1] != 11:
        raise SnakeAIError(f"{path}: expected 11 columns, found {data.shape[1]}")
    meta = json.loads(side.read_text()) if side.exists() else {"format": "snake-ai dataset"}
    meta["game_offsets"] = _offsets_from_games(path, data[:, 0].astype(np.int64))
    return data[:, 1:8].astype(np.float32), data[:, 8:].astype(np.float32), meta


def _load_parquet(path):
    _need_pyarrow()
    import pyarrow.parquet as pq

    t = pq.read_table(path)
    expected = ["game", *FEATURES, *LABELS]
    if t.column_names != expected:
        raise SnakeAIError(f"{path}: columns {t.column_names} are not a snake-ai dataset's")
    md = (t.schema.metadata or {}).get(b"snake_ai")
    meta = json.loads(md) if md else {"format": "snake-ai dataset"}
    x = np.stack([t.column(n).to_numpy() for n in FEATURES], axis=1)
    y = np.stack([t.column(n).to_numpy() for n in LABELS], axis=1)
    meta["game_offsets"] = _offsets_from_games(path, t.column("game").to_numpy().astype(np.int64))
    return x, y, meta


def _offsets_from_games(path, games):
    if games.size and (np.any(np.diff(games) < 0) or games[0] < 0):
        raise SnakeAIError(f"{path}: the game column is not sorted")
    n = int(games.max()) + 1 if games.size else 0
    counts = np.bincount(games, minlength=n)
    offsets = np.zeros(n + 1, np.int64)
    np.cumsum(counts, out=offsets[1:])
    return offsets


def _validate(path, x, y, meta):
    if meta.get("format") != "snake-ai dataset":
        raise SnakeAIError(f"{path}: metadata does not describe a snake-ai dataset")
    if x.ndim != 2 or x.shape[1] != 7:
        raise SnakeAIError(f"{path}: x has shape {x.shape}, expected (N, 7)")
    if y.ndim != 2 or y.shape[1] != 3:
        raise SnakeAIError(f"{path}: y has shape {y.shape}, expected (N, 3)")
    if x.shape[0] != y.shape[0]:
        raise SnakeAIError(f"{path}: x has {x.shape[0]} rows but y has {y.shape[0]}")
    if x.dtype != np.float32 or y.dtype != np.float32:
        raise SnakeAIError(f"{path}: x and y must be float32, found {x.dtype} and {y.dtype}")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise SnakeAIError(f"{path}: contains NaN or infinite values")
    if y.shape[0] and not np.array_equal(y.sum(axis=1), np.ones(y.shape[0], np.float32)):
        raise SnakeAIError(f"{path}: y rows are not one-hot")
    off = np.asarray(meta.get("game_offsets"))
    if off.ndim != 1 or off.size < 1 or off[0] != 0 or off[-1] != x.shape[0] or np.any(np.diff(off) < 0):
        raise SnakeAIError(f"{path}: game offsets do not match the {x.shape[0]} rows")
    if "rows" in meta and meta["rows"] != x.shape[0]:
        raise SnakeAIError(f"{path}: metadata says {meta['rows']} rows, the file holds {x.shape[0]} (truncated?)")


def split_by_games(meta: dict, validation_split: float, seed: int = 0):
    """Row indices (train, validation), keeping whole games apart."""
    off = np.asarray(meta["game_offsets"])
    games = off.size - 1
    n_val = int(round(games * validation_split))
    if validation_split > 0 and games >= 2:
        n_val = min(max(n_val, 1), games - 1)
    else:
        n_val = 0
    order = np.random.default_rng(seed).permutation(games)
    val = np.zeros(games, bool)
    val[order[:n_val]] = True
    per_row = np.repeat(val, np.diff(off))
    return np.flatnonzero(~per_row), np.flatnonzero(per_row)


def tf_dataset(path, batch_size: int = 4096, shuffle: bool = True, seed: int = 0):
    """A ``tf.data.Dataset`` of (x, y) batches for Keras users."""
    import tensorflow as tf

    x, y, _ = load(path)
    ds = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle:
        ds = ds.shuffle(min(len(x), 1_000_000), seed=seed, reshuffle_each_iteration=True)
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)
