"""A run directory: config, history, checkpoint, best network and plots, all portable files.

    config.toml        the resolved EvolveConfig (start a new run from it with --config)
    teacher.json       the decision table the Keras trainings learn from, found by the teacher
                       search before generation 0 (hybrid; see teacher.py) (atomic)
    history.csv        one row per generation
    checkpoint.npz     the last evaluated generation: genomes, weights, fitness, history and the
                       strategy's own state (snes: its mean and sigmas) (atomic)
    hall_of_fame.npz   the run's best chromosomes by validation apples so far (atomic)
    best.keras         the best network as a plain Keras model
    best.npz           the same network in the engine's format (no TensorFlow needed)
    best.json          its genome, fitness and held-out figures
    fitness.png        best / mean / median fitness by generation
    architectures.png  the architectures of every generation
"""

from __future__ import annotations

import csv
import io
import json
import re
import tomllib
from pathlib import Path

import numpy as np

from .. import __version__
from ..atomic import atomic_path, write_text_atomic
from ..errors import SnakeAIError
from .config import EvolveConfig
from .genome import Genome
from ..policy.train import OPTIMIZERS

HISTORY_COLUMNS = ["generation", "best_fitness", "mean_fitness", "median_fitness", "best_apples",
                   "mean_apples", "validation_apples", "best_architecture", "architectures", "trainings", "train_seconds",
                   "eval_seconds", "seconds"]
TIMING_COLUMNS = ("train_seconds", "eval_seconds", "seconds")
_ARCH = re.compile(r"\d+(-\d+)*/\w+/\w+")  # an entry of the architectures column: 9-15/relu/adam


def write_config(run: Path, cfg: EvolveConfig) -> None:
    import tomli_w

    header = f"# snake-ai {__version__} evolution config; start a new run from it: snake-ai evolve --config <this file>\n"
    write_text_atomic(run / "config.toml", header + tomli_w.dumps(cfg.to_dict()))


def read_config(path: Path) -> EvolveConfig:
    try:
        d = tomllib.loads(Path(path).read_text())
    except FileNotFoundError:
        raise SnakeAIError(f"{path}: no such config file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise SnakeAIError(f"{path}: not valid TOML ({e})") from None
    try:
        return EvolveConfig.from_dict(d).validate()
    except SnakeAIError as e:
        raise SnakeAIError(f"{path}: {e}") from None


def write_history(run: Path, history: list[dict]) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=HISTORY_COLUMNS, lineterminator="\n")
    w.writeheader()
    for row in history:
        w.writerow({k: (f"{v:.6f}" if isinstance(v, float) else v) for k, v in row.items()})
    write_text_atomic(run / "history.csv", buf.getvalue())


def write_checkpoint(run: Path, generation: int, genomes: list[Genome], fitness, apples,
                     history: list[dict], cfg: EvolveConfig, elapsed: float, state: dict | None = None) -> None:
    meta = {"format": "snake-ai checkpoint", "version": __version__, "generation": generation,
            "genomes": [g.to_dict() for g in genomes], "history": history, "config": cfg.to_dict(),
            "elapsed": elapsed}
    arrays = {f"w{i}": g.weights for i, g in enumerate(genomes)}
    arrays.update({f"state_{k}": np.asarray(v, np.float64) for k, v in (state or {}).items()})
    with atomic_path(run / "checkpoint.npz") as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, fitness=np.asarray(fitness, np.float64), apples=np.asarray(apples, np.float64),
                     meta=np.array(json.dumps(meta)), **arrays)


