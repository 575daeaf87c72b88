"""Fuzzing every file the project reads: random mutations, truncations and type changes of config
TOML, episode JSON, teacher JSON, datasets (npz, csv, parquet), checkpoints, engine .npz networks and .keras
files. Each loader either returns a valid object or raises SnakeAIError with one line (the CLI's
exit 2); any other exception is a bug. No loader changes a file on disk.

The loaders run in-process (fast); a few CLI runs check the whole path: exit 2, one line, no
traceback.
"""

import io
import json
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from snake_ai.errors import SnakeAIError

FUZZ = settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                phases=[Phase.explicit, Phase.generate])  # no shrinking: a failure is reported as found

# values of other types than the ones a file holds (TOML cannot hold None)
SCALARS = st.one_of(st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=True, allow_infinity=True),
                    st.text(max_size=6))
VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=3), st.dictionaries(st.text(max_size=4), SCALARS, max_size=2))
JSON_VALUES = st.one_of(st.none(), VALUES)


# ----------------------------------------------------------------------------------------------
# mutations


def paths(obj, prefix=()):
    """Every location in a nested dict / list."""
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj[:4]):
            yield from paths(v, prefix + (i,))


def mutate_tree(obj, data, values=JSON_VALUES):
    """A copy of ``obj`` with one location replaced by a value of any type, or deleted."""
    obj = json.loads(json.dumps(obj))
    where = data.draw(st.sampled_from(list(paths(obj))[1:] or [()]))
    if not where:
        return data.draw(values)
    parent = obj
    for k in where[:-1]:
        parent = parent[k]
    if isinstance(parent, dict) and data.draw(st.booleans()):
        del parent[where[-1]]
    else:
        parent[where[-1]] = data.draw(values)
    return obj


def mutate_bytes(raw: bytes, data) -> bytes:
    """Truncated, or a few bytes overwritten, or a chunk inserted."""
    kind = data.draw(st.sampled_from(["truncate", "overwrite", "insert", "empty"]))
    if kind == "empty" or not raw:
        return b""
    if kind == "truncate":
        return raw[: data.draw(st.integers(0, len(raw) - 1))]
    b = bytearray(raw)
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(b) - 1))
        chunk = data.draw(st.binary(min_size=1, max_size=8))
        if kind == "overwrite":
            b[i:i + len(chunk)] = chunk
        else:
            b[i:i] = chunk
    return bytes(b)


def files_of(d: Path) -> dict:
    """Every file's bytes, but the run lock's (a command that locks a run may create it; see lock.py)."""
    return {p.relative_to(d).as_posix(): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()
            and p.name != ".lock"}


def check_loader(load, path: Path, writes_on_success: bool = False):
    """load(path) returns or raises SnakeAIError with one line; the folder's files stay byte-identical
    (when the file is accepted, a loader that goes on to write, like a resume, may change them)."""
    before = files_of(path.parent)
    try:
        load(path)
    except SnakeAIError as e:
        assert "\n" not in str(e) and str(e), repr(e)
    else:
        if writes_on_success:
            return
    assert files_of(path.parent) == before