def read_checkpoint(run: Path):
    """(generation, genomes, fitness, apples, history, config dict, elapsed, strategy state)."""
    path = run / "checkpoint.npz"
    if not path.exists():
        raise SnakeAIError(f"{run}: no checkpoint.npz; not a snake-ai run directory (or it never finished a generation)")
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            if meta.get("format") != "snake-ai checkpoint":
                raise ValueError("not a snake-ai checkpoint")
            genomes = [Genome.from_dict(d, z[f"w{i}"]) for i, d in enumerate(meta["genomes"])]
            fitness, apples = z["fitness"], z["apples"]
            state = {k[len("state_"):]: z[k] for k in z.files if k.startswith("state_")}
        for g in genomes:
            g.network()  # validates sizes and finiteness
            if g.optimizer not in (*OPTIMIZERS, "none"):
                raise ValueError(f"unknown optimizer {g.optimizer!r}")
        for name, a in (("fitness", fitness), ("apples", apples)):
            if a.dtype != np.float64 or a.shape != (len(genomes),) or not np.all(np.isfinite(a)):
                raise ValueError(f"{name} must be {len(genomes)} finite float64 values, one per genome")
        gen, history, config = meta["generation"], meta["history"], meta["config"]
        if type(gen) is not int or gen < 0:
            raise ValueError(f"generation must be an integer >= 0, got {gen!r}")
        if not isinstance(history, list) or len(history) < gen + 1 or not all(
                isinstance(r, dict) and set(r) == set(HISTORY_COLUMNS) for r in history):
            raise ValueError(f"the history must list generations 0..{gen} with the columns of history.csv")
        for r in history:
            for k, v in r.items():
                text = k in ("best_architecture", "architectures")
                if (type(v) is not str) if text else (type(v) not in (int, float) or not np.isfinite(v)):
                    raise ValueError(f"history column {k} holds {v!r}")
            if not all(_ARCH.fullmatch(e) for e in r["architectures"].split(";")):
                raise ValueError(f"history column architectures holds {r['architectures'][:60]!r}")
        if not isinstance(config, dict):
            raise ValueError("the config is not a table")
        elapsed = meta.get("elapsed", 0.0)
        if type(elapsed) not in (int, float) or not np.isfinite(elapsed):
            raise ValueError("elapsed must be a number of seconds")
        for k, v in state.items():
            if v.dtype != np.float64 or v.ndim != 1 or not np.all(np.isfinite(v)):
                raise ValueError(f"strategy state {k} must be finite float64 values")
        return gen, genomes, fitness, apples, history, config, float(elapsed), state
    except SnakeAIError:
        raise
    except Exception as e:
        raise SnakeAIError(f"{path}: corrupt checkpoint ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''})") from None


TEACHER_FORMAT = "snake-ai teacher"


def write_teacher(run: Path, search) -> None:
    """teacher.json: the teacher search's table and figures (a TeacherSearch)."""
    d = {"format": TEACHER_FORMAT, "version": __version__, **search.to_dict()}
    write_text_atomic(run / "teacher.json", json.dumps(d, indent=1) + "\n")


def read_teacher(run: Path):
    """The run's TeacherSearch from teacher.json, or None when the run has none (yet)."""
    from .teacher import TeacherSearch

    path = run / "teacher.json"
    if not path.exists():
        return None
    try:
        d = json.loads(path.read_text())
        if not isinstance(d, dict) or d.get("format") != TEACHER_FORMAT:
            raise ValueError("not a snake-ai teacher")
        search = TeacherSearch.from_dict(d)
        if search.bins != d["bins"]:
            raise ValueError(f"{d['bins']} bins but a table of {search.table.shape[1]} columns")
        return search
    except Exception as e:
        raise SnakeAIError(f"{path}: corrupt teacher file ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''})") from None


def write_hall_of_fame(run: Path, hall_of_fame: list[dict]) -> None:
    """The hall of fame: entries {genome, validation_apples, fitness, generation}, best first."""
    meta = {"format": "snake-ai hall of fame", "version": __version__,
            "entries": [{"genome": e["genome"].to_dict(), **{k: v for k, v in e.items() if k != "genome"}}
                        for e in hall_of_fame]}
    arrays = {f"w{i}": e["genome"].weights for i, e in enumerate(hall_of_fame)}
    with atomic_path(run / "hall_of_fame.npz") as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, meta=np.array(json.dumps(meta)), **arrays)


def read_hall_of_fame(run: Path) -> list[dict]:
    """The hall of fame written by ``write_hall_of_fame`` ([] when the run has none)."""
    path = Path(run) / "hall_of_fame.npz"
    if not path.exists():
        return []
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            if meta.get("format") != "snake-ai hall of fame":
                raise ValueError("not a snake-ai hall of fame")
            out = []
            for i, e in enumerate(meta["entries"]):
                g = Genome.from_dict(e["genome"], z[f"w{i}"])
                g.network()
                out.append({"genome": g, **{k: v for k, v in e.items() if k != "genome"}})
        return out
    except Exception as e:
        raise SnakeAIError(f"{path}: corrupt hall of fame ({type(e).__name__})") from None