def rewrite_npz(src: Path, dst: Path, change) -> None:
    """Copy an .npz, changing its arrays with change(dict) -> dict (plain np.savez, no pickles)."""
    with np.load(src, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    arrays = change(arrays)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    dst.write_bytes(buf.getvalue())


ODD_ARRAYS = st.one_of(
    st.just(np.zeros((0,), np.float32)), st.just(np.array("text")), st.just(np.arange(6, dtype=np.int64).reshape(2, 3)),
    st.just(np.full((2, 7), np.nan, np.float32)), st.just(np.ones((3, 3), np.float64)), st.just(np.array([b"\x00\xff"])),
    st.just(np.zeros((2, 2, 2), np.uint8)), st.just(np.array(json.dumps([1, 2]))), st.just(np.array(json.dumps(None))),
)


def mutate_npz(src: Path, dst: Path, data, json_keys=()) -> None:
    """One array replaced by an odd one, or deleted, or its JSON (for ``json_keys``) mutated."""
    with np.load(src, allow_pickle=False) as z:
        names = list(z.files)
    name = data.draw(st.sampled_from(names))
    how = data.draw(st.sampled_from(["json", "replace", "delete"] if name in json_keys else ["replace", "delete"]))

    def change(arrays):
        if how == "delete":
            del arrays[name]
        elif how == "replace":
            arrays[name] = data.draw(ODD_ARRAYS)
        else:
            arrays[name] = np.array(json.dumps(mutate_tree(json.loads(str(arrays[name])), data)))
        return arrays

    rewrite_npz(src, dst, change)


# ----------------------------------------------------------------------------------------------
# valid files to start from


@pytest.fixture(scope="module")
def originals(tmp_path_factory):
    from snake_ai.agents import load_agent
    from snake_ai.data import DatasetSpec, generate
    from snake_ai.engine import Rules
    from snake_ai.evolution import EvolveConfig
    from snake_ai.evolution.ga import generation_rng
    from snake_ai.evolution.strategies import make_strategy
    from snake_ai.evolution.rundir import write_checkpoint, write_config
    from snake_ai.policy.bridge import save_engine_network
    from snake_ai.viewer.episode import record_episode, save_episode

    d = tmp_path_factory.mktemp("originals")
    cfg = EvolveConfig(mode="weights", generations=2, population=4, elite=1, random_parents=1, games=5, seed=3)
    run = d / "run"
    run.mkdir()
    write_config(run, cfg)
    genomes = [p.genome for p in make_strategy(cfg).ask(generation_rng(cfg, 0), 0)]
    row = {"generation": 0, "best_fitness": 1.0, "mean_fitness": 0.5, "median_fitness": 0.5, "best_apples": 1.0,
           "mean_apples": 0.5, "validation_apples": 0.5, "best_architecture": genomes[0].architecture, "architectures": "9-15/relu/none",
           "trainings": 0, "train_seconds": 0.0, "eval_seconds": 0.1, "seconds": 0.1}
    write_checkpoint(run, 0, genomes, np.arange(4.0), np.arange(4.0), [row], cfg, 1.0)
    net = genomes[0].network()
    save_engine_network(net, d / "net.npz")
    save_episode(record_episode(load_agent("teacher"), 5, Rules.classic(12, 60)), d / "episode.json")
    from snake_ai.evolution.rundir import write_teacher
    from snake_ai.evolution.teacher import search_teacher

    (d / "teacher").mkdir()
    write_teacher(d / "teacher", search_teacher(EvolveConfig(teacher_games=4, teacher_sweeps=1, board=12, max_steps=60)))
    for suffix in (".npz", ".csv", ".parquet"):
        generate(d / f"data{suffix}", DatasetSpec(games=3, steps=40, board=12))
    return d


def fresh(tmp_path_factory, name: str) -> Path:
    """An empty folder per example (hypothesis reuses the test's tmp_path)."""
    return tmp_path_factory.mktemp(name, numbered=True)


# ----------------------------------------------------------------------------------------------
# in-process loaders


@FUZZ
@given(data=st.data())
def test_config_toml(originals, tmp_path_factory, data):
    from snake_ai.evolution.rundir import read_config

    text = (originals / "run" / "config.toml").read_text()
    d = fresh(tmp_path_factory, "toml")
    kind = data.draw(st.sampled_from(["tree", "bytes"]))
    if kind == "tree":
        import tomli_w

        tree = mutate_tree(tomllib.loads(text), data, values=VALUES)
        if not isinstance(tree, dict):
            tree = {"value": tree}
        raw = tomli_w.dumps(tree).encode()
    else:
        raw = mutate_bytes(text.encode(), data)
    (d / "config.toml").write_bytes(raw)
    check_loader(read_config, d / "config.toml")


def fuzz_json(src: Path, dst: Path, data, load) -> None:
    """``src`` mutated as a JSON tree or as bytes, written to ``dst``, then checked with ``load``."""
    raw = src.read_bytes()
    if data.draw(st.booleans()):
        raw = json.dumps(mutate_tree(json.loads(raw), data)).encode()
    else:
        raw = mutate_bytes(raw, data)
    dst.write_bytes(raw)
    check_loader(load, dst)


@FUZZ
@given(data=st.data())
def test_episode_json(originals, tmp_path_factory, data):
    from snake_ai.viewer.episode import load_episode

    fuzz_json(originals / "episode.json", fresh(tmp_path_factory, "episode") / "episode.json", data, load_episode)


@FUZZ
@given(data=st.data())
def test_teacher_json(originals, tmp_path_factory, data):
    from snake_ai.agents import load_agent

    # through the agent loader, which reads it with rundir.read_teacher
    fuzz_json(originals / "teacher" / "teacher.json", fresh(tmp_path_factory, "teacher") / "teacher.json", data,
              lambda p: load_agent(str(p)))


@FUZZ
@given(data=st.data())
def test_dataset_npz(originals, tmp_path_factory, data):
    from snake_ai.data import load

    d = fresh(tmp_path_factory, "npz")
    if data.draw(st.booleans()):
        mutate_npz(originals / "data.npz", d / "data.npz", data, json_keys=("metadata",))
    else:
        (d / "data.npz").write_bytes(mutate_bytes((originals / "data.npz").read_bytes(), data))
    check_loader(load, d / "data.npz")


@FUZZ
@given(data=st.data())
def test_dataset_csv(originals, tmp_path_factory, data):
    from snake_ai.data import load

    d = fresh(tmp_path_factory, "csv")
    text = (originals / "data.csv").read_text()
    side = json.loads((originals / "data.csv.meta.json").read_text())
    what = data.draw(st.sampled_from(["cell", "bytes", "sidecar", "no-sidecar"]))
    if what == "cell":
        lines = [ln.split(",") for ln in text.splitlines()]
        r = data.draw(st.integers(0, len(lines) - 1))
        c = data.draw(st.integers(0, len(lines[r]) - 1))
        lines[r][c] = data.draw(st.sampled_from(["", "abc", "nan", "inf", "-1", "1e309", "0x10", "2", "1,2", '"x"']))
        text = "\n".join(",".join(ln) for ln in lines) + "\n"
    elif what == "bytes":
        text = mutate_bytes(text.encode(), data).decode("latin-1")
    (d / "data.csv").write_bytes(text.encode("latin-1") if what == "bytes" else text.encode())
    if what == "sidecar":
        side = mutate_tree(side, data)
    if what != "no-sidecar":
        (d / "data.csv.meta.json").write_text(json.dumps(side))
    check_loader(load, d / "data.csv")


@FUZZ
@given(data=st.data())
def test_dataset_parquet(originals, tmp_path_factory, data):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    from snake_ai.data import load

    d = fresh(tmp_path_factory, "parquet")
    what = data.draw(st.sampled_from(["bytes", "column", "metadata"]))
    if what == "bytes":
        (d / "data.parquet").write_bytes(mutate_bytes((originals / "data.parquet").read_bytes(), data))
    else:
        t = pq.read_table(originals / "data.parquet")
        md = dict(t.schema.metadata)
        if what == "column":
            i = data.draw(st.integers(0, t.num_columns - 1))
            col = data.draw(st.sampled_from(["string", "int8", "float64", "null", "drop"]))
            if col == "drop":
                t = t.remove_column(i)
            else:
                new = {"string": pa.array(["x"] * t.num_rows), "int8": pa.array(np.ones(t.num_rows, np.int8)),
                       "float64": pa.array(np.full(t.num_rows, np.nan)), "null": pa.nulls(t.num_rows)}[col]
                t = t.set_column(i, t.column_names[i], new)
        else:
            md[b"snake_ai"] = json.dumps(mutate_tree(json.loads(md[b"snake_ai"]), data)).encode()
        pq.write_table(t.replace_schema_metadata(md), d / "data.parquet")
    check_loader(load, d / "data.parquet")


@FUZZ
@given(data=st.data())
def test_checkpoint_and_resume(originals, tmp_path_factory, data):
    from snake_ai.evolution.rundir import load_best
    from snake_ai.evolution.run import prepare_resume

    d = fresh(tmp_path_factory, "run")
    shutil.copy(originals / "run" / "config.toml", d / "config.toml")
    if data.draw(st.booleans()):
        mutate_npz(originals / "run" / "checkpoint.npz", d / "checkpoint.npz", data, json_keys=("meta",))
    else:
        (d / "checkpoint.npz").write_bytes(mutate_bytes((originals / "run" / "checkpoint.npz").read_bytes(), data))

    def resume(path):
        load_best(path.parent)
        prepare_resume(path.parent, data.draw(st.sampled_from([None, 3]))).close()

    check_loader(resume, d / "checkpoint.npz", writes_on_success=True)


@FUZZ
@given(data=st.data())
def test_engine_network_npz(originals, tmp_path_factory, data):
    from snake_ai.agents import load_agent

    d = fresh(tmp_path_factory, "net")
    if data.draw(st.booleans()):
        mutate_npz(originals / "net.npz", d / "net.npz", data, json_keys=("spec",))
    else:
        (d / "net.npz").write_bytes(mutate_bytes((originals / "net.npz").read_bytes(), data))
    check_loader(lambda p: load_agent(str(p)), d / "net.npz")


@pytest.fixture(scope="module")
def keras_file(originals):
    from snake_ai.policy.bridge import load_engine_network, network_to_keras

    path = originals / "model.keras"
    network_to_keras(load_engine_network(originals / "net.npz")).save(path)
    return path


def mutate_keras(src: Path, dst: Path, data) -> None:
    """A .keras file is a zip: config.json, metadata.json and model.weights.h5."""
    with zipfile.ZipFile(src) as z:
        members = {n: z.read(n) for n in z.namelist()}
    name = data.draw(st.sampled_from(sorted(members)))
    if name.endswith(".json") and data.draw(st.booleans()):
        members[name] = json.dumps(mutate_tree(json.loads(members[name]), data)).encode()
    elif data.draw(st.booleans()):
        del members[name]
    else:
        members[name] = mutate_bytes(members[name], data)
    with zipfile.ZipFile(dst, "w") as z:
        for n, b in members.items():
            z.writestr(n, b)


@settings(FUZZ, max_examples=15)
@given(data=st.data())
def test_keras_file(keras_file, tmp_path_factory, data):
    from snake_ai.policy.bridge import load_keras_network

    d = fresh(tmp_path_factory, "keras")
    if data.draw(st.booleans()):
        mutate_keras(keras_file, d / "model.keras", data)
    else:
        (d / "model.keras").write_bytes(mutate_bytes(keras_file.read_bytes(), data))
    check_loader(load_keras_network, d / "model.keras")


# ----------------------------------------------------------------------------------------------
# the CLI: exit 2, one line, files unchanged


def type_changed_files(originals: Path, d: Path) -> list[tuple[list[str], Path]]:
    """Hand-picked type changes, one per file kind, and the command that reads each."""
    cfg = tomllib.loads((originals / "run" / "config.toml").read_text())
    import tomli_w

    (d / "c.toml").write_text(tomli_w.dumps(cfg | {"population": "twenty", "space": {"units": [4, "x"]}}))
    ep = json.loads((originals / "episode.json").read_text())
    (d / "ep.json").write_text(json.dumps(ep | {"rules": [1, 2, 3]}))
    rewrite_npz(originals / "net.npz", d / "net.npz",
                lambda a: a | {"spec": np.array(json.dumps({"format": "snake-ai network", "spec": {"hidden": "9"}}))})
    csv = (originals / "data.csv").read_text().splitlines()
    csv[2] = csv[2].replace(",", ",x", 1)
    (d / "data.csv").write_text("\n".join(csv) + "\n")
    shutil.copy(originals / "data.csv.meta.json", d / "data.csv.meta.json")
    run = d / "run"
    run.mkdir()
    shutil.copy(originals / "run" / "config.toml", run / "config.toml")

    def bad_meta(a):
        meta = json.loads(str(a["meta"]))
        meta["history"] = {"not": "a list"}
        return a | {"meta": np.array(json.dumps(meta))}

    rewrite_npz(originals / "run" / "checkpoint.npz", run / "checkpoint.npz", bad_meta)
    return [
        (["evolve", "--config", str(d / "c.toml"), "--out", str(d / "new")], d / "c.toml"),
        (["replay", str(d / "ep.json"), "--record", str(d / "out.gif")], d / "ep.json"),
        (["evaluate", str(d / "net.npz"), "--games", "2"], d / "net.npz"),
        (["train", "--data", str(d / "data.csv"), "--out", str(d / "m.keras")], d / "data.csv"),
        (["evolve", "--resume", str(run)], run / "checkpoint.npz"),
    ]


def test_cli_gives_one_line_and_exit_2(originals, tmp_path):
    for args, path in type_changed_files(originals, tmp_path):
        before = files_of(tmp_path)
        p = subprocess.run([sys.executable, "-m", "snake_ai.cli.main", *args], capture_output=True, text=True,
                           timeout=300)
        assert p.returncode == 2, (args, p.stderr)
        assert len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr, p.stderr
        assert path.name in p.stderr or path.parent.name in p.stderr, p.stderr
        assert files_of(tmp_path) == before