def save_best(run: Path, genome: Genome, info: dict, keras_file: bool = True) -> None:
    from ..policy.bridge import network_to_keras, save_engine_network

    net = genome.network()
    save_engine_network(net, run / "best.npz", extra={"genome": genome.to_dict()})
    write_text_atomic(run / "best.json", json.dumps({"genome": genome.to_dict(), **info}, indent=1))
    if keras_file:
        with atomic_path(run / "best.keras") as tmp:
            network_to_keras(net, name="snake_ai_best").save(tmp)


def load_best(path: Path):
    """(Network, label) of a run directory or an exported agent folder (best.npz + best.json)."""
    from ..policy.bridge import load_engine_network

    path = Path(path)
    if (path / "best.npz").exists():
        net = load_engine_network(path / "best.npz")
    elif (path / "hall_of_fame.npz").exists() and read_hall_of_fame(path):
        net = read_hall_of_fame(path)[0]["genome"].network()  # a run in progress: its best so far
    elif (path / "checkpoint.npz").exists():
        _, genomes, fitness, *_ = read_checkpoint(path)
        net = genomes[int(np.argmax(fitness))].network()
    else:
        raise SnakeAIError(f"{path}: no best.npz or checkpoint.npz; not a run directory or agent folder")
    return net, f"{path.name} best"


def plot_fitness(run: Path, history: list[dict], title: str, apples: bool = False) -> None:
    """Best, mean and median fitness per generation and the chosen best's validation apples; with
    ``apples`` (a fitness that adds the probe score, on another scale) the fittest chromosome's and
    the generation's mean apples instead of fitness."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    gen = [r["generation"] for r in history]
    fig, ax = plt.subplots(figsize=(7, 4))
    if apples:
        ax.plot(gen, [r["best_apples"] for r in history], "o-", label="the fittest's apples")
        ax.plot(gen, [r["mean_apples"] for r in history], "s--", label="mean apples")
    else:
        ax.plot(gen, [r["best_fitness"] for r in history], "o-", label="best")
        ax.plot(gen, [r["mean_fitness"] for r in history], "s--", label="mean")
        ax.plot(gen, [r["median_fitness"] for r in history], "^:", label="median")
    val = [(r["generation"], float(r["validation_apples"])) for r in history if r.get("validation_apples") not in (None, "")]
    if val:
        ax.plot(*zip(*val), "D-", color="k", label="validation apples of the chosen best")
    ax.set_xlabel("generation")
    ax.set_ylabel("mean apples per game" if apples else "fitness (mean apples per game)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    with atomic_path(run / "fitness.png") as tmp:
        fig.savefig(tmp, dpi=100, format="png")
    plt.close(fig)


def plot_architectures(run: Path, history: list[dict]) -> None:
    """Each genome as a dot: generation vs hidden units, coloured by activation, sized by depth;
    the generation's best is outlined. Read from the history's ``architectures`` column, where a
    generation's genomes are listed best first as ``h1-h2/activation/optimizer``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colors = {"relu": "tab:blue", "elu": "tab:orange", "tanh": "tab:green", "sigmoid": "tab:red",
              "selu": "tab:purple", "linear": "tab:gray"}
    fig, ax = plt.subplots(figsize=(7, 4))
    rng = np.random.default_rng(0)
    points: dict[str, list] = {}  # activation -> [(generation, units, layers, is_best)]
    for row in history:
        for rank, entry in enumerate(str(row["architectures"]).split(";")):
            hidden, act, _ = entry.split("/")
            widths = [int(h) for h in hidden.split("-")]
            points.setdefault(act, []).append((row["generation"], sum(widths), len(widths), rank == 0))
    for act, pts in points.items():  # one scatter call per activation and kind: fast for long runs
        a = np.array(pts, dtype=float)
        x = a[:, 0] + rng.uniform(-0.25, 0.25, len(a))
        for best, alpha in ((False, 0.45), (True, 1.0)):
            m = (a[:, 3] > 0) == best
            if m.any():
                ax.scatter(x[m], a[m, 1], s=20 + 25 * a[m, 2], color=colors.get(act, "k"), alpha=alpha,
                           label=None if best else act, edgecolors="k" if best else "none", linewidths=1.5)
    ax.set_yscale("log")
    ax.set_xlabel("generation")
    ax.set_ylabel("hidden units in total (log)")
    ax.set_title("architectures (size: hidden layers; outlined: each generation's best)")
    ax.legend(fontsize=8, loc="best")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    with atomic_path(run / "architectures.png") as tmp:
        fig.savefig(tmp, dpi=100, format="png")
    plt.close(fig)
